"""The phases of an epoch against the trainer: every activation x loss x batch
mode, bit for bit (z, a, delta, dW, db and the next weights), and the phase
cursor going back exactly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from model import Config, ConfigError, Trainer
from model.activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from model.losses import LOSSES
from model.phases import PhaseWalk, epoch_phases, phases_per_batch

MODES = ("full", "minibatch", "sgd")


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _config(hidden: str, output: str, loss: str, mode: str, **extra) -> Config:
    layers = (2, 3, 2) if output == "softmax" or loss == "ce" else (2, 3, 1)
    return Config(
        dataset="moons",
        samples=12,
        layers=layers,
        activation=hidden,
        output_activation=output,
        loss=loss,
        mode=mode,
        batch_size=5,
        seed=4,
        lr=0.1,
        **extra,
    )


def _combinations():
    for hidden, output, loss, mode in itertools.product(HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, LOSSES, MODES):
        try:
            _config(hidden, output, loss, mode)
        except ConfigError:
            continue  # a pairing the app refuses (e.g. relu output with cross-entropy)
        yield hidden, output, loss, mode


COMBINATIONS = list(_combinations())


def test_every_activation_loss_and_mode_is_covered():
    assert {c[0] for c in COMBINATIONS} == set(HIDDEN_ACTIVATIONS)
    assert {c[1] for c in COMBINATIONS} == set(OUTPUT_ACTIVATIONS)
    assert {c[2] for c in COMBINATIONS} == set(LOSSES)
    assert {c[3] for c in COMBINATIONS} == set(MODES)


def _check_epoch(trainer: Trainer) -> None:
    """Walk one epoch's phases, then step the trainer: the same figures."""
    record = trainer.record
    phases = list(epoch_phases(trainer))
    L = trainer.network.n_layers
    n = trainer.X.shape[0]
    mode = trainer.config.mode
    n_batches = 1 if mode == "full" else len(range(0, n, 1 if mode == "sgd" else min(trainer.config.batch_size, n)))
    assert len(phases) == n_batches * phases_per_batch(L) == phases[0].count
    assert [p.index for p in phases] == list(range(len(phases)))
    # Every sample is met once per epoch.
    firsts = [p for p in phases if p.kind == "forward" and p.layer == 0]
    assert sorted(np.concatenate([p.samples for p in firsts]).tolist()) == list(range(n))
    order = [p.name for p in phases[: phases_per_batch(L)]]
    expected = [f"forward L{l + 1}" for l in range(L)] + ["loss", f"output delta L{L}"]
    expected += [f"backward L{l + 1} delta" for l in range(L - 2, -1, -1)]
    expected += [f"gradients L{l + 1}" for l in range(L - 1, -1, -1)] + ["update"]
    assert order == expected

    if mode == "full":
        # The record at this epoch holds z, a, delta, dW, db of the whole set.
        for p in phases:
            l = p.layer
            if p.kind == "forward":
                assert _same(p.arrays["z"], record.z[l]) and _same(p.arrays["a"], record.a[l])
            elif p.kind in ("output_delta", "delta"):
                assert _same(p.arrays["delta"], record.delta[l])
            elif p.kind == "gradients":
                assert _same(p.arrays["dW"], record.dW[l]) and _same(p.arrays["db"], record.db[l])
            elif p.kind == "loss":
                assert float(p.arrays["loss"]) == record.loss
    else:
        # Each batch against the network run on that batch at the weights the previous update left.
        params = trainer.params
        for p in phases:
            if p.kind == "forward" and p.layer == 0:
                W, b = trainer.layout.views(params)
                fwd = trainer.network.forward(trainer.X[p.samples], W, b)
                bwd = trainer.network.backward(fwd, trainer.Y[p.samples], W)
            l = p.layer
            if p.kind == "forward":
                assert _same(p.arrays["z"], fwd.z[l]) and _same(p.arrays["a"], fwd.a[l])
            elif p.kind in ("output_delta", "delta"):
                assert _same(p.arrays["delta"], bwd.delta[l])
            elif p.kind == "gradients":
                assert _same(p.arrays["dW"], bwd.dW[l]) and _same(p.arrays["db"], bwd.db[l])
            elif p.kind == "update":
                assert _same(p.arrays["params_before"], params)
                params = p.arrays["params"]

    last = phases[-1]
    assert last.last and last.kind == "update"
    epoch = trainer.epoch
    stepped = trainer.step()
    assert stepped.epoch == epoch + 1
    assert _same(last.arrays["params"], stepped.params)
    for l in range(L):
        assert _same(last.arrays[f"W{l}"], stepped.W[l]) and _same(last.arrays[f"b{l}"], stepped.b[l])
    if mode != "full":
        assert float(last.arrays["epoch_loss"]) == stepped.loss


