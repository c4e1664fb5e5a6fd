"""The bundled iris and 8x8 digits data sets (issue 14, item 5): read from the
package, shaped as documented, and learnable by a small net."""

from __future__ import annotations

import numpy as np
import pytest

from model import Config, Trainer
from model.bundled_data import BUNDLED_SHAPES, load_bundled
from model.config import applicable_fields, follow_data
from model.datasets import DATASETS, load


@pytest.mark.parametrize(("name", "rows"), [("iris", 150), ("digits", 1797)])
def test_bundled_sets_have_their_documented_shape(name, rows):
    features, classes = BUNDLED_SHAPES[name]
    data = load(name)  # through the registry, as the app and the command line do
    assert name in DATASETS
    assert data.X.shape == (rows, features) and data.n_classes == classes
    assert min(np.bincount(data.labels).tolist()) >= 50
    again = load_bundled(name, 0.3, seed=1)
    assert again.X.shape[0] + again.X_test.shape[0] == rows
    assert np.array_equal(again.X, load_bundled(name, 0.3, seed=1).X)  # same seed, same split


def test_iris_is_standardised_and_digits_are_0_to_1():
    iris = load("iris").X
    assert np.allclose(iris.mean(axis=0), 0.0, atol=1e-12) and np.allclose(iris.std(axis=0), 1.0)
    digits = load("digits").X
    assert digits.min() == 0.0 and digits.max() == 1.0
    assert load("iris").class_names == ("setosa", "versicolor", "virginica")


def test_the_network_follows_the_bundled_data():
    config = follow_data(Config(dataset="digits"))
    assert config.layers == (64, 4, 10) and config.output_activation == "softmax" and config.loss == "ce"
    assert "samples" not in applicable_fields(config) and "classes" not in applicable_fields(config)
    assert follow_data(Config(dataset="iris")).layers == (4, 4, 3)


def test_iris_reaches_95_percent_on_held_out_flowers():
    config = Config(
        dataset="iris",
        test_fraction=0.3,
        layers=(4, 4, 3),
        activation="tanh",
        output_activation="softmax",
        loss="ce",
        lr=0.5,
        seed=0,
    )
    t = Trainer.from_config(config)
    t.run(300)
    assert t.record.test_accuracy >= 0.95


def test_digits_reach_90_percent_on_held_out_images():
    config = Config(
        dataset="digits",
        test_fraction=0.3,
        layers=(64, 16, 10),
        activation="tanh",
        output_activation="softmax",
        loss="ce",
        lr=0.5,
        seed=0,
    )
    t = Trainer.from_config(config)
    t.run(150)
    assert t.record.test_accuracy >= 0.90
