"""Layer health: one row per layer saying whether the error signal reaches
it, at what size, and how big the next step is next to its weights, with a
sparkline of each figure over the last snapshots shown and a flag in words.

Every figure comes from `model.diagnostics` (`HealthHistory` keeps the
recent snapshots and follows rewinds). The health is noted on every
snapshot, even while another tab is on screen, so the sparklines have no
gaps; the table itself is written only when it is visible.

While a run is going the snapshot may lag the trainer by an epoch or two;
the planned update then uses a fresh optimizer state (exact for SGD, see
`model.diagnostics.optimizer_state_for`). Paused, every figure is exact.

Under the table, what the run as a whole shows failing (`run_findings`: a
plateau, an oscillating or exploding loss, symmetric hidden units, a
confidently wrong output), read from the trainer's loss history when the
record is in it, else from the losses of the snapshots this panel saw.

Columns that do not fit the panel are left out whole (the sparklines
first, then the figures from the right) and named in the caption, so no
number is ever cut at the edge.

Row keys "L{n}"; column keys "flag", "delta", "grad", "update", "dead", "saturated".
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from model.diagnostics import (
    DEAD,
    EXPLANATIONS,
    EXPLODING,
    HEALTHY,
    NO_GRADIENT,
    SATURATED,
    VANISHING,
    Finding,
    HealthHistory,
    LayerHealth,
    layer_health,
    run_findings,
)
from tui.format import fixed

if TYPE_CHECKING:
    from model import EpochRecord, Trainer

SPARK = "▁▂▃▄▅▆▇█"
SPARK_LENGTH = 8
HISTORY = 64
LOSS_TRAIL = 4096  # snapshot losses kept for the run findings while the trainer's history lags
NOT_APPLICABLE = "—"
# (column key, heading, LayerHealth field, log scale for the sparkline)
COLUMNS = (
    ("delta", "mean |δ|", "mean_abs_delta", True),
    ("grad", "‖∇‖", "grad_norm", True),
    ("update", "step/‖W‖", "update_ratio", True),
    ("dead", "dead", "dead_share", False),
    ("saturated", "saturated", "saturated_share", False),
)
# One sentence per column, shown under the table.
COLUMN_NOTES = {
    "delta": "mean |δ|: the average size of the error signal (delta) that reaches the layer.",
    "grad": "‖∇‖: the size of the layer's gradient, dW and db together.",
    "update": "step/‖W‖: how large the optimizer's next step is next to the layer's weights.",
    "dead": "dead: the share of ReLU units that output 0 for every sample (— for other activations).",
    "saturated": "saturated: the share of units on a flat part of their activation, where f'(z) is near 0 "
    "(— for activations without one).",
}
# How bad each flag is: "error" stops learning outright, "warning" slows it.
SEVERITY = {NO_GRADIENT: "error", EXPLODING: "error", VANISHING: "warning", DEAD: "warning", SATURATED: "warning"}
MIN_FLAG_WIDTH = len(HEALTHY)
FIGURE_WIDTH = 8  # `fixed` at its default width
CELL_WIDTH = FIGURE_WIDTH + 1 + SPARK_LENGTH


def sparkline(values: np.ndarray, log: bool = False, low: float | None = None, high: float | None = None) -> str:
    """The last SPARK_LENGTH values as ▁..█ (blank where not a number).

    Norms span orders of magnitude, so they are drawn on a log scale; shares
    are drawn against their fixed range 0..1 (`low`, `high`).
    """
    v = np.asarray(values, dtype=np.float64)[-SPARK_LENGTH:]
    with np.errstate(all="ignore"):
        if log:
            v = np.where(v > 0, np.log10(v), np.nan)
    finite = v[np.isfinite(v)]
    if not finite.size:
        return " " * len(v)
    lo = float(finite.min()) if low is None else low
    hi = float(finite.max()) if high is None else high
    top = len(SPARK) - 1
    chars = []
    for x in v.tolist():
        if not math.isfinite(x):
            chars.append(" ")
        elif hi <= lo:
            chars.append(SPARK[top // 2])
        else:
            chars.append(SPARK[min(max(int(round((x - lo) / (hi - lo) * top)), 0), top)])
    return "".join(chars)


def figure(value: float | None) -> str:
    """A figure as the table shows it: `fixed`, or — where it does not apply."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_APPLICABLE.rjust(8)
    return fixed(value)


