"""The one train-until-a-stop loop: every way a run ends, and its pace, on a
fake clock (so the pace is checked exactly, never against the wall clock)."""

from __future__ import annotations

import numpy as np
import pytest

from model import Config, DivergenceError, Trainer
from model.training_loop import Ending, train_until


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def stamping(trainer: Trainer, clock: FakeClock) -> list[float]:
    """Record the clock at every step (each step takes no fake time)."""
    stamps: list[float] = []
    step = trainer.step

    def stamped():
        stamps.append(clock.now)
        return step()

    trainer.step = stamped  # type: ignore[method-assign]
    return stamps


def test_a_target_a_stop_condition_and_a_request_end_the_run():
    trainer = Trainer.from_config(Config(max_epochs=30))
    assert train_until(trainer, 10).ending is Ending.REACHED and trainer.epoch == 10
    outcome = train_until(trainer)
    assert outcome == (Ending.DONE, "reached the epoch limit (30)", None) and trainer.epoch == 30

    trainer = Trainer.from_config(Config(max_epochs=10**9))
    asked = iter([False] * 5 + [True])
    assert train_until(trainer, should_stop=lambda: next(asked), poll_every=0.0).ending is Ending.STOPPED
    assert trainer.epoch == 6


def test_the_loop_is_the_engine_stepping():
    config = Config(dataset="moons", samples=40, layers=(2, 4, 1), mode="minibatch", batch_size=8, optimizer="adam")
    looped, stepped = Trainer.from_config(config), Trainer.from_config(config)
    train_until(looped, 50)
    for _ in range(50):
        stepped.step()
    np.testing.assert_array_equal(looped.params, stepped.params)
    assert looped.state.rng == stepped.state.rng


def test_divergence_keeps_the_last_good_epoch_and_says_where():
    exploding = Config(activation="relu", output_activation="linear", loss="mse", lr=1e6, max_epochs=10**9)
    trainer = Trainer.from_config(exploding)
    outcome = train_until(trainer)
    assert outcome.ending is Ending.DIVERGED and outcome.divergence is not None
    assert outcome.reason == str(outcome.divergence) and outcome.divergence.epoch == trainer.epoch + 1
    with pytest.raises(DivergenceError):
        Trainer.from_config(exploding).run(10**6)  # Trainer.run raises, as it always did


def test_ctrl_c_and_other_errors(monkeypatch):
    trainer = Trainer.from_config(Config(max_epochs=10**9))
    calls = iter(range(10**6))

    def interrupted():
        if next(calls) == 3:
            raise KeyboardInterrupt
        return Trainer.step(trainer)

    monkeypatch.setattr(trainer, "step", interrupted)
    outcome = train_until(trainer)
    assert outcome.ending is Ending.INTERRUPTED and trainer.epoch == 3
    assert outcome.reason == "interrupted (Ctrl-C) at epoch 3"

    monkeypatch.setattr(trainer, "step", lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        train_until(trainer)
    outcome = train_until(trainer, catch_errors=True)
    assert outcome.ending is Ending.ERROR and "ZeroDivisionError" in outcome.reason


@pytest.mark.parametrize("rate", [1.0, 5.0, 20.0])
def test_a_pace_spaces_the_epochs_exactly(rate):
    clock = FakeClock()
    trainer = Trainer.from_config(Config(max_epochs=10**9))
    stamps = stamping(trainer, clock)
    train_until(trainer, 12, pace=lambda: rate, clock=clock, sleep=clock.sleep)
    gaps = np.diff(stamps)
    np.testing.assert_allclose(gaps, 1.0 / rate)
    assert max(clock.sleeps) <= 0.01 + 1e-12  # it looks for a stop request while it waits


def test_a_pause_is_answered_while_the_pace_waits():
    clock = FakeClock()
    trainer = Trainer.from_config(Config(max_epochs=10**9))
    outcome = train_until(
        trainer, should_stop=lambda: clock.now > 2.5, pace=lambda: 1.0, clock=clock, sleep=clock.sleep
    )
    assert outcome.ending is Ending.STOPPED and trainer.epoch == 3 and clock.now < 2.52


def test_a_pace_changed_mid_run_applies_from_then_on():
    clock = FakeClock()
    trainer = Trainer.from_config(Config(max_epochs=10**9))
    stamps = stamping(trainer, clock)
    train_until(trainer, 8, pace=lambda: 2.0 if trainer.epoch < 4 else None, clock=clock, sleep=clock.sleep)
    gaps = np.diff(stamps)
    np.testing.assert_allclose(gaps[:3], 0.5)
    assert (gaps[4:] == 0).all()  # then as fast as it can


def test_a_rewound_run_stops_as_its_recorded_future_says():
    """The loop reads the stop conditions once per segment, not per epoch: a
    run rewound before a change replays it, and stops where the changed
    settings say (an epoch limit, then a target loss)."""
    config = Config(max_epochs=10**9)
    trainer = Trainer.from_config(config)
    train_until(trainer, 10)
    trainer.reconfigure(config.replace(max_epochs=15))
    assert train_until(trainer).ending is Ending.DONE and trainer.epoch == 15
    trainer.rewind(5)
    outcome = train_until(trainer)
    assert outcome == (Ending.DONE, "reached the epoch limit (15)", None) and trainer.epoch == 15

    trainer = Trainer.from_config(config)
    train_until(trainer, 10)
    loss = trainer.record.loss
    trainer.reconfigure(config.replace(target_loss=loss * 2))  # met at once from epoch 10 on
    trainer.rewind(3)
    assert train_until(trainer, 50).ending is Ending.DONE and trainer.epoch == 10


def test_the_loop_steps_as_step_does_with_or_without_its_errstate():
    """train_until steps without Trainer.step's own errstate (it holds one for
    the run); a step replaced on the trainer is still the one called."""
    config = Config(layers=(2, 3, 1), max_epochs=10**9)
    looped, stepped = Trainer.from_config(config), Trainer.from_config(config)
    train_until(looped, 40)
    for _ in range(40):
        stepped.step()
    np.testing.assert_array_equal(looped.params, stepped.params)
    assert looped.history.rows(0, 41).tobytes() == stepped.history.rows(0, 41).tobytes()
    calls = []
    stepped.step = lambda: calls.append(1) or Trainer.step(stepped)  # type: ignore[method-assign]
    train_until(stepped, 45)
    assert len(calls) == 5


def test_a_step_replaced_on_the_class_is_the_one_called(monkeypatch):
    real_step = Trainer.step
    calls = []

    def step(self):
        calls.append(self.epoch)
        return real_step(self)

    monkeypatch.setattr(Trainer, "step", step)
    train_until(Trainer.from_config(Config(max_epochs=10**9)), 4)
    assert calls == [0, 1, 2, 3]
