"""Trainer.edit_parameter: a hand edit of one weight, checked against
independent trainers built on the edited weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import BackpropError, Config, Trainer

CFG = Config(dataset="moons", samples=24, layers=(2, 3, 2), output_activation="softmax", loss="ce", seed=3)


def flat_index(t: Trainer, layer: int, row: int, column: int) -> int:
    """Where a weight (or the bias, row == fan_in) sits in the flat vector, found by probing."""
    probe = np.zeros(t.layout.n_params)
    W, b = t.layout.views(probe)
    fan_in = t.layout.shapes[layer][0]
    if row == fan_in:
        b[layer][column] = 1.0
    else:
        W[layer][row, column] = 1.0
    return int(np.flatnonzero(probe)[0])


def test_an_edit_changes_one_value_and_recomputes_the_record_at_once():
    t = Trainer.from_config(CFG)
    t.run(4)
    before = t.params.copy()
    record = t.edit_parameter(1, 0, 1, 2.5)
    assert t.epoch == 4 and record is t.record and record.epoch == 4
    i = flat_index(t, 1, 0, 1)
    changed = np.flatnonzero(t.params != before)
    assert changed.tolist() == [i] and t.params[i] == 2.5
    assert record.W[1][0, 1] == 2.5
    # Every figure equals a fresh trainer's on the edited weights.
    fresh = Trainer.from_config(CFG, t.params).record
    assert record.loss == fresh.loss and record.accuracy == fresh.accuracy
    for l in range(2):
        assert np.array_equal(record.z[l], fresh.z[l])
        assert np.array_equal(record.delta[l], fresh.delta[l])
        assert np.array_equal(record.dW[l], fresh.dW[l])
    assert t.history.series("loss")[4] == fresh.loss


def test_the_bias_row_edits_the_bias():
    t = Trainer.from_config(CFG)
    fan_in = t.layout.shapes[0][0]
    t.edit_parameter(0, fan_in, 2, -0.75)
    assert t.record.b[0][2] == -0.75
    assert t.params[flat_index(t, 0, fan_in, 2)] == -0.75
    assert np.array_equal(t.record.W[0], Trainer.from_config(CFG).record.W[0])


def test_going_back_after_an_edit_returns_the_previous_epoch_and_the_future_is_a_branch():
    reference = Trainer.from_config(CFG)
    reference.run(2)
    t = Trainer.from_config(CFG)
    t.run(5)
    t.rewind(3)
    recorded = t.history.series("loss")[3:].copy()
    t.edit_parameter(0, 1, 0, 1.0)
    edited = t.params.copy()
    assert t.last_epoch == 3  # the future after the edit point is gone from the history...
    assert len(t.branches) == 1 and t.branches[0].start == 3 and t.branches[0].label == "edit"
    assert np.array_equal(t.branches[0].loss, recorded)  # ...and kept as a branch
    t.rewind(2)
    assert np.array_equal(t.params, reference.params)
    assert t.record.loss == reference.record.loss
    # The edited state is kept: training on from it and coming back finds it.
    t2 = Trainer.from_config(CFG)
    t2.run(3)
    t2.edit_parameter(0, 1, 0, 1.0)
    t2.run(3)
    t2.rewind(3)
    assert np.array_equal(t2.params, edited)


@pytest.mark.parametrize(
    "where, value, words",
    [
        ((2, 0, 0), 1.0, "layer 2 does not exist"),
        ((-1, 0, 0), 1.0, "layer -1 does not exist"),
        ((0, 4, 0), 1.0, "row 4 does not exist"),
        ((0, 0, 3), 1.0, "column 3 does not exist"),
        ((0, 0.5, 0), 1.0, "row must be a whole number"),
        ((True, 0, 0), 1.0, "layer must be a whole number"),
        ((0, 0, 0), float("nan"), "not a finite"),
        ((0, 0, 0), float("1e999"), "not a finite"),
        ((0, 0, 0), -float("inf"), "not a finite"),
        ((0, 0, 0), "abc", "must be a number"),
        ((0, 0, 0), None, "must be a number"),
    ],
)
def test_bad_edits_are_refused_with_a_reason_and_change_nothing(where, value, words):
    t = Trainer.from_config(CFG)
    t.run(2)
    params, record = t.params.copy(), t.record
    with pytest.raises(BackpropError, match=words):
        t.edit_parameter(*where, value)
    assert np.array_equal(t.params, params) and t.record is record and t.last_epoch == 2


def test_float32_refuses_what_would_overflow_it():
    t = Trainer.from_config(CFG.replace(dtype="float32"))
    with pytest.raises(BackpropError, match="float32"):
        t.edit_parameter(0, 0, 0, 1e39)
    t.edit_parameter(0, 0, 0, 1e30)
    assert t.params.dtype == np.float32 and t.record.W[0][0, 0] == np.float32(1e30)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 1),
    st.integers(0, 3),
    st.integers(0, 2),
    st.floats(-50, 50, allow_nan=False),
)
def test_the_new_loss_is_the_networks_loss_at_the_edited_weights(layer, row, column, value):
    t = Trainer.from_config(CFG)
    t.run(1)
    fan_in, fan_out = t.layout.shapes[layer]
    row, column = row % (fan_in + 1), column % fan_out
    expected = t.params.copy()
    expected[flat_index(t, layer, row, column)] = value
    t.edit_parameter(layer, row, column, value)
    assert np.array_equal(t.params, expected)
    W, b = t.layout.views(expected)
    with np.errstate(all="ignore"):
        assert t.record.loss == pytest.approx(t.network.loss_value(t.X, t.Y, W, b), rel=1e-12, abs=1e-300)


def test_stepping_past_an_edit_from_before_it_abandons_the_edited_future():
    """Rewind before an edit and train on: the run no longer has the edit, and
    a later rewind to the edited epoch gives the unedited state."""
    import numpy as np

    from model import Config, Trainer

    trainer = Trainer.from_config(Config())
    trainer._max_snapshots = 16  # sparse snapshots, so the edit's pin matters
    trainer.run(40)
    trainer.rewind(38)
    trainer.edit_parameter(0, 0, 0, 3.0)
    trainer.run(2)
    trainer.rewind(37)
    trainer.run(3)
    trainer.rewind(38)
    plain = Trainer.from_config(Config())
    plain.run(38)
    assert np.array_equal(trainer.params, plain.params)
    assert trainer.history.series("loss")[38] == plain.record.loss
    assert [b.label for b in trainer.branches] == ["edit", "edit"]
