"""One SVG snapshot per theme of this app (issue 14, item 4), and the focus
layout under the projector theme. Regenerate after a deliberate change with
`pytest --snapshot-update`."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from model import Config
from tests.tui.test_snapshots import WIDE, steps
from tui.app import BackpropApp


@pytest.mark.parametrize("theme", ["backprop-light", "backprop-projector"])
def test_three_epochs_in_theme(snap_compare, theme):
    app = BackpropApp(Config())
    app.theme = theme
    assert snap_compare(app, terminal_size=WIDE, run_before=steps("space", "space", "space"))


def test_focus_layout_on_a_projector(snap_compare):
    app = BackpropApp(Config(), show_form=False)
    app.theme = "backprop-projector"

    async def run_before(pilot: Pilot) -> None:
        await steps("n", condition=lambda app: app.state == "paused" and app.trainer.epoch == 10)(pilot)
        await steps("z")(pilot)

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)
