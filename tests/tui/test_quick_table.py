"""QuickTable draws every cell exactly as Textual's DataTable does.

QuickTable (tui/widgets/quick_table.py) draws one-line Text cells itself to
make a step's frame cheaper. Each cell here is drawn both ways, for every
cursor and hover state, and the segments (text and style, once adjacent
segments of one style are merged) must be the same.
"""

from __future__ import annotations

from itertools import product

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.segment import Segment
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from tui.widgets.quick_table import QuickTable

STYLES = ["", "bold", "red", "#ff8800 on #202020", "reverse", "italic underline", "dim"]


class TableApp(App[None]):
    def __init__(self, rows: list[list[object]], widths: list[int], fixed_columns: int = 0) -> None:
        super().__init__()
        self.rows, self.widths, self.fixed_columns = rows, widths, fixed_columns

    def compose(self) -> ComposeResult:
        yield QuickTable(id="table", cursor_type="cell", fixed_columns=self.fixed_columns, zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(QuickTable)
        for j, width in enumerate(self.widths):
            table.add_column(f"c{j}", width=width, key=f"c{j}")
        for i, row in enumerate(self.rows):
            table.add_row(*row, key=f"r{i}", label=f"s{i + 1}")


def both_ways(table: QuickTable, i: int, j: int, width: int, cursor: bool, hover: bool):
    """The cell drawn by QuickTable and by DataTable, each from an empty cache."""
    base = table.rich_style
    table._cell_render_cache.clear()
    quick = table._render_cell(i, j, base, width, cursor, hover)
    table._cell_render_cache.clear()
    plain = DataTable._render_cell(table, i, j, base, width, cursor, hover)
    return [list(Segment.simplify(line)) for line in quick], [list(Segment.simplify(line)) for line in plain]


async def check(rows: list[list[object]], widths: list[int], fixed_columns: int = 0) -> None:
    app = TableApp(rows, widths, fixed_columns)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(QuickTable)
        for i, j in product(range(-1, len(rows)), range(-1, len(widths))):
            for cursor, hover in product((False, True), repeat=2):
                width = table.ordered_columns[j].get_render_width(table) if j >= 0 else 6
                quick, plain = both_ways(table, i, j, width, cursor, hover)
                assert quick == plain, (i, j, cursor, hover, rows[i][j] if i >= 0 and j >= 0 else None)


def cell(plain: str, style: str, span_style: str) -> Text:
    text = Text(plain, style=style)
    if span_style and plain:
        text.stylize(span_style, 0, max(1, len(plain) // 2))
    return text


async def test_the_apps_own_cells_are_drawn_the_same():
    """Numbers as the layer tables show them (sign, change mark, highlight),
    the predictions' marks, wide characters, a cell that needs the whole
    column and one too wide for it (drawn by DataTable)."""
    marked = Text("+0.2737▼", style="#4ec9b0")
    marked.stylize("reverse")
    rows: list[list[object]] = [
        [Text("+0.2737▼", style="#4ec9b0"), Text("-9.4e-04▲", style="#f44747"), marked],
        [Text("✓", style="green"), Text("x1²·x2"), Text("")],
        [Text("0123456789"), Text("far too wide for its column"), "plain str"],
        [Text("漢字"), Text("  1", style="bold"), None],
    ]
    await check(rows, [10, 10, 10])
    await check(rows, [10, 10, 10], fixed_columns=1)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
            st.sampled_from(STYLES),
            st.sampled_from(STYLES),
        ),
        min_size=1,
        max_size=6,
    ),
    st.integers(min_value=1, max_value=14),
)
async def test_any_one_line_text_cell_is_drawn_the_same(cells, width):
    rows: list[list[object]] = [[cell(*c) for c in cells]]
    await check(rows, [width] * len(cells))


async def test_update_cells_sets_what_update_cell_would_and_refuses_unknown_cells():
    import pytest
    from textual.widgets._data_table import CellDoesNotExist

    rows: list[list[object]] = [[Text("a"), Text("b")], [Text("c"), Text("d")]]
    app = TableApp(rows, [6, 6])
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        table = app.query_one(QuickTable)
        count = table._update_count
        table.update_cells([("r0", "c1", Text("B")), ("r1", "c0", Text("C"))])
        assert [str(c) for c in table.get_row("r0")] == ["a", "B"]
        assert [str(c) for c in table.get_row("r1")] == ["C", "d"]
        assert table._update_count == count + 1  # one refresh for all: the cached cells are drawn again
        table.update_cells([])
        assert table._update_count == count + 1
        with pytest.raises(CellDoesNotExist):
            table.update_cells([("r0", "c0", Text("x")), ("r9", "c0", Text("y"))])
        await pilot.pause()
        quick, plain = both_ways(table, 0, 1, table.ordered_columns[1].get_render_width(table), False, False)
        assert quick == plain and "B" in "".join(segment.text for segment in quick[0])


async def test_a_whole_repaint_is_drawn_as_without_the_styles_worked_out_once():
    """QuickTable.render_lines works the table's, its components' and its
    background's styles out once per repaint: every line is what DataTable's
    own render_lines draws working them out each time (zebra rows, a fixed
    column, the header, the row labels, the cursor)."""
    from textual.geometry import Region

    rows: list[list[object]] = [[Text(f"{i * j:+.4f}") for j in range(3)] for i in range(5)]
    app = TableApp(rows, [9, 9, 9], fixed_columns=1)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(QuickTable)
        table.move_cursor(row=2, column=1)
        await pilot.pause()
        crop = Region(0, 0, table.size.width, table.size.height)

        def drawn(render) -> list[list[Segment]]:
            table._clear_caches()
            return [list(Segment.simplify(strip)) for strip in render(crop)]

        assert drawn(table.render_lines) == drawn(lambda region: DataTable.render_lines(table, region))
        assert table._components_this_repaint is None and table._background_this_repaint is None
