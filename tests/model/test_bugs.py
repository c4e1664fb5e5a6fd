"""The bug lab: each planted bug shows its documented symptom, and the
verified engine is bit-identical with and without the lab present."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

from model import Config, ConfigError, Trainer
from model.bugs import BUGS, CATALOGUE, BuggedNetwork, find
from model.network import Network

XOR_MSE = Config(
    layers=(2, 2, 1), activation="sigmoid", output_activation="sigmoid", loss="mse", lr=0.5, init="normal", seed=42
)
SOFTMAX = Config(layers=(2, 3, 2), activation="sigmoid", output_activation="softmax", loss="ce", lr=0.5, seed=1)


def planted(name: str, config: Config = XOR_MSE, epochs: int = 0) -> Trainer:
    trainer = Trainer.from_config(config, bug=BUGS[name])
    trainer.run(epochs)
    return trainer


def honest(config: Config = XOR_MSE, epochs: int = 0) -> Trainer:
    trainer = Trainer.from_config(config)
    trainer.run(epochs)
    return trainer


def test_the_catalogue_has_at_least_ten_bugs_each_described():
    assert len(CATALOGUE) >= 10
    for bug in CATALOGUE:
        assert bug.wild and bug.symptom and bug.correct_line and bug.planted_line
        assert bug.correct_line != bug.planted_line


def test_an_unknown_name_lists_the_names():
    with pytest.raises(ConfigError, match="disconnected_hidden"):
        find("nope")


def test_a_bug_with_no_line_to_plant_is_refused_with_a_reason():
    with pytest.raises(ConfigError, match="softmax"):
        planted("softmax_no_max")
    with pytest.raises(ConfigError, match="square"):
        planted("wrong_transpose", XOR_MSE.replace(layers=(2, 3, 1)))


def test_the_default_trainer_builds_the_plain_network():
    trainer = honest()
    assert type(trainer.network) is Network and trainer.bug is None


def test_default_engine_is_bit_identical_with_and_without_the_bug_lab_imported():
    """Runs in fresh interpreters: one never imports model.bugs, one imports it
    and trains a bugged run first; the honest runs must match bit for bit."""
    script = """
import sys, numpy as np
from model import Config, Trainer
if sys.argv[1] == "lab":
    from model.bugs import BUGS
    Trainer.from_config(Config(layers=(2, 2, 1), loss="mse"), bug=BUGS["derivative_twice"]).run(50)
