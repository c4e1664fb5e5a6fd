"""The built-in regression data sets: a 1-D function (sine) and a 2-D one
(sincos), with float targets for a linear output layer and MSE.

Inputs are drawn uniformly over a period of the function; the targets carry
Gaussian noise of the config's `noise` (0 for a clean curve).
"""

from __future__ import annotations

import numpy as np

from model.datasets import REGRESSION_INPUTS, Dataset


def load_regression(key: str, *, n_samples: int, noise: float, test_fraction: float, seed: int) -> Dataset:
    """sine: y = sin(x1), x1 uniform in [-pi, pi]; sincos: y = sin(x1) cos(x2) over
    [-pi, pi]^2. Noise adds Gaussian jitter of that standard deviation to y
    (the inputs stay exact), so R² = 1 stays out of reach at noise > 0."""
    rng = np.random.default_rng(seed)
    d = REGRESSION_INPUTS[key]
    X = rng.uniform(-np.pi, np.pi, (n_samples, d))
    y = np.sin(X[:, 0]) if key == "sine" else np.sin(X[:, 0]) * np.cos(X[:, 1])
    y = y + rng.normal(0.0, noise, n_samples)
    n_test = 0
    if test_fraction > 0:
        n_test = min(max(round(n_samples * test_fraction), 1), n_samples - 1)
    order = rng.permutation(n_samples)
    test, train = order[:n_test], order[n_test:]
    names = ("x1",) if d == 1 else ("x1", "x2")
    zeros = np.zeros  # one pseudo-class "y" for every row
    return Dataset(
        key,
        X[train],
        zeros(len(train), np.int64),
        X[test],
        zeros(len(test), np.int64),
        ("y",),
        names,
        values=y[train, None],
        values_test=y[test, None],
    )
