"""The decision boundary: what the network answers at every point of the
input plane, drawn with the training points on top, and beside it what each
unit of the inspector's layer responds to ("what each neuron has learned").

Two pixels per cell: "▀" with the upper pixel as its colour and the lower
pixel as its background, so a map of C x R cells shows a C x 2R lattice
from `model.boundary.decision_grid`. All maths is the engine's: this file
only maps numbers to theme colours and places characters.

The map is computed when it is painted, at the size it is painted, and only
when the record, size, layer, mode or theme changed: a hidden tab costs
nothing, a visible one one lattice forward pass (about a millisecond) per
snapshot.

Regression data: two inputs show the predicted value as a shaded map (the
targets' range from dark to light); one input shows the fitted curve
against the data points (tui/widgets/regression_picture.py).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from model import BackpropError
from model.boundary import Grid, decision_grid, discretise, hidden_unit_maps
from tui.format import fixed
from tui.widgets.map_palette import (  # the map's colours; importable from here as before
    LEVELS,
    STRENGTH,
    CellStyles,
    Palette,
    class_colours,
)
from tui.widgets.regression_picture import draw_curve, target_range, value_levels

if TYPE_CHECKING:
    from model import EpochRecord, Trainer

HALF = "▀"
POINT, WRONG = "●", "✗"
__all__ = ["HALF", "LEVELS", "POINT", "STRENGTH", "WRONG", "DecisionBoundary", "Palette", "class_colours"]
MAX_UNITS = 8  # small maps beside the main one
AXIS_WIDTH = 7  # "+12.34 " left of the map


@dataclass(frozen=True)
class MapLayout:
    """Where things go in the widget, in cells."""

    map_x: int  # first column of the main map
    map_y: int  # first row of the main map
    columns: int  # main map width (lattice width)
    rows: int  # main map height (lattice height is 2 x rows)
    unit_x: int = 0  # first column of the small maps
    unit_columns: int = 0  # per small map; 0 = no small maps
    unit_rows: int = 0
    unit_grid: int = 1  # small maps per row


def plan(width: int, height: int, units: int) -> MapLayout | None:
    """The main map first, near square; small unit maps only where they fit at a
    readable size (4 x 4 pixels or more), else none."""
    rows = height - 2  # a title above, the x axis below
    space = width - AXIS_WIDTH
    if rows < 2 or space < 4:
        return None
    square = 2 * rows  # two pixels per row: 2*rows columns make a square plane
    # Spare width widens the map (up to twice as wide as tall) rather than going unused.
    preferred = min(space, max(square, 3 * space // 5), 2 * square)
    units = min(units, MAX_UNITS)
    for columns in range(preferred, max(4, 3 * preferred // 4) - 1, -1):
        found = _unit_layout(units, space - columns - 2, height - 1)
        if found is not None:
            per_row, unit_columns, unit_rows = found
            return MapLayout(AXIS_WIDTH, 1, columns, rows, AXIS_WIDTH + columns + 2, unit_columns, unit_rows, per_row)
    return MapLayout(AXIS_WIDTH, 1, preferred, rows)


def _unit_layout(units: int, width: int, height: int) -> tuple[int, int, int] | None:
    """(maps per row, map columns, map rows) making the small maps largest, or None."""
    best, best_score = None, (0, 0)
    for per_row in range(1, units + 1):
        lines = -(-units // per_row)
        columns = (width - (per_row - 1)) // per_row
        rows = height // lines - 1  # a label above each
        columns = min(columns, 4 * rows)  # at most twice as wide as tall
        if columns < 4 or rows < 2:
            continue
        score = (min(columns, 2 * rows), columns * rows)
        if score > best_score:
            best, best_score = (per_row, columns, rows), score
    return best


class DecisionBoundary(Widget):
    """The network's answer over the input plane, and each unit's map."""

    DEFAULT_CSS = """
    DecisionBoundary { height: 1fr; width: 1fr; }
    """

    regions: reactive[bool] = reactive(False)

    def __init__(self, *, unit_maps: bool = True, **widget_kwargs) -> None:
        """`unit_maps`: draw each unit's small map beside the main one where it fits
        (off: the main map alone, as two maps side by side need)."""
        super().__init__(**widget_kwargs)
        self._unit_maps = unit_maps
        self._trainer: "Trainer | None" = None
        self._record: "EpochRecord | None" = None
        self._layer = 0
        self._key: tuple | None = None
        self._lines: list[Strip] = []
        self._palette: Palette | None = None
        self._theme_changes = 0
        self._styles = CellStyles()
        self.grid: Grid | None = None  # the lattice last drawn (for tests and curious readers)
        self.layout_used: MapLayout | None = None
        self.message = ""  # the sentence shown instead of a map, if any

    # ------------------------------------------------------------- public

    def show_insight(self, trainer: "Trainer", record: "EpochRecord", layer: int) -> None:
        """Draw `record` of `trainer`, with the units of `layer` (0-based) beside it."""
        self._trainer, self._record, self._layer = trainer, record, layer
        self.refresh()

    def toggle_regions(self) -> None:
        self.regions = not self.regions

    def watch_regions(self) -> None:
        self.refresh()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme) -> None:
        self._palette = None
        self._theme_changes += 1
        self.refresh()

    # ------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        self._update(width, self.size.height)
        if y < len(self._lines):
            return self._lines[y].apply_style(self.rich_style)
        return Strip.blank(width, self.rich_style)

    def _update(self, width: int, height: int) -> None:
        trainer, record = self._trainer, self._record
        key = (id(trainer), id(record), width, height, self._layer, self.regions, self._theme_changes)
        if key == self._key:
            return
        self._key = key
        self.message = ""
        if trainer is None or record is None:
            self._say("No network yet.", width)
            return
        data = trainer.data
        if data.is_regression and data.n_features == 1:
            try:
                self._lines = draw_curve(self, trainer, record, width, height)
            except BackpropError as exc:
                self._say(f"No curve: {exc}", width)
            return
        if data.inputs[0].shape[1] != 2:
            names = ", ".join(data.feature_names[:6]) + (", ..." if data.n_features > 6 else "")
            self._say(
                f"The decision map needs 2 input features, one per axis of the plane; "
                f"this dataset has {data.n_features} ({names}). Try a 2-D dataset such as moons or circles.",
                width,
            )
            return
        units = record.W[self._layer].shape[1] if 0 <= self._layer < len(record.W) and self._unit_maps else 0
        layout = plan(width, height, units)
        if layout is None:
            self._say("Make this panel larger to see the map.", width)
            return
        try:
            self._lines = self._draw(trainer, record, layout, width)
            self.layout_used = layout
        except BackpropError as exc:
            self._say(f"No map: {exc}", width)
        except Exception as exc:  # painting must not take the app down: say what failed
            self.log.error(exc)
            self._say(f"No map: {type(exc).__name__}: {exc}", width)

    def _say(self, sentence: str, width: int) -> None:
        self.message = sentence
        self.grid = None
        self.layout_used = None
        self._lines = [Strip([Segment(line)]) for line in textwrap.wrap(sentence, max(width - 1, 10))]

    def _ensure_palette(self, n_classes: int) -> Palette:
        palette = self._palette
        if palette is None or len(palette.classes) != n_classes:
            background = self.background_colors[1]
            theme = self.app.current_theme
            palette = Palette.build(self.app.theme_variables, background, n_classes, theme is None or theme.dark)
            self._palette = palette
            self._styles = CellStyles(palette.colours)
        return palette

    def _draw(self, trainer: "Trainer", record: "EpochRecord", layout: MapLayout, width: int) -> list[Strip]:
        with np.errstate(all="ignore"):
            grid = decision_grid(trainer, layout.columns, 2 * layout.rows, record=record)
        self.grid = grid
        palette = self._ensure_palette(grid.n_classes)
        styles = self._styles
        keys = _pair_keys(self._map_pixels(grid, palette), palette)
        # Regression: the shaded surface is the picture; 200 marks would cover a small map.
        marks = {} if trainer.data.is_regression else self._mark_points(keys, grid, record, trainer, palette)
        cells = _half_blocks(keys, styles, marks)

        data = trainer.data
        lines: list[list[Segment]] = [[] for _ in range(layout.rows + 2)]
        title_width = layout.unit_x - 1 if layout.unit_columns else width
        lines[0] = list(Strip(self._title(data.class_names, palette, title_width)).crop(0, title_width))
        muted = styles.get(palette.background.blend(palette.foreground, 0.6))
        ys, xs = grid.ys, grid.xs
        axis_names = ("x1", "x2") if data.raw_X is not None else data.feature_names  # features: the raw plane
        y_name = axis_names[1][: AXIS_WIDTH - 1]
        for r in range(layout.rows):
            if r == 0:
                text = fixed(ys[0], AXIS_WIDTH - 1, 2)
            elif r == layout.rows - 1:
                text = fixed(ys[-1], AXIS_WIDTH - 1, 2)
            elif r == layout.rows // 2:
                text = y_name.rjust(AXIS_WIDTH - 1)
            else:
                text = ""
            lines[1 + r].append(Segment(text.ljust(AXIS_WIDTH), muted))
            lines[1 + r].extend(cells[r])
        low, high = fixed(xs[0], 6, 2).strip(), fixed(xs[-1], 6, 2).strip()
        name = axis_names[0]
        gap = layout.columns - len(low) - len(high)
        axis = low + (name.center(gap) if gap >= len(name) + 2 else " " * max(gap, 1)) + high
        lines[layout.rows + 1] = [Segment(" " * AXIS_WIDTH), Segment(axis[: max(layout.columns, 0)], muted)]

        if layout.unit_columns:
            self._draw_units(trainer, record, layout, lines, palette)
        return [Strip(segments).adjust_cell_length(width) for segments in lines]

    def _map_pixels(self, grid: Grid, palette: Palette) -> np.ndarray:
        """The palette index of every lattice point: class hue, shade = how sure."""
        classes = grid.classes
        if self._trainer is not None and self._trainer.data.is_regression:
            return palette.ramp(value_levels(grid.outputs[:, :, 0], self._trainer.data))
        if self.regions:
            return np.where(discretise(grid).boundary, palette.edge, palette.shade(classes, LEVELS))
        probs = grid.probabilities
        k = probs.shape[2]
        top = np.take_along_axis(probs, classes[:, :, None], axis=2)[:, :, 0]
        sure = np.clip((top - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
        sure = np.where(np.isfinite(sure), sure, 0.0)
        return palette.shade(classes, np.rint(sure * LEVELS).astype(np.int64))

    def _mark_points(self, keys: np.ndarray, grid: Grid, record, trainer, palette: Palette) -> dict[int, Segment]:
        """● in its class colour on each training point's cell; ✗ where any is misclassified.

        A marked cell's key becomes negative, standing for its Segment in the
        returned dict; the mark sits on its cell's colours faded towards the
        background, so the full class colour of the mark stands out.
        """
        marks: dict[tuple[int, int], tuple[str, int]] = {}
        for (row, column), label, ok in zip(
            grid.point_cells.tolist(), trainer.data.labels.tolist(), np.asarray(record.correct).tolist()
        ):
            cell = (row // 2, column)
            if not ok:
                marks[cell] = (WRONG, label)
            elif cell not in marks:
                marks[cell] = (POINT, label)
        styles, n = self._styles, len(palette.colours)
        segments: dict[tuple, int] = {}
        found: dict[int, Segment] = {}
        for (r, c), (char, label) in marks.items():
            upper, lower = divmod(int(keys[r, c]), n)
            look = (char, label, upper, lower)
            code = segments.get(look)
            if code is None:
                under = palette.colours[upper].blend(palette.colours[lower], 0.5).blend(palette.background, 0.5)
                colour = palette.classes[label % len(palette.classes)]
                code = -1 - len(segments)
                segments[look] = code
                found[code] = Segment(char, styles.get(colour, under, bold=True))
            keys[r, c] = code
        return found

    def _title(self, names, palette: Palette, width: int) -> list[Segment]:
        styles = self._styles
        muted = styles.get(palette.background.blend(palette.foreground, 0.7))
        if self._trainer is not None and self._trainer.data.is_regression:
            low, high = target_range(self._trainer.data)
            head = f"Predicted y {fixed(low, 6, 2).strip()}..{fixed(high, 6, 2).strip()}"
            return [Segment(head + (" (shade: dark..light)" if len(head) + 22 <= width else ""), muted)]
        if self.regions:
            head = "Class regions"
        elif len(names) == 2 and self.grid is not None and self.grid.outputs.shape[2] == 1:
            head = f"P({names[1]})"
        else:
            head = "Likeliest class"
        segments = [Segment(head + ": ", muted)]
        used = len(head) + 2
        for i, name in enumerate(names):
            piece = f"{POINT} {name} "
            if used + len(piece) > width - 8:
                segments.append(Segment("… ", muted))
                used += 2
                break
            segments.append(Segment(f"{POINT} ", styles.get(palette.classes[i % len(palette.classes)], bold=True)))
            segments.append(Segment(f"{name} ", muted))
            used += len(piece)
        if used + 8 <= width:
            segments.append(Segment(f"{WRONG} wrong", muted))
        return segments

    def _draw_units(self, trainer, record, layout: MapLayout, lines, palette: Palette) -> None:
        """Small maps of the activation of each unit of the chosen layer, shaded low..high."""
        layer = self._layer
        with np.errstate(all="ignore"):
            maps = hidden_unit_maps(trainer, layer, layout.unit_columns, 2 * layout.unit_rows, record=record)
        shown = maps[:MAX_UNITS]
        finite = shown[np.isfinite(shown)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        span = high - low
        if span > 0:
            levels = np.rint((np.nan_to_num(shown, nan=low) - low) / span * LEVELS).astype(np.int64)
        else:
            levels = np.zeros(shown.shape, dtype=np.int64)
        pixels = palette.ramp(np.clip(levels, 0, LEVELS))
        styles = self._styles
        muted = styles.get(palette.background.blend(palette.foreground, 0.7))
        n_units = maps.shape[0]
        head = f"L{layer + 1} {'output ' if layer == len(record.W) - 1 else ''}units"
        if n_units > MAX_UNITS:
            head += f" ({MAX_UNITS} of {n_units})"
        _paint(lines[0], layout.unit_x, head, muted)
        block = layout.unit_rows + 1
        for u in range(shown.shape[0]):
            r0 = 1 + (u // layout.unit_grid) * block
            x0 = layout.unit_x + (u % layout.unit_grid) * (layout.unit_columns + 1)
            name = f"u{u + 1}"
            scale = f" {fixed(low, 6, 2).strip()}..{fixed(high, 6, 2).strip()}"
            if u == 0 and layout.unit_grid == 1 and len(name + scale) <= layout.unit_columns:
                name += scale  # the shading runs from the layer's lowest to its highest a
            _paint(lines[r0], x0, name[: layout.unit_columns], muted)
            for r, row in enumerate(_half_blocks(_pair_keys(pixels[u], palette), styles, {})):
                _paint_segments(lines[r0 + 1 + r], x0, row)


def _pair_keys(pixels: np.ndarray, palette: Palette) -> np.ndarray:
    """(2R, C) pixel indices to (R, C) cell keys: upper * n + lower."""
    return pixels[0::2] * len(palette.colours) + pixels[1::2]


def _half_blocks(keys: np.ndarray, styles: CellStyles, marks: dict[int, Segment]) -> list[list[Segment]]:
    """One line of Segments per cell row: "▀" runs of one pixel pair, marks (negative keys) as given."""
    styles.ensure_pairs(keys[keys >= 0])
    pairs = styles.pairs
    lines = []
    width = keys.shape[1]
    for row in keys:
        cuts = (np.flatnonzero(row[1:] != row[:-1]) + 1).tolist()
        starts = [0, *cuts]
        ends = [*cuts, width]
        line = []
        for start, end, key in zip(starts, ends, row[starts].tolist()):
            if key < 0:
                mark = marks[key]
                line.append(Segment(mark.text * (end - start), mark.style))
            else:
                line.append(Segment(HALF * (end - start), pairs[key]))
        lines.append(line)
    return lines


def _line_length(segments: list[Segment]) -> int:
    return sum(len(s.text) for s in segments)


def _paint(segments: list[Segment], x: int, text: str, style: Style) -> None:
    _paint_segments(segments, x, [Segment(text, style)])


def _paint_segments(segments: list[Segment], x: int, new: list[Segment]) -> None:
    """Append `new` at column x of a line built left to right (pads with spaces)."""
    length = _line_length(segments)
    if x > length:
        segments.append(Segment(" " * (x - length)))
    elif x < length:
        segments[:] = list(Strip(segments).crop(0, x))
    segments.extend(new)
