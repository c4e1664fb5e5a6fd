"""What several Pilot tests need: waiting for the app to reach a state."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot


async def wait_for(pilot: Pilot, condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {condition}")
        await pilot.pause(0.02)


async def settle_paused(pilot: Pilot, timeout: float = 20.0) -> None:
    """Pause the app whatever keys left it doing: wait out a start or a pause
    under way, press r while a run goes on, until nothing runs or waits."""
    from tui.run_control import RunState

    app = pilot.app
    deadline = time.monotonic() + timeout
    while app.run_control.busy or app.run_control.queued:
        if time.monotonic() > deadline:
            raise AssertionError(f"the app did not settle: {app.run_control.state}, {app.run_control.queued} queued")
        if app.run_control.state is RunState.RUNNING:
            await pilot.press("r")
        await pilot.pause(0.02)
    await pilot.pause()
