"""What the screen looks like, as SVG snapshots (pytest-textual-snapshot).

Every snapshot is deterministic: a fixed seed, a paused app (so the rate
reads "–"), no notification on screen. After a deliberate layout change,
look at the report and regenerate with `pytest --snapshot-update`.
"""

from __future__ import annotations

import asyncio
import time

from pilot_helpers import panels_mounted
from textual.pilot import Pilot

from model import Config
from tui.app import BackpropApp
from tui.widgets.hyperparameters import HyperparameterForm

WIDE = (120, 40)
SMALL = (80, 24)


async def settle(pilot: Pilot, condition=lambda app: True, timeout: float = 10.0) -> None:
    """Wait for the panels mounted just after the first frame (the form, the
    Network panel, the Insights tabs) and `condition`."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while (
        not condition(app)
        or not panels_mounted(app)
        or (app.query_one("#side").display and not app.query(HyperparameterForm))
    ):
        assert time.monotonic() < deadline, "the app did not settle"
        await asyncio.sleep(0.02)
    await pilot.pause()


def steps(*keys: str, condition=lambda app: True):
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot, condition)
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


def test_three_epochs_wide(snap_compare):
    assert snap_compare(BackpropApp(), terminal_size=WIDE, run_before=steps("space", "space", "space"))


def test_three_epochs_small(snap_compare):
    assert snap_compare(BackpropApp(), terminal_size=SMALL, run_before=steps("space", "space", "space"))


def test_stepped_back_with_log_scale_on_the_second_layer(snap_compare):
    async def run_before(pilot: Pilot) -> None:
        await steps("n", condition=lambda app: app.state == "paused" and app.trainer.epoch == 10)(pilot)
        await steps("space", "b", "b", "l", "right_square_bracket")(pilot)

    assert snap_compare(BackpropApp(show_form=False), terminal_size=WIDE, run_before=run_before)


def test_diverged(snap_compare):
    config = Config(activation="relu", output_activation="linear", loss="mse", lr=1e6)
    done = steps("r", condition=lambda app: app.state == "diverged")
    assert snap_compare(BackpropApp(config=config), terminal_size=WIDE, run_before=done)


def test_help_small(snap_compare):
    assert snap_compare(BackpropApp(), terminal_size=SMALL, run_before=steps("f1"))
