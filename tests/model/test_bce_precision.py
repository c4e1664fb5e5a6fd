"""The BCE of a sigmoid output measured from z, against references computed
with 400 significant digits (decimal): confident right answers keep their
tiny losses instead of cancelling to 9.237e-14 (z = 30) or to 0 (z >= 37)."""

from __future__ import annotations

from decimal import Decimal, localcontext

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from model.losses import LOSSES, bce_per_sample_from_logits


def reference(z: float, y: float) -> float:
    """max(z, 0) - y z + log(1 + e^-|z|), exactly enough to round once at the end."""
    with localcontext() as ctx:
        ctx.prec = 400  # e^-745 still counts next to 1
        zd, yd = Decimal(z), Decimal(y)
        return float(max(zd, Decimal(0)) - yd * zd + (1 + (-abs(zd)).exp()).ln())


def loss(z: float, y: float) -> float:
    return float(bce_per_sample_from_logits(np.array([[z]]), np.array([[y]]))[0])


def test_the_figures_of_the_issue():
    # log(1 + e^30) - 30 gave 9.237e-14; the exact value is 9.358e-14.
    assert loss(30.0, 1.0) == reference(30.0, 1.0)
    assert f"{loss(30.0, 1.0):.4g}" == "9.358e-14"
    # ... and from z = 37 the old form gave exactly 0.
    for z in (37.0, 40.0, 100.0, 700.0):
        assert loss(z, 1.0) > 0.0
        assert loss(-z, 0.0) > 0.0
        assert abs(loss(z, 1.0) - reference(z, 1.0)) <= 1e-15 * reference(z, 1.0)


def test_confident_wrong_answers_cost_exactly_z():
    for z in (40.0, 300.0, 800.0):
        assert loss(z, 0.0) == z
        assert loss(-z, 1.0) == z


@settings(max_examples=60, deadline=None)
@given(
    z=st.floats(min_value=-745.0, max_value=745.0, allow_nan=False),
    y=st.sampled_from([0.0, 1.0, 0.5, 0.25, 0.9]),
)
def test_matches_the_high_precision_value(z, y):
    want = reference(z, y)
    got = loss(z, y)
    if y in (0.0, 1.0):
        # y z is exact: a unit or two in the last place of the loss itself.
        assert abs(got - want) <= 4e-16 * abs(want) + 1e-300
    else:
        # y z is rounded once: a few units in the last place of the terms.
        assert abs(got - want) <= 1e-15 * (abs(want) + abs(z))


def test_several_outputs_are_averaged_and_the_loss_object_uses_this_form():
    z = np.array([[30.0, -2.0], [0.0, 50.0]])
    y = np.array([[1.0, 0.0], [1.0, 1.0]])
    per_sample = LOSSES["bce"].per_sample_from_logits(z, y)
    want = [(reference(30.0, 1.0) + reference(-2.0, 0.0)) / 2, (reference(0.0, 1.0) + reference(50.0, 1.0)) / 2]
    np.testing.assert_allclose(per_sample, want, rtol=1e-15, atol=0)
