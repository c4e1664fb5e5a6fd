"""The Chain rule tab and hand edits, driven headless: every number on screen
against the engine's own arrays and the inspector's cells.

Each test is one short scenario on one app: starting the app is the cost.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from model import Config, Trainer
from model.names import parameter_name as weight_label
from model.walkthrough import walkthrough
from tui.app import BackpropApp
from tui.format import fixed
from tui.screens.edit_weight import EditWeightScreen, parse_weight
from tui.widgets.insight_tabs import InsightTabs
from tui.widgets.layer_inspector import LayerInspector
from tui.widgets.loss_chart import LossChart
from tui.widgets.stats_bar import StatsBar
from tui.widgets.walkthrough_panel import WalkthroughPanel, walkthrough_rows

SIZE = (120, 40)


def cell(app: BackpropApp, table_id: str, row: int, column: int) -> str:
    """A table cell's number as shown (its first 8 characters; a change mark follows)."""
    return str(app.query_one(f"#{table_id}", DataTable).get_row_at(row)[column])[:8]


def same_walkthrough(shown, expected) -> None:
    """Field by field (a dataclass holding an array cannot be compared with ==)."""
    for field in dataclasses.fields(expected):
        a, b = getattr(shown, field.name), getattr(expected, field.name)
        assert np.array_equal(a, b) if isinstance(b, np.ndarray) else a == b, field.name


def values(panel: WalkthroughPanel) -> dict[str, str]:
    return {key: value for key, _, value in panel.rows}


async def choose(pilot: Pilot, layer: int, row: int, column: int) -> None:
    """Enter on a cell of a weights table, moving there by keys."""
    app = pilot.app
    inspector = app.query_one(LayerInspector)
    inspector.select_layer(layer)
    inspector.select_view("weights")
    await pilot.pause()
    table = app.query_one(f"#weights-{layer}", DataTable)
    table.focus()
    table.move_cursor(row=0, column=0)
    await pilot.pause()
    await pilot.press(*(["down"] * row + ["right"] * column + ["enter"]))
    await pilot.pause()


async def test_the_chain_rule_tab_shows_the_engines_walkthrough_and_the_inspectors_cells():
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space", "space")
        panel = app.query_one(WalkthroughPanel)
        assert panel.selection is None and panel.walk is None
        await choose(pilot, 0, 1, 2)  # W1 from x2 to u3
        tabs = app.query_one(InsightTabs)
        assert tabs.active == "tab-chain"
        assert panel.selection == (0, 1, 2) and panel.sample == 0
        t, rec = app.trainer, app.trainer.record
        expected = walkthrough(t, 0, 1, 2, 0, record=rec)
        same_walkthrough(panel.walk, expected)
        assert panel.rows == walkthrough_rows(expected)
        assert panel.title.startswith(f"{weight_label(0, 1, 2, 2)} · sample s1 of 4 · epoch 3")
        shown = values(panel)

        # Independent figures from the record's arrays.
        z, a = rec.z[0][0, 2], rec.a[0][0, 2]
        assert shown["input"] == fixed(t.X[0, 1])
        assert shown["z"] == fixed(z) and shown["a"] == fixed(a)
        assert shown["f'"] == fixed(a * (1 - a))  # sigmoid'
        term = rec.W[1][2, 0] * rec.delta[1][0, 0]
        assert shown["term-0"] == fixed(term) and shown["sum"] == fixed(term)
        assert abs(a * (1 - a) * term - rec.delta[0][0, 2]) < 1e-15
        assert shown["delta"] == fixed(rec.delta[0][0, 2])
        assert shown["sample-grad"] == fixed(t.X[0, 1] * rec.delta[0][0, 2])
        assert shown["batch-grad"] == fixed(np.mean(t.X[:, 1] * rec.delta[0][:, 2]))
        reference = Trainer.from_config(Config())
        reference.run(4)
        assert shown["next"] == fixed(reference.record.W[0][1, 2])  # what the next step makes
        assert shown["change"] == fixed(reference.record.W[0][1, 2] - rec.W[0][1, 2])

        # The same strings as the inspector's cells.
        inspector = app.query_one(LayerInspector)
        assert shown["now"] == cell(app, "weights-0", 1, 2)
        for view, table, row, column, key in (
            ("grads", "grads-0", 1, 2, "batch-grad"),
            ("deltas", "deltas-0", 0, 2, "delta"),
            ("acts", "acts-0", 0, 4, "z"),
            ("acts", "acts-0", 0, 5, "a"),
        ):
            inspector.select_view(view)
            await pilot.pause()
            assert shown[key] == cell(app, table, row, column), key
        inspector.select_view("weights")
        await pilot.pause()

        # A step redraws it at the new epoch.
        await pilot.press("space")
        await pilot.pause()
        rec = app.trainer.record
        assert "epoch 4" in panel.title
        assert values(panel)["now"] == fixed(rec.W[0][1, 2]) == cell(app, "weights-0", 1, 2)
        assert values(panel)["delta"] == fixed(rec.delta[0][0, 2])

        # . and , choose the sample, going round at the ends.
        await pilot.press("full_stop")
        await pilot.pause()
        assert panel.sample == 1 and "sample s2 of 4" in panel.title
        assert values(panel)["input"] == fixed(app.trainer.X[1, 1])
        assert values(panel)["delta"] == fixed(rec.delta[0][1, 2])
        await pilot.press("comma", "comma")
        await pilot.pause()
        assert panel.sample == 3
        assert values(panel)["z"] == fixed(rec.z[0][3, 2])

        # b redraws it at the epoch before.
        await pilot.press("b")
        await pilot.pause()
        rec = app.trainer.record
        assert app.trainer.epoch == 3 and "epoch 3" in panel.title
        assert values(panel)["now"] == fixed(rec.W[0][1, 2])
        assert values(panel)["sample-grad"] == fixed(app.trainer.X[3, 1] * rec.delta[0][3, 2])

        # An output unit's bias: delta comes from the loss, a - y for sigmoid with BCE.
        await choose(pilot, 1, 4, 0)
        assert panel.selection == (1, 4, 0)
        shown = values(panel)
        out, y = rec.a[1][3, 0], app.trainer.Y[3, 0]
        assert shown["input"] == fixed(1.0)
        assert shown["target"] == fixed(y)
        assert shown["delta"] == fixed(out - y)
        assert shown["batch-grad"] == fixed(rec.db[1][0])
        assert shown["now"] == cell(app, "weights-1", 4, 0)
        inspector.select_view("deltas")
        await pilot.pause()
        assert shown["delta"] == cell(app, "deltas-1", 3, 0)
        inspector.select_view("weights")
        await pilot.pause()

        # Another tab hides it; it draws nothing while hidden, and catches up when shown.
        tabs.active = "tab-predictions"
        await pilot.pause()
        drawn = panel.title
        await pilot.press("space")
        await pilot.pause()
        assert panel.title == drawn
        tabs.active = "tab-chain"
        await pilot.pause()
        assert "epoch 4" in panel.title


