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
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from model.datasets import Dataset, _check_fraction, _suggestion, split
from model.errors import DataError
from model.regression_data import FloatTargets, csv_regression
from model.safe_read import Cancelled, FileRefused, Progress, open_regular

# The network's widest layer (Config's MAX_UNITS): more features or classes cannot be trained.
MAX_COLUMNS = 4096
MAX_CLASSES = 4096

BLOCK_BYTES = 1 << 20
CHUNK_ROWS = 1 << 16

_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_PLAIN_NUMBER = re.compile(rf"[ \t]*{_NUMBER}[ \t]*", re.ASCII)
# A column of cells joined with "\n" that can only hold plain numbers (see _fast_chunk for why).
_NUMBER_CHARACTERS = re.compile(r"[0-9eE+\-. \t\n]*")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def plain_number(cell: str) -> float | None:
    """The value of a plain ASCII decimal number, or None for anything else."""
    if _PLAIN_NUMBER.fullmatch(cell) is None:
        return None
    return float(cell)


def _loose_number(cell: str) -> float | None:
    """What Python's float() would make of it: only to word an error or to spot a header."""
    try:
        return float(cell)
    except ValueError:
        return None


def _class_name(value: float) -> str:
    """'1.0' and '1' are the same class; show it the way a person would write it."""
    return str(int(value)) if value.is_integer() else repr(value)


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
        return itertools.chain.from_iterable(map(_split_lines, self.texts()))

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


_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _other_breaks(text: str) -> bool:
    """Whether the text holds a line break other than CR and LF (form feed, U+2028...)."""
    if text.isascii():
        return any(ch in text for ch in "\x0b\x0c\x1c\x1d\x1e")
    return _OTHER_BREAKS.search(text) is not None


def _split_lines(text: str) -> list[str]:
    """Lines ending in LF, CRLF or CR only (str.splitlines, faster, also breaks at form feeds and the like)."""
    if not _other_breaks(text):
        return text.splitlines(keepends=True)
    return _LINE.findall(text)


def _line_breaks(row: list[str]) -> int:
    """How many line breaks the row's (quoted) cells hold: the extra file lines it spans."""
    return sum(len(_LINE.findall(cell)) - 1 for cell in row if "\n" in cell or "\r" in cell)


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


# ------------------------------------------------------------- the columns


class _Columns:
    """What the header row decides: names, which column is the label."""

    def __init__(self, header: list[str], has_header: bool, label_index: int, shown: str) -> None:
        self.header = header
        self.has_header = has_header
        self.label_index = label_index
        self.features = [i for i in range(len(header)) if i != label_index]
        self.label_name = header[label_index]
        self.shown = shown


def _columns(first_line: int, first: list[str], shown: str, label_column: str | None) -> _Columns:
    # Empty cells do not make a header: "1,,0" is a data row with a hole in it.
    has_header = any(cell and _loose_number(cell) is None for cell in first)
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
        hint = _separator_hint(first)
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
    return _Columns(header, has_header, label_index, shown)


def unprintable_name(names) -> str | None:
    """The first name holding a control character (an escape sequence would act on the terminal), or None."""
    for name in names:
        if not name.isprintable():
            return name
    return None


def _separator_hint(row: list[str]) -> str:
    text = ",".join(row)
    for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
        if sep in text:
            return f"; its cells look separated by {name} ({sep!r}): save it with commas"
    return ""


# ---------------------------------------------------------------- chunks


def _fast_chunk(rows: list[list[str]], cols: _Columns) -> tuple[np.ndarray, list[str], np.ndarray] | None:
    """The chunk's features, distinct labels and each row's index into them, if every
    row is plain and complete; None sends the chunk to _slow_chunk.

    Only the characters of plain numbers are allowed in a feature column (one
    regular expression over the column joined with "\n"), and NumPy's float
    conversion then refuses any malformed arrangement of them ("1e", "--1",
    "1 2", a cell split by a line break); so what passes is exactly what
    _feature accepts cell by cell.
    """
    if set(map(len, rows)) != {len(cols.header)}:
        return None
    return _fast_columns(list(zip(*rows)), len(rows), cols)


def _fast_columns(columns, n: int, cols: _Columns) -> tuple[np.ndarray, list[str], np.ndarray] | None:
    """_fast_chunk's work on the chunk's columns (n cells each)."""
    X = np.empty((n, len(cols.features)), dtype=np.float64)
    for c, i in enumerate(cols.features):
        cells = columns[i]
        if _NUMBER_CHARACTERS.fullmatch("\n".join(cells)) is None:
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


