"""Datasets for the trainer: truth tables, seeded 2-D toy sets and CSV files.

Everything comes back as a `Dataset` with integer class labels; `targets`
turns those into whatever the output layer needs, so a dataset never has to
know how big the network's last layer is. A regression set (sine, sincos,
a CSV file whose label column holds measurements) has float `values`
instead, and one pseudo-class "y" so that code written for classes still
finds a label for every row.
"""

from __future__ import annotations

import difflib
import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.errors import DataError
from model.plurals import plural

if TYPE_CHECKING:
    from model.config import Config

TRUTH_TABLES: tuple[str, ...] = ("xor", "and", "or", "nand", "xnor")
# Float targets: a linear output and MSE fit them, and R² measures the fit (model/regression.py).
REGRESSION_DATASETS: tuple[str, ...] = ("sine", "sincos")
# iris and digits are bundled files, read by model/bundled_data.py.
DATASETS: tuple[str, ...] = (
    TRUTH_TABLES + ("circles", "moons", "spiral", "blobs", "xor_quadrants", "iris", "digits") + REGRESSION_DATASETS
)
# How many inputs each regression set has (the classification sets have 2, or BUNDLED_SHAPES).
REGRESSION_INPUTS: dict[str, int] = {"sine": 1, "sincos": 2}

MIN_SAMPLES = 4
MAX_SAMPLES = 100_000
MIN_CLASSES = 2
MAX_CLASSES = 10

# Output of each gate for the inputs (0,0), (0,1), (1,0), (1,1).
_GATES: dict[str, tuple[int, int, int, int]] = {
    "xor": (0, 1, 1, 0),
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "nand": (1, 1, 1, 0),
    "xnor": (1, 0, 0, 1),
}


@dataclass(frozen=True, eq=False)
class Dataset:
    """Training and (possibly empty) test data with named classes and features.

    Labels are class indices rather than target vectors so the same data fits
    a one-unit sigmoid output and a softmax output alike (see `targets`).
    """

    name: str
    X: np.ndarray
    labels: np.ndarray
    X_test: np.ndarray
    labels_test: np.ndarray
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    # Regression: float targets, one row per sample (samples x outputs); None for classes.
    values: np.ndarray | None = None
    values_test: np.ndarray | None = None
    # The two raw inputs (x1, x2) when X holds input features computed from them (model/features.py).
    raw_X: np.ndarray | None = None
    raw_X_test: np.ndarray | None = None

    def __post_init__(self) -> None:
        # Coerce once here so every consumer can rely on the dtypes and shapes.
        X = np.asarray(self.X, dtype=np.float64)
        labels = np.asarray(self.labels, dtype=np.int64)
        if X.ndim != 2:
            raise DataError(f"dataset {self.name!r}: X must be 2-D (samples x features), got shape {X.shape}")
        d = X.shape[1]
        X_test = np.asarray(self.X_test, dtype=np.float64).reshape(-1, d)
        labels_test = np.asarray(self.labels_test, dtype=np.int64)
        if labels.shape != (len(X),) or labels_test.shape != (len(X_test),):
            raise DataError(f"dataset {self.name!r}: need one label per sample")
        if len(self.feature_names) != d:
            names = plural(len(self.feature_names), "feature name")
            raise DataError(f"dataset {self.name!r}: {plural(d, 'feature')} but {names}")
        k = len(self.class_names)
        for y in (labels, labels_test):
            if y.size and (y.min() < 0 or y.max() >= k):
                raise DataError(f"dataset {self.name!r}: labels must lie in 0..{k - 1}")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "X_test", X_test)
        object.__setattr__(self, "labels_test", labels_test)
        object.__setattr__(self, "class_names", tuple(self.class_names))
        object.__setattr__(self, "feature_names", tuple(self.feature_names))
        if self.values is not None:
            self._check_values(len(X), len(X_test))
        if self.raw_X is not None:
            raw = np.asarray(self.raw_X, dtype=np.float64).reshape(len(X), 2)
            raw_test = np.asarray(self.raw_X_test, dtype=np.float64).reshape(len(X_test), 2)
            object.__setattr__(self, "raw_X", raw)
            object.__setattr__(self, "raw_X_test", raw_test)

    def _check_values(self, n: int, n_test: int) -> None:
        values = np.asarray(self.values, dtype=np.float64)
        values = values.reshape(n, -1) if values.size or n else values.reshape(0, 1)
        width = values.shape[1]
        test = np.asarray(self.values_test if self.values_test is not None else np.empty((0, width)), np.float64)
        test = test.reshape(n_test, width)
        if not (np.isfinite(values).all() and np.isfinite(test).all()):
            raise DataError(f"dataset {self.name!r}: every target value must be a finite number")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "values_test", test)

    @property
    def is_regression(self) -> bool:
        """Whether the targets are float values (R²) rather than classes (accuracy)."""
        return self.values is not None

    @property
    def inputs(self) -> tuple[np.ndarray, np.ndarray]:
        """The raw inputs, training and test (the features' x1, x2 when X holds features)."""
        if self.raw_X is not None and self.raw_X_test is not None:
            return self.raw_X, self.raw_X_test
        return self.X, self.X_test

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def has_test(self) -> bool:
        return len(self.X_test) > 0


