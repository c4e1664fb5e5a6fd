"""Every lesson keeps its promise within its epochs (issue 14, item 1)."""

from __future__ import annotations

import numpy as np
import pytest

from model import Config, ConfigError, DivergenceError, Trainer
from model.diagnostics import (
    LOSS_EXPLODING,
    OSCILLATING,
    PLATEAU,
    SYMMETRIC,
    VANISHING,
    layer_health,
    run_findings,
)
from model.lessons import LESSON_NAMES, LESSONS, lesson


def findings(t: Trainer) -> set[str]:
    losses = t.history.series("loss")
    with np.errstate(all="ignore"):
        return {f.kind for f in run_findings(t, t.record, np.arange(losses.size), losses)}


def test_every_lesson_has_a_unique_name_and_its_texts():
    assert len(set(LESSON_NAMES)) == len(LESSONS) == 10
    for item in LESSONS:
        assert item.name == item.name.lower() and " " not in item.name
        assert item.title and item.promise and item.watch and item.press
        assert item.text.count("\n") == 2
        assert item.trainer().epoch == 0


def test_a_lesson_is_found_by_name_or_refused_with_the_list():
    assert lesson(" Spiral ").name == "spiral"
    with pytest.raises(ConfigError) as e:
        lesson("sprial")
    assert "did you mean 'spiral'" in str(e.value) and "classic-xor" in str(e.value)


def test_lessons_are_reproducible():
    for item in LESSONS:
        a, b = item.trainer(), item.trainer()
        assert np.array_equal(a.params, b.params)


def test_classic_xor_reproduces_the_write_ups_table():
    t = lesson("classic-xor").trainer()
    W, b = (t.record.W, t.record.b)
    np.random.seed(42)  # the write-ups' recipe, from scratch
    assert np.array_equal(W[0], np.random.randn(2, 2)) and np.array_equal(W[1], np.random.randn(2, 1))
    assert not b[0].any() and not b[1].any()
    assert round(t.record.loss, 4) == 0.2558
    t.run(9000)
    assert t.epoch == 9000 and round(t.record.loss, 4) == 0.1438


def test_xor_plateau_stays_flat_and_is_named():
    t = lesson("xor-plateau").trainer()
    t.run(lesson("xor-plateau").epochs)
    assert t.record.loss > 0.24 and t.record.accuracy <= 0.75
    assert PLATEAU in findings(t)


def test_symmetry_keeps_the_hidden_units_identical():
    t = lesson("symmetry").trainer()
    t.run(lesson("symmetry").epochs)
    W, b = (t.record.W, t.record.b)
    assert np.all(W[0] == W[0][:, :1]) and np.all(b[0] == b[0][0]) and np.all(W[1] == W[1][0])
    assert SYMMETRIC in findings(t)
    assert t.record.accuracy <= 0.75


def test_vanishing_flags_the_first_layer():
    t = lesson("vanishing").trainer()
    assert VANISHING in layer_health(t)[0].flags
    t.run(lesson("vanishing").epochs)
    health = layer_health(t)
    assert VANISHING in health[0].flags
    assert health[0].mean_abs_delta < health[-1].mean_abs_delta / 100


def test_dead_relu_kills_most_of_the_first_layer():
    item = lesson("dead-relu")
    t = item.trainer()
    t.run(item.epochs)
    first = layer_health(t)[0]
    assert first.dead_share is not None and first.dead_share >= 0.5
    assert t.record.accuracy < 0.8


def test_a_learning_rate_too_high_oscillates_then_diverges():
    item = lesson("lr-too-high")
    t = item.trainer()
    seen: set[str] = set()
    with pytest.raises(DivergenceError), np.errstate(all="ignore"):
        for _ in range(item.epochs):
            t.step()
            seen |= findings(t)
    assert t.divergence is not None and t.epoch < item.epochs
    assert {OSCILLATING, LOSS_EXPLODING} <= seen


def first_epoch_below(config: Config, target: float, limit: int) -> int:
    t = Trainer.from_config(config)
    while t.epoch < limit:
        t.step()
        if t.record.loss < target:
            return t.epoch
    return limit + 1


def test_momentum_beats_plain_sgd_from_the_same_weights():
    item = lesson("momentum")
    sgd = first_epoch_below(item.config, 0.05, item.epochs)
    momentum = first_epoch_below(item.config.replace(optimizer="momentum"), 0.05, item.epochs)
    assert 600 <= sgd <= item.epochs  # "about 750"
    assert momentum < 100


def test_feedback_alignment_learns_the_moons_as_backprop_does():
    item = lesson("feedback-alignment")
    fa = item.trainer()
    fa.run(item.epochs)
    bp = Trainer.from_config(item.config.replace(feedback_alignment=False))
    bp.run(item.epochs)
    assert fa.record.accuracy >= 0.95 and bp.record.accuracy >= 0.95


def test_moons_generalise_to_the_held_out_points():
    item = lesson("moons-test")
    t = item.trainer()
    assert t.data.X_test.shape[0] == 60
    t.run(item.epochs)
    assert t.record.test_accuracy is not None and t.record.test_accuracy >= 0.95


def test_spiral_learns_three_arms_without_a_spike():
    item = lesson("spiral")
    t = item.trainer()
    t.run(item.epochs)
    accuracy = t.history.series("accuracy")
    assert accuracy[2000] >= 0.99
    loss = t.history.series("loss")
    assert np.all(loss <= 2.0 * np.minimum.accumulate(loss))
