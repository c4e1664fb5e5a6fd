"""Two training-loss curves on one plotext chart: the two sides of a
comparison (tui/screens/side_by_side.py).

Drawn as the main loss chart draws (tui/widgets/loss_chart.py, whose
downsampling and tick helpers it uses): about two points per column, round
ticks, colours from the running theme, the legend on the frame in each
curve's colour so it never covers the start of a curve.
"""

from __future__ import annotations

import numpy as np
from textual.color import Color
from textual.markup import escape
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from tui.widgets.loss_chart import (
    CEILING,
    POINTS_PER_COLUMN,
    Curve,
    downsample,
    epoch_ticks,
    set_y_ticks,
)

# Theme variables of the left and right curves.
COLOURS = ("text-primary", "text-warning")


class PairChart(PlotextPlot):
    """The loss of each side against epoch; `curves` holds what was drawn (for tests)."""

    log_scale: reactive[bool] = reactive(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.curves: dict[str, Curve] = {}
        self.legend: list[str] = []
        self._data: tuple[tuple[np.ndarray, np.ndarray], tuple[str, str]] | None = None

    def show(self, left: np.ndarray, right: np.ndarray, names: tuple[str, str]) -> None:
        """Draw the two loss series (index = epoch) named `names` in the legend."""
        self._data = ((left, right), names)
        self._draw()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._draw())

    def on_resize(self) -> None:
        self._draw()

    def watch_log_scale(self) -> None:
        self._draw()

    def _colour(self, name: str) -> tuple[int, int, int]:
        return Color.parse(self.app.theme_variables[name]).rgb

    def _curve(self, values: np.ndarray) -> tuple[Curve, bool]:
        curve = downsample(values, max(self.size.width, 10) * POINTS_PER_COLUMN)
        if self.log_scale:
            positive = curve.y > 0
            curve = Curve(curve.x[positive], curve.y[positive])
        clipped = bool(len(curve.y) and np.abs(curve.y).max() > CEILING)
        if clipped:
            curve = Curve(curve.x, np.clip(curve.y, -CEILING, CEILING))
        return curve, clipped

    def _draw(self) -> None:
        if self._data is None or not self.is_mounted:
            return
        series, names = self._data
        plt = self.plt
        plt.clear_data()
        plt.yscale("log" if self.log_scale else "linear")
        self.curves, self.legend = {}, []
        clipped = False
        for side, values, colour in zip(("left", "right"), series, COLOURS):
            curve, cut = self._curve(values)
            clipped |= cut
            if len(curve.x):
                plt.plot(curve.x.tolist(), curve.y.tolist(), marker="braille", color=self._colour(colour))
                self.curves[side] = curve
        set_y_ticks(plt, self.curves.values(), self.size.height, self.log_scale)
        right = max(len(series[0]) - 1, len(series[1]) - 1, 1)
        plt.xlim(0, right)
        ticks_x = epoch_ticks(right, max(self.size.width // 10, 2))
        plt.xticks([float(t) for t in ticks_x], [str(t) for t in ticks_x])
        plt.xlabel("epoch")
        notes = ["log scale"] if self.log_scale else []
        if clipped:
            notes.append(f"values beyond {CEILING:.0e} drawn at {CEILING:.0e}")
        self.border_subtitle = "; ".join(notes)
        parts = ["Training loss"]
        for side, name, colour in zip(("left", "right"), names, COLOURS):
            self.legend.append(f"{side}: {name}")
            parts.append(f"[${colour}]━ {side}:[/] {escape(name)}")
        self.border_title = "  ".join(parts)
        self.refresh()
