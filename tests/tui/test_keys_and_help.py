"""Keys for the inspector's views, F1 that scrolls at once and lists enter,
a click that chooses a weight, and plurals (issue 14, item 7)."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import DataTable

from model import Config
from tests.tui.pilot_helpers import launch_done, wait_for_screen
from tui.app import EXPLAIN, BackpropApp
from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.widgets.layer_inspector import LayerInspector
from tui.widgets.walkthrough_panel import WalkthroughPanel

SIZE = (120, 40)


async def test_1_to_4_switch_the_inspector_views_and_are_listed():
    app = BackpropApp(Config(), show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        inspector = app.query_one(LayerInspector)
        for key, view in (("2", "grads"), ("3", "deltas"), ("4", "acts"), ("1", "weights")):
            await pilot.press(key)
            await pilot.pause()
            assert inspector.view == view
        ids = {b.id for b in app.BINDINGS}
        assert {"view_weights", "view_grads", "view_deltas", "view_acts"} <= ids and all(
            i in EXPLAIN for i in ("view_weights", "view_grads", "view_deltas", "view_acts")
        )
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Weights (1)", "Gradients (2)", "Deltas (3)", "Activations (4)"} <= titles


async def test_f1_scrolls_with_the_arrows_at_once_and_lists_enter():
    app = BackpropApp(Config(), show_form=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await launch_done(pilot)
        await pilot.press("f1")
        await wait_for_screen(pilot, HelpScreen)
        await pilot.pause()
        body = app.screen.query_one("#help-body", VerticalScroll)
        assert app.focused is body
        await pilot.press("down", "down", "down")
        await pilot.pause()
        assert body.scroll_y > 0
        rows = app.screen.keys
        assert any(key == "enter" and "Chain rule" in what for key, _, what in rows)
        assert not any(what.rstrip().endswith("...") for _, _, what in rows)


async def test_one_click_on_another_weight_chooses_it():
    app = BackpropApp(Config(), show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        # A click finds its cell from what is drawn: after the panels drawn after the first frame.
        await launch_done(pilot)
        table = app.query_one("#weights-0", DataTable)
        assert table.cursor_coordinate == (0, 0)
        assert await pilot.click(table, offset=(22, 2))  # a cell away from the cursor, second row of data
        await pilot.pause()
        panel = app.query_one(WalkthroughPanel)
        assert panel.selection is not None and panel.selection != (0, 0, 0)
        assert panel.selection == (0, table.cursor_coordinate.row, table.cursor_coordinate.column)


async def test_one_epoch_is_singular_in_the_rebuild_question():
    app = BackpropApp(Config(), show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await pilot.pause()
        app.action_toggle_feedback()
        await wait_for_screen(pilot, ConfirmScreen)
        assert "(1 epoch)" in app.screen.question
