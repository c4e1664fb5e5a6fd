"""Each array crosses run mode's pipe once; what arrives is still exact."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from same_run import assert_same_run  # noqa: E402

from model import Config, Trainer
from tui.array_exchange import SHARE, TRANSFER, ArrayExchange

SPIRAL = Config(
    dataset="spiral",
    samples=300,
    classes=3,
    layers=(2, 16, 16, 3),
    activation="relu",
    output_activation="softmax",
    loss="ce",
    mode="minibatch",
    batch_size=32,
    optimizer="adam",
    lr=0.01,
)


def whole(trainer: Trainer) -> int:
    return len(pickle.dumps(trainer, protocol=pickle.HIGHEST_PROTOCOL))


@pytest.mark.parametrize("min_bytes", [0, 1024])
def test_trainers_sent_back_and_forth_stay_exact_and_carry_only_what_changed(min_bytes):
    parent, child = ArrayExchange(0, min_bytes), ArrayExchange(1, min_bytes)
    here = Trainer.from_config(SPIRAL)  # the same moves, never sent anywhere
    mine = Trainer.from_config(SPIRAL)
    mine.run(200)
    here.run(200)
    sizes = []
    for turn in range(4):
        data = parent.pack(("run", mine), TRANSFER)
        theirs = child.unpack(data)[1]
        theirs.run(40)  # the child trains
        back = child.pack(("stopped", theirs), TRANSFER)
        sizes.append((len(data) / whole(mine), len(back) / whole(theirs)))
        mine = parent.unpack(back)[1]
        here.run(40)
        assert_same_run(mine, here)
        # The app moves the trainer between runs: all of it must reach the child.
        if turn == 0:
            mine.rewind(150), here.rewind(150)
        elif turn == 1:
            mine.edit_parameter(0, 1, 2, 0.25), here.edit_parameter(0, 1, 2, 0.25)
        elif turn == 2:
            mine.reconfigure(mine.config.replace(lr=0.003)), here.reconfigure(here.config.replace(lr=0.003))
    assert parent.held == child.held > 0
    # The first transfer carries everything; later ones mostly names of held arrays.
    assert sizes[0][0] > 0.95
    assert max(b for _, b in sizes) < 0.25
    assert max(a for a, _ in sizes[1:]) < 0.25


def test_history_rows_are_always_sent_whole():
    """They are the one array the engine changes in place."""
    parent, child = ArrayExchange(0, 0), ArrayExchange(1, 0)
    mine = Trainer.from_config(Config())
    theirs = child.unpack(parent.pack(mine, TRANSFER))
    mine = parent.unpack(child.pack(theirs, TRANSFER))
    mine.step()  # writes row 1 in place
    theirs = child.unpack(parent.pack(mine, TRANSFER))
    assert theirs.history.length == 2
    assert np.array_equal(theirs.history.series("loss"), mine.history.series("loss"))


def test_plain_messages_leave_the_held_arrays_alone():
    parent, child = ArrayExchange(0, 0), ArrayExchange(1, 0)
    trainer = Trainer.from_config(Config())
    child.unpack(parent.pack(trainer, TRANSFER))
    held = parent.held
    figures = child.unpack(parent.pack(("progress", trainer.record.figures())))[1]
    assert np.array_equal(figures.params, trainer.params)
    assert parent.held == child.held == held


def test_sides_out_of_step_are_refused_with_a_reason():
    parent, child = ArrayExchange(0, 0), ArrayExchange(1, 0)
    trainer = Trainer.from_config(Config())
    child.unpack(parent.pack(trainer, TRANSFER))
    stranger = ArrayExchange(1, 0)  # a new child that never got the first transfer
    with pytest.raises(pickle.UnpicklingError, match="out of step"):
        stranger.unpack(parent.pack(trainer, TRANSFER))


def test_states_shared_during_a_run_are_named_when_the_trainer_goes_back():
    parent, child = ArrayExchange(0), ArrayExchange(1)
    theirs = child.unpack(parent.pack(("run", Trainer.from_config(SPIRAL)), TRANSFER))[1]
    sent = 0
    for _ in range(6):
        theirs.run(50)
        states = theirs.snapshots_after(sent)
        assert [s.epoch for s in states] == [e for e in theirs._snapshots if e > sent]
        mine = parent.unpack(child.pack(("progress", states), SHARE))[1]
        assert all(np.array_equal(a.params, b.params) for a, b in zip(mine, states))
        sent = theirs.epoch
    back = child.pack(("stopped", theirs), TRANSFER)
    assert len(back) < 0.25 * whole(theirs)
    mine = parent.unpack(back)[1]
    here = Trainer.from_config(SPIRAL)
    here.run(300)
    assert_same_run(mine, here)
    assert parent.held == child.held  # exactly the arrays of the trainer, now
