"""Tests for model.activations and model.losses: values, derivatives against
finite differences, and numerical safety at the extremes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from model.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, LEAKY_SLOPE, sigmoid, softmax
from model.losses import LOSSES

H = 1e-6


@pytest.fixture
def strict():
    """Any numpy warning (overflow, divide, invalid) or Python warning is an error.

    Underflow to 0 is the correct answer of exp(-1000), so it stays allowed.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            yield


def _central(f, z, h=H):
    return (f(z + h) - f(z - h)) / (2 * h)


# --------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------


def test_sigmoid_large_inputs_no_warnings_and_exact_limits(strict):
    z = np.array([-1000.0, -745.0, -709.0, -50.0, 0.0, 50.0, 745.0, 1000.0])
    s = sigmoid(z)
    assert np.all(np.isfinite(s))
    assert s[0] == pytest.approx(0.0, abs=1e-300) and s[0] >= 0.0
    assert s[-1] == 1.0 and s[-2] == 1.0
    assert s[4] == 0.5  # exact, not approximately
    assert np.all(np.diff(s) >= 0)


def test_sigmoid_matches_textbook_formula_and_symmetry():
    z = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(sigmoid(z), 1.0 / (1.0 + np.exp(-z)), rtol=0, atol=1e-15)
    np.testing.assert_allclose(sigmoid(-z), 1.0 - sigmoid(z), rtol=0, atol=1e-15)


def test_sigmoid_float32_large_negative_input_no_overflow_warning(strict):
    """A float32 network's z of -100 must not overflow exp (float32 max ~ e^88.7)."""
    z = np.array([-1000.0, -100.0, 0.0, 100.0], dtype=np.float32)
    s = sigmoid(z)
    assert s.dtype == np.float32
    assert np.all((s[:2] >= 0.0) & (s[:2] < 1e-37))  # 0 or the smallest normal float32s
    assert s[2] == 0.5 and s[3] == 1.0


