"""At 120x40 no column of the Outputs or Health tab is cut (issue 14, item 8):
each table fits its panel whole (nothing to scroll sideways, so no number is
split at the edge), and each column keeps one number format."""

from __future__ import annotations

import re

import numpy as np
import pytest
from textual.widgets import DataTable

from model import Config
from tests.tui.pilot_helpers import launch_done, wait_for
from tests.tui.test_insights import open_tab
from tui.app import BackpropApp
from tui.widgets.layer_health import LayerHealthView
from tui.widgets.predictions import PredictionsTable, column_format

CONFIGS = {
    "xor": Config(),
    "moons": Config(dataset="moons", layers=(2, 8, 8, 1), activation="tanh"),
    "spiral": Config(
        dataset="spiral", classes=3, layers=(2, 16, 16, 3), activation="relu", output_activation="softmax", loss="ce"
    ),
    "deep": Config(layers=(2, 8, 8, 8, 8, 1)),
    "exploding": Config(output_activation="linear", loss="mse", lr=1000),
}
FIXED_POINT = re.compile(r"^[+-]\d+\.\d+$")
SCIENTIFIC = re.compile(r"^[+-]\d\.\d+e[+-]\d+$")


def fits(table: DataTable) -> bool:
    return table.max_scroll_x == 0 and table.virtual_size.width <= table.scrollable_content_region.width


@pytest.mark.parametrize("show_form", [True, False], ids=["form", "no-form"])
@pytest.mark.parametrize("name", list(CONFIGS))
async def test_no_column_is_cut_at_120x40(name, show_form):
    app = BackpropApp(CONFIGS[name], show_form=show_form)
    async with app.run_test(size=(120, 40)) as pilot:
        await launch_done(pilot)
        assert app._move(lambda t: t.run(12))
        await pilot.pause()

        await wait_for(pilot, lambda: app.query_one("#predictions", DataTable).row_count)
        await pilot.pause()
        outputs = app.query_one("#predictions", DataTable)
        assert fits(outputs), (outputs.virtual_size, outputs.scrollable_content_region)
        assert "ok" in [str(c.label) for c in outputs.columns.values()]
        # One format per numeric column: all fixed point, or all scientific.
        for key in outputs.columns:
            if str(key.value).startswith(("in-", "out-")) or key.value == "loss":
                texts = [str(outputs.get_cell(row, key)).strip() for row in outputs.rows]
                kinds = {bool(FIXED_POINT.match(t)) for t in texts if t not in ("nan", "+inf", "-inf")}
                sci = {bool(SCIENTIFIC.match(t)) for t in texts if t not in ("nan", "+inf", "-inf")}
                assert kinds == {True} or sci == {True}, (key.value, texts[:5])
        hidden = app.query_one(PredictionsTable).hidden_columns
        if hidden:
            assert re.search(r"needs? a wider panel", str(app.query_one("#predictions-summary").render()))

        await open_tab(pilot, "tab-health")
        health = app.query_one("#health-table", DataTable)
        assert health.row_count == len(app.trainer.layout.shapes)
        assert fits(health), (health.virtual_size, health.scrollable_content_region)
        if app.query_one(LayerHealthView).hidden_columns:
            assert "Not shown for want of width" in str(app.query_one("#health-caption").render())


def test_a_column_format_is_one_kind_whatever_the_values():
    small = np.array([0.03, -0.45, 1e-181, 0.0, -0.0])
    fmt, width = column_format(small, 4)
    assert [fmt(x) for x in small] == ["+0.0300", "-0.4500", "+0.0000", "+0.0000", "+0.0000"]
    assert width == 7
    big = np.array([1.5, -2.5e146, np.nan, np.inf])
    fmt, width = column_format(big, 4)
    assert [fmt(x) for x in big] == [" +1.50e+00", "-2.50e+146", "       nan", "      +inf"]
    assert width == 10
