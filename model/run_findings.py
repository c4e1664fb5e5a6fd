"""What the run shows as a whole, in words: a loss that does not move, goes
up and down, or grows; hidden units that are copies of each other; an output
pinned to the edge of its range with the wrong answer (`run_findings`).

The per-layer flags (model/diagnostics.py) judge one layer at one snapshot;
these judge the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:  # only for annotations: the trainer imports nothing from here
    from model.trainer import EpochRecord, Trainer

Array = np.ndarray

PLATEAU = "plateau"
OSCILLATING = "oscillating"
LOSS_EXPLODING = "loss exploding"
SYMMETRIC = "symmetric"
OUTPUT_SATURATED = "output saturated"

PLATEAU_EPOCHS = 500  # the loss must have stayed flat over at least this many epochs ...
PLATEAU_CHANGE = 1e-3  # ... moving by less than this share of its value ...
PLATEAU_SHARE = 0.25  # ... while still at least this share of where it started
OSCILLATION_POINTS = 20  # the last points of the loss curve that judge oscillation
OSCILLATION_STEP = 0.1  # median |change| from one point to the next, as a share of the loss
OSCILLATION_UP = 0.25  # the rises make up at least this share of all the movement ...
OSCILLATION_TURNS = 0.3  # ... and the curve turns (a rise after a fall or back) at this share of its points
EXPLOSION_FACTOR = 10.0  # loss now against the lowest loss seen
CONFIDENTLY_WRONG_SHARE = 0.25  # samples whose output is saturated on the wrong side
SYMMETRY_TOLERANCE = 1e-9  # relative: units closer than this are the same unit
SYMMETRY_PAIRWISE_UNITS = 256  # above this many units, only bit-identical units are found

FINDING_EXPLANATIONS = {
    PLATEAU: "the loss has stopped moving while still far from zero: the gradient is tiny here, "
    "so training creeps (wait, raise the learning rate, use momentum or another init)",
    OSCILLATING: "the loss goes up and down from one epoch to the next: each step overshoots the minimum, "
    "the learning rate is too high",
    LOSS_EXPLODING: "the loss is at least ten times the lowest it reached: the steps are so large that "
    "the weights run away; lower the learning rate and reset",
    SYMMETRIC: "these hidden units have the same incoming and outgoing weights, so they compute the same "
    "thing and get the same gradient: they stay identical forever (initialise with random weights)",
    OUTPUT_SATURATED: "many outputs sit at the edge of their range with the wrong answer: the net is "
    "confidently wrong; under mse the flat activation also hides the error from the gradient",
}
FINDING_SEVERITY = {
    PLATEAU: "warning",
    OSCILLATING: "warning",
    LOSS_EXPLODING: "error",
    SYMMETRIC: "error",
    OUTPUT_SATURATED: "warning",
}


@dataclass(frozen=True)
class Finding:
    """One thing the run as a whole shows failing: `kind` is one of the names
    above, `where` says where in words ("" for the whole run, "L1 units u1, u2")."""

    kind: str
    where: str = ""

    @property
    def explanation(self) -> str:
        return FINDING_EXPLANATIONS[self.kind]

    @property
    def severity(self) -> str:
        return FINDING_SEVERITY[self.kind]

    @property
    def headline(self) -> str:
        return f"{self.where} {self.kind}" if self.where else self.kind


def loss_findings(epochs: Array, losses: Array) -> list[Finding]:
    """Plateau, oscillation and explosion, read from a loss curve.

    `epochs` and `losses` are matching 1-D arrays in epoch order: every epoch
    (the trainer's history) or the epochs of the snapshots a run showed. NaNs
    are ignored.
    """
    epochs = np.asarray(epochs, dtype=np.float64)
    losses = np.asarray(losses, dtype=np.float64)
    keep = np.isfinite(losses)
    epochs, losses = epochs[keep], losses[keep]
    if losses.size < 3:
        return []
    found: list[Finding] = []
    last = float(losses[-1])
    lowest = float(losses.min())
    if lowest >= 0.0 and last >= EXPLOSION_FACTOR * lowest and last > 0.0:
        found.append(Finding(LOSS_EXPLODING))

    tail = losses[-(OSCILLATION_POINTS + 1) :]
    steps = np.diff(tail)
    moved = float(np.abs(steps).sum())
    level = np.abs(tail[1:]) + np.abs(tail[:-1])
    if moved > 0.0 and np.all(level > 0.0):
        relative = np.abs(steps) / (0.5 * level)
        rises = float(steps[steps > 0.0].sum())
        signs = np.sign(steps)
        turns = float(np.count_nonzero(signs[1:] * signs[:-1] < 0)) / max(len(signs) - 1, 1)
        if (
            float(np.median(relative)) >= OSCILLATION_STEP
            and rises >= OSCILLATION_UP * moved
            and turns >= OSCILLATION_TURNS
        ):
            found.append(Finding(OSCILLATING))

    window = epochs >= epochs[-1] - PLATEAU_EPOCHS
    if epochs[-1] - epochs[0] >= PLATEAU_EPOCHS and last > 0.0:
        flat = losses[window]
        change = float(flat.max() - flat.min())
        if change <= PLATEAU_CHANGE * last and last >= PLATEAU_SHARE * float(losses[0]):
            found.append(Finding(PLATEAU))
    return found


def symmetric_units(W: Sequence[Array], b: Sequence[Array]) -> list[tuple[int, tuple[int, ...]]]:
    """Groups of hidden units that are copies of each other, as (layer, units) 0-based.

    Two units of hidden layer l are copies when their incoming weights
    (columns of W[l]), their biases and their outgoing weights (rows of
    W[l+1]) agree: then every sample gives them the same activation and the
    same delta, so plain backprop keeps them equal forever.
    """
    groups: list[tuple[int, tuple[int, ...]]] = []
    for l in range(len(W) - 1):
        units = np.concatenate([W[l].T, b[l][:, None], W[l + 1]], axis=1)
        n = units.shape[0]
        if n < 2:
            continue
        if n <= SYMMETRY_PAIRWISE_UNITS:
            scale = np.maximum(np.abs(units[:, None, :]), np.abs(units[None, :, :]))
            same = np.all(np.abs(units[:, None, :] - units[None, :, :]) <= SYMMETRY_TOLERANCE * scale + 1e-300, axis=2)
        else:
            _, inverse = np.unique(units, axis=0, return_inverse=True)
            inverse = inverse.ravel()
            same = inverse[:, None] == inverse[None, :]
        seen: set[int] = set()
        for i in range(n):
            if i in seen:
                continue
            members = tuple(int(j) for j in np.flatnonzero(same[i]) if j not in seen)
            seen.update(members)
            if len(members) > 1:
                groups.append((l, members))
    return groups


def confidently_wrong_share(trainer: "Trainer", record: "EpochRecord") -> float:
    """The share of training samples whose output is saturated and wrong.

    Saturated as in the layer flags (f'(z) under 8% of its peak); wrong means
    the class the net gives is not the sample's. 0 for outputs that cannot
    saturate (linear, relu).
    """
    from model.diagnostics import DERIVATIVE_PEAK, SATURATION  # the layer flags' own measure of saturation

    network = trainer.network
    act = network.activations[-1]
    if act.name not in DERIVATIVE_PEAK:
        return 0.0
    out = record.forward.a[-1]
    if act.name == "softmax":
        saturated = out.max(axis=1) > 1.0 - SATURATION
    else:
        flat = act.derivative(record.forward.z[-1], out) < SATURATION * DERIVATIVE_PEAK[act.name]
        saturated = flat.all(axis=1)
    wrong = ~record.correct
    return float(np.count_nonzero(saturated & wrong)) / out.shape[0]


def run_findings(trainer: "Trainer", record: "EpochRecord", epochs: Array, losses: Array) -> list[Finding]:
    """Everything `loss_findings` reads from the curve, plus symmetric hidden
    units and a confidently wrong output at `record`."""
    found = loss_findings(epochs, losses)
    if not trainer.config.feedback_alignment:  # fixed random feedback breaks symmetry by itself
        for layer, units in symmetric_units(record.W, record.b):
            shown = ", ".join(f"u{u + 1}" for u in units[:6]) + (", ..." if len(units) > 6 else "")
            found.append(Finding(SYMMETRIC, f"L{layer + 1} units {shown}"))
    with np.errstate(all="ignore"):
        if confidently_wrong_share(trainer, record) >= CONFIDENTLY_WRONG_SHARE:
            found.append(Finding(OUTPUT_SATURATED, f"L{trainer.network.n_layers}"))
    return found
