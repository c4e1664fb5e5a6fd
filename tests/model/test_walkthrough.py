"""Tests for model.walkthrough: one weight's chain rule equals the backward pass."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import BackpropError, Config, Trainer
from model.walkthrough import Walkthrough, walkthrough


def trained(**kw) -> Trainer:
    cfg = dict(dataset="moons", samples=24, layers=(2, 4, 3, 1), activation="tanh", loss="bce", seed=5)
    steps = kw.pop("steps", 3)
    cfg.update(kw)
    t = Trainer.from_config(Config(**cfg))
    t.run(steps)
    return t


def every_parameter(t: Trainer):
    for layer, (fan_in, fan_out) in enumerate(t.layout.shapes):
        for row in range(fan_in + 1):
            for column in range(fan_out):
                yield layer, row, column


def check_against_backward_pass(t: Trainer, w: Walkthrough) -> None:
    """Every figure of `w` against the record's own arrays."""
    r = t.record
    layer, row, column, s = w.layer, w.row, w.column, w.sample
    inputs = r.forward.layer_input(layer)
    assert w.z == r.z[layer][s, column]
    assert w.a == r.a[layer][s, column]
    assert w.delta == r.delta[layer][s, column]
    if w.is_bias:
        assert w.a_prev == 1.0
        assert w.batch_grad == r.db[layer][column]
        assert np.array_equal(w.sample_grads, r.delta[layer][:, column])
    else:
        assert w.a_prev == inputs[s, row]
        assert w.batch_grad == r.dW[layer][row, column]
        assert np.array_equal(w.sample_grads, inputs[:, row] * r.delta[layer][:, column])
    assert w.sample_grad == w.a_prev * w.delta
    # The batch gradient is the mean of the per-sample gradients.
    scale = np.abs(w.sample_grads).mean()
    assert abs(w.sample_grads.mean() - w.batch_grad) <= 1e-15 * max(scale, 1e-300) * 4
    if not w.is_output:
        back = (t.network.feedback or r.W)[layer + 1]
        assert [term.used for term in w.terms] == list(back[column])
        assert [term.weight for term in w.terms] == list(r.W[layer + 1][column])
        assert [term.delta for term in w.terms] == list(r.delta[layer + 1][s])
        assert all(term.product == term.used * term.delta for term in w.terms)
        # f'(z) times the sum of the terms is the hidden delta.
        magnitude = w.f_prime * sum(abs(term.product) for term in w.terms)
        assert abs(w.f_prime * w.term_sum - w.delta) <= 1e-15 * magnitude + 1e-300
        a = r.a[layer][s, column]
        expected_fp = {"tanh": 1 - a * a, "sigmoid": a * (1 - a)}.get(w.activation)
        if expected_fp is not None:
            assert w.f_prime == expected_fp


def test_every_weight_matches_the_backward_pass():
    t = trained()
    for layer, row, column in every_parameter(t):
        for sample in (0, 7, 23):
            check_against_backward_pass(t, walkthrough(t, layer, row, column, sample))


@settings(max_examples=25, deadline=None)
@given(
    data=st.data(),
    activation=st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "linear"]),
    seed=st.integers(0, 100),
)
def test_random_weights_and_samples_match(data, activation, seed):
    t = trained(activation=activation, seed=seed, steps=2)
    layer, row, column = data.draw(st.sampled_from(list(every_parameter(t))))
    sample = data.draw(st.integers(0, t.X.shape[0] - 1))
    check_against_backward_pass(t, walkthrough(t, layer, row, column, sample))


@pytest.mark.parametrize(
    ("optimizer", "l1", "l2"),
    [("sgd", 0.0, 0.0), ("sgd", 0.01, 0.05), ("momentum", 0.0, 0.02), ("adam", 0.003, 0.0)],
)
def test_update_is_the_change_the_next_step_makes(optimizer, l1, l2):
    t = trained(optimizer=optimizer, lr=0.05, l1=l1, l2=l2, steps=4)
    walks = [walkthrough(t, layer, row, column, 0) for layer, row, column in every_parameter(t)]
    assert all(w.exact for w in walks)
    before = t.layout.views(t.params)
    t.step()
    after = t.layout.views(t.params)
    for w in walks:
        if w.is_bias:
            old, new = before[1][w.layer][w.column], after[1][w.layer][w.column]
        else:
            old, new = before[0][w.layer][w.row, w.column], after[0][w.layer][w.row, w.column]
        assert w.old == old
        assert w.new == new
        assert w.update == new - old


