"""A correct 2-2-1 file that stores weights transposed, W{l} as (fan_out, fan_in), as the
layer-as-matrix write-ups do: z = a_prev @ W.T + b, dW = dz.T @ a_prev."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(X, params):
    z1 = X @ params["W1"].T + params["b1"]
    a1 = sigmoid(z1)
    z2 = a1 @ params["W2"].T + params["b2"]
    a2 = sigmoid(z2)
    return {"z1": z1, "a1": a1, "z2": z2, "a2": a2}


def backward(X, Y, params, cache):
    N = X.shape[0]
    a1, a2 = cache["a1"], cache["a2"]
    dz2 = 2 * (a2 - Y) * a2 * (1 - a2) / N
    dz1 = (dz2 @ params["W2"]) * a1 * (1 - a1)
    return {"dz2": dz2, "dW2": dz2.T @ a1, "db2": dz2.sum(axis=0),
            "dz1": dz1, "dW1": dz1.T @ X, "db1": dz1.sum(axis=0)}


def update(params, grads, lr):
    return {key: params[key] - lr * grads["d" + key] for key in params}
