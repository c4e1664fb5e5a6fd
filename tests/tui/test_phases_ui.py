"""Stepping an epoch phase by phase in the app (s / S), the Network panel's
values, jumping to an epoch (j, a click on the chart): read back from the
screen against the engine's arrays."""

from __future__ import annotations

import numpy as np
from pilot_helpers import wait_for, wait_for_screen
from textual.widgets import DataTable, Input

from model import Config, Trainer
from model.phases import epoch_phases
from tests.tui.pilot_helpers import launch_done
from tui.app import BackpropApp
from tui.format import fixed
from tui.screens.jump_epoch import JumpEpochScreen, parse_epoch
from tui.widgets.layer_inspector import LayerInspector
from tui.widgets.loss_chart import LossChart
from tui.widgets.network_panel import NetworkPanel
from tui.widgets.stats_bar import StatsBar

SIZE = (120, 40)


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def marked_cells(table: DataTable) -> dict[tuple[int, int], str]:
    """(row, column) -> the number shown, for every cell drawn reversed (marked by the phase)."""
    marked = {}
    for i in range(table.row_count):
        for j, cell in enumerate(table.get_row_at(i)):
            if any("reverse" in str(span.style) for span in getattr(cell, "spans", [])):
                marked[(i, j)] = str(cell)[:8]
    return marked


def expected_cells(phase, inspector: LayerInspector) -> dict[tuple[int, int], str]:
    """What the phase computes, laid out as the inspector's table lays it out."""
    a = phase.arrays
    if phase.kind == "forward":
        z, act = a["z"], a["a"]
        grid = np.empty((z.shape[0], 2 * z.shape[1]))
        grid[:, 0::2], grid[:, 1::2] = z, act
    elif phase.kind in ("output_delta", "delta"):
        grid = a["delta"]
    elif phase.kind == "gradients":
        grid = np.vstack([a["dW"], a["db"][None, :]])
    else:
        layer = inspector.active_layer
        grid = np.vstack([a[f"W{layer}"], a[f"b{layer}"][None, :]])
    return {(i, j): fixed(float(x)) for i, row in enumerate(grid) for j, x in enumerate(row)}


async def test_s_steps_a_whole_2_4_1_epoch_and_S_goes_back():
    app = BackpropApp(show_form=False)
    reference = Trainer.from_config(Config())
    phases = list(epoch_phases(reference))
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        inspector = app.query_one(LayerInspector)
        panel = app.query_one(NetworkPanel)
        names = []
        for phase in phases:
            await pilot.press("s")
            await pilot.pause()
            shown = panel.phase_panel.phase
            assert shown is not None and shown.name == phase.name
            names.append(shown.name)
            assert panel.phase_panel.heading.startswith(phase.name)
            # The diagram marks what the phase computes.
            assert panel.diagram.hot_nodes == phase.nodes and panel.diagram.hot_edges == phase.edges
            highlight = phase.highlight
            if highlight is None:  # the loss: no table cell
                assert inspector.highlight is None
                continue
            assert inspector.view == highlight.view and inspector.active_layer in highlight.layers
            table = app.query_one(f"#{highlight.view}-{inspector.active_layer}", DataTable)
            assert marked_cells(table) == expected_cells(phase, inspector)
            if not phase.last:
                assert app.trainer.epoch == 0
        assert names == [
            "forward L1",
            "forward L2",
            "loss",
            "output delta L2",
            "backward L1 delta",
            "gradients L2",
            "gradients L1",
            "update",
        ]
        # After the update: epoch 1, exactly what one step gives.
        stepped = reference.step()
        assert app.trainer.epoch == 1 and _same(app.trainer.params, stepped.params)
        assert app.query_one(StatsBar).fields["epoch"].strip() == "1"
        # S undoes the update, then goes back phase by phase to the very same records.
        await pilot.press("S")
        await pilot.pause()
        assert app.trainer.epoch == 0 and panel.phase_panel.phase.name == "gradients L1"
        for expected_name in reversed(names[:-2]):
            await pilot.press("S")
            await pilot.pause()
            assert panel.phase_panel.phase.name == expected_name
        await pilot.press("S")
        await pilot.pause()
        assert panel.phase_panel.phase is None and inspector.highlight is None
        # Any other move ends phase stepping: s, then space.
        await pilot.press("s", "space")
        await pilot.pause()
        assert app.trainer.epoch == 1 and panel.phase_panel.phase is None
        # From the start of epoch 1, S shows epoch 0's update (the trainer stays at 1).
        await pilot.press("S")
        await pilot.pause()
        assert panel.phase_panel.phase.name == "update" and panel.phase_panel.phase.epoch == 0
        assert app.trainer.epoch == 1 and _same(app.trainer.params, stepped.params)


