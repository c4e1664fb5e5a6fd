"""Launch (issue 15): what was made or styled twice before the first frame is
made once, and the screen looks and behaves as before.

- the main screen is made with its breakpoint classes and resumes the first
  time without restyling (tui/screens/main_screen.py): its widgets' styles
  are those a full restyle gives, the breakpoints still follow a resize,
  and later resumes are left as Textual sends them;
- the layer inspector makes a table's pane when its tab is first chosen,
  and the table takes the focus at once (arrows typed with the tab's key
  go to it);
- the footer's keys and the form's fields are made compact (and the form's
  rows greyed), not made and then restyled.
"""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pilot_helpers import drained, form_of, panels_mounted, wait_for
from textual import events
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from model import Config
from tui.app import BackpropApp
from tui.screens.confirm import ConfirmScreen
from tui.screens.main_screen import MainScreen, breakpoint_classes

HORIZONTAL = BackpropApp.HORIZONTAL_BREAKPOINTS
VERTICAL = BackpropApp.VERTICAL_BREAKPOINTS


@pytest.mark.parametrize(
    "size, expected",
    [((120, 40), ["-wide", "-tall"]), ((100, 32), ["-wide", "-tall"]), ((99, 31), ["-narrow", "-short"])],
)
def test_breakpoint_classes(size, expected):
    assert breakpoint_classes(*size, HORIZONTAL, VERTICAL) == expected


@given(
    st.integers(0, 400),
    st.integers(0, 200),
    st.lists(st.tuples(st.integers(0, 300), st.sampled_from(["-a", "-b", "-c"])), max_size=4, unique_by=lambda t: t[0]),
)
def test_breakpoint_classes_are_the_ones_textual_gives(width, height, breakpoints):
    screen = Screen()
    textual = screen._get_breakpoint_classes(width, breakpoints) | screen._get_breakpoint_classes(height, VERTICAL)
    assert set(breakpoint_classes(width, height, breakpoints, VERTICAL)) == textual


def look(app) -> list[tuple]:
    """Every widget of the main screen with its classes and computed styles."""
    return [(repr(node), tuple(sorted(node.classes)), node.styles.css) for node in app.screen.walk_children()]


async def test_the_first_frame_has_the_styles_a_full_restyle_gives():
    app = BackpropApp(config=Config(), show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: panels_mounted(app))
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert {"-wide", "-tall"} <= app.screen.classes
        before = look(app)
        app.screen.update_node_styles(animate=False)  # what Textual's first resume did
        await pilot.pause()
        assert look(app) == before


async def test_resizing_still_moves_the_breakpoints():
    app = BackpropApp(config=Config(), show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: "-narrow" in app.screen.classes)
        assert {"-narrow", "-short"} <= app.screen.classes and not {"-wide", "-tall"} & app.screen.classes


async def test_later_resumes_are_left_as_textual_sends_them(monkeypatch):
    app = BackpropApp(config=Config(), show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = app.screen
        queued: list[bool] = []
        post = MessagePump.post_message

        def spy(pump, message):
            if pump is main and isinstance(message, events.ScreenResume):
                queued.append(message.refresh_styles)
            return post(pump, message)

        monkeypatch.setattr(MessagePump, "post_message", spy)
        main.post_message(events.ScreenResume())  # as after a screen with a see-through background
        app.push_screen(ConfirmScreen("Really?"))
        await pilot.pause()
        app.pop_screen()
        await wait_for(pilot, lambda: len(queued) == 2)
        assert queued[0] is True  # only the first resume skips the restyle


async def test_a_table_is_made_when_its_tab_is_first_chosen_and_takes_the_focus():
    app = BackpropApp(config=Config(), show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        tables = [table.id for table in app.query("#inspector DataTable")]
        assert tables == ["weights-0"]
        assert app.focused is app.query_one("#weights-0", DataTable)
        await pilot.press("3")  # the deltas
        await wait_for(pilot, lambda: app.focused is not None and app.focused.id == "deltas-0")
        await pilot.press("]")  # the next layer
        await wait_for(pilot, lambda: app.focused is not None and app.focused.id == "deltas-1")
        assert sorted(table.id for table in app.query("#inspector DataTable")) == ["deltas-0", "deltas-1", "weights-0"]
        assert app.query_one("#deltas-1", DataTable).row_count == app.trainer.X.shape[0]


async def test_the_footer_keys_are_compact_from_the_start():
    app = BackpropApp(config=Config(), show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.query(FooterKey))
        keys = list(app.query(FooterKey))
        assert len(keys) > 20
        assert all(key.compact and key.has_class("-compact") for key in keys)


@pytest.mark.parametrize("config", [Config(), Config(mode="minibatch", optimizer="adam")], ids=["default", "adam"])
async def test_the_form_is_made_compact_and_greyed_as_mounting_would_have_made_it(config):
    from textual.widgets import Input, Select

    from model.config import applicable_fields
    from tui.widgets.hyperparameters import FIELD_NAMES

    app = BackpropApp(config=config, show_form=True)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await form_of(pilot)
        controls = list(form.query(Input)) + list(form.query(Select))
        assert len(controls) > 10
        assert all(control.compact and control.has_class("-textual-compact") for control in controls)
        applicable = applicable_fields(config)
        for name in FIELD_NAMES:
            assert form.query_one(f"#row-{name}").has_class("-not-applicable") == (name not in applicable)


@given(st.lists(st.sampled_from(["1", "2", "3", "4", "right_square_bracket", "left_square_bracket"]), max_size=6))
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arrows_typed_with_a_view_key_move_the_cursor_of_the_table_on_screen(switches):
    """A view or layer key and the arrows after it, all in one burst: each
    arrow goes to the table on screen when it arrives, even one just made."""

    async def run() -> dict:
        app = BackpropApp(config=Config(layers=(2, 6, 4, 1)), show_form=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            downs: dict[tuple[int, str], int] = {}
            layer, view = 0, "weights"
            keys = []
            for key in switches:
                if key in "1234":
                    view = ("weights", "grads", "deltas", "acts")[int(key) - 1]
                else:
                    layer = (layer + (1 if key == "right_square_bracket" else -1)) % 3
                keys += [key, "down"]
                downs[(layer, view)] = downs.get((layer, view), 0) + 1
            for key in keys:
                app.post_message(events.Key(key, key if len(key) == 1 else None))
            await drained(pilot)
            await pilot.pause()
            tables = app.inspector._tables
            assert app.focused is tables[(layer, view)]
            rows = {key: tables[key].cursor_coordinate.row for key in downs}
            expected = {
                key: min(n, tables[key].row_count - 1) for key, n in downs.items()
            }  # the cursor stops at the last row
            return rows, expected

    rows, expected = asyncio.run(run())
    assert rows == expected
