"""Tests for the run-level failure explanations of model.diagnostics, one per
run the issue quotes (plateau, symmetry, saturated output, oscillation and
explosion without NaN, an exploding output layer) and healthy runs that must
stay silent."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import Config, Trainer
from model.diagnostics import EXPLODING, layer_health
from model.run_findings import (
    LOSS_EXPLODING,
    OSCILLATING,
    OUTPUT_SATURATED,
    PLATEAU,
    SYMMETRIC,
    Finding,
    loss_findings,
    run_findings,
    symmetric_units,
)


def trained(config: Config, epochs: int) -> Trainer:
    t = Trainer.from_config(config)
    with np.errstate(all="ignore"):
        t.run(epochs)
    return t


def findings(t: Trainer) -> list[Finding]:
    losses = t.history.series("loss")
    with np.errstate(all="ignore"):
        return run_findings(t, t.record, np.arange(losses.size), losses)


def kinds(t: Trainer) -> set[str]:
    return {f.kind for f in findings(t)}


def test_lr_1e6_on_the_default_net_oscillates_explodes_and_is_confidently_wrong():
    # Runs forever at loss ~4e5 and 50% accuracy, never NaN: the engine does not stop it.
    t = trained(Config(lr=1e6), 2000)
    assert t.epoch == 2000 and t.divergence is None
    assert t.record.loss > 1e4 and t.record.accuracy == 0.5
    assert {LOSS_EXPLODING, OSCILLATING, OUTPUT_SATURATED} <= kinds(t)
    with np.errstate(all="ignore"):
        assert EXPLODING in layer_health(t)[-1].flags


def test_linear_output_at_lr_1000_has_an_exploding_output_layer():
    t = trained(Config(output_activation="linear", loss="mse", lr=1000), 30)
    with np.errstate(all="ignore"):
        out = layer_health(t)[-1]
    assert out.mean_abs_delta > 1e50
    assert EXPLODING in out.flags and not out.healthy
    assert LOSS_EXPLODING in kinds(t)
    assert OSCILLATING not in kinds(t)  # it grows every epoch, it does not go up and down


def test_the_classic_stuck_run_is_a_plateau_not_healthy():
    # 2-2-1 sigmoid/MSE/lr 0.1, uniform init, seed 0: loss 0.25 for thousands of epochs.
    t = trained(Config(layers=(2, 2, 1), init="uniform", seed=0, loss="mse", lr=0.1), 3000)
    assert t.record.loss > 0.24
    assert PLATEAU in kinds(t)
    assert all(h.healthy for h in layer_health(t))  # the layer figures alone would call it healthy


def test_zero_init_hidden_units_stay_identical_and_are_named():
    t = trained(Config(init="zeros"), 300)
    found = [f for f in findings(t) if f.kind == SYMMETRIC]
    assert [f.where for f in found] == ["L1 units u1, u2, u3, u4"]
    W, _ = (t.record.W, t.record.b)
    assert np.all(W[0] == W[0][:, :1])  # they really are identical


def test_symmetric_units_finds_only_true_copies():
    W = [np.array([[1.0, 1.0, 2.0], [3.0, 3.0, 3.0]]), np.array([[0.5], [0.5], [0.5]])]
    b = [np.array([0.1, 0.1, 0.1]), np.array([0.0])]
    assert symmetric_units(W, b) == [(0, (0, 1))]
    W[1][1, 0] = 0.6  # a different outgoing weight breaks the tie
    assert symmetric_units(W, b) == []


@pytest.mark.parametrize(
    "config",
    [
        Config(activation="tanh"),
        Config(),
        Config(dataset="moons", mode="minibatch", layers=(2, 8, 1), activation="tanh", test_fraction=0.25),
    ],
    ids=["tanh-xor", "default-xor", "moons-minibatch"],
)
def test_runs_that_learn_have_no_findings(config):
    t = trained(config, 1500)
    assert t.record.accuracy > 0.95
    assert findings(t) == []


def test_a_loss_curve_seen_through_sparse_snapshots_is_read_the_same_way():
    epochs = np.arange(0, 2000, 37)
    flat = np.full(epochs.size, 0.25)
    assert [f.kind for f in loss_findings(epochs, flat)] == [PLATEAU]
    assert loss_findings(epochs[:5], flat[:5]) == []  # too short a stretch to call a plateau
    falling = 0.7 * np.exp(-epochs / 300.0)
    assert loss_findings(epochs, falling) == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 1e6, allow_nan=False), min_size=0, max_size=60))
def test_any_loss_curve_gives_a_list_of_known_findings(values):
    losses = np.array(values)
    out = loss_findings(np.arange(losses.size), losses)
    assert {f.kind for f in out} <= {PLATEAU, OSCILLATING, LOSS_EXPLODING}
    assert all(f.explanation and f.severity in ("warning", "error") for f in out)
