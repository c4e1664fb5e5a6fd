"""The insight tabs driven headless: the decision map's cells are checked
against the engine's own lattice (model.boundary), colour for colour, and
the health table against model.diagnostics, number for number.

Colours are recomputed here from the theme with textual's Color.blend, so
a map that drew the wrong class, shade or pixel row would fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from rich.segment import Segment
from textual.color import Color
from textual.widgets import DataTable

from model import Config
from model.boundary import decision_grid, discretise, hidden_unit_maps
from model.diagnostics import NO_GRADIENT, VANISHING, layer_health
from tests.tui.pilot_helpers import launch_done
from tui.app import BackpropApp
from tui.format import fixed
from tui.widgets.decision_boundary import (
    HALF,
    LEVELS,
    MAX_UNITS,
    POINT,
    STRENGTH,
    WRONG,
    DecisionBoundary,
    class_colours,
    plan,
)
from tui.widgets.insight_tabs import InsightTabs
from tui.widgets.layer_health import SPARK, LayerHealthView, sparkline

SIZE = (120, 40)
MOONS = Config(dataset="moons", samples=80, layers=(2, 6, 1), activation="tanh", lr=0.5, seed=0)
SPIRAL = Config(
    dataset="spiral",
    samples=90,
    classes=3,
    layers=(2, 8, 3),
    activation="tanh",
    output_activation="softmax",
    loss="ce",
    lr=0.3,
    seed=1,
)
DEEP_SIGMOID = Config(dataset="xor", layers=(2, 8, 8, 8, 8, 1), activation="sigmoid", loss="bce", init="xavier", seed=0)
HEALTHY_XOR = Config(dataset="xor", layers=(2, 4, 1), activation="tanh", lr=0.5, seed=0)


# ---------------------------------------------------------------- helpers


def cells(widget: DecisionBoundary, y: int) -> list[tuple[str, object]]:
    """(character, rich style) of every cell of the widget's line y, as painted."""
    out = []
    for segment in widget.render_line(y):
        assert isinstance(segment, Segment)
        out.extend((char, segment.style) for char in segment.text)
    return out


def rgb(colour) -> tuple[int, int, int]:
    """A rich colour (a style's fg or bg) as an (r, g, b) triple."""
    triplet = colour.get_truecolor()
    return (triplet.red, triplet.green, triplet.blue)


def screen_text(widget: DecisionBoundary) -> str:
    return "\n".join("".join(c for c, _ in cells(widget, y)) for y in range(widget.size.height))


def map_cells(widget: DecisionBoundary) -> list[list[tuple[str, object]]]:
    layout = widget.layout_used
    assert layout is not None, widget.message
    return [cells(widget, layout.map_y + r)[layout.map_x : layout.map_x + layout.columns] for r in range(layout.rows)]


def expected_pixels(app: BackpropApp, widget: DecisionBoundary, grid, regions: bool) -> list[list[Color]]:
    """The colour every lattice point must have, from the engine's grid alone."""
    background = widget.background_colors[1]
    colours = class_colours(app.theme_variables, grid.n_classes)
    probs = grid.probabilities
    if regions:
        edge = background.blend(Color.parse(app.theme_variables["foreground"]), 0.6)
        regions = discretise(grid)
        return [
            [
                edge if regions.boundary[r, c] else background.blend(colours[grid.classes[r, c]], STRENGTH)
                for c in range(grid.width)
            ]
            for r in range(grid.height)
        ]
    k = probs.shape[2]
    out = []
    for r in range(grid.height):
        row = []
        for c in range(grid.width):
            cls = int(np.argmax(probs[r, c])) if grid.outputs.shape[2] > 1 else int(grid.outputs[r, c, 0] > 0.5)
            assert cls == grid.classes[r, c]
            sure = min(max((probs[r, c, cls] - 1 / k) / (1 - 1 / k), 0.0), 1.0)
            row.append(background.blend(colours[cls], STRENGTH * round(sure * LEVELS) / LEVELS))
        out.append(row)
    return out


