"""Gradient checking: the backward pass against central finite differences.

For every parameter p_i of the flat vector, the analytic derivative (from
`Network.backward`) is compared with (L(p + h_i) - L(p - h_i)) / 2h_i, where
h_i = h * max(1, |p_i|), so a large weight gets a step its own size can feel.

The relative error is |a - n| / max(|a| + |n|, floor). In float64 a central
difference at h = 1e-6 carries rounding noise of about 1e-10 to 1e-8 of the
gradient's largest component, whatever the component's own size; divided by
a tiny |a| + |n| that noise would read as a large relative error. So `floor`
defaults to the largest |analytic| component: a component far smaller than
the others is judged against the gradient's scale, not against itself.

Everything is computed in float64, whatever dtype the trainer uses.
Feedback alignment does not follow the gradient, so its check fails by design.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.names import bias_name, weight_name
from model.network import Network

if TYPE_CHECKING:
    from model.trainer import Trainer

Array = np.ndarray

DEFAULT_H = 1e-6
DEFAULT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class ParameterCheck:
    """One parameter: where it is, both derivatives, and how far apart."""

    index: int
    kind: str  # "W" or "b"
    layer: int  # 0-based, as in W[layer]; the UI calls it L{layer + 1}
    position: tuple[int, ...]  # (row, column) in W[layer], or (unit,) in b[layer]
    analytic: float
    numeric: float
    rel_error: float
    passed: bool

    @property
    def name(self) -> str:
        """'W1 x1→u3' or 'b2 u2': how every screen names a parameter (model/names.py)."""
        if self.kind == "b":
            return bias_name(self.layer, self.position[0])
        return weight_name(self.layer, self.position[0], self.position[1])


@dataclass(frozen=True)
class LayerCheck:
    """The worst parameter of one layer (its weights and biases together)."""

    layer: int  # 0-based
    name: str  # "L1", "L2", ...
    n_params: int
    worst_rel_error: float
    worst_index: int  # index into the flat parameter vector
    passed: bool


@dataclass(frozen=True)
class GradientCheck:
    entries: tuple[ParameterCheck, ...]
    layers: tuple[LayerCheck, ...]
    passed: bool
    worst: ParameterCheck
    loss: float
    h: float
    tolerance: float
    floor: float

    @property
    def failures(self) -> tuple[ParameterCheck, ...]:
        return tuple(e for e in self.entries if not e.passed)

    def __str__(self) -> str:
        lines = [
            f"{layer.name}: worst relative error {layer.worst_rel_error:.2e} "
            f"({self.entries[layer.worst_index].name}) {'ok' if layer.passed else 'FAIL'}"
            for layer in self.layers
        ]
        verdict = "passed" if self.passed else "FAILED"
        lines.append(f"gradient check {verdict} (tolerance {self.tolerance:g}, h {self.h:g})")
        return "\n".join(lines)


def gradient_check(
    network: Network,
    params: Array,
    X: Array,
    Y: Array,
    *,
    h: float = DEFAULT_H,
    tolerance: float = DEFAULT_TOLERANCE,
    floor: float | None = None,
) -> GradientCheck:
    """Compare the analytic gradient of the mean loss on (X, Y) at `params`
    with central differences, parameter by parameter (2 forward passes each).

    `floor` is the smallest denominator of a relative error (see the module
    notes); by default the largest |analytic| component.
    """
    layout = network.layout
    p = np.array(params, dtype=np.float64).reshape(-1)
    if p.shape != (layout.n_params,):
        raise ValueError(f"expected {layout.n_params} parameters for layers {layout.sizes}, got {p.size}")
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != layout.sizes[0]:
        raise ValueError(f"X must have shape (samples, {layout.sizes[0]}), got {X.shape}")
    if Y.shape != (X.shape[0], layout.sizes[-1]):
        raise ValueError(f"Y must have shape ({X.shape[0]}, {layout.sizes[-1]}), got {Y.shape}")
    if not (h > 0 and np.isfinite(h)):
        raise ValueError(f"h must be a positive finite number, got {h!r}")
    feedback = None if network.feedback is None else tuple(np.asarray(B, np.float64) for B in network.feedback)
    net = Network(layout, network.activations, network.loss, feedback)

    W, b = layout.views(p)
    with np.errstate(all="ignore"):
        fwd = net.forward(X, W, b)
        analytic = net.backward(fwd, Y, W).grad.copy()
        loss = net.loss_of(fwd, Y)
        numeric = _central_differences(net, p, X, Y, h)

    if floor is None:
        finite = analytic[np.isfinite(analytic)]
        floor = float(np.abs(finite).max()) if finite.size else 0.0
    floor = max(floor, np.finfo(np.float64).tiny)
    with np.errstate(all="ignore"):
        rel = np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), floor)
    rel = np.where(np.isnan(rel), np.inf, rel)  # a non-finite derivative never passes
    ok = rel < tolerance

    entries = []
    for i in range(p.size):
        kind, layer, position = layout.locate(i)
        where = tuple(int(x) for x in position)
        entries.append(
            ParameterCheck(i, kind, layer, where, float(analytic[i]), float(numeric[i]), float(rel[i]), bool(ok[i]))
        )
    layers = []
    for l in range(len(layout.shapes)):
        members = [e.index for e in entries if e.layer == l]
        worst = max(members, key=lambda i: rel[i])
        layers.append(LayerCheck(l, f"L{l + 1}", len(members), float(rel[worst]), worst, bool(ok[members].all())))
    worst_entry = entries[int(np.argmax(rel))]
    return GradientCheck(tuple(entries), tuple(layers), bool(ok.all()), worst_entry, float(loss), h, tolerance, floor)


def _central_differences(net: Network, p: Array, X: Array, Y: Array, h: float) -> Array:
    """(L(p + h_i) - L(p - h_i)) / (2 h_i) for every i; p is left as it was."""
    q = p.copy()
    W, b = net.layout.views(q)  # views: editing q[i] edits the network's weights
    numeric = np.empty_like(p)
    for i in range(p.size):
        step = h * max(1.0, abs(p[i]))
        q[i] = p[i] + step
        up = q[i]
        loss_up = net.loss_value(X, Y, W, b)
        q[i] = p[i] - step
        down = q[i]
        loss_down = net.loss_value(X, Y, W, b)
        q[i] = p[i]
        # Divide by the step actually taken (p +- step rounded), not the one asked for.
        numeric[i] = (loss_up - loss_down) / (up - down)
    return numeric


def check_trainer(trainer: "Trainer", *, h: float = DEFAULT_H, tolerance: float = DEFAULT_TOLERANCE) -> GradientCheck:
    """The check at the trainer's current parameters on its whole training set.

    The data comes from the dataset itself (float64), not the trainer's
    copy, which may have been rounded to float32.
    """
    return gradient_check(
        trainer.network, trainer.params, trainer.data.X, trainer.Y.astype(np.float64), h=h, tolerance=tolerance
    )
