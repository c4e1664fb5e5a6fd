"""The cells of a CSV file (model/csv_data.py reads the file): what a plain
number is, what the header row decides, and how a block or chunk of rows
becomes features and labels, the fast way (a whole column at once) or cell
by cell (naming the line and column of the first problem).
"""

from __future__ import annotations

import math
import re

import numpy as np

from model.datasets import _suggestion
from model.errors import DataError

# The network's widest layer (Config's MAX_UNITS): more features cannot be trained.
MAX_COLUMNS = 4096

NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
PLAIN_NUMBER = re.compile(rf"[ \t]*{NUMBER}[ \t]*", re.ASCII)
# A column of cells joined with "\n" that can only hold plain numbers (see fast_chunk for why).
NUMBER_CHARACTERS = re.compile(r"[0-9eE+\-. \t\n]*")
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def plain_number(cell: str) -> float | None:
    """The value of a plain ASCII decimal number, or None for anything else."""
    if PLAIN_NUMBER.fullmatch(cell) is None:
        return None
    return float(cell)


def loose_number(cell: str) -> float | None:
    """What Python's float() would make of it: only to word an error or to spot a header."""
    try:
        return float(cell)
    except ValueError:
        return None


def class_name(value: float) -> str:
    """'1.0' and '1' are the same class; show it the way a person would write it."""
    return str(int(value)) if value.is_integer() else repr(value)


OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def other_breaks(text: str) -> bool:
    """Whether the text holds a line break other than CR and LF (form feed, U+2028...)."""
    if text.isascii():
        return any(ch in text for ch in "\x0b\x0c\x1c\x1d\x1e")
    return OTHER_BREAKS.search(text) is not None


def split_lines(text: str) -> list[str]:
    """Lines ending in LF, CRLF or CR only (str.splitlines, faster, also breaks at form feeds and the like)."""
    if not other_breaks(text):
        return text.splitlines(keepends=True)
    return LINE.findall(text)


# ------------------------------------------------------------- the columns


class Columns:
    """What the header row decides: names, which column is the label."""

    def __init__(self, header: list[str], has_header: bool, label_index: int, shown: str) -> None:
        self.header = header
        self.has_header = has_header
        self.label_index = label_index
        self.features = [i for i in range(len(header)) if i != label_index]
        self.label_name = header[label_index]
        self.shown = shown


def columns_of(first_line: int, first: list[str], shown: str, label_column: str | None) -> Columns:
    # Empty cells do not make a header: "1,,0" is a data row with a hole in it.
    has_header = any(cell and loose_number(cell) is None for cell in first)
    if has_header:
        header = first
        for i, name in enumerate(header, start=1):
            if not name:
                raise DataError(f"{shown}, line {first_line}: header column {i} has no name")
        seen: set[str] = set()
        for name in header:
            if name in seen:
                raise DataError(f"{shown}, line {first_line}: column name {name!r} appears more than once")
            seen.add(name)
    else:
        header = [f"c{i}" for i in range(1, len(first) + 1)]

    if len(header) < 2:
        hint = separator_hint(first)
        raise DataError(f"{shown} has {len(header)} column; need at least 2 (features and a label){hint}")
    bad = unprintable_name(header)
    if bad is not None:
        raise DataError(f"{shown}, line {first_line}: column name {bad!r} holds a control character; rename it")
    if len(header) - 1 > MAX_COLUMNS:
        raise DataError(
            f"{shown} has {len(header)} columns ({len(header) - 1} features); a network takes at most "
            f"{MAX_COLUMNS} inputs: keep fewer feature columns"
        )

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
    return Columns(header, has_header, label_index, shown)


def unprintable_name(names) -> str | None:
    """The first name holding a control character (an escape sequence would act on the terminal), or None."""
    for name in names:
        if not name.isprintable():
            return name
    return None


def separator_hint(row: list[str]) -> str:
    text = ",".join(row)
    for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
        if sep in text:
            return f"; its cells look separated by {name} ({sep!r}): save it with commas"
    return ""


# ---------------------------------------------------------------- chunks


