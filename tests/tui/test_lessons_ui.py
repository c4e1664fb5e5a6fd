"""The lessons menu: the m key, its list and text, the ctrl+p commands, and
the run it opens (issue 14, item 1)."""

from __future__ import annotations

import numpy as np

from model import Config
from model.lessons import LESSONS, lesson
from tests.tui.pilot_helpers import wait_for, wait_for_screen
from tui.app import BackpropApp
from tui.screens.confirm import ConfirmScreen
from tui.screens.lessons import LessonsScreen

SIZE = (120, 40)


async def test_m_lists_the_lessons_and_enter_opens_one():
    app = BackpropApp(Config(), show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await wait_for_screen(pilot, LessonsScreen)
        options = app.screen.query_one("#lessons-options")
        assert options.option_count == len(LESSONS)
        text = str(app.screen.query_one("#lessons-text").render())
        assert lesson("classic-xor").promise[:40] in text
        await pilot.press("down")  # the text follows the highlight
        await pilot.pause()
        assert lesson("xor-plateau").promise[:40] in str(app.screen.query_one("#lessons-text").render())
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, LessonsScreen))
        assert app.lesson == "xor-plateau"
        assert app.trainer.config == lesson("xor-plateau").config
        assert app.trainer.epoch == 0


async def test_escape_keeps_the_run():
    app = BackpropApp(Config(), show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        before = app.trainer
        await pilot.press("t")
        await wait_for_screen(pilot, LessonsScreen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, LessonsScreen))
        assert app.trainer is before and app.lesson is None


async def test_the_palette_opens_a_lesson_and_asks_before_discarding_training():
    app = BackpropApp(Config(), show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await pilot.pause()
        titles = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "Lessons menu (t)" in titles
        command = titles["Lesson: The classic 2-2-1 XOR of the write-ups"]
        command.callback()
        await wait_for_screen(pilot, ConfirmScreen)  # one epoch trained: ask
        assert "(1 epoch)" in app.screen.question
        await pilot.press("y")
        await wait_for(pilot, lambda: app.lesson == "classic-xor")
        assert np.array_equal(app.trainer.params, lesson("classic-xor").trainer().params)
        assert round(app.trainer.record.loss, 4) == 0.2558
