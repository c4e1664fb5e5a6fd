"""Keys typed in one burst with a dialog's key reach the dialog's field, in
order (tui/type_ahead.py): `c` and a path typed at once, or pasted, or sent
by tmux in one write, leave the path in the field, not lost on the way.

The keys are posted all at once (`burst`), as a terminal delivers a fast
typist's keys, not one after the other once the app is idle as Pilot's
`press` does (which hides the bug). Waits have deadlines; nothing is timed.
"""

from __future__ import annotations

import string
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pilot_helpers import burst, drained, form_of, wait_for, wait_for_screen
from textual import events
from textual.containers import HorizontalScroll, VerticalScroll
from textual.widgets import DataTable, Input

from tui.app import BackpropApp
from tui.screens.check_report import CheckReportScreen
from tui.screens.edit_weight import EditWeightScreen
from tui.screens.file_dialog import FileDialog
from tui.screens.jump_epoch import JumpEpochScreen

SIZE = (100, 30)
DEADLINE = 20.0  # seconds: generous, for a loaded machine; nothing waits this long when it works


async def field_text(pilot, field: Input, expected: str) -> str:
    """The field's text once it shows `expected` (or the deadline passes) and
    the app has handled everything sent so far: no key is still on its way."""
    deadline = time.monotonic() + DEADLINE
    while field.value != expected and time.monotonic() < deadline:
        await pilot.pause(0.02)
    await drained(pilot)
    return field.value


async def typed_into(pilot, kind: type, field_id: str, expected: str) -> str:
    """Wait for a dialog of `kind`, then for its field `field_id` to show `expected`."""
    await wait_for_screen(pilot, kind, timeout=DEADLINE)
    return await field_text(pilot, pilot.app.screen.query_one(field_id, Input), expected)


@pytest.mark.parametrize("opener", ["c", "ctrl+o", "ctrl+s"])
async def test_a_path_typed_with_a_file_dialogs_key_fills_its_field(opener):
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await burst(pilot, [opener, *"data/xyz.csv"])
        # ctrl+o and ctrl+s offer a name, selected: what is typed replaces it.
        assert await typed_into(pilot, FileDialog, "#file-path", "data/xyz.csv") == "data/xyz.csv"
        assert len(app.screen_stack) == 2  # nothing else opened on the way


async def test_a_path_pasted_with_the_csv_key_fills_the_field():
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await burst(pilot, ["c", events.Paste("my data.csv"), "x"])
        assert await typed_into(pilot, FileDialog, "#file-path", "my data.csvx") == "my data.csvx"


@pytest.mark.parametrize(
    ("opener", "kind", "field_id", "typed"),
    [
        ("j", JumpEpochScreen, "#jump-value", "250"),
        ("e", EditWeightScreen, "#edit-value", "-0.25"),  # the weights table has the focus: its first weight
        ("K", CheckReportScreen, "#check-path", "mine.py"),
    ],
)
async def test_text_typed_with_any_dialogs_key_fills_its_field(opener, kind, field_id, typed):
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await burst(pilot, [opener, *typed])
        assert await typed_into(pilot, kind, field_id, typed) == typed


async def test_enter_typed_in_the_burst_answers_the_dialog():
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space", "space")
        await wait_for(pilot, lambda: app.trainer.epoch == 3)
        await burst(pilot, ["j", "1", "enter"])
        await wait_for(pilot, lambda: app.trainer.epoch == 1 and not app.screen.is_modal, timeout=DEADLINE)
        assert app.trainer.last_epoch == 3  # back by rewind: the run is kept


