"""The built-in regression data sets: a 1-D function (sine) and a 2-D one
(sincos), with float targets for a linear output layer and MSE.

Inputs are drawn uniformly over a period of the function; the targets carry
Gaussian noise of the config's `noise` (0 for a clean curve).
"""

from __future__ import annotations

import math

import numpy as np

from model.datasets import MAX_CLASSES, REGRESSION_INPUTS, Dataset, split


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


class FloatTargets:
    """Whether a CSV label column holds measurements rather than classes.

    It does when every label is a plain finite number, at least one is not a
    whole number (0.25, 3.7) and there are more different values than a
    classifier here may have classes (MAX_CLASSES, 10): whole numbers and a
    few fractional codes (2, 2.5, 10) stay classes, as they always were, so
    a classification file reads exactly as before. Labels are seen
    as they are read (`see`), so that a long column of floats is not refused
    for having too many "classes" before the end of the file.
    """

    def __init__(self) -> None:
        self.all_numbers = True
        self.some_fraction = False
        self.distinct = 0

    def see(self, labels: list[str]) -> None:
        from model.csv_data import plain_number  # it reads with this module's help

        self.distinct += len(labels)  # each label text is seen once
        for text in labels:
            value = plain_number(text)
            if value is None or not math.isfinite(value):
                self.all_numbers = False
                return
            self.some_fraction = self.some_fraction or not value.is_integer()

    @property
    def are_floats(self) -> bool:
        return self.all_numbers and self.some_fraction and self.distinct > MAX_CLASSES

    @classmethod
    def of(cls, labels: list[str]) -> bool:
        found = cls()
        found.see(labels)
        return found.are_floats

    @staticmethod
    def values(labels: list[str]) -> np.ndarray:
        """The numbers of float label texts (checked by `of`)."""
        return np.array([float(text) for text in labels], dtype=np.float64)


def csv_regression(
    name: str, X: np.ndarray, values: np.ndarray, feature_names: tuple[str, ...], test_fraction: float, seed: int
) -> Dataset:
    """A CSV file's regression set: rows in file order, or a shuffled split as for classes."""
    rows = np.arange(len(X))
    if test_fraction > 0:
        X, rows, X_test, rows_test = split(X, rows, test_fraction, np.random.default_rng(seed))
    else:
        X_test, rows_test = np.empty((0, X.shape[1])), rows[:0]
    zeros = np.zeros
    return Dataset(
        name,
        X,
        zeros(len(X), np.int64),
        X_test,
        zeros(len(X_test), np.int64),
        ("y",),
        feature_names,
        values=values[rows, None],
        values_test=values[rows_test, None],
    )
