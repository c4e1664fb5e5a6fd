"""What several Pilot tests need: waiting for the app to reach a state."""

from __future__ import annotations

import asyncio
import time
import unicodedata
from collections.abc import Callable, Sequence

from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.pilot import Pilot


async def wait_for(pilot: Pilot, condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {condition}")
        await pilot.pause(0.02)


def panels_mounted(app) -> bool:
    """Whether every panel that waits for the first frame (MountLater's: the
    Network panel, the Insights tabs and their Map and Pictures) is in place."""
    from tui.widgets.mount_later import MountLater

    return not app._panels_mounting and not app.screen_stack[0].query(MountLater)


def launch_settled(app) -> bool:
    """Whether what the app mounts after its first frame is in place (or the
    app has closed): the panels behind a MountLater, and the form where the
    side panel shows."""
    if not app.is_running or not app.screen_stack:
        return True
    if not panels_mounted(app):
        return False
    main = app.screen_stack[0]
    side = main.query("#side")
    return not (side and side.first().display) or bool(main.query("#form"))


async def launch_done(pilot: Pilot) -> None:
    """Wait until what the app mounts after its first frame is in place, and
    drawn: for a test about the app at work, not about its first moments
    (tests/tui/test_keys_at_launch.py and others start from those), which
    would otherwise find a panel still catching up, or click where it was."""
    await wait_for(pilot, lambda: launch_settled(pilot.app))
    await pilot.pause()


async def wait_for_screen(pilot: Pilot, kind: type, timeout: float = 10.0) -> None:
    """Wait until the app shows a screen of `kind` whose widgets are mounted:
    a pushed screen is the app's screen before its compose has run."""
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, kind) and pilot.app.screen.is_mounted, timeout)


async def form_of(pilot: Pilot):
    """The hyperparameter form, once mounted (it mounts after the first frame)."""
    from tui.widgets.hyperparameters import HyperparameterForm

    await wait_for(pilot, lambda: pilot.app.query(HyperparameterForm) and not pilot.app._panels_mounting)
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


def key_event(key: str) -> events.Key:
    """The Key event Pilot's `press` makes for `key` (a name such as "enter", or one character)."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        character: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        character = key if len(key) == 1 else None
    return events.Key(key, character)


async def burst(pilot: Pilot, keys: Sequence[str | events.Paste], pauses: Sequence[float] = ()) -> None:
    """Send `keys` (names or characters as `press` takes them, or pastes) as a
    fast typist or tmux's send-keys does: each posted to the app at once, not
    waiting for the app to handle the one before (which `press` does).
    `pauses[i]`: seconds to sleep after key i (none: no pause at all)."""
    app = pilot.app
    for i, key in enumerate(keys):
        event = key if isinstance(key, events.Paste) else key_event(key)
        event.set_sender(app)
        app.post_message(event)
        if i < len(pauses) and pauses[i] > 0:
            await asyncio.sleep(pauses[i])
