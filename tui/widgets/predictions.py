"""What the network says about each training sample: its inputs, the
target, the output, the sample's own loss and whether the class is right.

Big data sets show their first rows and a confusion table (counts of true
class against predicted class), so one glance says which classes are mixed
up without scrolling through hundreds of rows.

Every column has one number format, chosen from the values it shows
(`column_format`), so `+3e-02` never sits above `-0.45`. Columns that do not
fit the panel are left out whole (loss and pred first, then inputs and
outputs from the right) and the summary says so: no number is ever cut at
the panel's edge.

Row keys "s-{i}"; column keys "in-{j}", "target", "out-{k}", "pred",
"loss", "ok"; confusion rows "true-{c}", columns "pred-{c}".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.format import fixed_int, set_text, theme_colours
from tui.widgets.quick_table import QuickTable

if TYPE_CHECKING:
    from model import EpochRecord, Trainer
    from model.datasets import Dataset

MAX_ROWS = 50
MAX_INPUTS = 8
MAX_OUTPUTS = 10
RIGHT, WRONG = "✓", "✗"
LABEL_WIDTH = 3  # "s50"


def column_format(values: np.ndarray, decimals: int) -> tuple[Callable[[float], str], int]:
    """One format for a whole column, and its width: fixed point with
    `decimals` and a sign while every finite value stays under 1000, else
    scientific with a sign; nan and infinities read as such in either. The
    width is that of the longest value, so every value fits it."""
    v = np.asarray(values, dtype=np.float64).ravel()
    finite = v[np.isfinite(v)]
    top = float(np.abs(finite).max()) if finite.size else 0.0
    if round(top, decimals) < 1000.0:

        def bare(x: float) -> str:
            text = f"{x:+.{decimals}f}"
            return "+" + text[1:] if float(text) == 0.0 else text  # no "-0.0000"
    else:
        mantissa = max(decimals - 2, 1)

        def bare(x: float) -> str:
            return f"{x:+.{mantissa}e}"

    def special(x: float) -> str:
        return "nan" if np.isnan(x) else ("+inf" if x > 0 else "-inf")

    width = max([4] + [len(bare(x)) for x in finite.tolist()] + [len(special(x)) for x in v[~np.isfinite(v)]])

    def text(x: float) -> str:
        return (bare(x) if np.isfinite(x) else special(x)).rjust(width)

    return text, width


# (output, predicted, correct, sample loss, confusion counts) of a record.
SampleFigures = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def sample_figures(record: "EpochRecord") -> SampleFigures:
    """What the table shows of every sample, read from the record (a pass over
    all samples: InsightTabs may run this in a thread)."""
    return (
        np.asarray(record.output),
        np.asarray(record.predicted),
        np.asarray(record.correct),
        np.asarray(record.sample_loss),
        np.asarray(record.confusion),
    )


class PredictionsTable(Vertical):
    """Per-sample predictions on the training set, with confusion counts."""

    DEFAULT_CSS = """
    PredictionsTable { height: 1fr; }
    PredictionsTable #predictions-summary { height: auto; color: $text-muted; padding: 0 1; }
    PredictionsTable #predictions { height: 1fr; min-height: 4; }
    PredictionsTable #confusion-caption { height: auto; color: $text-muted; padding: 0 1; }
    PredictionsTable #confusion { height: auto; max-height: 14; }
    """

    def __init__(self, **widget_kwargs) -> None:
        super().__init__(**widget_kwargs)
        self._shape: tuple | None = None
        self._confusion_shape: tuple | None = None
        self._pending: tuple | None = None
        self._last: tuple | None = None  # (record, data, figures) on screen, redrawn on a resize
        self.hidden_columns: tuple[str, ...] = ()  # left out for want of width

    def on_resize(self) -> None:
        if self._last is not None:
            self.show(*self._last)

    def compose(self) -> ComposeResult:
        yield Static("No predictions yet.", id="predictions-summary")
        yield QuickTable(id="predictions", cursor_type="row")
        yield Static("", id="confusion-caption")
        yield QuickTable(id="confusion", cursor_type="none")

    def on_mount(self) -> None:
        self._set_confusion_display(False)
        # Drawn just after: `is_mounted` becomes true only once this handler has returned.
        self.call_after_refresh(self._show_pending)

    def _show_pending(self) -> None:
        if self._pending is not None:
            self.show(*self._pending)

    def _set_confusion_display(self, shown: bool) -> None:
        self.query_one("#confusion-caption").display = shown
        self.query_one("#confusion").display = shown

    def show_insight(self, trainer: "Trainer", record: "EpochRecord", layer: int = 0, prepared=None) -> None:
        """As every insight tab draws (tui/widgets/insight_tabs.py): the training samples' predictions."""
        self.show(record, trainer.data, prepared)

    def prepare_insight(self, trainer: "Trainer", record: "EpochRecord", layer: int = 0):
        """The per-sample figures, to compute off the UI thread (see InsightTabs)."""
        return partial(sample_figures, record)

    def show(self, record: "EpochRecord", data: "Dataset", figures: SampleFigures | None = None) -> None:
        """Draw the record's predictions for the training samples of `data`
        (`figures`: the record's, computed beforehand)."""
        if not self.is_mounted:
            self._pending = (record, data, figures)  # drawn on mount
            return
        self._pending = None
        self._last = (record, data, figures)
        positive, negative = theme_colours(self.app)
        output, predicted, correct, losses, confusion = figures if figures is not None else sample_figures(record)
        n, n_out = output.shape
        labels = data.labels
        if len(labels) != n:
            raise ValueError(f"the record has {n} training outputs but the data set has {len(labels)} samples")
        shown = min(n, MAX_ROWS)
        n_in = min(data.n_features, MAX_INPUTS)
        outs = min(n_out, MAX_OUTPUTS)
        names = data.class_names
        name_width = min(max(6, *(len(name) for name in names)), 16)

        inputs = np.asarray(data.X[:shown, :n_in], dtype=np.float64)
        out = output[:shown, :outs]
        loss = losses[:shown]
        in_formats = [column_format(inputs[:, j], 2) for j in range(n_in)]
        out_format = column_format(out, 4)
        values = data.values  # float targets: the value is the target, R² the summary, no class
        regression = values is not None
        if values is not None:
            out_format = column_format(np.concatenate([out.ravel(), values[:shown, 0]]), 4)  # one format for both
            name_width = out_format[1]
        loss_format = column_format(loss, 4)

        # Which columns fit the panel whole: the verdict first, the loss and
        # the predicted class when there is room, inputs and outputs from the left.
        table = self.query_one("#predictions", QuickTable)
        pad = 2 * table.cell_padding
        room = (self.size.width or 10_000) - (LABEL_WIDTH + pad) - 2  # a scrollbar's worth to spare
        cost = {
            "target": name_width + pad,
            "ok": 0 if regression else 2 + pad,  # no verdict for a float target
            "loss": loss_format[1] + pad,
            "pred": name_width + pad,
        }
        keep_in, keep_out = n_in, outs
        wanted = ["loss"] if regression else ["loss", "pred"]

        def width() -> int:
            return (
                sum(in_formats[j][1] + pad for j in range(keep_in))
                + cost["target"]
                + keep_out * (out_format[1] + pad)
                + cost["ok"]
                + sum(cost[c] for c in wanted)
            )

        while width() > room and (wanted or keep_in > 1 or keep_out > 1):
            if wanted:
                wanted.pop()
            elif keep_in > 1:
                keep_in -= 1
            else:
                keep_out -= 1
        hidden = [c for c in ("loss", "pred") if c not in wanted and not (regression and c == "pred")]
        if keep_in < n_in:
            hidden.insert(0, f"{n_in - keep_in} input{'s' if n_in - keep_in > 1 else ''}")
        if keep_out < outs:
            hidden.insert(0, f"{outs - keep_out} output{'s' if outs - keep_out > 1 else ''}")
        self.hidden_columns = tuple(hidden)
        n_in, outs = keep_in, keep_out

        hits = int(np.count_nonzero(correct))
        summary = f"Epoch {record.epoch}: {hits}/{n} training samples right ({100.0 * hits / n:.1f}%)"
        if regression:
            summary = f"Epoch {record.epoch}: R² {record.accuracy:+.4f} over {n} training samples (1 - SS_res/SS_tot)"
        if shown < n:
            summary += f"; first {shown} shown"
        if n_in < data.n_features:
            summary += f"; first {n_in} of {data.n_features} inputs shown"
        if outs < n_out:
            summary += f"; first {outs} of {n_out} outputs shown"
        if hidden:
            named = [h for h in hidden if h in ("loss", "pred")]
            what = f"the {' and '.join(named)} column{'s' if len(named) > 1 else ''}" if named else "more columns"
            summary += f"; {what} need{'s' if len(named) == 1 else ''} a wider panel"
        set_text(self.query_one("#predictions-summary", Static), summary + ".")

        # Inputs short, and the verdict early: the panel is often narrow.
        column_keys = [f"in-{j}" for j in range(n_in)] + ["target"] + [f"out-{k}" for k in range(outs)]
        column_keys += [] if regression else ["ok"]
        column_keys += wanted
        in_text = [[fmt(x) for x in inputs[:, j].tolist()] for j, (fmt, _) in enumerate(in_formats[:n_in])]
        out_list = out.tolist()
        loss_list = loss.tolist()

        def row(i: int) -> list[Text]:
            ok = bool(correct[i])
            cells = [Text(in_text[j][i]) for j in range(n_in)]
            target = out_format[0](values[i, 0]) if values is not None else names[labels[i]]
            cells.append(Text(target.rjust(name_width)))
            cells += [Text(out_format[0](y)) for y in out_list[i][:outs]]
            if not regression:
                cells.append(Text(RIGHT if ok else WRONG, style=positive if ok else negative))
            if "loss" in wanted:
                cells.append(Text(loss_format[0](loss_list[i])))
            if "pred" in wanted:
                cells.append(Text(names[predicted[i]].rjust(name_width), style="" if ok else negative))
            return cells

        widths = (tuple(w for _, w in in_formats[:n_in]), out_format[1], loss_format[1])
        shape = (tuple(column_keys), shown, names, data.feature_names[:n_in], n_out, widths)
        if shape != self._shape:
            table.clear(columns=True)
            for j in range(n_in):
                table.add_column(Text(data.feature_names[j]), width=in_formats[j][1], key=f"in-{j}")
            table.add_column("target", width=name_width, key="target")
            for k in range(outs):
                heading = "output" if n_out == 1 else f"out {names[k] if k < len(names) else k}"
                table.add_column(Text(heading), width=out_format[1], key=f"out-{k}")
            if not regression:
                table.add_column("ok", width=2, key="ok")
            if "loss" in wanted:
                table.add_column("loss", width=loss_format[1], key="loss")
            if "pred" in wanted:
                table.add_column("pred", width=name_width, key="pred")
            for i in range(shown):
                table.add_row(*row(i), key=f"s-{i}", label=f"s{i + 1}")
            self._shape = shape
        else:
            table.update_cells((f"s-{i}", key, cell) for i in range(shown) for key, cell in zip(column_keys, row(i)))

        self._show_confusion(confusion, len(labels), names, n > MAX_ROWS and not regression, positive, negative)

    def _show_confusion(self, confusion, n: int, names, shown: bool, positive: str, negative: str) -> None:
        self._set_confusion_display(shown)
        if not shown:
            return
        k = len(names)
        counts = confusion.tolist()
        set_text(self.query_one("#confusion-caption", Static), f"Confusion counts, all {n} samples:")
        table = self.query_one("#confusion", QuickTable)

        def cell(t: int, p: int) -> Text:
            c = counts[t][p]
            style = (positive if t == p else negative) if c else "dim"
            return Text(fixed_int(c, 6), style=style)

        if self._confusion_shape != tuple(names):
            table.clear(columns=True)
            for p in range(k):
                table.add_column(Text(f"pred {names[p]}"), width=max(6, len(names[p]) + 5), key=f"pred-{p}")
            for t in range(k):
                table.add_row(*(cell(t, p) for p in range(k)), key=f"true-{t}", label=Text(f"true {names[t]}"))
            self._confusion_shape = tuple(names)
            return
        table.update_cells((f"true-{t}", f"pred-{p}", cell(t, p)) for t in range(k) for p in range(k))
