"""Run mode's child process: what comes back is exactly what stepping here gives."""

from __future__ import annotations

import os
import signal
import subprocess
import threading

import numpy as np
import pytest
from same_run import assert_same_run  # noqa: E402

from model import Config, DivergenceError, Trainer
from model.trainer import History
from model.training_loop import Ending
from tui.training_process import RunResult, TrainingProcess

CASES = {
    "xor full batch": Config(),
    "moons mini-batch momentum": Config(
        dataset="moons",
        samples=60,
        test_fraction=0.25,
        layers=(2, 6, 1),
        activation="tanh",
        mode="minibatch",
        batch_size=16,
        optimizer="momentum",
        momentum=0.9,
        lr=0.1,
    ),
    "spiral sgd adam softmax": Config(
        dataset="spiral",
        samples=30,
        classes=3,
        layers=(2, 8, 3),
        activation="relu",
        output_activation="softmax",
        loss="ce",
        mode="sgd",
        optimizer="adam",
        lr=0.01,
    ),
}


@pytest.fixture
def process():
    proc = TrainingProcess()
    yield proc
    proc.close()
    assert proc.pid is None


@pytest.mark.parametrize("name", list(CASES))
def test_a_run_in_the_child_is_bit_for_bit_stepping_here(process, name):
    config = CASES[name]
    trainer, here = Trainer.from_config(config), Trainer.from_config(config)
    here.run(120)
    progress = []
    outcome = process.run(trainer, 120, 0.0, progress.append, lambda: False)
    assert (outcome.outcome.ending, outcome.outcome.reason) == (Ending.REACHED, "")
    assert trainer.epoch == 0  # the app's copy is not touched
    assert_same_run(outcome.trainer, here)

    # Stepping on from the copy that came back stays identical too.
    outcome.trainer.run(30)
    here.run(30)
    assert_same_run(outcome.trainer, here)
    here.rewind(120)
    outcome.trainer.rewind(120)
    assert_same_run(outcome.trainer, here)

    # With period 0 every epoch is reported; the rows rebuild the history and
    # a record rebuilt from the figures has the engine's arrays.
    assert [p.figures.epoch for p in progress] == list(range(1, 121))
    history = trainer.history.copy()
    for p in progress:
        history.write(p.start, p.rows)
    for column in History.NAMES:
        assert np.array_equal(history.series(column)[:121], here.history.series(column)[:121], equal_nan=True)
    record = trainer.record_of(progress[-1].figures)
    reference = here.rewind(120)
    assert (record.epoch, record.loss, record.accuracy) == (120, reference.loss, reference.accuracy)
    for got, want in zip(record.delta + record.dW + record.a, reference.delta + reference.dW + reference.a):
        assert np.array_equal(got, want)


def test_stop_ends_a_run_between_epochs_and_the_next_run_goes_on(process):
    trainer = Trainer.from_config(Config())
    stop = threading.Event()
    seen = []

    def progress(update):
        seen.append(update.figures.epoch)
        if len(seen) == 3:
            stop.set()

    outcome = process.run(trainer, None, 0.02, progress, stop.is_set)
    assert outcome.outcome.ending is Ending.STOPPED
    back = outcome.trainer
    assert back.epoch >= seen[-1] > 0 and back.epoch == back.last_epoch
    here = Trainer.from_config(Config())
    here.run(back.epoch)
    assert_same_run(back, here)

    # The second run uses the same child, from where the first ended.
    pid = process.pid
    outcome = process.run(back, back.epoch + 50, 0.02, lambda _: None, lambda: False)
    assert outcome.outcome.ending is Ending.REACHED and process.pid == pid
    here.run(50)
    assert_same_run(outcome.trainer, here)


def test_a_stop_that_crosses_the_end_of_a_run_does_not_end_the_next(process):
    trainer = Trainer.from_config(Config())
    stop = threading.Event()
    stop.set()  # sent after the run ended on its own (target 0: at once)
    assert process.run(trainer, 0, 0.1, lambda _: None, stop.is_set).outcome.ending is Ending.REACHED
    outcome = process.run(trainer, 300, 0.1, lambda _: None, lambda: False)
    assert outcome.outcome.ending is Ending.REACHED and outcome.trainer.epoch == 300


def test_stop_conditions_and_divergence_come_back_as_in_process(process):
    done = process.run(Trainer.from_config(Config(max_epochs=40)), None, 0.1, lambda _: None, lambda: False)
    assert (
        done.outcome.ending is Ending.DONE
        and done.outcome.reason == "reached the epoch limit (40)"
        and done.trainer.epoch == 40
    )

    exploding = Config(activation="relu", output_activation="linear", loss="mse", lr=1e6)
    here = Trainer.from_config(exploding)
    with pytest.raises(DivergenceError) as raised, np.errstate(all="ignore"):
        while True:
            here.step()
    outcome = process.run(Trainer.from_config(exploding), None, 0.1, lambda _: None, lambda: False)
    assert outcome.outcome.ending is Ending.DIVERGED and outcome.outcome.reason == str(raised.value)
    assert_same_run(outcome.trainer, here)  # the last good epoch
    assert outcome.trainer.divergence == here.divergence


