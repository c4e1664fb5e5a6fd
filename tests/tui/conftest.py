"""TUI tests run the app headless; keep each file well under 30 s on 2 cores."""

from __future__ import annotations

from contextlib import asynccontextmanager
from types import SimpleNamespace

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _quiet_numpy():
    """Overflow on the way to a divergence is expected; the engine reports it."""
    with np.errstate(all="ignore"):
        yield


@pytest.fixture(autouse=True)
def _record_notifications(monkeypatch):
    """Every notification an app shows, kept for the test in `app.notes_log`
    (Textual forgets a notification when it times out, and a loaded machine
    makes that happen mid-test; its list of them is private anyway)."""
    from textual.app import App

    notify = App.notify

    def recording(self, message, *args, **kwargs):
        severity = kwargs.get("severity", "information")
        self.__dict__.setdefault("notes_log", []).append(SimpleNamespace(message=message, severity=severity))
        return notify(self, message, *args, **kwargs)

    monkeypatch.setattr(App, "notify", recording)


@pytest.fixture(autouse=True)
def _close_after_the_panels_mount(monkeypatch):
    """Pilot's run_test closes the app with App._shutdown, not App.exit: a
    test that ends just after the first frame would take the widgets away
    while a panel made after that frame (the form) is still mounting, and
    Textual's own mount handler (a Select's) fails looking for them. A
    person's `q` goes through exit, which waits for that mount
    (BackpropApp.mount_panel); a test that ends normally waits for it too."""
    from tests.tui.pilot_helpers import launch_settled, wait_for
    from tui.app import BackpropApp

    run_test = BackpropApp.run_test

    @asynccontextmanager
    async def waiting_run_test(self, *args, **kwargs):
        async with run_test(self, *args, **kwargs) as pilot:
            yield pilot
            await wait_for(pilot, lambda: launch_settled(self), timeout=20)

    monkeypatch.setattr(BackpropApp, "run_test", waiting_run_test)
