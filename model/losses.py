"""Losses: value per sample and gradient with respect to the prediction.

Conventions (shown in the UI):
- the loss of a batch is the mean over its samples of the per-sample loss;
- `gradient` returns d(loss of sample i)/d(y_hat_i), one row per sample,
  which is what makes the layer deltas per-sample error signals.

mse is the mean over all elements of (y_hat - y)^2, as in the classic XOR
write-ups; so a sample's loss is the mean over its outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

# Predictions are clipped this far from 0 and 1 inside logarithms.
EPSILON = 1e-12


# np.add.reduce(x, axis) / n is what x.mean(axis) computes, without the
# Python wrapper that costs more than the sum on small arrays.


def _row_mean(x: Array) -> Array:
    width = x.shape[1]
    if width == 1:
        # The mean of one value is that value: no sum (it would turn -0.0 into
        # 0.0, which none of the losses produce), no division.
        return x.reshape(-1)
    return np.add.reduce(x, axis=1) / width


def _clip(p: Array, low: float, high: float) -> Array:
    return np.minimum(np.maximum(p, low), high)


def _eps(p: Array) -> float:
    """EPSILON, or the dtype's own epsilon where 1 - EPSILON rounds to 1 (float32)."""
    e = _EPS_OF.get(p.dtype)  # a table: np.finfo costs more than the loss on small arrays
    return max(EPSILON, float(np.finfo(p.dtype).eps)) if e is None else e


_EPS_OF = {np.dtype(t): max(EPSILON, float(np.finfo(t).eps)) for t in (np.float64, np.float32)}


def mse_per_sample(y_hat: Array, y: Array) -> Array:
    d = y_hat - y
    return _row_mean(d * d)


def mse_gradient(y_hat: Array, y: Array) -> Array:
    return (2.0 / y.shape[1]) * (y_hat - y)


def bce_per_sample(y_hat: Array, y: Array) -> Array:
    e = _eps(y_hat)
    p = _clip(y_hat, e, 1.0 - e)
    return -_row_mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def bce_per_sample_from_logits(z: Array, y: Array) -> Array:
    """BCE of a sigmoid output computed from its z, with no cancellation:
    max(z, 0) - y z + log1p(exp(-|z|)).

    The textbook route, log(1 + e^z) - y z, subtracts two nearly equal numbers
    for a confident right answer (z = 30, y = 1 gave 9.237e-14 for 9.358e-14,
    and exactly 0 from z = 37). The form above is log(e^u + e^v) with u = -y z
    and v = z - y z, which np.logaddexp evaluates as max(u, v) +
    log1p(exp(-|u - v|)): max(u, v) = max(z, 0) - y z and |u - v| = |z|, so
    one ufunc computes it (exactly so for targets of 0 and 1). No clipping of
    y_hat: a confident wrong answer costs |z| instead of a capped log(1e-12).
    """
    yz = y * z
    return _row_mean(np.logaddexp(-yz, z - yz))


def bce_gradient(y_hat: Array, y: Array) -> Array:
    e = _eps(y_hat)
    p = _clip(y_hat, e, 1.0 - e)
    return (p - y) / (p * (1.0 - p)) / y.shape[1]


def ce_per_sample(y_hat: Array, y: Array) -> Array:
    p = np.maximum(y_hat, EPSILON)
    return -np.add.reduce(y * np.log(p), axis=1)


def ce_gradient(y_hat: Array, y: Array) -> Array:
    p = np.maximum(y_hat, EPSILON)
    return -y / p


@dataclass(frozen=True)
class Loss:
    name: str
    title: str
    per_sample: Callable[[Array, Array], Array]
    gradient: Callable[[Array, Array], Array]
    # The output activation whose pairing with this loss gives the fused
    # delta (y_hat - y) / outputs-per-sample-normaliser, or None.
    fused_with: str | None = None
    # With that activation, the per-sample loss from the output z (exact
    # where y_hat would round to 0 or 1), or None.
    per_sample_from_logits: Callable[[Array, Array], Array] | None = None

    def value(self, y_hat: Array, y: Array) -> float:
        per_sample = self.per_sample(y_hat, y)
        return float(np.add.reduce(per_sample) / per_sample.shape[0])

    def fused_delta(self, y_hat: Array, y: Array) -> Array:
        """The output delta when the activation cancels the loss's denominator."""
        if self.name == "bce" and y.shape[1] > 1:
            return (y_hat - y) / y.shape[1]
        return y_hat - y


LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", "mean squared error", mse_per_sample, mse_gradient),
    "bce": Loss("bce", "binary cross-entropy", bce_per_sample, bce_gradient, "sigmoid", bce_per_sample_from_logits),
    "ce": Loss("ce", "categorical cross-entropy", ce_per_sample, ce_gradient, fused_with="softmax"),
}
