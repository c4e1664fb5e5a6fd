"""The Map tab's pictures of a regression: the shade levels of a predicted
value over the plane (two inputs), and the fitted curve against the data
points, drawn in characters (one input). The numbers are the engine's
(model/boundary.py, model/regression_curve.py); this file places characters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.strip import Strip

from model.regression_curve import fitted_curve
from tui.format import fixed

if TYPE_CHECKING:
    from model import EpochRecord, Trainer
    from model.datasets import Dataset

LEVELS = 16  # as the class map's shades (decision_boundary.LEVELS)
AXIS = 7
CURVE, POINT, TEST = "•", "·", "∘"


def target_range(data: "Dataset") -> tuple[float, float]:
    """The lowest and highest target value, training and test (the map's shade runs over it)."""
    assert data.values is not None and data.values_test is not None
    values = np.concatenate([data.values.ravel(), data.values_test.ravel()])
    return float(values.min()), float(values.max())


def value_levels(values: np.ndarray, data: "Dataset") -> np.ndarray:
    """0..LEVELS for each predicted value over the targets' range, clipped (so a wild
    prediction shows as the end of the range, not as a rescaled map)."""
    low, high = target_range(data)
    span = high - low if high > low else 1.0
    with np.errstate(all="ignore"):
        levels = np.rint((np.nan_to_num(values, nan=low) - low) / span * LEVELS)
    return np.clip(levels, 0, LEVELS).astype(np.int64)


def draw_curve(widget, trainer: "Trainer", record: "EpochRecord", width: int, height: int) -> list[Strip]:
    """Title, the plot of x1 against y (prediction • over data ·, test ∘), and the x axis."""
    rows, columns = height - 2, width - AXIS - 1
    curve = fitted_curve(trainer, columns, rows, record=record)
    fg = widget.rich_style.color
    muted = Style(color=fg, dim=True)
    line_style = Style(color=_theme_colour(widget, "primary"), bold=True)
    test_style = Style(color=_theme_colour(widget, "accent"))
    canvas: list[list[tuple[str, Style]]] = [[(" ", Style())] * columns for _ in range(rows)]
    for (r, c), char, style in [
        *((cell, POINT, muted) for cell in curve.point_cells.tolist()),
        *((cell, TEST, test_style) for cell in curve.test_cells.tolist()),
    ]:
        if r >= 0:
            canvas[r][c] = (char, style)
    previous = None
    for c, r in enumerate(curve.curve_rows.tolist()):
        if r >= 0:  # a steep step fills the column from the previous row, so the curve stays one line
            p = r if previous is None else previous
            for row in range(min(r, p), max(r, p) + 1):
                canvas[row][c] = (CURVE, line_style)
        previous = r if r >= 0 else None
    test = f"  {TEST} test point" if curve.test_cells.size else ""
    title = f"Fitted curve: {CURVE} prediction  {POINT} training point{test}  (y against x1)"
    lines = [Strip([Segment(title[: width - 1], muted)])]
    for r, cells in enumerate(canvas):
        label = fixed(curve.y_top, AXIS - 1, 2) if r == 0 else ""
        label = fixed(curve.y_bottom, AXIS - 1, 2) if r == rows - 1 else label
        label = "y".rjust(AXIS - 1) if r == rows // 2 else label
        segments = [Segment(label.ljust(AXIS), muted)]
        segments += [Segment(char, style) for char, style in cells]
        lines.append(Strip(Segment.simplify(segments)))
    low, high = fixed(curve.xs[0], 6, 2).strip(), fixed(curve.xs[-1], 6, 2).strip()
    gap = max(columns - len(low) - len(high), 1)
    lines.append(Strip([Segment(" " * AXIS), Segment((low + "x1".center(gap) + high)[:columns], muted)]))
    return [line.adjust_cell_length(width) for line in lines]


def _theme_colour(widget, name: str):
    """The theme's colour `name` as rich takes it, or None (the terminal's own) when it has none."""
    try:
        return Color.parse(widget.app.theme_variables[name]).rich_color
    except Exception:  # noqa: BLE001 - no app, no such variable or an unparsable one
        return None
