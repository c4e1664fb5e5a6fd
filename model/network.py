"""The multi-layer perceptron: forward and backward side by side.

Shapes and conventions (the UI shows them):
- `W[l]` has shape (fan_in, fan_out), `b[l]` shape (fan_out,), so a layer is
  `z[l] = a[l-1] @ W[l] + b[l]` with one row per sample, and `a[-1]` is X.
- `delta[l]` is the error signal of each sample: row i is
  d(loss of sample i)/d(z[l] of sample i), shape (samples, units).
- The weight gradient is the batch mean of the per-sample gradients:
  `dW[l] = a[l-1].T @ delta[l] / N`, `db[l] = delta[l].sum(0) / N`.
- Backpropagation: `delta[l] = (delta[l+1] @ W[l+1].T) * f'(z[l])`.
  With feedback alignment, a fixed random `B[l+1]` takes the place of W[l+1].

Parameters live in one flat vector (see parameters.py); the network itself
holds only the architecture, so any parameter vector can be evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np

from model.activations import ACTIVATIONS, Activation
from model.losses import LOSSES, Loss
from model.parameters import Buffer, Layout
from model.row_blocks import LARGE_VALUES, add_to_each_row, in_row_blocks

Array = np.ndarray

# Looked up once: the column sums of a small network's arrays cost less than
# finding np.add.reduce twice.
_add_reduce = np.add.reduce


class ForwardPass(NamedTuple):
    """z and a of every layer for one batch; `inputs` is the batch itself."""

    inputs: Array
    z: list[Array]
    a: list[Array]

    @property
    def output(self) -> Array:
        return self.a[-1]

    def layer_input(self, layer: int) -> Array:
        """What layer `layer` multiplies by its weights: X or the previous a."""
        return self.inputs if layer == 0 else self.a[layer - 1]


class BackwardPass:
    """Per layer: the per-sample deltas and the batch-mean gradients.

    `grad` is the flat gradient, laid out like the parameters; `dW` and `db`
    are per-layer views into it, made when first asked for (the optimizer
    needs only the flat vector).
    """

    __slots__ = ("delta", "grad", "_layout", "_views")

    def __init__(self, delta: list[Array], grad: Array, layout: Layout):
        self.delta = delta
        self.grad = grad
        self._layout = layout
        self._views: tuple[list[Array], list[Array]] | None = None

    def _split(self) -> tuple[list[Array], list[Array]]:
        if self._views is None:
            self._views = self._layout.views(self.grad)
        return self._views

    @property
    def dW(self) -> list[Array]:
        return self._split()[0]

    @property
    def db(self) -> list[Array]:
        return self._split()[1]


@dataclass(frozen=True)
class Network:
    """The architecture: layer sizes, one activation per layer, and a loss.

    `feedback`, when given, holds one fixed matrix per layer (shaped like W)
    that the backward pass uses instead of the weights: feedback alignment.
    """

    layout: Layout
    activations: tuple[Activation, ...]
    loss: Loss
    feedback: tuple[Array, ...] | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls, sizes: tuple[int, ...], hidden: str, output: str, loss: str, feedback: tuple[Array, ...] | None = None
    ) -> "Network":
        acts = (ACTIVATIONS[hidden],) * (len(sizes) - 2) + (ACTIVATIONS[output],)
        return cls(Layout(tuple(sizes)), acts, LOSSES[loss], feedback)

    @property
    def sizes(self) -> tuple[int, ...]:
        return self.layout.sizes

    @property
    def n_layers(self) -> int:
        return len(self.activations)

    @cached_property
    def uses_fused_delta(self) -> bool:
        return self.loss.fused_with == self.activations[-1].name

    @cached_property
    def _forward_functions(self) -> tuple[Callable[[Array], Array], ...]:
        return tuple(act.forward for act in self.activations)

    @cached_property
    def _times_derivatives(self) -> tuple[Callable[[Array, Array, Array], Array], ...]:
        """Per layer, g * f'(z) into g (Activation.times_derivative), looked up once."""
        return tuple(act.times_derivative_into or act.times_derivative for act in self.activations)

    @cached_property
    def _times_derivatives_in_blocks(self) -> tuple[Callable[[Array, Array, Array], Array], ...]:
        """The same, a block of rows at a time, for many samples (model/row_blocks.py)."""
        return tuple(in_row_blocks(f) for f in self._times_derivatives)

    @cached_property
    def _loss_from_z(self) -> bool:
        return self.loss.per_sample_from_logits is not None and self.uses_fused_delta

    def forward(self, X: Array, W: list[Array], b: list[Array]) -> ForwardPass:
        zs: list[Array] = []
        acts: list[Array] = []
        a = X
        for W_l, b_l, f in zip(W, b, self._forward_functions):
            z = a @ W_l
            if z.size < LARGE_VALUES:
                z += b_l  # z = a @ W + b, without a second new array
            else:  # many samples: the same sums, in blocks of rows (model/row_blocks.py)
                add_to_each_row(z, b_l)
            a = f(z)
            zs.append(z)
            acts.append(a)
        return ForwardPass(X, zs, acts)

    def output_delta(self, fwd: ForwardPass, Y: Array, fused: bool | None = None) -> Array:
        """d(loss of each sample)/dz of the output layer.

        The general route is the chain rule, dL/da * da/dz. Where the
        activation's derivative cancels the loss's denominator (sigmoid with
        BCE, softmax with CE) the fused form y_hat - y is exact and stable.
        """
        if fused is None:
            fused = self.uses_fused_delta
        if fused:
            return self.loss.fused_delta(fwd.a[-1], Y)
        return self.activations[-1].backprop(fwd.z[-1], fwd.a[-1], self.loss.gradient(fwd.a[-1], Y))

    def backward(
        self, fwd: ForwardPass, Y: Array, W: list[Array], fused: bool | None = None, sums: Buffer | None = None
    ) -> BackwardPass:
        """Deltas, then gradients, from the output layer down.

        `sums`, when given, is a buffer of this layout that the per-layer sums
        a.T @ delta and sum(delta) are written into before one division by N
        makes the flat gradient (a new array: the buffer can be reused at once).
        A trainer passes the one it keeps; without it, one is made per call.
        """
        n = Y.shape[0]
        L = len(W)
        deltas: list[Array] = [None] * L  # type: ignore[list-item]
        back = W if self.feedback is None else self.feedback
        z, a, times_derivative = fwd.z, fwd.a, self._times_derivatives
        inputs = [fwd.inputs, *a[:-1]]
        delta = self.output_delta(fwd, Y, fused)
        if sums is None:
            sums = self.layout.buffer(delta.dtype)
        sum_W, sum_b = sums.W, sums.b
        for l in range(L - 1, -1, -1):
            deltas[l] = delta
            np.matmul(inputs[l].T, delta, sum_W[l])  # N * dW[l]
            _add_reduce(delta, axis=0, out=sum_b[l])  # N * db[l]
            if l:
                # The line backpropagation is named for, delta = (delta @ W[l].T) * f'(z[l-1]):
                g = delta @ back[l].T
                # Many samples: in blocks of rows, the same values (model/row_blocks.py).
                step = self._times_derivatives_in_blocks if g.size >= LARGE_VALUES else times_derivative
                delta = step[l - 1](g, z[l - 1], a[l - 1])
        # The batch mean of every dW and db, laid out like the parameters.
        return BackwardPass(deltas, sums.flat / n, self.layout)

    def sample_loss(self, fwd: ForwardPass, Y: Array) -> Array:
        """The loss of each sample; from the output's z where the loss has an
        exact form for this output activation (sigmoid with BCE)."""
        if self._loss_from_z:
            return self.loss.per_sample_from_logits(fwd.z[-1], Y)  # type: ignore[misc]
        return self.loss.per_sample(fwd.a[-1], Y)

    def loss_of(self, fwd: ForwardPass, Y: Array) -> float:
        """The loss of the batch: the mean of its samples' losses."""
        per_sample = self.sample_loss(fwd, Y)
        return float(np.add.reduce(per_sample) / per_sample.shape[0])

    def loss_value(self, X: Array, Y: Array, W: list[Array], b: list[Array]) -> float:
        return self.loss_of(self.forward(X, W, b), Y)
