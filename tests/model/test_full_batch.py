"""The pieces of the tuned hot path that the reference runs
(test_engine_reference.py) may not reach: the identities it relies on, over
extreme values, and when it is used at all."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from model import Config, Trainer
from model.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from model.bugs import CATALOGUE
from model.losses import bce_per_sample_from_logits
from model.products import product

# Around the sigmoid's clamp and the ends of each dtype.
SPECIAL = {
    np.float64: [0.0, -0.0, 1e-300, -1e-300, 5e-324, 708.9, -708.9, 709.0, -709.0, 710.0, -710.0, 1e308, -1e308],
    np.float32: [0.0, -0.0, 1e-38, -1e-38, 1e-45, 87.9, -87.9, 88.0, -88.0, 89.0, -89.0, 3e38, -3e38],
}


def _floats(dtype):
    width = 64 if dtype == np.float64 else 32
    return st.one_of(
        st.floats(width=width, allow_nan=True, allow_infinity=True),
        st.sampled_from(SPECIAL[dtype] + [np.inf, -np.inf, np.nan]),
    )


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit for bit, except that any NaN matches any NaN (its payload is not a figure)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    return bool((nan_a == nan_b).all()) and a[~nan_a].tobytes() == b[~nan_b].tobytes()


@settings(max_examples=300, deadline=None)
@given(data=st.data(), dtype=st.sampled_from([np.float64, np.float32]))
def test_bce_of_one_sigmoid_unit_from_the_sign_of_its_target_is_the_loss_functions(data, dtype):
    """full_batch.py computes logaddexp(sz - sz, sz), sz = (1 - 2y) z, for
    losses.bce_per_sample_from_logits' logaddexp(-y z, z - y z): the same bits
    for 0/1 targets, NaN where z is infinite or NaN as before."""
    n = data.draw(st.integers(1, 12))
    z = data.draw(hnp.arrays(dtype, (n, 1), elements=_floats(dtype)))
    y = data.draw(hnp.arrays(dtype, (n, 1), elements=st.sampled_from([0.0, 1.0])))
    with np.errstate(all="ignore"):
        expected = bce_per_sample_from_logits(z, y)
        sz = (np.array(1.0, dtype) - (y + y)) * z
        got = np.logaddexp(sz - sz, sz).reshape(-1)
    assert _same_bits(got, expected)


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    name=st.sampled_from(list(HIDDEN_ACTIVATIONS)),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_times_derivative_is_g_times_the_derivative(data, name, dtype):
    act = ACTIVATIONS[name]
    shape = (data.draw(st.integers(1, 5)), data.draw(st.integers(1, 4)))
    z = data.draw(hnp.arrays(dtype, shape, elements=_floats(dtype)))
    g = data.draw(hnp.arrays(dtype, shape, elements=_floats(dtype)))
    with np.errstate(all="ignore"):
        a = act.forward(z)
        expected = g * act.derivative(z, a)
        got = act.times_derivative(g.copy(), z, a)
    assert _same_bits(got, expected)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), dtype=st.sampled_from([np.float64, np.float32]))
def test_sigmoid_is_the_clamped_textbook_formula(data, dtype):
    z = data.draw(hnp.arrays(dtype, (data.draw(st.integers(1, 9)),), elements=_floats(dtype)))
    lowest = -709.0 if dtype == np.float64 else -88.0
    with np.errstate(all="ignore"):
        assert _same_bits(ACTIVATIONS["sigmoid"].forward(z), 1.0 / (1.0 + np.exp(-np.maximum(z, lowest))))


@settings(max_examples=400, deadline=None)
@given(
    data=st.data(),
    dtype=st.sampled_from([np.float64, np.float32]),
    m=st.integers(1, 9),
    k=st.integers(1, 9),
    p=st.integers(1, 9),
    transposed=st.tuples(st.booleans(), st.booleans()),
)
def test_the_passes_products_are_matmuls_bits(data, dtype, m, k, p, transposed):
    """model/products.py: the function `product(m, k)` picks gives what
    np.matmul gives, for C- and F-contiguous operands (a transposed view, as
    the backward pass's h.T and W.T), into a new array or `out`."""

    def matrix(rows, cols, flip):
        x = data.draw(hnp.arrays(dtype, (cols, rows) if flip else (rows, cols), elements=_floats(dtype)))
        return x.T if flip else x

    a, b = matrix(m, k, transposed[0]), matrix(k, p, transposed[1])
    times = product(m, k)
    with np.errstate(all="ignore"):
        expected = np.matmul(a, b)
        got = times(a, b)
        into = np.empty((m, p), dtype)
        times(a, b, into)
    assert _same_bits(got, expected) and _same_bits(into, expected)


def test_the_products_take_dot_only_where_it_is_matmuls_blas_call():
    assert product(4, 2) is np.ndarray.dot and product(2, 4) is np.ndarray.dot
    assert product(1, 5) is np.matmul and product(5, 1) is np.matmul


def test_the_tuned_passes_serve_small_plain_networks_only():
    small = Trainer.from_config(Config(layers=(2, 4, 1)))
    small.step()
    assert small._scratch is not None and small._scratch.full_batch is not None

    big = Trainer.from_config(Config(dataset="moons", layers=(2, 64, 64, 1), samples=20))
    big.step()  # 4,353 parameters: viewed, not copied, so the general route
    assert big._scratch is not None and big._scratch.full_batch is None

    bug = next(b for b in CATALOGUE if not b.refuses((2, 4, 1), "sigmoid", "sigmoid", "bce"))
    planted = Trainer.from_config(Config(layers=(2, 4, 1)), bug=bug)
    planted.step()
    assert planted._scratch is not None and planted._scratch.full_batch is None


def test_a_copied_trainer_makes_its_passes_again():
    """The passes write into buffers the trainer keeps: a pickled trainer
    leaves them out, and its copy steps exactly as the original does."""
    import pickle

    t = Trainer.from_config(Config(layers=(2, 3, 1)))
    t.run(5)
    twin = pickle.loads(pickle.dumps(t))
    assert twin._scratch is None
    a, b = t.step(), twin.step()
    assert a.params.tobytes() == b.params.tobytes() and a.loss == b.loss
    for l in range(2):
        assert a.delta[l].tobytes() == b.delta[l].tobytes()


def test_every_epoch_keeps_its_own_arrays():
    """Buffers are reused, records' arrays are not: a record taken earlier
    still holds its own epoch's z, a, delta and gradient."""
    t = Trainer.from_config(Config(layers=(2, 2, 1)))
    first = t.step()
    kept = [x.copy() for x in (*first.z, *first.a, *first.delta, first.backward.grad, *first.dW, *first.db)]
    for _ in range(3):
        t.step()
    now = (*first.z, *first.a, *first.delta, first.backward.grad, *first.dW, *first.db)
    assert all(x.tobytes() == y.tobytes() for x, y in zip(kept, now))


@pytest.mark.parametrize("mode", ["full", "minibatch"])
def test_a_diverging_run_says_nothing_on_stderr(mode):
    exploding = Config(activation="relu", output_activation="linear", loss="mse", lr=1e6, mode=mode, batch_size=2)
    from model.training_loop import Ending, train_until

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outcome = train_until(Trainer.from_config(exploding))
    assert outcome.ending is Ending.DIVERGED


@settings(max_examples=200, deadline=None)
@given(data=st.data(), dtype=st.sampled_from([np.float64, np.float32]))
def test_the_bound_sigmoid_functions_are_the_activations_own(data, dtype):
    """activations.forward_for / times_derivative_for: the sigmoid's steps with
    its constants bound once give the bits of the functions that look them up."""
    from model.activations import forward_for, times_derivative_for

    shape = (data.draw(st.integers(1, 5)), data.draw(st.integers(1, 4)))
    z = data.draw(hnp.arrays(dtype, shape, elements=_floats(dtype)))
    g = data.draw(hnp.arrays(dtype, shape, elements=_floats(dtype)))
    sigmoid = ACTIVATIONS["sigmoid"]
    with np.errstate(all="ignore"):
        a = sigmoid.forward(z)
        assert _same_bits(forward_for(sigmoid, np.dtype(dtype))(z), a)
        expected = sigmoid.times_derivative(g.copy(), z, a)
        assert _same_bits(times_derivative_for(sigmoid, np.dtype(dtype))(g.copy(), z, a), expected)
    for name in HIDDEN_ACTIVATIONS:
        if name != "sigmoid":
            act = ACTIVATIONS[name]
            assert forward_for(act, np.dtype(dtype)) is act.forward


@settings(max_examples=100, deadline=None)
@given(data=st.data(), epochs=st.integers(1, 5))
def test_the_accuracies_counted_together_are_each_epochs_own(data, epochs):
    """Trainer._training_accuracies (what History.set_later fills in) gives,
    for each output, `_accuracy`'s float, at the threshold itself and around it."""
    t = Trainer.from_config(Config(layers=(2, 2, 1)))
    n = t.X.shape[0]
    values = st.sampled_from([0.0, 0.25, 0.5, np.nextafter(0.5, 0.0), np.nextafter(0.5, 1.0), 0.75, 1.0, np.nan])
    outputs = [
        data.draw(hnp.arrays(np.float64, (n, 1), elements=st.one_of(values, st.floats(0.0, 1.0))))
        for _ in range(epochs)
    ]
    expected = [t._accuracy(output, t._labels, t._labels_bool) for output in outputs]
    got = t._training_accuracies(outputs)
    assert got == expected and all(type(g) is type(e) for g, e in zip(got, expected))


@pytest.mark.parametrize(
    "config",
    [
        Config(dataset="blobs", layers=(2, 4, 2), output_activation="softmax", loss="ce"),
        Config(dataset="sine", layers=(1, 4, 1), output_activation="linear", loss="mse"),
    ],
)
def test_the_accuracies_counted_together_of_softmax_and_regression(config):
    t = Trainer.from_config(config)
    outputs = [t.step().output for _ in range(4)]
    expected = [t._accuracy(output, t._labels, t._labels_bool) for output in outputs]
    assert t._training_accuracies(outputs) == expected


@pytest.mark.parametrize(
    "settings_",
    [
        dict(optimizer="sgd"),
        dict(optimizer="sgd", l2=0.01),
        dict(optimizer="momentum"),
        dict(optimizer="adam"),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_optimizers_update_function_is_its_apply(settings_, dtype):
    """Optimizer.update_for: plain SGD's bound update gives apply's bits and
    state (a state of another kind starts afresh as in apply); the others are apply."""
    from model.optimizers import Optimizer

    optimizer = Optimizer.from_config(Config(**settings_))
    rng = np.random.default_rng(3)
    params, grad = rng.standard_normal(9).astype(dtype), rng.standard_normal(9).astype(dtype)
    update = optimizer.update_for(np.dtype(dtype))
    for state in (optimizer.init_state(params), Optimizer("adam").init_state(params)):
        got, expected = update(params, grad, state, 6), optimizer.apply(params, grad, state, 6)
        assert got[0].tobytes() == expected[0].tobytes() and got[0].dtype == expected[0].dtype
        assert got[1].kind == expected[1].kind and got[1].step == expected[1].step
    if settings_ != dict(optimizer="sgd"):
        assert update == optimizer.apply


@pytest.mark.parametrize(
    ("dataset", "samples", "layers", "repeated"),
    [
        ("xor", 4, (2, 2, 1), True),  # the bias repeated per sample: an add of one shape
        ("moons", 200, (2, 8, 3, 1), True),
        ("moons", 2000, (2, 4, 1), False),  # too many samples to repeat it: broadcast
    ],
)
def test_the_kept_biases_give_the_general_routes_bits(dataset, samples, layers, repeated):
    """full_batch.py adds each bias as n kept rows on few samples, broadcast
    on many: either way every figure of every epoch is the general route's
    (Network.forward/backward/loss_of, which broadcasts the bias)."""
    config = Config(dataset=dataset, samples=samples, layers=layers, seed=3)
    tuned, general = Trainer.from_config(config), Trainer.from_config(config)
    tuned.step(), general.step()
    assert tuned._scratch is not None and general._scratch is not None
    passes = tuned._scratch.full_batch
    assert passes is not None
    kept = tuned._scratch.weights.flat.base
    assert (kept is not None and kept.size > tuned.layout.n_params) is repeated
    general._scratch.full_batch = None  # the general route from here on
    for _ in range(25):
        a, b = tuned.step(), general.step()
        assert a.params.tobytes() == b.params.tobytes() and a.loss == b.loss
        assert a.accuracy == b.accuracy
        for l in range(len(layers) - 1):
            for x, y in ((a.z[l], b.z[l]), (a.a[l], b.a[l]), (a.delta[l], b.delta[l])):
                assert x.tobytes() == y.tobytes()
        assert a.backward.grad.tobytes() == b.backward.grad.tobytes()
