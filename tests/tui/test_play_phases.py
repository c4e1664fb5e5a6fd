"""Slower than 1 epoch a second, r plays the phases of each epoch one after
another (a projector's pace): the run is still the engine's, any step key or
r stops it, and the stats line says what plays."""

from __future__ import annotations

import asyncio

import numpy as np
from pilot_helpers import wait_for
from textual import events

import tui.app
from model import Config, Trainer
from tui.app import BackpropApp
from tui.run_control import PACES


async def playing_until(condition, timeout: float = 30.0) -> None:
    """Wait without Pilot's pause (which waits for an idle screen: playing phases keeps it busy)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the phases did not play"
        await asyncio.sleep(0.02)


async def test_playing_phases_steps_epochs_phase_by_phase_and_stops_on_a_key(monkeypatch):
    monkeypatch.setattr(tui.app, "PHASES_PER_SECOND", 50.0)  # the test need not wait as a class would
    app = BackpropApp(config=Config(max_epochs=10**9), show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press(*["minus"] * len(PACES))
        assert app.run_control.play_phases
        assert "play phases" in app.state_detail
        app.post_message(events.Key("r", "r"))
        await wait_for(pilot, lambda: app._phase_player is not None)
        assert app.state == "running" and "play phases" in app.state_detail
        assert not app.run_control.busy  # no training process: phases play on the app's thread
        await playing_until(lambda: app.trainer.epoch >= 2)
        app.post_message(events.Key("p", "p"))
        await wait_for(pilot, lambda: app._phase_player is None)
        await pilot.pause(0.1)
        assert app.state == "paused"
        stopped = app.trainer.epoch
        await pilot.pause(0.2)
        assert app.trainer.epoch == stopped  # stopped for good
        here = Trainer.from_config(Config(max_epochs=10**9))
        here.run(stopped)
        np.testing.assert_array_equal(app.trainer.params, here.params)

        # A step key stops the player too, then steps. (Keys are posted: Pilot's
        # press waits for an idle screen, and playing phases keeps it busy.)
        app.post_message(events.Key("r", "r"))
        await playing_until(lambda: app.trainer.epoch > stopped)
        app.post_message(events.Key("space", " "))
        await wait_for(pilot, lambda: app._phase_player is None)
        await pilot.pause(0.1)
        assert app.state == "paused"
        # + goes back to epochs: r trains in the training process again.
        await pilot.press("plus")
        assert not app.run_control.play_phases
