"""Writing a file so that a crash, a kill or a full disk in the middle leaves
the previous file whole: every file the engine writes goes through here.

What a save may replace, and how:

- only a regular file, or nothing. A symlink is followed and its *target* is
  replaced (the link stays a link, as an editor's save does); a FIFO, a device
  node, a socket or a folder is refused, so `--save-weights /dev/null` can
  never swap the real /dev/null for a regular file;
- a replaced file keeps its permission bits; a new file gets `new_mode`
  (0o666 minus the umask by default; sessions ask for 0o600 because they hold
  the training data);
- the temporary file beside the target is named `.<name>.<pid>-<hex>.tmp`,
  with the name shortened so the temporary never exceeds the folder's name
  limit, and a later save of the same target removes the temporaries that
  earlier, killed, processes left (their pid is no longer running).
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from pathlib import Path
from typing import IO, Callable

NAME_MAX = 255
_TMP_SUFFIX_LEN = len(".12345678-0123456789ab.tmp") + 1  # pid (up to 8 digits), 12 hex, the leading dot


class UnsafeTarget(OSError):
    """The target exists but is not a regular file (a FIFO, a device, a folder)."""


def name_max(directory: str | os.PathLike) -> int:
    """The longest file name the folder's file system takes (255 where unknown)."""
    try:
        return int(os.pathconf(directory, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return NAME_MAX


def check_target(path: str | os.PathLike) -> Path:
    """The file a save to `path` would replace (a symlink resolved), or UnsafeTarget / OSError.

    Call it before long work (training) so that a bad name fails first.
    """
    path = Path(path)
    if path.name in ("", ".", ".."):
        raise IsADirectoryError(errno.EISDIR, "it is a folder", os.fspath(path))
    limit = name_max(path.parent)
    if len(os.fsencode(path.name)) > limit:
        raise OSError(errno.ENAMETOOLONG, f"the file name is longer than {limit} bytes", os.fspath(path))
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a pipe, a device or a socket)"
        raise UnsafeTarget(errno.EINVAL, f"it is {kind}; only a regular file is replaced", os.fspath(path))
    if target is not path and len(os.fsencode(target.name)) > name_max(target.parent):
        raise OSError(errno.ENAMETOOLONG, "the link's target name is too long", os.fspath(path))
    return target


def _tmp_prefix(name: str, limit: int) -> str:
    """`.<name>.` cut (at a character boundary) so that prefix + pid + hex fits the limit."""
    room = max(1, limit - _TMP_SUFFIX_LEN)
    encoded = name.encode("utf-8", "surrogateescape")[:room]
    short = encoded.decode("utf-8", "ignore")
    return f".{short}."


def remove_stale_temporaries(target: Path) -> int:
    """Delete temporaries of `target` whose writer process is gone; the count removed."""
    directory = target.parent
    prefix = _tmp_prefix(target.name, name_max(directory if os.fspath(directory) else "."))
    pattern = re.compile(re.escape(prefix) + r"(\d+)-[0-9a-f]{12}\.tmp")
    removed = 0
    try:
        names = os.listdir(directory if os.fspath(directory) else ".")
    except OSError:
        return 0
    for entry in names:
        match = pattern.fullmatch(entry)
        if match is None or _alive(int(match[1])):
            continue
        try:
            os.unlink(directory / entry)
            removed += 1
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours, from an earlier write that this process no longer runs
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's process, or one we cannot ask about: leave it
    return True


def write_atomically(
    path: str | os.PathLike, write: Callable[[IO[bytes]], object], new_mode: int | None = None
) -> None:
    """Write through a temporary file in the same folder, fsync it, then rename.

    The rename is atomic, so a reader sees either the old file or the new
    one, never a part. `new_mode` is the mode of a file that did not exist
    (None: 0o666 minus the umask). Raises UnsafeTarget for a target that is
    not a regular file, OSError (or whatever `write` raises) after removing
    the temporary.
    """
    target = check_target(path)
    directory = target.parent
    try:
        existing_mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        existing_mode = None
    remove_stale_temporaries(target)
    prefix = _tmp_prefix(target.name, name_max(directory if os.fspath(directory) else "."))
    create_mode = 0o600 if existing_mode is not None or new_mode is not None else 0o666
    for _ in range(100):
        tmp = directory / f"{prefix}{os.getpid()}-{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, create_mode)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 collisions of 48 random bits
        raise FileExistsError(f"cannot create a temporary file in {directory}")
    try:
        with os.fdopen(fd, "wb") as f:
            mode = existing_mode if existing_mode is not None else new_mode
            if mode is not None:
                os.fchmod(f.fileno(), mode)
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
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