@pytest.mark.parametrize(("hidden", "output", "loss", "mode"), COMBINATIONS)
def test_phases_reproduce_a_step_bit_for_bit(hidden, output, loss, mode):
    trainer = Trainer.from_config(_config(hidden, output, loss, mode))
    with np.errstate(all="ignore"):
        for _ in range(3):  # the first epochs, including one after a shuffle has been drawn
            _check_epoch(trainer)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
@pytest.mark.parametrize("mode", MODES)
def test_phases_follow_the_optimizer_and_its_state(optimizer, mode):
    trainer = Trainer.from_config(_config("tanh", "sigmoid", "bce", mode, optimizer=optimizer, l2=0.01))
    for _ in range(3):
        _check_epoch(trainer)


def test_phases_with_feedback_alignment_use_the_feedback_matrices():
    trainer = Trainer.from_config(_config("sigmoid", "sigmoid", "mse", "full", feedback_alignment=True))
    phases = list(epoch_phases(trainer))
    delta = next(p for p in phases if p.kind == "delta")
    assert "B2" in delta.formula and _same(delta.arrays["B"], trainer.network.feedback[1])
    _check_epoch(trainer)


def test_phases_after_a_rewind_match_the_replayed_step():
    trainer = Trainer.from_config(_config("relu", "sigmoid", "bce", "minibatch"))
    trainer.run(5)
    trainer.rewind(2)
    _check_epoch(trainer)
    trainer.rewind(2)
    assert trainer.step().epoch == 3


def test_looking_at_the_phases_leaves_the_trainer_alone():
    trainer = Trainer.from_config(_config("sigmoid", "sigmoid", "bce", "sgd"))
    before = trainer.state_dict()
    list(epoch_phases(trainer))
    after = trainer.state_dict()
    assert after["epoch"] == before["epoch"] and after["params"] is before["params"]
    assert after["rng"] == before["rng"]


def test_a_deep_network_names_every_hidden_delta():
    trainer = Trainer.from_config(Config(layers=(2, 3, 3, 3, 1)))
    names = [p.name for p in epoch_phases(trainer)]
    assert names[:9] == [
        "forward L1",
        "forward L2",
        "forward L3",
        "forward L4",
        "loss",
        "output delta L4",
        "backward L3 delta",
        "backward L2 delta",
        "backward L1 delta",
    ]
    _check_epoch(trainer)


def test_walk_goes_back_to_the_very_same_phase():
    trainer = Trainer.from_config(_config("tanh", "sigmoid", "bce", "minibatch"))
    walk = PhaseWalk(trainer)
    seen = [walk.forward() for _ in range(10)]
    for i in range(9, 0, -1):
        assert walk.back() is seen[i - 1]
    assert walk.back() is None and walk.current is None
    again = walk.forward()
    assert again is seen[0]
    fresh = list(epoch_phases(trainer))
    for a, b in zip(seen, fresh):
        assert a.name == b.name and a.arrays.keys() == b.arrays.keys()
        assert all(_same(a.arrays[k], b.arrays[k]) for k in a.arrays)
    walk.go_to(fresh[-1].index)
    assert walk.finished
    with pytest.raises(IndexError):
        walk.forward()


def test_phase_names_the_batch_or_sample():
    full = next(epoch_phases(Trainer.from_config(Config())))
    assert full.where == "all 4 samples" and full.highlight.rows is None
    sgd = next(epoch_phases(Trainer.from_config(Config(mode="sgd"))))
    assert sgd.where.startswith("sample ") and sgd.where.endswith("(1 of 4)")
    assert sgd.highlight.rows == (int(sgd.samples[0]),)
    mini = next(epoch_phases(Trainer.from_config(_config("tanh", "sigmoid", "bce", "minibatch"))))
    assert mini.where == "batch 1 of 3 (5 samples)"
