"""Pictures of the first layer on image data (the digits): each hidden
unit's incoming weights as an 8x8 image in half blocks ("▀": the top pixel
in the foreground colour, the one below in the background), positive in the
theme's success colour, negative in its error colour, faint near zero.

The images come from `model.unit_images`; other data shows a sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.containers import VerticalScroll
from textual.widgets import Static

from model.unit_images import image_side, unit_images
from tui.format import theme_colours

if TYPE_CHECKING:
    from model import EpochRecord, Trainer

GAP = 2  # columns between two pictures


class UnitImages(VerticalScroll):
    """Every first-layer unit as a picture, as many per row as fit."""

    DEFAULT_CSS = """
    UnitImages { height: 1fr; }
    UnitImages #unit-images { height: auto; padding: 0 1; }
    """

    def __init__(self, **widget_kwargs) -> None:
        super().__init__(**widget_kwargs)
        self._last: tuple | None = None

    def compose(self):
        yield Static("", id="unit-images")

    def on_resize(self) -> None:
        if self._last is not None:
            self.show_insight(*self._last)

    def show_insight(self, trainer: "Trainer", record: "EpochRecord", layer: int = 0) -> None:
        self._last = (trainer, record, layer)
        W0 = record.W[0]
        side = image_side(trainer.data.name, W0.shape[0])
        target = self.query_one("#unit-images", Static)
        if side is None:
            target.update(
                Text(
                    "Pictures need image data: --dataset digits draws each first-layer unit's 64 incoming weights "
                    "as an 8x8 image.",
                )
            )
            return
        target.update(self.render_images(unit_images(W0, side), record.epoch))

    def _colour(self, value: float, positive: Color, negative: Color, background: Color) -> Color:
        return background.blend(positive if value > 0 else negative, min(abs(float(value)), 1.0))

    def render_images(self, images: np.ndarray, epoch: int) -> Text:
        variables = self.app.theme_variables
        pos_name, neg_name = theme_colours(self.app)
        positive, negative = Color.parse(pos_name), Color.parse(neg_name)
        background = Color.parse(variables.get("surface") or variables.get("background") or "black")
        units, side, _ = images.shape
        per_row = max((self.size.width - 2 + GAP) // (side + GAP), 1) if self.size.width else 8
        text = Text(
            f"L1 units' incoming weights at epoch {epoch}, as {side}x{side} images "
            "(bright = large; success colour positive, error colour negative):\n"
        )
        for first in range(0, units, per_row):
            group = range(first, min(first + per_row, units))
            text.append("  ".join(f"u{j + 1}".ljust(side) for j in group) + "\n")
            for r in range(0, side, 2):
                for k, j in enumerate(group):
                    if k:
                        text.append(" " * GAP)
                    for c in range(side):
                        top = self._colour(images[j, r, c], positive, negative, background)
                        below = images[j, r + 1, c] if r + 1 < side else 0.0
                        bottom = self._colour(below, positive, negative, background)
                        text.append("▀", Style(color=top.rich_color, bgcolor=bottom.rich_color))
                text.append("\n")
        return text
