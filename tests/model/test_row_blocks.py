"""The row-blocked steps of model/row_blocks.py give the whole-array steps'
bits, and the passes that use them give the general route's, on many
samples and (thresholds lowered) on few."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_full_batch import _floats, _same_bits

import model.full_batch as full_batch_module
import model.network as network_module
import model.row_blocks as row_blocks
from model import Config, Trainer
from model.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, times_derivative_for
from model.network import Network


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of a few rows from a few values on: the blocked steps on arrays
    small enough for hypothesis, with ragged last blocks."""
    for module in (row_blocks, network_module, full_batch_module):
        monkeypatch.setattr(module, "LARGE_VALUES", 6)
    monkeypatch.setattr(row_blocks, "BLOCK_VALUES", 7)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), dtype=st.sampled_from([np.float64, np.float32]))
def test_adding_a_row_in_blocks_is_the_broadcast_add(data, dtype):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(row_blocks, "LARGE_VALUES", 6)
        patch.setattr(row_blocks, "BLOCK_VALUES", data.draw(st.integers(1, 9)))
        n, width = data.draw(st.integers(1, 23)), data.draw(st.integers(1, 4))
        z = data.draw(hnp.arrays(dtype, (n, width), elements=_floats(dtype)))
        row = data.draw(hnp.arrays(dtype, (width,), elements=_floats(dtype)))
        with np.errstate(all="ignore"):
            expected = z + row
            got = z.copy()
            returned = row_blocks.add_to_each_row(got, row, got)
    assert returned is got
    assert _same_bits(got, expected)


def test_a_row_added_to_a_view_that_is_not_contiguous_reaches_the_array():
    """A strided z cannot be seen in blocks without a copy: the plain add."""
    base = np.zeros((row_blocks.LARGE_VALUES, 2))
    z = base[:, :1]
    row_blocks.add_to_each_row(z, np.array([1.5]))
    assert (base[:, 0] == 1.5).all() and (base[:, 1] == 0).all()


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    name=st.sampled_from(list(HIDDEN_ACTIVATIONS)),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_g_times_the_derivative_in_blocks_is_the_whole_arrays(data, name, dtype):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(row_blocks, "LARGE_VALUES", 6)
        patch.setattr(row_blocks, "BLOCK_VALUES", data.draw(st.integers(1, 9)))
        act = ACTIVATIONS[name]
        shape = (data.draw(st.integers(1, 17)), data.draw(st.integers(1, 4)))
        z = data.draw(hnp.arrays(dtype, shape, elements=_floats(dtype)))
        g = data.draw(hnp.arrays(dtype, shape, elements=_floats(dtype)))
        with np.errstate(all="ignore"):
            a = act.forward(z)
            for plain in (act.times_derivative, times_derivative_for(act, np.dtype(dtype))):
                expected = plain(g.copy(), z, a)
                given_g = g.copy()
                got = row_blocks.in_row_blocks(plain)(given_g, z, a)
                if g.size >= row_blocks.LARGE_VALUES:  # blocked: written into g, whatever the step returns
                    assert got is given_g
                assert _same_bits(got, expected)


@pytest.mark.parametrize("hidden", list(HIDDEN_ACTIVATIONS))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_passes_in_blocks_are_the_passes_whole(small_blocks, monkeypatch, hidden, dtype):
    """Network.forward/backward and the full-batch passes, blocked from a few
    values on, against the same network with blocking off: every z, a,
    delta and gradient of 5 epochs, bit for bit."""
    config = Config(dataset="moons", samples=37, layers=(2, 5, 3, 1), activation=hidden, dtype=dtype, seed=4)
    monkeypatch.setattr(full_batch_module, "_REPEAT_BYTES", 0)  # the bias broadcast, as on many samples
    blocked = Trainer.from_config(config)
    records_blocked = [blocked.step() for _ in range(5)]
    assert blocked._scratch is not None and blocked._scratch.full_batch is not None
    for module in (row_blocks, network_module, full_batch_module):
        monkeypatch.setattr(module, "LARGE_VALUES", 1 << 62)
    whole = Trainer.from_config(config)
    records_whole = [whole.step() for _ in range(5)]
    for a, b in zip(records_blocked, records_whole):
        assert a.params.tobytes() == b.params.tobytes() and a.loss == b.loss and a.accuracy == b.accuracy
        for l in range(3):
            for x, y in ((a.z[l], b.z[l]), (a.a[l], b.a[l]), (a.delta[l], b.delta[l])):
                assert x.tobytes() == y.tobytes()
        assert a.backward.grad.tobytes() == b.backward.grad.tobytes()


def test_the_general_route_in_blocks_is_the_general_route_whole(small_blocks, monkeypatch):
    network = Network.build((3, 6, 4, 2), "tanh", "softmax", "ce")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(29, 3))
    Y = np.eye(2)[rng.integers(0, 2, 29)]
    W, b = network.layout.views(rng.normal(size=network.layout.n_params))
    fwd_blocked = network.forward(X, W, b)
    bwd_blocked = network.backward(fwd_blocked, Y, W)
    for module in (row_blocks, network_module):
        monkeypatch.setattr(module, "LARGE_VALUES", 1 << 62)
    fresh = Network.build((3, 6, 4, 2), "tanh", "softmax", "ce")
    fwd = fresh.forward(X, W, b)
    bwd = fresh.backward(fwd, Y, W)
    for x, y in zip(fwd_blocked.z + fwd_blocked.a + bwd_blocked.delta, fwd.z + fwd.a + bwd.delta):
        assert x.tobytes() == y.tobytes()
    assert bwd_blocked.grad.tobytes() == bwd.grad.tobytes()


def test_many_samples_take_the_blocked_steps_and_keep_the_bits():
    """At the real thresholds: a full pass over 100,000 samples of a 2-8-1
    network blocks its bias add and its hidden layer's step, and gives the
    bits of the whole-array steps, written out here."""
    network = Network.build((2, 8, 1), "sigmoid", "sigmoid", "bce")
    rng = np.random.default_rng(6)
    n = 100_000
    assert n * 8 >= row_blocks.LARGE_VALUES
    X = rng.normal(size=(n, 2))
    Y = (rng.random((n, 1)) > 0.5).astype(float)
    W, b = network.layout.views(rng.normal(size=network.layout.n_params))
    fwd = network.forward(X, W, b)
    bwd = network.backward(fwd, Y, W)
    z0 = X @ W[0]
    z0 += b[0]
    a0 = ACTIVATIONS["sigmoid"].forward(z0)
    assert fwd.z[0].tobytes() == z0.tobytes() and fwd.a[0].tobytes() == a0.tobytes()
    g = bwd.delta[1] @ W[1].T
    expected = g * (a0 * (1.0 - a0))
    assert bwd.delta[0].tobytes() == expected.tobytes()
