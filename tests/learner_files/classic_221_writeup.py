"""The classic from-scratch XOR write-up (np.random.seed(42), W1 = randn(2, 2), W2 = randn(2, 1),
sigmoid, MSE, lr 0.1), its lines pasted into the check template's functions.

Its habits, all conventions rather than bugs: sigmoid_derivative takes the sigmoid's OUTPUT
(x * (1 - x) on a1 and a2, which is f'(z)); the output error has no factor 2 (the gradient of
half the squared error) and nothing is divided by N (gradients of the summed loss).
The test makes the weights file: W1, W2 from np.random.seed(42), zero biases.
"""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    return x * (1 - x)


def forward(X, params):
    hidden_input = np.dot(X, params["W1"]) + params["b1"]
    hidden_output = sigmoid(hidden_input)
    final_input = np.dot(hidden_output, params["W2"]) + params["b2"]
    output = sigmoid(final_input)
    return {"z1": hidden_input, "a1": hidden_output, "z2": final_input, "a2": output}


def loss(Y, Y_hat):
    return np.mean(np.square(Y - Y_hat))


def backward(X, Y, params, cache):
    hidden_output, output = cache["a1"], cache["a2"]
    error = output - Y
    d_output = error * sigmoid_derivative(output)
    error_hidden = d_output.dot(params["W2"].T)
    d_hidden = error_hidden * sigmoid_derivative(hidden_output)
    return {
        "delta2": d_output,
        "dW2": hidden_output.T.dot(d_output),
        "db2": np.sum(d_output, axis=0, keepdims=True),
        "delta1": d_hidden,
        "dW1": X.T.dot(d_hidden),
        "db1": np.sum(d_hidden, axis=0, keepdims=True),
    }


def update(params, grads, lr):
    return {
        "W1": params["W1"] - lr * grads["dW1"],
        "b1": params["b1"] - lr * grads["db1"],
        "W2": params["W2"] - lr * grads["dW2"],
        "b2": params["b2"] - lr * grads["db2"],
    }
