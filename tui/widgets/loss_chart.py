"""Train and test loss against epoch, drawn with plotext.

The history lives in the engine (`Trainer.history`); this widget only picks
about as many points as the plot has columns, so a redraw costs the same at
epoch 100 and at epoch 1,000,000. Line colours come from the running theme.

plotext is imported, and the plot first drawn, just after the app's first
frame (the panel is there, empty, for that one frame): importing plotext
and textual-plotext cost the launch 30-50 ms, about a tenth of it, for a
chart that holds one point at epoch 0. So this widget holds textual-plotext's
`Plot` itself, made on first use, rather than being a `PlotextPlot`, whose
module imports plotext; it sets the plot's size and theme as `PlotextPlot`
does (an "auto" theme from the app's colours).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

import numpy as np
from textual import events
from textual.color import Color
from textual.markup import escape
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from tui.widgets.ansi_lines import ansi_lines
from tui.widgets.widget_line import widget_line

if TYPE_CHECKING:
    from textual_plotext.plot import Plot

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


def nice_step(span: float, most: int) -> float:
    """The smallest of 1, 2, 5 x 10^k that cuts `span` into at most `most` steps."""
    if not (span > 0 and math.isfinite(span)):
        return 1.0
    raw = span / max(most, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 5.0, 10.0):
        if factor * power >= raw * (1 - 1e-9):
            return factor * power
    return 10.0 * power


def tick_label(value: float, step: float) -> str:
    """A tick label with just the decimals `step` needs, so neighbours differ."""
    if value == 0:
        return "0"
    magnitude = max(abs(value), abs(step))
    if 1e-3 <= magnitude < 1e5 and step >= 1e-4:
        decimals = max(0, -math.floor(math.log10(step) + 1e-9))
        return f"{value:.{decimals}f}"
    digits = max(0, math.floor(math.log10(magnitude)) - math.floor(math.log10(step) + 1e-9))
    return f"{value:.{min(digits, 6)}e}".replace("e-0", "e-").replace("e+0", "e")


def linear_ticks(lo: float, hi: float, most: int) -> tuple[list[float], list[str], tuple[float, float]]:
    """Round ticks from a 1-2-5 step, distinct labels, and the round range they span."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [], [], (0.0, 1.0)
    if hi <= lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    step = nice_step(hi - lo, most)
    start, stop = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    ticks = [k * step for k in range(start, stop + 1)]
    return ticks, [tick_label(t, step) for t in ticks], (start * step, stop * step)


def epoch_ticks(right: int, most: int) -> list[int]:
    """Whole-epoch ticks from 0 at a round step (1, 2, 5, 10, 20, ...), none beyond `right`."""
    if right <= 0:
        return [0]
    step = max(1, int(nice_step(float(right), most)))
    return list(range(0, right + 1, step))


def log_ticks(lo: float, hi: float, most: int) -> tuple[list[float], list[str]]:
    """Ticks for a log axis: powers of ten inside the range when it spans two
    or more, else round linear ticks inside it (so there are always labels)."""
    powers = [10.0**p for p in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]
    inside = [p for p in powers if lo <= p <= hi]
    if len(inside) >= 2:
        inside = inside[:: max(1, math.ceil(len(inside) / most))]
        return inside, [f"{t:g}" if 1e-3 <= t < 1e5 else f"1e{round(math.log10(t))}" for t in inside]
    ticks, labels, _ = linear_ticks(lo, hi, most)
    pairs = [(t, label) for t, label in zip(ticks, labels) if lo <= t <= hi and t > 0]
    if len(pairs) < 2:
        return [lo, hi], [f"{lo:.3g}", f"{hi:.3g}"]
    return [t for t, _ in pairs], [label for _, label in pairs]


