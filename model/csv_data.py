"""Reading a data set from a CSV file that anyone may have written: strict, exact messages, fast.

The rules (what the app and the command line promise):

- The file goes through `safe_read` first: a regular file within the size
  limit, never a device, a pipe or a folder.
- It must be UTF-8 (a BOM is allowed). Lines may end in LF, CRLF or CR alone.
- The first non-blank row is a header unless every cell of it reads as a
  number; without a header the columns are called c1..cn.
- A feature cell is a plain ASCII decimal number: an optional sign, digits
  with an optional point, an optional exponent, spaces around it allowed.
  `1_000`, Arabic-Indic or full-width digits, `0x10` are refused with the
  reason (Python's float() would take some of them silently); NaN and
  infinity are refused as not finite.
- Labels are text or numbers; the classes are their distinct values, sorted
  (numerically when every label is a plain number: "1" and "1.0" are one class).
- Every error names the line (of the file, counting blank lines) and the
  column, as a person would look them up in an editor.

Speed: the file is read in blocks of whole lines. A block without quotes
is split in C (a row per line, a cell per comma); from the first quote on,
the csv module reads the rest in chunks of rows. Either way each column is
checked as a whole (one regular expression, one float conversion); only a
block or chunk that fails is read again cell by cell, and that slow pass
finds the exact line and column of the first problem (tests/model/
test_csv_paths.py holds both ways to the same answers; bench/bench_files.py
times them). `progress(done, total)` (bytes) is called after every block or
chunk; returning False from it stops the read with `safe_read.Cancelled`.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import math
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from model.csv_cells import (
    LINE,
    Columns,
    class_name,
    columns_of,
    fast_block,
    fast_chunk,
    plain_number,
    slow_chunk,
    split_lines,
    unprintable_name,
)
from model.datasets import Dataset, _check_fraction, split
from model.errors import DataError
from model.regression_data import FloatTargets, csv_regression
from model.safe_read import Cancelled, FileRefused, Progress, open_regular

# The network's widest layer (Config's MAX_UNITS): more classes cannot be trained.
MAX_CLASSES = 4096

BLOCK_BYTES = 1 << 20
CHUNK_ROWS = 1 << 16


# ------------------------------------------------------------- reading text


class _Lines:
    """The file's lines (each with its line break), decoded block by block.

    Keeps count of the bytes read for progress. A block is cut after its last
    line break, so a character or a CRLF pair is never split between blocks.
    """

    def __init__(self, f, shown: str, total: int) -> None:
        self.f = f
        self.shown = shown
        self.total = total
        self.done = 0

    def __iter__(self) -> Iterator[str]:
        return itertools.chain.from_iterable(map(split_lines, self.texts()))

    def texts(self) -> Iterator[str]:
        """The file as text, block by block, each ending after a line break (but maybe the last)."""
        carry = b""
        offset = 0  # of carry's first byte in the file
        first = True
        while True:
            block = self.f.read(BLOCK_BYTES)
            data = carry + block
            if not block:
                self.done = self.total
                if data:
                    yield self._decode(data, offset, first)
                return
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                cut = data.rfind(b"\r", 0, len(data) - 1) + 1  # CR-only file; a final CR may be half a CRLF
            if cut == 0:
                carry = data
                continue
            text = self._decode(data[:cut], offset, first)
            first = False
            offset += cut
            carry = data[cut:]
            self.done = offset
            yield text

    def _decode(self, data: bytes, offset: int, first: bool) -> str:
        if first and data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
            offset += len(codecs.BOM_UTF8)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise DataError(
                f"cannot read {self.shown}: it is not UTF-8 text (byte 0x{data[e.start]:02x} at offset "
                f"{offset + e.start}); save it as UTF-8"
            ) from None


def _line_breaks(row: list[str]) -> int:
    """How many line breaks the row's (quoted) cells hold: the extra file lines it spans."""
    return sum(len(LINE.findall(cell)) - 1 for cell in row if "\n" in cell or "\r" in cell)


