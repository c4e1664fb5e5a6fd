"""SVG snapshots of the Network panel (pytest-textual-snapshot): four
architectures at 120x40 (beside the layer tables) and at 80x24 (full screen,
N), each one epoch in and one phase (forward L1) stepped, so the marks of a
phase are in the picture. Regenerate after a deliberate change with
`pytest --snapshot-update tests/tui/test_network_snapshots.py`."""

from __future__ import annotations

import pytest
from test_snapshots import SMALL, WIDE, steps

from model import Config
from tui.app import BackpropApp

NETWORKS = {
    "2-2-1": Config(layers=(2, 2, 1)),
    "2-4-1": Config(),
    "2-8-8-8-1": Config(dataset="moons", layers=(2, 8, 8, 8, 1), activation="tanh"),
    "2-32-32-3": Config(
        dataset="spiral", classes=3, layers=(2, 32, 32, 3), activation="relu", output_activation="softmax", loss="ce"
    ),
}


@pytest.mark.parametrize("name", list(NETWORKS))
def test_network_wide(snap_compare, name):
    app = BackpropApp(config=NETWORKS[name], show_form=False)
    assert snap_compare(app, terminal_size=WIDE, run_before=steps("space", "s"))


@pytest.mark.parametrize("name", list(NETWORKS))
def test_network_small(snap_compare, name):
    app = BackpropApp(config=NETWORKS[name], show_form=False)
    assert snap_compare(app, terminal_size=SMALL, run_before=steps("space", "N", "s"))
