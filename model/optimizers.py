"""Parameter updates: SGD, SGD with momentum, Adam, and L1/L2 penalties.

An optimizer is a frozen description plus a pure `apply` on the flat
parameter vector (see parameters.py): parameters, gradient and state in,
new parameters and new state out. Nothing is changed in place, so the
trainer can keep earlier states by reference and rewind to them exactly.

Penalties act on weights only (not biases): the gradient used for the update
is dW + l2 * W + l1 * sign(W); the loss shown is the data loss.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from model.config import Config

Array = np.ndarray

OPTIMIZERS = ("sgd", "momentum", "adam")

# apply's signature: (params, grad, state, n_weights) -> (new params, new state).
Update = Callable[[Array, Array, "OptimizerState", int], tuple[Array, "OptimizerState"]]


class OptimizerState(NamedTuple):
    """What an optimizer carries between updates; `kind` says whose it is."""

    kind: str
    step: int = 0
    slots: tuple[Array, ...] = ()


class _Constants(NamedTuple):
    """An optimizer's settings as 0-d arrays of one dtype: NumPy combines them
    with an array of that dtype to the same values as the Python floats (which
    it would convert to that dtype), with less work per call."""

    lr: Array
    momentum: Array
    beta1: Array
    one_minus_beta1: Array
    beta2: Array
    one_minus_beta2: Array
    eps: Array
    l1: Array
    l2: Array


@dataclass(frozen=True)
class Optimizer:
    kind: str = "sgd"
    lr: float = 0.5
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    l1: float = 0.0
    l2: float = 0.0

    @classmethod
    def from_config(cls, config: Config) -> Optimizer:
        """The optimizer a configuration names: its settings are Config's
        fields of the same names (the optimizer's kind is `config.optimizer`),
        so a new setting is added in one place and copied by name."""
        settings = {f.name: getattr(config, f.name) for f in fields(cls) if f.name != "kind"}
        return cls(config.optimizer, **settings)

    def init_state(self, params: Array) -> OptimizerState:
        if self.kind == "momentum":
            return OptimizerState("momentum", 0, (np.zeros_like(params),))
        if self.kind == "adam":
            return OptimizerState("adam", 0, (np.zeros_like(params), np.zeros_like(params)))
        return OptimizerState("sgd")

    @cached_property
    def _by_dtype(self) -> dict[np.dtype, _Constants]:
        return {}

    def _constants(self, dtype: np.dtype) -> _Constants:
        """The settings as 0-d arrays of `dtype`, made once per dtype."""
        c = self._by_dtype.get(dtype)
        if c is None:
            b1, b2 = self.beta1, self.beta2
            values = (self.lr, self.momentum, b1, 1.0 - b1, b2, 1.0 - b2, self.eps, self.l1, self.l2)
            c = self._by_dtype[dtype] = _Constants(*(np.array(value, dtype) for value in values))
        return c

    def effective_gradient(self, params: Array, grad: Array, n_weights: int) -> Array:
        """The gradient plus the penalties' share, on the weights only."""
        if not (self.l1 or self.l2):
            return grad
        c = self._constants(params.dtype)
        grad = grad.copy()
        w = params[:n_weights]
        if self.l2:
            grad[:n_weights] += c.l2 * w
        if self.l1:
            grad[:n_weights] += c.l1 * np.sign(w)
        return grad

    def update_for(self, dtype: np.dtype) -> Update:
        """`apply` for parameters of `dtype`, for a loop that updates many times:
        for plain SGD (no penalties; this class, not a subclass that changes
        `apply`) the same two steps with the learning rate bound once and no
        checks of kind or penalties per call; else `apply` itself."""
        if type(self) is not Optimizer or self.kind != "sgd" or self.l1 or self.l2:
            return self.apply
        lr = self._constants(dtype).lr
        multiply, subtract, init_state = np.multiply, np.subtract, self.init_state

        def sgd(params: Array, grad: Array, state: OptimizerState, n_weights: int) -> tuple[Array, OptimizerState]:
            if state.kind != "sgd":  # the user switched: start afresh, as apply does
                state = init_state(params)
            return subtract(params, multiply(lr, grad)), state

        return sgd

    def apply(self, params: Array, grad: Array, state: OptimizerState, n_weights: int) -> tuple[Array, OptimizerState]:
        """One update. A state of another kind (the user switched) starts afresh."""
        kind = self.kind
        if state.kind != kind:
            state = self.init_state(params)
        g = self.effective_gradient(params, grad, n_weights) if (self.l1 or self.l2) else grad
        c = self._by_dtype.get(params.dtype) or self._constants(params.dtype)
        if kind == "sgd":
            return params - c.lr * g, state
        if kind == "momentum":
            velocity = c.momentum * state.slots[0] - c.lr * g
            return params + velocity, OptimizerState("momentum", state.step + 1, (velocity,))
        t = state.step + 1
        b1, b2 = self.beta1, self.beta2
        m = c.beta1 * state.slots[0] + c.one_minus_beta1 * g
        v = c.beta2 * state.slots[1] + c.one_minus_beta2 * (g * g)
        # Worked out in Python floats, then made the parameters' dtype (float32 stays float32).
        step = np.array(float(self.lr * np.sqrt(1.0 - b2**t) / (1.0 - b1**t)), params.dtype)
        return params - step * m / (np.sqrt(v) + c.eps), OptimizerState("adam", t, (m, v))
