"""Regression: R² against a NumPy reference and known values, the sine and
sincos sets, float CSV targets, the trainer's R² (full and minibatch) and
sessions of regression runs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from same_run import assert_same_run  # noqa: E402

from model import Config, ConfigError, Trainer
from model.config import follow_data
from model.datasets import REGRESSION_DATASETS, load, load_csv
from model.regression import explained, r_squared, residual_sum_of_squares, total_sum_of_squares
from model.session import load_session, save_session


def reference_r2(pred: np.ndarray, y: np.ndarray) -> float:
    """The textbook formula, written out once more with NumPy."""
    return 1.0 - np.sum((y - pred) ** 2) / np.sum((y - np.mean(y, axis=0)) ** 2)


def sine_config(**changes) -> Config:
    base = follow_data(Config(), dataset="sine")
    return base.replace(layers=(1, 8, 1), activation="tanh", optimizer="adam", lr=0.02, **changes)


# ---------------------------------------------------------------- R² itself


def test_perfect_fit_is_one_and_the_mean_predictor_is_zero():
    y = np.array([[1.0], [2.0], [4.0], [7.0]])
    assert r_squared(y, y) == 1.0
    assert r_squared(np.full_like(y, y.mean()), y) == 0.0
    assert r_squared(-y, y) < 0.0  # worse than the mean: no lower bound


def test_known_value():
    y = np.array([3.0, -0.5, 2.0, 7.0])
    pred = np.array([2.5, 0.0, 2.0, 8.0])
    assert r_squared(pred, y) == pytest.approx(0.9486081370449679, abs=1e-15)  # scikit-learn's documented example


def test_constant_targets_follow_scikit_learn():
    y = np.ones((3, 1))
    assert r_squared(y, y) == 1.0 and r_squared(y + 1, y) == 0.0


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 40), st.integers(1, 3)), elements=finite), st.data())
def test_r2_matches_the_numpy_reference(y, data):
    pred = data.draw(arrays(np.float64, y.shape, elements=finite))
    if total_sum_of_squares(y) < 1e-6:
        return
    assert r_squared(pred, y) == pytest.approx(
        1.0 - np.sum((y - pred) ** 2) / np.sum((y - y.mean(axis=0)) ** 2), rel=1e-9, abs=1e-9
    )


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(4, 30), elements=finite), st.integers(1, 7), st.data())
def test_minibatch_parts_average_to_the_whole_set(y, size, data):
    """The row-weighted mean of the parts' figures is 1 - SS_res/SS_tot of the whole set."""
    pred = data.draw(arrays(np.float64, y.shape, elements=finite))
    ss_tot = total_sum_of_squares(y)
    if ss_tot < 1e-6:
        return
    n = y.shape[0]
    parts = [slice(s, s + size) for s in range(0, n, size)]
    mean = sum(explained(residual_sum_of_squares(pred[p], y[p]), ss_tot, len(y[p]), n) * len(y[p]) for p in parts) / n
    assert mean == pytest.approx(r_squared(pred, y), rel=1e-9, abs=1e-9)


# ------------------------------------------------------------------- data


@pytest.mark.parametrize("name", REGRESSION_DATASETS)
def test_regression_sets_are_seeded_floats(name):
    a = load(name, n_samples=50, noise=0.0, seed=3, test_fraction=0.2)
    b = load(name, n_samples=50, noise=0.0, seed=3, test_fraction=0.2)
    assert a.is_regression and np.array_equal(a.X, b.X) and np.array_equal(a.values, b.values)
    assert a.X.shape[0] + a.X_test.shape[0] == 50 and a.values.shape == (40, 1) and a.values_test.shape == (10, 1)
    assert np.abs(a.X).max() <= np.pi
    expected = np.sin(a.X[:, 0]) if name == "sine" else np.sin(a.X[:, 0]) * np.cos(a.X[:, 1])
    np.testing.assert_allclose(a.values[:, 0], expected)  # noise 0: the function itself
    assert a.class_names == ("y",) and not a.labels.any()


