"""Data sets a class knows, bundled with the package: iris and 8x8 digits.

Read from gzip'd CSV files in model/data/ (see model/data/ATTRIBUTION.md
for where they come from). The inputs are scaled so a small network with
the app's default learning rates trains on them: iris's four measurements
are standardised (mean 0, standard deviation 1 over the 150 flowers),
digits' pixels divided by 16 (0..1). `load_bundled` shuffles with the seed
and splits off a test set as the 2-D sets do.
"""

from __future__ import annotations

import numpy as np

from model.datasets import Dataset, split
from model.errors import DataError

# name -> (features, classes): what the configuration needs before any file is read.
BUNDLED_SHAPES: dict[str, tuple[int, int]] = {"iris": (4, 3), "digits": (64, 10)}
BUNDLED: tuple[str, ...] = tuple(BUNDLED_SHAPES)
IMAGE_SIDE = {"digits": 8}  # data sets whose inputs are a square image, row by row


def _rows(name: str) -> list[list[str]]:
    # Imported here, not at launch: only iris and digits read a bundled file.
    import gzip
    from importlib import resources

    try:
        raw = resources.files("model").joinpath("data").joinpath(f"{name}.csv.gz").read_bytes()
        text = gzip.decompress(raw).decode("ascii")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise DataError(f"the bundled {name} data cannot be read: {exc}") from None
    return [line.split(",") for line in text.splitlines() if line]


def _iris() -> tuple[np.ndarray, np.ndarray, tuple[str, ...], tuple[str, ...]]:
    rows = _rows("iris")
    header, body = rows[0], rows[1:]
    species = ("setosa", "versicolor", "virginica")
    X = np.array([[float(v) for v in r[:4]] for r in body])
    y = np.array([species.index(r[4]) for r in body], dtype=np.int64)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, y, species, tuple(header[:4])


def _digits() -> tuple[np.ndarray, np.ndarray, tuple[str, ...], tuple[str, ...]]:
    body = np.array(_rows("digits"), dtype=np.float64)
    X = body[:, :64] / 16.0
    y = body[:, 64].astype(np.int64)
    features = tuple(f"p{r}{c}" for r in range(8) for c in range(8))  # pixel row r, column c
    return X, y, tuple(str(d) for d in range(10)), features


def load_bundled(name: str, test_fraction: float = 0.0, seed: int = 0) -> Dataset:
    """The bundled set `name`, shuffled with `seed`, with a test share held out."""
    if name not in BUNDLED_SHAPES:
        raise DataError(f"unknown bundled data set {name!r}; choose one of: {', '.join(BUNDLED)}")
    X, y, classes, features = _iris() if name == "iris" else _digits()
    X_train, y_train, X_test, y_test = split(X, y, test_fraction, np.random.default_rng(seed))  # shuffles too
    return Dataset(name, X_train, y_train, X_test, y_test, classes, features)
