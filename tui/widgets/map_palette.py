"""The colours of the decision map: one per class, taken from the theme's
variables in order of preference (blends of two when there are more classes
than the theme has colours), each in LEVELS shades from the background, and
the rich styles of the half-block cells made of two of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from rich.style import Style
from textual.color import Color

LEVELS = 16  # shades between the background and a full class colour
STRENGTH = 0.7  # the strongest shade of the map; the points keep the full colour
# Theme colours a class may take, in order of preference; more classes than
# themes have colours get blends of two of them.
CLASS_SOURCES = ("primary", "accent", "secondary", "warning", "error", "success")


def class_colours(variables: dict[str, str], count: int) -> list[Color]:
    """`count` colours from the theme, each as unlike the ones before as possible.

    Themes differ (textual-dark's primary and secondary are both blue), so
    the pair is chosen by distance rather than by name: the first class gets
    the primary colour, each next one the candidate farthest from all taken.
    """
    base = []
    for name in CLASS_SOURCES:
        try:
            base.append(Color.parse(variables[name]))
        except (KeyError, ValueError, TypeError):
            continue
    if not base:
        base = [Color.parse("ansi_blue"), Color.parse("ansi_yellow")]
    blends = [a.blend(b, 0.5) for i, a in enumerate(base) for b in base[i + 1 :]]

    def distance(a: Color, b: Color) -> float:
        return math.dist(a.rgb, b.rgb)

    chosen = [base[0]]
    while len(chosen) < count:
        # The theme's own colours first; blends only once those run out.
        fresh = [c for c in base if min(distance(c, t) for t in chosen) > 24.0] or blends or base
        chosen.append(max(fresh, key=lambda c: min(distance(c, t) for t in chosen)))
    return chosen


@dataclass(frozen=True)
class Palette:
    """Every colour a map pixel can take, by index into `colours`: class c at
    strength k/LEVELS is `shade(c, k)`, then the region border, then the ramp
    from background to foreground that shades unit activations. Pixels are
    numpy arrays of these indices, so a whole map is coloured in one lookup.
    """

    background: Color
    foreground: Color
    classes: tuple[Color, ...]
    colours: tuple[Color, ...]

    @classmethod
    def build(cls, variables: dict[str, str], background: Color, n_classes: int, dark: bool = True) -> "Palette":
        # ANSI themes name colours the terminal picks; blending needs numbers.
        light, black = Color(255, 255, 255), Color(0, 0, 0)
        background = solid_colour(background, black if dark else light)
        default = Color.parse("ansi_default")
        foreground = solid_colour(parse_colour(variables.get("foreground"), default), light if dark else black)
        classes = tuple(solid_colour(c, foreground) for c in class_colours(variables, n_classes))
        colours = [background.blend(colour, STRENGTH * k / LEVELS) for colour in classes for k in range(LEVELS + 1)]
        colours.append(background.blend(foreground, 0.6))  # region border
        colours += [background.blend(foreground, 0.85 * k / LEVELS) for k in range(LEVELS + 1)]
        return cls(background, foreground, classes, tuple(colours))

    def shade(self, cls: int | np.ndarray, level: int | np.ndarray):
        return cls * (LEVELS + 1) + level

    @property
    def edge(self) -> int:
        return len(self.classes) * (LEVELS + 1)

    def ramp(self, level: int | np.ndarray):
        return self.edge + 1 + level


def solid_colour(colour: Color, default: Color) -> Color:
    """An RGB colour that blends: ANSI colours as their usual RGB, the terminal's default as `default`."""
    if colour.ansi is None:
        return colour
    return default if colour.ansi < 0 else Color(colour.r, colour.g, colour.b)


def parse_colour(text: str | None, default: Color) -> Color:
    try:
        return Color.parse(text) if text else default
    except (ValueError, TypeError):
        return default


class CellStyles:
    """rich Styles made once per palette: by (foreground, background, bold), and
    for half blocks by pixel pair, key = upper index * n + lower index."""

    def __init__(self, colours: tuple[Color, ...] = ()) -> None:
        self._cache: dict[tuple, Style] = {}
        self.colours = colours
        self.pairs: dict[int, Style] = {}

    def ensure_pairs(self, keys: np.ndarray) -> None:
        n = len(self.colours)
        for key in np.unique(keys).tolist():
            if key not in self.pairs:
                upper, lower = divmod(key, n)
                self.pairs[key] = self.get(self.colours[upper], self.colours[lower])

    def get(self, fg: Color, bg: Color | None = None, bold: bool = False) -> Style:
        key = (fg.rgb, None if bg is None else bg.rgb, bold)
        style = self._cache.get(key)
        if style is None:
            style = Style(color=fg.rich_color, bgcolor=None if bg is None else bg.rich_color, bold=bold)
            self._cache[key] = style
        return style