def check_map(app: BackpropApp, regions: bool = False):
    """Every map cell against the engine's lattice at the record on screen; the grid."""
    widget = app.query_one(DecisionBoundary)
    layout = widget.layout_used
    grid = decision_grid(app.trainer, layout.columns, 2 * layout.rows, record=app.trainer.record)
    assert widget.grid is not None and np.array_equal(widget.grid.outputs, grid.outputs)
    pixels = expected_pixels(app, widget, grid, regions)

    # Points: a mark exactly at the cells the engine reports, ✗ where any sample there is wrong.
    correct = app.trainer.record.correct
    marked: dict[tuple[int, int], str] = {}
    for (row, column), ok in zip(grid.point_cells.tolist(), correct.tolist()):
        cell = (row // 2, column)
        marked[cell] = WRONG if (not ok or marked.get(cell) == WRONG) else POINT

    shown = map_cells(widget)
    seen_points = {}
    for r, line in enumerate(shown):
        for c, (char, style) in enumerate(line):
            if char in (POINT, WRONG):
                seen_points[(r, c)] = char
                continue
            assert char == HALF, (r, c, char)
            assert rgb(style.color) == pixels[2 * r][c].rgb, ("upper pixel", r, c)
            assert rgb(style.bgcolor) == pixels[2 * r + 1][c].rgb, ("lower pixel", r, c)
    assert seen_points == marked
    return grid, shown


async def open_tab(pilot, tab: str) -> None:
    tabs = pilot.app.query_one(InsightTabs)
    for _ in range(len(tabs.panes())):
        if tabs.active == tab:
            break
        await pilot.press("v")
        await pilot.pause()
    assert tabs.active == tab
    await pilot.pause()


# --------------------------------------------------------------- boundary


async def test_the_boundary_map_shows_the_engines_lattice_points_and_units():
    app = BackpropApp(MOONS, show_form=False)
    app.trainer.run(150)
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        tabs = app.query_one(InsightTabs)
        assert tabs.active == "tab-predictions"
        widget = app.query_one(DecisionBoundary)
        assert widget.grid is None  # hidden: nothing computed yet

        await open_tab(pilot, "tab-map")
        grid, shown = check_map(app)
        # A trained moons net: the corners belong to different classes, and look it.
        assert grid.classes[0, 0] != grid.classes[-1, -1]
        assert shown[0][0][1].color != shown[-1][-1][1].color
        assert any(char == POINT for line in shown for char, _ in line)

        text = screen_text(widget)
        assert f"P({app.trainer.data.class_names[1]})" in text
        assert fixed(grid.ys[0], 6, 2).strip() in text and fixed(grid.xs[-1], 6, 2).strip() in text

        # Small maps: one per unit of the inspector's layer, each the engine's activations.
        layout = widget.layout_used
        assert layout.unit_columns >= 4
        assert "L1 units" in text and all(f"u{j}" in text for j in range(1, 7))
        maps = hidden_unit_maps(app.trainer, 0, layout.unit_columns, 2 * layout.unit_rows, record=app.trainer.record)
        low, high = maps.min(), maps.max()
        background = widget.background_colors[1]
        ink = Color.parse(app.theme_variables["foreground"])
        for u in range(maps.shape[0]):
            y0 = 2 + (u // layout.unit_grid) * (layout.unit_rows + 1)
            x0 = layout.unit_x + (u % layout.unit_grid) * (layout.unit_columns + 1)
            for r in range(layout.unit_rows):
                line = cells(widget, y0 + r)[x0 : x0 + layout.unit_columns]
                for c, (char, style) in enumerate(line):
                    for pixel, colour in ((2 * r, style.color), (2 * r + 1, style.bgcolor)):
                        level = round((maps[u, pixel, c] - low) / (high - low) * LEVELS)
                        assert rgb(colour) == background.blend(ink, 0.85 * level / LEVELS).rgb

        # The units follow the inspector's layer: L2 is the single output unit.
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert "L2 output units" in screen_text(widget) and "u2" not in screen_text(widget).split("units")[1]

        # d: flat class regions with their borders; d again: back to probabilities.
        await pilot.press("d")
        await pilot.pause()
        assert widget.regions
        _, regions = check_map(app, regions=True)
        assert "Class regions" in screen_text(widget)
        colours = {style.color for line in regions for char, style in line if char == HALF}
        assert len(colours) >= 3  # two classes and the border line

        # A step redraws the visible map at the new epoch.
        before = grid.outputs.copy()
        await pilot.press("space")
        await pilot.pause()
        assert app.trainer.epoch == 151
        new, _ = check_map(app, regions=True)
        assert not np.array_equal(new.outputs, before)
        await pilot.press("d")
        await pilot.pause()
        assert not widget.regions
        check_map(app)

        # d from another tab brings the map into view.
        await open_tab(pilot, "tab-predictions")
        await pilot.press("d")
        await pilot.pause()
        assert tabs.active == "tab-map" and widget.regions


async def test_a_three_class_map_shades_the_likeliest_class():
    app = BackpropApp(SPIRAL, show_form=False)
    app.trainer.run(60)
    async with app.run_test(size=(100, 40)) as pilot:
        await launch_done(pilot)
        await open_tab(pilot, "tab-map")
        grid, shown = check_map(app)
        assert grid.n_classes == 3
        assert "Likeliest class" in screen_text(app.query_one(DecisionBoundary))
        # three distinct theme colours, one per class
        colours = class_colours(app.theme_variables, 3)
        assert len({c.rgb for c in colours}) == 3
        # Another theme: the map is repainted in its colours.
        app.theme = "nord"
        await pilot.pause()
        check_map(app)
        assert map_cells(app.query_one(DecisionBoundary))[0][0][1].color != shown[0][0][1].color


async def test_a_dataset_that_is_not_2d_gets_a_sentence_not_a_map(tmp_path):
    rows = ["a,b,c,label"] + [f"{i % 3},{i % 5},{i % 7},{i % 2}" for i in range(12)]
    path = tmp_path / "three.csv"
    path.write_text("\n".join(rows) + "\n")
    app = BackpropApp(Config(dataset="csv", csv_path=str(path), layers=(3, 4, 1)), show_form=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await launch_done(pilot)
        await pilot.press("d")  # also opens the tab
        await pilot.pause()
        widget = app.query_one(DecisionBoundary)
        assert app.query_one(InsightTabs).active == "tab-map"
        assert widget.grid is None and widget.layout_used is None
        assert "needs 2 input features" in widget.message and "has 3 (a, b, c)" in widget.message
        assert "needs 2 input" in screen_text(widget)
        await pilot.press("space")
        await pilot.pause()
        assert "needs 2 input features" in widget.message
        assert not [n for n in app.__dict__.get("notes_log", []) if n.severity == "error"]


def test_the_layout_keeps_the_map_square_and_inside_the_panel():
    for width, height, units in [(40, 13, 4), (40, 13, 8), (60, 13, 12), (33, 7, 8), (120, 30, 3)]:
        layout = plan(width, height, units)
        assert layout is not None
        assert layout.map_x + layout.columns <= width and layout.rows == height - 2
        assert layout.columns >= min(width - layout.map_x, 2 * layout.rows) * 3 // 4
        if layout.unit_columns:
            per_column = -(-min(units, MAX_UNITS) // layout.unit_grid)
            assert layout.unit_x + layout.unit_grid * (layout.unit_columns + 1) - 1 <= width
            assert 1 + per_column * (layout.unit_rows + 1) <= height
            assert layout.unit_rows >= 2
    assert plan(10, 3, 4) is None  # no room: the widget says so instead


# ----------------------------------------------------------------- health


def health_cells(app: BackpropApp) -> list[list[str]]:
    table = app.query_one("#health-table", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def assert_health_matches(app: BackpropApp) -> list:
    """Each row's figures are the engine's for the record on screen, formatted by fixed."""
    health = layer_health(app.trainer)
    rows = health_cells(app)
    table = app.query_one("#health-table", DataTable)
    assert [table.rows[key].label.plain for key in table.rows] == [f"L{l + 1}" for l in range(len(health))]
    assert len(rows) == len(health)
    for h, row in zip(health, rows):
        assert row[0] == h.summary
        for text, value in zip(
            row[1:], (h.mean_abs_delta, h.grad_norm, h.update_ratio, h.dead_share, h.saturated_share)
        ):
            if value is None or np.isnan(value):
                assert text[:8].strip() == "—"
            else:
                assert text[:8] == fixed(value)
    return health


async def test_health_shows_the_engines_figures_and_flags():
    app = BackpropApp(DEEP_SIGMOID, show_form=False)
    async with app.run_test(size=(240, 50)) as pilot:  # wide enough for every column and its sparkline
        await launch_done(pilot)
        view = app.query_one(LayerHealthView)
        assert len(view.history) == 1  # noted while hidden
        table = app.query_one("#health-table", DataTable)
        assert table.row_count == 0  # but not drawn

        await open_tab(pilot, "tab-health")
        assert_health_matches(app)
        assert health_cells(app)[0][0].startswith(VANISHING)  # four sigmoid layers: L1 barely learns
        caption = str(app.query_one("#health-caption").render())
        assert "L1 vanishing" in caption and "mean |δ|" in caption
        sigmoid_row = health_cells(app)[0]
        assert sigmoid_row[4].strip() == "—"  # sigmoid units cannot die
        assert len(sigmoid_row[1].strip().split(" ")[-1]) == 1  # one snapshot: one bar

        # Steps: new figures, still the engine's, and the sparklines grow.
        old = health_cells(app)
        await pilot.press("space")
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        assert app.trainer.epoch == 2
        assert health_cells(app) != old
        assert_health_matches(app)
        spark = health_cells(app)[0][1][9:]
        assert len(spark) == 3 and set(spark) <= set(SPARK)
        assert spark == sparkline(view.history.series("mean_abs_delta", 0), log=True)

        # Cut the network at L3: nothing reaches L1 and L2 any more.
        params = app.trainer.params.copy()
        W, _ = app.trainer.layout.views(params)
        W[2][:] = 0.0
        assert app._move(lambda t: t.set_params(params))
        await pilot.pause()
        rows = health_cells(app)
        assert rows[0][0] == NO_GRADIENT and rows[1][0] == NO_GRADIENT
        assert NO_GRADIENT not in rows[2][0]
        assert "no gradient reaches this layer" in str(app.query_one("#health-caption").render())
        assert_health_matches(app)

        # Going back follows the rewind: the history drops what came after.
        await pilot.press("b")
        await pilot.pause()
        assert app.trainer.epoch == 1
        assert list(view.history.epochs) == [0, 1]
        assert_health_matches(app)


async def test_a_healthy_net_has_no_flags_and_hidden_tabs_catch_up():
    app = BackpropApp(HEALTHY_XOR, show_form=False)
    app.trainer.run(100)
    async with app.run_test(size=(80, 24)) as pilot:
        await launch_done(pilot)
        await open_tab(pilot, "tab-health")
        health = assert_health_matches(app)
        assert all(h.healthy for h in health)
        assert [row[0] for row in health_cells(app)] == ["healthy", "healthy"]
        assert "Every layer is healthy" in str(app.query_one("#health-caption").render())

        # Steps while another tab shows: the health table waits, its history does not.
        await open_tab(pilot, "tab-predictions")
        shown = health_cells(app)
        view = app.query_one(LayerHealthView)
        for _ in range(3):
            await pilot.press("space")
            await pilot.pause()
        assert health_cells(app) == shown
        assert list(view.history.epochs)[-4:] == [100, 101, 102, 103]
        await open_tab(pilot, "tab-health")
        assert_health_matches(app)
        assert health_cells(app) != shown


async def test_v_cycles_the_tabs_and_the_keys_are_in_help():
    app = BackpropApp(show_form=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await launch_done(pilot)
        tabs = app.query_one(InsightTabs)
        ids = [pane.id for pane in tabs.panes()]
        assert ids[:3] == ["tab-predictions", "tab-map", "tab-health"]
        seen = []
        for _ in ids:
            await pilot.press("v")
            await pilot.pause()
            seen.append(tabs.active)
        assert seen == ids[1:] + ids[:1]
        keys = {k: (name, explanation) for k, name, explanation in app.key_help()}
        assert "v" in keys and "d" in keys
        assert "boundary" in keys["d"][1].lower()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert any(t.startswith("Next insight tab") for t in titles)


@pytest.mark.parametrize(
    "values, log, expected",
    [
        ([1.0, 10.0, 100.0], True, "▁▅█"),
        ([0.0, 0.5, 1.0], False, "▁▅█"),
        ([float("nan"), 2.0, 2.0], False, " ▄▄"),
        ([], False, ""),
    ],
)
def test_sparklines(values, log, expected):
    assert sparkline(np.array(values), log=log) == expected
