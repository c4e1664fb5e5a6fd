"""Headless training: the engine without the UI, for scripts, CI and slow links.

Trains until a stop condition (the epoch limit, a target loss, full
accuracy), a divergence or Ctrl-C, then prints on stdout either a summary
(a table of predictions and the final figures) or, with --json, one JSON
document. A progress bar goes to stderr, and only when stderr is a
terminal, so piped output stays clean.

Training is the engine's own loop (model/training_loop.py), the one run
mode uses too; the progress bar is redrawn at most ten times a second,
never once per epoch, so a fast network trains at the engine's full speed.
"""

from __future__ import annotations

import json
import math
import sys
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from model import Trainer, WeightsFileError
from model.session import save_session
from model.training_loop import Ending, RunOutcome, train_until
from model.weights_file import save_weights
from tui.format import fixed

if TYPE_CHECKING:
    from tui.plan import Plan

PROG = "backprop-tui"
EXIT_OK, EXIT_USAGE, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 2, 3, 130

MAX_LOSS_POINTS = 1_000_001  # every epoch of a run up to 1,000,000 epochs; longer ones keep round epochs
MAX_JSON_PREDICTIONS = 10_000
TABLE_ROWS = 20
MAX_OUTPUT_COLUMNS = 4  # wider outputs show only the winning unit
REFRESH_SECONDS = 0.1


# ----------------------------------------------------------------- training