# --------------------------------------------------------------------------
# Built-in datasets
# --------------------------------------------------------------------------


def load(
    name: str,
    *,
    n_samples: int = 200,
    noise: float = 0.1,
    classes: int = 2,
    test_fraction: float = 0.0,
    seed: int = 0,
) -> Dataset:
    """Build a named dataset, identical for identical arguments.

    Truth tables are always their four rows, in order, with no noise and no
    test split: n_samples, noise and test_fraction do not apply to them (they
    are still checked, so a bad value is reported whatever the dataset).
    `classes` only matters for spiral and blobs; the other sets have two.
    The 2-D sets are shuffled, so the classes are not in blocks.
    """
    key = _check_name(name)
    _check_int("n_samples", n_samples, MIN_SAMPLES, MAX_SAMPLES)
    _check_int("classes", classes, MIN_CLASSES, MAX_CLASSES)
    _check_noise(noise)
    noise = float(noise) + 0.0  # -0.0 passes the check but numpy refuses a negative-zero scale
    _check_fraction(test_fraction)

    if key in ("iris", "digits"):
        from model.bundled_data import load_bundled  # it builds on this module

        return load_bundled(key, test_fraction=test_fraction, seed=seed)

    if key in REGRESSION_DATASETS:
        from model.regression_data import load_regression  # it builds on this module's Dataset

        return load_regression(key, n_samples=n_samples, noise=noise, test_fraction=test_fraction, seed=seed)

    if key in _GATES:
        X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        y = np.array(_GATES[key], dtype=np.int64)
        return Dataset(key, X, y, np.empty((0, 2)), np.empty(0, np.int64), ("0", "1"), ("x1", "x2"))

    k = classes if key in ("spiral", "blobs") else 2
    if n_samples < k:
        raise DataError(f"n_samples must be at least the number of classes ({k}), got {n_samples}")
    rng = np.random.default_rng(seed)
    X, y = _GENERATORS[key](rng, _class_sizes(n_samples, k), noise)
    X_train, y_train, X_test, y_test = split(X, y, test_fraction, rng)
    names = tuple(str(i) for i in range(k))
    return Dataset(key, X_train, y_train, X_test, y_test, names, ("x1", "x2"))


def load_data(config: "Config") -> Dataset:
    """The data set a config names (a built-in one, or its CSV file), with its input features."""
    if config.dataset == "csv":
        data = load_csv(
            config.csv_path, label_column=config.label_column, test_fraction=config.test_fraction, seed=config.seed
        )
    else:
        data = load(
            config.dataset,
            n_samples=config.samples,
            noise=config.noise,
            classes=config.classes,
            test_fraction=config.test_fraction,
            seed=config.seed,
        )
    from model.features import with_features  # it builds on this module's Dataset

    return with_features(data, config.features)


