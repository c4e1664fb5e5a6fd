"""`backprop-tui check` and `--bug` on the command line: exit codes 0/1/2,
the table, the template, and the options shared with the main command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from model.weights_file import save_weights
from tests.cli_run import run

FILES = Path(__file__).resolve().parent / "learner_files"
XOR_221 = ("--dataset", "xor", "--layers", "2,2,1", "--activation", "sigmoid", "--loss", "mse", "--lr", "0.1")


def test_a_correct_file_exits_zero_with_a_table_and_the_conventions():
    code, out, err = run("check", str(FILES / "correct_221_mean.py"), *XOR_221)
    assert code == 0, err
    assert "\ndz                  1" in out and "agrees" in out and "DIFFERS" not in out
    assert "convention: dz is the gradient of the batch-mean loss" in out
    assert out.rstrip().endswith("result: everything agrees")


def test_a_bug_exits_one_naming_the_first_quantity_and_the_likely_bug():
    code, out, _ = run("check", str(FILES / "bug_disconnected_hidden.py"), *XOR_221)
    assert code == 1
    assert "first difference: dz1: dz1 is all zeros" in out
    assert "most likely: disconnected hidden layer (disconnected_hidden)" in out
    assert "\ndz                  1" in out and "<- first" in out


def test_an_unusable_file_exits_two_with_one_line():
    code, out, err = run("check", str(FILES / "unusable_syntax.py"), *XOR_221)
    assert code == 2 and out == ""
    assert err.startswith("backprop-tui: error: ") and err.count("\n") == 1 and "syntax error" in err


def test_the_time_limit_is_an_option(tmp_path):
    code, _, err = run("check", str(FILES / "unusable_hang.py"), *XOR_221, "--timeout", "1")
    assert code == 2 and "within 1 s" in err
    code, _, err = run("check", str(FILES / "unusable_hang.py"), "--timeout", "soon")
    assert code == 2 and "--timeout" in err


def test_the_template_for_the_options_passes_its_own_check(tmp_path):
    options = ("--dataset", "blobs", "--classes", "3", "--hidden", "4", "--activation", "tanh", "--lr", "0.3")
    code, text, _ = run("check", "--template", *options)
    assert code == 0 and "def backward(X, Y, params, cache):" in text and "softmax" in text
    path = tmp_path / "mine.py"
    path.write_text(text)
    code, out, err = run("check", str(path), *options, "--epochs", "30")
    assert code == 0, out + err
    assert "agree for all 30 epochs" in out


def test_the_classic_write_up_passes_check_epochs_ten_thousand(tmp_path):
    np.random.seed(42)
    weights = tmp_path / "w.npz"
    save_weights(weights, [np.random.randn(2, 2), np.random.randn(2, 1)], [np.zeros(2), np.zeros(1)])
    code, out, err = run(
        "check", str(FILES / "classic_221_writeup.py"), *XOR_221, "--weights", str(weights), "--epochs", "10000"
    )
    assert code == 0, out + err
    assert "agree for all 10000 epochs" in out and "lr 0.2 for the engine" in out


@pytest.mark.parametrize(
    "options, words",
    [
        (("--optimizer", "adam"), "--optimizer"),
        (("--batch-size", "2"), "--batch-size"),
        (("--headless",), "--headless: not with check"),
        (("--lr", "abc"), "--lr"),
        (("--bug", "lr_sign_flipped"), "--bug: not with check"),
    ],
)
def test_options_that_do_not_fit_a_check_are_refused(options, words):
    code, _, err = run("check", str(FILES / "correct_221_mean.py"), *options)
    assert code == 2 and words in err


def test_check_without_a_file_says_what_to_give():
    code, _, err = run("check")
    assert code == 2 and "--template" in err


def test_bug_list_names_every_bug():
    from model.bugs import BUGS

    code, out, _ = run("--bug", "list")
    assert code == 0 and all(name in out for name in BUGS)


def test_a_headless_run_with_a_bug_says_so_and_shows_its_symptom():
    code, out, err = run("--bug", "lr_sign_flipped", *XOR_221, "--headless", "--json", "--epochs", "30")
    assert code == 0
    assert "lr_sign_flipped is planted" in err
    loss = json.loads(out)["history"]["loss"]
    assert len(loss) == 31 and (np.diff(loss) > 0).all()  # the symptom: the loss rises every epoch


def test_bug_errors_name_the_option(tmp_path):
    code, _, err = run("--bug", "nope", "--headless")
    assert code == 2 and err.startswith("backprop-tui: error: --bug: 'nope' is not a bug")
    code, _, err = run("--bug", "softmax_no_max", *XOR_221, "--headless")
    assert code == 2 and "--bug: softmax_no_max: needs --output-activation softmax" in err
    code, _, err = run("--bug", "missing_bias_update", "--headless", "--save-session", str(tmp_path / "s.npz"))
    assert code == 2 and "not saved as sessions" in err


def test_the_app_opens_on_the_planted_trainer(monkeypatch):
    from tui.app import BackpropApp
    from tui.cli import build_parser, launch, plan

    opened = []
    monkeypatch.setattr(BackpropApp, "run", lambda self: opened.append(self))
    the_plan = plan(build_parser().parse_args(["--bug", "derivative_twice", *XOR_221]))
    assert launch(the_plan) == 0
    assert opened[0].trainer.bug is not None and opened[0].trainer.bug.name == "derivative_twice"
