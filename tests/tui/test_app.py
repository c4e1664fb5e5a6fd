"""The app shell driven headless: every control, checked against the engine's
own arrays for the epoch on screen.

Starting the app is the expensive part (a few hundred widgets), so each test
is a short scenario that checks several controls on one app.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal

import numpy as np
from pilot_helpers import settle_paused, wait_for
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from model import Config, Trainer
from tests.tui.pilot_helpers import launch_done
from tui.app import BackpropApp
from tui.format import fixed
from tui.messages import HyperparametersChanged, RunEnded, TrainingProgress
from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.widgets.hyperparameters import HyperparameterForm
from tui.widgets.layer_inspector import LayerInspector
from tui.widgets.loss_chart import LossChart, downsample
from tui.widgets.stats_bar import StatsBar

SIZE = (120, 40)
# relu hidden, linear output, mse and a huge step: blows up after a couple of dozen epochs.
EXPLODING = Config(activation="relu", output_activation="linear", loss="mse", lr=1e6)


# ---------------------------------------------------------------- helpers


def cell_numbers(table: DataTable) -> list[list[str]]:
    """The number of every cell (its first 8 characters: the change mark follows)."""
    return [[str(cell)[:8] for cell in table.get_row_at(i)] for i in range(table.row_count)]


def expected(values: np.ndarray) -> list[list[str]]:
    """What a table must show for an engine array, formatted here independently."""
    return [[fixed(float(x)) for x in row] for row in np.atleast_2d(values)]


def weights_block(W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A layer's weights with the bias as the last row, as the inspector lays them out."""
    return np.vstack([W, b[None, :]])


def shown_weights(app: BackpropApp, layer: int = 0) -> list[list[str]]:
    return cell_numbers(app.query_one(f"#weights-{layer}", DataTable))


def engine_weights(app: BackpropApp, layer: int = 0) -> list[list[str]]:
    rec = app.trainer.record
    return expected(weights_block(rec.W[layer], rec.b[layer]))


def stat(app: BackpropApp, name: str) -> str:
    """A figure as the stats bar shows it, e.g. stat(app, "loss") == " +0.6931"."""
    return app.query_one(StatsBar).fields[name]


def notes(app: BackpropApp, severity: str | None = None) -> list[str]:
    return [n.message for n in app.__dict__.get("notes_log", []) if severity is None or n.severity == severity]


async def form_of(pilot: Pilot) -> HyperparameterForm:
    """The form, once mounted (it comes just after the first frame)."""
    await wait_for(pilot, lambda: pilot.app.query(HyperparameterForm))
    await pilot.pause()
    return pilot.app.query_one(HyperparameterForm)


async def type_into(pilot: Pilot, field: str, text: str, keys: bool = True) -> Input:
    """Replace a form field's text, key by key (or pasted in one go when
    `keys` is false: typing is slow in a test), then press enter."""
    await form_of(pilot)
    box = pilot.app.query_one(f"#field-{field}", Input)
    box.focus()
    await pilot.pause()
    box.value = ""
    if keys:
        await pilot.press(*text)
    else:
        box.insert_text_at_cursor(text)
    await pilot.press("enter")
    await pilot.pause()
    return box


async def send_key(pilot: Pilot, key: str) -> None:
    """Press a key without waiting for the app to go idle, which it hardly
    does while the worker trains (pilot.press would wait seconds for it)."""
    pilot.app.post_message(events.Key(key, key if len(key) == 1 else None))
    await asyncio.sleep(0.01)


async def leave_form(pilot: Pilot) -> None:
    await pilot.press("escape")
    await pilot.pause()
    assert isinstance(pilot.app.focused, DataTable)


# -------------------------------------------------------------- scenarios