async def test_keys_typed_with_the_forms_key_go_to_the_form():
    """h shows the form and focuses its first field; tab typed with it moves on from there."""
    app = BackpropApp(show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await burst(pilot, ["h", "tab"])
        form = await form_of(pilot)
        chain = app.screen.focus_chain
        # The first control h focuses (a scrolling container is not one), and the next in the chain.
        first = next(w for w in chain if form in w.ancestors and not isinstance(w, (VerticalScroll, HorizontalScroll)))
        after_tab = chain[chain.index(first) + 1]
        await wait_for(pilot, lambda: app.focused is after_tab, timeout=DEADLINE)


# What does not open a dialog still does what it did.


async def test_keys_in_a_burst_without_a_dialog_do_what_they_did():
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await burst(pilot, ["space", "space", "l"])
        await wait_for(pilot, lambda: app.trainer.epoch == 2 and app.chart.log_scale, timeout=DEADLINE)
        await drained(pilot)
        assert app.trainer.epoch == 2 and len(app.screen_stack) == 1


async def test_keys_behind_a_dialogs_key_that_opens_nothing_do_what_they_did():
    """e with no weight under the cursor (a Deltas table) only says so; space behind it steps."""
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")  # the Deltas table: no weight to edit
        await burst(pilot, ["e", "space"])
        await wait_for(pilot, lambda: app.trainer.epoch == 1, timeout=DEADLINE)
        await drained(pilot)
        assert len(app.screen_stack) == 1
        assert any("Choose a weight first" in note.message for note in app.notes_log)


async def test_a_dialogs_key_typed_into_a_field_is_text():
    """c in the form's learning-rate field is a letter of the field, not the CSV dialog."""
    app = BackpropApp(show_form=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await form_of(pilot)
        field = app.query_one("#field-lr", Input)
        field.focus()
        await wait_for(pilot, lambda: app.focused is field)
        field.value = ""
        await burst(pilot, ["c", "x"])
        assert await field_text(pilot, field, "cx") == "cx"
        assert len(app.screen_stack) == 1


# The property: any text, sent with `c` at once or with small pauses anywhere.

path_text = st.text(alphabet=string.ascii_letters + string.digits + "._-/~ ", max_size=24)
pause = st.one_of(st.just(0.0), st.floats(0.0, 0.03))


@st.composite
def typed_with_pauses(draw) -> tuple[str, list[float]]:
    """A text, and the pause after `c` and after each of its characters (often none)."""
    text = draw(path_text)
    count = len(text) + 1
    pauses = [0.0] * count if draw(st.booleans()) else draw(st.lists(pause, min_size=count, max_size=count))
    return text, pauses


@pytest.fixture
async def running():
    """One app for every example: each opens the CSV dialog and closes it again."""
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        yield app, pilot


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(typed=typed_with_pauses())
@example(typed=("xyz", [0.0, 0.0, 0.0, 0.0]))
@example(typed=("q0 B", [0.0, 0.0, 0.0, 0.0, 0.0]))  # keys that would quit, reset, go back on the main screen
async def test_any_text_typed_with_the_csv_key_ends_up_in_its_field(running, typed):
    app, pilot = running
    text, pauses = typed
    await burst(pilot, ["c", *text], pauses)
    assert await typed_into(pilot, FileDialog, "#file-path", text) == text
    assert len(app.screen_stack) == 2
    await pilot.press("escape")
    await wait_for(pilot, lambda: not app.screen.is_modal and isinstance(app.focused, DataTable), timeout=DEADLINE)


def drop_the_readiness_callback(monkeypatch) -> None:
    """The dialog's queue accepts the callback that says its mount is done,
    and never runs it (as a queue closed before reaching it drops it)."""
    original = FileDialog.call_later

    def dropping(self, callback, *args, **kwargs):
        if getattr(callback, "__name__", "") == "_dialog_mounted":
            return True  # accepted, never run
        return original(self, callback, *args, **kwargs)

    monkeypatch.setattr(FileDialog, "call_later", dropping)


async def test_held_keys_go_after_the_net_if_the_dialog_closes_before_it_says_it_is_ready(monkeypatch):
    """The safety net (RELEASE_AT_THE_LATEST): were the dialog closed before
    its readiness callback ran, the held keys still go, and the keyboard is
    not held for good."""
    drop_the_readiness_callback(monkeypatch)
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await burst(pilot, ["c", *"ab"])
        await wait_for_screen(pilot, FileDialog, timeout=DEADLINE)
        app.pop_screen()  # closed by the app, not by a key (the keys are held)
        await wait_for(pilot, lambda: not app.type_ahead.holding, timeout=DEADLINE)
        await pilot.press("space")  # the keyboard works: a step
        await wait_for(pilot, lambda: app.trainer.epoch == 1, timeout=DEADLINE)


async def test_held_keys_go_at_the_latest_after_the_mounting_net_if_the_dialog_never_says_it_is_ready(
    monkeypatch,
):
    """A dialog on top that never says it is ready (its queue stuck) has the
    keys go after MOUNTING_AT_THE_LATEST at the latest."""
    import tui.type_ahead

    monkeypatch.setattr(tui.type_ahead, "MOUNTING_AT_THE_LATEST", 0.5)
    drop_the_readiness_callback(monkeypatch)
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await burst(pilot, ["c", *"ab"])
        await wait_for_screen(pilot, FileDialog, timeout=DEADLINE)
        await wait_for(pilot, lambda: not app.type_ahead.holding, timeout=DEADLINE)
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(app.screen_stack) == 1, timeout=DEADLINE)
        await pilot.press("space")
        await wait_for(pilot, lambda: app.trainer.epoch == 1, timeout=DEADLINE)


def slow_file_dialogs(monkeypatch, net: float, mount: float) -> None:
    """RELEASE_AT_THE_LATEST set to `net` seconds, and file dialogs that take
    `mount` seconds more to mount, before they focus their field."""
    import asyncio

    import tui.type_ahead

    monkeypatch.setattr(tui.type_ahead, "RELEASE_AT_THE_LATEST", net)
    original = FileDialog.on_mount

    async def slow_mount(self) -> None:
        await asyncio.sleep(mount)
        original(self)

    monkeypatch.setattr(FileDialog, "on_mount", slow_mount)


async def test_keys_wait_for_a_dialog_that_mounts_slower_than_the_net(monkeypatch):
    """A dialog whose mount takes longer than RELEASE_AT_THE_LATEST (a busy
    machine, just after launch) still gets the keys typed behind its key:
    the net waits while it is mounting. Released at the net, they went to a
    dialog whose field had no focus yet (a CI run lost a pasted path so)."""
    slow_file_dialogs(monkeypatch, net=0.05, mount=0.5)  # ten nets' worth
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await burst(pilot, ["c", events.Paste("my data.csv"), "x"])
        assert await typed_into(pilot, FileDialog, "#file-path", "my data.csvx") == "my data.csvx"


@pytest.mark.parametrize("keys", [["j", "1", "0", "enter"], ["j", "1", "0", "0", "b", "enter"]])
async def test_an_epoch_typed_with_j_during_a_run_goes_to_the_jump_dialog(keys):
    """During a run, `j` opens its dialog once the run has paused: the keys
    typed behind it wait for that dialog. Typed into the main screen they
    would have done what they do there: `0` reset the run, `b` stepped back."""
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: app.state == "running" and app.shown.epoch > 1200, timeout=DEADLINE)
        await burst(pilot, keys)
        target = int("".join(k for k in keys if k.isdigit()))
        await wait_for(pilot, lambda: not app.run_control.busy and not app.screen.is_modal, timeout=DEADLINE)
        await wait_for(pilot, lambda: app.trainer.epoch == target, timeout=DEADLINE)
        assert app.trainer.last_epoch > 1200  # by rewind: the run is kept, not reset
        assert not app.type_ahead.holding


