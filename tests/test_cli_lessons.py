"""`--lesson NAME` opens a lesson (issue 14, item 1), headless or in the app."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model.lessons import LESSON_NAMES, lesson
from tests.cli_run import run
from tui import cli


@pytest.fixture
def launched(monkeypatch):
    """The plan the app would have opened, instead of opening it."""
    plans = []
    monkeypatch.setattr(cli, "launch", lambda plan: plans.append(plan) or 0)
    return plans


def test_classic_xor_headless_prints_the_write_ups_loss():
    code, out, err = run("--lesson", "classic-xor", "--json", "--epochs", "9000")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["epoch"] == 9000
    assert round(summary["loss"], 4) == 0.1438


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_every_lesson_opens_in_the_app_with_its_weights(launched, name):
    code, _, err = run("--lesson", name)
    assert code == 0, err
    plan = launched[0]
    assert plan.lesson == name and plan.config == lesson(name).config
    assert np.array_equal(plan.trainer.params, lesson(name).trainer().params)


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--lesson", "sprial"], "--lesson: unknown value 'sprial'; did you mean 'spiral'?"),
        (["--lesson", "spiral", "--lr", "3"], "--lr: not with --lesson"),
        (["--lesson", "spiral", "--dataset", "xor"], "--dataset: not with --lesson"),
        (["--lesson", "spiral", "--epochs", "0"], "--epochs:"),
    ],
)
def test_bad_lesson_options_are_one_line(launched, argv, fragment):
    code, out, err = run(*argv)
    assert code == 2 and out == "" and not launched
    assert err.startswith("backprop-tui: error: ") and err.count("\n") == 1 and fragment in err