t = Trainer.from_config(Config(layers=(2, 3, 1), loss="mse", seed=7))
t.run(300)
assert ("model.bugs" in sys.modules) == (sys.argv[1] == "lab")
sys.stdout.buffer.write(t.params.tobytes() + np.float64(t.record.loss).tobytes())
"""
    out = [
        subprocess.run([sys.executable, "-c", script, mode], capture_output=True, check=True).stdout
        for mode in ("plain", "lab")
    ]
    assert out[0] == out[1] and len(out[0]) > 8


def test_disconnected_hidden_layer_has_zero_deltas_and_frozen_weights():
    trainer = planted("disconnected_hidden", epochs=200)
    start = Trainer.from_config(XOR_MSE).record
    assert not trainer.record.delta[0].any()
    assert np.array_equal(trainer.record.W[0], start.W[0]) and np.array_equal(trainer.record.b[0], start.b[0])
    assert not np.array_equal(trainer.record.W[1], start.W[1])


def test_derivative_twice_shrinks_hidden_deltas_by_f_prime():
    trainer = planted("derivative_twice")
    rec = honest().record
    f = rec.a[0] * (1 - rec.a[0])
    np.testing.assert_allclose(trainer.record.delta[0], rec.delta[0] * f, rtol=1e-12)
    assert np.abs(trainer.record.delta[0]).max() < 0.25 * np.abs(rec.delta[0]).max() + 1e-15


def test_derivative_at_a_uses_the_derivative_of_the_activation():
    trainer = planted("derivative_at_a")
    rec = honest().record
    s = 1 / (1 + np.exp(-rec.a[0]))
    back = rec.delta[1] @ rec.W[1].T
    np.testing.assert_allclose(trainer.record.delta[0], back * s * (1 - s), rtol=1e-12)


def test_missing_bias_update_keeps_every_bias():
    trainer = planted("missing_bias_update", epochs=100)
    assert all(np.array_equal(b, b0) for b, b0 in zip(trainer.record.b, honest().record.b))
    assert any(db.any() for db in trainer.record.db)


def test_bce_delta_with_mse_is_a_minus_y_and_not_the_mse_delta():
    trainer = planted("bce_delta_mse_loss")
    rec = trainer.record
    np.testing.assert_array_equal(rec.delta[1], rec.a[1] - trainer.Y)
    assert not np.allclose(rec.delta[1], honest().record.delta[1])
    assert trainer.record.loss == honest().record.loss  # MSE is what is reported


def test_mse_without_factor_two_is_the_honest_run_at_half_the_learning_rate():
    bugged = planted("mse_no_factor_2", epochs=300)
    half = honest(XOR_MSE.replace(lr=XOR_MSE.lr / 2), epochs=300)
    np.testing.assert_array_equal(bugged.params, half.params)


def test_wrong_transpose_runs_silently_on_a_square_layer_with_a_transposed_gradient():
    trainer = planted("wrong_transpose", epochs=5)
    trainer.rewind(0)
    np.testing.assert_array_equal(trainer.record.dW[0], honest().record.dW[0].T)
    np.testing.assert_array_equal(trainer.record.dW[1], honest().record.dW[1])


def test_accumulated_gradients_step_with_the_running_sum_and_replay_exactly():
    trainer = planted("accumulated_gradients", epochs=3)
    grads = []
    replay = planted("accumulated_gradients")
    for _ in range(3):
        grads.append(replay.record.backward.grad)
        replay.step()
    expected = honest().params - XOR_MSE.lr * (3 * grads[0] + 2 * grads[1] + grads[2])
    np.testing.assert_allclose(trainer.params, expected, rtol=1e-12)
    after = trainer.params.copy()
    trainer.rewind(1)
    trainer.run(2)
    np.testing.assert_array_equal(trainer.params, after)


def test_softmax_without_the_max_overflows_to_a_divergence_where_the_engine_does_not():
    from model import DivergenceError
    from model.parameters import Layout

    start = Trainer.from_config(SOFTMAX).params.copy()
    W, b = Layout(SOFTMAX.layers).views(start)
    W[-1] *= 400.0  # logits of several hundred: exp overflows past 709
    b[-1] += np.array([800.0, 0.0])
    fine = Trainer.from_config(SOFTMAX, start.copy())
    assert np.isfinite(fine.record.a[-1]).all()
    with pytest.raises(DivergenceError):
        Trainer.from_config(SOFTMAX, start.copy(), bug=BUGS["softmax_no_max"]).step()


def test_updated_weights_backward_uses_next_epochs_weights():
    trainer = planted("updated_weights_backward")
    rec = honest().record
    W2_new = rec.W[1] - XOR_MSE.lr * rec.dW[1]
    expected = (rec.delta[1] @ W2_new.T) * rec.a[0] * (1 - rec.a[0])
    np.testing.assert_allclose(trainer.record.delta[0], expected, rtol=1e-12)


def test_lr_sign_flipped_makes_the_loss_rise_every_epoch():
    trainer = planted("lr_sign_flipped", epochs=50)
    loss = trainer.history.series("loss")
    assert (np.diff(loss) > 0).all()


def test_a_bugged_trainer_pickles_for_run_mode():
    for name in BUGS:
        config = SOFTMAX if name == "softmax_no_max" else XOR_MSE
        trainer = planted(name, config, epochs=2)
        twin = pickle.loads(pickle.dumps(trainer))
        assert isinstance(twin.network, BuggedNetwork) and twin.bug == trainer.bug


def test_a_bugged_session_is_not_saved(tmp_path):
    from model.errors import BackpropError
    from model.session import save_session

    with pytest.raises(BackpropError, match="bug is planted"):
        save_session(planted("missing_bias_update"), tmp_path / "s.npz")
    assert not (tmp_path / "s.npz").exists()
