"""Files a run can be exported to: the loss history as CSV, the weights as .npz.

Every file is written atomically (see `write_atomically`): a crash, a full
disk or an error half-way leaves the old file whole and no temporary behind.
"""

from __future__ import annotations

import csv
import io
import math
import os

from model.atomic_write import write_atomically
from model.errors import BackpropError
from model.trainer import Trainer
from model.weights_file import save_weights

CSV_COLUMNS = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")


class ExportError(BackpropError):
    """A file could not be written, with the reason in words."""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _cell(value: float) -> str:
    """Full precision (repr round-trips), empty where there is no figure."""
    return "" if math.isnan(value) else repr(float(value))


def loss_history_csv(trainer: Trainer, path: str | os.PathLike) -> int:
    """Write every recorded epoch's losses and accuracies (R² for float targets); return the row count.

    All recorded epochs are written (after a rewind that includes the
    replayable future beyond the current epoch); test cells are empty when
    the run has no test set.
    """
    series = [trainer.history.series(name) for name in ("loss", "test_loss", "accuracy", "test_accuracy")]
    text = io.StringIO()
    out = csv.writer(text, lineterminator="\n")
    regression = trainer.data.is_regression  # the accuracy columns hold R² (model/regression.py)
    out.writerow(tuple(c.replace("accuracy", "r2") for c in CSV_COLUMNS) if regression else CSV_COLUMNS)
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
    """The current epoch's W and b as a weights file (W1, b1, W2, b2, ...: layers from 1, as on screen).

    Raises WeightsFileError (a BackpropError) when the file cannot be written.
    """
    save_weights(path, trainer.record.W, trainer.record.b)