def severity(health: LayerHealth) -> str:
    """ "error", "warning" or "success" (healthy): the worst of the layer's flags."""
    levels = [SEVERITY.get(flag, "warning") for flag in health.flags]
    if "error" in levels:
        return "error"
    return "warning" if levels else "success"


class LayerHealthView(VerticalScroll):
    """Per-layer health figures, their recent trend, and the flags in words."""

    DEFAULT_CSS = """
    LayerHealthView { height: 1fr; }
    LayerHealthView #health-table { height: auto; max-height: 12; }
    LayerHealthView #health-caption { height: auto; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, **widget_kwargs) -> None:
        super().__init__(**widget_kwargs)
        self.history = HealthHistory(HISTORY)
        self._trainer: "Trainer | None" = None
        self._noted: tuple | None = None  # (trainer id, record id) last noted
        self._shape: tuple = ()  # (row names, flag column width) the table was built for
        self.health: list[LayerHealth] = []  # the figures on screen
        self.findings: list[Finding] = []  # what the run shows failing, on screen
        self.hidden_columns: tuple[str, ...] = ()  # headings left out for want of width
        self._trail: deque[tuple[int, float]] = deque(maxlen=LOSS_TRAIL)

    def compose(self) -> ComposeResult:
        yield DataTable(id="health-table", cursor_type="none")
        yield Static("", id="health-caption")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme) -> None:
        if self.health and self.query_one("#health-table", DataTable).row_count:
            self._draw(self.health)  # flag colours come from the theme

    # ------------------------------------------------------------ public

    def prepare_insight(self, trainer: "Trainer", record: "EpochRecord", layer: int = 0):
        """The health of `record`, to compute off the UI thread (see InsightTabs):
        what `note_insight` would compute, against the same previous snapshot."""
        history = self.history
        previous = None
        if trainer is self._trainer and len(history) and history.epochs[-1] < record.epoch:
            previous = history.latest

        def compute() -> list[LayerHealth]:
            with np.errstate(all="ignore"):
                return layer_health(trainer, record, previous=previous)

        return compute

    def note_insight(
        self, trainer: "Trainer", record: "EpochRecord", layer: int = 0, prepared: list[LayerHealth] | None = None
    ) -> list[LayerHealth]:
        """Compute and keep the health of `record` (once per record), without drawing
        (`prepared`: the health, computed beforehand by `prepare_insight`)."""
        if trainer is not self._trainer:
            self._trainer = trainer
            self.history.clear()  # another network: its past says nothing about this one
            self._trail.clear()
        key = (id(trainer), id(record), record.epoch)
        if key != self._noted or not self.health:
            if prepared is not None:
                self.history.push(record.epoch, prepared)
                self.health = prepared
            else:
                with np.errstate(all="ignore"):
                    self.health = self.history.append(trainer, record)
            self._note_loss(record)
            self._noted = key
        return self.health

    def _note_loss(self, record: "EpochRecord") -> None:
        while self._trail and self._trail[-1][0] >= record.epoch:
            self._trail.pop()  # a rewind, or the same epoch again
        self._trail.append((record.epoch, float(record.loss)))

    def _losses(self, trainer: "Trainer", record: "EpochRecord") -> tuple[np.ndarray, np.ndarray]:
        """(epochs, losses) up to `record`: the trainer's history when it holds
        the record, else the snapshots noted (a run ahead of the trainer)."""
        history = trainer.history
        if record.epoch < history.length:
            losses = history.series("loss")[: record.epoch + 1]
            if losses[-1] == record.loss:
                return np.arange(losses.size), losses
        trail = np.array(self._trail, dtype=np.float64)
        return trail[:, 0], trail[:, 1]

    def show_insight(
        self, trainer: "Trainer", record: "EpochRecord", layer: int = 0, prepared: list[LayerHealth] | None = None
    ) -> None:
        """Note the record's health and write it into the table."""
        health = self.note_insight(trainer, record, layer, prepared)
        with np.errstate(all="ignore"):  # only when shown: the loss curve is read whole
            self.findings = run_findings(trainer, record, *self._losses(trainer, record))
        if self.is_mounted:
            self._draw(health)

    # ----------------------------------------------------------- drawing

    def _colours(self) -> dict[str, str]:
        variables = self.app.theme_variables
        return {
            level: variables.get(f"text-{level}") or variables.get(level) or fallback
            for level, fallback in (("error", "red"), ("warning", "yellow"), ("success", "green"))
        }

    def _layout(self, flag_width: int) -> tuple[bool, tuple[str, ...]]:
        """(sparklines shown, column keys shown) that fit the panel whole:
        sparklines go first, then columns from the right; a number is never cut."""
        table = self.query_one("#health-table", DataTable)
        pad = 2 * table.cell_padding
        room = (self.size.width or 10_000) - (2 + pad) - (flag_width + pad) - 2  # "L1", a scrollbar to spare
        keys = [c[0] for c in COLUMNS]
        for sparks in (True, False):
            width = (CELL_WIDTH if sparks else FIGURE_WIDTH) + pad
            if len(keys) * width <= room:
                return sparks, tuple(keys)
        fit = max(room // (FIGURE_WIDTH + pad), 1)
        return False, tuple(keys[:fit])

    def on_resize(self) -> None:
        if self.health and self.query_one("#health-table", DataTable).row_count:
            self._draw(self.health)

    def _draw(self, health: list[LayerHealth]) -> None:
        table = self.query_one("#health-table", DataTable)
        colours = self._colours()
        rows = tuple(h.name for h in health)
        # As wide as the longest flag shown: "healthy" leaves room for the numbers.
        flag_width = max([MIN_FLAG_WIDTH] + [len(h.summary) for h in health])
        sparks, keys = self._layout(flag_width)
        self.hidden_columns = tuple(c[1] for c in COLUMNS if c[0] not in keys)
        cells = [self._row(h, colours, keys, sparks) for h in health]
        shape = (rows, flag_width, keys, sparks)
        if shape != self._shape:
            table.clear(columns=True)
            table.add_column("flag", width=flag_width, key="flag")
            for key, heading, _, _ in COLUMNS:
                if key in keys:
                    table.add_column(heading, width=CELL_WIDTH if sparks else FIGURE_WIDTH, key=key)
            for name, row in zip(rows, cells):
                table.add_row(*row, key=name, label=name)
            self._shape = shape
        else:
            for name, row in zip(rows, cells):
                for key, cell in zip(("flag", *keys), row):
                    table.update_cell(name, key, cell)
        self.query_one("#health-caption", Static).update(self._caption(health, colours))

    def _row(self, h: LayerHealth, colours: dict[str, str], keys: tuple[str, ...], sparks: bool) -> list[Text]:
        cells = [Text(h.summary, style=colours[severity(h)], no_wrap=True)]
        for key, _, field, log in COLUMNS:
            if key not in keys:
                continue
            value = getattr(h, field)
            share = field in ("dead_share", "saturated_share")
            spark = (
                ""
                if value is None or not sparks
                else " "
                + sparkline(
                    self.history.series(field, h.layer),
                    log=log,
                    low=0.0 if share else None,
                    high=1.0 if share else None,
                )
            )
            cells.append(Text(f"{figure(value)}{spark}", no_wrap=True))
        return cells

    def _caption(self, health: list[LayerHealth], colours: dict[str, str]) -> Text:
        text = Text()
        flagged = [h for h in health if h.flags]
        for finding in self.findings:
            text.append(finding.headline, style=colours[finding.severity])
            text.append(f": {finding.explanation}.\n")
        if not flagged and not self.findings:
            text.append(f"Every layer is {HEALTHY}: {EXPLANATIONS[HEALTHY]}.\n", style=colours["success"])
        elif not flagged:
            text.append("No layer is flagged by its own figures; the run above is what fails.\n")
        for h in flagged:
            for flag in h.flags:
                text.append(f"{h.name} {flag}", style=colours[SEVERITY.get(flag, "warning")])
                text.append(f": {EXPLANATIONS[flag]}.\n")
        if self.hidden_columns:
            text.append(f"Not shown for want of width (h hides the form): {', '.join(self.hidden_columns)}.\n")
        for key, *_ in COLUMNS:
            text.append(COLUMN_NOTES[key] + "\n")
        text.append(f"Sparklines: the last {SPARK_LENGTH} snapshots shown, oldest on the left.")
        return text
