"""dW2 comes back transposed, (1, 2) instead of (2, 1)."""

import numpy as np


def forward(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = 1 / (1 + np.exp(-z1))
    z2 = a1 @ params["W2"] + params["b2"]
    return {"z1": z1, "a1": a1, "z2": z2, "a2": 1 / (1 + np.exp(-z2))}


def backward(X, Y, params, cache):
    a1, a2 = cache["a1"], cache["a2"]
    dz2 = 2 * (a2 - Y) * a2 * (1 - a2) / len(X)
    dz1 = (dz2 @ params["W2"].T) * a1 * (1 - a1)
    return {"dz2": dz2, "dW2": dz2.T @ a1, "db2": dz2.sum(0), "dz1": dz1, "dW1": X.T @ dz1, "db1": dz1.sum(0)}