def _fast_block(text: str, cols: _Columns) -> tuple[int, tuple[np.ndarray, list[str], np.ndarray] | None]:
    """(lines, result) for a block of whole lines without quotes; result None if the block
    needs the cell-by-cell pass. Without quotes a row is a line and a cell is what lies
    between commas, so splitting the text does what the csv module would, in C."""
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return len(_split_lines(text)), None
        text = text.replace("\r\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    n = text.count("\n")
    width = len(cols.header)
    shape = re.compile(f"(?:[^,\\n]*(?:,[^,\\n]*){{{width - 1}}}\\n)*")  # re caches compiled patterns
    if _other_breaks(text) or shape.fullmatch(text) is None:
        return len(_split_lines(text)), None
    cells = text[:-1].replace("\n", ",").split(",")
    return n, _fast_columns([cells[i::width] for i in range(width)], n, cols)


def _slow_chunk(numbered: list[tuple[int, list[str]]], cols: _Columns) -> tuple[np.ndarray, list[str], np.ndarray]:
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
            X[r, c] = _feature(cells[i], f"line {line}, column {header[i]!r}")
        if not cells[cols.label_index]:
            raise DataError(f"line {line}, column {cols.label_name!r} (the label) is empty")
        labels.append(cells[cols.label_index])
    return X, labels, np.arange(len(labels))


def _feature(cell: str, where: str) -> float:
    if not cell:
        raise DataError(f"{where} is empty")
    value = plain_number(cell)
    if value is None:
        loose = _loose_number(cell)
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

    def __init__(self, cols: _Columns) -> None:
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
    """Blocks without quotes go the fast way (_fast_block); from the first block with a
    quote on (a quoted cell may span lines and blocks), the csv module reads the rest."""
    source = _Lines(f, shown, total)
    texts = source.texts()
    first = next(texts, "")
    if '"' in first:
        return _parse_rows(
            itertools.chain(_split_lines(first), source_lines(texts)), 0, None, label_column, shown, source, progress
        )
    lines = _split_lines(first)
    cols, used = _header(lines, shown, label_column)
    if cols is None:  # a first block of blank lines only: no shortcut
        return _parse_rows(itertools.chain(lines, source_lines(texts)), 0, None, label_column, shown, source, progress)
    gathered = _Gathered(cols)
    base = used
    pending = "".join(lines[used:])
    blocks = itertools.chain([pending] if pending else [], texts)
    for text in blocks:
        if '"' in text:
            rest = itertools.chain(_split_lines(text), source_lines(blocks))
            return _parse_rows(rest, base, gathered, label_column, shown, source, progress)
        n, found = _fast_block(text, cols)
        if found is None:
            rows = list(csv.reader(_split_lines(text)))
            found = _slow_chunk(_numbered(rows, base + 1, shown), cols)
        gathered.add(found)
        base += n
        if progress is not None and progress(source.done, total) is False:
            raise Cancelled(f"stopped reading {shown}")
    return gathered.result(shown)


def source_lines(texts: Iterator[str]) -> Iterator[str]:
    return itertools.chain.from_iterable(map(_split_lines, texts))


def _header(lines: list[str], shown: str, label_column: str | None) -> tuple[_Columns | None, int]:
    """The columns from the first non-blank line, and how many lines precede the data."""
    for i, line in enumerate(lines):
        row = next(csv.reader([line]), [])
        cells = [cell.strip() for cell in row]
        if any(cells):
            cols = _columns(i + 1, cells, shown, label_column)
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
            cols = _columns(line, cells, shown, label_column)
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
        found = None if base + reader.line_num - start + 1 != len(rows) else _fast_chunk(rows, cols)
        gathered.add(found if found is not None else _slow_chunk(_numbered(rows, start, shown), cols))
        if progress is not None and progress(source.done, total) is False:
            raise Cancelled(f"stopped reading {shown}")
    return gathered.result(shown)


def _classes(codes: np.ndarray, raw: list[str], cols: _Columns) -> tuple[np.ndarray, tuple[str, ...]]:
    """Class indices and names from the distinct label texts (in order of first appearance)."""
    values = [plain_number(v) for v in raw]
    if all(v is not None and math.isfinite(v) for v in values):
        distinct = sorted(set(values))  # type: ignore[type-var]
        names = tuple(_class_name(v) for v in distinct)  # type: ignore[arg-type]
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
