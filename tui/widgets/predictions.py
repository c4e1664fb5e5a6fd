"""What the network says about each training sample: its inputs, the
target, the output, the sample's own loss and whether the class is right.

Big data sets show their first rows and a confusion table (counts of true
class against predicted class), so one glance says which classes are mixed
up without scrolling through hundreds of rows.

Row keys "s-{i}"; column keys "in-{j}", "target", "out-{k}", "pred",
"loss", "ok"; confusion rows "true-{c}", columns "pred-{c}".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tui.format import fixed, fixed_int, set_text, theme_colours

if TYPE_CHECKING:
    from model import EpochRecord
    from model.datasets import Dataset

MAX_ROWS = 50
MAX_INPUTS = 8
MAX_OUTPUTS = 10
RIGHT, WRONG = "✓", "✗"
INPUT_WIDTH = 6  # inputs as +0.00: the data is shown, not studied, here


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

    def compose(self) -> ComposeResult:
        yield Static("No predictions yet.", id="predictions-summary")
        yield DataTable(id="predictions", cursor_type="row")
        yield Static("", id="confusion-caption")
        yield DataTable(id="confusion", cursor_type="none")

    def on_mount(self) -> None:
        self._set_confusion_display(False)
        if self._pending is not None:
            self.show(*self._pending)

    def _set_confusion_display(self, shown: bool) -> None:
        self.query_one("#confusion-caption").display = shown
        self.query_one("#confusion").display = shown

    def show(self, record: "EpochRecord", data: "Dataset") -> None:
        """Draw the record's predictions for the training samples of `data`."""
        if not self.is_mounted:
            self._pending = (record, data)  # drawn on mount
            return
        self._pending = None
        positive, negative = theme_colours(self.app)
        output = np.asarray(record.output)
        n, n_out = output.shape
        labels = data.labels
        if len(labels) != n:
            raise ValueError(f"the record has {n} training outputs but the data set has {len(labels)} samples")
        predicted = np.asarray(record.predicted)
        correct = np.asarray(record.correct)
        losses = np.asarray(record.sample_loss)
        shown = min(n, MAX_ROWS)
        n_in = min(data.n_features, MAX_INPUTS)
        outs = min(n_out, MAX_OUTPUTS)
        names = data.class_names
        name_width = min(max(6, *(len(name) for name in names)), 16)

        hits = int(np.count_nonzero(correct))
        summary = f"Epoch {record.epoch}: {hits}/{n} training samples right ({100.0 * hits / n:.1f}%)"
        if shown < n:
            summary += f"; first {shown} shown"
        if n_in < data.n_features:
            summary += f"; first {n_in} of {data.n_features} inputs shown"
        if outs < n_out:
            summary += f"; first {outs} of {n_out} outputs shown"
        set_text(self.query_one("#predictions-summary", Static), summary + ".")

        # Inputs short, and the verdict early: the panel is often narrow.
        column_keys = [f"in-{j}" for j in range(n_in)] + ["target"] + [f"out-{k}" for k in range(outs)]
        column_keys += ["ok", "loss", "pred"]
        inputs = data.X[:shown, :n_in].tolist()
        out = output[:shown, :outs].tolist()
        loss = losses[:shown].tolist()

        def row(i: int) -> list[Text]:
            ok = bool(correct[i])
            cells = [Text(fixed(x, INPUT_WIDTH, 2)) for x in inputs[i]]
            cells.append(Text(names[labels[i]].rjust(name_width)))
            cells += [Text(fixed(y)) for y in out[i]]
            cells.append(Text(RIGHT if ok else WRONG, style=positive if ok else negative))
            cells.append(Text(fixed(loss[i])))
            cells.append(Text(names[predicted[i]].rjust(name_width), style="" if ok else negative))
            return cells

        table = self.query_one("#predictions", DataTable)
        shape = (tuple(column_keys), shown, names, data.feature_names[:n_in], n_out)
        if shape != self._shape:
            table.clear(columns=True)
            for j in range(n_in):
                table.add_column(Text(data.feature_names[j]), width=INPUT_WIDTH, key=f"in-{j}")
            table.add_column("target", width=name_width, key="target")
            for k in range(outs):
                table.add_column(Text("output" if n_out == 1 else f"out {names[k] if k < len(names) else k}"), width=8, key=f"out-{k}")
            table.add_column("ok", width=2, key="ok")
            table.add_column("loss", width=8, key="loss")
            table.add_column("pred", width=name_width, key="pred")
            for i in range(shown):
                table.add_row(*row(i), key=f"s-{i}", label=f"s{i + 1}")
            self._shape = shape
        else:
            for i in range(shown):
                for key, cell in zip(column_keys, row(i)):
                    table.update_cell(f"s-{i}", key, cell)

        self._show_confusion(record, len(labels), names, n > MAX_ROWS, positive, negative)

    def _show_confusion(self, record, n: int, names, shown: bool, positive: str, negative: str) -> None:
        self._set_confusion_display(shown)
        if not shown:
            return
        k = len(names)
        counts = record.confusion.tolist()
        set_text(self.query_one("#confusion-caption", Static), f"Confusion counts, all {n} samples:")
        table = self.query_one("#confusion", DataTable)

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
        for t in range(k):
            for p in range(k):
                table.update_cell(f"true-{t}", f"pred-{p}", cell(t, p))