class _Bar:
    """A rich progress bar on stderr, refreshed by hand at most 10 times a second."""

    def __init__(self, total: int, start: int):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("epoch"),
            MofNCompleteColumn(),
            BarColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TimeRemainingColumn(),
            console=Console(file=sys.stderr),
            auto_refresh=False,
            transient=True,
        )
        self._task = self._progress.add_task("train", total=total, completed=start, loss="")
        self._last = 0.0
        self._progress.start()

    def update(self, epoch: int, loss: float, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= REFRESH_SECONDS:
            self._last = now
            self._progress.update(self._task, completed=epoch, loss=fixed(loss, 10, 6).strip(), refresh=True)

    def close(self) -> None:
        self._progress.stop()


def train(trainer: Trainer, show_progress: bool) -> RunOutcome:
    """Step until a stop condition, a divergence or Ctrl-C; the trainer keeps the last good state."""
    bar = _Bar(trainer.config.max_epochs, trainer.epoch) if show_progress else None
    try:
        progress = None if bar is None else (lambda: bar.update(trainer.epoch, trainer.record.loss))
        return train_until(trainer, on_progress=progress, period=REFRESH_SECONDS)
    finally:
        if bar is not None:
            bar.close()


# ------------------------------------------------------------------ figures


def _num(x: Any) -> float | None:
    """A JSON-safe number: None for nan, infinities and missing values."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def round_stride(length: int, points: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... whose multiples below `length`,
    plus the last index, number at most `points` (points >= 2)."""
    scale = 1
    while True:
        for step in (scale, 2 * scale, 5 * scale):
            if -(-length // step) + 1 <= points:
                return step
        scale *= 10


def _series(trainer: Trainer, name: str) -> tuple[list[int], list[float | None], bool]:
    """(epochs, values, downsampled) of one history series, at most MAX_LOSS_POINTS long.

    Every epoch when it fits; else every k-th epoch for the smallest round k
    (1, 2 or 5 times a power of ten) that fits, and the last epoch: round
    epochs such as 5000, which write-ups print, are never the ones dropped.
    """
    values = np.asarray(trainer.history.series(name))
    epochs = np.arange(values.shape[0])
    downsampled = values.shape[0] > MAX_LOSS_POINTS
    if downsampled:
        stride = round_stride(values.shape[0], MAX_LOSS_POINTS)
        epochs = np.unique(np.append(np.arange(0, values.shape[0], stride), values.shape[0] - 1))
        values = values[epochs]
    return epochs.tolist(), [_num(v) for v in values.tolist()], downsampled


def _predictions(trainer: Trainer, limit: int) -> list[dict[str, Any]]:
    rec = trainer.record
    data = trainer.data
    if data.values is not None:  # regression: the target values and the output, no classes
        return [
            {
                "index": i,
                "input": data.X[i].tolist(),
                "target": [_num(v) for v in data.values[i].tolist()],
                "output": [_num(v) for v in rec.output[i].tolist()],
            }
            for i in range(min(limit, data.X.shape[0]))
        ]
    names = data.class_names
    output = rec.output[:limit]
    predicted = rec.predicted[:limit]
    return [
        {
            "index": i,
            "input": data.X[i].tolist(),
            "target": names[data.labels[i]],
            "output": [_num(v) for v in output[i].tolist()],
            "predicted": names[predicted[i]],
            "correct": bool(predicted[i] == data.labels[i]),
        }
        for i in range(output.shape[0])
    ]


def summary_document(
    trainer: Trainer, outcome: RunOutcome, weights_file: str | None = None, session_file: str | None = None
) -> dict[str, Any]:
    """Everything about the run as plain JSON types."""
    rec = trainer.record
    data = trainer.data
    epochs, loss, downsampled = _series(trainer, "loss")
    _, test_loss, _ = _series(trainer, "test_loss")
    d = outcome.divergence
    return {
        "config": trainer.config.to_dict(),
        "dataset": {
            "name": data.name,
            "samples": int(data.X.shape[0]),
            "test_samples": int(data.X_test.shape[0]),
            "features": list(data.feature_names),
            "classes": list(data.class_names),
        },
        "epoch": rec.epoch,
        "loss": _num(rec.loss),
        "accuracy": _num(rec.accuracy),
        "test_loss": _num(rec.test_loss),
        "test_accuracy": _num(rec.test_accuracy),
        "stop_reason": outcome.reason,
        "interrupted": (outcome.ending is Ending.INTERRUPTED),
        "divergence": None
        if d is None
        else {"epoch": d.epoch, "layer": d.layer, "quantity": d.quantity, "value": d.value, "message": str(d)},
        "history": {
            "epochs": epochs,
            "loss": loss,
            "test_loss": test_loss if data.has_test else None,
            "downsampled": downsampled,
            "note": f"every epoch of {trainer.history.length} downsampled to {len(epochs)} points"
            if downsampled
            else "every epoch",
        },
        **(_regression_figures(trainer) if data.is_regression else {}),
        "predictions": _predictions(trainer, MAX_JSON_PREDICTIONS),
        "predictions_note": None
        if data.X.shape[0] <= MAX_JSON_PREDICTIONS
        else f"the first {MAX_JSON_PREDICTIONS} of {data.X.shape[0]} training samples",
        "weights": {
            "W": [w.tolist() for w in rec.W],
            "b": [x.tolist() for x in rec.b],
        },
        "weights_file": weights_file,
        "session_file": session_file,
    }


def _regression_figures(trainer: Trainer) -> dict[str, Any]:
    """A regression run's R² (training and test), its history, and null accuracies: the
    engine keeps R² where a classification run keeps accuracy (model/regression.py)."""
    _, r2, _ = _series(trainer, "accuracy")
    _, test_r2, _ = _series(trainer, "test_accuracy")
    rec = trainer.record
    return {
        "task": "regression",
        "accuracy": None,
        "test_accuracy": None,
        "r2": _num(rec.accuracy),
        "test_r2": _num(rec.test_accuracy),
        "r2_history": {"r2": r2, "test_r2": test_r2 if trainer.data.has_test else None},
    }


# ----------------------------------------------------------------- printing


def _marks() -> tuple[str, str]:
    """✓ and ✗ where stdout can show them, else plain letters."""
    try:
        "✓✗".encode(getattr(sys.stdout, "encoding", None) or "utf-8")  # None: a text buffer
        return "✓", "✗"
    except (UnicodeEncodeError, LookupError):
        return "y", "n"


def print_summary(trainer: Trainer, outcome: RunOutcome) -> None:
    """A table of the first predictions, then the final figures, on stdout."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=sys.stdout, highlight=False)
    rec = trainer.record
    data = trainer.data
    cfg = trainer.config
    n = data.X.shape[0]
    rows = min(n, TABLE_ROWS)
    yes, no = _marks()
    arch = "-".join(map(str, cfg.layers))
    table = Table(
        title=Text(f"{data.name}: {arch} {cfg.activation}/{cfg.output_activation}, {cfg.loss} loss, epoch {rec.epoch}"),
        caption=Text(f"first {rows} of {n} training samples") if rows < n else None,
    )
    table.add_column("#", justify="right")
    wide_input = data.n_features > 4
    if wide_input:
        table.add_column("input")
    else:
        for name in data.feature_names:
            table.add_column(Text(name), justify="right")
    table.add_column("target", justify="right")
    n_out = rec.output.shape[1]
    table.add_column("output" if n_out <= MAX_OUTPUT_COLUMNS else "top output", justify="right")
    table.add_column("predicted" if data.values is None else "error", justify="right")
    if data.values is None:
        table.add_column("ok", justify="center")
    output = rec.output
    predicted = rec.predicted
    if data.values is not None:
        _regression_rows(table, trainer, rows)
    for i in range(rows if data.values is None else 0):
        x = data.X[i]
        if wide_input:
            inputs = [" ".join(fixed(v, 8, 3).strip() for v in x[:3]) + " …"]
        else:
            inputs = [fixed(v, 8, 3) for v in x]
        if n_out <= MAX_OUTPUT_COLUMNS:
            shown = " ".join(fixed(v, 8, 4) for v in output[i])
        else:
            shown = f"{data.class_names[predicted[i]]}: {fixed(output[i, predicted[i]], 8, 4).strip()}"
        ok = predicted[i] == data.labels[i]
        table.add_row(
            str(i),
            *(Text(s) for s in inputs),
            Text(data.class_names[data.labels[i]]),
            Text(shown),
            Text(data.class_names[predicted[i]]),
            Text(yes if ok else no, style="green" if ok else "red"),
        )
    console.print(table)
    figures = f"epoch {rec.epoch}  loss {fixed(rec.loss, 10, 6).strip()}  accuracy {100 * rec.accuracy:.1f}%"
    if data.is_regression:
        figures = figures.replace("accuracy", "R²").replace(f"{100 * rec.accuracy:.1f}%", f"{rec.accuracy:.4f}")
    if rec.test_loss is not None and data.is_regression:
        figures += f"  test loss {fixed(rec.test_loss, 10, 6).strip()}  test R² {rec.test_accuracy or 0.0:.4f}"
    elif rec.test_loss is not None:
        figures += (
            f"  test loss {fixed(rec.test_loss, 10, 6).strip()}  test accuracy {100 * (rec.test_accuracy or 0.0):.1f}%"
        )
    console.print(Text(figures), soft_wrap=True)
    if outcome.reason:
        console.print(Text(f"stopped: {outcome.reason}"), soft_wrap=True)


def _regression_rows(table: Any, trainer: Trainer, rows: int) -> None:
    """Regression rows: inputs, target value, output and error (output - target)."""
    from rich.text import Text

    data, output = trainer.data, trainer.record.output
    assert data.values is not None
    wide_input = data.n_features > 4
    for i in range(rows):
        x = data.X[i]
        inputs = [" ".join(fixed(v, 8, 3).strip() for v in x[:3]) + " …"] if wide_input else [fixed(v, 8, 3) for v in x]
        target, out = data.values[i], output[i]
        table.add_row(
            str(i),
            *(Text(t) for t in inputs),
            Text(" ".join(fixed(v, 8, 4) for v in target[:MAX_OUTPUT_COLUMNS])),
            Text(" ".join(fixed(v, 8, 4) for v in out[:MAX_OUTPUT_COLUMNS])),
            Text(" ".join(fixed(v, 8, 4) for v in (out - target)[:MAX_OUTPUT_COLUMNS])),
        )


# --------------------------------------------------------------------- run


def run_headless(plan: "Plan") -> int:
    """Train, save and report as the plan says; returns the exit status."""
    trainer = plan.trainer
    outcome = train(trainer, show_progress=sys.stderr.isatty())
    save_error = session_error = None
    if plan.save_weights is not None:
        try:
            save_weights(plan.save_weights, trainer.record.W, trainer.record.b)
        except WeightsFileError as e:
            save_error = str(e)
    save_session_to = plan.save_session
    if save_session_to is not None:
        # The whole run, a divergence included: the file opens where this run stopped.
        try:
            save_session(trainer, save_session_to)
        except WeightsFileError as e:  # SessionError
            session_error = str(e)
    if plan.json:
        doc = summary_document(
            trainer,
            outcome,
            None if save_error or plan.save_weights is None else plan.save_weights,
            None if session_error or save_session_to is None else save_session_to,
        )
        print(json.dumps(doc, allow_nan=False))
    else:
        print_summary(trainer, outcome)
    if outcome.divergence is not None:
        print(
            f"{PROG}: {outcome.divergence}; the summary shows the last good epoch ({trainer.epoch})",
            file=sys.stderr,
        )
    elif outcome.ending is Ending.INTERRUPTED:
        print(f"{PROG}: {outcome.reason}; the summary shows that epoch", file=sys.stderr)
    if save_error is not None:
        print(f"{PROG}: error: --save-weights: {save_error}", file=sys.stderr)
    if session_error is not None:
        print(f"{PROG}: error: --save-session: {session_error}", file=sys.stderr)
    if save_error is not None or session_error is not None:
        return EXIT_USAGE
    if outcome.divergence is not None:
        return EXIT_DIVERGED
    if outcome.ending is Ending.INTERRUPTED:
        return EXIT_INTERRUPTED
    return EXIT_OK
