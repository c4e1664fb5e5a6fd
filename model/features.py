"""Input features as TensorFlow Playground offers them: x1, x2, x1², x2²,
x1·x2, sin x1, sin x2, computed from a data set's two raw inputs.

A network given x1² and x2² separates circles with a straight line (no
hidden layer): the feature does the work a hidden layer would. Features
apply only to data with exactly two inputs; the raw inputs are kept beside
the features (`Dataset.raw_X`) so the map can still be drawn over x1, x2.

Spellings: the command line and the form accept `x1^2` (or `x1²`, `x1sq`),
`x1*x2` (or `x1x2`, `x1·x2`), `sin(x1)` (or `sinx1`, `sin x1`); the canonical
names are the plain-ASCII ones of FEATURES, shown as LABELS on screen.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np

from model.datasets import Dataset
from model.errors import ConfigError, DataError

Array = np.ndarray

FEATURES: tuple[str, ...] = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
DEFAULT_FEATURES: tuple[str, ...] = ("x1", "x2")

# How each feature is shown in tables and on the map.
LABELS: dict[str, str] = {
    "x1": "x1",
    "x2": "x2",
    "x1^2": "x1²",
    "x2^2": "x2²",
    "x1*x2": "x1·x2",
    "sin(x1)": "sin x1",
    "sin(x2)": "sin x2",
}

_COMPUTE: dict[str, Callable[[Array], Array]] = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] * X[:, 0],
    "x2^2": lambda X: X[:, 1] * X[:, 1],
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin(x1)": lambda X: np.sin(X[:, 0]),
    "sin(x2)": lambda X: np.sin(X[:, 1]),
}

_ALIASES: dict[str, str] = {
    "x1²": "x1^2",
    "x2²": "x2^2",
    "x1**2": "x1^2",
    "x2**2": "x2^2",
    "x1sq": "x1^2",
    "x2sq": "x2^2",
    "x1x2": "x1*x2",
    "x1·x2": "x1*x2",
    "x2*x1": "x1*x2",
    "sinx1": "sin(x1)",
    "sinx2": "sin(x2)",
}


def canonical(word: str) -> str:
    """The canonical name of one feature as a user may spell it, or DataError."""
    key = "".join(str(word).split()).lower()
    key = _ALIASES.get(key, key)
    if key not in _COMPUTE:
        raise DataError(f"unknown input feature {str(word)!r}; choose from: {', '.join(FEATURES)}")
    return key


def parse_features(text: str) -> tuple[str, ...]:
    """'x1,x2,x1^2' (commas; spaces inside a name are ignored) to canonical names, in FEATURES order."""
    words = [w for w in str(text).split(",") if w.strip()]
    if not words:
        raise DataError(f"give at least one input feature, such as x1,x2; choose from: {', '.join(FEATURES)}")
    return check_features(tuple(canonical(w) for w in words))


def check_features(features: tuple[str, ...]) -> tuple[str, ...]:
    """Known, distinct, at least one; returned in FEATURES order so equal sets compare equal."""
    if not isinstance(features, tuple) or not features:
        raise DataError("give at least one input feature, such as x1,x2")
    for name in features:
        if name not in _COMPUTE:
            raise DataError(f"unknown input feature {name!r}; choose from: {', '.join(FEATURES)}")
    if len(set(features)) != len(features):
        raise DataError(f"an input feature is given twice in {','.join(features)}")
    return tuple(f for f in FEATURES if f in features)


def config_features(features: tuple[str, ...], dataset: str, inputs: int | None) -> tuple[str, ...]:
    """A config's `features` checked (ConfigError) and in FEATURES order; `inputs`
    is how many raw inputs the dataset has (None: a CSV file, checked when read)."""
    try:
        ordered = check_features(features)
    except DataError as e:
        raise ConfigError("features", str(e)) from None
    if ordered != DEFAULT_FEATURES and inputs not in (None, 2):
        raise ConfigError("features", f"input features need data with 2 inputs (x1, x2); {dataset} has {inputs}")
    return ordered


def compute(features: tuple[str, ...], raw: Array) -> Array:
    """The feature columns of raw two-input rows (n x 2) -> (n x len(features))."""
    raw = np.asarray(raw, dtype=np.float64)
    if raw.ndim != 2 or raw.shape[1] != 2:
        raise DataError(f"input features need data with 2 inputs (x1, x2); this data has {raw.shape[-1]}")
    if not raw.shape[0]:
        return np.empty((0, len(features)))
    return np.column_stack([_COMPUTE[f](raw) for f in features])


def labels(features: tuple[str, ...]) -> tuple[str, ...]:
    """The features' names as tables show them (x1², sin x1)."""
    return tuple(LABELS[f] for f in features)


def with_features(data: Dataset, features: tuple[str, ...]) -> Dataset:
    """`data` with X made of the named input features of its two raw inputs
    (model/features.py); the default x1, x2 returns `data` itself."""
    if tuple(features) == DEFAULT_FEATURES:
        return data
    if data.n_features != 2:
        raise DataError(f"input features need data with 2 inputs (x1, x2); the {data.name} data has {data.n_features}")
    return replace(
        data,
        X=compute(features, data.X),
        X_test=compute(features, data.X_test),
        feature_names=labels(features),
        raw_X=data.X,
        raw_X_test=data.X_test,
    )
