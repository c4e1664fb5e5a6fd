"""A dialog closed before its mount handler ran does nothing on mount
(tui/screens/closed_early.py): its widgets may already be gone, and a query
for them raised and took the app down (a key storm with `j` and escape)."""

from __future__ import annotations

import pytest

from tui.app import BackpropApp
from tui.screens.confirm import ConfirmScreen
from tui.screens.edit_weight import EditWeightScreen
from tui.screens.export_menu import ExportMenu
from tui.screens.file_dialog import FileDialog
from tui.screens.help import HelpScreen
from tui.screens.jump_epoch import JumpEpochScreen
from tui.screens.lessons import LessonsScreen
from tui.screens.quit import QuitScreen

DIALOGS = {
    "jump": lambda: JumpEpochScreen(3, 7),
    "confirm": lambda: ConfirmScreen("Open it?"),
    "file": lambda: FileDialog("Open a CSV file", "data.csv", action="Open"),
    "export": lambda: ExportMenu([("loss_csv", "Loss history CSV", "the loss of every epoch")]),
    "help": lambda: HelpScreen([("space", "Step", "one epoch")]),
    "edit": lambda: EditWeightScreen("W1[0, 0]", 0.5, 3),
    "lessons": lambda: LessonsScreen(),
    "quit": lambda: QuitScreen(12),
}


@pytest.mark.parametrize("name", list(DIALOGS))
async def test_a_dialog_closed_before_it_mounted_does_nothing_on_mount(name):
    app = BackpropApp(show_form=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        dialog = DIALOGS[name]()  # never pushed, as one popped at once: no widgets, not on the stack
        dialog.on_mount()
        await pilot.pause()
        assert app.is_running and len(app.screen_stack) == 1


@pytest.mark.parametrize("name", ["jump", "file", "export", "help"])
async def test_a_dialog_pushed_and_popped_at_once_leaves_the_app_running(name):
    app = BackpropApp(show_form=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for _ in range(3):
            app.push_screen(DIALOGS[name]())
            app.pop_screen()
        await pilot.pause(0.2)
        assert app.is_running and len(app.screen_stack) == 1
        await pilot.press("space")
        assert app.trainer.epoch == 1