def test_penalty_share_for_sgd():
    t = trained(optimizer="sgd", lr=0.1, l1=0.01, l2=0.05)
    w = walkthrough(t, 1, 2, 1, 3)
    expected_penalty = 0.05 * w.old + 0.01 * np.sign(w.old)
    assert w.penalty == pytest.approx(expected_penalty, rel=1e-15)
    assert w.penalty_share == pytest.approx(-0.1 * expected_penalty, rel=1e-9)
    assert w.update == pytest.approx(-0.1 * (w.batch_grad + expected_penalty), rel=1e-9)
    bias = walkthrough(t, 1, 4, 1, 3)  # row == fan_in: the bias
    assert bias.is_bias and bias.penalty == 0.0 and bias.penalty_share == 0.0


def test_output_delta_fused_sigmoid_bce():
    t = trained()
    w = walkthrough(t, 2, 1, 0, 5)
    y = t.Y[5, 0]
    assert w.is_output and w.fused and w.target == y
    assert w.delta == w.a - y
    p = t.record.output[5, 0]
    assert w.dL_da == pytest.approx((p - y) / (p * (1 - p)), rel=1e-12)
    assert any("cancels" in formula for _, formula, _ in w.steps())


def test_output_delta_unfused_sigmoid_mse():
    t = trained(loss="mse")
    w = walkthrough(t, 2, 0, 0, 2)
    assert not w.fused
    assert w.dL_da == pytest.approx(2 * (w.a - w.target), rel=1e-12)
    assert w.delta == pytest.approx(w.dL_da * w.f_prime, rel=1e-15)
    assert ("delta", "delta = dL/da × f'(z)", w.delta) in w.steps()


def test_output_delta_softmax_with_mse_couples_the_units():
    t = trained(dataset="blobs", classes=3, layers=(2, 4, 3), output_activation="softmax", loss="mse")
    w = walkthrough(t, 1, 0, 2, 4)
    a = t.record.output[4]
    g = 2.0 / 3.0 * (a - t.Y[4])
    assert w.dL_da == pytest.approx(g[2], rel=1e-12)
    assert w.softmax_dot == pytest.approx((g * a).sum(), rel=1e-12)
    assert w.delta == pytest.approx(a[2] * (g[2] - (g * a).sum()), rel=1e-12, abs=1e-15)
    assert w.delta == t.record.delta[1][4, 2]


def test_output_delta_softmax_with_ce_is_fused():
    t = trained(dataset="blobs", classes=3, layers=(2, 4, 3), output_activation="softmax", loss="ce")
    w = walkthrough(t, 1, 1, 0, 0)
    assert w.fused and w.softmax_dot is None
    assert w.delta == w.a - w.target


def test_first_layer_input_is_the_sample():
    t = trained()
    w = walkthrough(t, 0, 1, 2, 9)
    assert w.a_prev == t.X[9, 1]
    assert w.steps()[1] == ("input", "input x2", t.X[9, 1])


def test_steps_follow_the_chain():
    t = trained(l2=0.01)
    w = walkthrough(t, 1, 0, 2, 3)
    rows = w.steps()
    labels = [label for label, _, _ in rows]
    assert labels[:5] == ["forward", "input", "z", "a", "f'"]
    assert labels[6 : 6 + len(w.terms)] == [f"term-{k}" for k in range(len(w.terms))]
    assert labels[-11:] == [
        "sum",
        "delta",
        "gradient",
        "sample-grad",
        "batch-grad",
        "penalty",
        "update",
        "now",
        "change",
        "penalty-share",
        "next",
    ]
    values = dict((label, value) for label, _, value in rows)
    assert values["delta"] == t.record.delta[1][3, 2]
    assert values["batch-grad"] == t.record.dW[1][0, 2]
    assert values["next"] == w.new
    assert all(isinstance(f, str) and f for _, f, _ in rows)
    short = w.steps(max_terms=0)
    assert ("more", "… 1 more terms, all in the sum", None) in short
    assert w.weight_name == "W2 h1→u3"
    assert walkthrough(t, 1, 4, 2, 3).weight_name == "b2 u3"


def test_minibatch_update_is_marked_approximate():
    t = trained(mode="minibatch", batch_size=8)
    w = walkthrough(t, 0, 0, 0, 0)
    assert not w.exact
    assert w.delta == t.record.delta[0][0, 0]


def test_older_record_is_explained_at_its_own_weights():
    t = trained()
    old = t.record
    t.run(2)
    w = walkthrough(t, 0, 0, 1, 2, record=old)
    assert w.delta == old.delta[0][2, 1]
    assert w.old == old.W[0][0, 1]
    assert not w.exact


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((3, 0, 0, 0), "layer 3 is out of range"),
        ((-1, 0, 0, 0), "layer -1"),
        ((0, 3, 0, 0), "row 3 is out of range"),
        ((0, 0, 4, 0), "column 4 is out of range"),
        ((0, 0, 0, 24), "sample 24 is out of range"),
        ((0, True, 0, 0), "whole number"),
        ((0, 0.5, 0, 0), "whole number"),
    ],
)
def test_bad_indices_get_a_clear_message(args, match):
    t = trained()
    with pytest.raises(BackpropError, match=match):
        walkthrough(t, *args)
