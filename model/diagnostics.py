"""Layer health: is the error signal reaching every layer, and at what size?

One `LayerHealth` per layer (L1..Ln), read from an epoch record and the
update the optimizer is about to make. Everything is a handful of vectorised
reductions over arrays the record already holds, so the app can afford it on
every snapshot; call it in the thread that steps the trainer and post the
result with the snapshot, so record and optimizer state belong together.

The flags and their thresholds (the UI explains them in these words):

- "no gradient reaches this layer": every sample's delta in the layer is
  exactly zero while the loss is not, e.g. when a layer above has all-zero
  weights or a whole ReLU layer is dead.
- "vanishing": the layer's mean |delta| is below 1/100 of the output
  layer's; the error signal shrinks a hundredfold on its way back (four
  sigmoid layers do that, since sigmoid' <= 1/4). Mean |delta| is used
  rather than the batch gradient because per-sample gradients cancel once
  the net predicts the mean (XOR does this), which makes gradient ratios
  swing for reasons that have nothing to do with depth.
- "exploding": the error signal grows a hundredfold on its way back, or the
  planned update is at least as large as the layer's weights, or (given the
  previous snapshot's health) the gradient norm grew tenfold while the
  updates were already a tenth of the weights' size.
- "dead": at least half of a ReLU / leaky ReLU layer's units have z <= 0 for
  every sample (for leaky ReLU they pass only 1% of the signal).
- "saturated": at least half of a sigmoid / tanh / softmax layer's units
  have f'(z) below 8% of its peak for most samples (sigmoid a outside
  0.02..0.98, tanh |a| > 0.96). On the output layer only saturation that
  blocks learning counts: a confidently wrong answer (|a - y| > 0.5) under a
  loss that keeps f'(z) in the delta. With sigmoid+bce or softmax+ce the
  derivative cancels, so the output layer is never counted as saturated.

No flags means healthy.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Sequence

import numpy as np

from model.optimizers import OptimizerState

# What the run shows as a whole (model/run_findings.py), importable from here as before.
from model.run_findings import (  # noqa: F401
    CONFIDENTLY_WRONG_SHARE,
    LOSS_EXPLODING,
    OSCILLATING,
    OUTPUT_SATURATED,
    PLATEAU,
    SYMMETRIC,
    Finding,
    loss_findings,
    run_findings,
    symmetric_units,
)

if TYPE_CHECKING:  # only for annotations: the trainer imports nothing from here
    from model.trainer import EpochRecord, Trainer

Array = np.ndarray


NO_GRADIENT = "no gradient reaches this layer"
VANISHING = "vanishing"
EXPLODING = "exploding"
DEAD = "dead"
SATURATED = "saturated"
HEALTHY = "healthy"

VANISHING_RATIO = 1e-2  # mean |delta| relative to the output layer's
EXPLODING_RATIO = 1e2
EXPLODING_UPDATE = 1.0  # ||update|| / ||W||
GROWTH_FACTOR = 10.0  # gradient norm against the previous snapshot's ...
GROWTH_MIN_UPDATE = 0.1  # ... counts only when updates are already this large
DEAD_SHARE = 0.5
SATURATED_SHARE = 0.5
SATURATION = 0.08  # f'(z) below this share of its peak
SATURATED_SAMPLES = 0.5  # a unit is saturated when it is so for more than this share of samples

# One line per flag, for a help panel or a tooltip.
EXPLANATIONS = {
    NO_GRADIENT: "every delta here is exactly 0 while the loss is not: something above blocks the error signal",
    VANISHING: "the error signal here is under 1/100 of the output layer's: this layer barely learns",
    EXPLODING: "the error signal grows on its way back, or each step is as large as the weights themselves",
    DEAD: "at least half of the units output 0 (z <= 0) for every sample, so they pass no gradient",
    SATURATED: "at least half of the units sit on a flat part of their activation, where f'(z) is near 0",
    HEALTHY: "no warning signs",
}

DERIVATIVE_PEAK = {"sigmoid": 0.25, "tanh": 1.0, "softmax": 0.25}
_RELU_LIKE = ("relu", "leaky_relu")


@dataclass(frozen=True)
class LayerHealth:
    """The health figures of one layer; `layer` is 0-based (the UI's L{layer+1}).

    `dead_share` is None for activations that cannot die, `saturated_share`
    None for those that cannot saturate; `update_ratio` is NaN when the
    layer's weights are all zero (the ratio has no meaning there).
    """

    layer: int
    mean_abs_delta: float
    signal_ratio: float  # mean |delta| / the output layer's (NaN when that is 0)
    grad_norm: float  # sqrt(||dW||^2 + ||db||^2)
    weight_norm: float
    update_norm: float  # ||new W - W|| for the optimizer's next step
    update_ratio: float
    dead_share: float | None
    saturated_share: float | None
    flags: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"L{self.layer + 1}"

    @property
    def healthy(self) -> bool:
        return not self.flags

    @property
    def summary(self) -> str:
        return ", ".join(self.flags) if self.flags else HEALTHY


def _norm(x: Array) -> float:
    x = x.ravel()
    return math.sqrt(float(np.vdot(x, x)))


def optimizer_state_for(trainer: "Trainer", record: "EpochRecord") -> OptimizerState:
    """The optimizer state that goes with `record`.

    Exact for the trainer's current record. For an older record the state is
    not kept, so a fresh one stands in: exact for SGD, a first step from rest
    for momentum and Adam.
    """
    if record is trainer.record or record.params is trainer.params:
        return trainer.optimizer_state
    return trainer.optimizer.init_state(record.params)


def planned_update(
    trainer: "Trainer", record: "EpochRecord | None" = None, state: OptimizerState | None = None
) -> Array:
    """new params - params for one optimizer step on the record's full-batch gradient.

    In full-batch mode this is exactly the change the next `step()` makes.
    """
    if record is None:
        record = trainer.record
    if state is None:
        state = optimizer_state_for(trainer, record)
    new, _ = trainer.optimizer.apply(record.params, record.backward.grad, state, trainer.layout.n_weights)
    return new - record.params


def _saturated_share(act, z: Array, a: Array, wrong: Array | None) -> float:
    flat = act.derivative(z, a) < SATURATION * DERIVATIVE_PEAK[act.name]
    if wrong is not None:
        flat &= wrong
    return float(np.count_nonzero(flat.mean(axis=0) > SATURATED_SAMPLES)) / z.shape[1]


def layer_health(
    trainer: "Trainer",
    record: "EpochRecord | None" = None,
    *,
    state: OptimizerState | None = None,
    previous: Sequence[LayerHealth] | None = None,
) -> list[LayerHealth]:
    """The health of every layer at `record` (default: the trainer's current one).

    `state` is the optimizer state for the planned update (default: the
    trainer's, see `optimizer_state_for`); `previous`, the health of the last
    snapshot shown, lets "exploding" also mean "growing fast".
    """
    if record is None:
        record = trainer.record
    network = trainer.network
    fwd, bwd = record.forward, record.backward
    update_W, _ = trainer.layout.views(planned_update(trainer, record, state))
    n_layers = network.n_layers
    out = n_layers - 1
    mean_delta = [float(np.abs(d).mean()) for d in bwd.delta]
    reference = mean_delta[out]
    loss_positive = record.loss > 0.0
    same_shape = previous is not None and len(previous) == n_layers

    health: list[LayerHealth] = []
    for l in range(n_layers):
        act = network.activations[l]
        z, a = fwd.z[l], fwd.a[l]
        ratio = mean_delta[l] / reference if reference > 0.0 else math.nan
        grad_norm = math.sqrt(_norm(bwd.dW[l]) ** 2 + _norm(bwd.db[l]) ** 2)
        weight_norm = _norm(record.W[l])
        update_norm = _norm(update_W[l])
        update_ratio = update_norm / weight_norm if weight_norm > 0.0 else math.nan

        dead = None
        if act.name in _RELU_LIKE:
            dead = float(np.count_nonzero(z.max(axis=0) <= 0.0)) / z.shape[1]
        saturated = None
        if act.name in DERIVATIVE_PEAK:
            if l < out:
                saturated = _saturated_share(act, z, a, None)
            elif network.uses_fused_delta:
                saturated = 0.0
            else:
                saturated = _saturated_share(act, z, a, np.abs(a - trainer.Y) > 0.5)

        flags: list[str] = []
        no_gradient = loss_positive and not bwd.delta[l].any()
        if no_gradient:
            flags.append(NO_GRADIENT)
        elif l < out and ratio < VANISHING_RATIO:
            flags.append(VANISHING)
        growing = (
            same_shape
            and grad_norm > GROWTH_FACTOR * previous[l].grad_norm  # type: ignore[index]
            and update_ratio >= GROWTH_MIN_UPDATE
        )
        if (l < out and ratio > EXPLODING_RATIO) or update_ratio >= EXPLODING_UPDATE or growing:
            flags.append(EXPLODING)
        if dead is not None and dead >= DEAD_SHARE:
            flags.append(DEAD)
        if saturated is not None and saturated >= SATURATED_SHARE:
            flags.append(SATURATED)

        health.append(
            LayerHealth(
                l,
                mean_delta[l],
                ratio,
                grad_norm,
                weight_norm,
                update_norm,
                update_ratio,
                dead,
                saturated,
                tuple(flags),
            )
        )
    return health


_SERIES_FIELDS = tuple(f.name for f in fields(LayerHealth) if f.name not in ("layer", "flags"))


class HealthHistory:
    """The last `maxlen` snapshots' health, per layer, for sparklines.

    Kept in epoch order: a snapshot of an epoch already held replaces it and
    everything after it (a redraw, or a rewind), and a change in the number
    of layers (a new network) starts afresh.
    """

    FIELDS = _SERIES_FIELDS

    def __init__(self, maxlen: int = 100):
        if maxlen < 1:
            raise ValueError("maxlen must be at least 1")
        self.maxlen = maxlen
        self._entries: deque[tuple[int, list[LayerHealth]]] = deque(maxlen=maxlen)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def latest(self) -> list[LayerHealth] | None:
        return self._entries[-1][1] if self._entries else None

    @property
    def epochs(self) -> Array:
        return np.array([e for e, _ in self._entries], dtype=np.int64)

    def clear(self) -> None:
        self._entries.clear()

    def push(self, epoch: int, health: list[LayerHealth]) -> None:
        """Store health computed elsewhere (e.g. in the training thread)."""
        if self._entries and len(self._entries[-1][1]) != len(health):
            self._entries.clear()
        while self._entries and self._entries[-1][0] >= epoch:
            self._entries.pop()
        self._entries.append((epoch, health))

    def append(self, trainer: "Trainer", record: "EpochRecord | None" = None) -> list[LayerHealth]:
        """Compute the health of `record` (default: current), store and return it."""
        if record is None:
            record = trainer.record
        previous = None
        if self._entries and self._entries[-1][0] < record.epoch:
            previous = self._entries[-1][1]
        health = layer_health(trainer, record, previous=previous)
        self.push(record.epoch, health)
        return health

    def series(self, field: str, layer: int) -> Array:
        """One figure of one layer (0-based) over the stored snapshots; NaN where None."""
        if field not in self.FIELDS:
            raise ValueError(f"unknown health figure {field!r}; choose one of: {', '.join(self.FIELDS)}")
        values = []
        for _, health in self._entries:
            if layer >= len(health):
                raise ValueError(f"layer index {layer} is out of range; the network has {len(health)} layers")
            v = getattr(health[layer], field)
            values.append(math.nan if v is None else v)
        return np.array(values, dtype=np.float64)