@pytest.mark.parametrize("slow", [False, True], ids=["dialog-at-once", "dialog-slow-to-mount"])
async def test_a_path_typed_with_enter_in_the_export_menu_goes_to_the_path_dialog(monkeypatch, slow):
    """The export menu's enter leads to the path dialog: what is typed right
    behind it goes there. On the main screen `r` would have started a run.

    The wait for that dialog has its own net (RELEASE_AT_THE_LATEST); once
    the dialog is on top, the net for its mount takes over, so a dialog
    slower to mount than the first net still gets the path. Its slow mount
    holds up the app's queue, as a busy machine does: the first net's
    callback is already waiting there when the hand-over runs."""
    from tui.screens.export_menu import ExportMenu

    if slow:
        slow_file_dialogs(monkeypatch, net=0.25, mount=1.0)  # opens well within the net, mounts in four
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await wait_for_screen(pilot, ExportMenu, timeout=DEADLINE)
        await burst(pilot, ["enter", *"run.csv"])
        assert await typed_into(pilot, FileDialog, "#file-path", "run.csv") == "run.csv"
        assert not app.run_control.busy and app.trainer.epoch == 0
        assert not app.type_ahead.holding


# Keys typed just before a dialog's key act first, as they were typed.


@pytest.mark.parametrize(
    ("before", "opener", "kind"),
    [
        (["space"], "f1", "HelpScreen"),
        (["space", "space"], "j", "JumpEpochScreen"),
        (["3", "space"], "c", "FileDialog"),
        (["space", "b", "space"], "ctrl+s", "FileDialog"),
    ],
)
async def test_keys_typed_just_before_a_dialogs_key_are_done_first(before, opener, kind):
    """`space f1` in one burst: a step, then the help. The help used to open
    first, and the step, still on its way through the focused table, came
    back to an app with the help on top, where space does nothing."""
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await burst(pilot, [*before, opener])
        await wait_for(pilot, lambda: type(app.screen).__name__ == kind, timeout=DEADLINE)
        await drained(pilot)
        steps = before.count("space") - before.count("b")
        assert app.trainer.epoch == steps
        if "3" in before:
            assert app.inspector.view == "deltas"
        assert not app.type_ahead.holding


