"""The comparison layer alone (no child process): arrays made from the engine's
own record, in a random convention, with or without a classic bug written in,
for random architectures. Fast, so hypothesis can range widely."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from model import Config, Trainer
from model.backward_check import EXIT_AGREES, EXIT_DISAGREES, check_arrays
from model.check_signatures import close
from model.learner_runner import LearnerRun

HIDDEN = ("sigmoid", "tanh", "leaky_relu")
OUTPUTS = (("sigmoid", "mse"), ("sigmoid", "bce"), ("softmax", "ce"), ("linear", "mse"))


@st.composite
def networks(draw):
    output, loss = draw(st.sampled_from(OUTPUTS))
    hidden = draw(st.lists(st.integers(2, 5), min_size=1, max_size=2))
    n_out = 2 if output == "softmax" else 1
    config = Config(
        dataset="xor",
        layers=(2, *hidden, n_out),
        activation=draw(st.sampled_from(HIDDEN)),
        output_activation=output,
        loss=loss,
        lr=0.3,
        seed=draw(st.integers(0, 50)),
    )
    return Trainer.from_config(config)


def learner_arrays(trainer: Trainer, per_sample: bool, summed: bool) -> LearnerRun:
    """What a correct learner file returns: dz = delta / N (or delta), dW = sum or mean."""
    rec = trainer.record
    n = trainer.X.shape[0]
    s_dz = 1.0 if per_sample else 1.0 / n
    s_g = s_dz * n if summed or not per_sample else 1.0
    arrays = {}
    for l in range(len(rec.W)):
        arrays[f"forward/z{l + 1}"] = rec.z[l].copy()
        arrays[f"forward/a{l + 1}"] = rec.a[l].copy()
        for prefix in ("backward", "again"):
            arrays[f"{prefix}/dz{l + 1}"] = s_dz * rec.delta[l]
            arrays[f"{prefix}/dW{l + 1}"] = s_g * rec.dW[l]
            arrays[f"{prefix}/db{l + 1}"] = s_g * rec.db[l]
        arrays[f"update/W{l + 1}"] = rec.W[l] - 0.3 * s_g * rec.dW[l]
        arrays[f"update/b{l + 1}"] = rec.b[l] - 0.3 * s_g * rec.db[l]
    return LearnerRun(arrays=arrays, has_update=True)


@settings(max_examples=40, deadline=None)
@given(networks(), st.booleans(), st.booleans())
def test_correct_arrays_in_any_convention_agree(trainer, per_sample, summed):
    report = check_arrays(trainer, learner_arrays(trainer, per_sample, summed), 0.3)
    assert report.status == EXIT_AGREES, (report.first, report.explanation)
    assert report.conventions


@settings(max_examples=40, deadline=None)
@given(networks(), st.booleans(), st.booleans(), st.data())
def test_a_zeroed_hidden_delta_is_named_at_its_layer(trainer, per_sample, summed, data):
    L = len(trainer.record.W)
    layer = data.draw(st.integers(1, L - 1))
    run = learner_arrays(trainer, per_sample, summed)
    run.arrays[f"backward/dz{layer}"] = np.zeros_like(run.arrays[f"backward/dz{layer}"])
    report = check_arrays(trainer, run, 0.3)
    assert report.status == EXIT_DISAGREES
    if report.first.layer == layer:  # unless a deeper layer's zero delta was zero anyway (dead units)
        assert report.bug == "disconnected_hidden" and report.first.quantity == "dz"


@settings(max_examples=40, deadline=None)
@given(networks(), st.booleans(), st.booleans())
def test_a_flipped_update_and_an_unmoved_bias_are_named(trainer, per_sample, summed):
    run = learner_arrays(trainer, per_sample, summed)
    rec = trainer.record
    flipped = dict(run.arrays)
    flipped["update/W1"] = 2 * rec.W[0] - run.arrays["update/W1"]
    report = check_arrays(trainer, LearnerRun(arrays=flipped, has_update=True), 0.3)
    if not close(flipped["update/W1"], run.arrays["update/W1"]):  # a step too small to see is no bug to name
        assert report.bug == "lr_sign_flipped" and report.first.name == "W1 updated"
    frozen = dict(run.arrays)
    frozen["update/b1"] = rec.b[0].copy()
    report = check_arrays(trainer, LearnerRun(arrays=frozen, has_update=True), 0.3)
    if not close(frozen["update/b1"], run.arrays["update/b1"]):
        assert report.bug == "missing_bias_update" and report.first.name == "b1 updated"
