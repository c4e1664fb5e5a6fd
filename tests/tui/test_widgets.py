"""The widgets show exactly the engine's numbers: every cell read back from
the DataTables is compared with the trainer's own arrays, formatted by
`fixed`, and the change markers with an independent comparison."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input, Select, Static, Switch, Tab, Tabs

from model import Config, Trainer
from model.config import CHOICES, FIELD_NAMES
from tui.format import fixed, fixed_int, value_style
from tui.messages import HyperparametersChanged, WeightSelected
from tui.widgets.hyperparameters import INPUTS, SECTIONS, SELECTIONS, SWITCHES, HyperparameterForm, field_text
from tui.widgets.layer_inspector import FIRST_ROWS, MAX_COLUMNS, MAX_ROWS, VIEWS, LayerInspector
from tui.widgets.predictions import PredictionsTable, column_format

SIZE = (80, 24)  # the smallest size the app supports; fewer cells to paint
XOR = Config()
MOONS = Config(dataset="moons", samples=300, test_fraction=0.2, layers=(2, 8, 8, 1), seed=3)
SPIRAL = Config(
    dataset="spiral", samples=150, classes=3, layers=(2, 6, 3), output_activation="softmax", loss="ce", lr=0.3
)


# ------------------------------------------------------------------ helpers


class WidgetApp(App):
    """Hosts one widget and keeps every message the widgets post."""

    def __init__(self, widget) -> None:
        super().__init__()
        self.widget = widget
        self.posted: list = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_weight_selected(self, message: WeightSelected) -> None:
        self.posted.append(message)

    def on_hyperparameters_changed(self, message: HyperparametersChanged) -> None:
        self.posted.append(message)


def text(table: DataTable, row: str, column: str) -> str:
    cell = table.get_cell(row, column)
    return cell.plain if isinstance(cell, Text) else str(cell)


def marker(new: float, old: float | None) -> str:
    if old is None or new == old:
        return " "
    return "▲" if new > old else "▼"


def expected_grid(record, layer: int, view: str):
    """(row keys, column keys, values) of one table, built from the record."""
    if view in ("weights", "grads"):
        W, b = (record.W, record.b) if view == "weights" else (record.dW, record.db)
        fan_in = W[layer].shape[0]
        rows = [f"in-{i}" for i in range(fan_in)] + ["bias"]
        columns = [f"u-{j}" for j in range(W[layer].shape[1])]
        return rows, columns, np.vstack([W[layer], b[layer][None, :]])
    n = min(record.delta[layer].shape[0], MAX_ROWS)
    rows = [f"s-{i}" for i in range(n)]
    if view == "deltas":
        d = record.delta[layer][:n]
        return rows, [f"u-{j}" for j in range(d.shape[1])], d
    z, a = record.z[layer][:n], record.a[layer][:n]
    columns, values = [], np.empty((n, 2 * z.shape[1]))
    for j in range(z.shape[1]):
        columns += [f"z-{j}", f"a-{j}"]
        values[:, 2 * j], values[:, 2 * j + 1] = z[:, j], a[:, j]
    return rows, columns, values


def assert_table_shows(table: DataTable, record, layer: int, view: str, previous=None, only=None) -> int:
    """Every written row shows the record, and the rows in view are written.

    Rows are written when they come into view, so rows below the screen may
    still be blank; `only` limits the check to some rows (off-screen rows of
    an updated table may hold an older record until scrolled to). Returns
    how many rows were checked.
    """
    rows, columns, values = expected_grid(record, layer, view)
    old = expected_grid(previous, layer, view)[2] if previous is not None else None
    assert table.row_count == len(rows)
    assert [c.value for c in table.columns] == columns
    in_view = min(len(rows), table.size.height - 1 if table.size.height else FIRST_ROWS)
    assert table.scroll_y == 0
    written = 0
    for i, row in enumerate(rows):
        cells = [text(table, row, column) for column in columns]
        if only is not None and i not in only or i >= in_view and not any(cells):
            continue
        written += 1
        for j, column in enumerate(columns):
            want = fixed(values[i, j]) + marker(values[i, j], None if old is None else old[i, j])
            assert cells[j] == want, (view, layer, row, column)
    return written


def trainer(config: Config) -> Trainer:
    return Trainer.from_config(config)


# ------------------------------------------------------------------ format


def test_fixed_examples():
    assert fixed(0.1234) == " +0.1234"
    assert fixed(-0.12344) == " -0.1234"
    assert fixed(0.0) == " +0.0000"
    assert fixed(-0.0) == " +0.0000"  # the per-sample loss of a certain, right answer
    assert fixed(-123456.0) == "-1.2e+05"
    assert fixed(123.456) == "+123.456"
    assert fixed(float("nan")) == "     nan"
    assert fixed(float("inf")) == "    +inf"
    assert fixed(float("-inf")) == "    -inf"
    assert fixed(2.5e-6) == "+2.5e-06"
    assert fixed(np.float32(0.5)) == " +0.5000"
    assert fixed_int(42) == "    42"
    assert fixed_int(7, 3, sign=True) == " +7"


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1e307, max_value=1e307))  # "+2e+308" would read back as inf
def test_fixed_is_fixed_width_signed_and_close(x):
    shown = fixed(x)
    assert len(shown) == 8
    assert shown.strip()[0] in "+-"
    back = float(shown)
    # 4 decimals, or 2 significant figures (1 with a 3-digit exponent).
    rel = 0.05 if x == 0 or 1e-99 <= abs(x) < 1e100 else 0.34
    assert math.isclose(back, x, rel_tol=rel, abs_tol=5e-5)


def test_value_style_sign_and_magnitude():
    assert value_style(0.9, 1.0, "green", "red") == "bold green"
    assert value_style(-0.3, 1.0, "green", "red") == "red"
    assert value_style(-0.01, 1.0, "green", "red") == "dim red"
    assert value_style(0.0, 1.0, "green", "red") == ""
    assert value_style(0.2, 0.0, "green", "red") == "green"


# --------------------------------------------------------------- inspector


async def visit_all(app: WidgetApp, pilot, record, previous=None) -> None:
    """Every layer and view shows the record (tables fill as they are shown)."""
    inspector = app.widget
    for layer in range(len(record.W)):
        inspector.select_layer(layer)
        for view in VIEWS:
            inspector.select_view(view)  # draws at once: no need to wait
            assert (inspector.active_layer, inspector.view) == (layer, view)
            assert_table_shows(app.query_one(f"#{view}-{layer}", DataTable), record, layer, view, previous)
    await pilot.pause()  # the tabs' own messages arrive late: the last choice must stand
    assert (inspector.active_layer, inspector.view) == (len(record.W) - 1, VIEWS[-1])
    assert app.query_one("#layer-tabs", Tabs).active == f"tab-layer-{len(record.W) - 1}"


@pytest.mark.parametrize("config", [XOR, MOONS, SPIRAL], ids=["xor", "moons", "spiral"])
async def test_inspector_shows_every_array_of_every_layer(config):
    t = trainer(config)
    app = WidgetApp(LayerInspector())
    async with app.run_test(size=SIZE) as pilot:
        app.widget.show(t.record)
        await pilot.pause()
        assert app.widget.record is t.record
        tabs = [tab.label_text for tab in app.query_one("#layer-tabs", Tabs).query(Tab)]
        sizes = config.layers
        assert tabs == [f"L{l + 1} {sizes[l]}→{sizes[l + 1]}" for l in range(len(sizes) - 1)]
        await visit_all(app, pilot, t.record)


async def test_inspector_captions_say_what_rows_and_columns_are():
    t = trainer(MOONS)  # 240 training samples: the sample views are capped
    app = WidgetApp(LayerInspector())
    async with app.run_test(size=SIZE) as pilot:
        app.widget.show(t.record)
        await pilot.pause()
        caption = str(app.query_one("#caption-weights-0", Static).render())
        assert "rows = inputs (x1..x2) + bias" in caption
        assert "columns = units of L1 (u1..u8)" in caption
        app.widget.select_layer(1)
        app.widget.select_view("deltas")
        await pilot.pause()
        caption = str(app.query_one("#caption-deltas-1", Static).render())
        assert "delta = dLoss_i/dz" in caption
        assert f"first {MAX_ROWS} of 240 samples" in caption
        assert app.query_one("#deltas-1", DataTable).row_count == MAX_ROWS
        wide = trainer(XOR.replace(layers=(2, MAX_COLUMNS + 4, 1)))
        app.widget.show(wide.record)
        await pilot.pause()
        assert (app.widget.active_layer, app.widget.view) == (1, "deltas")  # kept across the rebuild
        app.widget.select_layer(0)
        assert len(app.query_one("#deltas-0", DataTable).columns) == MAX_COLUMNS
        caption = str(app.query_one("#caption-deltas-0", Static).render())
        assert f"first {MAX_COLUMNS} of {MAX_COLUMNS + 4} units shown" in caption


async def test_step_updates_cells_and_marks_changes():
    t = trainer(MOONS)
    app = WidgetApp(LayerInspector())
    async with app.run_test(size=SIZE) as pilot:
        r0 = t.record
        app.widget.show(r0)
        await pilot.pause()
        table = app.query_one("#weights-0", DataTable)
        first_row = table.rows  # keys stay: cells change in place
        r1 = t.step()
        app.widget.show(r1, previous=r0)
        await pilot.pause()
        assert app.query_one("#weights-0", DataTable) is table and table.rows is first_row
        # Full-batch SGD: the new weights are the old minus lr times the old gradient.
        expected = r0.W[0] - MOONS.lr * r0.dW[0]
        for i in range(2):
            for j in range(8):
                assert text(table, f"in-{i}", f"u-{j}") == fixed(expected[i, j]) + marker(expected[i, j], r0.W[0][i, j])
        marks = [text(table, f"in-{i}", f"u-{j}")[-1] for i in range(2) for j in range(8)]
        assert set(marks) <= {"▲", "▼"} and len(set(marks)) == 2
        await visit_all(app, pilot, r1, previous=r0)


async def test_only_the_visible_table_is_updated():
    t = trainer(MOONS)
    app = WidgetApp(LayerInspector())
    async with app.run_test(size=SIZE) as pilot:
        inspector = app.widget
        r0 = t.record
        inspector.show(r0)
        inspector.select_layer(1)
        await pilot.pause()
        inspector.select_layer(0)
        await pilot.pause()
        hidden = app.query_one("#weights-1", DataTable)
        assert_table_shows(hidden, r0, 1, "weights")
        r1 = t.step()
        inspector.show(r1, r0)
        await pilot.pause()
        assert_table_shows(app.query_one("#weights-0", DataTable), r1, 0, "weights", r0)
        assert_table_shows(hidden, r0, 1, "weights")  # not on screen: untouched
        assert not app.query("#grads-0")  # never shown: never made
        inspector.next_layer()
        await pilot.pause()
        assert inspector.active_layer == 1
        assert_table_shows(hidden, r1, 1, "weights", r0)
        inspector.previous_layer()
        inspector.previous_layer()  # wraps round to the last layer
        assert inspector.active_layer == 2


async def test_rows_out_of_view_are_written_when_scrolled_to():
    t = trainer(MOONS)  # 240 training samples: 200 rows, about 10 in view
    app = WidgetApp(LayerInspector())
    async with app.run_test(size=SIZE) as pilot:
        inspector = app.widget
        r0 = t.record
        inspector.show(r0)
        inspector.select_view("deltas")
        await pilot.pause()
        table = app.query_one("#deltas-0", DataTable)
        r1 = t.step()
        inspector.show(r1, r0)
        await pilot.pause()
        in_view = table.size.height - 1
        assert 0 < in_view < 40
        assert assert_table_shows(table, r1, 0, "deltas", r0, only=range(in_view)) == in_view
        current = [
            i
            for i in range(MAX_ROWS)
            if text(table, f"s-{i}", "u-0") == fixed(r1.delta[0][i, 0]) + marker(r1.delta[0][i, 0], r0.delta[0][i, 0])
        ]
        assert in_view <= len(current) < 40  # an update writes about a screenful, not 200 rows
        assert text(table, "s-199", "u-0") == ""  # never in view: never written
        table.scroll_end(animate=False)
        await pilot.pause()
        last = r1.delta[0][199, 0]
        assert text(table, "s-199", "u-0") == fixed(last) + marker(last, r0.delta[0][199, 0])
        # Scrolling through the whole table fills every row with the current record.
        for top in range(0, MAX_ROWS, in_view):
            table.scroll_to(y=top, animate=False)
            await pilot.pause()
        table.scroll_home(animate=False)
        await pilot.pause()
        assert assert_table_shows(table, r1, 0, "deltas", r0) == MAX_ROWS


async def test_switching_tabs_by_clicking_redraws_from_the_last_record():
    t = trainer(XOR)
    app = WidgetApp(LayerInspector())
    async with app.run_test(size=SIZE) as pilot:
        app.widget.show(t.record)
        await pilot.pause()
        await pilot.click("#tab-layer-1")
        await pilot.click("#tab-view-deltas")
        await pilot.pause()
        assert (app.widget.active_layer, app.widget.view) == (1, "deltas")
        assert_table_shows(app.query_one("#deltas-1", DataTable), t.record, 1, "deltas")


async def test_new_layer_sizes_rebuild_the_tabs():
    app = WidgetApp(LayerInspector())
    async with app.run_test(size=SIZE) as pilot:
        small = trainer(XOR)
        app.widget.show(small.record)
        await pilot.pause()
        app.widget.select_layer(1)
        big = trainer(XOR.replace(layers=(2, 3, 5, 1)))
        app.widget.show(big.record, previous=small.record)  # a previous of another shape is ignored
        await pilot.pause()
        tabs = [tab.label_text for tab in app.query_one("#layer-tabs", Tabs).query(Tab)]
        assert tabs == ["L1 2→3", "L2 3→5", "L3 5→1"]
        assert app.widget.active_layer == 1
        assert_table_shows(app.query_one("#weights-1", DataTable), big.record, 1, "weights")
        await visit_all(app, pilot, big.record)
        with pytest.raises(ValueError, match="does not exist"):
            app.widget.select_layer(3)


async def test_sample_labels_and_weight_selection():
    t = trainer(XOR)
    app = WidgetApp(LayerInspector())
    async with app.run_test(size=SIZE) as pilot:
        labels = ["0,0→0", "0,1→1", "1,0→1", "1,1→0"]
        app.widget.show(t.record, sample_labels=labels)
        app.widget.select_view("deltas")
        await pilot.pause()
        table = app.query_one("#deltas-0", DataTable)
        assert [table.rows[key].label.plain for key in table.rows] == labels
        app.widget.select_view("weights")
        await pilot.pause()
        weights = app.query_one("#weights-0", DataTable)
        weights.focus()
        weights.move_cursor(row=2, column=3)  # the bias row of unit u4
        await pilot.press("enter")
        weights.move_cursor(row=1, column=0)
        await pilot.press("enter")
        await pilot.pause()
        chosen = [(m.layer, m.row, m.column) for m in app.posted if isinstance(m, WeightSelected)]
        assert chosen == [(0, 2, 3), (0, 1, 0)]


async def test_cell_colours_come_from_the_theme():
    t = trainer(XOR)
    app = WidgetApp(LayerInspector())
    async with app.run_test(size=SIZE) as pilot:
        app.widget.show(t.record)
        await pilot.pause()
        table = app.query_one("#weights-0", DataTable)
        W = t.record.W[0]
        i, j = np.unravel_index(np.argmax(W), W.shape)
        style = str(table.get_cell(f"in-{i}", f"u-{j}").style)
        assert style == f"bold {app.theme_variables['text-success']}"
        app.theme = "textual-light"
        await pilot.pause()
        style = str(table.get_cell(f"in-{i}", f"u-{j}").style)
        assert style == f"bold {app.theme_variables['text-success']}"


# ------------------------------------------------------------- predictions


def independent_sample_loss(output: np.ndarray, labels: np.ndarray, loss: str) -> np.ndarray:
    eps = 1e-12
    if output.shape[1] == 1:
        y = labels.astype(float)
        p = np.clip(output[:, 0], eps, 1 - eps)
        return -(y * np.log(p) + (1 - y) * np.log(1 - p))
    y = np.eye(output.shape[1])[labels]
    return -(y * np.log(np.maximum(output, eps))).sum(axis=1)


def assert_predictions(table: DataTable, record, data, loss: str) -> None:
    out = record.output
    predicted = (out[:, 0] > 0.5).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)
    losses = independent_sample_loss(out, data.labels, loss)
    shown = min(len(data.labels), 50)
    assert table.row_count == shown
    # One format per column, chosen from the values shown.
    inputs = [column_format(data.X[:shown, j], 2)[0] for j in range(data.n_features)]
    output = column_format(out[:shown], 4)[0]
    loss_text = column_format(record.sample_loss[:shown], 4)[0]
    for i in range(shown):
        row = f"s-{i}"
        for j in range(data.n_features):
            assert text(table, row, f"in-{j}") == inputs[j](data.X[i, j])
        assert text(table, row, "target").strip() == data.class_names[data.labels[i]]
        for k in range(out.shape[1]):
            assert text(table, row, f"out-{k}") == output(out[i, k])
        assert text(table, row, "pred").strip() == data.class_names[predicted[i]]
        assert float(text(table, row, "loss")) == pytest.approx(losses[i], rel=1e-3, abs=1e-4)
        assert text(table, row, "loss") == loss_text(record.sample_loss[i])
        assert text(table, row, "ok") == ("✓" if predicted[i] == data.labels[i] else "✗")


async def test_predictions_of_a_truth_table():
    t = trainer(XOR)
    app = WidgetApp(PredictionsTable())
    async with app.run_test(size=SIZE) as pilot:
        app.widget.show(t.record, t.data)
        await pilot.pause()
        table = app.query_one("#predictions", DataTable)
        assert_predictions(table, t.record, t.data, "bce")
        assert not app.query_one("#confusion", DataTable).display
        for _ in range(300):
            t.step()
        app.widget.show(t.record, t.data)
        await pilot.pause()
        assert app.query_one("#predictions", DataTable) is table
        assert_predictions(table, t.record, t.data, "bce")
        summary = str(app.query_one("#predictions-summary", Static).render())
        hits = int(t.record.correct.sum())
        assert f"Epoch 300: {hits}/4 training samples right" in summary


@pytest.mark.parametrize(
    "config", [Config(dataset="moons", samples=200, layers=(2, 8, 1)), SPIRAL], ids=["moons", "spiral"]
)
async def test_predictions_of_a_big_set_with_confusion_counts(config):
    t = trainer(config)
    for _ in range(20):
        t.step()
    app = WidgetApp(PredictionsTable())
    async with app.run_test(size=SIZE) as pilot:
        app.widget.show(t.record, t.data)
        await pilot.pause()
        assert_predictions(app.query_one("#predictions", DataTable), t.record, t.data, config.loss)
        confusion = app.query_one("#confusion", DataTable)
        assert confusion.display
        out = t.record.output
        predicted = (out[:, 0] > 0.5).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)
        k = t.data.n_classes
        total = 0
        for true in range(k):
            for pred in range(k):
                count = int(np.sum((t.data.labels == true) & (predicted == pred)))
                assert int(text(confusion, f"true-{true}", f"pred-{pred}")) == count
                total += count
        assert total == len(t.data.labels) == config.samples
        summary = str(app.query_one("#predictions-summary", Static).render())
        assert f"/{config.samples} training samples right" in summary and "first 50 shown" in summary


# -------------------------------------------------------------------- form


def test_form_has_one_control_per_config_field():
    names = [name for _, section in SECTIONS for name in section]
    assert sorted(names) == sorted(FIELD_NAMES)
    assert set(INPUTS) | set(CHOICES) | set(SWITCHES) | set(SELECTIONS) == set(FIELD_NAMES)
    for name in INPUTS:  # the text shown for a value reads back as that value
        assert XOR.parse(name, field_text(XOR, name)) == XOR
        assert SPIRAL.parse(name, field_text(SPIRAL, name)) == SPIRAL


async def type_into(pilot, app, name: str, value: str, submit: bool = True, keys: bool = False) -> None:
    """Put text in a field as a user would: focus it, type (or paste) it, Enter."""
    field = app.query_one(f"#field-{name}", Input)
    field.focus()
    await pilot.pause()
    field.value = ""
    if keys:
        await pilot.press(*value)
    else:
        field.insert_text_at_cursor(value)  # a paste: the same result, fewer round trips
    if submit:
        await pilot.press("enter")
    await pilot.pause()


def changes(app) -> list[HyperparametersChanged]:
    return [m for m in app.posted if isinstance(m, HyperparametersChanged)]


async def test_form_refuses_bad_text_and_explains():
    app = WidgetApp(HyperparameterForm(XOR))
    async with app.run_test(size=(80, 60)) as pilot:
        form = app.widget
        await type_into(pilot, app, "lr", "abc", keys=True)
        field = app.query_one("#field-lr", Input)
        assert field.has_class("-invalid")
        message = str(app.query_one("#error-lr", Static).render())
        assert "'abc' is not a number" in message
        assert app.query_one("#error-lr", Static).display
        assert changes(app) == [] and form.config == XOR
        assert form.errors == {"lr": "'abc' is not a number"}

        await type_into(pilot, app, "lr", "0.1")
        assert not field.has_class("-invalid")
        assert not app.query_one("#error-lr", Static).display
        (change,) = changes(app)
        assert change.field == "lr" and change.config.lr == 0.1 and form.config.lr == 0.1
        assert change.config == XOR.replace(lr=0.1)


async def test_form_applies_on_leaving_a_field_and_reads_back_canonical_text():
    app = WidgetApp(HyperparameterForm(XOR))
    async with app.run_test(size=(80, 60)) as pilot:
        await type_into(pilot, app, "layers", "2-8-1", submit=False)
        assert changes(app) == []  # not per keystroke
        app.query_one("#field-seed", Input).focus()  # leave the field
        await pilot.pause()
        (change,) = changes(app)
        assert change.field == "layers" and change.config.layers == (2, 8, 1)
        assert app.query_one("#field-layers", Input).value == "2,8,1"
        # Leaving an unchanged field posts nothing.
        app.query_one("#field-lr", Input).focus()
        await pilot.pause()
        assert len(changes(app)) == 1


async def test_form_choices_and_switches_post_changes():
    app = WidgetApp(HyperparameterForm(XOR))
    async with app.run_test(size=(80, 60)) as pilot:
        app.query_one("#field-optimizer", Select).value = "adam"
        await pilot.pause()
        app.query_one("#field-feedback_alignment", Switch).value = True
        await pilot.pause()
        posted = changes(app)
        assert [(m.field, m.config.optimizer, m.config.feedback_alignment) for m in posted] == [
            ("optimizer", "adam", False),
            ("feedback_alignment", "adam", True),
        ]
        assert app.widget.config == XOR.replace(optimizer="adam", feedback_alignment=True)


async def test_form_refused_choice_snaps_back_with_a_reason():
    app = WidgetApp(HyperparameterForm(XOR))
    async with app.run_test(size=(80, 60)) as pilot:
        select = app.query_one("#field-output_activation", Select)
        select.value = "softmax"  # one output unit: softmax cannot work
        await pilot.pause()
        assert changes(app) == [] and app.widget.config == XOR
        assert select.value == "sigmoid" and select.has_class("-invalid")
        assert "softmax needs at least 2 output units" in str(
            app.query_one("#error-output_activation", Static).render()
        )
        # bce with a linear output is refused by the pairing rule, named in the message.
        app.query_one("#field-output_activation", Select).value = "linear"
        await pilot.pause()
        assert "Loss: bce needs outputs in (0, 1)" in str(app.query_one("#error-output_activation", Static).render())
        await type_into(pilot, app, "layers", "2,4,3")
        app.query_one("#field-output_activation", Select).value = "softmax"
        await pilot.pause()
        assert app.widget.config.output_activation == "softmax" and not select.has_class("-invalid")


async def test_set_config_refreshes_every_field_without_posting():
    app = WidgetApp(HyperparameterForm(XOR))
    async with app.run_test(size=(80, 60)) as pilot:
        await type_into(pilot, app, "noise", "lots")
        other = SPIRAL.replace(feedback_alignment=True, l2=1e-4, csv_path="data.csv")
        app.widget.set_config(other)
        await pilot.pause()
        assert changes(app) == []
        assert app.widget.config == other and app.widget.errors == {}
        assert app.query_one("#field-dataset", Select).value == "spiral"
        assert app.query_one("#field-loss", Select).value == "ce"
        assert app.query_one("#field-layers", Input).value == "2,6,3"
        assert app.query_one("#field-l2", Input).value == "0.0001"
        assert app.query_one("#field-noise", Input).value == "0.1"
        assert not app.query_one("#field-noise", Input).has_class("-invalid")
        assert app.query_one("#field-csv_path", Input).value == "data.csv"
        assert app.query_one("#field-feedback_alignment", Switch).value is True
        # Every field shows text that parses back to the value in force.
        for name in ("samples", "lr", "beta2", "max_epochs", "target_loss", "epochs_per_step"):
            assert other.parse(name, app.query_one(f"#field-{name}", Input).value) == other

        # The app can explain a problem only it can see (layers that do not fit the data).
        app.widget.show_error("layers", "the data has 3 classes; make the last size 1 or 3")
        await pilot.pause()
        assert app.query_one("#field-layers", Input).has_class("-invalid")
        assert "make the last size" in str(app.query_one("#error-layers", Static).render())
        app.widget.clear_error("layers")
        assert not app.query_one("#field-layers", Input).has_class("-invalid")
        assert app.widget.errors == {} and changes(app) == []
