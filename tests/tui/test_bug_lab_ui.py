"""k (bug lab, quiz) and K (check a learner's file), driven headless: what the
screens show is read back against the engine's arrays and the check's report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pilot_helpers import wait_for, wait_for_screen
from textual.widgets import DataTable, Input, OptionList, Static

from model import Config
from model.backward_check import check_file
from model.bugs import BUGS, CATALOGUE
from tui.app import EXPLAIN, BackpropApp
from tui.screens.bug_lab import BugLabScreen, QuizGuessScreen, RevealScreen
from tui.screens.check_report import CheckReportScreen
from tui.widgets.layer_inspector import LayerInspector

SIZE = (120, 40)
XOR_221 = Config(layers=(2, 2, 1), activation="sigmoid", output_activation="sigmoid", loss="mse")
FILES = Path(__file__).resolve().parent.parent / "learner_files"


async def choose(pilot, screen_type, option_id: str) -> None:
    await wait_for_screen(pilot, screen_type)
    options = pilot.app.screen.query_one(OptionList)
    index = next(i for i in range(options.option_count) if options.get_option_at_index(i).id == option_id)
    options.highlighted = index
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


def test_the_new_keys_are_explained():
    assert {"bug_lab", "check_file"} <= set(EXPLAIN)


async def test_k_plants_a_bug_says_so_and_the_tables_show_its_symptom():
    app = BackpropApp(config=XOR_221, show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        await choose(pilot, BugLabScreen, "disconnected_hidden")
        await wait_for(pilot, lambda: app.trainer.bug is not None)
        assert app.trainer.bug is BUGS["disconnected_hidden"] and app.trainer.epoch == 0
        inspector = app.query_one(LayerInspector)
        assert "bug planted: disconnected_hidden" in str(inspector.border_title)
        start_W1 = app.trainer.record.W[0].copy()
        for _ in range(5):
            await pilot.press("space")
        await wait_for(pilot, lambda: app.trainer.epoch == 5)
        assert not app.trainer.record.delta[0].any()
        np.testing.assert_array_equal(app.trainer.record.W[0], start_W1)
        # Back to the verified engine: the title no longer mentions a bug.
        await pilot.press("k")
        await choose(pilot, BugLabScreen, "-none")
        await wait_for(pilot, lambda: app.trainer.bug is None)
        await pilot.pause()
        assert "bug" not in str(inspector.border_title)


async def test_a_bug_this_network_cannot_hold_is_greyed_out():
    app = BackpropApp(config=XOR_221, show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        await wait_for_screen(pilot, BugLabScreen)
        options = app.screen.query_one(OptionList)
        disabled = {
            options.get_option_at_index(i).id
            for i in range(options.option_count)
            if options.get_option_at_index(i).disabled
        }
        assert disabled == {"softmax_no_max"}
        await pilot.press("escape")


async def test_the_quiz_hides_the_name_then_reveals_the_planted_line(monkeypatch):
    import tui.screens.bug_lab as lab

    monkeypatch.setattr(lab.random, "choice", lambda bugs: BUGS["derivative_at_a"])
    app = BackpropApp(config=XOR_221, show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        await choose(pilot, BugLabScreen, "-quiz")
        await wait_for(pilot, lambda: app.trainer.bug is not None)
        await pilot.pause()
        title = str(app.query_one(LayerInspector).border_title)
        assert "quiz: a bug is planted" in title and "derivative" not in title
        await pilot.press("space")
        await pilot.press("k")
        await wait_for_screen(pilot, QuizGuessScreen)
        assert app.screen.query_one(OptionList).option_count == len(CATALOGUE)
        await choose(pilot, QuizGuessScreen, "derivative_twice")
        await wait_for_screen(pilot, RevealScreen)
        text = str(app.screen.query_one("#reveal-text", Static).render())
        assert "Not quite" in text and BUGS["derivative_at_a"].planted_line in text
        assert BUGS["derivative_at_a"].correct_line in text and "the delta of layer 1" in text
        await pilot.press("escape")
        await pilot.pause()
        assert "bug planted: derivative_at_a" in str(app.query_one(LayerInspector).border_title)


async def test_K_checks_a_file_and_the_table_reads_the_report():
    app = BackpropApp(config=XOR_221.replace(lr=0.1), show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("K")
        await wait_for_screen(pilot, CheckReportScreen)
        screen = app.screen
        path = str(FILES / "bug_derivative_twice.py")
        screen.query_one(Input).value = path
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.report is not None, timeout=30)
        await pilot.pause()
        expected = check_file(path, app.trainer)
        table = screen.query_one(DataTable)
        names = [(str(table.get_row_at(i)[0]), str(table.get_row_at(i)[1])) for i in range(table.row_count)]
        assert names == [(row.quantity, str(row.layer) if row.layer else "-") for row in expected.rows]
        first = names.index(("dz", "1"))
        assert "first" in str(table.get_row_at(first)[4])
        words = str(screen.query_one("#check-words", Static).render())
        assert "derivative_twice" in words


async def test_K_compares_whole_runs_when_given_epochs():
    app = BackpropApp(config=XOR_221.replace(lr=0.1), show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("K")
        await wait_for_screen(pilot, CheckReportScreen)
        screen = app.screen
        screen.query_one("#check-epochs", Input).value = "200"
        screen.query_one("#check-path", Input).value = str(FILES / "correct_221_mean.py")
        screen.query_one("#check-path", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.report is not None, timeout=30)
        await pilot.pause()
        assert screen.report.status == 0 and screen.report.epochs.epochs == 200
        assert "agree for all 200 epochs" in str(screen.query_one("#check-words", Static).render())


async def test_K_says_why_a_file_cannot_be_used():
    app = BackpropApp(config=XOR_221, show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("K")
        await wait_for_screen(pilot, CheckReportScreen)
        screen = app.screen
        screen.query_one(Input).value = str(FILES / "unusable_missing.py")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.report is not None, timeout=30)
        await pilot.pause()
        assert "no function backward" in str(screen.query_one("#check-verdict", Static).render())
        assert screen.query_one(DataTable).row_count == 0


async def test_K_is_refused_when_the_app_is_served_to_a_browser(monkeypatch):
    monkeypatch.setattr(BackpropApp, "is_web", property(lambda self: True))
    app = BackpropApp(config=XOR_221, show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("K")
        await pilot.pause()
        assert not isinstance(app.screen, CheckReportScreen)
