"""Tests for model.config: validation messages, parsing of user text, and
the checks that need the data (made by Trainer.from_config)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import Config, ConfigError, Trainer
from model.config import CHOICES, FIELD_NAMES, REBUILD_FIELDS, parse_value
from model.datasets import REGRESSION_DATASETS

BAD_CONFIGS = [
    # (changes, field, fragment of the message)
    (dict(activation="sigmiod"), "activation", "did you mean 'sigmoid'"),
    (dict(optimizer="adma"), "optimizer", "did you mean 'adam'"),
    (dict(dataset="moon"), "dataset", "did you mean 'moons'"),
    (dict(loss="bec"), "loss", "did you mean 'bce'"),
    (dict(mode="batch"), "mode", "did you mean 'minibatch'"),
    (dict(init="glorot"), "init", "choose one of: xavier"),
    (dict(dtype="float16"), "dtype", "choose one of: float64, float32"),
    (dict(output_activation="softmax"), "output_activation", "at least 2 output units"),
    (dict(output_activation="linear", loss="bce"), "loss", "needs outputs in (0, 1)"),
    (dict(output_activation="tanh", loss="ce", layers=(2, 4, 2)), "loss", "use sigmoid or softmax"),
    (dict(output_activation="sigmoid", loss="ce"), "loss", "at least 2 output units"),
    (dict(lr=0), "lr", "must be above 0"),
    (dict(lr=-1), "lr", "out of range"),
    (dict(lr=math.nan), "lr", "not a finite number"),
    (dict(lr=math.inf), "lr", "not a finite number"),
    (dict(lr="0.1"), "lr", "must be a number"),
    (dict(lr=True), "lr", "must be a number"),
    (dict(layers=(1,)), "layers", "between 2 and"),
    (dict(layers=()), "layers", "between 2 and"),
    (dict(layers=(2,) * 13), "layers", "between 2 and 12"),
    (dict(layers=(2, 0, 1)), "layers", "between 1 and"),
    (dict(layers=(2, 5000, 1)), "layers", "got 5000"),
    (dict(layers=[2, 4, 1]), "layers", "whole numbers"),
    (dict(layers=(2, 4.0, 1)), "layers", "whole numbers"),
    (dict(layers=(2, True, 1)), "layers", "whole numbers"),
    (dict(momentum=1.0), "momentum", "below 1"),
    (dict(momentum=-0.1), "momentum", "at least 0"),
    (dict(beta1=1.0), "beta1", "below 1"),
    (dict(beta2=1.0), "beta2", "below 1"),
    (dict(samples=2), "samples", "allowed 4 to"),
    (dict(samples=2.5), "samples", "whole number"),
    (dict(classes=1), "classes", "allowed 2 to 10"),
    (dict(classes=11), "classes", "allowed 2 to 10"),
    (dict(noise=-1), "noise", "at least 0"),
    (dict(test_fraction=0.95), "test_fraction", "at most 0.9"),
    (dict(seed=-1), "seed", "out of range"),
    (dict(batch_size=0), "batch_size", "out of range"),
    (dict(max_epochs=0), "max_epochs", "out of range"),
    (dict(epochs_per_step=0), "epochs_per_step", "out of range"),
    (dict(l1=-0.1), "l1", "at least 0"),
    (dict(l2=-0.1), "l2", "at least 0"),
    (dict(target_loss=-1.0), "target_loss", "at least 0"),
    (dict(init_scale=-1.0), "init_scale", "at least 0"),
    (dict(stop_at_full_accuracy="yes"), "stop_at_full_accuracy", "true or false"),
    (dict(feedback_alignment=1), "feedback_alignment", "true or false"),
    (dict(dataset="csv"), "csv_path", "needs a file path"),
]


@pytest.mark.parametrize(("changes", "field", "fragment"), BAD_CONFIGS, ids=[f"{c}" for c, _, _ in BAD_CONFIGS])
def test_bad_config_names_field_and_reason(changes, field, fragment):
    with pytest.raises(ConfigError) as info:
        Config(**changes)
    assert info.value.field == field
    assert fragment in info.value.message
    assert str(info.value).startswith(f"{field}: ")
    # replace() on a good config fails the same way and leaves it untouched.
    good = Config()
    with pytest.raises(ConfigError) as again:
        good.replace(**changes)
    assert again.value.field == field
    assert good == Config()


def test_defaults_are_valid_and_every_choice_accepted():
    cfg = Config()
    assert cfg.layers == (2, 4, 1)
    for name, allowed in CHOICES.items():
        for value in allowed:
            changes = {name: value}
            if name == "dataset" and value == "csv":
                changes["csv_path"] = "data.csv"
            if name == "dataset" and value in REGRESSION_DATASETS:
                changes.update(output_activation="linear", loss="mse")  # float targets
            if name == "output_activation" and value == "softmax":
                changes.update(layers=(2, 4, 2), loss="ce")
            if name == "output_activation" and value not in ("sigmoid", "softmax"):
                changes["loss"] = "mse"
            if name == "loss" and value == "ce":
                changes.update(layers=(2, 4, 2), output_activation="softmax")
            assert getattr(cfg.replace(**changes), name) == value


def test_replace_unknown_field_suggests():
    with pytest.raises(ConfigError) as info:
        Config().replace(learning_rate=0.1)
    assert info.value.field == "learning_rate"
    with pytest.raises(ConfigError) as info:
        Config().replace(nosie=0.1)
    assert "did you mean 'noise'" in info.value.message


def test_round_trip_and_rebuild_fields():
    cfg = Config(dataset="spiral", classes=3, layers=(2, 8, 3), output_activation="softmax", loss="ce", lr=0.01)
    d = cfg.to_dict()
    assert d["layers"] == [2, 8, 3] and set(d) == set(FIELD_NAMES)
    assert Config.from_dict(d) == cfg
    with pytest.raises(ConfigError) as info:
        Config.from_dict({**d, "colour": "red"})
    assert info.value.field == "colour"
    assert REBUILD_FIELDS <= set(FIELD_NAMES)
    assert not cfg.needs_rebuild(cfg.replace(lr=0.5, optimizer="adam", mode="sgd", l2=0.1))
    assert cfg.needs_rebuild(cfg.replace(layers=(2, 9, 3)))
    assert cfg.needs_rebuild(cfg.replace(seed=1))


# --------------------------------------------------------------------------
# Parsing what a user typed
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "fragment"),
    [
        ("abc", None, "'abc' is not a number"),
        ("-1", None, "out of range"),
        ("0", None, "must be above 0"),
        ("1e999", None, "not a finite number"),
        ("nan", None, "not a finite number"),
        ("", None, "is not a number"),
        ("  0.1 ", 0.1, None),
        ("1e-3", 0.001, None),
        ("2", 2.0, None),
    ],
)
def test_parse_lr(text, expected, fragment):
    cfg = Config()
    if expected is None:
        with pytest.raises(ConfigError) as info:
            cfg.parse("lr", text)
        assert info.value.field == "lr" and fragment in info.value.message
    else:
        new = cfg.parse("lr", text)
        assert new.lr == expected and isinstance(new.lr, float)
        assert new.replace(lr=cfg.lr) == cfg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2,4,1", (2, 4, 1)),
        ("2-4-1", (2, 4, 1)),
        ("2 4 1", (2, 4, 1)),
        ("2x4x1", (2, 4, 1)),
        (" 2, 8 ,8, 1 ", (2, 8, 8, 1)),
        ("2,,4", (2, 4)),  # empty parts are separators, as in "2, 4"
    ],
)
def test_parse_layers_ok(text, expected):
    assert parse_value("layers", text) == expected
    assert Config(output_activation="linear", loss="mse").parse("layers", text).layers == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2,a,1", "'a' is not a whole number"),
        ("2.5,1", "'2.5' is not a whole number"),
        ("0,1", "between 1 and"),
        ("2,0,1", "between 1 and"),
        ("2", "between 2 and"),
        ("-1", "between 2 and"),
        ("", "give the layer sizes"),
        ("   ", "give the layer sizes"),
        ("2,5000,1", "between 1 and"),
        pytest.param("²,1", "not a whole number", id="unicode-digit"),  # isdigit() but int() refuses it
        pytest.param("9" * 5000 + ",1", "between 1 and", id="5000-digits"),  # beyond int()'s digit limit
    ],
)
def test_parse_layers_bad(text, fragment):
    with pytest.raises(ConfigError) as info:
        Config().parse("layers", text)
    assert info.value.field == "layers"
    assert fragment in info.value.message


@pytest.mark.parametrize("field", ["stop_at_full_accuracy", "feedback_alignment"])
def test_parse_bool_fields(field):
    cfg = Config()
    for text in ("true", "True", " yes ", "ON", "1"):
        assert getattr(cfg.parse(field, text), field) is True
    for text in ("false", "No", "off", "0"):
        assert getattr(cfg.parse(field, text), field) is False
    for text in ("maybe", "", "2", "tru"):
        with pytest.raises(ConfigError) as info:
            cfg.parse(field, text)
        assert info.value.field == field and "true or false" in info.value.message


def test_parse_ints_choices_and_paths():
    cfg = Config()
    assert cfg.parse("samples", "1e3").samples == 1000
    assert cfg.parse("seed", "1_000").seed == 1000
    assert cfg.parse("activation", " TANH ").activation == "tanh"
    assert cfg.parse("csv_path", "  ").csv_path is None
    for text, fragment in (
        ("2.5", "not a whole number"),
        ("abc", "not a whole number"),
        ("1e999", "not a whole number"),
        ("3", "allowed 4 to"),
    ):
        with pytest.raises(ConfigError) as info:
            cfg.parse("samples", text)
        assert info.value.field == "samples" and fragment in info.value.message
    with pytest.raises(ConfigError) as info:
        cfg.parse("activation", "sigmiod")
    assert "did you mean 'sigmoid'" in info.value.message
    with pytest.raises(ConfigError) as info:
        cfg.parse("nosuchfield", "1")
    assert info.value.field == "nosuchfield"


# --------------------------------------------------------------------------
# Checks against the data
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        (dict(layers=(3, 4, 1)), "the data has 2 features"),
        (dict(dataset="spiral", classes=3, layers=(2, 4, 1)), "3 classes"),
        (dict(dataset="spiral", classes=3, layers=(2, 4, 2), output_activation="softmax", loss="ce"), "3 classes"),
        (dict(dataset="blobs", classes=4, layers=(2, 4, 3), output_activation="softmax", loss="ce"), "4 classes"),
    ],
)
def test_shape_mismatch_with_data_is_a_config_error(changes, fragment):
    with pytest.raises(ConfigError) as info:
        Trainer.from_config(Config(**changes))
    assert info.value.field == "layers"
    assert fragment in info.value.message


def test_matching_shapes_build():
    softmax = dict(output_activation="softmax", loss="ce")
    t = Trainer.from_config(Config(dataset="spiral", classes=3, layers=(2, 4, 3), **softmax))
    assert t.Y.shape == (200, 3)
    t = Trainer.from_config(Config(dataset="blobs", classes=2, layers=(2, 4, 2), **softmax))
    assert t.Y.shape == (200, 2)


# --------------------------------------------------------------------------
# Arbitrary text into every field
# --------------------------------------------------------------------------

_TEXT = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"[-+ 0-9.,xeE_]{0,14}", fullmatch=True),
    st.sampled_from(sorted({v for vs in CHOICES.values() for v in vs} | {"true", "false", "nan", "inf", "-0"})),
    st.integers(-(10**6), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@pytest.mark.parametrize("field", FIELD_NAMES)
@settings(max_examples=40, deadline=None)
@given(text=_TEXT)
def test_any_text_gives_a_valid_config_or_config_error(field, text):
    cfg = Config()
    try:
        new = cfg.parse(field, text)
    except ConfigError as exc:
        assert exc.field == field or exc.field in FIELD_NAMES
        assert exc.message
        return
    assert isinstance(new, Config)
    assert Config.from_dict(new.to_dict()) == new
    for name in FIELD_NAMES:
        if name != field:
            assert getattr(new, name) == getattr(cfg, name)
