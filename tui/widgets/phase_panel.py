"""The phase on screen in words and numbers: its name, where it stands in the
epoch, its formula, and the arrays it produced with this epoch's numbers.

Small arrays are shown whole; a large one shows its shape and one worked
row (the first sample of the batch), so the panel reads the same on 2-4-1
and on 2-32-32-3. Every number goes through `fixed`; nothing is computed
here: the arrays are the phase record's (model/phases.py).
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.widgets import Static

from model.phases import Phase
from tui.format import fixed

# Arrays up to this many rows and columns are shown whole.
MAX_ROWS = 6
MAX_COLUMNS = 6

# How a phase's array names read on screen ({n}: the layer's number, {p}: the one before).
LABELS = {
    "z": "z{n}",
    "a": "a{n}",
    "delta": "delta{n}",
    "dW": "dW{n}",
    "db": "db{n}",
    "sample_loss": "loss per sample",
    "loss": "loss",
}

INTRO = "s: next phase, S: back one phase. Each phase is a line of backpropagation with this epoch's numbers."


def _input_names(layer: int, n: int) -> list[str]:
    """The rows of W and dW: the layer's inputs, x1.. or h1.."""
    return [f"{'x' if layer == 0 else 'h'}{i + 1}" for i in range(n)]


def _row(values: np.ndarray, limit: int = MAX_COLUMNS) -> str:
    shown = " ".join(fixed(v) for v in values[:limit])
    return shown + (f"  … {len(values) - limit} more" if len(values) > limit else "")


def array_lines(label: str, array: np.ndarray, sample_names: list[str]) -> list[str]:
    """An array as lines: whole when small, else its shape and its first row."""
    x = np.asarray(array)
    if x.ndim == 0:
        return [f"{label} = {fixed(float(x)).strip()}"]
    if x.ndim == 1:
        return [f"{label} ({x.shape[0]}) = {_row(x)}"]
    rows, columns = x.shape
    if rows <= MAX_ROWS and columns <= MAX_COLUMNS:
        lines = [f"{label} ({rows}x{columns}) ="]
        names = sample_names if len(sample_names) == rows else [f"r{i + 1}" for i in range(rows)]
        width = max(len(n) for n in names)
        lines += [f"  {name:>{width}} {_row(x[i])}" for i, name in enumerate(names)]
        return lines
    name = sample_names[0] if sample_names else "r1"
    return [f"{label} ({rows}x{columns}), worked row {name}: {_row(x[0])}"]


def side_by_side(labels: list[str], arrays: list[np.ndarray], sample_names: list[str], width: int) -> list[str] | None:
    """Arrays with the same rows as one table (columns "z2.u1 a2.u1"), if it fits `width`."""
    if not arrays or any(np.ndim(x) != 2 for x in arrays):
        return None
    rows = arrays[0].shape[0]
    if rows > MAX_ROWS or any(x.shape[0] != rows for x in arrays) or len(sample_names) != rows:
        return None
    columns = [
        (f"{label}.u{j + 1}" if x.shape[1] > 1 else label, x[:, j])
        for label, x in zip(labels, arrays)
        for j in range(x.shape[1])
    ]
    name_width = max(len(n) for n in sample_names)
    cell = max(8, *(len(c) for c, _ in columns))
    if 2 + name_width + (cell + 1) * len(columns) > width:
        return None
    lines = [" " * (2 + name_width) + " ".join(c.rjust(cell) for c, _ in columns)]
    for i, name in enumerate(sample_names):
        lines.append(f"  {name:>{name_width}} " + " ".join(fixed(col[i]).rjust(cell) for _, col in columns))
    return lines


def phase_lines(phase: Phase, width: int = 80) -> tuple[str, list[str]]:
    """(the heading, the body lines) of a phase, for a panel `width` cells wide."""
    heading = f"{phase.name} · {phase.index + 1}/{phase.count} · epoch {phase.epoch}→{phase.epoch + 1} · {phase.where}"
    n = "" if phase.layer is None else str(phase.layer + 1)
    samples = [f"s{int(i) + 1}" for i in phase.samples]
    body = [phase.formula]
    if phase.kind == "update":
        for l in range(phase.n_layers):
            body += array_lines(f"W{l + 1}", phase.arrays[f"W{l}"], _input_names(l, phase.arrays[f"W{l}"].shape[0]))
            body += array_lines(f"b{l + 1}", phase.arrays[f"b{l}"], [])
        if "epoch_loss" in phase.arrays:
            epoch_loss = fixed(float(phase.arrays["epoch_loss"])).strip()
            body.append(f"train loss of the epoch (mean over its batches) = {epoch_loss}")
        if phase.last:
            body.append(f"The epoch is done: this is epoch {phase.epoch + 1}, as one step (space) gives it.")
        return heading, body
    per_sample = [name for name in phase.produced if name not in ("dW", "db", "loss")]
    labels = [LABELS.get(name, name).format(n=n) for name in per_sample]
    joined = side_by_side(labels, [np.asarray(phase.arrays[name]) for name in per_sample], samples, width)
    if joined is not None:
        body += joined
        rest = [name for name in phase.produced if name not in per_sample]
    else:
        rest = list(phase.produced)
    for name in rest:
        label = LABELS.get(name, name).format(n=n)
        # dW is (inputs x units): its rows are inputs, not samples.
        array = phase.arrays[name]
        rows = _input_names(phase.layer or 0, array.shape[0]) if name == "dW" else samples
        body += array_lines(label, array, rows)
    if phase.mode != "full":
        body.append("(the tables show the epoch's start on every sample; these numbers are this batch's)")
    return heading, body


class PhasePanel(Static):
    """Shows one phase record; empty (just the keys to press) when none is."""

    DEFAULT_CSS = """
    PhasePanel {
        height: auto; max-height: 10; padding: 0 1; color: $foreground;
        text-wrap: nowrap; text-overflow: ellipsis; overflow-y: auto; scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self.phase: Phase | None = None
        self._plain = ""  # the text shown
        self.show_phase(None)

    def show_phase(self, phase: Phase | None) -> None:
        self.phase = phase
        if phase is None:
            if self._plain != INTRO:
                self._plain = INTRO
                self.update(Text(INTRO, style="dim"))
            return
        heading, body = phase_lines(phase, max(self.size.width - 2, 40))
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(heading + "\n", style="bold")
        text.append("\n".join(body))
        plain, old = text.plain, self._plain
        if plain != old:  # a relayout of the screen only when the height may change
            self._plain = plain
            self.update(text, layout=old.count("\n") != plain.count("\n"))

    @property
    def heading(self) -> str:
        return "" if self.phase is None else phase_lines(self.phase)[0]

    def on_resize(self) -> None:
        if self.phase is not None:
            self.show_phase(self.phase)
