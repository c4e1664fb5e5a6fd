"""Never returns: the check stops it at the time limit."""


def forward(X, params):
    while True:
        pass


def backward(X, Y, params, cache):
    return {}
