"""The network as a picture: inputs, hidden units and outputs as nodes in
columns, every edge drawn in braille between them.

An edge's colour is the sign of its value (the theme's success and error
colours) and its shade the size of the value against the largest in its
layer (faint for small, full colour and bold for large), so the strong
paths of a trained network stand out on a dark or a light theme alike.
Nodes take the same colours from their activation or delta. Values come
from `model.diagram_values` (plain data); this file only places and colours.

`draw(...)` is a pure function of the values and the region's size, so a
test can check that it never draws outside its region.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rich.style import Style
from rich.text import Span, Text
from textual import events
from textual.binding import Binding
from textual.color import Color, ColorParseError
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from model.diagram_values import DiagramValues
from tui.widgets.braille_edges import edge_paths, owners
from tui.widgets.widget_line import widget_line

# Units drawn per column before the rest become "+N".
MAX_UNITS_SHOWN = 10
NODE = "●"
NODE_HOT = "◉"


@dataclass(frozen=True)
class Palette:
    """Colours of the running theme, as hex strings."""

    positive: str
    negative: str
    background: str
    foreground: str
    accent: str
    muted: str

    def shade(self, value: float, scale: float, dim: bool = False) -> Style:
        """The sign's colour, faded towards the background as |value| / scale falls
        (in 16 steps: the eye tells no more apart, and the styles are reused)."""
        if not np.isfinite(value):
            return _style(self.negative, self.background, -1, dim)
        strength = 0.0 if scale <= 0 else min(abs(value) / scale, 1.0)
        return _style(self.positive if value >= 0 else self.negative, self.background, round(strength * 15), dim)


@lru_cache(maxsize=1024)
def _style(colour: str, background: str, level: int, dim: bool) -> Style:
    """Style of a value of `level` 0..15 (-1: not a finite number) in `colour`."""
    if level < 0:
        return Style(color=colour, bold=True)
    keep = 0.25 + 0.75 * level / 15
    if dim:
        keep *= 0.45
    faded = Color.parse(colour).blend(Color.parse(background), 1.0 - keep)
    return Style(color=faded.hex6, bold=level >= 8 and not dim)


PLAIN_PALETTE = Palette("#4caf50", "#e53935", "#000000", "#e0e0e0", "#ffb300", "#808080")


def palette_of(app) -> Palette:
    """The palette of the app's current theme (its success/error/accent colours),
    colours with an alpha laid over the theme's background."""
    v = getattr(app, "theme_variables", None) or {}

    def parse(name: str) -> Color | None:
        value = v.get(name)
        if not value:
            return None
        try:
            return Color.parse(value)
        except ColorParseError:  # "auto 87%" and the like: not a colour on its own
            return None

    background = parse("background") or parse("surface") or Color.parse(PLAIN_PALETTE.background)

    def get(*names: str, default: str) -> str:
        for name in names:
            colour = parse(name)
            if colour is not None:
                return (background + colour).hex6
        return default

    return Palette(
        get("success", default=PLAIN_PALETTE.positive),
        get("error", default=PLAIN_PALETTE.negative),
        background.hex6,
        get("foreground", default=PLAIN_PALETTE.foreground),
        get("accent", "warning", default=PLAIN_PALETTE.accent),
        get("foreground-muted", "secondary", default=PLAIN_PALETTE.muted),
    )


@dataclass(frozen=True)
class Geometry:
    """Where each column and each shown unit sits, in cells."""

    xs: tuple[int, ...]  # the x of each column's nodes
    shown: tuple[int, ...]  # units drawn per column
    ys: tuple[tuple[int, ...], ...]  # per column, the y of each drawn unit
    more_y: tuple[int | None, ...]  # per column, the row of the "+N" note (None: all shown)


