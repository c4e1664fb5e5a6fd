"""Prints without end: the check stops it at its output limit."""


def forward(X, params):
    while True:
        print("z1 =", "0.5 " * 1000)


def backward(X, Y, params, cache):
    return {}
