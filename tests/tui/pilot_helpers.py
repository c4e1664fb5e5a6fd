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


async def drained(pilot: Pilot, timeout: float = 20.0) -> None:
    """Wait until the app has handled every message posted before this call
    (keys included): a callback queued behind them has run."""
    done: list[bool] = []
    pilot.app.call_later(done.append, True)
    deadline = time.monotonic() + timeout
    while not done:
        if time.monotonic() > deadline:
            raise AssertionError("the app did not get through its messages")
        await pilot.pause(0.01)


async def settle_paused(pilot: Pilot, timeout: float = 20.0) -> None:
    """Pause the app whatever keys left it doing: close screens left open (help),
    wait out a start or a pause under way, pause a run going on (r's action),
    until nothing runs or waits. Escape is posted, not pressed: Pilot's press
    waits for the screen to go idle, which it hardly does while a run redraws."""
    from textual import events

    from tui.run_control import RunState

    app = pilot.app
    deadline = time.monotonic() + timeout
    await drained(pilot)
    while True:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"the app did not settle: {app.run_control.state}, {app.run_control.queued} queued, screen {app.screen}"
            )
        if len(app.screen_stack) > 1:
            app.post_message(events.Key("escape", None))
        elif app.run_control.state is RunState.RUNNING:
            # Called, not posted: a posted r could arrive after the run ended by
            # itself and start another (the app is right to do so).
            app.action_toggle_run()
        elif not (app.run_control.busy or app.run_control.queued):
            # Keys posted before may still wait in the app's queue: settled only
            # if it stays so once they have been handled.
            await drained(pilot)
            if not (app.run_control.busy or app.run_control.queued or len(app.screen_stack) > 1):
                break
        await pilot.pause(0.05)
    await pilot.pause()
