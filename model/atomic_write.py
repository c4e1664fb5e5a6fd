"""Writing a file so that a crash, a kill or a full disk in the middle leaves
the previous file whole: every file the engine writes goes through here."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import IO, Callable


def write_atomically(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> None:
    """Write through a temporary file in the same folder, fsync it, then rename.

    The rename is atomic, so a reader sees either the old file or the new
    one, never a part. The temporary is created with mode 0o666 so the
    user's umask applies, as for any new file. Raises OSError (or whatever
    `write` raises) after removing the temporary.
    """
    path = Path(path)
    directory = path.parent
    for _ in range(100):
        tmp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 collisions of 48 random bits
        raise FileExistsError(f"cannot create a temporary file in {directory}")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _sync_directory(directory)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
