"""A correct 2-2-1 file with biases as (1, n) rows and per-sample deltas whose
gradients are batch means (dW = a_prev.T @ delta / N)."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(X, params):
    z1 = X @ params["W1"] + params["b1"].reshape(1, -1)
    a1 = sigmoid(z1)
    z2 = a1 @ params["W2"] + params["b2"].reshape(1, -1)
    a2 = sigmoid(z2)
    return {"z1": z1, "a1": a1, "z2": z2, "a2": a2}


def backward(X, Y, params, cache):
    N = X.shape[0]
    a1, a2 = cache["a1"], cache["a2"]
    delta2 = 2 * (a2 - Y) * a2 * (1 - a2)
    delta1 = (delta2 @ params["W2"].T) * a1 * (1 - a1)
    return {"delta2": delta2, "dW2": a1.T @ delta2 / N, "db2": delta2.sum(axis=0, keepdims=True) / N,
            "delta1": delta1, "dW1": X.T @ delta1 / N, "db1": delta1.sum(axis=0, keepdims=True) / N}


def update(params, grads, lr):
    return {key: params[key].reshape(grads["d" + key].shape) - lr * grads["d" + key] for key in params}
