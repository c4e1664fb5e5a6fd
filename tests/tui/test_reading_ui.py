"""Reading files in the app happens off the UI thread: a FIFO never freezes it,
a long read shows its progress and can be cancelled, and the run on screen stays."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
from pilot_helpers import wait_for, wait_for_screen
from test_files_ui import answer_dialog
from textual.app import App
from textual.widgets import Input, ProgressBar

import tui.file_actions
from model.safe_read import Cancelled
from tui.app import BackpropApp
from tui.screens.file_dialog import FileDialog
from tui.screens.reading import ReadingScreen

SIZE = (100, 30)
# Seconds a wait may take on a loaded machine (a CI run under coverage); nothing is timed.
LOADED = 60.0


async def test_a_fifo_is_refused_and_the_app_keeps_running(tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        trainer, params = app.trainer, app.trainer.params.copy()
        await pilot.press("ctrl+o")
        await answer_dialog(pilot, fifo)
        await pilot.press("space")  # the app still answers keys
        await wait_for(pilot, lambda: app.trainer.epoch == 2)
        assert app.trainer is trainer
        assert not np.array_equal(app.trainer.params, params)


async def test_a_long_read_shows_progress_and_escape_cancels_it(tmp_path, monkeypatch):
    path = tmp_path / "endless.csv"
    path.write_text("a,b,y\n1,2,0\n3,4,1\n")
    reports: list[tuple[int, int]] = []

    def endless(path, *, progress, **kwargs):
        """A read that goes on until told to stop, reporting progress as the real one does."""
        done = 0
        while True:
            done += 1
            reports.append((done, 1000))
            if progress(done % 1000, 1000) is False:
                raise Cancelled("stopped")
            time.sleep(0.01)

    monkeypatch.setattr(tui.file_actions, "load_csv", endless)
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        trainer, config = app.trainer, app.trainer.config
        await pilot.press("c")
        await wait_for_screen(pilot, FileDialog, timeout=LOADED)  # its module is imported on first use
        field = pilot.app.screen.query_one("#file-path", Input)
        # Enter goes to the focused widget: the field must have the focus, or enter is the dialog's, unbound.
        await wait_for(pilot, lambda: app.focused is field, timeout=LOADED)
        field.value = str(path)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.file_reads == 1, timeout=LOADED)  # the dialog answered: the read began
        await wait_for_screen(pilot, ReadingScreen, timeout=LOADED)  # shown after SHOW_PROGRESS_AFTER
        await wait_for(pilot, lambda: app.screen.query_one(ProgressBar).progress > 0, timeout=LOADED)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.file_reads == 0, timeout=LOADED)
        assert not isinstance(app.screen, ReadingScreen)
        assert app.trainer is trainer and app.trainer.config == config and trainer.epoch == 1
        count = len(reports)
        await pilot.pause(0.1)
        assert len(reports) == count  # the worker stopped


async def test_progress_reported_before_the_dialog_has_composed_is_shown_once_it_has():
    """The reader reports from the moment the dialog is pushed: on a busy machine
    before the dialog has its bar. That report used to raise in the reader (no
    bar yet), which ended the read as failed and closed the dialog."""
    app = App()
    async with app.run_test(size=SIZE) as pilot:
        screen = ReadingScreen("big.csv", threading.Event())
        app.push_screen(screen)
        screen.advance(500, 1000)  # before the screen has composed (the push only queued its mount)
        await wait_for_screen(pilot, ReadingScreen, timeout=LOADED)
        await wait_for(pilot, lambda: screen.query_one(ProgressBar).progress == 50, timeout=LOADED)


async def test_opening_a_session_first_keeps_the_apps_objects_from_the_collector(tmp_path):
    """The app's objects are moved out of the collector's sight at the first
    file read too, not only at the first step or run: a full collection over
    them during a large session's reading cost 200 ms in one opening in four."""
    import gc

    from model import Config, Trainer
    from model.session import save_session

    path = tmp_path / "s.npz"
    trainer = Trainer.from_config(Config(layers=(2, 3, 1)))
    trainer.run(3)
    save_session(trainer, path)
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        assert gc.get_freeze_count() == 0  # nothing run or read yet
        await pilot.press("ctrl+o")
        await answer_dialog(pilot, path)
        await wait_for(pilot, lambda: app.trainer.epoch == 3, LOADED)
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
