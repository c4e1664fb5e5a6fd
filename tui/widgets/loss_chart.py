"""Train and test loss against epoch, drawn with plotext.

The history lives in the engine (`Trainer.history`); this widget only picks
about as many points as the plot has columns, so a redraw costs the same at
epoch 100 and at epoch 1,000,000. Line colours come from the running theme.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from textual.color import Color
from textual.reactive import reactive
from textual_plotext import PlotextPlot

# Braille cells hold two points across, so two points per column is enough.
POINTS_PER_COLUMN = 2
# plotext draws nothing at all once a value nears 1e100: an exploding loss is
# drawn at this ceiling instead, and the chart says so.
CEILING = 1e30


@dataclass(frozen=True)
class Curve:
    """The points last drawn for one series: what a test can check against the history."""

    x: np.ndarray
    y: np.ndarray


def downsample(values: np.ndarray, points: int, start: int = 0) -> Curve:
    """At most `points` evenly spaced (epoch, value) pairs, first and last kept,
    dropping epochs with no value (NaN)."""
    n = len(values)
    if n == 0:
        return Curve(np.empty(0, dtype=np.int64), np.empty(0))
    if n > points:
        index = np.unique(np.linspace(0, n - 1, max(points, 2)).round().astype(np.int64))
    else:
        index = np.arange(n)
    y = np.asarray(values)[index]
    keep = np.isfinite(y)
    return Curve(index[keep] + start, y[keep])


class LossChart(PlotextPlot):
    """Loss curves; a marker at the current epoch when the user has stepped back."""

    log_scale: reactive[bool] = reactive(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.curves: dict[str, Curve] = {}
        self.marker: int | None = None
        self._data: tuple | None = None
        self._clipped = False

    def show(
        self,
        loss: np.ndarray,
        test_loss: np.ndarray,
        marker: int | None = None,
        branches: tuple = (),
    ) -> None:
        """Draw the recorded losses (arrays indexed by epoch, NaN where none).

        `marker`: an epoch to mark with a vertical line (where the run stands
        after stepping back). `branches` are abandoned futures (objects with
        start, loss and label, e.g. "lr=0.5"), drawn faded and labelled
        "lr=0.5 (abandoned)".
        """
        self._data = (loss, test_loss, marker, tuple(branches))
        self._draw()

    def watch_log_scale(self) -> None:
        self.border_subtitle = "log scale" if self.log_scale else ""  # _draw adds any other note
        if self._data is not None:
            self._draw()

    def on_resize(self) -> None:
        if self._data is not None:
            self._draw()

    def on_mount(self) -> None:
        # The curves' colours are the theme's: draw them again when it changes.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._draw() if self._data is not None else None)

    def _colour(self, name: str) -> tuple[int, int, int]:
        return Color.parse(self.app.theme_variables[name]).rgb

    def _faded(self) -> tuple[int, int, int]:
        variables = self.app.theme_variables
        return Color.parse(variables["foreground"]).blend(Color.parse(variables["surface"]), 0.65).rgb

    def _curve(self, values: np.ndarray, start: int = 0) -> Curve:
        curve = downsample(values, max(self.size.width, 10) * POINTS_PER_COLUMN, start)
        if self.log_scale:
            positive = curve.y > 0
            curve = Curve(curve.x[positive], curve.y[positive])
        if len(curve.y) and np.abs(curve.y).max() > CEILING:
            self._clipped = True
            curve = Curve(curve.x, np.clip(curve.y, -CEILING, CEILING))
        return curve

    def _y_ticks(self) -> None:
        """Short tick labels ("1e+12", "0.693"): plotext writes every digit."""
        ys = [c.y for c in self.curves.values() if len(c.y)]
        if not ys:
            return
        y = np.concatenate(ys)
        lo, hi = float(y.min()), float(y.max())
        rows = max(self.size.height // 3, 2)
        if self.log_scale:
            powers = np.arange(np.floor(np.log10(lo)), np.ceil(np.log10(hi)) + 1)
            powers = powers[:: max(1, int(np.ceil(len(powers) / rows)))]
            ticks = (10.0 ** powers).tolist()
        elif hi > lo:
            ticks = np.linspace(lo, hi, rows).tolist()
        else:
            ticks = [lo]
        self.plt.yticks(ticks, [f"{t:.3g}" for t in ticks])

    def _draw(self) -> None:
        loss, test_loss, marker, branches = self._data
        plt = self.plt
        plt.clear_data()
        plt.yscale("log" if self.log_scale else "linear")
        self.curves = {}
        self._clipped = False
        for i, branch in enumerate(branches):
            curve = self._curve(branch.loss, branch.start)
            if len(curve.x) > 1:
                label = f"{getattr(branch, 'label', '') or 'a run'} (abandoned)"
                plt.plot(curve.x.tolist(), curve.y.tolist(), marker="braille", color=self._faded(), label=label)
                self.curves[f"branch-{i}"] = curve
        for name, values, colour in (("train", loss, "text-primary"), ("test", test_loss, "text-accent")):
            curve = self._curve(values)
            if len(curve.x):
                plt.plot(
                    curve.x.tolist(), curve.y.tolist(), marker="braille", color=self._colour(colour), label=name
                )
                self.curves[name] = curve
        self.marker = marker
        if marker is not None:
            plt.vertical_line(self.marker, color=self._colour("text-warning"))
        self._y_ticks()
        ends = [len(loss) - 1] + [b.start + len(b.loss) - 1 for b in branches]
        right = max(*ends, 1)
        plt.xlim(0, right)
        ticks = np.unique(np.linspace(0, right, 5).round().astype(np.int64)).tolist()
        plt.xticks(ticks, [str(t) for t in ticks])
        plt.xlabel("epoch")
        notes = ["log scale"] if self.log_scale else []
        if self._clipped:
            notes.append(f"values beyond {CEILING:.0e} drawn at {CEILING:.0e}")
        self.border_subtitle = "; ".join(notes)
        self.refresh()
