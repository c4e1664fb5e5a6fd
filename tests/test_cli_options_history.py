"""--l1, --l2, --beta1, --beta2, --eps on the command line and eps as a Config
field; the JSON history keeps every epoch (issue 14, item 9)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import Config, Trainer
from model.optimizers import Optimizer
from tests.cli_run import run
from tui.headless import round_stride


def run_json(*argv: str) -> dict:
    code, out, err = run("--json", *argv)
    assert code == 0, err
    return json.loads(out)


def test_optimizer_options_reach_the_config_and_the_update():
    doc = run_json(
        "--optimizer",
        "adam",
        "--lr",
        "0.05",
        "--beta1",
        "0.8",
        "--beta2",
        "0.99",
        "--eps",
        "1e-3",
        "--l1",
        "0.0001",
        "--l2",
        "0.001",
        "--epochs",
        "50",
    )
    config = Config.from_dict({**doc["config"], "layers": tuple(doc["config"]["layers"])})
    assert (config.beta1, config.beta2, config.eps, config.l1, config.l2) == (0.8, 0.99, 1e-3, 1e-4, 1e-3)
    t = Trainer.from_config(config.replace(max_epochs=50))
    t.run(50)
    assert doc["loss"] == t.record.loss
    assert t.optimizer == Optimizer("adam", 0.05, 0.9, 0.8, 0.99, 1e-3, 1e-4, 1e-3)


def test_eps_changes_adams_step():
    a = Trainer.from_config(Config(optimizer="adam", lr=0.05, eps=1e-8))
    b = Trainer.from_config(Config(optimizer="adam", lr=0.05, eps=1e-1))
    a.step()
    b.step()
    assert not np.array_equal(a.params, b.params)


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--eps", "0"], "--eps: 0 is out of range"),
        (["--eps", "nan"], "--eps:"),
        (["--beta1", "1"], "--beta1:"),
        (["--beta2", "-0.1"], "--beta2:"),
        (["--l1", "abc"], "--l1: 'abc' is not a number"),
        (["--l2", "2000"], "--l2:"),
    ],
)
def test_bad_values_are_one_line(argv, fragment):
    code, out, err = run("--json", *argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and fragment in err


def test_a_10000_epoch_run_keeps_every_epoch_and_epoch_5000():
    doc = run_json("--epochs", "10000")
    h = doc["history"]
    assert not h["downsampled"] and h["note"] == "every epoch"
    assert h["epochs"] == list(range(10001)) and len(h["loss"]) == 10001
    t = Trainer.from_config(Config())
    t.run(10000)
    assert h["loss"][5000] == t.history.series("loss")[5000]


@settings(max_examples=60, deadline=None)
@given(length=st.integers(1, 10**9), points=st.integers(2, 2_000_000))
def test_round_stride_fits_and_is_round(length, points):
    stride = round_stride(length, points)
    assert -(-length // stride) + 1 <= points
    digits = str(stride).rstrip("0")
    assert digits in ("1", "2", "5")
