"""A text field's editing keys act in the order they are typed, even when
they arrive together (tui/widgets/ordered_input.py): `ctrl+a ctrl+k` and a
path in one burst leave the path in the field. Textual's Input ran its own
bindings only once a key had bubbled back to the app, after the characters
behind it, and the burst left the field empty.

The keys are posted all at once (`burst`), as a terminal delivers them; the
same keys pressed one by one once the app is idle (Pilot's `press`) are the
reference. Waits have deadlines; nothing is timed.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pilot_helpers import burst, drained, wait_for, wait_for_screen
from textual.app import App, ComposeResult
from textual.widgets import Input

from tui.app import BackpropApp
from tui.screens.file_dialog import FileDialog
from tui.widgets.ordered_input import OrderedInput

START = "backprop-session.npz"
EDITING_KEYS = ["ctrl+a", "ctrl+e", "ctrl+k", "ctrl+u", "ctrl+w", "home", "end", "left", "right", "backspace", "delete"]


class OneField(App):
    def compose(self) -> ComposeResult:
        yield OrderedInput(START, id="field")


async def _settled(pilot, field: Input) -> tuple[str, int]:
    """The field's text and cursor once nothing sent is still on its way
    (a key's binding travels through several queues)."""
    for _ in range(4):
        await drained(pilot)
        await pilot.pause(0.02)
    return field.value, field.cursor_position


async def _typed(keys: list[str], together: bool) -> tuple[str, int]:
    app = OneField()
    async with app.run_test() as pilot:
        field = app.query_one("#field", Input)
        await wait_for(pilot, lambda: field.has_focus)
        if together:
            await burst(pilot, keys)
        else:
            for key in keys:
                await pilot.press(key)
        return await _settled(pilot, field)


async def test_ctrl_a_ctrl_k_and_a_path_in_one_burst_leave_the_path():
    app = OneField()
    async with app.run_test() as pilot:
        field = app.query_one("#field", Input)
        await wait_for(pilot, lambda: field.has_focus)
        await burst(pilot, ["ctrl+a", "ctrl+k", *"/tmp/run.npz"])
        assert await _settled(pilot, field) == ("/tmp/run.npz", len("/tmp/run.npz"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(EDITING_KEYS), st.sampled_from(list("ab/.9"))), min_size=1, max_size=12))
@example(["ctrl+a", "ctrl+k", "/", "t"])
@example(["a", "ctrl+a", "b", "backspace", "end", "left", "9"])
def test_keys_in_one_burst_edit_the_field_as_the_same_keys_pressed_one_by_one(keys):
    assert asyncio.run(_typed(keys, together=True)) == asyncio.run(_typed(keys, together=False))


async def test_a_session_saved_with_its_path_typed_in_one_burst_goes_to_that_path(tmp_path: Path):
    """The whole of `ctrl+s ctrl+a ctrl+k PATH enter` in one write (tmux's
    send-keys, a script): the dialog opens, its field is cleared, the path
    typed and the session saved there."""
    target = tmp_path / "run.npz"
    app = BackpropApp(show_form=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space")
        await burst(pilot, ["ctrl+s", "ctrl+a", "ctrl+k", *str(target), "enter"])
        await wait_for(pilot, target.exists, 20.0)
        assert not isinstance(app.screen, FileDialog)


async def test_the_path_field_keeps_its_order_in_the_app_too():
    app = BackpropApp(show_form=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+o")
        await wait_for_screen(pilot, FileDialog)
        field = app.screen.query_one("#file-path", Input)
        await wait_for(pilot, lambda: field.has_focus)
        await burst(pilot, ["end", "ctrl+w", "ctrl+u", *"a/b.npz", "home", "x"])
        assert (await _settled(pilot, field))[0] == "xa/b.npz"


def test_every_text_field_of_the_app_is_an_ordered_input():
    """A bare Input anywhere in tui/ would bring the lost keys back."""
    root = Path(__file__).resolve().parents[2] / "tui"
    bare = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"(?<![\w.])Input\(", line)
    ]
    assert bare == []
