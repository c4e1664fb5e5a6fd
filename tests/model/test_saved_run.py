"""The public seam for saving a run: Trainer.export_run / restore / went_on."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
from same_run import assert_same_run

from model import Config, ConfigError, Trainer
from model.saved_run import SavedRun

ROOT = Path(__file__).resolve().parents[2]
TRAINER_FILES = {
    "trainer.py",
    "trainer_figures.py",
    "trainer_moves.py",
    "trainer_stops.py",
    "saved_run.py",
    "trainer_fields.py",
}


def a_run() -> Trainer:
    t = Trainer.from_config(Config(mode="minibatch", batch_size=2, optimizer="adam", lr=0.05))
    t.run(30)
    t.rewind(12)
    t.reconfigure(t.config.replace(lr=0.02))
    t.run(10)
    t.edit_parameter(0, 0, 1, 0.5)
    t.run(5)
    return t


def test_a_restored_run_is_the_same_run_and_goes_on_bit_for_bit():
    original = a_run()
    run = original.export_run()
    restored = Trainer.from_saved_run(run, original.data)
    assert_same_run(restored, original)
    restored.run(20), original.run(20)
    assert_same_run(restored, original)
    restored.rewind(7), original.rewind(7)
    assert_same_run(restored, original)


def test_a_saved_run_is_frozen_plain_data():
    run = a_run().export_run()
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.last_epoch = 3  # type: ignore[misc]
    assert run.config == run.segments[0][1] and run.segments[0][0] == 0
    assert 0 in run.snapshots and run.state.epoch <= run.last_epoch
    assert run.history is not None and len(run.history["loss"]) == run.last_epoch + 1
    assert not any(isinstance(v, Trainer) for v in vars(run).values())


def test_went_on_leaves_the_trainer_it_came_from_where_it_was():
    here = a_run()
    elsewhere = Trainer.from_saved_run(here.export_run(), here.data)
    elsewhere.run(15)
    here.history.write(here.last_epoch + 1, elsewhere.history.rows(here.last_epoch + 1, elsewhere.history.length))
    epoch = here.epoch
    moved = here.went_on(elsewhere.export_run(history=False))
    assert here.epoch == epoch and moved.epoch == elsewhere.epoch
    assert_same_run(moved, elsewhere)
    moved.run(5), elsewhere.run(5)
    assert_same_run(moved, elsewhere)


def test_a_run_goes_only_into_the_network_it_was_made_by():
    run = a_run().export_run()
    other = Trainer.from_config(Config(layers=(2, 3, 1)))
    with pytest.raises(ConfigError, match="different network"):
        other.restore(run)
    with pytest.raises(ValueError, match="not a recorded epoch"):
        Trainer.from_config(Config()).restore(dataclasses.replace(run, last_epoch=run.state.epoch - 1))


def test_no_code_outside_the_trainer_reads_its_private_attributes():
    private = re.compile(
        r"\b(?!self\b)\w+\.(_(?:segments|snapshots|state|pinned|snap_every|max_snapshots|rng|evaluate\w*|install|add_segment|segment|scratch|step|branch_here|state_at))\b"
    )
    found = []
    for folder in ("model", "tui"):
        for path in (ROOT / folder).rglob("*.py"):
            if folder == "model" and path.name in TRAINER_FILES:
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if private.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, "\n".join(found)


def test_export_shares_arrays_rather_than_copying_them():
    t = a_run()
    run: SavedRun = t.export_run()
    assert run.state.params is t.params and run.initial_params is t.initial_params
    assert np.shares_memory(run.history["loss"], t.history.series("loss"))
