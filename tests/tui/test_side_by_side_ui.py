"""The side-by-side screen (o): it opens saying what to do, its two sides are
each the engine's run alone, a pause answers at once, keys arriving together
never hang it, and leaving it gives back the main run untouched."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pilot_helpers import drained, wait_for, wait_for_screen
from textual import events
from textual.widgets import Input, OptionList, Static

from model import Config, Trainer
from model.side_by_side import COMPARISONS
from tui.app import BackpropApp
from tui.screens.side_by_side import SideBySideScreen
from tui.widgets.decision_boundary import DecisionBoundary
from tui.widgets.pair_chart import PairChart

CONFIG = Config(
    dataset="moons", samples=40, layers=(2, 5, 1), activation="tanh", lr=0.5, epochs_per_step=7, max_epochs=10**9
)
CHARACTERS = {"space": " "}


def engine(config: Config, epochs: int) -> Trainer:
    trainer = Trainer.from_config(config)
    with np.errstate(all="ignore"):
        for _ in range(epochs):
            trainer.step()
    return trainer


def assert_sides_are_the_engines(screen: SideBySideScreen) -> None:
    pair = screen.pair
    assert pair is not None
    for side, config in zip(pair.sides, (pair.left_config, pair.right_config)):
        alone = engine(config, side.epoch)
        np.testing.assert_array_equal(side.params, alone.params)
        np.testing.assert_array_equal(side.history.series("loss")[: side.epoch + 1], alone.history.series("loss"))
        assert side.record.loss == alone.record.loss


async def shown(pilot) -> SideBySideScreen:
    """`o` pressed, the screen mounted, its list of comparisons focused."""
    await pilot.press("o")
    await wait_for_screen(pilot, SideBySideScreen)
    screen = pilot.app.screen
    assert isinstance(screen, SideBySideScreen)
    await wait_for(pilot, lambda: isinstance(pilot.app.focused, OptionList))
    return screen


async def open_screen(pilot, choice: int = 0) -> SideBySideScreen:
    screen = await shown(pilot)
    for _ in range(choice):
        await pilot.press("down")
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.pair is not None)
    return screen


def post(app, key: str) -> None:
    app.post_message(events.Key(key, CHARACTERS.get(key, key if len(key) == 1 else None)))


async def test_opens_with_words_then_steps_both_sides_as_the_engine():
    app = BackpropApp(config=CONFIG, show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await shown(pilot)
        about = str(screen.query_one("#sbs-about", Static).render())
        assert "Side by side" in about and "enter" in about and "Escape" in about
        assert isinstance(app.focused, OptionList)
        assert screen.check_action("step", ()) is None  # nothing to step before a choice
        await pilot.press("enter")  # the first: backprop vs feedback alignment
        await wait_for(pilot, lambda: screen.pair is not None)
        assert screen.pair.right_config.feedback_alignment and screen.pair.same_weights
        assert "feedback alignment (B fixed random)" in str(screen.query_one("#sbs-about", Static).render())
        for _ in range(3):
            await pilot.press("space")
        assert screen.pair.left.epoch == screen.pair.right.epoch == 3
        await pilot.press("n")
        await wait_for(pilot, lambda: not screen.running)
        assert screen.pair.epoch == 3 + CONFIG.epochs_per_step
        await pilot.press("b")
        assert screen.pair.epoch == 2 + CONFIG.epochs_per_step
        assert_sides_are_the_engines(screen)
        chart = screen.query_one(PairChart)
        assert set(chart.curves) == {"left", "right"}
        assert chart.legend == ["left: backprop", "right: feedback alignment"]
        stats = str(screen.query_one("#sbs-right-stats", Static).render())
        assert f"epoch {screen.pair.epoch:>6}" in stats


async def test_run_then_pause_answers_at_once_and_matches_the_engine():
    app = BackpropApp(config=CONFIG, show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_screen(pilot, choice=1)  # learning rate x10
        post(app, "r")
        await wait_for(pilot, lambda: screen.pair.epoch >= 20)
        post(app, "p")
        await drained(pilot)
        assert not screen.running  # handled as soon as it arrived: no batch is half done
        stopped = screen.pair.epoch
        await pilot.pause(0.2)
        assert screen.pair.epoch == stopped
        assert screen.pair.right_config.lr == CONFIG.lr * 10
        assert_sides_are_the_engines(screen)


async def test_escape_returns_to_the_main_run_unchanged():
    app = BackpropApp(config=CONFIG, show_form=False)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(4):
            await pilot.press("space")
        trainer = app.trainer
        before = (trainer.epoch, trainer.last_epoch, trainer.params.copy(), trainer.history.series("loss").copy())
        screen = await open_screen(pilot)
        await pilot.press("space", "space", "b")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SideBySideScreen))
        assert app.trainer is trainer
        assert (trainer.epoch, trainer.last_epoch) == before[:2]
        np.testing.assert_array_equal(trainer.params, before[2])
        np.testing.assert_array_equal(trainer.history.series("loss"), before[3])
        assert screen.pair.left is not trainer
        await pilot.press("space")  # the main run goes on as before
        assert app.trainer.epoch == 5


async def test_typed_settings_and_their_errors():
    app = BackpropApp(config=CONFIG, show_form=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await shown(pilot)
        screen.query_one(Input).focus()
        await pilot.press(*"lr=abc", "enter")
        assert screen.pair is None
        assert "not a number" in str(screen.query_one("#sbs-error", Static).render())
        screen.query_one(Input).value = "lr=0.05 optimizer=momentum"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.pair is not None)
        assert screen.pair.right_config == CONFIG.replace(lr=0.05, optimizer="momentum")
        await pilot.press("space")
        assert_sides_are_the_engines(screen)
        await pilot.press("c")  # another comparison: the list again; escape goes back to the pair
        assert screen.query_one("#sbs-chooser").display
        await pilot.press("escape")
        assert screen.query_one("#sbs-view").display and isinstance(app.screen, SideBySideScreen)


async def test_palette_lists_the_key_and_each_comparison():
    app = BackpropApp(config=CONFIG, show_form=False)
    async with app.run_test(size=(100, 30)) as pilot:
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        assert "Side by side comparison (o)" in commands
        for item in COMPARISONS:
            assert f"Side by side: {item.title}" in commands
        commands["Side by side: Momentum vs plain SGD"].callback()
        await wait_for(pilot, lambda: isinstance(app.screen, SideBySideScreen) and app.screen.pair is not None)
        assert app.screen.pair.right_config.optimizer == "momentum"
        help_rows = {row[1] for row in app.key_help()}
        assert "Side by side comparison" in help_rows
        # On the screen, the palette holds its own keys, never the app's (they would move the run underneath).
        screen = app.screen
        titles = [command.title for command in app.get_system_commands(screen)]
        assert "Step 1 epoch (space)" in titles and "Back to your run (esc)" in titles
        assert not any(
            title.startswith(("Feedback alignment", "Lessons", "Edit weight", "Step one phase")) for title in titles
        )
        next(c for c in app.get_system_commands(screen) if c.title == "Side by side: Learning rate ×10").callback()
        assert screen.pair.right_config.lr == CONFIG.lr * 10
        await app.run_action("step", screen)
        assert screen.pair.epoch == 1 and app.trainer.epoch == 0


async def test_both_maps_and_the_chart_fit_at_each_size():
    app = BackpropApp(config=CONFIG, show_form=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("space", "space")
        for size in [(80, 24), (120, 40), (200, 50)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            for side in ("left", "right"):
                boundary = screen.query_one(f"#sbs-{side}-map", DecisionBoundary)
                assert boundary.size.width >= 20 and boundary.size.height >= 4, size
                assert boundary.grid is not None and not boundary.message, size
                assert screen.query_one(f"#sbs-{side}-stats", Static).region.right <= size[0]
            chart = screen.query_one(PairChart)
            assert chart.size.height >= 5 and set(chart.curves) == {"left", "right"}, size
        await pilot.press("f1")
        assert "help" in type(app.screen).__name__.lower()
        await pilot.press("escape")
        assert isinstance(app.screen, SideBySideScreen)


async def test_data_with_more_than_two_features_shows_no_maps():
    config = Config(dataset="iris", layers=(4, 5, 3), output_activation="softmax", loss="ce", lr=0.1)
    app = BackpropApp(config=config, show_form=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("space")
        assert not screen.query_one("#sbs-left-map").display
        assert_sides_are_the_engines(screen)


STORM_KEYS = ["space", "n", "r", "p", "b", "0", "l", "d"]
gap = st.one_of(st.just(0.0), st.floats(0.0, 0.03))


@pytest.fixture
async def open_pair():
    app = BackpropApp(config=CONFIG, show_form=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_screen(pilot, choice=3)  # momentum vs plain SGD
        yield app, pilot, screen


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
)
@given(keys=st.lists(st.tuples(st.sampled_from(STORM_KEYS), gap), min_size=10, max_size=40))
async def test_a_storm_of_keys_ends_paused_on_the_engines_runs(open_pair, keys):
    app, pilot, screen = open_pair
    for key, pause in keys:
        post(app, key)
        if pause:
            await asyncio.sleep(pause)
    await drained(pilot)
    if screen.running:
        # Called, not posted: a posted p could arrive after an n run ended by itself and start another.
        screen.action_toggle_run()
    assert not screen.running
    assert screen.pair.left.epoch == screen.pair.right.epoch
    assert_sides_are_the_engines(screen)
    assert app.trainer.epoch == 0 and app.trainer.last_epoch == 0  # the main run is never touched
    screen.compare_with(screen.pair.right_config)  # the next storm starts from epoch 0
