"""The loss chart draws its plot just after the app's first frame: importing
plotext then, not at launch (tui/widgets/loss_chart.py)."""

from __future__ import annotations

import subprocess
import sys

from pilot_helpers import wait_for

from tui.app import BackpropApp
from tui.widgets.loss_chart import LossChart


def test_the_app_starts_without_importing_plotext():
    script = "import sys, tui.cli, tui.app; print(sorted(m for m in sys.modules if 'plotext' in m))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_the_chart_is_blank_in_the_first_frame_then_draws_epoch_0():
    app = BackpropApp(show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(LossChart)
        await wait_for(pilot, lambda: "train" in chart.curves, timeout=20)
        assert chart.curves["train"].x.tolist() == [0]
        assert chart.curves["train"].y.tolist() == [app.trainer.record.loss]
        await pilot.press("space")
        await wait_for(pilot, lambda: chart.curves["train"].x.tolist() == [0, 1], timeout=20)


async def test_a_chart_shown_data_before_its_first_frame_draws_the_last_data():
    """Data shown again while the first drawing waits: the drawing is of the last."""
    app = BackpropApp(show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(LossChart)
        await pilot.press("space", "space")
        await wait_for(pilot, lambda: chart.curves.get("train") is not None and len(chart.curves["train"].x) == 3)
        assert chart.curves["train"].y.tolist() == app.trainer.history.series("loss")[:3].tolist()