def interrupted_run(process: TrainingProcess, trainer: Trainer, interrupt) -> RunResult:
    """Start an endless run in a thread, call `interrupt` once the child is
    training, and return how the run ended."""
    started = threading.Event()
    outcome = []
    worker = threading.Thread(
        target=lambda: outcome.append(process.run(trainer, None, 0.02, lambda _: started.set(), lambda: False))
    )
    worker.start()
    assert started.wait(10)
    interrupt()
    worker.join(10)
    return outcome[0]


def test_a_lost_child_ends_the_run_with_a_reason_and_a_new_one_starts(process):
    trainer = Trainer.from_config(Config(max_epochs=10**9))
    trainer.run(7)
    lost = interrupted_run(process, trainer, lambda: os.kill(process.pid, signal.SIGKILL))
    assert lost.outcome.ending is Ending.ERROR and lost.trainer is None
    assert (
        lost.outcome.reason
        == "the training process ended unexpectedly (killed by signal 9); kept epoch 7, where the run began"
    )
    assert trainer.epoch == 7

    again = process.run(trainer, 20, 0.1, lambda _: None, lambda: False)
    assert again.outcome.ending is Ending.REACHED and again.trainer.epoch == 20


def test_close_ends_the_child_even_mid_run(process):
    trainer = Trainer.from_config(Config(max_epochs=10**9))
    pids = []

    def close() -> None:
        pids.append(process.pid)
        process.close()

    outcome = interrupted_run(process, trainer, close)
    assert outcome.outcome.ending is Ending.STOPPED and process.pid is None  # closing is not a failure
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)


def test_moves_made_here_between_runs_reach_the_child(process):
    """The second transfer names the arrays the child kept; what changed here must still arrive."""
    config = CASES["moons mini-batch momentum"]
    here = Trainer.from_config(config)
    trainer = process.run(Trainer.from_config(config), 100, 0.1, lambda _: None, lambda: False).trainer
    here.run(100)
    for move in (
        lambda t: t.rewind(60),
        lambda t: (t.rewind(t.epoch - 20), t.edit_parameter(1, 2, 0, -0.5)),  # a branch
        lambda t: (t.rewind(t.epoch - 10), t.reconfigure(t.config.replace(lr=0.02))),  # another
        lambda t: t.step(),
    ):
        move(trainer)
        move(here)
        trainer = process.run(trainer, trainer.epoch + 40, 0.1, lambda _: None, lambda: False).trainer
        here.run(40)
        assert_same_run(trainer, here)
    assert [(b.start, b.label) for b in trainer.branches] == [(b.start, b.label) for b in here.branches]
    assert len(here.branches) == 2


@pytest.mark.parametrize(
    "failure", [OSError(24, "Too many open files"), AssertionError("pass_fds not supported on Windows.")]
)
def test_without_a_child_the_run_trains_a_copy_in_this_thread(process, monkeypatch, failure):
    def refuse(*args, **kwargs):
        raise failure

    monkeypatch.setattr(subprocess, "Popen", refuse)
    trainer = Trainer.from_config(Config())
    progress = []
    outcome = process.run(trainer, 2000, 0.0, progress.append, lambda: False)
    assert outcome.outcome.ending is Ending.REACHED and trainer.epoch == 0
    here = Trainer.from_config(Config())
    here.run(2000)
    assert_same_run(outcome.trainer, here)
    assert progress and progress[-1].figures.epoch <= 2000

    stop = threading.Event()
    outcome = process.run(trainer, None, 0.01, lambda _: stop.set(), stop.is_set)
    assert outcome.outcome.ending is Ending.STOPPED and outcome.trainer.epoch > 0


def test_a_long_run_holds_about_what_its_trainer_holds(process):
    """Snapshots thinned out during a run are let go on both sides, not held
    until it ends (a long run of a large network would hold several times
    the snapshot budget otherwise)."""
    config = CASES["spiral sgd adam softmax"].replace(
        layers=(2, 32, 32, 3), mode="minibatch", batch_size=10, max_epochs=10**9
    )
    trainer = Trainer.from_config(config)
    trainer._max_snapshots = 16  # thin out after a few dozen epochs, not thousands
    held = []
    outcome = process.run(trainer, 3000, 0.0, lambda _: held.append(process._exchange.held), lambda: False)
    assert outcome.outcome.ending is Ending.REACHED
    states = len(outcome.trainer._snapshots)
    assert states <= 17 and outcome.trainer._snap_every >= 128  # thinned out several times
    # Each kept state has three arrays (weights and Adam's two moments); the
    # rest (data, the record of the epoch) is a few dozen.
    assert max(held) < 3 * states + 60, max(held)
    here = Trainer.from_config(config)
    here._max_snapshots = 16
    here.run(3000)
    assert_same_run(outcome.trainer, here)
