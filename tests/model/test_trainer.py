"""Tests for model.trainer: agreement with a hand-written loop, learning,
exact rewind, branches, divergence, float32, stop conditions and the
mini-batch record conventions."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from model import Config, ConfigError, DivergenceError, Trainer
from model.trainer import FEWEST_SNAPSHOTS, MIN_SNAPSHOTS, SNAPSHOT_BYTES_CAP, Branch, History, snapshot_limit

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def _same(a, b) -> bool:
    """Bit for bit: same dtype, shape and bytes (NaN where NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


# --------------------------------------------------------------------------
# (a) The engine against the classic loop written out by hand
# --------------------------------------------------------------------------


def test_engine_matches_hand_written_xor_loop():
    lr, epochs = 0.5, 10_000
    cfg = Config(
        layers=(2, 2, 1),
        activation="sigmoid",
        output_activation="sigmoid",
        loss="mse",
        init="uniform",
        init_limit=1.0,
        lr=lr,
        optimizer="sgd",
        mode="full",
        seed=3,
    )
    t = Trainer.from_config(cfg)
    np.testing.assert_array_equal(t.X, XOR_X)
    np.testing.assert_array_equal(t.Y, XOR_Y)
    W0, b0 = t.layout.views(t.params)
    W1, W2 = (w.copy() for w in W0)
    b1, b2 = (x.copy() for x in b0)
    assert W1.shape == (2, 2) and W2.shape == (2, 1) and b1.shape == (2,) and b2.shape == (1,)

    # The classic loop: mse = mean over all elements of (y_hat - y)^2.
    X, y = XOR_X, XOR_Y
    losses = np.empty(epochs + 1)
    for epoch in range(epochs + 1):
        h = _sig(X @ W1 + b1)
        o = _sig(h @ W2 + b2)
        losses[epoch] = np.mean((o - y) ** 2)
        if epoch == epochs:
            break
        d_o = 2.0 * (o - y) / o.size * o * (1.0 - o)  # d loss / d z2, mean folded in
        d_h = (d_o @ W2.T) * h * (1.0 - h)
        W2 = W2 - lr * h.T @ d_o
        b2 = b2 - lr * d_o.sum(axis=0)
        W1 = W1 - lr * X.T @ d_h
        b1 = b1 - lr * d_h.sum(axis=0)

    t.run(epochs)
    assert t.epoch == epochs
    (E1, E2), (c1, c2) = t.layout.views(t.params)
    for mine, engine in ((W1, E1), (W2, E2), (b1, c1), (b2, c2)):
        np.testing.assert_allclose(engine, mine, rtol=0, atol=1e-12)
    np.testing.assert_allclose(t.history.series("loss"), losses, rtol=1e-10, atol=1e-15)
    assert t.record.loss < 0.01  # and it actually learned XOR
    assert t.record.accuracy == 1.0


def test_full_batch_record_gradient_is_the_next_update():
    cfg = Config(layers=(2, 4, 1), lr=0.7, optimizer="sgd", mode="full")
    t = Trainer.from_config(cfg)
    for _ in range(5):
        before = t.record
        after = t.step()
        assert _same(after.params, before.params - 0.7 * before.backward.grad)
        # Record e is computed at the weights of epoch e, on the whole set.
        fwd = t.network.forward(t.X, after.W, after.b)
        assert _same(after.output, fwd.output)
        assert after.loss == t.network.loss_of(fwd, t.Y)  # the general route (BCE from z, not from y_hat)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_full_batch_updates_by_hand(optimizer):
    """Five updates of each optimizer, with L1 and L2 on the weights only,
    written out from the textbook formulas."""
    lr, mu, b1, b2, eps, l1, l2 = 0.3, 0.8, 0.9, 0.99, 1e-8, 0.01, 0.02
    cfg = _moons(optimizer=optimizer, lr=lr, momentum=mu, beta1=b1, beta2=b2, l1=l1, l2=l2)
    t = Trainer.from_config(cfg)
    n_w = t.layout.n_weights
    p = t.params.copy()
    v = np.zeros_like(p)
    m = np.zeros_like(p)
    for step in range(1, 6):
        g = t.record.backward.grad.copy()
        g[:n_w] += l2 * p[:n_w] + l1 * np.sign(p[:n_w])
        if optimizer == "sgd":
            p = p - lr * g
        elif optimizer == "momentum":
            v = mu * v - lr * g
            p = p + v
        else:
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            # Kingma & Ba's "more efficient" ordering (end of their section 2),
            # as TensorFlow does: eps is added to sqrt(v), not sqrt(v_hat).
            lr_t = lr * np.sqrt(1 - b2**step) / (1 - b1**step)
            p = p - lr_t * m / (np.sqrt(v) + eps)
        t.step()
        np.testing.assert_allclose(t.params, p, rtol=1e-12, atol=1e-14)
    assert t.optimizer_state.step == (0 if optimizer == "sgd" else 5)


# --------------------------------------------------------------------------
# (b) Learning
# --------------------------------------------------------------------------


def test_xor_2_4_1_sigmoid_bce_learns_for_most_seeds():
    solved = 0
    for seed in range(10):
        cfg = Config(
            layers=(2, 4, 1),
            activation="sigmoid",
            output_activation="sigmoid",
            loss="bce",
            init="xavier",
            lr=0.5,
            mode="full",
            seed=seed,
            stop_at_full_accuracy=True,
        )
        t = Trainer.from_config(cfg)
        t.run(10_000)
        solved += t.record.accuracy == 1.0
    assert solved >= 9


def test_xor_2_3_2_relu_softmax_ce_learns():
    cfg = Config(
        layers=(2, 3, 2),
        activation="relu",
        output_activation="softmax",
        loss="ce",
        init="he",
        optimizer="adam",
        lr=0.05,
        seed=0,
    )
    t = Trainer.from_config(cfg)
    t.run(500)
    assert t.record.accuracy == 1.0
    assert t.record.loss < 0.05
    np.testing.assert_array_equal(t.record.predicted, [0, 1, 1, 0])


@pytest.mark.parametrize("dataset", ["moons", "circles"])
def test_two_d_sets_generalise(dataset):
    cfg = Config(
        dataset=dataset,
        samples=200,
        noise=0.1,
        test_fraction=0.25,
        layers=(2, 8, 8, 1),
        activation="tanh",
        output_activation="sigmoid",
        loss="bce",
        optimizer="adam",
        lr=0.05,
        seed=0,
    )
    t = Trainer.from_config(cfg)
    assert t.X.shape == (150, 2) and t.X_test.shape == (50, 2)
    t.run(500)
    assert t.record.test_accuracy >= 0.95
    assert t.history.series("test_accuracy")[-1] == t.record.test_accuracy
    # Independent check of the reported test accuracy.
    W, b = t.layout.views(t.params)
    out = t.network.forward(t.X_test, W, b).output[:, 0]
    assert t.record.test_accuracy == np.mean((out > 0.5) == t.data.labels_test)


# --------------------------------------------------------------------------
# (c) Rewind, branches, reset, snapshots
# --------------------------------------------------------------------------

REWIND_CONFIGS = {
    "full-sgd": dict(mode="full", optimizer="sgd", lr=0.5),
    "minibatch-momentum": dict(mode="minibatch", batch_size=16, optimizer="momentum", lr=0.1, momentum=0.9),
    "full-adam": dict(mode="full", optimizer="adam", lr=0.02),
    "sgd-adam": dict(mode="sgd", optimizer="adam", lr=0.005, samples=16),
}


def _moons(**kw) -> Config:
    base = dict(dataset="moons", samples=48, noise=0.2, test_fraction=0.25, layers=(2, 5, 1), activation="tanh", seed=7)
    base.update(kw)
    return Config(**base)


def _assert_same_state(a: Trainer, b: Trainer):
    assert a.epoch == b.epoch
    assert _same(a.params, b.params)
    sa, sb = a.optimizer_state, b.optimizer_state
    assert sa.kind == sb.kind and sa.step == sb.step and len(sa.slots) == len(sb.slots)
    for x, y in zip(sa.slots, sb.slots):
        assert _same(x, y)
    assert a.history.length == b.history.length
    for name in ("loss", "test_loss", "accuracy", "test_accuracy"):
        assert _same(a.history.series(name), b.history.series(name)), name
    for x, y in zip(a.record.delta + a.record.dW, b.record.delta + b.record.dW):
        assert _same(x, y)
    for name in ("loss", "accuracy", "test_loss"):
        assert getattr(a.record, name) == getattr(b.record, name), name


@pytest.mark.parametrize("max_snapshots", [None, 16, 2], ids=["snapshots", "replay", "fewest"])
@pytest.mark.parametrize("name", list(REWIND_CONFIGS))
def test_rewind_then_continue_is_bit_identical(name, max_snapshots):
    cfg = _moons(**REWIND_CONFIGS[name])
    straight = Trainer.from_config(cfg)
    at_120 = None
    for _ in range(300):
        straight.step()
        if straight.epoch == 120:
            at_120 = (straight.params, straight.optimizer_state, straight.record.loss)

    t = Trainer.from_config(cfg)
    if max_snapshots:
        t._max_snapshots = max_snapshots  # force thinning, so 120 must be replayed
    t.run(300)
    if max_snapshots:
        assert len(t._snapshots) <= max_snapshots and 120 not in t._snapshots
    rec = t.rewind(120)
    assert t.epoch == rec.epoch == 120 and t.last_epoch == 300
    assert _same(t.params, at_120[0])
    for x, y in zip(t.optimizer_state.slots, at_120[1].slots):
        assert _same(x, y)
    assert t.optimizer_state.step == at_120[1].step
    assert rec.loss == at_120[2]
    t.run(180)
    _assert_same_state(t, straight)


@given(st.integers(0, 2**40))
def test_snapshots_of_any_size_fit_a_bounded_memory(state_bytes):
    # A network of thousands of units per layer must not keep sixteen copies
    # of its state (13 GB for 2-4096-4096-4096-1 with Adam), in the app and
    # again in run mode's child: the snapshots' bytes stay under the cap
    # wherever the fewest allowed fit, and small networks keep at least 16.
    limit = snapshot_limit(state_bytes)
    assert limit >= FEWEST_SNAPSHOTS
    if state_bytes * MIN_SNAPSHOTS <= SNAPSHOT_BYTES_CAP:
        assert limit >= MIN_SNAPSHOTS
    if state_bytes * FEWEST_SNAPSHOTS <= SNAPSHOT_BYTES_CAP:
        assert limit * state_bytes <= SNAPSHOT_BYTES_CAP
    else:
        assert limit == FEWEST_SNAPSHOTS


def test_a_very_large_network_keeps_few_snapshots():
    # 2-4096-4096-4096-1 (33.6 million float64 parameters), counted without building it.
    # The trainer counts a state as the parameters and one (SGD, momentum) or two (Adam) slots.
    params = 2 * 4096 + 4096 + 2 * (4096 * 4096 + 4096) + 4096 + 1
    assert snapshot_limit(params * 8 * 2) == snapshot_limit(params * 8 * 3) == FEWEST_SNAPSHOTS
    assert snapshot_limit(9 * 8 * 2) == 4096  # XOR 2-2-1
    assert snapshot_limit(8 * 2**20) == MIN_SNAPSHOTS  # states of 8 MiB: at least 16 (128 MiB)


def test_rewind_out_of_range_is_a_clear_error():
    t = Trainer.from_config(Config())
    t.run(5)
    with pytest.raises(ValueError, match="0 to 5"):
        t.rewind(6)
    with pytest.raises(ValueError, match="not recorded"):
        t.rewind(-1)
    assert t.epoch == 5


def test_rewind_and_change_lr_makes_a_branch():
    cfg = _moons(lr=0.5)
    t = Trainer.from_config(cfg)
    t.run(200)
    old_loss = t.history.series("loss").copy()
    old_params = t.params
    t.rewind(100)
    assert t.branches == []
    t.reconfigure(cfg.replace(lr=0.1))
    assert len(t.branches) == 1
    branch = t.branches[0]
    assert isinstance(branch, Branch) and branch.start == 100 and "lr" in branch.label
    assert _same(branch.loss, old_loss[100:])
    assert t.last_epoch == 100 and t.epoch == 100
    t.run(100)
    assert t.epoch == 200
    new_loss = t.history.series("loss")
    assert _same(new_loss[:101], old_loss[:101])
    assert np.all(new_loss[101:] != old_loss[101:])
    assert not np.array_equal(t.params, old_params)
    # The new future is exactly "100 epochs at 0.5, then 100 at 0.1".
    other = Trainer.from_config(cfg)
    other.run(100)
    other.reconfigure(cfg.replace(lr=0.1))
    other.run(100)
    assert other.branches == []
    _assert_same_state(t, other)
    # Stepping back across the change point replays each segment with its own lr.
    t.rewind(150)
    other.rewind(150)
    assert _same(t.params, other.params)


@pytest.mark.parametrize(
    "changes",
    [
        dict(layers=(2, 3, 1)),
        dict(seed=1),
        dict(activation="tanh"),
        dict(dtype="float32"),
        dict(samples=100),
        dict(init_limit=0.3),
        dict(feedback_alignment=True),
    ],
    ids=lambda c: next(iter(c)),
)
def test_reconfigure_rebuild_field_is_refused_and_named(changes):
    """A change that needs a new network is refused; the error names the
    field, so a form can mark it, and the run is untouched."""
    cfg = Config()
    t = Trainer.from_config(cfg)
    t.run(3)
    with pytest.raises(ConfigError) as info:
        t.reconfigure(cfg.replace(**changes))
    assert info.value.field == next(iter(changes))
    assert "new network" in info.value.message
    assert t.config == cfg and t.epoch == 3 and t.branches == []


def test_reset_gives_the_initial_params():
    cfg = _moons(optimizer="adam", lr=0.05)
    t = Trainer.from_config(cfg)
    initial = t.params.copy()
    t.run(50)
    assert not np.array_equal(t.params, initial)
    rec = t.reset()
    assert t.epoch == rec.epoch == 0
    assert _same(t.params, initial)
    assert _same(t.params, Trainer.from_config(cfg).params)
    assert t.optimizer_state.step == 0 and all(not s.any() for s in t.optimizer_state.slots)
    assert rec.loss == t.history.series("loss")[0]


def test_long_run_keeps_bounded_snapshots_and_rewinds_exactly():
    cfg = Config(layers=(2, 4, 1), lr=0.5, seed=2)
    t = Trainer.from_config(cfg)
    kept = {}
    probes = {0, 1, 777, 4_321, 31_337, 64_000, 99_999}
    for _ in range(100_000):
        t.step()
        if t.epoch in probes:
            kept[t.epoch] = t.params  # flat vectors are never changed in place
    assert t.epoch == 100_000
    assert len(t._snapshots) <= t._max_snapshots
    assert t._snap_every > 1
    end_params = t.params
    for epoch in (4_321, 31_337, 99_999, 64_000, 777):
        assert epoch % 2 == 0 or epoch not in t._snapshots  # odd epochs must be replayed
        t.rewind(epoch)
        assert _same(t.params, kept[epoch]), epoch
    # A replay from scratch of that many epochs gives the same state.
    fresh = Trainer.from_config(cfg)
    fresh.run(4_321)
    t.rewind(4_321)
    _assert_same_state_prefix(t, fresh, 4_321)
    # And going forward again within the recorded run reproduces its end.
    t.rewind(99_999)
    t.step()
    assert _same(t.params, end_params)


def _assert_same_state_prefix(a: Trainer, b: Trainer, epoch: int):
    assert a.epoch == b.epoch == epoch
    assert _same(a.params, b.params)
    assert _same(a.history.series("loss")[: epoch + 1], b.history.series("loss"))
    for x, y in zip(a.record.delta, b.record.delta):
        assert _same(x, y)


# --------------------------------------------------------------------------
# (d) Divergence
# --------------------------------------------------------------------------


def _next_state_by_hand(t: Trainer):
    """Full-batch plain SGD: what the failed step computed, independently."""
    p = t.params - t.config.lr * t.record.backward.grad
    W, b = t.layout.views(p)
    with np.errstate(all="ignore"):
        fwd = t.network.forward(t.X, W, b)
        loss = t.network.loss.value(fwd.output, t.Y)
        bwd = t.network.backward(fwd, t.Y, W)
    return W, b, fwd, loss, bwd


DIVERGING = {
    "relu-linear-mse": dict(activation="relu", output_activation="linear", loss="mse", lr=1e6),
    "tanh-linear-mse": dict(activation="tanh", output_activation="linear", loss="mse", lr=1e3, init="normal"),
    "linear-sigmoid-bce": dict(activation="linear", output_activation="sigmoid", loss="bce", lr=1e3, init="normal"),
    "leaky-linear-mse": dict(activation="leaky_relu", output_activation="linear", loss="mse", lr=1e6, init="normal"),
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", list(DIVERGING))
def test_divergence_stops_at_first_non_finite_value(name):
    cfg = Config(layers=(2, 4, 1), optimizer="sgd", mode="full", seed=0, **DIVERGING[name])
    t = Trainer.from_config(cfg)
    error = None
    for _ in range(500):
        before = (t.epoch, t.params, t.record, t.history.length, t.optimizer_state)
        try:
            t.step()
        except DivergenceError as exc:
            error = exc
            break
    assert error is not None, "this configuration was expected to blow up"
    d = error.divergence
    epoch, params, record, length, opt = before
    # The last good state is kept, exactly.
    assert t.epoch == epoch and d.epoch == epoch + 1
    assert t.params is params and t.record is record and t.optimizer_state is opt
    assert t.history.length == length == epoch + 1
    assert np.isfinite(t.params).all() and math.isfinite(t.record.loss)
    assert t.divergence == d
    assert str(d.epoch) in str(error) and d.quantity in str(error)

    # The named value really is not finite in the state that step computed...
    W, b, fwd, loss, bwd = _next_state_by_hand(t)
    named = {
        "weights": lambda l: W[l],
        "biases": lambda l: b[l],
        "z": lambda l: fwd.z[l],
        "a": lambda l: fwd.a[l],
        "delta": lambda l: bwd.delta[l],
        "gradient": lambda l: np.concatenate([bwd.dW[l].ravel(), bwd.db[l]]),
    }
    if d.quantity == "loss":
        assert d.layer == 0
        assert not math.isfinite(loss), f"reported {d} but the loss is {loss!r}"
    else:
        assert 1 <= d.layer <= 2
        value = named[d.quantity](d.layer - 1)
        assert not np.isfinite(value).all(), f"reported {d} but that value is finite"
        assert d.value in ("nan", "inf", "-inf")
    # ...and every parameter before the forward pass was still finite unless named.
    if d.quantity not in ("weights", "biases"):
        assert all(np.isfinite(x).all() for x in W + b)

    # It stays stopped in the same place, and a smaller step recovers.
    with pytest.raises(DivergenceError):
        t.step()
    assert t.epoch == epoch
    t.rewind(0)
    t.reconfigure(cfg.replace(lr=0.01))
    t.run(10)
    assert t.epoch == 10 and t.divergence is None


@pytest.mark.parametrize("name", ["relu-linear-mse", "linear-sigmoid-bce"])
def test_divergence_names_a_layer_or_the_loss(name):
    """relu/linear/mse overflows the loss (d*d) before any layer value;
    a linear hidden layer with sigmoid/bce overflows z in layer 2 first."""
    cfg = Config(layers=(2, 4, 1), seed=0, **DIVERGING[name])
    t = Trainer.from_config(cfg)
    with np.errstate(all="ignore"), pytest.raises(DivergenceError) as info:
        t.run(500)
    d = info.value.divergence
    if name == "relu-linear-mse":
        assert (d.layer, d.quantity, d.value) == (0, "loss", "inf")
    else:
        assert d.layer == 2 and d.quantity == "z"


# --------------------------------------------------------------------------
# (e) float32
# --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["full", "minibatch"])
@pytest.mark.parametrize("optimizer", ["adam", "momentum", "sgd"])
def test_float32_stays_float32(optimizer, mode):
    cfg = _moons(dtype="float32", optimizer=optimizer, mode=mode, batch_size=8, lr=0.05, layers=(2, 5, 3, 1))
    t = Trainer.from_config(cfg)
    t.run(15)
    f32 = np.dtype(np.float32)
    assert t.X.dtype == t.Y.dtype == t.X_test.dtype == f32
    assert t.params.dtype == t.initial_params.dtype == f32
    rec = t.record
    for group in (rec.W, rec.b, rec.z, rec.a, rec.delta, rec.dW, rec.db):
        assert all(x.dtype == f32 for x in group)
    assert rec.backward.grad.dtype == f32 and rec.output.dtype == f32
    assert all(s.dtype == f32 for s in t.optimizer_state.slots)
    assert len(t.optimizer_state.slots) == {"adam": 2, "momentum": 1, "sgd": 0}[optimizer]
    t.rewind(7)
    assert t.params.dtype == f32 and t.record.delta[0].dtype == f32
    # It is the same run as float64, to float32 precision.
    t64 = Trainer.from_config(cfg.replace(dtype="float64"))
    t64.run(7)
    np.testing.assert_allclose(t.params, t64.params, rtol=1e-3, atol=1e-4)


def test_float32_confident_correct_network_has_a_finite_loss():
    """A float32 sigmoid rounds to exactly 1.0 from z ~ 17; a network that
    is right and sure must not read as a NaN loss (or diverge)."""
    k = 40.0
    W1, b1 = np.full((2, 2), k), np.array([-k / 2, -3 * k / 2])  # OR and AND units
    W2, b2 = np.array([[k], [-k]]), np.array([-k / 2])  # OR and not AND
    params = np.concatenate([W1.ravel(), W2.ravel(), b1, b2])
    cfg = Config(layers=(2, 2, 1), dtype="float32", lr=0.1)
    t = Trainer.from_config(cfg, params=params)
    assert t.params.dtype == np.float32
    assert np.any(t.record.output == 1.0)  # saturated in float32
    assert t.record.accuracy == 1.0
    assert math.isfinite(t.record.loss) and t.record.loss < 1e-5
    t.step()
    assert math.isfinite(t.record.loss) and t.epoch == 1


# --------------------------------------------------------------------------
# (f) Stop conditions
# --------------------------------------------------------------------------


def test_stop_at_max_epochs():
    t = Trainer.from_config(Config(max_epochs=50))
    t.run(1000)
    assert t.epoch == 50
    assert "epoch limit" in t.stop_reason() and "50" in t.stop_reason()
    t.run(10)
    assert t.epoch == 50


def test_stop_at_target_loss():
    t = Trainer.from_config(Config(target_loss=0.1, lr=0.5))
    assert t.stop_reason() is None
    t.run(20_000)
    loss = t.history.series("loss")
    assert loss[t.epoch] <= 0.1 and np.all(loss[: t.epoch] > 0.1)
    assert "target" in t.stop_reason()


def test_stop_at_full_accuracy():
    t = Trainer.from_config(Config(stop_at_full_accuracy=True))
    t.run(20_000)
    acc = t.history.series("accuracy")
    assert acc[t.epoch] == 1.0 and np.all(acc[: t.epoch] < 1.0)
    assert t.epoch > 0 and t.stop_reason() == "every training sample is classified correctly"
    # Changing the stop condition lets training go on.
    t.reconfigure(t.config.replace(stop_at_full_accuracy=False))
    t.run(3)
    assert t.stop_reason() is None and t.last_epoch == t.epoch


# --------------------------------------------------------------------------
# (g) Mini-batch and per-sample modes
# --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["minibatch", "sgd"])
def test_minibatch_epoch_by_hand(mode):
    """One epoch replayed by hand from the trainer's generator state: the
    same batches, the same updates, loss and accuracy as running means."""
    cfg = _moons(mode=mode, batch_size=10, optimizer="sgd", lr=0.2, test_fraction=0.0, samples=37)
    t = Trainer.from_config(cfg)
    t.run(3)
    n = t.X.shape[0]
    size = 1 if mode == "sgd" else 10
    rng = np.random.default_rng()
    rng.bit_generator.state = t._state.rng
    order = rng.permutation(n)
    p = t.params
    loss_sum = hits = 0.0
    for start in range(0, n, size):
        idx = order[start : start + size]
        W, b = t.layout.views(p)
        fwd = t.network.forward(t.X[idx], W, b)
        out = fwd.output
        y = t.Y[idx]
        loss_sum += -np.sum(y * np.log(out) + (1 - y) * np.log(1 - out))
        hits += np.sum((out[:, 0] > 0.5) == t.data.labels[idx])
        p = p - 0.2 * t.network.backward(fwd, y, W).grad
    rec = t.step()
    assert _same(rec.params, p)
    assert rec.loss == pytest.approx(loss_sum / n, rel=1e-12)
    assert rec.accuracy == pytest.approx(hits / n, rel=1e-12)
    # The per-layer arrays: one row per training sample, at the new weights.
    fwd = t.network.forward(t.X, rec.W, rec.b)
    bwd = t.network.backward(fwd, t.Y, rec.W)
    for l, units in enumerate(cfg.layers[1:]):
        assert rec.delta[l].shape == (n, units)
        assert _same(rec.delta[l], bwd.delta[l]) and _same(rec.z[l], fwd.z[l]) and _same(rec.dW[l], bwd.dW[l])
    # The running mean is not the loss at the end-of-epoch weights.
    assert rec.loss != t.network.loss.value(fwd.output, t.Y)


def test_minibatch_with_one_batch_is_full_batch():
    cfg = _moons(mode="minibatch", batch_size=1000, optimizer="sgd", lr=0.3, test_fraction=0.0)
    t = Trainer.from_config(cfg)
    full = Trainer.from_config(cfg.replace(mode="full"))
    for _ in range(20):
        loss_before = full.record.loss
        t.step()
        full.step()
        # Same update up to the order of summation; the reported loss is the
        # one at the weights before the epoch's only update.
        assert t.record.loss == pytest.approx(loss_before, rel=1e-12)
    np.testing.assert_allclose(t.params, full.params, rtol=1e-12, atol=1e-14)


def test_divergence_is_clean_no_floating_point_warnings():
    """Overflow on the way to a divergence is expected and reported as a
    DivergenceError; no RuntimeWarning should leak to the user's terminal."""
    cfg = Config(layers=(2, 4, 1), seed=0, **DIVERGING["relu-linear-mse"])
    t = Trainer.from_config(cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError):
            t.run(500)


def test_confusion_counts_every_training_sample_by_true_and_predicted_class():
    from model import Config, Trainer

    t = Trainer.from_config(
        Config(dataset="spiral", classes=3, layers=(2, 8, 3), output_activation="softmax", loss="ce")
    )
    t.run(20)
    counts = t.record.confusion
    labels, predicted = t.data.labels, t.record.predicted
    assert counts.shape == (3, 3) and counts.sum() == len(labels)
    for true in range(3):
        for guess in range(3):
            assert counts[true, guess] == np.count_nonzero((labels == true) & (predicted == guess))
    assert np.trace(counts) / len(labels) == t.record.correct.mean()


def test_history_rows_written_at_once_grow_it_and_a_copy_is_its_own():
    history = History()
    rows = np.arange(3000 * 4, dtype=float).reshape(3000, 4)
    history.write(0, rows[:10])
    twin = history.copy()
    history.write(10, rows[10:])  # past the first capacity (1024)
    assert history.length == 3000 and twin.length == 10
    assert np.array_equal(history.rows(0, 3000), rows)
    assert np.array_equal(history.series("test_loss"), rows[:, 1])
    history.write(5, rows[:2])  # over rows already there
    assert np.array_equal(history.rows(5, 7), rows[:2]) and history.length == 3000
    assert np.array_equal(twin.rows(0, 10), rows[:10])


def test_a_record_rebuilt_from_its_figures_is_the_record():
    """What run mode's child sends: figures, from which the app's copy of the trainer
    rebuilds a record whose arrays are the engine's, computed again."""
    for config in (Config(), Config(dataset="moons", samples=40, mode="minibatch", batch_size=8, layers=(2, 5, 1))):
        trainer = Trainer.from_config(config)
        record = trainer.run(25)
        figures = record.figures()
        assert figures.epoch == 25 and figures.params is record.params
        copy = Trainer.from_config(config)  # another trainer on the same data
        rebuilt = copy.record_of(figures)
        assert (rebuilt.epoch, rebuilt.loss, rebuilt.accuracy, rebuilt.test_loss) == (
            record.epoch,
            record.loss,
            record.accuracy,
            record.test_loss,
        )
        for got, want in zip(
            rebuilt.delta + rebuilt.dW + rebuilt.db + rebuilt.z, record.delta + record.dW + record.db + record.z
        ):
            assert np.array_equal(got, want)


def test_accuracies_to_come_are_filled_in_before_anything_reads_the_history():
    """History.set_later: the accuracy column is counted when next read, in
    epoch order, a later value for an epoch winning as with `set`."""
    import pickle

    calls: list[int] = []

    def accuracies(outputs):
        calls.append(len(outputs))
        return [float(o[0]) for o in outputs]

    history = History()
    for epoch in range(3):
        history.set_later(epoch, 1.0 + epoch, np.nan, np.nan, np.array([epoch / 10]), accuracies)
    assert calls == [] and history.length == 3
    loss, _, accuracy, _ = history.get(1)
    assert (loss, accuracy) == (2.0, 0.1)
    assert calls == [3]  # three epochs counted in one call
    assert np.array_equal(history.series("accuracy"), [0.0, 0.1, 0.2])

    history.set_later(1, 5.0, np.nan, np.nan, np.array([0.5]), accuracies)
    history.set_later(1, 6.0, np.nan, np.nan, np.array([0.6]), accuracies)
    assert history.rows(1, 2)[0, [0, 2]].tolist() == [6.0, 0.6]
    history.set_later(2, 7.0, np.nan, np.nan, np.array([0.7]), accuracies)
    history.set(2, (8.0, np.nan, 0.8, np.nan))  # a value given now outlives one still to come
    assert history.get(2)[2] == 0.8

    history.set_later(3, 9.0, np.nan, np.nan, np.array([0.9]), accuracies)
    twin = pickle.loads(pickle.dumps(history))
    assert twin._pending == [] and twin._accuracies is None and twin.get(3)[2] == 0.9
    for read in (history.copy, lambda: history.tail(1)):
        history.set_later(4, 1.0, np.nan, np.nan, np.array([0.25]), accuracies)
        assert read().get(4)[2] == 0.25


def test_an_accuracy_set_while_others_are_counted_waits_for_the_next_count():
    history = History()
    late = np.array([0.75])

    def accuracies(outputs):
        if len(outputs) == 2:  # another thread steps while this one counts
            history._pending.append((2, 0.0, np.nan, np.nan, late))
        return [float(o[0]) for o in outputs]

    history.set_later(0, 0.0, np.nan, np.nan, np.array([0.25]), accuracies)
    history.set_later(1, 0.0, np.nan, np.nan, np.array([0.5]), accuracies)
    history.length = 3
    assert history.get(0)[2] == 0.25 and len(history._pending) == 1
    assert history.get(2)[2] == 0.75 and history._pending == []


def test_outputs_wait_to_be_counted_up_to_a_bound():
    from model.history import _PENDING_VALUES

    history = History()
    big = np.zeros(_PENDING_VALUES // 2)  # half the bound: counted every second epoch
    for epoch in range(5):
        history.set_later(epoch, 0.0, np.nan, np.nan, big, lambda outputs: [0.5] * len(outputs))
        assert len(history._pending) == (epoch + 1) % 2


def test_a_full_batch_history_holds_each_records_own_accuracy():
    """The step leaves the accuracy to be counted (the record when asked, the
    history many epochs at once): both give the eager count's bits."""
    t = Trainer.from_config(Config(dataset="moons", samples=40, layers=(2, 3, 1)))
    records = [t.step() for _ in range(30)]
    assert all(r._accuracy is None for r in records[:-1])
    eager = [t._accuracy(r.output, t._labels, t._labels_bool) for r in records]
    assert [r.accuracy for r in records] == eager
    assert t.history.series("accuracy")[1:].tobytes() == np.array(eager).tobytes()


def test_a_hand_edit_at_an_epoch_whose_accuracy_was_to_come_keeps_the_edits():
    t = Trainer.from_config(Config(dataset="moons", samples=40, layers=(2, 3, 1)))
    t.run(5)
    edited = t.set_params(np.zeros_like(t.params))  # every output 0.5: half the samples right
    assert t.history.get(5)[2] == edited.accuracy == t._accuracy(edited.output, t._labels, t._labels_bool)


def test_writing_pending_rows_never_replaces_the_rows_array():
    """A pickler that holds on to History._rows while it pickles (tui/array_exchange.py
    sends them whole every time) must see the array the rows are written into."""
    history = History()
    capacity = history._rows.shape[0]
    for epoch in range(capacity + 5):
        history.set_later(epoch, 0.0, np.nan, np.nan, np.array([0.5]), lambda outputs: [1.0] * len(outputs))
    rows = history._rows
    history.__getstate__()
    assert history._rows is rows and history.get(capacity + 4)[2] == 1.0
