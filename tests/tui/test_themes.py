"""Themes and the focus layout (issue 14, item 4): a light and a projector
theme registered with Textual, chosen by --theme or ctrl+p; the chart and the
panels take their colours from the theme in force."""

from __future__ import annotations

import pytest
from textual.color import Color

from model import Config
from tests.cli_run import run
from tests.tui.pilot_helpers import launch_done, wait_for
from tui import cli
from tui.app import BackpropApp
from tui.themes import THEME_NAMES, THEMES
from tui.widgets.loss_chart import LossChart

SIZE = (120, 40)


async def test_each_theme_recolours_the_app_and_the_chart():
    app = BackpropApp(Config(), show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        assert {t.name for t in THEMES} <= set(app.available_themes)
        chart = app.query_one(LossChart)
        looks = {}
        for theme in ("textual-dark", "backprop-light", "backprop-projector"):
            app.theme = theme
            await pilot.pause()
            variables = app.theme_variables
            # The train curve is drawn in the theme's $text-primary.
            assert chart._colour("text-primary") == Color.parse(variables["text-primary"]).rgb
            looks[theme] = (Color.parse(variables["background"]).rgb, Color.parse(variables["foreground"]).rgb)
        assert len(set(looks.values())) == 3
        assert looks["backprop-projector"] == ((0, 0, 0), (255, 255, 255))  # the most contrast a screen has
        assert looks["backprop-light"][0] == (255, 255, 255)


async def test_the_chart_redraws_when_the_theme_changes():
    app = BackpropApp(Config(), show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await pilot.pause()
        chart = app.query_one(LossChart)
        drawn = []
        original = chart._draw
        chart._draw = lambda: (drawn.append(app.theme), original())[1]  # type: ignore[method-assign]
        app.theme = "backprop-light"
        await wait_for(pilot, lambda: "backprop-light" in drawn)


async def test_z_switches_the_focus_layout():
    app = BackpropApp(Config(), show_form=True)
    async with app.run_test(size=SIZE) as pilot:
        await launch_done(pilot)
        panel = app.query_one("#insights-panel")
        chart = app.query_one(LossChart)
        width = chart.size.width
        await pilot.press("z")
        await pilot.pause()
        assert app.has_class("-focus-layout")
        assert not panel.display or panel.styles.display == "none"
        assert not app.query_one("#side").display
        assert chart.size.width > width
        await pilot.press("z")
        await pilot.pause()
        assert not app.has_class("-focus-layout") and app.query_one("#side").display


@pytest.fixture
def launched(monkeypatch):
    plans = []
    monkeypatch.setattr(cli, "launch", lambda plan: plans.append(plan) or 0)
    return plans


@pytest.mark.parametrize("name", ["backprop-light", "backprop-projector", "nord"])
def test_theme_option_reaches_the_app(launched, name):
    code, _, err = run("--theme", name)
    assert code == 0, err
    assert launched[0].theme == name and name in THEME_NAMES


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--theme", "projektor"], "did you mean 'backprop-projector'"),
        (["--theme", "nord", "--json"], "not with --json"),
    ],
)
def test_bad_theme_options_are_one_line(launched, argv, fragment):
    code, out, err = run(*argv)
    assert code == 2 and out == "" and not launched and err.count("\n") == 1 and fragment in err
