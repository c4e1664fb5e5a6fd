"""Tests for model.diagnostics: layer health figures, flags and their history."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import Config, Trainer
from model.diagnostics import (
    DEAD,
    EXPLODING,
    HEALTHY,
    NO_GRADIENT,
    SATURATED,
    VANISHING,
    HealthHistory,
    LayerHealth,
    layer_health,
    planned_update,
)

VOCABULARY = {NO_GRADIENT, VANISHING, EXPLODING, DEAD, SATURATED}


def deep_sigmoid(**kw) -> Trainer:
    cfg = dict(dataset="xor", layers=(2, 8, 8, 8, 8, 1), activation="sigmoid", loss="bce", init="xavier", seed=0)
    cfg.update(kw)
    return Trainer.from_config(Config(**cfg))


def healthy_xor() -> Trainer:
    t = Trainer.from_config(Config(dataset="xor", layers=(2, 4, 1), activation="tanh", lr=0.5, seed=0))
    t.run(100)
    return t


def edited(t: Trainer, edit) -> Trainer:
    """Apply `edit(W, b)` to a copy of the current parameters and install it."""
    params = t.params.copy()
    W, b = t.layout.views(params)
    edit(W, b)
    t.set_params(params)
    return t


# ------------------------------------------------------------------ figures


def test_figures_match_the_records_arrays():
    t = deep_sigmoid(loss="mse", l2=0.01)
    t.run(5)
    r = t.record
    health = layer_health(t)
    assert [h.layer for h in health] == list(range(5))
    assert [h.name for h in health] == ["L1", "L2", "L3", "L4", "L5"]
    out = np.abs(r.delta[-1]).mean()
    lr, l2 = t.config.lr, t.config.l2
    for l, h in enumerate(health):
        assert h.mean_abs_delta == pytest.approx(np.abs(r.delta[l]).mean(), rel=1e-12)
        assert h.signal_ratio == pytest.approx(np.abs(r.delta[l]).mean() / out, rel=1e-12)
        expected_grad = np.sqrt((r.dW[l] ** 2).sum() + (r.db[l] ** 2).sum())
        assert h.grad_norm == pytest.approx(expected_grad, rel=1e-12)
        assert h.weight_norm == pytest.approx(np.linalg.norm(r.W[l]), rel=1e-12)
        # SGD with an L2 penalty: the step is lr * (dW + l2 W).
        step = lr * (r.dW[l] + l2 * r.W[l])
        assert h.update_norm == pytest.approx(np.linalg.norm(step), rel=1e-9)
        assert h.update_ratio == pytest.approx(np.linalg.norm(step) / np.linalg.norm(r.W[l]), rel=1e-9)
        assert h.dead_share is None  # sigmoid cannot die
        assert h.saturated_share is not None


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_planned_update_is_the_next_steps_change(optimizer):
    t = Trainer.from_config(
        Config(
            dataset="xor", layers=(2, 3, 1), activation="tanh", optimizer=optimizer, lr=0.05, l1=0.001, l2=0.01, seed=3
        )
    )
    t.run(4)  # momentum and Adam carry a non-trivial state by now
    update = planned_update(t)
    health = layer_health(t)
    before = t.params
    W_before, _ = t.layout.views(before)
    t.step()
    assert np.array_equal(update, t.params - before)
    W_after, _ = t.layout.views(t.params)
    for l, h in enumerate(health):
        assert h.update_norm == pytest.approx(np.linalg.norm(W_after[l] - W_before[l]), rel=1e-12)


def test_an_older_record_uses_a_fresh_optimizer_state():
    t = Trainer.from_config(Config(dataset="xor", layers=(2, 3, 1), optimizer="sgd", lr=0.3, seed=1))
    old = t.record
    t.run(3)
    # SGD has no state, so the planned update of the old record is lr * its gradient.
    expected = (old.params - 0.3 * old.backward.grad) - old.params
    assert np.array_equal(planned_update(t, old), expected)


def test_minibatch_records_work():
    t = Trainer.from_config(
        Config(dataset="moons", samples=64, layers=(2, 5, 1), mode="minibatch", batch_size=16, seed=2)
    )
    t.run(2)
    health = layer_health(t)
    assert len(health) == 2
    assert all(math.isfinite(h.grad_norm) for h in health)


# -------------------------------------------------------------------- flags


def test_deep_sigmoid_net_vanishes_in_its_first_layers_at_epoch_0():
    t = deep_sigmoid()
    health = layer_health(t)
    assert VANISHING in health[0].flags
    assert VANISHING in health[1].flags
    assert health[0].signal_ratio < 1e-2
    assert VANISHING not in health[-1].flags
    assert VANISHING not in health[-2].flags


@pytest.mark.parametrize("init", ["xavier", "normal"])
def test_deep_sigmoid_net_still_vanishes_after_training(init):
    t = deep_sigmoid(loss="mse", init=init)
    t.run(150)
    health = layer_health(t)
    assert VANISHING in health[0].flags
    assert health[0].summary.startswith(VANISHING)


def test_cut_off_layers_get_no_gradient():
    t = Trainer.from_config(Config(dataset="xor", layers=(2, 4, 4, 4, 1), activation="tanh", seed=0))
    t.run(5)
    edited(t, lambda W, b: W[2].fill(0.0))  # cut the path at L3
    r = t.record
    assert r.loss > 0
    health = layer_health(t)
    for l in (0, 1):
        assert not r.dW[l].any() and not r.db[l].any()
        assert health[l].flags == (NO_GRADIENT,)
        assert health[l].grad_norm == 0.0
        assert health[l].summary == NO_GRADIENT
    for l in (2, 3):
        assert NO_GRADIENT not in health[l].flags
        assert health[l].grad_norm > 0


def test_zero_initialised_net_gets_no_gradient_below_the_output():
    t = Trainer.from_config(Config(dataset="xor", layers=(2, 3, 1), init="zeros", seed=0))
    health = layer_health(t)
    assert health[0].flags == (NO_GRADIENT,)
    assert math.isnan(health[0].update_ratio)  # all-zero weights: no ratio
    assert NO_GRADIENT not in health[1].flags


def test_healthy_xor_net_has_no_flags():
    t = healthy_xor()
    assert t.record.accuracy == 1.0
    health = layer_health(t)
    for h in health:
        assert h.flags == ()
        assert h.healthy
        assert h.summary == HEALTHY


def test_dead_relu_units():
    t = Trainer.from_config(Config(dataset="moons", samples=50, layers=(2, 6, 1), activation="relu", seed=0))

    def kill(W, b, units):
        for j in units:
            W[0][:, j] = 0.0
            b[0][j] = -1.0  # z = -1 for every sample

    edited(t, lambda W, b: kill(W, b, [0, 1]))
    h = layer_health(t)[0]
    expected = np.mean(np.all(t.record.z[0] <= 0, axis=0))
    assert h.dead_share == pytest.approx(expected)
    assert h.dead_share >= 2 / 6
    assert DEAD not in h.flags or h.dead_share >= 0.5

    edited(t, lambda W, b: kill(W, b, [0, 1, 2, 3, 4]))
    h = layer_health(t)[0]
    assert h.dead_share == pytest.approx(np.mean(np.all(t.record.z[0] <= 0, axis=0)))
    assert h.dead_share >= 5 / 6
    assert DEAD in h.flags


def test_a_fully_dead_relu_layer_also_stops_the_gradient():
    t = Trainer.from_config(Config(dataset="xor", layers=(2, 3, 3, 1), activation="relu", seed=0))

    def kill_all(W, b):
        W[1][:] = 0.0
        b[1][:] = -1.0

    edited(t, kill_all)
    health = layer_health(t)
    assert health[1].dead_share == 1.0
    assert DEAD in health[1].flags and NO_GRADIENT in health[1].flags
    assert health[0].flags[0] == NO_GRADIENT


def test_leaky_relu_counts_dead_units_too():
    t = Trainer.from_config(Config(dataset="xor", layers=(2, 2, 1), activation="leaky_relu", seed=0))
    edited(t, lambda W, b: (W[0].fill(0.0), b[0].fill(-1.0)))
    h = layer_health(t)[0]
    assert h.dead_share == 1.0 and DEAD in h.flags
    assert NO_GRADIENT not in h.flags  # a leaky unit still passes 1% of the signal


@pytest.mark.parametrize(("activation", "bias"), [("sigmoid", 10.0), ("sigmoid", -10.0), ("tanh", 3.0)])
def test_saturated_hidden_units(activation, bias):
    t = Trainer.from_config(Config(dataset="moons", samples=60, layers=(2, 5, 1), activation=activation, seed=0))

    def saturate(W, b):
        W[0][:, :3] = 0.0
        b[0][:3] = bias  # units 0..2 sit at the flat end for every sample
        W[0][:, 3:] = 0.0
        b[0][3:] = 0.0  # units 3, 4 sit at the steepest point

    edited(t, saturate)
    h = layer_health(t)[0]
    a = t.record.a[0]
    if activation == "sigmoid":
        flat = (a < 0.02) | (a > 0.98)
    else:
        flat = np.abs(a) > 0.96
    assert h.saturated_share == pytest.approx(np.mean(flat.mean(axis=0) > 0.5)) == pytest.approx(3 / 5)
    assert SATURATED in h.flags


def test_saturated_output_counts_only_when_it_blocks_learning():
    # AND: targets 0, 0, 0, 1. An output stuck near 1 is confidently wrong on 3 of 4.
    def stuck(W, b):
        W[1][:] = 0.0
        b[1][:] = 10.0

    mse = edited(Trainer.from_config(Config(dataset="and", layers=(2, 2, 1), loss="mse", seed=0)), stuck)
    h = layer_health(mse)[-1]
    assert h.saturated_share == 1.0 and SATURATED in h.flags

    bce = edited(Trainer.from_config(Config(dataset="and", layers=(2, 2, 1), loss="bce", seed=0)), stuck)
    h = layer_health(bce)[-1]  # sigmoid + bce: the delta is a - y, nothing blocks
    assert h.saturated_share == 0.0 and SATURATED not in h.flags


def test_softmax_output_with_ce_is_never_saturated():
    t = Trainer.from_config(
        Config(dataset="blobs", samples=60, classes=3, layers=(2, 4, 3), output_activation="softmax", loss="ce", seed=0)
    )
    edited(t, lambda W, b: b[1].__setitem__(slice(None), [30.0, 0.0, 0.0]))
    assert layer_health(t)[-1].saturated_share == 0.0


def test_huge_learning_rate_is_exploding():
    t = Trainer.from_config(Config(dataset="xor", layers=(2, 4, 1), activation="tanh", lr=100.0, seed=0))
    health = layer_health(t)
    assert all(EXPLODING in h.flags for h in health)
    assert all(h.update_ratio >= 1.0 for h in health)


def test_error_signal_growing_backwards_is_exploding():
    t = Trainer.from_config(
        Config(
            dataset="moons",
            samples=50,
            layers=(2, 16, 16, 16, 16, 1),
            activation="relu",
            output_activation="linear",
            loss="mse",
            init="normal",
            init_scale=3.0,
            lr=1e-9,
            seed=0,
        )
    )
    h = layer_health(t)[0]
    assert h.signal_ratio > 100  # tiny lr: only the signal ratio can raise the flag
    assert h.update_ratio < 1.0
    assert EXPLODING in h.flags


def test_growth_since_the_previous_snapshot_is_exploding():
    t = Trainer.from_config(Config(dataset="xor", layers=(2, 4, 1), activation="tanh", lr=5.0, seed=0))
    now = layer_health(t)
    assert now[0].flags == () and now[0].update_ratio >= 0.1
    calm = [dataclasses.replace(h, grad_norm=h.grad_norm / 20) for h in now]
    assert EXPLODING in layer_health(t, previous=calm)[0].flags
    slight = [dataclasses.replace(h, grad_norm=h.grad_norm / 2) for h in now]
    assert layer_health(t, previous=slight)[0].flags == ()


@settings(max_examples=20, deadline=None)
@given(
    layers=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    activation=st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "linear"]),
    seed=st.integers(0, 50),
)
def test_figures_are_in_range(layers, activation, seed):
    t = Trainer.from_config(
        Config(dataset="moons", samples=20, layers=(2, *layers, 1), activation=activation, seed=seed)
    )
    t.run(2)
    health = layer_health(t)
    assert len(health) == len(layers) + 1
    for l, h in enumerate(health):
        assert set(h.flags) <= VOCABULARY
        assert h.mean_abs_delta == pytest.approx(np.abs(t.record.delta[l]).mean())
        assert h.grad_norm >= 0 and h.update_norm >= 0
        for share in (h.dead_share, h.saturated_share):
            assert share is None or 0.0 <= share <= 1.0
        assert (h.dead_share is not None) == (activation in ("relu", "leaky_relu") and l < len(layers))


# ------------------------------------------------------------------ history


def test_history_records_each_snapshot():
    t = Trainer.from_config(Config(dataset="xor", layers=(2, 3, 1), seed=0))
    hist = HealthHistory(maxlen=5)
    expected = []
    for _ in range(7):
        expected.append(hist.append(t))
        t.run(3)
    assert len(hist) == 5
    assert list(hist.epochs) == [6, 9, 12, 15, 18]
    for field in ("grad_norm", "update_ratio", "mean_abs_delta"):
        for layer in (0, 1):
            assert np.array_equal(hist.series(field, layer), [getattr(h[layer], field) for h in expected[2:]])
    assert np.isnan(hist.series("dead_share", 0)).all()  # sigmoid: None becomes NaN
    assert hist.latest == expected[-1]


def test_history_keeps_epoch_order_on_redraw_and_rewind():
    t = Trainer.from_config(Config(dataset="xor", layers=(2, 3, 1), seed=0))
    hist = HealthHistory()
    for _ in range(4):
        t.run(2)
        hist.append(t)
    hist.append(t)  # the same epoch again: replaced, not duplicated
    assert list(hist.epochs) == [2, 4, 6, 8]
    t.rewind(4)
    hist.append(t)
    assert list(hist.epochs) == [2, 4]
    assert hist.latest == layer_health(t)


def test_history_starts_afresh_for_a_new_network():
    hist = HealthHistory()
    small = Trainer.from_config(Config(dataset="xor", layers=(2, 3, 1), seed=0))
    hist.append(small)
    small.step()
    hist.append(small)
    deep = Trainer.from_config(Config(dataset="xor", layers=(2, 3, 3, 1), seed=0))
    deep.run(5)
    hist.append(deep)
    assert len(hist) == 1 and len(hist.latest) == 3


def test_history_growth_flag_uses_the_previous_snapshot():
    t = Trainer.from_config(Config(dataset="xor", layers=(2, 4, 1), activation="tanh", lr=5.0, seed=0))
    hist = HealthHistory()
    hist.push(-1, [dataclasses.replace(h, grad_norm=h.grad_norm / 20) for h in layer_health(t)])
    assert EXPLODING in hist.append(t)[0].flags


def test_history_refuses_unknown_figures():
    hist = HealthHistory()
    hist.append(Trainer.from_config(Config(seed=0)))
    with pytest.raises(ValueError, match="unknown health figure"):
        hist.series("flags", 0)
    with pytest.raises(ValueError, match="out of range"):
        hist.series("grad_norm", 5)
    with pytest.raises(ValueError):
        HealthHistory(maxlen=0)


def test_every_flag_is_explained():
    from model.diagnostics import EXPLANATIONS

    assert set(EXPLANATIONS) == VOCABULARY | {HEALTHY}


def test_layer_health_is_plain_data():
    h = layer_health(Trainer.from_config(Config(seed=0)))[0]
    assert isinstance(h, LayerHealth)
    with pytest.raises(dataclasses.FrozenInstanceError):
        h.grad_norm = 0.0  # type: ignore[misc]
