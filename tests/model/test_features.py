"""Input features as TensorFlow Playground offers them: parsed, computed,
named, refused where they do not apply, saved with a run, and the classic
observation that circles need no hidden layer given x1² and x2²."""

from __future__ import annotations

import numpy as np
import pytest
from same_run import assert_same_run  # noqa: E402

from model import Config, ConfigError, Trainer
from model.boundary import decision_grid
from model.config import follow_data
from model.datasets import load, load_data
from model.errors import DataError
from model.features import FEATURES, compute, labels, parse_features
from model.session import load_session, save_session


@pytest.mark.parametrize(
    "text, expected",
    [
        ("x1,x2", ("x1", "x2")),
        ("x1^2, x2^2", ("x1^2", "x2^2")),
        ("x2²,x1²", ("x1^2", "x2^2")),
        ("sin(x1),x1*x2,x1", ("x1", "x1*x2", "sin(x1)")),
        ("SIN X2, x1x2", ("x1*x2", "sin(x2)")),
    ],
)
def test_spellings_parse_to_one_order(text, expected):
    assert parse_features(text) == expected


@pytest.mark.parametrize("text, fragment", [("", "at least one"), ("x3", "unknown input feature"), ("x1,x1", "twice")])
def test_bad_feature_lists_are_refused(text, fragment):
    with pytest.raises(DataError, match=fragment):
        parse_features(text)


def test_features_are_computed_from_the_raw_inputs_and_named():
    raw = np.array([[0.5, -2.0], [3.0, 1.0]])
    X = compute(FEATURES, raw)
    np.testing.assert_array_equal(
        X,
        [[0.5, -2.0, 0.25, 4.0, -1.0, np.sin(0.5), np.sin(-2.0)], [3.0, 1.0, 9.0, 1.0, 3.0, np.sin(3.0), np.sin(1.0)]],
    )
    assert labels(FEATURES) == ("x1", "x2", "x1²", "x2²", "x1·x2", "sin x1", "sin x2")


def test_load_data_applies_the_features_and_keeps_the_raw_inputs():
    config = Config(dataset="circles", features=("x1^2", "x2^2"), layers=(2, 4, 1), test_fraction=0.2)
    data = load_data(config)
    plain = load("circles", test_fraction=0.2)
    np.testing.assert_array_equal(data.X, plain.X**2)
    np.testing.assert_array_equal(data.raw_X, plain.X)
    np.testing.assert_array_equal(data.X_test, plain.X_test**2)
    assert data.feature_names == ("x1²", "x2²")
    assert load_data(Config(dataset="circles")).raw_X is None  # the default changes nothing


def test_features_are_refused_for_data_without_two_inputs():
    with pytest.raises(ConfigError, match="2 inputs"):
        Config(dataset="iris", features=("x1^2",))
    with pytest.raises(ConfigError, match="2 inputs"):
        Config(dataset="sine", layers=(1, 4, 1), output_activation="linear", loss="mse", features=("x1", "x1^2"))


def test_config_round_trip_and_old_configs_without_features():
    config = follow_data(Config(), dataset="moons", features=("sin(x1)", "x1", "x2"))
    assert config.features == ("x1", "x2", "sin(x1)")  # one order, whatever the spelling
    assert config.layers[0] == 3
    assert Config.from_dict(config.to_dict()) == config
    old = Config().to_dict()
    del old["features"]
    assert Config.from_dict(old).features == ("x1", "x2")
    assert config.parse("features", "x1^2,x2^2").features == ("x1^2", "x2^2")
    assert config.needs_rebuild(config.replace(features=("x1", "x2")))


def test_circles_with_squares_need_no_hidden_layer():
    plain = Config(dataset="circles", layers=(2, 1), lr=0.5)
    squared = follow_data(plain, features=("x1^2", "x2^2"))
    assert squared.layers == (2, 1)
    without, with_squares = Trainer.from_config(plain), Trainer.from_config(squared)
    without.run(500)
    with_squares.run(500)
    assert with_squares.record.accuracy >= 0.95
    assert without.record.accuracy < 0.8  # a straight line cannot separate two rings


def test_spiral_with_sines_learns_with_fewer_hidden_units():
    base = Config(dataset="spiral", layers=(2, 2, 1), activation="tanh", optimizer="adam", lr=0.03)
    plain = Trainer.from_config(base)
    rich = Trainer.from_config(follow_data(base, features=FEATURES))
    plain.run(1000)
    rich.run(1000)
    assert rich.record.accuracy >= 0.95 > 0.8 > plain.record.accuracy  # 2 hidden units: enough only with features


def test_the_map_is_drawn_over_the_raw_plane():
    trainer = Trainer.from_config(follow_data(Config(dataset="circles"), features=("x1^2", "x2^2", "x1")))
    grid = decision_grid(trainer, 12, 10)
    raw = trainer.data.raw_X
    assert grid.xs[0] < raw[:, 0].min() and grid.xs[-1] > raw[:, 0].max()  # x1 itself, not x1²
    assert grid.point_cells.shape == (raw.shape[0], 2)


def test_sessions_keep_the_features(tmp_path):
    trainer = Trainer.from_config(follow_data(Config(dataset="circles", test_fraction=0.2), features=("x1^2", "x2^2")))
    trainer.run(4)
    save_session(trainer, tmp_path / "f.npz")
    loaded = load_session(tmp_path / "f.npz")
    assert loaded.config.features == ("x1^2", "x2^2")
    np.testing.assert_array_equal(loaded.data.raw_X, trainer.data.raw_X)
    assert loaded.data.feature_names == ("x1²", "x2²")
    assert_same_run(trainer, loaded)
