"""TUI tests run the app headless; keep each file well under 30 s on 2 cores."""

from __future__ import annotations

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
