"""The backward pass against central finite differences (model.gradcheck),
for every hidden activation, every valid output/loss pairing and every
training mode, plus the fused output deltas and property tests over random
architectures.

Relu and leaky relu have a kink at z = 0 where a finite difference straddling
it is meaningless. Rather than hope, the tests drop every sample that has a
kinked unit (hidden, or output if relu-like) with |z| < 1e-4; a step of
h = 1e-6 moves z by far less than that, so no difference crosses a kink.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import Config, ConfigError, Trainer
from model.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, Activation
from model.datasets import targets
from model.gradcheck import GradientCheck, check_trainer, gradient_check
from model.losses import LOSSES, Loss
from model.network import Network

TOL = 1e-7
KINKED = ("relu", "leaky_relu")
KINK_MARGIN = 1e-4


def _valid_pairings() -> list[tuple[str, str, int]]:
    """(output activation, loss, output units) that Config accepts."""
    found = []
    for out in OUTPUT_ACTIVATIONS:
        for loss in LOSSES:
            for units in (1, 3):
                try:
                    Config(layers=(2, 4, units), output_activation=out, loss=loss)
                except ConfigError:
                    continue
                found.append((out, loss, units))
    return found


PAIRINGS = _valid_pairings()
MODES = {"full": None, "minibatch": 8, "sgd": 1}


# --------------------------------------------------------------------------
# An independent forward pass, written from the formulas, not from model/
# --------------------------------------------------------------------------


def _ref_act(name, z):
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "linear":
        return z
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _ref_loss(name, p, y):
    if name == "mse":
        return np.mean((p - y) ** 2)
    if name == "bce":
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return -np.mean(np.sum(y * np.log(p), axis=1))


def _ref_unpack(params, sizes):
    """All weights (row-major, fan_in x fan_out) first, then all biases."""
    W, b, i = [], [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        W.append(params[i : i + fan_in * fan_out].reshape(fan_in, fan_out))
        i += fan_in * fan_out
    for fan_out in sizes[1:]:
        b.append(params[i : i + fan_out])
        i += fan_out
    assert i == params.size
    return W, b


def _ref_forward(params, sizes, X, hidden, out):
    W, b = _ref_unpack(params, sizes)
    zs, a = [], X
    for l, (w, bias) in enumerate(zip(W, b)):
        z = a @ w + bias
        a = _ref_act(out if l == len(W) - 1 else hidden, z)
        zs.append(z)
    return zs, a


def _safe_rows(params, sizes, X, hidden, out):
    """Rows of X whose kinked units all sit at least KINK_MARGIN from 0."""
    zs, _ = _ref_forward(params, sizes, X, hidden, out)
    ok = np.ones(X.shape[0], dtype=bool)
    for l, z in enumerate(zs):
        name = out if l == len(zs) - 1 else hidden
        if name in KINKED:
            ok &= np.all(np.abs(z) >= KINK_MARGIN, axis=1)
    return np.flatnonzero(ok)


def _problem(sizes, loss, rng, n):
    X = rng.standard_normal((n, sizes[0]))
    if loss == "mse":
        Y = rng.uniform(0.0, 1.0, size=(n, sizes[-1]))
    else:
        k = max(sizes[-1], 2)
        Y = targets(rng.integers(0, k, size=n), sizes[-1], k)
    return X, Y


def _params(sizes, rng):
    W = [rng.standard_normal((i, o)) / np.sqrt(i) for i, o in zip(sizes[:-1], sizes[1:])]
    b = [rng.standard_normal(o) * 0.3 for o in sizes[1:]]
    return np.concatenate([w.ravel() for w in W] + b)


def _assert_agrees(check: GradientCheck, network, params, X, Y):
    bad = [(e.name, e.analytic, e.numeric, e.rel_error) for e in check.entries if not e.rel_error < TOL]
    assert not bad, bad[:5]
    assert check.passed
    # The analytic values are the engine's own gradient, in flat order.
    W, b = network.layout.views(params)
    grad = network.backward(network.forward(X, W, b), Y, W).grad
    np.testing.assert_array_equal([e.analytic for e in check.entries], grad)


# --------------------------------------------------------------------------
# Every hidden activation x output/loss pairing x mode
# --------------------------------------------------------------------------


def test_pairings_cover_the_expected_combinations():
    assert ("sigmoid", "bce", 1) in PAIRINGS and ("softmax", "ce", 3) in PAIRINGS
    assert ("softmax", "mse", 3) in PAIRINGS and ("linear", "mse", 1) in PAIRINGS
    assert ("tanh", "mse", 1) in PAIRINGS and ("relu", "mse", 1) in PAIRINGS
    assert ("linear", "bce", 1) not in PAIRINGS and ("softmax", "ce", 1) not in PAIRINGS
    assert len(PAIRINGS) == 16


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize(("out", "loss", "units"), PAIRINGS, ids=[f"{o}-{l}-{u}" for o, l, u in PAIRINGS])
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_backward_matches_central_differences(hidden, out, loss, units, mode):
    rng = np.random.default_rng(zlib.crc32(f"{hidden}-{out}-{loss}-{units}-{mode}".encode()))
    sizes = (2, 5, 4, units)
    network = Network.build(sizes, hidden, out, loss)
    params = _params(sizes, rng)
    X, Y = _problem(sizes, loss, rng, 30)
    rows = _safe_rows(params, sizes, X, hidden, out)
    batch = MODES[mode]
    if batch is not None:
        rows = rng.choice(rows, size=batch, replace=False)
    X, Y = X[rows], Y[rows]
    assert X.shape[0] == (batch or X.shape[0]) and X.shape[0] >= 1

    # The loss the finite differences are taken of is the formula's loss.
    W, b = network.layout.views(params)
    ref = _ref_loss(loss, _ref_forward(params, sizes, X, hidden, out)[1], Y)
    assert network.loss_value(X, Y, W, b) == pytest.approx(ref, rel=1e-12)

    check = gradient_check(network, params, X, Y, tolerance=TOL)
    _assert_agrees(check, network, params, X, Y)
    assert check.loss == pytest.approx(ref, rel=1e-12)


# --------------------------------------------------------------------------
# The check itself: metadata, localisation, and that it can fail
# --------------------------------------------------------------------------


def _small_case(hidden="tanh", sizes=(2, 3, 2, 1), seed=0, out="sigmoid", loss="bce"):
    rng = np.random.default_rng(seed)
    network = Network.build(sizes, hidden, out, loss)
    params = _params(sizes, rng)
    X, Y = _problem(sizes, loss, rng, 12)
    return network, params, X, Y


def test_entries_name_every_parameter_and_numeric_is_a_central_difference():
    network, params, X, Y = _small_case()
    check = gradient_check(network, params, X, Y)
    layout = network.layout
    assert len(check.entries) == layout.n_params == params.size
    for i, e in enumerate(check.entries):
        assert e.index == i
        assert (e.kind, e.layer, e.position) == (*layout.locate(i)[:2], tuple(layout.locate(i)[2]))
    # Spot-check three numeric values by hand: first weight, a middle one, last bias.
    for i in (0, layout.n_weights - 1, params.size - 1):
        step = 1e-6 * max(1.0, abs(params[i]))
        up, down = params.copy(), params.copy()
        up[i] += step
        down[i] -= step
        by_hand = (network.loss_value(X, Y, *layout.views(up)) - network.loss_value(X, Y, *layout.views(down))) / (
            up[i] - down[i]
        )
        assert check.entries[i].numeric == pytest.approx(by_hand, rel=1e-12, abs=1e-15)
    e = check.entries[layout.n_weights]  # the first bias of layer 1
    assert (e.kind, e.layer, e.position, e.name) == ("b", 0, (0,), "b1 u1")
    assert check.entries[1].name == "W1 x1→u2"


def test_layer_summaries():
    network, params, X, Y = _small_case()
    check = gradient_check(network, params, X, Y)
    assert [s.name for s in check.layers] == ["L1", "L2", "L3"]
    assert [s.n_params for s in check.layers] == [2 * 3 + 3, 3 * 2 + 2, 2 * 1 + 1]
    for s in check.layers:
        mine = [e for e in check.entries if e.layer == s.layer]
        assert s.worst_rel_error == max(e.rel_error for e in mine)
        assert check.entries[s.worst_index].layer == s.layer
        assert check.entries[s.worst_index].rel_error == s.worst_rel_error
        assert s.passed
    assert check.worst.rel_error == max(e.rel_error for e in check.entries)
    assert check.passed and not check.failures
    assert "L1" in str(check) and "passed" in str(check)


def test_check_fails_and_names_the_layer_with_a_wrong_derivative():
    """A hidden activation whose derivative is 1% off: the output layer's
    gradient does not use it and passes; every layer below fails."""
    sizes = (2, 3, 3, 1)
    good = ACTIVATIONS["tanh"]
    bad = Activation("tanh", good.forward, lambda z, a: 1.01 * (1.0 - a * a))
    layout = Network.build(sizes, "tanh", "sigmoid", "bce").layout
    network = Network(layout, (bad, bad, ACTIVATIONS["sigmoid"]), LOSSES["bce"])
    rng = np.random.default_rng(1)
    params = _params(sizes, rng)
    X, Y = _problem(sizes, "bce", rng, 10)
    check = gradient_check(network, params, X, Y)
    assert not check.passed
    assert [s.passed for s in check.layers] == [False, False, True]
    assert check.worst.layer in (0, 1) and check.worst.rel_error > 1e-3
    assert check.failures


def test_check_fails_with_a_wrong_loss_gradient():
    sizes = (2, 3, 1)
    mse = LOSSES["mse"]
    wrong = Loss("mse", "halved", mse.per_sample, lambda p, y: 0.5 * mse.gradient(p, y))
    layout = Network.build(sizes, "sigmoid", "linear", "mse").layout
    network = Network(layout, (ACTIVATIONS["sigmoid"], ACTIVATIONS["linear"]), wrong)
    rng = np.random.default_rng(2)
    params = _params(sizes, rng)
    X, Y = _problem(sizes, "mse", rng, 10)
    check = gradient_check(network, params, X, Y)
    assert not check.passed
    assert all(not s.passed for s in check.layers)
    # Half the true gradient: |a - n| / (|a| + |n|) = 0.5 / 1.5.
    assert check.worst.rel_error == pytest.approx(1 / 3, rel=1e-4)


def test_check_rejects_mismatched_shapes():
    network, params, X, Y = _small_case()
    with pytest.raises(ValueError, match="parameters"):
        gradient_check(network, params[:-1], X, Y)
    with pytest.raises(ValueError, match="X must have shape"):
        gradient_check(network, params, X[:, :1], Y)
    with pytest.raises(ValueError, match="Y must have shape"):
        gradient_check(network, params, X, Y[:-1])


def test_check_trainer_float32_is_done_in_float64():
    cfg = Config(
        dataset="moons",
        samples=60,
        layers=(2, 6, 5, 1),
        activation="tanh",
        dtype="float32",
        optimizer="adam",
        lr=0.05,
        seed=4,
    )
    t = Trainer.from_config(cfg)
    t.run(20)
    assert t.params.dtype == np.float32
    check = check_trainer(t)
    assert check.passed and check.worst.rel_error < TOL
    # The reference: the same parameters, widened to float64, on the float64 data.
    p64 = t.params.astype(np.float64)
    W, b = t.layout.views(p64)
    fwd = t.network.forward(t.data.X, W, b)
    grad = t.network.backward(fwd, t.Y.astype(np.float64), W).grad
    assert grad.dtype == np.float64
    np.testing.assert_array_equal([e.analytic for e in check.entries], grad)
    # float32 arithmetic would only agree to ~1e-7 with float64.
    np.testing.assert_allclose(t.record.backward.grad, grad, rtol=1e-3, atol=1e-6)


def test_check_trainer_full_dataset_after_training():
    cfg = Config(dataset="moons", samples=80, layers=(2, 8, 8, 8, 1), activation="tanh", optimizer="adam", lr=0.02)
    t = Trainer.from_config(cfg)
    t.run(50)
    check = check_trainer(t)
    assert len(check.entries) == t.layout.n_params == 2 * 8 + 8 * 8 * 2 + 8 + 8 * 3 + 1
    assert check.passed and check.worst.rel_error < TOL
    assert check.loss == pytest.approx(t.record.loss, rel=1e-12)


def test_feedback_alignment_is_not_the_gradient():
    """With fixed random feedback only the output layer's gradient is true."""
    cfg = Config(dataset="moons", samples=40, layers=(2, 5, 4, 1), activation="tanh", feedback_alignment=True)
    check = check_trainer(Trainer.from_config(cfg))
    assert [s.passed for s in check.layers] == [False, False, True]