async def test_opening_stepping_back_and_reset_show_the_engine_arrays():
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        # Opens on XOR with Config() defaults, paused, the tables focused
        # (the form panel is closed here only to save start-up time).
        assert app.trainer.config == Config()
        assert app.trainer.layout.sizes == (2, 4, 1)
        assert app.trainer.epoch == 0 and app.state == "paused"
        assert isinstance(app.focused, DataTable)
        initial = shown_weights(app)
        assert initial == engine_weights(app)
        assert stat(app, "epoch").strip() == "0"
        assert "paused" in stat(app, "state") and "–" in stat(app, "rate")

        # Nothing to go back to: greyed out in check_action, the footer and the palette.
        for action in ("back_epoch", "back_many", "reset"):
            assert app.check_action(action, ()) is None
        footer = {key.action: key for key in app.query("FooterKey")}
        assert footer["back_epoch"].has_class("-disabled")
        assert not any(c.title.startswith("Back 1 epoch") for c in app.get_system_commands(app.screen))
        await pilot.press("b")
        assert app.trainer.epoch == 0

        # space: one epoch; every view shows exactly the engine's arrays.
        await pilot.press("space")
        await pilot.pause()
        rec = app.trainer.record
        assert rec.epoch == 1 and not np.array_equal(rec.params, app.trainer.initial_params)
        assert shown_weights(app) == engine_weights(app)
        assert stat(app, "epoch").strip() == "1"
        assert stat(app, "loss") == fixed(rec.loss)
        assert stat(app, "‖∇‖") == fixed(rec.grad_norm)
        assert stat(app, "acc").strip() == f"{100 * rec.accuracy:.1f}%"
        assert str(app.query_one(StatsBar).render()).split()[:2] == ["epoch", "1"]
        inspector = app.query_one(LayerInspector)
        inspector.select_view("grads")
        await pilot.pause()
        assert cell_numbers(app.query_one("#grads-0", DataTable)) == expected(weights_block(rec.dW[0], rec.db[0]))
        inspector.select_view("deltas")
        await pilot.pause()
        deltas = app.query_one("#deltas-0", DataTable)
        assert cell_numbers(deltas) == expected(rec.delta[0])
        marks = {str(cell)[8:] for i in range(deltas.row_count) for cell in deltas.get_row_at(i)}
        assert marks & {"▲", "▼"}  # moved since epoch 0
        inspector.select_view("weights")
        await pilot.pause()
        assert app.check_action("back_epoch", ())
        footer = {key.action: key for key in app.query("FooterKey")}
        assert not footer["back_epoch"].has_class("-disabled")
        assert any(c.title.startswith("Back 1 epoch") for c in app.get_system_commands(app.screen))

        # ] and [ switch layer tabs.
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert inspector.active_layer == 1
        assert shown_weights(app, 1) == engine_weights(app, 1)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert inspector.active_layer == 0
        # The keys keep the tables focused: enter on a weight names it, with its
        # value and gradient from the engine.
        assert app.focused is app.query_one("#weights-0", DataTable)
        await pilot.press("enter")
        await pilot.pause()
        w, g = fixed(rec.W[0][0, 0]).strip(), fixed(rec.dW[0][0, 0]).strip()
        assert any(f"W1 from x1 to u1 at epoch 1: {w}, gradient {g}" in n for n in notes(app))

        # b: back one epoch, exactly (checked against an independent run).
        await pilot.press("space", "space")
        await pilot.pause()
        reference = Trainer.from_config(Config())
        reference.run(2)
        await pilot.press("b")
        await pilot.pause()
        assert app.trainer.epoch == 2
        assert np.array_equal(app.trainer.params, reference.params)
        assert shown_weights(app) == expected(weights_block(reference.record.W[0], reference.record.b[0]))
        chart = app.query_one(LossChart)
        assert chart.marker == 2  # where the run stands in its recorded history
        assert np.array_equal(chart.curves["train"].y, app.trainer.history.series("loss"))

        # l: log scale.
        await pilot.press("l")
        assert chart.log_scale
        await pilot.press("l")
        assert not chart.log_scale

        # 0 and ctrl+r: reset to the same seed's initial weights.
        await pilot.press("0")
        await pilot.pause()
        assert app.trainer.epoch == 0
        assert np.array_equal(app.trainer.params, Trainer.from_config(Config()).params)
        assert shown_weights(app) == initial
        await pilot.press("space", "ctrl+r")
        await pilot.pause()
        assert app.trainer.epoch == 0 and shown_weights(app) == initial


