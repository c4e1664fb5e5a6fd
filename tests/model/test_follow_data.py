"""The network's two ends follow the data (issue 14, item 6), and the
fields that change nothing for a configuration are known."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import Config, ConfigError, Trainer
from model.config import DATASET_CHOICES, applicable_fields, follow_data


def test_spiral_then_three_classes_gets_a_softmax_layer_of_three():
    config = follow_data(Config().parse("dataset", "spiral"))
    assert config.layers == (2, 4, 1)
    config = follow_data(config.parse("classes", "3"))
    assert config.layers == (2, 4, 3) and config.output_activation == "softmax" and config.loss == "ce"
    Trainer.from_config(config)  # the engine agrees
    back = follow_data(config.parse("classes", "2"))
    assert back.layers == (2, 4, 1) and back.output_activation == "sigmoid" and back.loss == "bce"
    Trainer.from_config(back)


def test_three_classes_of_xor_are_refused_with_the_reason():
    with pytest.raises(ConfigError) as e:
        Config(dataset="xor", classes=3)
    assert e.value.field == "classes"
    assert "the xor data has 2 classes" in e.value.message and "spiral and blobs" in e.value.message
    with pytest.raises(ConfigError):
        Config(dataset="spiral", classes=3).parse("dataset", "moons")  # classes first back to 2


def test_hidden_sizes_and_mse_are_kept():
    config = Config(dataset="blobs", layers=(2, 7, 5, 1), loss="mse")
    followed = follow_data(config.replace(classes=4))
    assert followed.layers == (2, 7, 5, 4) and followed.loss == "mse" and followed.output_activation == "softmax"
    two_softmax = Config(layers=(2, 4, 2), output_activation="softmax", loss="ce")
    assert follow_data(two_softmax) == two_softmax  # a softmax pair suits two classes


def test_a_csv_config_is_left_to_its_file():
    config = Config(dataset="csv", csv_path="x.csv", layers=(5, 3, 4), output_activation="softmax", loss="ce")
    assert follow_data(config) == config


@settings(max_examples=50, deadline=None)
@given(
    dataset=st.sampled_from([d for d in DATASET_CHOICES if d != "csv"]),
    classes=st.integers(2, 6),
    hidden=st.lists(st.integers(1, 5), max_size=2),
    out=st.integers(1, 6),
)
def test_any_built_in_data_gets_a_network_the_engine_accepts(dataset, classes, hidden, out):
    if dataset not in ("spiral", "blobs"):
        classes = 2
    start = Config(layers=(3, *hidden, out), output_activation="linear", loss="mse", samples=40)
    config = follow_data(start.replace(dataset=dataset, classes=classes))
    assert config.layers[1:-1] == tuple(hidden)
    Trainer.from_config(config)


def test_fields_that_change_nothing_are_not_applicable():
    xor = applicable_fields(Config())
    assert not {"samples", "noise", "test_fraction", "classes", "csv_path", "momentum", "beta1", "batch_size"} & xor
    assert {"dataset", "layers", "lr", "seed"} <= xor
    spiral = applicable_fields(Config(dataset="spiral", optimizer="adam", mode="minibatch", init="normal"))
    assert {"samples", "noise", "classes", "beta1", "beta2", "batch_size", "init_scale"} <= spiral
    assert "momentum" not in spiral and "init_limit" not in spiral