# --------------------------------------------------------------------------
# Fused output deltas
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("out", "loss", "units"), [("sigmoid", "bce", 1), ("sigmoid", "bce", 3), ("softmax", "ce", 3)])
def test_fused_delta_equals_chain_rule(out, loss, units):
    sizes = (2, 4, units)
    network = Network.build(sizes, "tanh", out, loss)
    assert network.uses_fused_delta
    rng = np.random.default_rng(5)
    params = _params(sizes, rng)
    X, Y = _problem(sizes, loss, rng, 25)
    W, b = network.layout.views(params)
    fwd = network.forward(X, W, b)
    assert np.all((fwd.output > 1e-3) & (fwd.output < 1 - 1e-3))  # not saturated
    fused = network.output_delta(fwd, Y)
    general = network.output_delta(fwd, Y, fused=False)
    np.testing.assert_allclose(fused, general, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(network.output_delta(fwd, Y, fused=True), fused)
    # And the whole backward pass agrees both ways.
    g1 = network.backward(fwd, Y, W).grad
    g2 = network.backward(fwd, Y, W, fused=False).grad
    np.testing.assert_allclose(g1, g2, rtol=0, atol=1e-10)


def test_softmax_ce_integer_labels_and_one_hot_agree():
    """The loss and gradient from integer labels, written by hand, equal the
    engine's from the one-hot targets it builds."""
    sizes = (2, 5, 3)
    network = Network.build(sizes, "relu", "softmax", "ce")
    rng = np.random.default_rng(6)
    params = _params(sizes, rng)
    X = rng.standard_normal((20, 2))
    labels = rng.integers(0, 3, size=20)
    Y = targets(labels, 3, 3)
    np.testing.assert_array_equal(Y, np.eye(3)[labels])
    W, b = network.layout.views(params)
    fwd = network.forward(X, W, b)
    p = fwd.output
    n = len(labels)
    assert network.loss.value(p, Y) == pytest.approx(-np.mean(np.log(p[np.arange(n), labels])), rel=1e-14)
    delta = p.copy()
    delta[np.arange(n), labels] -= 1.0
    bwd = network.backward(fwd, Y, W)
    np.testing.assert_allclose(bwd.delta[-1], delta, rtol=0, atol=1e-15)
    np.testing.assert_allclose(bwd.dW[-1], fwd.a[0].T @ delta / n, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(bwd.db[-1], delta.mean(axis=0), rtol=1e-13, atol=1e-16)


# --------------------------------------------------------------------------
# Properties over random architectures
# --------------------------------------------------------------------------


@st.composite
def _architectures(draw):
    hidden_sizes = draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
    out, loss, units = draw(st.sampled_from(PAIRINGS))
    units = draw(st.integers(2, 3)) if units > 1 else 1
    sizes = (draw(st.integers(1, 4)), *hidden_sizes, units)
    hidden = draw(st.sampled_from(HIDDEN_ACTIVATIONS))
    batch = draw(st.integers(1, 12))
    seed = draw(st.integers(0, 2**32 - 1))
    return sizes, hidden, out, loss, batch, seed


@settings(max_examples=40, deadline=None)
@given(_architectures())
def test_random_architectures_shapes_and_gradients(arch):
    sizes, hidden, out, loss, batch, seed = arch
    rng = np.random.default_rng(seed)
    network = Network.build(sizes, hidden, out, loss)
    params = _params(sizes, rng)
    X, Y = _problem(sizes, loss, rng, batch + 8)
    rows = _safe_rows(params, sizes, X, hidden, out)[:batch]
    X, Y = X[rows], Y[rows]
    n = X.shape[0]
    if n == 0:
        return
    W, b = network.layout.views(params)
    fwd = network.forward(X, W, b)
    bwd = network.backward(fwd, Y, W)
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        assert W[l].shape == bwd.dW[l].shape == (fan_in, fan_out)
        assert b[l].shape == bwd.db[l].shape == (fan_out,)
        assert fwd.z[l].shape == fwd.a[l].shape == bwd.delta[l].shape == (n, fan_out)
        # dW is the batch mean of the per-sample outer products.
        np.testing.assert_allclose(bwd.dW[l], fwd.layer_input(l).T @ bwd.delta[l] / n, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(bwd.db[l], bwd.delta[l].mean(axis=0), rtol=1e-12, atol=1e-15)
    assert bwd.grad.shape == (network.layout.n_params,)
    zs, a_ref = _ref_forward(params, sizes, X, hidden, out)
    np.testing.assert_allclose(fwd.output, a_ref, rtol=1e-12, atol=1e-15)
    check = gradient_check(network, params, X, Y, tolerance=TOL)
    _assert_agrees(check, network, params, X, Y)