async def test_a_pause_typed_just_before_the_help_pauses_the_run():
    """`p f1` during a run (found in tmux): the run went on under the help."""
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: app.state == "running" and app.shown.epoch > 100, timeout=DEADLINE)
        await burst(pilot, ["p", "f1"])
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen", timeout=DEADLINE)
        await wait_for(pilot, lambda: not app.run_control.busy, timeout=DEADLINE)
        epoch = app.trainer.epoch
        await pilot.pause(0.2)
        assert app.state == "paused" and app.trainer.epoch == epoch


PLAIN_KEYS = ["space", "b", "1", "2", "3", "v", "right_square_bracket", "left_square_bracket"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(
    keys=st.lists(st.sampled_from(PLAIN_KEYS), min_size=1, max_size=6),
    opener=st.sampled_from(["f1", "j", "c"]),
)
async def test_keys_then_a_dialogs_key_in_one_burst_do_what_they_do_one_by_one(keys, opener):
    """A burst of keys ending with a dialog's key leaves the same epoch, view,
    layer and dialog as the same keys pressed one at a time."""

    async def after(send) -> tuple:
        app = BackpropApp(show_form=False)
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, [*keys, opener])
            await wait_for(pilot, lambda: app.screen.is_modal, timeout=DEADLINE)
            await drained(pilot)
            return app.trainer.epoch, app.inspector.view, app.inspector.active_layer, type(app.screen).__name__

    async def one_by_one(pilot, sequence):
        for key in sequence:
            await pilot.press(key)

    assert await after(burst) == await after(one_by_one)


async def test_keys_behind_a_dialogs_key_that_never_comes_back_go_after_the_net(monkeypatch):
    """A widget that takes the dialog's key on its way (none on the main screen
    does today) leaves the keys behind it held only until the net."""
    import tui.type_ahead

    monkeypatch.setattr(tui.type_ahead, "OPENER_BACK_AT_THE_LATEST", 0.2)
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.focused
        assert isinstance(table, DataTable)

        async def swallow_f1(self, event: events.Key) -> None:
            if event.key == "f1":
                event.stop()

        monkeypatch.setattr(type(table), "_on_key", swallow_f1)
        await burst(pilot, ["f1", "space"])
        await wait_for(pilot, lambda: app.trainer.epoch == 1, timeout=DEADLINE)
        assert len(app.screen_stack) == 1 and not app.type_ahead.holding