def geometry(sizes: tuple[int, ...], width: int, height: int) -> Geometry | None:
    """Place the nodes in a region of width x height; None when it is too small."""
    columns = len(sizes)
    if width < 2 * columns + 1 or height < 3:
        return None
    top, bottom = 1, height - 1  # row 0: column titles
    xs = tuple(int(round(1 + k * (width - 3) / max(columns - 1, 1))) for k in range(columns))
    if columns == 1:
        xs = (width // 2,)
    shown_list, ys_list, more = [], [], []
    for size in sizes:
        room = bottom - top
        shown = min(size, MAX_UNITS_SHOWN, room)
        if shown < size:
            shown = max(min(shown, room - 1), 1)
            note: int | None = bottom - 1
            room -= 1
        else:
            note = None
        ys = tuple(top + int((i + 0.5) * room / shown) for i in range(shown))
        shown_list.append(shown)
        ys_list.append(ys)
        more.append(note)
    return Geometry(xs, tuple(shown_list), tuple(ys_list), tuple(more))


def _titles(sizes: tuple[int, ...]) -> list[str]:
    return ["in"] + [f"L{l}" for l in range(1, len(sizes) - 1)] + ["out"] if len(sizes) > 1 else ["in"]


def draw(
    values: DiagramValues,
    width: int,
    height: int,
    palette: Palette = PLAIN_PALETTE,
    hot_nodes: tuple[int, ...] = (),
    hot_edges: tuple[int, ...] = (),
    selected: tuple[int, int] | None = None,
) -> list[Text]:
    """The diagram as `height` lines of at most `width` cells each.

    `hot_nodes` (columns) and `hot_edges` (layers) are what the phase on
    screen computes: drawn in full, the rest faded. `selected` is (column,
    unit) of the unit whose card is shown.
    """
    width, height = max(int(width), 0), max(int(height), 0)
    blank = [Text(" " * width, no_wrap=True, overflow="crop") for _ in range(height)]
    sizes = values.sizes
    geo = geometry(sizes, width, height)
    if geo is None:
        if height and width:
            blank[0] = Text("(too small)"[:width], style=palette.muted, no_wrap=True, overflow="crop")
        return blank
    phase_on = bool(hot_nodes or hot_edges)

    # Edges on a braille canvas: per cell, the dots and the strongest edge through it.
    paths = edge_paths(geo, width, height)
    blocks, scales, orders = [], [], []
    for l, matrix in enumerate(values.edges):
        block = np.asarray(matrix, dtype=float)[: geo.shown[l], : geo.shown[l + 1]]
        finite = np.abs(block[np.isfinite(block)])
        blocks.append(block.ravel())
        scales.append(float(finite.max()) if finite.size else 0.0)
        # Weak edges first, so a strong one owns the cells they share.
        orders.append(np.argsort(np.abs(np.nan_to_num(block, nan=np.inf)), axis=None))
    owner = owners(paths, orders, height, width)
    starts = np.cumsum([0] + [len(order) for order in orders])
    edge_styles: dict[int, Style] = {}

    def edge_style(rank: int) -> Style:
        style = edge_styles.get(rank)
        if style is None:
            l = int(np.searchsorted(starts, rank, side="right")) - 1
            value = float(blocks[l][orders[l][rank - starts[l]]])
            style = edge_styles[rank] = palette.shade(value, scales[l], dim=phase_on and l not in hot_edges)
        return style

    lines: list[list[tuple[str, Style | None]]] = [[(" ", None)] * width for _ in range(height)]
    dots = paths.dots
    for y, x in zip(*np.nonzero(owner >= 0)):
        lines[y][x] = (chr(0x2800 + int(dots[y, x])), edge_style(int(owner[y, x])))

    # Column titles, then nodes and "+N" notes on top of the edges.
    muted = Style(color=palette.muted)
    accent = Style(color=palette.accent, bold=True)
    for k, title in enumerate(_titles(sizes)):
        label = f"{title} {sizes[k]}"
        start = min(max(geo.xs[k] - len(label) // 2, 0), max(width - len(label), 0))
        style = accent if k in hot_nodes else muted
        for offset, char in enumerate(label[: width - start]):
            lines[0][start + offset] = (char, style)
    for k, size in enumerate(sizes):
        node_values = values.nodes[k]
        scale = 0.0
        if node_values is not None:
            finite = np.abs(node_values[np.isfinite(node_values)])
            scale = float(finite.max()) if finite.size else 0.0
        for i, y in enumerate(geo.ys[k]):
            x = geo.xs[k]
            if node_values is None:
                style = Style(color=palette.foreground)
            else:
                style = palette.shade(float(node_values[i]), scale)
            char = NODE
            if k in hot_nodes:
                char = NODE_HOT
                style += Style(bold=True)
            if selected == (k, i):
                style += Style(reverse=True)
            lines[y][x] = (char, style)
        note_y = geo.more_y[k]
        if note_y is not None:
            note = f"+{size - geo.shown[k]}"
            start = min(max(geo.xs[k] - len(note) // 2, 0), max(width - len(note), 0))
            for offset, char in enumerate(note[: width - start]):
                lines[note_y][start + offset] = (char, muted)

    out = []
    for row in lines:
        plain = "".join(char for char, _ in row)
        spans = []
        run_start, run_style = 0, row[0][1] if row else None
        for x in range(1, len(row) + 1):
            cell_style = row[x][1] if x < len(row) else None
            if x == len(row) or cell_style is not run_style:
                if run_style is not None:
                    spans.append(Span(run_start, x, run_style))
                run_start, run_style = x, cell_style
        out.append(Text(plain, spans=spans, no_wrap=True, overflow="crop"))
    return out


def node_at(sizes: tuple[int, ...], width: int, height: int, x: int, y: int) -> tuple[int, int] | None:
    """The (column, unit) drawn nearest to cell (x, y), or None off the nodes."""
    geo = geometry(sizes, width, height)
    if geo is None:
        return None
    best, best_d = None, 4.0
    for k, column_ys in enumerate(geo.ys):
        for i, node_y in enumerate(column_ys):
            d = abs(geo.xs[k] - x) / 2 + abs(node_y - y)
            if d < best_d:
                best, best_d = (k, i), d
    return best


class NetworkDiagram(Widget, can_focus=True):
    """Nodes and edges of the network; arrows or a click choose a unit."""

    DEFAULT_CSS = """
    NetworkDiagram { height: 1fr; min-height: 5; }
    """

    BINDINGS = [
        Binding("up", "move(0, -1)", "Unit up", show=False),
        Binding("down", "move(0, 1)", "Unit down", show=False),
        Binding("left", "move(-1, 0)", "Column left", show=False),
        Binding("right", "move(1, 0)", "Column right", show=False),
    ]

    class UnitChosen(Message):
        """The user chose a unit: (column, unit), column 0 the inputs."""

        def __init__(self, column: int, unit: int) -> None:
            super().__init__()
            self.column = column
            self.unit = unit

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.values: DiagramValues | None = None
        self.hot_nodes: tuple[int, ...] = ()
        self.hot_edges: tuple[int, ...] = ()
        self.selected: tuple[int, int] | None = None
        self._palette: Palette | None = None
        self._lines: list[Strip] = []  # the drawing, line by line, as drawn for _drawn_for
        self._blank = Strip.blank(0)
        self._drawn_for: tuple | None = None

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme) -> None:
        self._palette = None
        self._drawn_for = None
        self.refresh()

    def show(self, values: DiagramValues, hot_nodes: tuple[int, ...] = (), hot_edges: tuple[int, ...] = ()) -> None:
        """Draw `values`, the phase's columns and layers in full and the rest faded."""
        if self.selected is not None:
            column, unit = self.selected
            if column >= len(values.sizes) or unit >= min(values.sizes[column], MAX_UNITS_SHOWN):
                self.selected = None
        self.values, self.hot_nodes, self.hot_edges = values, tuple(hot_nodes), tuple(hot_edges)
        self._drawn_for = None
        self.refresh()

    def render_line(self, y: int):  # type: ignore[override]
        """One line of the drawing. The whole drawing is turned into strips at
        once when it changes, with the widget's style read once: reading it
        for each line was half of what the diagram cost a step's frame."""
        width, height = self.size.width, self.size.height
        key = (id(self.values), width, height, self.hot_nodes, self.hot_edges, self.selected)
        if self._drawn_for != key:
            if self._palette is None:
                self._palette = palette_of(self.app)
            lines = (
                draw(self.values, width, height, self._palette, self.hot_nodes, self.hot_edges, self.selected)
                if self.values is not None
                else []
            )
            style, console = self.rich_style, self.app.console
            self._lines = [widget_line(list(line.render(console)), width, style) for line in lines]
            self._blank = Strip.blank(width, style)
            self._drawn_for = key
        return self._lines[y] if y < len(self._lines) else self._blank

    def _choose(self, column: int, unit: int) -> None:
        self.selected = (column, unit)
        self.refresh()
        self.post_message(self.UnitChosen(column, unit))

    def action_move(self, columns: int, units: int) -> None:
        if self.values is None:
            return
        geo = geometry(self.values.sizes, self.size.width, self.size.height)
        if geo is None:
            return
        column, unit = self.selected if self.selected is not None else (0, -1 if units >= 0 else 0)
        column = min(max(column + columns, 0), len(geo.shown) - 1)
        unit = min(max(unit + units, 0), geo.shown[column] - 1)
        self._choose(column, unit)

    def on_click(self, event: events.Click) -> None:
        if self.values is None:
            return
        hit = node_at(self.values.sizes, self.size.width, self.size.height, event.x, event.y)
        if hit is not None:
            self._choose(*hit)
