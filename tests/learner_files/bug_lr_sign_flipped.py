# Bug lab learner file: lr_sign_flipped (learning rate sign flipped).
# Check it:
#   backprop-tui check tests/learner_files/bug_lr_sign_flipped.py \
#     --layers 2,2,1 --activation sigmoid --output-activation sigmoid --loss mse --lr 0.1
"""My forward and backward pass for a 2-2-1 network (sigmoid hidden, sigmoid output, mse loss).

Check it:
    backprop-tui check THIS_FILE.py --layers 2,2,1 --activation sigmoid \
        --output-activation sigmoid --loss mse --lr 0.1

The contract: params holds W1, b1, W2, b2, ... with W{l} of shape (fan_in, fan_out) and b{l} of
shape (fan_out,); X has one row per sample. forward returns z1, a1, ...; backward returns dz1, ...
(or delta1, ...), dW1, db1, ...; update (optional) returns the new params; loss (optional) the loss.

Convention used here (most write-ups use it): dz is the gradient of the batch MEAN loss, so it is
the per-sample error signal divided by N, and dW = a_prev.T @ dz needs no further division.
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def forward(X, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    z1 = X @ W1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2 + b2
    a2 = sigmoid(z2)
    return {"z1": z1, "a1": a1, "z2": z2, "a2": a2}


def loss(Y, Y_hat):
    # mean squared error: the mean over samples and outputs
    return np.mean((Y_hat - Y) ** 2)


def backward(X, Y, params, cache):
    N, n_out = Y.shape
    W2 = params["W2"]
    z1, a1 = cache["z1"], cache["a1"]
    z2, a2 = cache["z2"], cache["a2"]
    # the output layer
    dz2 = 2 * (a2 - Y) / n_out * sigmoid_prime(z2) / N
    dW2 = a1.T @ dz2
    db2 = dz2.sum(axis=0)
    # layer 1: the line backpropagation is named for
    dz1 = (dz2 @ W2.T) * sigmoid_prime(z1)
    dW1 = X.T @ dz1
    db1 = dz1.sum(axis=0)
    grads = {"dz1": dz1, "dW1": dW1, "db1": db1, "dz2": dz2, "dW2": dW2, "db2": db2}
    return grads


def update(params, grads, lr):
    W1 = params["W1"] + lr * grads["dW1"]
    b1 = params["b1"] + lr * grads["db1"]
    W2 = params["W2"] + lr * grads["dW2"]
    b2 = params["b2"] + lr * grads["db2"]
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