async def test_step_many_and_back_many_use_epochs_per_step_from_preset_weights():
    flat = np.linspace(-1.0, 1.0, Trainer.from_config(Config()).layout.n_params)
    app = BackpropApp(config=Config(epochs_per_step=7), params=flat, show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        assert np.array_equal(app.trainer.params, flat)
        assert shown_weights(app) == engine_weights(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: app.state == "paused" and app.trainer.epoch == 7)
        assert shown_weights(app) == engine_weights(app)
        await pilot.press("space", "B")
        await pilot.pause()
        assert app.trainer.epoch == 1
        await pilot.press("B")
        await pilot.pause()
        assert app.trainer.epoch == 0
        assert np.array_equal(app.trainer.params, flat)


async def test_run_pause_throttling_and_keys_while_running():
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        redraws = app.redraws
        await send_key(pilot, "r")
        await wait_for(pilot, lambda: app.state == "running")
        await wait_for(pilot, lambda: app.query_one(LayerInspector)._record.epoch > 50)
        assert "running" in stat(app, "state")
        assert "ep/s" in stat(app, "rate") and "–" not in stat(app, "rate")

        # A key is answered while the worker trains (bench/bench_tui.py times it).
        chart = app.query_one(LossChart)
        await send_key(pilot, "l")
        await wait_for(pilot, lambda: chart.log_scale)

        await pilot.pause(0.3)
        await pilot.press("r")
        await wait_for(pilot, lambda: not app.running)
        assert app.state == "paused"
        stopped_at = app.trainer.epoch
        # Snapshots are throttled at the source: far fewer redraws than epochs
        # (how many a second is bench/bench_tui.py's to measure).
        drawn = app.redraws - redraws
        assert stopped_at > 100
        assert drawn < stopped_at
        await pilot.pause(0.2)
        assert app.trainer.epoch == stopped_at
        # On screen: the epoch the run stopped at, not a stale snapshot.
        assert shown_weights(app) == engine_weights(app)
        assert stat(app, "epoch").strip() == str(stopped_at)
        assert "–" in stat(app, "rate")

        # space while running pauses first, then steps once.
        await send_key(pilot, "r")
        await wait_for(pilot, lambda: app.shown.epoch > stopped_at + 10)
        await pilot.press("space")
        await wait_for(pilot, lambda: not app.running)
        await pilot.pause()
        assert app.state == "paused"
        epoch = app.trainer.epoch
        await pilot.pause(0.2)
        assert app.trainer.epoch == epoch
        assert shown_weights(app) == engine_weights(app)


async def test_a_lost_training_process_keeps_the_run_start_and_the_app_goes_on():
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space", "space")
        await pilot.pause()
        before = app.trainer.params.copy()
        await send_key(pilot, "r")
        await wait_for(pilot, lambda: app.shown.epoch > 50)
        os.kill(app.run_control.process_pid, signal.SIGKILL)  # as the system's OOM killer would
        await wait_for(pilot, lambda: not app.running)
        assert app.state == "paused"
        assert notes(app, "error")[-1] == (
            "the training process ended unexpectedly (killed by signal 9); kept epoch 3, where the run began"
        )
        assert app.trainer.epoch == 3 and np.array_equal(app.trainer.params, before)
        assert stat(app, "epoch").strip() == "3" and shown_weights(app) == engine_weights(app)

        await pilot.press("space")  # stepping is in this process
        await pilot.pause()
        assert app.trainer.epoch == 4
        await send_key(pilot, "r")  # and a new child takes the next run
        await wait_for(pilot, lambda: app.shown.epoch > 50)
        await pilot.press("r")
        await wait_for(pilot, lambda: not app.running)
        assert app.state == "paused" and app.trainer.epoch > 50
        assert shown_weights(app) == engine_weights(app)
        # The app's objects were kept from the garbage collector while it ran ...
        assert gc.get_freeze_count() > 0
    # ... and are its again once the app has gone (a test process runs many apps).
    assert gc.get_freeze_count() == 0


async def test_run_pause_pressed_fast_and_mixed_with_steps_stays_exact():
    """Every pause takes the child's trainer back before anything else moves:
    however fast the keys come, the run is the engine's, epoch for epoch."""
    config = Config(
        dataset="moons",
        samples=60,
        layers=(2, 6, 1),
        mode="minibatch",
        batch_size=16,
        optimizer="adam",
        lr=0.01,
        max_epochs=10**9,
    )
    app = BackpropApp(config=config, show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        for key in ["r", "r"] * 6 + ["r", "space", "r", "b", "r", "n", "r", "r"]:
            await send_key(pilot, key)
            await asyncio.sleep(0.03)
        # Where that left it depends on timing (n may end before or after the next r).
        await settle_paused(pilot)
        if app.trainer.epoch <= 20:
            await send_key(pilot, "r")
            await wait_for(pilot, lambda: app.shown.epoch > 20)
            await settle_paused(pilot)
        assert app.state == "paused"
        trainer = app.trainer
        here = Trainer.from_config(config)
        here.run(trainer.epoch)
        assert np.array_equal(trainer.params, here.params)
        assert np.array_equal(trainer.history.series("loss")[: trainer.epoch + 1], here.history.series("loss"))
        assert stat(app, "epoch").strip() == str(trainer.epoch) and shown_weights(app) == engine_weights(app)


async def test_a_hot_change_during_step_many_keeps_the_epoch_it_goes_to():
    """n trains 'epochs per step' epochs; a change made meanwhile does not turn it into an endless run."""
    app = BackpropApp(config=Config(epochs_per_step=30_000, max_epochs=10**9), show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        await send_key(pilot, "n")
        await wait_for(pilot, lambda: app.shown.epoch > 100)
        app.post_message(HyperparametersChanged(app.trainer.config.replace(lr=0.3), "lr"))  # as the form sends it
        await wait_for(pilot, lambda: app.trainer.config.lr == 0.3)
        assert app.running and app.trainer.epoch < 30_000
        await wait_for(pilot, lambda: not app.running, timeout=30)
        assert app.state == "paused" and app.trainer.epoch == 30_000


def test_progress_messages_replace_each_other():
    first, second = TrainingProgress(1, None, 1.0), TrainingProgress(1, None, 2.0)
    assert second.can_replace(first)
    assert not RunEnded(1, None).can_replace(first)


async def test_invalid_learning_rates_are_refused_and_typing_never_triggers_keys():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        form = await form_of(pilot)
        for text in ("abc", "-1", "1e999"):
            box = await type_into(pilot, "lr", text, keys=text == "abc")
            assert form.errors.get("lr"), text
            assert box.has_class("-invalid")
            assert str(app.query_one("#error-lr").render()).strip()
            assert app.trainer.config.lr == 0.5
        assert app.trainer.epoch == 0  # the typing stepped nothing

        box = app.query_one("#field-label_column", Input)
        box.focus()
        await pilot.pause()
        keys = ["space", "n", "r", "b", "B", "0", "l", "left_square_bracket", "right_square_bracket", "h", "q"]
        await pilot.press(*keys)
        await pilot.pause(0.1)
        assert box.value == " nrbB0l[]hq"
        assert app.trainer.epoch == 0 and app.state == "paused"
        assert app.is_running
        assert app.query_one("#side").display
        assert not app.query_one(LossChart).log_scale
        assert app.query_one(LayerInspector).active_layer == 0


async def test_a_hot_change_applies_from_the_next_epoch_and_branches_after_going_back():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        await pilot.press("space", "space")
        await type_into(pilot, "lr", "0.1", keys=False)
        assert app.trainer.config.lr == 0.1 and app.trainer.epoch == 2
        assert any("learning rate 0.1 applies from epoch 3" in n for n in notes(app))
        # Going back before the change puts the old rate back, in the form too.
        await leave_form(pilot)
        await pilot.press("space", "b", "b", "b")
        await pilot.pause()
        assert app.trainer.epoch == 0
        assert app.trainer.config.lr == 0.5
        assert app.query_one(HyperparameterForm).config.lr == 0.5
        # A change with a recorded future ahead keeps that future as a faded branch.
        await type_into(pilot, "lr", "2", keys=False)
        assert app.trainer.config.lr == 2.0
        assert len(app.trainer.branches) == 1
        assert any("branch" in n for n in notes(app))
        assert "branch-0" in app.query_one(LossChart).curves


async def test_a_rebuild_asks_first_and_can_be_declined_or_accepted():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        await pilot.press("space", "space")
        await type_into(pilot, "layers", "2,3,1", keys=False)
        assert isinstance(app.screen, ConfirmScreen)
        assert "(2 epochs)" in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        assert app.trainer.layout.sizes == (2, 4, 1) and app.trainer.epoch == 2
        assert app.query_one(HyperparameterForm).config.layers == (2, 4, 1)
        assert app.query_one("#field-layers", Input).value == "2,4,1"

        await type_into(pilot, "layers", "2,3,2,1", keys=False)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        await pilot.pause()
        assert app.trainer.layout.sizes == (2, 3, 2, 1) and app.trainer.epoch == 0
        inspector = app.query_one(LayerInspector)
        for layer in range(3):
            inspector.select_layer(layer)
            await pilot.pause()
            assert shown_weights(app, layer) == engine_weights(app, layer)


async def test_a_rebuild_the_data_cannot_take_is_explained_and_undone():
    app = BackpropApp(config=Config(dataset="blobs"))
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        await type_into(pilot, "classes", "3", keys=False)  # the output layer follows the data (issue 14)
        form = app.query_one(HyperparameterForm)
        await wait_for(pilot, lambda: app.trainer.config.classes == 3)
        assert app.trainer.layout.sizes[-1] == 3 and not form.errors
        await type_into(pilot, "samples", "5", keys=False)
        await wait_for(pilot, lambda: app.trainer.config.samples == 5)
        await type_into(pilot, "classes", "10", keys=False)  # 5 samples cannot hold 10 classes
        assert app.trainer.config.classes == 3 and form.config.classes == 3
        assert "number of classes" in form.errors["classes"]
        assert notes(app, "error")


async def test_a_nan_run_ends_diverged_and_step_back_works():
    app = BackpropApp(config=EXPLODING, show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        await send_key(pilot, "r")
        await wait_for(pilot, lambda: app.state == "diverged")
        trainer = app.trainer
        assert trainer.divergence is not None
        assert stat(app, "state") == str(trainer.divergence)
        assert stat(app, "state").startswith(f"diverged at epoch {trainer.epoch + 1}")
        assert notes(app, "error")
        last_good = trainer.epoch
        assert last_good > 1 and np.isfinite(trainer.params).all()
        assert app.check_action("step", ()) is None
        assert app.check_action("toggle_run", ()) is None
        await pilot.press("space", "r")  # greyed out: nothing happens
        await pilot.pause()
        assert trainer.epoch == last_good and app.state == "diverged"
        await pilot.press("b")
        await pilot.pause()
        assert trainer.epoch == last_good - 1 and app.state == "paused"
        assert shown_weights(app) == engine_weights(app)


async def test_a_stop_condition_ends_the_run_as_done():
    app = BackpropApp(config=Config(max_epochs=25), show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        await send_key(pilot, "r")
        await wait_for(pilot, lambda: app.state == "done")
        assert app.trainer.epoch == 25
        assert "reached the epoch limit (25)" in stat(app, "state")
        assert app.check_action("toggle_run", ()) is None
        await pilot.press("r")
        await pilot.pause()
        assert app.state == "done" and app.trainer.epoch == 25


async def test_help_lists_every_binding_and_the_form_key_toggles_the_panel():
    app = BackpropApp()
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = app.screen.keys
        assert len(app.screen.query_one("#help-keys").content.rows) == len(rows)  # all drawn
        assert {b.tooltip or b.description for b in BackpropApp.BINDINGS} <= {row[1] for row in rows}
        keys = {key.strip().lower() for row in rows for key in row[0].split("/")}
        assert {"space", "n", "r", "p", "b", "0", "l", "[", "]", "h", "f1", "q", "escape"} <= keys
        assert "B" in {key.strip() for row in rows for key in row[0].split("/")}
        assert "dLoss_i/dz" in app.screen.query_one("#help-guide").source
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)

        side = app.query_one("#side")
        assert side.display
        await pilot.press("h")
        await pilot.pause()
        assert not side.display
        await pilot.press("h")
        await pilot.pause()
        assert side.display and app.focused is app.query_one("#field-dataset")
        await leave_form(pilot)


def test_downsample_keeps_the_ends_and_the_budget():
    values = np.arange(10_000, dtype=float)
    curve = downsample(values, 100)
    assert len(curve.x) <= 100
    assert curve.x[0] == 0 and curve.x[-1] == 9_999
    assert np.array_equal(curve.y, values[curve.x])
    gaps = downsample(np.array([1.0, np.nan, 3.0]), 10, start=5)
    assert gaps.x.tolist() == [5, 7] and gaps.y.tolist() == [1.0, 3.0]
