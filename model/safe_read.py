"""Opening a file that someone else chose: a regular file of bounded size, never a device or a pipe.

Every reader of user files (CSV data, weights, sessions) opens them here
first, so the checks that keep a hostile or careless path from hanging or
exhausting the program are made once, in one place:

- the path is opened with O_NONBLOCK, so a FIFO cannot block the open itself,
  and then `fstat` of the open descriptor (not of the name, which could be
  swapped in between) must say "regular file"; /dev/zero, a FIFO, a socket
  or a folder is refused by name;
- the size is checked against a limit before anything is read; archives
  (.npz) are also checked member by member against what they claim to hold
  uncompressed, and each .npy header against the bytes that follow it, so a
  zip bomb or a header that claims terabytes is refused before any memory
  is taken;
- OS errors (a name too long, no permission, a loop of symlinks) become one
  sentence.

The limit defaults to DEFAULT_LIMIT_MB and can be changed with the
environment variable BACKPROP_TUI_MAX_FILE_MB (read at each call, so the
engine holds no global state): it applies to the file and, for an archive,
to the arrays it unpacks to.
"""

from __future__ import annotations

import errno
import os
import stat
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

import numpy as np

from model.errors import BackpropError

DEFAULT_LIMIT_MB = 1024
LIMIT_VARIABLE = "BACKPROP_TUI_MAX_FILE_MB"
MB = 1 << 20


class FileRefused(BackpropError):
    """The file was not read: not a regular file, too large, unreadable; the message says which."""


class Cancelled(BackpropError):
    """The reader was asked to stop (the user cancelled a long read)."""


# A progress callback receives (done, total) in bytes; returning False cancels the read.
Progress = Callable[[int, int], object]


def size_limit() -> int:
    """The largest file (and unpacked archive) accepted, in bytes."""
    text = os.environ.get(LIMIT_VARIABLE, "").strip()
    if text:
        try:
            megabytes = float(text)
        except ValueError:
            megabytes = float("nan")
        if megabytes > 0:
            return int(megabytes * MB)
    return DEFAULT_LIMIT_MB * MB


def describe_size(n: int) -> str:
    if n >= MB:
        return f"{n / MB:.1f} MB"
    return f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} bytes"


def _too_large(shown: str, size: int, limit: int, what: str = "is") -> FileRefused:
    return FileRefused(
        f"{shown} {what} {describe_size(size)}, more than the limit of {describe_size(limit)} "
        f"(set {LIMIT_VARIABLE} to allow more)"
    )


def os_reason(exc: BaseException) -> str:
    """An OSError as words: 'File name too long', 'Permission denied'."""
    if isinstance(exc, OSError):
        if exc.errno == errno.ENAMETOOLONG:
            return "the file name is too long"
        if exc.strerror:
            return exc.strerror
    return str(exc) or type(exc).__name__


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


@contextmanager
def open_regular(
    path: str | os.PathLike, shown: str | None = None, limit: int | None = None, what: str = "file"
) -> Iterator[IO[bytes]]:
    """A binary file object for `path`, or FileRefused saying why not.

    The descriptor is checked, not the name: what is read is what was checked.
    `what` names the kind of file in messages ("no session file at ...").
    """
    shown = os.fspath(path) if shown is None else shown
    limit = size_limit() if limit is None else limit
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise FileRefused(f"no {what} at {shown}") from None
    except IsADirectoryError:
        raise FileRefused(f"{shown} is a folder, not a {what}") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        raise FileRefused(f"cannot read {shown}: {os_reason(exc)}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileRefused(f"{shown} is a folder, not a {what}")
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"{shown} is {_kind(info.st_mode)}, not a regular file; give the path of a {what}")
        if info.st_size > limit:
            raise _too_large(shown, info.st_size, limit)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        f = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with f:
        yield f


def read_bytes(
    path: str | os.PathLike, shown: str | None = None, limit: int | None = None, what: str = "file"
) -> bytes:
    """The whole (checked) file."""
    shown = os.fspath(path) if shown is None else shown
    with open_regular(path, shown, limit, what) as f:
        try:
            return f.read()
        except OSError as exc:
            raise FileRefused(f"cannot read {shown}: {os_reason(exc)}") from None


# ---------------------------------------------------------------- archives


def read_npz(
    path: str | os.PathLike,
    shown: str | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
    what: str = "file",
) -> dict[str, np.ndarray]:
    """Every array of a NumPy .npz archive, checked before it is unpacked.

    Raises FileRefused for a file that is not an archive, a member that is
    not a .npy array, sizes beyond the limit or a header that promises more
    than its member holds; other damage surfaces as the zipfile/NumPy error
    (BadZipFile, ValueError, zlib.error...), which the caller words.
    """
    shown = os.fspath(path) if shown is None else shown
    limit = size_limit() if limit is None else limit
    with open_regular(path, shown, limit, what) as f:
        if f.read(4)[:2] != b"PK":
            raise FileRefused(f"{shown} is not an .npz archive")
        f.seek(0)
        with zipfile.ZipFile(f) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            if total > limit:
                raise _too_large(shown, total, limit, "would unpack to")
            arrays: dict[str, np.ndarray] = {}
            done = 0
            for member in members:
                name = member.filename[:-4] if member.filename.endswith(".npy") else member.filename
                with archive.open(member) as stream:
                    arrays[name] = _read_npy(stream, member.file_size, shown, name)
                done += member.file_size
                if progress is not None and progress(done, total) is False:
                    raise Cancelled(f"stopped reading {shown}")
    return arrays


def _read_npy(stream: IO[bytes], size: int, shown: str, name: str) -> np.ndarray:
    """One .npy member, its header checked against the member's size first."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(stream)
    except ValueError:
        raise FileRefused(f"{shown} is damaged: entry {name!r} is not a NumPy array") from None
    if version == (1, 0):
        shape, fortran, dtype = fmt.read_array_header_1_0(stream)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = fmt.read_array_header_2_0(stream)
    else:  # pragma: no cover - read_magic accepts only the versions above
        raise FileRefused(f"{shown} is damaged: entry {name!r} has an unknown .npy version {version}")
    if dtype.hasobject:
        raise FileRefused(f"{shown}: entry {name!r} holds Python objects, which are never loaded")
    count = 1
    for n in shape:
        count *= int(n)
    header = stream.tell() if stream.seekable() else None
    claimed = count * dtype.itemsize
    available = size - header if header is not None else size
    if claimed > available:
        raise FileRefused(
            f"{shown} is damaged: entry {name!r} claims {describe_size(claimed)} but holds {describe_size(available)}"
        )
    array = np.empty(count, dtype=dtype)
    view = array.data.cast("B") if claimed else memoryview(bytearray())
    filled = 0
    while filled < claimed:
        got = stream.readinto(view[filled:])  # type: ignore[attr-defined]
        if not got:
            raise FileRefused(f"{shown} is damaged: entry {name!r} is cut short")
        filled += got
    return array.reshape(shape, order="F" if fortran else "C")
