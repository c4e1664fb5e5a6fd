"""The CSV loader as it was before issue 13 (csv module, Python float per cell),
kept verbatim as the baseline that bench_files.py times beside the new one."""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

import numpy as np

from model.datasets import Dataset, _check_fraction, _suggestion, split
from model.errors import DataError


def _float(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _class_name(value: float) -> str:
    """'1.0' and '1' are the same class; show it the way a person would write it."""
    return str(int(value)) if value.is_integer() else repr(value)


def _read_rows(path) -> list[tuple[int, list[str]]]:
    """Non-blank rows with their (1-based) file line numbers, cells stripped."""
    shown = os.fspath(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise DataError(
            f"cannot read {shown}: it is not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset {e.start}); "
            "save it as UTF-8"
        ) from None
    except (OSError, ValueError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise DataError(f"cannot read {shown}: {reason}") from None

    rows = []
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if any(cells):
                rows.append((reader.line_num, cells))
    except csv.Error as e:
        raise DataError(f"{shown}, line {reader.line_num}: not valid CSV ({e})") from None
    return rows


def load_csv(path, *, label_column: str | None = None, test_fraction: float = 0.0, seed: int = 0) -> Dataset:
    """Load numeric features and one label column from a CSV file.

    The label column is `label_column` (by header name) or else the last one.
    A first row made only of numbers is data, not a header; the columns are
    then called c1..cn. Labels may be text or numbers; the classes are their
    distinct values, sorted (numerically when all are numbers). Rows keep the
    file order unless test_fraction > 0 asks for a shuffled split.
    """
    _check_fraction(test_fraction)
    shown = os.fspath(path)
    rows = _read_rows(path)
    if not rows:
        raise DataError(f"{shown} is empty")

    first_line, first = rows[0]
    # Empty cells do not make a header: "1,,0" is a data row with a hole in it.
    has_header = any(cell and _float(cell) is None for cell in first)
    if has_header:
        header = first
        data = rows[1:]
        for i, name in enumerate(header, start=1):
            if not name:
                raise DataError(f"{shown}, line {first_line}: header column {i} has no name")
        dupes = sorted({name for name in header if header.count(name) > 1})
        if dupes:
            raise DataError(f"{shown}, line {first_line}: column name {dupes[0]!r} appears more than once")
    else:
        header = [f"c{i}" for i in range(1, len(first) + 1)]
        data = rows

    if len(header) < 2:
        raise DataError(f"{shown} has {len(header)} column; need at least 2 (features and a label)")

    if label_column is None:
        label_index = len(header) - 1
    elif not has_header:
        raise DataError(
            f"label_column {label_column!r} needs a header row, but the first row of {shown} is all numbers"
        )
    elif label_column in header:
        label_index = header.index(label_column)
    else:
        raise DataError(
            f"no column {label_column!r} in {shown}; {_suggestion(label_column, header)}columns: {', '.join(header)}"
        )

    if not data:
        raise DataError(f"{shown} has a header but no data rows")

    label_name = header[label_index]
    feature_index = [i for i in range(len(header)) if i != label_index]
    X = np.empty((len(data), len(feature_index)), dtype=np.float64)
    raw_labels = []
    for r, (line, cells) in enumerate(data):
        if len(cells) != len(header):
            raise DataError(f"line {line} has {len(cells)} cells, expected {len(header)}")
        for c, i in enumerate(feature_index):
            cell = cells[i]
            where = f"line {line}, column {header[i]!r}"
            if not cell:
                raise DataError(f"{where} is empty")
            value = _float(cell)
            if value is None:
                raise DataError(f"{where}: {cell!r} is not a number")
            if not math.isfinite(value):
                raise DataError(f"{where}: {cell!r} is not a finite number")
            X[r, c] = value
        if not cells[label_index]:
            raise DataError(f"line {line}, column {label_name!r} (the label) is empty")
        raw_labels.append(cells[label_index])

    numbers_ = [_float(cell) for cell in raw_labels]
    if all(v is not None and math.isfinite(v) for v in numbers_):
        classes = sorted(set(numbers_))
        class_names = tuple(_class_name(v) for v in classes)
        index = {v: i for i, v in enumerate(classes)}
        y = np.array([index[v] for v in numbers_], dtype=np.int64)
    else:
        class_names = tuple(sorted(set(raw_labels)))
        index = {v: i for i, v in enumerate(class_names)}
        y = np.array([index[v] for v in raw_labels], dtype=np.int64)

    if len(class_names) < 2:
        raise DataError(f"only one class ({class_names[0]!r}) in column {label_name!r}; need at least 2")

    feature_names = tuple(header[i] for i in feature_index)
    if test_fraction > 0:
        X, y, X_test, y_test = split(X, y, test_fraction, np.random.default_rng(seed))
    else:
        X_test, y_test = np.empty((0, X.shape[1])), np.empty(0, np.int64)
    return Dataset(Path(path).name, X, y, X_test, y_test, class_names, feature_names)