def fast_chunk(rows: list[list[str]], cols: Columns) -> tuple[np.ndarray, list[str], np.ndarray] | None:
    """The chunk's features, distinct labels and each row's index into them, if every
    row is plain and complete; None sends the chunk to slow_chunk.

    Only the characters of plain numbers are allowed in a feature column (one
    regular expression over the column joined with "\n"), and NumPy's float
    conversion then refuses any malformed arrangement of them ("1e", "--1",
    "1 2", a cell split by a line break); so what passes is exactly what
    feature accepts cell by cell.
    """
    if set(map(len, rows)) != {len(cols.header)}:
        return None
    return fast_columns(list(zip(*rows)), len(rows), cols)


def fast_columns(columns, n: int, cols: Columns) -> tuple[np.ndarray, list[str], np.ndarray] | None:
    """fast_chunk's work on the chunk's columns (n cells each)."""
    X = np.empty((n, len(cols.features)), dtype=np.float64)
    for c, i in enumerate(cols.features):
        cells = columns[i]
        if NUMBER_CHARACTERS.fullmatch("\n".join(cells)) is None:
            return None
        try:
            X[:, c] = np.array(cells, dtype=np.float64)
        except ValueError:
            return None
    if not np.isfinite(X).all():
        return None  # 1e999: the slow pass names the cell
    label_cells = columns[cols.label_index]
    if "\0" in "".join(label_cells):
        return None  # NumPy's text arrays drop trailing NULs; keep such labels exact
    distinct, inverse = np.unique(np.array(label_cells, dtype=str), return_inverse=True)
    labels = [str(v).strip() for v in distinct]
    if not all(labels):
        return None
    return X, labels, inverse.reshape(-1)


def fast_block(text: str, cols: Columns) -> tuple[int, tuple[np.ndarray, list[str], np.ndarray] | None]:
    """(lines, result) for a block of whole lines without quotes; result None if the block
    needs the cell-by-cell pass. Without quotes a row is a line and a cell is what lies
    between commas, so splitting the text does what the csv module would, in C."""
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return len(split_lines(text)), None
        text = text.replace("\r\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    n = text.count("\n")
    width = len(cols.header)
    shape = re.compile(f"(?:[^,\\n]*(?:,[^,\\n]*){{{width - 1}}}\\n)*")  # re caches compiled patterns
    if other_breaks(text) or shape.fullmatch(text) is None:
        return len(split_lines(text)), None
    cells = text[:-1].replace("\n", ",").split(",")
    return n, fast_columns([cells[i::width] for i in range(width)], n, cols)


def slow_chunk(numbered: list[tuple[int, list[str]]], cols: Columns) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Cell by cell, in file order: the first problem is reported with its line and column."""
    header = cols.header
    rows = []
    for line, row in numbered:
        cells = [cell.strip() for cell in row]
        if any(cells):
            rows.append((line, cells))
    X = np.empty((len(rows), len(cols.features)), dtype=np.float64)
    labels = []
    for r, (line, cells) in enumerate(rows):
        if len(cells) != len(header):
            raise DataError(f"line {line} has {len(cells)} cells, expected {len(header)}")
        for c, i in enumerate(cols.features):
            X[r, c] = feature(cells[i], f"line {line}, column {header[i]!r}")
        if not cells[cols.label_index]:
            raise DataError(f"line {line}, column {cols.label_name!r} (the label) is empty")
        labels.append(cells[cols.label_index])
    return X, labels, np.arange(len(labels))


def feature(cell: str, where: str) -> float:
    if not cell:
        raise DataError(f"{where} is empty")
    value = plain_number(cell)
    if value is None:
        loose = loose_number(cell)
        if loose is None:
            raise DataError(f"{where}: {cell!r} is not a number")
        if not math.isfinite(loose):
            raise DataError(f"{where}: {cell!r} is not a finite number")
        raise DataError(
            f"{where}: {cell!r} is not a plain number; write ASCII digits with an optional sign, point and "
            "exponent (such as 1000, -2.5 or 3e-4), without _ separators"
        )
    if not math.isfinite(value):
        raise DataError(f"{where}: {cell!r} is not a finite number")
    return value
