"""Activation functions, each with its derivative side by side.

`backprop(z, a, grad_a)` turns dL/da into dL/dz for one layer. For the
element-wise functions that is `grad_a * f'(z)`; softmax couples its units,
so it applies its Jacobian instead (only allowed on the output layer).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

# exp(709) is the largest power of e a float64 holds; clamping there keeps
# 1/(1+exp(-z)) free of overflow warnings and bit-identical to the textbook
# formula everywhere else. float32 holds up to e^88.7.
_EXP_LIMIT = 709.0
_EXP_LIMIT_F32 = 88.0


def _constant(value: float, dtype: type) -> Array:
    c: Array = np.array(value, dtype)
    c.flags.writeable = False
    return c


# The constants of the formulas as read-only 0-d arrays of each float dtype,
# looked up by the array's dtype: NumPy combines a 0-d array of the same dtype
# with an array to the same values as a Python float, with less work per call
# (which is most of a call's cost on the small arrays of a small network).
_ONE: dict[np.dtype, Array] = {np.dtype(t): _constant(1.0, t) for t in (np.float64, np.float32)}
_SIGMOID: dict[np.dtype, tuple[Array, Array]] = {  # dtype -> (the lowest z the clamp lets through, 1)
    np.dtype(np.float64): (_constant(-_EXP_LIMIT, np.float64), _ONE[np.dtype(np.float64)]),
    np.dtype(np.float32): (_constant(-_EXP_LIMIT_F32, np.float32), _ONE[np.dtype(np.float32)]),
}


_ZERO: dict[np.dtype, Array] = {np.dtype(t): _constant(0.0, t) for t in (np.float64, np.float32)}


def sigmoid(z: Array) -> Array:
    constants = _SIGMOID.get(z.dtype)
    if constants is None:  # another dtype: the same formula with Python floats
        return 1.0 / (1.0 + np.exp(-np.maximum(z, -_EXP_LIMIT)))
    lowest, one = constants
    # one / (one + exp(-max(z, lowest))), each step written into the one new array.
    t = np.maximum(z, lowest)
    np.negative(t, t)
    np.exp(t, t)
    np.add(one, t, t)
    np.divide(one, t, t)
    return t


def sigmoid_derivative(z: Array, a: Array) -> Array:
    return a * (_ONE.get(a.dtype, 1.0) - a)


def sigmoid_times_derivative(g: Array, z: Array, a: Array) -> Array:
    one = _ONE.get(a.dtype)
    if one is None:
        return g * sigmoid_derivative(z, a)
    t = np.subtract(one, a)
    np.multiply(a, t, t)
    np.multiply(g, t, g)
    return g


def sigmoid_for(dtype: np.dtype) -> Callable[[Array], Array]:
    """`sigmoid` for arrays of one float dtype, its constants bound once: the
    same five steps without the lookup by dtype on every call (a hot loop
    that knows its dtype calls it many times)."""
    lowest, one = _SIGMOID[dtype]
    maximum, negative, exp, add, divide = np.maximum, np.negative, np.exp, np.add, np.divide

    def sigmoid_of_dtype(z: Array) -> Array:
        t = maximum(z, lowest)
        negative(t, t)
        exp(t, t)
        add(one, t, t)
        divide(one, t, t)
        return t

    return sigmoid_of_dtype


def sigmoid_times_derivative_for(dtype: np.dtype) -> Callable[[Array, Array, Array], Array]:
    """`sigmoid_times_derivative` for arrays of one float dtype, as `sigmoid_for`."""
    one = _ONE[dtype]
    subtract, multiply = np.subtract, np.multiply

    def times_derivative_of_dtype(g: Array, z: Array, a: Array) -> Array:
        t = subtract(one, a)
        multiply(a, t, t)
        multiply(g, t, g)
        return g

    return times_derivative_of_dtype


def tanh(z: Array) -> Array:
    return np.tanh(z)


def tanh_derivative(z: Array, a: Array) -> Array:
    return 1.0 - a * a


def tanh_times_derivative(g: Array, z: Array, a: Array) -> Array:
    t = np.multiply(a, a)
    np.subtract(_ONE.get(a.dtype, 1.0), t, t)
    np.multiply(g, t, g)
    return g


def relu(z: Array) -> Array:
    return np.maximum(z, _ZERO.get(z.dtype, 0.0))


def relu_derivative(z: Array, a: Array) -> Array:
    # The kink at 0 takes derivative 0, the usual convention.
    return (z > 0.0).astype(z.dtype)


def relu_times_derivative(g: Array, z: Array, a: Array) -> Array:
    # Times a boolean: NumPy makes it 1.0 or 0.0 of g's dtype, as relu_derivative does.
    np.multiply(g, np.greater(z, _ZERO.get(z.dtype, 0.0)), g)
    return g


LEAKY_SLOPE = 0.01


def leaky_relu(z: Array) -> Array:
    return np.where(z > 0.0, z, LEAKY_SLOPE * z)


def leaky_relu_derivative(z: Array, a: Array) -> Array:
    return np.where(z > 0.0, 1.0, LEAKY_SLOPE).astype(z.dtype)


def linear(z: Array) -> Array:
    return z


def linear_derivative(z: Array, a: Array) -> Array:
    return np.ones_like(z)


def softmax(z: Array) -> Array:
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def softmax_derivative(z: Array, a: Array) -> Array:
    """The diagonal of the Jacobian, a(1-a): what the saturation diagnostics read."""
    return a * (1.0 - a)


@dataclass(frozen=True)
class Activation:
    name: str
    forward: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array]
    elementwise: bool = True
    # Output range, for the loss compatibility checks: (low, high), open.
    output_range: tuple[float, float] = (-np.inf, np.inf)
    # |f'(z)| below this share of its peak counts as saturated (diagnostics).
    saturates: bool = False
    # g * derivative(z, a) written into g, with fewer new arrays; None: that product.
    times_derivative_into: Callable[[Array, Array, Array], Array] | None = None

    def times_derivative(self, g: Array, z: Array, a: Array) -> Array:
        """g * f'(z), the backward pass's step through a hidden layer: the
        same values as `g * self.derivative(z, a)`, written into `g` (a new
        array the caller owns) where this activation knows how."""
        if self.times_derivative_into is not None:
            return self.times_derivative_into(g, z, a)
        return g * self.derivative(z, a)

    def backprop(self, z: Array, a: Array, grad_a: Array) -> Array:
        """dL/dz from dL/da: the chain rule through this activation."""
        if self.elementwise:
            return grad_a * self.derivative(z, a)
        # softmax: dL/dz_j = a_j * (g_j - sum_k g_k a_k)
        return a * (grad_a - (grad_a * a).sum(axis=1, keepdims=True))


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        "sigmoid",
        sigmoid,
        sigmoid_derivative,
        output_range=(0.0, 1.0),
        saturates=True,
        times_derivative_into=sigmoid_times_derivative,
    ),
    "tanh": Activation(
        "tanh",
        tanh,
        tanh_derivative,
        output_range=(-1.0, 1.0),
        saturates=True,
        times_derivative_into=tanh_times_derivative,
    ),
    "relu": Activation(
        "relu", relu, relu_derivative, output_range=(0.0, np.inf), times_derivative_into=relu_times_derivative
    ),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_derivative),
    "linear": Activation("linear", linear, linear_derivative),
    "softmax": Activation(
        "softmax", softmax, softmax_derivative, elementwise=False, output_range=(0.0, 1.0), saturates=True
    ),
}

HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "softmax")

OUTPUT_ACTIVATIONS = tuple(ACTIVATIONS)


def forward_for(act: Activation, dtype: np.dtype) -> Callable[[Array], Array]:
    """`act.forward` for arrays of `dtype` (a float dtype of the tables above):
    the sigmoid's with its constants bound (`sigmoid_for`), else `act.forward`."""
    return sigmoid_for(dtype) if act.forward is sigmoid else act.forward


def times_derivative_for(act: Activation, dtype: np.dtype) -> Callable[[Array, Array, Array], Array]:
    """g * f'(z) into g for arrays of `dtype`, as `Activation.times_derivative`:
    the sigmoid's with its constant bound, else the activation's own."""
    if act.times_derivative_into is sigmoid_times_derivative:
        return sigmoid_times_derivative_for(dtype)
    return act.times_derivative_into or act.times_derivative
