"""Feedback alignment: fixed random matrices carry the error back instead of W."""

from __future__ import annotations

import numpy as np
import pytest

from model import Config, Trainer
from model.walkthrough import walkthrough

BASE = dict(dataset="moons", samples=40, layers=(2, 5, 4, 1), activation="tanh", seed=7)


def pair(**kw) -> tuple[Trainer, Trainer]:
    """A feedback-alignment trainer and a backprop one with the very same weights."""
    cfg = Config(**{**BASE, **kw})
    fa = Trainer.from_config(cfg.replace(feedback_alignment=True))
    bp = Trainer.from_config(cfg, params=fa.params)
    return fa, bp


def test_feedback_matrices_are_set_fixed_and_seeded():
    fa, bp = pair()
    assert bp.network.feedback is None
    B = fa.network.feedback
    assert B is not None
    assert [m.shape for m in B] == fa.layout.shapes
    assert all(m.dtype == np.float64 for m in B)
    copies = [m.copy() for m in B]
    fa.run(10)
    assert fa.network.feedback is B  # the same matrices ...
    assert all(np.array_equal(m, c) for m, c in zip(B, copies))  # ... unchanged by training
    fa.rewind(3)
    assert all(np.array_equal(m, c) for m, c in zip(fa.network.feedback, copies))
    again = Trainer.from_config(Config(**BASE, feedback_alignment=True))
    assert all(np.array_equal(m, c) for m, c in zip(again.network.feedback, copies))
    other = Trainer.from_config(Config(**{**BASE, "seed": 8}, feedback_alignment=True))
    assert not np.array_equal(other.network.feedback[1], copies[1])
    # B is random, not the weights themselves.
    W, _ = fa.layout.views(fa.initial_params)
    assert not any(np.array_equal(m, w) for m, w in zip(B, W))


def test_float32_feedback():
    fa = Trainer.from_config(Config(**BASE, dtype="float32", feedback_alignment=True))
    assert all(m.dtype == np.float32 for m in fa.network.feedback)


def test_same_weights_same_output_delta_other_hidden_deltas():
    fa, bp = pair()
    assert np.array_equal(fa.params, bp.params)
    r_fa, r_bp = fa.record, bp.record
    assert r_fa.loss == r_bp.loss
    assert np.array_equal(r_fa.delta[-1], r_bp.delta[-1])
    assert np.array_equal(r_fa.dW[-1], r_bp.dW[-1])
    for l in range(len(r_fa.delta) - 1):
        assert not np.allclose(r_fa.delta[l], r_bp.delta[l])
    # Each hidden delta is the layer above's, sent back through B, times f'(z).
    B = fa.network.feedback
    for l in range(len(r_fa.delta) - 2, -1, -1):
        fprime = 1 - r_fa.a[l] ** 2
        assert np.allclose(r_fa.delta[l], (r_fa.delta[l + 1] @ B[l + 1].T) * fprime, rtol=1e-12, atol=1e-15)
        assert np.allclose(
            r_bp.delta[l], (r_bp.delta[l + 1] @ r_bp.W[l + 1].T) * (1 - r_bp.a[l] ** 2), rtol=1e-12, atol=1e-15
        )


def test_learns_xor():
    t = Trainer.from_config(
        Config(
            dataset="xor", layers=(2, 4, 1), activation="sigmoid", loss="bce", lr=2.0, seed=0, feedback_alignment=True
        )
    )
    t.run(500)
    assert t.record.accuracy == 1.0
    assert t.record.loss < 0.1


def test_walkthrough_shows_B_for_hidden_units():
    fa, bp = pair()
    fa.run(3)
    B = fa.network.feedback
    w = walkthrough(fa, 1, 2, 3, 10)
    assert w.uses_feedback
    assert [t.used for t in w.terms] == list(B[2][3])
    assert [t.weight for t in w.terms] == list(fa.record.W[2][3])
    assert w.delta == fa.record.delta[1][10, 3]
    magnitude = abs(w.f_prime) * sum(abs(t.product) for t in w.terms)
    assert abs(w.f_prime * w.term_sum - w.delta) <= 1e-15 * magnitude
    rows = w.steps()
    assert any(label == "feedback" and "B3" in formula and "stands in for W3" in formula for label, formula, _ in rows)
    assert any(formula.startswith("B3[h4→") for _, formula, _ in rows)
    # Without feedback alignment the same unit names W.
    plain = walkthrough(bp, 1, 2, 3, 10)
    assert not plain.uses_feedback
    assert all(not formula.startswith("B") for _, formula, _ in plain.steps())


def test_walkthrough_output_layer_does_not_use_B():
    fa, _ = pair()
    w = walkthrough(fa, 2, 0, 0, 0)
    assert w.is_output and not w.uses_feedback and w.terms == ()


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_walkthrough_update_under_feedback_alignment_is_exact(optimizer):
    fa, _ = pair(optimizer=optimizer, lr=0.05)
    fa.run(2)
    w = walkthrough(fa, 0, 1, 4, 0)
    before = fa.layout.views(fa.params)[0][0][1, 4]
    fa.step()
    assert w.new == fa.layout.views(fa.params)[0][0][1, 4]
    assert w.update == w.new - before
