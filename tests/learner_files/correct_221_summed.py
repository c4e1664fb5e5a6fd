"""A correct 2-2-1 file in the summed-loss convention: dz is the per-sample error signal
(the engine's delta), dW and db sum over the batch; the loss is summed too."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = sigmoid(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    a2 = sigmoid(z2)
    return {"z1": z1, "a1": a1, "z2": z2, "a2": a2}


def loss(Y, Y_hat):
    return np.sum((Y_hat - Y) ** 2)


def backward(X, Y, params, cache):
    a1, a2 = cache["a1"], cache["a2"]
    dz2 = 2 * (a2 - Y) * a2 * (1 - a2)
    dz1 = (dz2 @ params["W2"].T) * a1 * (1 - a1)
    return {"dz2": dz2, "dW2": a1.T @ dz2, "db2": dz2.sum(axis=0),
            "dz1": dz1, "dW1": X.T @ dz1, "db1": dz1.sum(axis=0)}
