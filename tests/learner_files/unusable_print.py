"""Prints its gradients instead of returning them (backward returns None)."""

import numpy as np

print("loading my network")


def forward(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = 1 / (1 + np.exp(-z1))
    z2 = a1 @ params["W2"] + params["b2"]
    return {"z1": z1, "a1": a1, "z2": z2, "a2": 1 / (1 + np.exp(-z2))}


def backward(X, Y, params, cache):
    print("dz2 =", cache["a2"] - Y)
