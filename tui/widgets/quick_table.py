"""A DataTable that draws its plain one-line cells itself.

Textual's DataTable renders every cell through Rich's layout machinery (a
padded, styled renderable laid out at the column's width), and renders all
of them again after any `update_cell`. The weights and the predictions
tables change every cell on every step, so that machinery cost a step's
frame about a fifth of its time. A one-line `Text` that fits its column
needs none of it: its segments, padded to the column, with the same styles
applied in the same order. Anything else (a header, a row label, markup, a
cell that wraps, is too wide or has its own justification) goes to
DataTable's own renderer. `tests/tui/test_quick_table.py` checks that both
draw the same cells, so a Textual release that changes how cells are drawn
fails there instead of drawing them differently.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.css.styles import RenderStyles
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets._data_table import CellDoesNotExist, ColumnKey, RowKey

_EMPTY = Text()


class _RepaintStyles:
    """A component's styles (`get_component_styles`) whose `rich_style` is
    worked out once, for one repaint; anything else is the styles' own."""

    __slots__ = ("_styles", "rich_style")

    def __init__(self, styles: RenderStyles) -> None:
        self._styles = styles
        self.rich_style = styles.rich_style

    def __getattr__(self, name: str) -> Any:
        return getattr(self._styles, name)


class QuickTable(DataTable):
    """A DataTable whose one-line `Text` cells skip Rich's layout, whose
    styles are worked out once per repaint, and whose cells can be set many
    at a time."""

    _style_this_repaint: Style | None = None
    _components_this_repaint: dict[tuple[str, ...], _RepaintStyles] | None = None
    _background_this_repaint: tuple[Color, Color] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        """DataTable reads the widget's style for each line it draws, and
        for each row line a component's (the header's, a row's), and
        Textual works each out afresh every time from every ancestor's
        styles (a third of a table's repaint, then another third): here each
        is worked out once per repaint (the background colours too)."""
        self._style_this_repaint = super().rich_style
        self._components_this_repaint = {}
        self._background_this_repaint = super().background_colors
        try:
            return super().render_lines(crop)
        finally:
            self._style_this_repaint = None
            self._components_this_repaint = None
            self._background_this_repaint = None

    @property
    def background_colors(self) -> tuple[Color, Color]:
        """Worked out once per repaint, as `rich_style` (DataTable reads it for each line)."""
        colors = self._background_this_repaint
        return colors if colors is not None else super().background_colors

    def get_component_styles(self, *names: str) -> RenderStyles:
        memo = self._components_this_repaint
        if memo is None:
            return super().get_component_styles(*names)
        styles = memo.get(names)
        if styles is None:
            styles = memo[names] = _RepaintStyles(super().get_component_styles(*names))
        return cast(RenderStyles, styles)

    @property
    def rich_style(self) -> Style:
        style = self._style_this_repaint
        return style if style is not None else super().rich_style

    def update_cells(self, cells: Iterable[tuple[str, str, object]]) -> None:
        """`update_cell` for each (row key, column key, value), with one
        refresh for them all: DataTable's own refreshes the table once per
        cell, and a step sets a few hundred cells (200 predictions)."""
        data, rows, columns = self._data, self._row_locations, self._column_locations
        changed = False
        for row, column, value in cells:
            row_key, column_key = RowKey(row), ColumnKey(column)
            if row_key not in rows or column_key not in columns:
                raise CellDoesNotExist(f"No cell exists for row_key={row_key!r}, column_key={column_key!r}.")
            data[row_key][column_key] = value
            changed = True
        if changed:
            self._update_count += 1
            self.refresh()

    def _render_cell(  # type: ignore[override]
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        lines = self._quick_cell(row_index, column_index, base_style, width, cursor, hover)
        if lines is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        return lines

    def _quick_cell(
        self, row_index: int, column_index: int, base_style: Style, width: int, cursor: bool, hover: bool
    ) -> list[list[Segment]] | None:
        """The cell's one line, or None when DataTable must draw it."""
        if row_index < 0 or column_index < 0:
            return None  # the header and the row labels: drawn once, cached by DataTable
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None or self.rows[row_key].height != 1:
            return None
        cache_key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        cells = self._get_row_renderables(row_index).cells
        cell = cells[column_index] if column_index < len(cells) else None
        pad = self.cell_padding
        inner = width - 2 * pad
        if (
            type(cell) is not Text
            or cell.justify not in (None, "default", "left")
            or inner <= 0
            or cell.cell_len > inner
            or "\n" in cell.plain
            or "\t" in cell.plain
        ):
            return None
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            row_index < self.fixed_rows or column_index < self.fixed_columns,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        segments = [Segment(" " * pad)] if pad else []
        # As Rich lays a Text out: its own style becomes its first span.
        segments += _EMPTY.join((cell,)).render(self.app.console, end="")
        if cell.cell_len < inner:
            segments.append(Segment(" " * (inner - cell.cell_len)))
        if pad:
            segments.append(Segment(" " * pad))
        lines = [list(Segment.apply_style(segments, style, post_style))]
        self._cell_render_cache[cache_key] = lines
        return lines
