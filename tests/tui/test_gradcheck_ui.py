"""g (gradient check) and f (feedback alignment), driven headless: the
tables against model.gradcheck.check_trainer run independently here."""

from __future__ import annotations

import numpy as np
from pilot_helpers import wait_for
from textual.pilot import Pilot
from textual.widgets import DataTable

from model import Config, Trainer
from model.gradcheck import check_trainer
from tui.app import BackpropApp
from tui.format import fixed
from tui.screens.confirm import ConfirmScreen
from tui.screens.gradient_check import GradientCheckScreen
from tui.screens.help import HelpScreen
from tui.widgets.layer_inspector import LayerInspector

SIZE = (120, 40)


def rows(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_check(pilot: Pilot) -> GradientCheckScreen:
    await pilot.press("g")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, GradientCheckScreen) and pilot.app.screen.result)
    await pilot.pause()
    return pilot.app.screen


async def test_g_checks_the_weights_on_screen_layer_by_layer_and_parameter_by_parameter():
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space")
        params = app.trainer.params.copy()
        screen = await open_check(pilot)
        expected = check_trainer(Trainer.from_config(Config(), params))  # another trainer, same weights
        assert expected.passed and screen.result.passed
        assert not screen.feedback and not screen.query("#gradcheck-feedback")
        assert "Every layer passes" in str(screen.query_one("#gradcheck-verdict").render())

        layers = rows(screen.query_one("#gradcheck-layers", DataTable))
        assert [row[0] for row in layers] == ["L1 2→4", "L2 4→1"]
        for row, layer in zip(layers, expected.layers):
            assert row[1].strip() == str(layer.n_params)
            assert row[2] == fixed(layer.worst_rel_error, 10, 2)
            assert row[4] == "✓ pass"
        worst = expected.entries[expected.layers[0].worst_index]  # named as the UI names it
        if worst.kind == "W":
            assert layers[0][3] == f"W1 x{worst.position[0] + 1}→u{worst.position[1] + 1}"
        else:
            assert layers[0][3] == f"b1 u{worst.position[0] + 1}"

        # The drill-down follows the highlighted layer.
        params_table = screen.query_one("#gradcheck-parameters", DataTable)
        shown = rows(params_table)
        l1 = [e for e in expected.entries if e.layer == 0]
        assert len(shown) == len(l1) == 12
        for row, e in zip(shown, l1):
            assert row[1] == fixed(e.analytic, 14, 10) and row[2] == fixed(e.numeric, 14, 10)
            assert row[3] == fixed(e.rel_error, 10, 2) and row[4] == "✓ pass"
        # The analytic column is the record's own gradient.
        rec = app.trainer.record
        assert shown[0][1] == fixed(rec.dW[0][0, 0], 14, 10)
        assert shown[8][0] == "b1 u1" and shown[8][1] == fixed(rec.db[0][0], 14, 10)
        await pilot.press("down")
        await pilot.pause()
        assert screen.listed_layer == 1
        assert [row[0] for row in rows(params_table)] == ["W2 h1→u1", "W2 h2→u1", "W2 h3→u1", "W2 h4→u1", "b2 u1"]
        await pilot.press("enter")
        await pilot.pause()
        assert screen.focused is params_table

        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, GradientCheckScreen)
        assert app.trainer.epoch == 2 and np.array_equal(app.trainer.params, params)  # looked, did not touch

        # While running, g pauses first and checks the epoch it stopped at.
        await pilot.press("r")
        await wait_for(pilot, lambda: app.shown.epoch > 5)
        screen = await open_check(pilot)
        assert not app.running and app.state == "paused"
        assert screen.epoch == app.trainer.epoch
        assert screen.result.entries[0].analytic == app.trainer.record.backward.grad[0]
        await pilot.press("escape")

        # Help and the palette list the new keys.
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = {row[0] for row in app.screen.keys}
        assert {",", ".", "e", "g", "f"} <= keys
        await pilot.press("escape")
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Gradient check (g)", "Edit weight (e)", "Feedback alignment (f)", "Next sample (.)"):
            assert title in titles


async def test_f_asks_then_rebuilds_with_feedback_alignment_whose_check_fails_by_design():
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        inspector = app.query_one(LayerInspector)
        assert inspector.border_title == "Layers"

        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.trainer.network.feedback is None and app.trainer.epoch == 1

        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        t = app.trainer
        assert t.network.feedback is not None and t.config.feedback_alignment and t.epoch == 0
        assert "feedback alignment" in inspector.border_title
        reference = Trainer.from_config(Config(feedback_alignment=True))
        assert np.array_equal(t.params, reference.params)
        assert all(np.array_equal(a, b) for a, b in zip(t.network.feedback, reference.network.feedback))

        # The chain rule says B, with B's own numbers.
        await pilot.press("space")
        table = app.query_one("#weights-0", DataTable)
        table.focus()
        table.move_cursor(row=0, column=0)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        panel = app.query_one("#chain")
        shown = {key: (what, value) for key, what, value in panel.rows}
        assert "feedback" in shown and "B2" in shown["feedback"][0]
        B = t.network.feedback[1]
        rec = t.record
        assert shown["term-0"][1] == fixed(B[0, 0] * rec.delta[1][0, 0])
        assert shown["term-0"][1] != fixed(rec.W[1][0, 0] * rec.delta[1][0, 0])

        # The check fails in the hidden layer, by design, and says so.
        screen = await open_check(pilot)
        assert screen.feedback and screen.query_one("#gradcheck-feedback")
        expected = check_trainer(t)
        layers = rows(screen.query_one("#gradcheck-layers", DataTable))
        assert [row[4] for row in layers] == ["✗ FAIL", "✓ pass"]
        assert [layer.passed for layer in expected.layers] == [False, True]
        assert layers[0][2] == fixed(expected.layers[0].worst_rel_error, 10, 2)
        assert "expected with feedback alignment" in str(screen.query_one("#gradcheck-verdict").render())
        await pilot.press("escape")
        await pilot.pause()

        # f again: off (after asking, as a run exists).
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.trainer.network.feedback is None and inspector.border_title == "Layers"
