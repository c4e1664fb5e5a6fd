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


async def wait_for_screen(pilot: Pilot, kind: type, timeout: float = 10.0) -> None:
    """Wait until the app shows a screen of `kind` whose widgets are mounted:
    a pushed screen is the app's screen before its compose has run."""
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, kind) and pilot.app.screen.is_mounted, timeout)


async def form_of(pilot: Pilot):
    """The hyperparameter form, once mounted (it mounts after the first frame)."""
    from tui.widgets.hyperparameters import HyperparameterForm

    await wait_for(pilot, lambda: pilot.app.query(HyperparameterForm))
    await pilot.pause()
    return pilot.app.query_one(HyperparameterForm)


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
    from tui.run_control import RunState

    app = pilot.app
    deadline = time.monotonic() + timeout
    await drained(pilot)
    starting_since = time.monotonic()
    while True:
        if app.run_control.state is not RunState.STARTING:
            starting_since = time.monotonic()
        if time.monotonic() > deadline:
            control = app.run_control
            relay = control._relay_thread
            raise AssertionError(
                f"the app did not settle: {control.state}, {control.queued} queued, screen {app.screen}, "
                f"relay alive {relay is not None and relay.is_alive()}, requests waiting {control._inbox.qsize()}, "
                f"process lock held {control._process._lock.locked()}, child {control.process_pid}"
            )
        if len(app.screen_stack) > 1:
            app.pop_screen()  # the help screen a key left open
        elif app.run_control.state is RunState.STARTING and time.monotonic() > starting_since + 5:
            app.action_toggle_run()  # as a person would press p: a run that has not begun is given up
        elif app.run_control.state is RunState.RUNNING or getattr(app, "_phase_player", None) is not None:
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
