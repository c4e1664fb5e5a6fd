"""Files a run can be exported to: the loss history as CSV, the weights as .npz.

Every file is written atomically (see `write_atomically`): a crash, a full
disk or an error half-way leaves the old file whole and no temporary behind.
"""

from __future__ import annotations

import csv
import io
import math
import os
import secrets
from pathlib import Path
from typing import IO, Callable

from model.errors import BackpropError
from model.trainer import Trainer
from model.weights_file import save_weights

CSV_COLUMNS = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")


class ExportError(BackpropError):
    """A file could not be written, with the reason in words."""


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


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _cell(value: float) -> str:
    """Full precision (repr round-trips), empty where there is no figure."""
    return "" if math.isnan(value) else repr(float(value))


def loss_history_csv(trainer: Trainer, path: str | os.PathLike) -> int:
    """Write every recorded epoch's losses and accuracies; return the row count.

    All recorded epochs are written (after a rewind that includes the
    replayable future beyond the current epoch); test cells are empty when
    the run has no test set.
    """
    series = [trainer.history.series(name) for name in ("loss", "test_loss", "accuracy", "test_accuracy")]
    text = io.StringIO()
    out = csv.writer(text, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    rows = trainer.history.length
    for epoch in range(rows):
        out.writerow([epoch, *(_cell(s[epoch]) for s in series)])
    data = text.getvalue().encode("utf-8")
    try:
        write_atomically(path, lambda f: f.write(data))
    except OSError as exc:
        raise ExportError(f"cannot write {os.fspath(path)}: {_reason(exc)}") from None
    return rows


def export_weights(trainer: Trainer, path: str | os.PathLike) -> None:
    """The current epoch's W and b as a weights file (W0, b0, W1, b1, ...).

    Raises WeightsFileError (a BackpropError) when the file cannot be written.
    """
    save_weights(path, trainer.record.W, trainer.record.b)
