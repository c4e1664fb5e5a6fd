"""Launch (issue 15): the collector is paused until the first frame and never
left off, and what the first frame does not use is not imported before it."""

from __future__ import annotations

import gc
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pilot_helpers import wait_for

from model import Config
from tui import startup
from tui.app import BackpropApp

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def collector_on():
    """Each test starts with the collector on and nothing paused, and leaves it so."""
    startup.resume_collector()
    gc.enable()
    yield
    startup.resume_collector()
    gc.enable()


def test_pause_and_resume(collector_on):
    startup.pause_collector()
    assert not gc.isenabled()
    startup.pause_collector()  # a second pause (the app's, after python -m tui's) changes nothing
    startup.resume_collector()
    assert gc.isenabled()
    startup.resume_collector()  # and resuming twice neither
    assert gc.isenabled()


def test_a_collector_turned_off_on_purpose_stays_off(collector_on):
    gc.disable()
    startup.pause_collector()
    startup.resume_collector()
    assert not gc.isenabled()


def test_the_collector_is_back_after_the_longest_pause_whatever_happens(collector_on, monkeypatch):
    monkeypatch.setattr(startup, "LONGEST", 0.05)
    startup.pause_collector()  # as by a command that turns out not to open the app (--headless)
    assert not gc.isenabled()
    deadline = time.monotonic() + 10
    while not gc.isenabled():
        assert time.monotonic() < deadline, "the collector was left off"
        time.sleep(0.01)


async def test_the_app_turns_the_collector_back_on_after_its_first_frame(collector_on, monkeypatch):
    monkeypatch.setattr(startup, "LONGEST", 60.0)  # so only the app can have turned it on
    app = BackpropApp(config=Config())
    assert not gc.isenabled()  # from the constructor to the first frame
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, gc.isenabled)


DEFERRED = (
    "model.session",  # json: a session file is read on ctrl+o or SESSION_FILE
    "model.safe_read",  # zipfile
    "model.atomic_write",  # writing files
    "model.walkthrough",  # the Chain rule tab, hidden at launch
    "model.diagram_values",  # the Network panel, mounted after the first frame
    "tui.widgets.network_diagram",
    "tui.widgets.phase_panel",
    "tui.screens.file_dialog",
    "multiprocessing.connection",  # the training child starts after the first frame
)


def test_the_modules_the_first_frame_does_not_use_are_not_imported_before_it():
    """What `python -m tui` imports before the app runs (a fresh interpreter)."""
    code = (
        "import sys, tui.cli, tui.app, tui.plan; "
        "tui.plan.plan(tui.cli.build_parser().parse_args([])); "
        f"print(' '.join(m for m in {DEFERRED!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == []


def test_the_command_runs_the_command_line_with_the_collector_paused(collector_on, monkeypatch, capsys):
    """`backprop-tui` (pyproject's script) is startup.main: the command line's
    main, imported and run with the collector paused until the first frame
    (here, with no app to draw one, until resumed or LONGEST seconds)."""
    monkeypatch.setattr(sys, "argv", ["backprop-tui", "--bug", "list"])
    assert startup.main() == 0
    assert "derivative_twice" in capsys.readouterr().out
    assert not gc.isenabled()
    startup.resume_collector()
    assert gc.isenabled()
