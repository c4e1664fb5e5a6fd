"""The health panel names what fails in words (issue 14, item 3), on the runs
the issue quotes: the caption under the table reads the engine's findings."""

from __future__ import annotations

from model import Config
from model.diagnostics import PLATEAU, SYMMETRIC
from tests.tui.pilot_helpers import launch_done
from tests.tui.test_insights import SIZE, open_tab
from tui.app import BackpropApp
from tui.widgets.layer_health import LayerHealthView

STUCK = Config(layers=(2, 2, 1), init="uniform", seed=0, loss="mse", lr=0.1)


def caption(app: BackpropApp) -> str:
    return str(app.query_one("#health-caption").render())


async def test_the_stuck_run_is_called_a_plateau_not_healthy():
    app = BackpropApp(STUCK, show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        await open_tab(pilot, "tab-health")
        assert "Every layer is healthy" in caption(app)  # epoch 0: nothing to judge yet
        assert app._move(lambda t: t.run(1500))
        await pilot.pause()
        text = caption(app)
        assert "plateau: the loss has stopped moving" in text
        assert "Every layer is healthy" not in text
        assert [f.kind for f in app.query_one(LayerHealthView).findings] == [PLATEAU]


async def test_zero_init_names_the_identical_units():
    app = BackpropApp(Config(init="zeros"), show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        await open_tab(pilot, "tab-health")
        assert app._move(lambda t: t.run(20))
        await pilot.pause()
        assert "L1 units u1, u2, u3, u4 symmetric" in caption(app)
        assert SYMMETRIC in {f.kind for f in app.query_one(LayerHealthView).findings}


async def test_lr_1e6_is_called_oscillating_and_exploding():
    app = BackpropApp(Config(lr=1e6), show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        await open_tab(pilot, "tab-health")
        assert app._move(lambda t: t.run(200))
        await pilot.pause()
        text = caption(app)
        assert "loss exploding" in text and "oscillating" in text and "output saturated" in text