def set_y_ticks(plt, curves: Iterable[Curve], height: int, log_scale: bool) -> list[str]:
    """Round, distinct tick labels ("0.2 0.4 0.6", "0.01 0.1 1") in both
    scales for the curves drawn on `plt`; the linear axis spans whole steps
    so its ends are labelled. Returns the labels (none without a curve)."""
    ys = [c.y for c in curves if len(c.y)]
    if not ys:
        return []
    y = np.concatenate(ys)
    lo, hi = float(y.min()), float(y.max())
    most = max(height // 3, 2)
    if log_scale:
        ticks, labels = log_ticks(lo, hi, most)
    else:
        ticks, labels, (bottom, top) = linear_ticks(lo, hi, most)
        plt.ylim(bottom, top)
    plt.yticks(ticks, labels)
    return labels


def _plotext_theme(app) -> str:
    """The name of the plotext theme made of the app's theme's colours (as
    textual-plotext's "auto" theme: background and axes in the surface
    colour, ticks in the foreground), registered with plotext once."""
    from plotext._dict import themes
    from textual_plotext.plot import _rgbify_theme, _sequence

    name = f"textual-auto-{app.theme}"
    if name not in themes:
        variables = app.theme_variables
        surface = Color.parse(variables.get("surface")).rgb
        foreground = Color.parse(variables.get("foreground")).rgb
        themes[name] = _rgbify_theme(surface, surface, foreground, "default", list(_sequence))
    return name


class LossChart(Widget):
    """Loss curves; a marker at the current epoch when the user has stepped back."""

    DEFAULT_CSS = """
    LossChart { width: 1fr; height: 1fr; }
    """

    log_scale: reactive[bool] = reactive(False)

    class EpochClicked(Message):
        """The user clicked the chart over `epoch`."""

        def __init__(self, epoch: int) -> None:
            super().__init__()
            self.epoch = epoch

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.curves: dict[str, Curve] = {}
        self.marker: int | None = None
        self.y_labels: list[str] = []
        self.legend: list[str] = []
        self.x_ticks: list[int] = []
        self._right = 1
        self._data: tuple | None = None
        self._clipped = False
        self._drawings = 0  # counts _draw's calls: the strips below are of one drawing
        self._strips: list[Strip] = []
        self._strips_for: tuple | None = None
        self._blank = Strip.blank(0)
        # textual-plotext's Plot, made after the first frame (see the module's docstring).
        self._plot: Plot | None = None
        self._first_draw_waits = False  # a drawing is scheduled for after the first frame

    @property
    def plt(self) -> Plot:
        """textual-plotext's `Plot` (plotext's figure), made, and plotext
        imported, when first used."""
        if self._plot is None:
            from textual_plotext.plot import Plot

            self._plot = Plot()
        return self._plot

    def epoch_at(self, x: int) -> int | None:
        """The epoch drawn at content column `x` (None: left of the plot area).

        plotext puts the y labels first, then the axis line, then the plot
        from its first column (epoch 0) to the one before the right frame
        (the last epoch)."""
        left = (max((len(label) for label in self.y_labels), default=0)) + 1
        right = self.size.width - 2
        if x < left or right <= left:
            return None
        return int(round(min(x - left, right - left) / (right - left) * self._right))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self._data is None:
            return
        epoch = self.epoch_at(offset.x)
        if epoch is not None:
            self.post_message(self.EpochClicked(epoch))

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
        self.y_labels = set_y_ticks(self.plt, self.curves.values(), self.size.height, self.log_scale)

    def _draw(self) -> None:
        if self._data is None:
            return
        if self._plot is None:
            # The first drawing waits for the first frame (see the module's docstring).
            if not self._first_draw_waits:
                self._first_draw_waits = True
                self.call_after_refresh(self._draw_after_a_frame)
            return
        loss, test_loss, marker, branches = self._data
        plt = self.plt
        plt.clear_data()
        plt.yscale("log" if self.log_scale else "linear")
        self.curves = {}
        self.legend = []
        self._clipped = False
        for i, branch in enumerate(branches):
            curve = self._curve(branch.loss, branch.start)
            if len(curve.x) > 1:
                label = f"{getattr(branch, 'label', '') or 'a run'} (abandoned)"
                plt.plot(curve.x.tolist(), curve.y.tolist(), marker="braille", color=self._faded())
                self.legend.append(label)
                self.curves[f"branch-{i}"] = curve
        for name, values, colour in (("train", loss, "text-primary"), ("test", test_loss, "text-accent")):
            curve = self._curve(values)
            if len(curve.x):
                plt.plot(curve.x.tolist(), curve.y.tolist(), marker="braille", color=self._colour(colour))
                self.legend.append(name)
                self.curves[name] = curve
        self.marker = marker
        if marker is not None:
            warning = self._colour("text-warning")
            plt.vertical_line(self.marker, color=warning)
            # A point on the curve as well: at epoch 0 the line sits on the axis.
            if 0 <= marker < len(loss) and np.isfinite(loss[marker]) and (loss[marker] > 0 or not self.log_scale):
                plt.scatter([marker], [float(min(loss[marker], CEILING))], marker="◆", color=warning)
        self._y_ticks()
        ends = [len(loss) - 1] + [b.start + len(b.loss) - 1 for b in branches]
        right = max(*ends, 1)
        self._right = right
        plt.xlim(0, right)
        ticks = epoch_ticks(right, max(self.size.width // 10, 2))
        self.x_ticks = ticks
        plt.xticks([float(t) for t in ticks], [str(t) for t in ticks])
        plt.xlabel("epoch")
        self._drawings += 1
        notes = ["log scale"] if self.log_scale else []
        if marker is not None:
            notes.append(f"◆ epoch {marker} shown")
        if self._clipped:
            notes.append(f"values beyond {CEILING:.0e} drawn at {CEILING:.0e}")
        subtitle = "; ".join(notes)
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle
        self._title_legend()
        self.refresh()

    def _draw_after_a_frame(self) -> None:
        self.plt  # the Plot made now: from here on every drawing is at once
        self._draw()

    def render_line(self, y: int) -> Strip:
        """One line of the plot. plotext's drawing (ANSI text) is made into
        strips once per drawing: handed over whole, Textual parsed it into
        its own content and wrapped it again, and Rich's ANSI decoder cost as
        much as plotext's drawing itself (see ansi_lines). Blank until the
        first drawing."""
        width, height = self.size
        if self._plot is None:
            return Strip.blank(width, self.rich_style)
        key = (self._drawings, width, height, self.app.theme)
        if self._strips_for != key:
            style, console = self.rich_style, self.app.console
            self._strips = [
                widget_line(segments, width, style)
                for segments in ansi_lines(self._plotext_drawing(), console)[:height]
            ]
            self._blank = Strip.blank(width, style)
            self._strips_for = key
        return self._strips[y] if y < len(self._strips) else self._blank

    def _plotext_drawing(self) -> str:
        """plotext's drawing at the widget's size and in the app's theme, as
        ANSI text (what textual-plotext's `PlotextPlot.render` gives plotext
        before decoding it; the size is set twice, as it does, for plotext
        to resize)."""
        plt = self.plt
        width, height = self.size
        plt.plotsize(width, height)
        plt._set_size(width, height)
        plt.theme(_plotext_theme(self.app))
        return plt.build()

    def _title_legend(self) -> None:
        """The curves' names on the frame, each in its curve's colour: a legend
        inside the plot would cover the start of the curve."""
        styles = {"train": "$text-primary", "test": "$text-accent"}
        parts = ["Loss"]
        for name in self.legend:
            parts.append(f"[{styles.get(name, '$text-muted')}]━ {escape(name)}[/]")
        title = "  ".join(parts)
        if self.border_title != title:
            self.border_title = title