async def test_e_edits_a_weight_refuses_bad_text_and_b_goes_back():
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space", "space")
        t = app.trainer
        before_params = t.params.copy()
        before_loss = t.record.loss
        table = app.query_one("#weights-0", DataTable)
        table.focus()
        table.move_cursor(row=0, column=1)  # W1 from x1 to u2
        await pilot.pause()

        # escape cancels: nothing changes.
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditWeightScreen)
        box = app.screen.query_one("#edit-value", Input)
        assert float(box.value) == t.record.W[0][0, 1]  # prefilled, exactly
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, EditWeightScreen)
        assert np.array_equal(t.params, before_params)

        # Bad text is refused in the dialog, with the reason.
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen
        box = screen.query_one("#edit-value", Input)
        error = screen.query_one("#edit-error", Static)
        for text, words in (
            ("abc", "not a number"),
            ("1e999", "too large"),
            ("nan", "not a number"),
            ("", "type a number"),
        ):
            box.value = text
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is screen, text
            assert error.display and words in str(error.render()), text
            assert np.array_equal(t.params, before_params) and t.record.loss == before_loss
        box.value = "2.5"
        await pilot.pause()
        assert not error.display  # the reason goes once the text is right
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, EditWeightScreen)

        # Applied at this epoch; every figure is the engine's at the edited weights.
        assert t.epoch == 3 and t.record.W[0][0, 1] == 2.5
        changed = np.flatnonzero(t.params != before_params)
        assert len(changed) == 1
        fresh = Trainer.from_config(Config(), t.params).record
        assert t.record.loss == fresh.loss != before_loss
        assert cell(app, "weights-0", 0, 1) == fixed(2.5)
        assert app.query_one(StatsBar).fields["loss"] == fixed(fresh.loss)
        assert t.history.series("loss")[3] == fresh.loss
        panel = app.query_one(WalkthroughPanel)
        assert panel.selection == (0, 0, 1) and values(panel)["now"] == fixed(2.5)
        assert values(panel)["delta"] == fixed(fresh.delta[0][0, 1])
        assert any("set to +2.5000 at epoch 3" in n.message for n in app.__dict__.get("notes_log", []))

        # b: the previous epoch, exactly as trained.
        await pilot.press("b")
        await pilot.pause()
        reference = Trainer.from_config(Config())
        reference.run(2)
        assert t.epoch == 2 and np.array_equal(t.params, reference.params)
        assert cell(app, "weights-0", 0, 1) == fixed(reference.record.W[0][0, 1])

        # An edit after stepping back keeps the abandoned future as a labelled branch;
        # e from the chain-rule panel edits the weight it follows (here a bias).
        await pilot.press("space", "space", "b", "b")
        await pilot.pause()
        panel.select(1, 4, 0)
        panel.focus()
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditWeightScreen) and "b2 u1" in app.screen.weight_name
        app.screen.query_one("#edit-value", Input).value = "-0.75"
        await pilot.press("enter")
        await pilot.pause()
        assert t.epoch == 2 and t.record.b[1][0] == -0.75
        assert t.branches and t.branches[-1].label == "edit" and t.branches[-1].start == 2
        chart = app.query_one(LossChart)
        assert "branch-0" in chart.curves


def test_parse_weight_says_why_text_is_refused():
    assert parse_weight(" -1e-3 ") == -0.001
    assert parse_weight("1_000") == 1000.0
    for text in ("abc", "nan", "inf", "-inf", "1e999", "", "1,5"):
        try:
            parse_weight(text)
        except ValueError as exc:
            assert str(exc)
        else:
            raise AssertionError(f"{text!r} was accepted")
    try:
        parse_weight("1e39", limit=3.4e38)
    except ValueError as exc:
        assert "too large" in str(exc)
    else:
        raise AssertionError("a float32 overflow was accepted")