def test_csv_with_fractional_labels_is_regression_and_whole_numbers_stay_classes(tmp_path):
    floats = tmp_path / "floats.csv"
    floats.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{i * 0.5 + 0.25}\n" for i in range(30)))
    data = load_csv(floats)
    assert data.is_regression and data.values[:3, 0].tolist() == [0.25, 0.75, 1.25]
    ints = tmp_path / "ints.csv"
    ints.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(30)))
    assert not load_csv(ints).is_regression and load_csv(ints).class_names == ("0", "1")
    codes = tmp_path / "codes.csv"  # a few fractional codes are classes, as they always were
    codes.write_text("a,y\n" + "".join(f"{i},{(2, 2.5, 10)[i % 3]}\n" for i in range(30)))
    assert load_csv(codes).class_names == ("2", "2.5", "10")


def test_float_targets_refuse_class_losses_with_the_reason(tmp_path):
    path = tmp_path / "floats.csv"
    path.write_text("a,y\n" + "".join(f"{i},{i * 0.1 + 0.05}\n" for i in range(12)))
    config = Config(dataset="csv", csv_path=str(path), layers=(1, 4, 1))  # sigmoid and bce
    with pytest.raises(ConfigError, match="float targets, not classes: use mse"):
        Trainer.from_config(config)
    Trainer.from_config(config.replace(output_activation="linear", loss="mse"))
    with pytest.raises(ConfigError, match="float targets"):
        Config(dataset="sine", layers=(1, 4, 1))  # bce on a built-in regression set
    with pytest.raises(ConfigError, match="use linear"):
        Config(dataset="sine", layers=(1, 4, 2), output_activation="softmax", loss="mse")


# ---------------------------------------------------------------- training


def test_sine_reaches_r2_095_with_a_small_tanh_net():
    trainer = Trainer.from_config(sine_config(test_fraction=0.2))
    trainer.run(600)
    assert trainer.record.accuracy >= 0.95
    assert trainer.record.test_accuracy is not None and trainer.record.test_accuracy >= 0.9
    out = trainer.record.output
    assert trainer.record.accuracy == pytest.approx(reference_r2(out, trainer.Y), rel=1e-12)


def test_trainer_r2_is_computed_on_the_loss_data_in_every_mode():
    for mode in ("full", "minibatch", "sgd"):
        trainer = Trainer.from_config(sine_config(mode=mode, batch_size=16, test_fraction=0.25))
        trainer.run(3)
        rec = trainer.record
        test_out = trainer.network.forward(trainer.X_test, rec.W, rec.b).a[-1]
        assert rec.test_accuracy == pytest.approx(reference_r2(test_out, trainer.Y_test), rel=1e-12)
        if mode == "full":
            assert rec.accuracy == pytest.approx(reference_r2(rec.output, trainer.Y), rel=1e-12)
        else:  # the residuals met during the epoch, over the whole set's SS_tot (as the loss is averaged)
            assert rec.accuracy <= 1.0 and np.isfinite(rec.accuracy)


def test_sincos_learns_with_two_hidden_layers():
    config = follow_data(Config(), dataset="sincos").replace(
        layers=(2, 16, 16, 1), activation="tanh", optimizer="adam", lr=0.01, mode="minibatch"
    )
    trainer = Trainer.from_config(config)
    trainer.run(300)
    assert trainer.record.accuracy >= 0.9


def test_regression_session_round_trips_with_negative_r2(tmp_path):
    trainer = Trainer.from_config(sine_config(test_fraction=0.2))
    assert trainer.record.accuracy < 0  # a fresh network is worse than the mean
    trainer.run(5)
    save_session(trainer, tmp_path / "sine.npz")
    loaded = load_session(tmp_path / "sine.npz")
    assert loaded.data.is_regression
    np.testing.assert_array_equal(loaded.data.values, trainer.data.values)
    assert_same_run(trainer, loaded)
