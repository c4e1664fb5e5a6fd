"""Side by side: each side of a comparison is bit for bit the run it would be alone."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import Config, ConfigError, Trainer
from model.side_by_side import COMPARISONS, SideBySide, comparison, differences, right_config, side_labels

MOONS = Config(dataset="moons", samples=40, layers=(2, 6, 1), activation="tanh", lr=0.3)


def alone(config: Config, epochs: int, params: np.ndarray | None = None) -> Trainer:
    trainer = Trainer.from_config(config, params)
    with np.errstate(all="ignore"):
        for _ in range(epochs):
            trainer.step()
    return trainer


def assert_same_run(side: Trainer, reference: Trainer) -> None:
    assert side.epoch == reference.epoch
    np.testing.assert_array_equal(side.history.series("loss"), reference.history.series("loss"))
    np.testing.assert_array_equal(side.history.series("accuracy"), reference.history.series("accuracy"))
    np.testing.assert_array_equal(side.params, reference.params)
    for mine, theirs in zip(side.optimizer_state.slots, reference.optimizer_state.slots):
        np.testing.assert_array_equal(mine, theirs)
    assert side.state.rng == reference.state.rng


@pytest.mark.parametrize(
    "left, right",
    [
        (MOONS, MOONS.replace(feedback_alignment=True)),
        (MOONS.replace(feedback_alignment=True), MOONS),
        (MOONS, MOONS.replace(lr=3.0)),
        (MOONS, MOONS.replace(init="he")),
        (MOONS, MOONS.replace(seed=7)),
        (
            MOONS.replace(mode="minibatch", batch_size=8),
            MOONS.replace(mode="minibatch", batch_size=8, optimizer="adam", lr=0.01),
        ),
    ],
    ids=["bp-vs-fa", "fa-vs-bp", "two-learning-rates", "two-inits", "two-seeds", "minibatch-adam"],
)
def test_each_side_is_the_run_alone(left, right):
    pair = SideBySide(left, right)
    pair.step(1)
    pair.step(24)
    assert pair.epoch == 25
    assert_same_run(pair.left, alone(left, 25))
    assert_same_run(pair.right, alone(right, 25))


def test_same_weights_unless_a_weight_setting_differs():
    fa = SideBySide(MOONS, MOONS.replace(feedback_alignment=True))
    assert fa.same_weights
    np.testing.assert_array_equal(fa.left.initial_params, fa.right.initial_params)
    assert "same weights" in fa.describe()
    assert "feedback alignment (B fixed random)" in fa.describe()
    inits = SideBySide(MOONS, MOONS.replace(init="he"))
    assert not inits.same_weights
    assert not np.array_equal(inits.left.initial_params, inits.right.initial_params)
    assert "its own settings draw" in inits.describe()


def test_given_starting_weights_are_shared_by_both_sides():
    """A run that began from given weights (a lesson's) compares from those weights."""
    params = np.linspace(-1, 1, Trainer.from_config(MOONS).layout.n_params)
    pair = SideBySide(MOONS, MOONS.replace(lr=0.03), params=params)
    pair.step(10)
    assert_same_run(pair.left, alone(MOONS, 10, params))
    assert_same_run(pair.right, alone(MOONS.replace(lr=0.03), 10, params))


def test_back_and_step_again_replay_exactly():
    pair = SideBySide(MOONS, MOONS.replace(optimizer="momentum"))
    pair.step(30)
    pair.back(12)
    assert pair.epoch == 18 and pair.left.epoch == pair.right.epoch == 18
    pair.step(12)
    assert_same_run(pair.left, alone(MOONS, 30))
    assert_same_run(pair.right, alone(MOONS.replace(optimizer="momentum"), 30))
    pair.reset()
    assert pair.epoch == 0


def test_a_diverging_side_stops_and_the_other_goes_on():
    base = Config(lr=1.0, max_epochs=10**9)
    pair = SideBySide(base, base.replace(lr=1e8, output_activation="linear", loss="mse"))
    pair.step(60)
    assert pair.diverged[1] is not None and pair.diverged[0] is None
    assert pair.left.epoch == 60 and pair.right.epoch < 60
    assert_same_run(pair.left, alone(base, 60))
    stopped = pair.right.epoch
    pair.back(60 - stopped + 1)
    assert pair.diverged[1] is None and pair.right.epoch == stopped - 1


def test_every_ready_comparison_changes_something_and_builds():
    for item in COMPARISONS:
        right = item.right(MOONS)
        assert right is not None and differences(MOONS, right), item.name
        pair = SideBySide(MOONS, right)
        pair.step(2)
        assert pair.epoch == 2
    assert comparison("feedback").right(MOONS).feedback_alignment


def test_typed_settings():
    assert right_config(MOONS, "lr=0.05, optimizer=momentum") == MOONS.replace(lr=0.05, optimizer="momentum")
    assert right_config(MOONS, "feedback-alignment=on").feedback_alignment
    for bad in ("", "lr", "lr=abc", "speed=3", "lr=-1"):
        with pytest.raises(ConfigError):
            right_config(MOONS, bad)
    with pytest.raises(ConfigError):
        SideBySide(MOONS, MOONS.replace(max_epochs=5))  # nothing that changes training


settings_strategy = st.fixed_dictionaries(
    {},
    optional={
        "lr": st.sampled_from([0.01, 0.1, 2.0]),
        "optimizer": st.sampled_from(["sgd", "momentum", "adam"]),
        "feedback_alignment": st.booleans(),
        "init": st.sampled_from(["xavier", "he", "normal", "uniform"]),
        "activation": st.sampled_from(["sigmoid", "tanh", "relu"]),
        "seed": st.integers(0, 3),
        "mode": st.sampled_from(["full", "minibatch", "sgd"]),
        "l2": st.sampled_from([0.0, 1e-3]),
    },
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(left=settings_strategy, right=settings_strategy, epochs=st.integers(1, 12))
def test_any_two_settings_are_each_the_run_alone(left, right, epochs):
    base = Config(dataset="moons", samples=24, layers=(2, 5, 1), batch_size=8, max_epochs=10**9)
    a, b = base.replace(**left), base.replace(**right)
    if not differences(a, b):
        return
    pair = SideBySide(a, b)
    pair.step(epochs)
    for i, config in enumerate((a, b)):
        side = pair.sides[i]
        reference = Trainer.from_config(config)  # alone: its own config, nothing shared
        with np.errstate(all="ignore"):
            for _ in range(side.epoch):
                reference.step()
        assert_same_run(side, reference)
        if pair.diverged[i] is None:
            assert side.epoch == epochs


def test_side_labels_name_what_differs():
    assert side_labels(MOONS, MOONS.replace(feedback_alignment=True)) == ("backprop", "feedback alignment")
    assert side_labels(MOONS, MOONS.replace(lr=3.0, optimizer="adam")) == (
        "lr 0.3, optimizer sgd",
        "lr 3, optimizer adam",
    )
