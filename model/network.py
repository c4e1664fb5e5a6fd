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

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from model.activations import ACTIVATIONS, Activation
from model.losses import LOSSES, Loss
from model.parameters import Layout

Array = np.ndarray


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


class BackwardPass(NamedTuple):
    """Per layer: the per-sample deltas and the batch-mean gradients.

    `dW` and `db` are views into `grad`, the flat gradient vector laid out
    like the parameters.
    """

    delta: list[Array]
    dW: list[Array]
    db: list[Array]
    grad: Array


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

    @property
    def uses_fused_delta(self) -> bool:
        return self.loss.fused_with == self.activations[-1].name

    def forward(self, X: Array, W: list[Array], b: list[Array]) -> ForwardPass:
        zs: list[Array] = []
        acts: list[Array] = []
        a = X
        for W_l, b_l, act in zip(W, b, self.activations):
            z = a @ W_l + b_l
            a = act.forward(z)
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

    def backward(self, fwd: ForwardPass, Y: Array, W: list[Array], fused: bool | None = None) -> BackwardPass:
        n = Y.shape[0]
        L = len(W)
        grad = np.empty(self.layout.n_params, dtype=fwd.a[-1].dtype)
        dW, db = self.layout.views(grad)
        deltas: list[Array] = [None] * L  # type: ignore[list-item]
        back = W if self.feedback is None else self.feedback
        z, a, acts = fwd.z, fwd.a, self.activations
        inputs = [fwd.inputs, *a[:-1]]
        delta = self.output_delta(fwd, Y, fused)
        for l in range(L - 1, -1, -1):
            deltas[l] = delta
            np.matmul(inputs[l].T, delta, out=dW[l])
            np.add.reduce(delta, axis=0, out=db[l])
            if l:
                # The line backpropagation is named for:
                delta = (delta @ back[l].T) * acts[l - 1].derivative(z[l - 1], a[l - 1])
        # The batch mean of every dW and db at once (same values as dividing each).
        grad /= n
        return BackwardPass(deltas, dW, db, grad)

    def loss_value(self, X: Array, Y: Array, W: list[Array], b: list[Array]) -> float:
        return self.loss.value(self.forward(X, W, b).a[-1], Y)