async def test_phases_in_mini_batch_mode_name_the_batch_and_end_as_a_step():
    config = Config(dataset="moons", samples=10, mode="minibatch", batch_size=4, layers=(2, 3, 1))
    app = BackpropApp(config=config, show_form=False)
    reference = Trainer.from_config(config)
    phases = list(epoch_phases(reference))
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        panel = app.query_one(NetworkPanel)
        for phase in phases:
            await app.run_action("step_phase")
            assert panel.phase_panel.phase.where == phase.where
        await pilot.pause()
        assert "batch 3 of 3" in panel.phase_panel.heading
        assert app.trainer.epoch == 1 and _same(app.trainer.params, reference.step().params)


async def test_the_diagram_shows_the_records_weights_and_its_toggles():
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space")
        await pilot.pause()
        record = app.trainer.record
        panel = app.query_one(NetworkPanel)
        values = panel.diagram.values
        assert values.sizes == (2, 4, 1)
        for l in range(2):
            assert _same(values.edges[l], record.W[l])
        np.testing.assert_array_equal(values.nodes[2], record.a[1].mean(axis=0))
        await pilot.press("w", "a", "m")
        await pilot.pause()
        values = panel.diagram.values
        assert values.edge_kind == "gradients" and values.node_kind == "delta" and values.sample == 0
        for l in range(2):
            assert _same(values.edges[l], record.dW[l])
        np.testing.assert_array_equal(values.nodes[1], record.delta[0][0])
        # Choosing a hidden unit shows its card with this sample's numbers.
        panel.diagram.focus()
        await pilot.press("right", "down")
        await pilot.pause()
        assert panel.diagram.selected == (1, 1)  # right: the first hidden unit; down: the next
        card = str(panel.query_one("#unit-card").render())
        assert "L1 unit u2, sample 1" in card
        assert fixed(record.z[0][0, 1]).strip() in card and fixed(record.delta[0][0, 1]).strip() in card
        # Nothing is drawn outside the diagram's region.
        lines = panel.diagram._lines
        assert len(lines) <= panel.diagram.size.height
        assert all(line.cell_length <= panel.diagram.size.width for line in lines)


async def test_j_250_shows_epoch_250_and_a_recorded_epoch_is_exact():
    app = BackpropApp(show_form=False)
    reference = Trainer.from_config(Config())
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        await pilot.press("j")
        await wait_for_screen(pilot, JumpEpochScreen)
        await pilot.press("2", "5", "0", "enter")
        await wait_for(pilot, lambda: not app.running and app.trainer.epoch == 250, timeout=30)
        await pilot.pause()
        assert app.query_one(StatsBar).fields["epoch"].strip() == "250"
        reference.run(250)
        assert _same(app.trainer.params, reference.params)
        # Back to a recorded epoch: rewind, exact.
        await pilot.press("j")
        await wait_for_screen(pilot, JumpEpochScreen)
        app.screen.query_one(Input).value = "100"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.trainer.epoch == 100)
        reference.rewind(100)
        assert _same(app.trainer.params, reference.params)
        # A click on the chart jumps to the epoch under the pointer.
        chart = app.query_one(LossChart)
        x = chart.size.width // 2
        target = chart.epoch_at(x)
        assert target is not None and 0 < target < 250
        await pilot.click(LossChart, offset=(x + 1, chart.size.height // 2))  # +1: the border
        await wait_for(pilot, lambda: app.trainer.epoch == target)
        assert chart.marker == target


def test_jump_field_refuses_what_is_not_an_epoch():
    assert parse_epoch(" 1_000 ") == 1000
    for text in ("", "-3", "2.5", "ten", "10" * 10):
        try:
            parse_epoch(text)
        except ValueError as exc:
            assert str(exc)
        else:
            raise AssertionError(text)