def _numbered(rows: list[list[str]], first_line: int, shown: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) for rows read from `first_line` on; a row that spans lines is refused.

    The line given is the row's last line, as csv's line_num says it.
    """
    out = []
    line = first_line - 1
    for row in rows:
        extra = _line_breaks(row)
        if extra:
            raise DataError(
                f"{shown}, line {line + 1}: a quoted cell runs on to line {line + 1 + extra}; "
                'is a closing quote (") missing?'
            )
        line += 1
        out.append((line, row))
    return out


def _read_chunk(reader, size: int, shown: str) -> list[list[str]]:
    try:
        return list(itertools.islice(reader, size))
    except csv.Error as e:
        raise DataError(f"{shown}, line {reader.line_num}: not valid CSV ({e})") from None


# ---------------------------------------------------------------- loading


def read_csv_dataset(
    path: str | os.PathLike,
    *,
    label_column: str | None = None,
    test_fraction: float = 0.0,
    seed: int = 0,
    progress: Progress | None = None,
    limit: int | None = None,
) -> Dataset:
    """The data set in a CSV file (see the module docstring for the rules), or DataError saying why."""
    _check_fraction(test_fraction)
    shown = os.fspath(path)
    try:
        with open_regular(path, shown, limit, what="CSV file") as f:
            total = os.fstat(f.fileno()).st_size
            X, codes, raw, cols = _parse(f, shown, total, label_column, progress)
    except Cancelled:
        raise
    except FileRefused as e:
        raise DataError(str(e)) from None
    except OSError as e:
        raise DataError(f"cannot read {shown}: {e.strerror or e}") from None
    except MemoryError:
        raise DataError(f"{shown} is too large to load: not enough memory") from None

    feature_names = tuple(cols.header[i] for i in cols.features)
    if FloatTargets.of(raw):  # a label column of measurements, not classes: regression
        return csv_regression(Path(path).name, X, FloatTargets.values(raw)[codes], feature_names, test_fraction, seed)
    y, class_names = _classes(codes, raw, cols)
    if test_fraction > 0:
        X, y, X_test, y_test = split(X, y, test_fraction, np.random.default_rng(seed))
    else:
        X_test, y_test = np.empty((0, X.shape[1])), np.empty(0, np.int64)
    return Dataset(Path(path).name, X, y, X_test, y_test, class_names, feature_names)


class _Gathered:
    """The data read so far: feature blocks, label codes, and the label texts seen (in order)."""

    def __init__(self, cols: Columns) -> None:
        self.cols = cols
        self.parts: list[np.ndarray] = []
        self.codes: list[np.ndarray] = []
        self.index: dict[str, int] = {}
        self.targets = FloatTargets()

    def add(self, found: tuple[np.ndarray, list[str], np.ndarray]) -> None:
        X, labels, inverse = found
        if not X.shape[0]:
            return
        self.parts.append(X)
        seen = len(self.index)
        remap = np.array([self.index.setdefault(v, len(self.index)) for v in labels], dtype=np.int64)
        self.codes.append(remap[inverse])
        self.targets.see(list(self.index)[seen:])  # float targets (regression) may have any number of values
        if len(self.index) > MAX_CLASSES and not self.targets.are_floats:
            raise DataError(
                f"column {self.cols.label_name!r} (the label) has more than {MAX_CLASSES} different values; "
                "is it the label column? (name it with the label column option)"
            )

    def result(self, shown: str):
        if not self.parts:
            raise DataError(f"{shown} has a header but no data rows")
        X = self.parts[0] if len(self.parts) == 1 else np.concatenate(self.parts)
        self.parts.clear()
        codes = self.codes[0] if len(self.codes) == 1 else np.concatenate(self.codes)
        return X, codes, list(self.index), self.cols


def _parse(f, shown: str, total: int, label_column: str | None, progress: Progress | None):
    """Blocks without quotes go the fast way (fast_block); from the first block with a
    quote on (a quoted cell may span lines and blocks), the csv module reads the rest."""
    source = _Lines(f, shown, total)
    texts = source.texts()
    first = next(texts, "")
    if '"' in first:
        return _parse_rows(
            itertools.chain(split_lines(first), source_lines(texts)), 0, None, label_column, shown, source, progress
        )
    lines = split_lines(first)
    cols, used = _header(lines, shown, label_column)
    if cols is None:  # a first block of blank lines only: no shortcut
        return _parse_rows(itertools.chain(lines, source_lines(texts)), 0, None, label_column, shown, source, progress)
    gathered = _Gathered(cols)
    base = used
    pending = "".join(lines[used:])
    blocks = itertools.chain([pending] if pending else [], texts)
    for text in blocks:
        if '"' in text:
            rest = itertools.chain(split_lines(text), source_lines(blocks))
            return _parse_rows(rest, base, gathered, label_column, shown, source, progress)
        n, found = fast_block(text, cols)
        if found is None:
            rows = list(csv.reader(split_lines(text)))
            found = slow_chunk(_numbered(rows, base + 1, shown), cols)
        gathered.add(found)
        base += n
        if progress is not None and progress(source.done, total) is False:
            raise Cancelled(f"stopped reading {shown}")
    return gathered.result(shown)


def source_lines(texts: Iterator[str]) -> Iterator[str]:
    return itertools.chain.from_iterable(map(split_lines, texts))


def _header(lines: list[str], shown: str, label_column: str | None) -> tuple[Columns | None, int]:
    """The columns from the first non-blank line, and how many lines precede the data."""
    for i, line in enumerate(lines):
        row = next(csv.reader([line]), [])
        cells = [cell.strip() for cell in row]
        if any(cells):
            cols = columns_of(i + 1, cells, shown, label_column)
            return cols, i + 1 if cols.has_header else i
    return None, 0


def _parse_rows(lines, base: int, gathered: _Gathered | None, label_column, shown, source, progress):
    """The csv module's way, chunk by chunk; `base` lines were read before `lines`."""
    total = source.total
    reader = csv.reader(lines)
    pending: list[list[str]] = []
    first_line = 1
    while gathered is None:  # the first non-blank row: a header, or the first data row
        before = reader.line_num
        head = _read_chunk(reader, 1, shown)
        if not head:
            raise DataError(f"{shown} is empty")
        ((line, row),) = _numbered(head, base + before + 1, shown)
        cells = [cell.strip() for cell in row]
        if any(cells):
            cols = columns_of(line, cells, shown, label_column)
            gathered = _Gathered(cols)
            if not cols.has_header:
                pending, first_line = head, line
    cols = gathered.cols
    while True:
        start = base + reader.line_num + 1 if not pending else first_line
        rows = pending + _read_chunk(reader, CHUNK_ROWS - len(pending), shown)
        pending = []
        if not rows:
            break
        found = None if base + reader.line_num - start + 1 != len(rows) else fast_chunk(rows, cols)
        gathered.add(found if found is not None else slow_chunk(_numbered(rows, start, shown), cols))
        if progress is not None and progress(source.done, total) is False:
            raise Cancelled(f"stopped reading {shown}")
    return gathered.result(shown)


def _classes(codes: np.ndarray, raw: list[str], cols: Columns) -> tuple[np.ndarray, tuple[str, ...]]:
    """Class indices and names from the distinct label texts (in order of first appearance)."""
    values = [plain_number(v) for v in raw]
    if all(v is not None and math.isfinite(v) for v in values):
        distinct = sorted(set(values))  # type: ignore[type-var]
        names = tuple(class_name(v) for v in distinct)  # type: ignore[arg-type]
        position = {v: i for i, v in enumerate(distinct)}
        remap = np.array([position[v] for v in values], dtype=np.int64)
    else:
        names = tuple(sorted(set(raw)))
        position_text = {v: i for i, v in enumerate(names)}
        remap = np.array([position_text[v] for v in raw], dtype=np.int64)
    bad = unprintable_name(names)
    if bad is not None:
        raise DataError(f"a label in column {cols.label_name!r} holds a control character ({bad!r}); rename it")
    if len(names) < 2:
        raise DataError(f"only one class ({names[0]!r}) in column {cols.label_name!r}; need at least 2")
    return remap[codes], names