# Points away from relu's kink at 0, where the derivative is defined.
Z_POINTS = np.array([[-3.0, -1.2, -0.3, -0.01], [0.02, 0.4, 1.7, 3.5]])


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_activation_derivative_matches_finite_differences(name):
    act = ACTIVATIONS[name]
    a = act.forward(Z_POINTS)
    analytic = act.derivative(Z_POINTS, a)
    numeric = _central(act.forward, Z_POINTS)
    assert analytic.shape == Z_POINTS.shape
    np.testing.assert_allclose(analytic, numeric, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_elementwise_backprop_is_grad_times_derivative(name):
    act = ACTIVATIONS[name]
    rng = np.random.default_rng(1)
    g = rng.standard_normal(Z_POINTS.shape)
    a = act.forward(Z_POINTS)
    np.testing.assert_array_equal(act.backprop(Z_POINTS, a, g), g * act.derivative(Z_POINTS, a))


def test_relu_and_leaky_values_and_kink_convention():
    z = np.array([-2.0, -0.0, 0.0, 3.0])
    np.testing.assert_array_equal(ACTIVATIONS["relu"].forward(z), [0.0, 0.0, 0.0, 3.0])
    np.testing.assert_array_equal(ACTIVATIONS["leaky_relu"].forward(z), [-2.0 * LEAKY_SLOPE, 0.0, 0.0, 3.0])
    # At exactly 0 both take the left derivative.
    np.testing.assert_array_equal(ACTIVATIONS["relu"].derivative(z, None), [0.0, 0.0, 0.0, 1.0])
    leaky = ACTIVATIONS["leaky_relu"].derivative(z, None)
    np.testing.assert_array_equal(leaky, [LEAKY_SLOPE, LEAKY_SLOPE, LEAKY_SLOPE, 1.0])


def test_softmax_rows_sum_to_one_and_shift_invariant():
    rng = np.random.default_rng(2)
    z = rng.standard_normal((50, 4)) * 5
    s = softmax(z)
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert np.all(s > 0)
    np.testing.assert_allclose(softmax(z + 123.0), s, rtol=1e-12)
    e = np.exp(z)
    np.testing.assert_allclose(s, e / e.sum(axis=1, keepdims=True), rtol=1e-13)


def test_softmax_stable_for_large_inputs(strict):
    z = np.array([[1000.0, -1000.0, 0.0], [1e300, 1e300, -1e300], [-1000.0, -1000.0, -1000.0]])
    s = softmax(z)
    assert np.all(np.isfinite(s))
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(s[0], [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(s[1], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(s[2], [1 / 3] * 3, rtol=1e-15)


def test_softmax_backprop_matches_numeric_jacobian():
    """softmax.backprop(g) is J^T g, with J the numeric Jacobian of softmax."""
    act = ACTIVATIONS["softmax"]
    rng = np.random.default_rng(3)
    z = rng.standard_normal((5, 4))
    g = rng.standard_normal((5, 4))
    a = act.forward(z)
    analytic = act.backprop(z, a, g)
    numeric = np.empty_like(z)
    for j in range(z.shape[1]):
        dz = np.zeros_like(z)
        dz[:, j] = H
        # d/dz_j of sum_k g_k softmax_k(z), row by row
        numeric[:, j] = ((act.forward(z + dz) - act.forward(z - dz)) * g).sum(axis=1) / (2 * H)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-10)
    # The diagonal the diagnostics read is d a_j / d z_j.
    diag = np.empty_like(z)
    for j in range(z.shape[1]):
        dz = np.zeros_like(z)
        dz[:, j] = H
        diag[:, j] = (act.forward(z + dz)[:, j] - act.forward(z - dz)[:, j]) / (2 * H)
    np.testing.assert_allclose(act.derivative(z, a), diag, rtol=1e-7, atol=1e-10)


# --------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------


def test_mse_value_is_mean_over_all_elements():
    rng = np.random.default_rng(4)
    y_hat = rng.standard_normal((7, 3))
    y = rng.standard_normal((7, 3))
    mse = LOSSES["mse"]
    assert mse.value(y_hat, y) == pytest.approx(np.mean((y_hat - y) ** 2), rel=1e-14)
    np.testing.assert_allclose(mse.per_sample(y_hat, y), np.mean((y_hat - y) ** 2, axis=1), rtol=1e-14)


def test_xor_mse_by_hand():
    """Four samples, one output: (0.1^2 + 0.2^2 + 0.3^2 + 0.4^2) / 4."""
    y_hat = np.array([[0.1], [0.8], [0.7], [0.4]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    assert LOSSES["mse"].value(y_hat, y) == pytest.approx(0.075, rel=1e-14)


def test_bce_and_ce_values_match_formulas():
    rng = np.random.default_rng(5)
    p = rng.uniform(0.05, 0.95, size=(6, 1))
    y = rng.integers(0, 2, size=(6, 1)).astype(float)
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert LOSSES["bce"].value(p, y) == pytest.approx(expected, rel=1e-14)

    logits = rng.standard_normal((6, 3))
    q = softmax(logits)
    labels = rng.integers(0, 3, size=6)
    onehot = np.eye(3)[labels]
    # Categorical cross-entropy straight from integer labels: -log q[i, label_i].
    expected = -np.mean(np.log(q[np.arange(6), labels]))
    assert LOSSES["ce"].value(q, onehot) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_gradient_matches_finite_differences(name):
    """gradient() row i is d(loss of sample i)/d(y_hat of sample i)."""
    loss = LOSSES[name]
    rng = np.random.default_rng(6)
    y_hat = rng.uniform(0.1, 0.9, size=(5, 3))
    y = np.eye(3)[rng.integers(0, 3, size=5)]
    analytic = loss.gradient(y_hat, y)
    numeric = np.empty_like(y_hat)
    for j in range(3):
        d = np.zeros_like(y_hat)
        d[:, j] = H
        numeric[:, j] = (loss.per_sample(y_hat + d, y) - loss.per_sample(y_hat - d, y)) / (2 * H)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_finite_at_exact_zero_and_one(strict, dtype):
    """Saturated predictions (exactly 0 or 1, right or wrong) never take log(0)."""
    bce = LOSSES["bce"]
    y_hat = np.array([[0.0], [1.0], [0.0], [1.0]], dtype=dtype)
    y = np.array([[0.0], [1.0], [1.0], [0.0]], dtype=dtype)
    per_sample = bce.per_sample(y_hat, y)
    assert np.all(np.isfinite(per_sample))
    # Right and sure: (nearly) no loss. Wrong and sure: a large but finite loss.
    assert per_sample[0] < 1e-6 and per_sample[1] < 1e-6
    assert per_sample[2] > 10 and per_sample[3] > 10
    assert np.all(np.isfinite(bce.gradient(y_hat, y)))
    assert np.isfinite(bce.value(y_hat, y))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ce_finite_at_exact_zero(strict, dtype):
    ce = LOSSES["ce"]
    y_hat = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    y = np.array([[1.0, 0.0], [1.0, 0.0]], dtype=dtype)
    per_sample = ce.per_sample(y_hat, y)
    assert np.all(np.isfinite(per_sample))
    assert per_sample[0] == 0.0 and per_sample[1] > 10
    assert np.all(np.isfinite(ce.gradient(y_hat, y)))


def test_fused_deltas_are_prediction_minus_target():
    rng = np.random.default_rng(7)
    p = rng.uniform(0.1, 0.9, size=(4, 1))
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    np.testing.assert_array_equal(LOSSES["bce"].fused_delta(p, y), p - y)
    q = softmax(rng.standard_normal((4, 3)))
    t = np.eye(3)[[0, 2, 1, 1]]
    np.testing.assert_array_equal(LOSSES["ce"].fused_delta(q, t), q - t)
    # bce over several sigmoid outputs averages over them (the loss does too).
    p2 = rng.uniform(0.1, 0.9, size=(4, 2))
    t2 = np.eye(2)[[0, 1, 1, 0]]
    np.testing.assert_allclose(LOSSES["bce"].fused_delta(p2, t2), (p2 - t2) / 2, rtol=1e-15)


def test_bce_from_z_equals_the_formula_on_y_hat_and_stays_exact_where_it_saturates():
    """A sigmoid output's BCE is measured from z; it must be the textbook value."""
    import numpy as np

    from model.activations import sigmoid
    from model.losses import LOSSES

    bce = LOSSES["bce"]
    z = np.linspace(-12.0, 12.0, 97).reshape(-1, 1)
    for target in (0.0, 1.0):
        y = np.full_like(z, target)
        from_z = bce.per_sample_from_logits(z, y)
        from_y_hat = bce.per_sample(sigmoid(z), y)
        np.testing.assert_allclose(from_z, from_y_hat, rtol=1e-9, atol=1e-15)
    # Far out y_hat rounds to 1.0 and the clipped formula caps the loss of a
    # confident wrong answer at -log(1e-12) = 27.6; from z it is exactly z, and
    # a confident right answer costs (next to) nothing, never a negative amount.
    far = np.array([[40.0], [300.0]])
    np.testing.assert_array_equal(bce.per_sample_from_logits(far, np.zeros_like(far)), [40.0, 300.0])
    right = bce.per_sample_from_logits(far, np.ones_like(far))
    assert (right >= 0.0).all() and (right < 1e-15).all()
