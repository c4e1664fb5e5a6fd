"""backward raises: the check names the exception and the line, never a traceback."""

import numpy as np


def forward(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = 1 / (1 + np.exp(-z1))
    z2 = a1 @ params["W2"] + params["b2"]
    return {"z1": z1, "a1": a1, "z2": z2, "a2": 1 / (1 + np.exp(-z2))}


def backward(X, Y, params, cache):
    dz2 = cache["a2"] - Y
    return {"dW2": cache["a1"].T @ dz2, "dW1": X.T @ (dz2 @ params["W3"].T)}
