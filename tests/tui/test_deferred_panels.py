"""Panels drawn later than the rest of the screen still show the engine's
figures for the epoch on screen (issue 15).

The Network panel and the Map, Chain rule and Pictures tabs are mounted
just after the first frame; a hidden tab draws only when it is shown; and
a large data set's per-sample figures (the Outputs table, the Health tab,
the diagram's batch means) are computed in thread workers after ctrl+o has
redrawn the rest. Each test reads what is on screen back against the engine.
"""

from __future__ import annotations

import numpy as np
from pilot_helpers import wait_for
from test_files_ui import answer_dialog, moons_session
from test_insights import assert_health_matches, check_map, open_tab
from textual.widgets import DataTable, Static

from model import Config
from model.diagram_values import diagram_values
from tui.app import BackpropApp
from tui.widgets import insight_tabs
from tui.widgets.decision_boundary import DecisionBoundary
from tui.widgets.insight_tabs import InsightTabs
from tui.widgets.network_panel import NetworkPanel
from tui.widgets.walkthrough_panel import WalkthroughPanel

SIZE = (120, 40)


def assert_diagram_is_the_engines(app: BackpropApp) -> None:
    panel = app.query_one(NetworkPanel)
    record = app.trainer.record
    expected = diagram_values(record, panel.edge_kind, panel.node_kind, panel.sample)
    shown = panel.diagram.values
    assert shown is not None and shown.sizes == expected.sizes
    for a, b in zip(shown.edges, expected.edges):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(shown.nodes, expected.nodes):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b)
    legend = str(app.query_one("#diagram-legend", Static).render())
    assert legend.startswith(f"epoch {record.epoch} ")


def outputs_summary(app: BackpropApp) -> str:
    return str(app.query_one("#predictions-summary", Static).render())


def assert_outputs_are_the_engines(app: BackpropApp) -> None:
    record, data = app.trainer.record, app.trainer.data
    assert outputs_summary(app).startswith(f"Epoch {record.epoch}: {int(np.count_nonzero(record.correct))}/")
    table = app.query_one("#predictions", DataTable)
    column = list(table.columns).index(next(k for k in table.columns if k.value == "ok"))
    shown = [str(table.get_row_at(i)[column]) for i in range(table.row_count)]
    assert shown == ["✓" if ok else "✗" for ok in record.correct[: len(shown)].tolist()]
    assert len(shown) == min(len(data.labels), 50)


async def test_the_network_panel_draws_epoch_0_at_launch_without_a_key():
    app = BackpropApp(config=Config())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.query(NetworkPanel) and app.network_panel.diagram.values is not None)
        assert_diagram_is_the_engines(app)


async def test_panels_mounted_after_the_first_frame_show_the_epoch_on_screen():
    app = BackpropApp(config=Config(max_epochs=100))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space", "space")  # perhaps before they are mounted
        await wait_for(pilot, lambda: app.query(NetworkPanel) and app.query(DecisionBoundary))
        await wait_for(pilot, lambda: app.query(WalkthroughPanel))
        await pilot.pause()
        assert app.trainer.epoch == 3
        assert_diagram_is_the_engines(app)
        await open_tab(pilot, "tab-map")
        boundary = app.query_one(DecisionBoundary)
        assert boundary._record is app.trainer.record
        check_map(app)
        await pilot.press("space", "space")
        await pilot.pause()
        assert app.trainer.epoch == 5
        assert_diagram_is_the_engines(app)
        check_map(app)


async def test_a_tab_hidden_while_stepping_shows_the_epoch_on_screen_when_shown():
    app = BackpropApp(config=Config(max_epochs=100))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.query(DecisionBoundary))
        assert_outputs_are_the_engines(app)
        await open_tab(pilot, "tab-map")
        for _ in range(4):
            await pilot.press("space")
        await pilot.pause()
        assert app.trainer.epoch == 4
        assert outputs_summary(app).startswith("Epoch 0:")  # hidden: not drawn meanwhile
        await open_tab(pilot, "tab-health")
        assert_health_matches(app)
        await open_tab(pilot, "tab-predictions")
        assert_outputs_are_the_engines(app)


async def test_ctrl_o_draws_the_per_sample_figures_once_its_workers_are_done(tmp_path, monkeypatch):
    # Every data set counts as large here: the figures are computed in workers.
    monkeypatch.setattr(insight_tabs, "DEFER_SAMPLES", 1)
    path = tmp_path / "moons.npz"
    saved = moons_session(path)
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.query(NetworkPanel))
        await pilot.press("ctrl+o")
        await answer_dialog(pilot, path)
        tabs, panel = app.query_one(InsightTabs), app.query_one(NetworkPanel)
        await wait_for(pilot, lambda: tabs.preparing == 0 and panel.preparing == 0)
        await pilot.pause()
        assert app.trainer.epoch == saved.epoch == 6
        np.testing.assert_array_equal(app.trainer.params, saved.params)
        assert_outputs_are_the_engines(app)
        assert_diagram_is_the_engines(app)
        # Steps draw through the workers too, and land on the epoch on screen.
        await pilot.press("space")
        await wait_for(pilot, lambda: app.trainer.epoch == 7)
        await wait_for(pilot, lambda: tabs.preparing == 0 and panel.preparing == 0)
        await pilot.pause()
        assert_outputs_are_the_engines(app)
        assert_diagram_is_the_engines(app)
        await open_tab(pilot, "tab-health")
        await wait_for(pilot, lambda: tabs.preparing == 0)
        assert_health_matches(app)
        assert app.query_one("#health").history.epochs.tolist()[-2:] == [6, 7]  # noted while hidden