def _class_sizes(n: int, k: int) -> list[int]:
    """Balanced classes: the first n % k classes get one extra sample."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _labels(sizes: list[int]) -> np.ndarray:
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


def _circles(rng: np.random.Generator, sizes: list[int], noise: float):
    """Class 0 on a circle of radius 0.5, class 1 on a ring of radius 1."""
    radius = np.repeat([0.5, 1.0], sizes)
    angle = rng.uniform(0.0, 2 * np.pi, radius.size)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X + rng.normal(0.0, noise, X.shape), _labels(sizes)


def _moons(rng: np.random.Generator, sizes: list[int], noise: float):
    """Two interleaving half circles (scikit-learn's layout), centred and scaled to about +-1.1."""
    t0 = rng.uniform(0.0, np.pi, sizes[0])
    t1 = rng.uniform(0.0, np.pi, sizes[1])
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.vstack([upper, lower]) + rng.normal(0.0, noise, (sum(sizes), 2))
    return (X - [0.5, 0.25]) * 0.75, _labels(sizes)


def _spiral(rng: np.random.Generator, sizes: list[int], noise: float):
    """k arms, each turning three quarters of a circle from the centre to radius 1."""
    k = len(sizes)
    y = _labels(sizes)
    t = rng.uniform(0.0, 1.0, y.size)
    radius = 0.05 + 0.95 * t
    angle = 2 * np.pi * y / k + 1.5 * np.pi * t
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    # Arms lie closer together than circles' gap, so jitter them less.
    return X + rng.normal(0.0, 0.5 * noise, X.shape), y


def _blobs(rng: np.random.Generator, sizes: list[int], noise: float):
    """k Gaussian blobs centred evenly on a circle of radius 0.9; noise=0.1 gives a spread of 0.15.

    The spread grows faster than noise so that the blobs overlap at the
    same noise levels at which the other sets become hard.
    """
    k = len(sizes)
    y = _labels(sizes)
    centre_angle = 2 * np.pi * np.arange(k) / k
    centres = 0.9 * np.column_stack([np.cos(centre_angle), np.sin(centre_angle)])
    return centres[y] + rng.normal(0.0, 1.5 * noise, (y.size, 2)), y


def _xor_quadrants(rng: np.random.Generator, sizes: list[int], noise: float):
    """Uniform points in [-1, 1]^2, class 1 where the signs of x1 and x2 differ (XOR).

    The class is decided before the jitter, so noise blurs the axes.
    Uniform points cannot honour the exact class sizes; only the total counts.
    """
    X = rng.uniform(-1.0, 1.0, (sum(sizes), 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64)
    return X + rng.normal(0.0, 0.5 * noise, X.shape), y


_GENERATORS = {
    "circles": _circles,
    "moons": _moons,
    "spiral": _spiral,
    "blobs": _blobs,
    "xor_quadrants": _xor_quadrants,
}


# --------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------


def _suggestion(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def _check_name(name: str) -> str:
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in DATASETS:
        hint = _suggestion(key, DATASETS) if isinstance(key, str) else ""
        raise DataError(f"unknown dataset {name!r}; {hint}choose one of: {', '.join(DATASETS)}")
    return key


def _check_int(field: str, value, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise DataError(f"{field} must be a whole number, got {value!r}")
    if not low <= int(value) <= high:
        raise DataError(f"{field} must be between {low} and {high}, got {value}")


def _check_noise(noise) -> None:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not math.isfinite(noise) or noise < 0:
        raise DataError(f"noise must be a finite number >= 0, got {noise!r}")


def _check_fraction(test_fraction) -> None:
    if (
        isinstance(test_fraction, bool)
        or not isinstance(test_fraction, numbers.Real)
        or not 0 <= float(test_fraction) < 1
    ):
        raise DataError(f"test_fraction must be at least 0 and below 1, got {test_fraction!r}")


# --------------------------------------------------------------------------
# Splitting and targets
# --------------------------------------------------------------------------


def split(X, labels, test_fraction: float, rng):
    """Shuffle, then hold out round(N * test_fraction) samples for testing.

    Shuffling happens even when test_fraction is 0, so ordered data (classes
    in blocks) never reaches training in order. When test_fraction > 0 both
    parts get at least one sample. `rng` is a Generator or a seed.
    """
    _check_fraction(test_fraction)
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    n = len(X)
    if len(labels) != n:
        raise DataError(f"{plural(n, 'sample')} but {plural(len(labels), 'label')}")
    n_test = 0
    if test_fraction > 0:
        if n < 2:
            raise DataError(f"cannot split {plural(n, 'sample')} into a training and a test part")
        n_test = min(max(round(n * test_fraction), 1), n - 1)
    order = np.random.default_rng(rng).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], labels[train], X[test], labels[test]


def targets(labels: np.ndarray, n_outputs: int, n_classes: int) -> np.ndarray:
    """What the output layer should produce for each label.

    One sigmoid unit suits two classes (a 0/1 column); otherwise one unit per
    class (one-hot). Anything else cannot be trained, so it is refused here
    rather than failing as a shape error deep inside the loss.
    """
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise DataError(f"labels must lie in 0..{n_classes - 1}")
    if n_outputs == 1 and n_classes == 2:
        return labels.astype(np.float64).reshape(-1, 1)
    if n_outputs == n_classes:
        return np.eye(n_classes, dtype=np.float64)[labels]
    raise DataError(
        f"the output layer has {plural(n_outputs, 'unit')} but the data has {plural(n_classes, 'class')}; "
        f"use 1 unit (two classes) or {n_classes}"
    )


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------


def load_csv(
    path, *, label_column: str | None = None, test_fraction: float = 0.0, seed: int = 0, progress=None
) -> Dataset:
    """Load numeric features and one label column from a CSV file.

    The label column is `label_column` (by header name) or else the last one.
    A first row made only of numbers is data, not a header; the columns are
    then called c1..cn. Labels may be text or numbers; the classes are their
    distinct values, sorted (numerically when all are numbers). Rows keep the
    file order unless test_fraction > 0 asks for a shuffled split. The reading
    itself (checks, strict numbers, speed, `progress`) is model/csv_data.py's.
    """
    from model.csv_data import read_csv_dataset  # it builds on this module's Dataset and split

    return read_csv_dataset(path, label_column=label_column, test_fraction=test_fraction, seed=seed, progress=progress)
