"""Tests for model.exports and model.script_export: the loss CSV, the weights file,
atomic writes, and the standalone NumPy script whose losses equal the engine's."""

from __future__ import annotations

import ast
import csv
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from model import BackpropError, Config, Trainer, WeightsFileError
from model.exports import CSV_COLUMNS, ExportError, export_weights, loss_history_csv, write_atomically
from model.script_export import ScriptExportError, standalone_script, write_standalone_script
from model.script_literals import number as _number
from model.session import load_session, save_session
from model.weights_file import load_params, load_weights

WITH_TEST_SET = Config(
    dataset="moons", samples=60, test_fraction=0.25, layers=(2, 4, 1), mode="minibatch", batch_size=10
)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


# ------------------------------------------------------------------ CSV


def test_loss_csv_without_a_test_set(tmp_path):
    t = Trainer.from_config(Config(dataset="xor"))
    t.run(12)
    path = tmp_path / "loss.csv"
    assert loss_history_csv(t, path) == 13
    rows = read_csv(path)
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 14
    loss = t.history.series("loss")
    accuracy = t.history.series("accuracy")
    for epoch, row in enumerate(rows[1:]):
        assert int(row[0]) == epoch
        assert float(row[1]) == loss[epoch]  # full precision: exact round trip
        assert float(row[3]) == accuracy[epoch]
        assert row[2] == "" and row[4] == ""


def test_loss_csv_with_a_test_set_and_a_rewind(tmp_path):
    t = Trainer.from_config(WITH_TEST_SET)
    t.run(9)
    t.rewind(4)
    path = tmp_path / "loss.csv"
    loss_history_csv(t, path)
    rows = read_csv(path)[1:]
    assert len(rows) == 10  # the whole recorded run, beyond the current epoch too
    for name, column in (("loss", 1), ("test_loss", 2), ("accuracy", 3), ("test_accuracy", 4)):
        series = t.history.series(name)
        assert not np.isnan(series).any()
        assert [float(r[column]) for r in rows] == series.tolist()


def test_loss_csv_failure_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "loss.csv"
    path.write_text("old\n")
    t = Trainer.from_config(Config(dataset="xor"))

    def no_sync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", no_sync)
    with pytest.raises(ExportError, match="Input/output error"):
        loss_history_csv(t, path)
    assert path.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["loss.csv"]


def test_loss_csv_to_a_missing_folder(tmp_path):
    with pytest.raises(ExportError, match="cannot write") as info:
        loss_history_csv(Trainer.from_config(Config()), tmp_path / "missing" / "loss.csv")
    assert isinstance(info.value, BackpropError)


# ----------------------------------------------------------- atomic writes


def test_write_atomically_replaces_whole_or_not_at_all(tmp_path):
    path = tmp_path / "f.bin"
    write_atomically(path, lambda f: f.write(b"first"))
    assert path.read_bytes() == b"first"

    def half(f):
        f.write(b"sec")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_atomically(path, half)
    assert path.read_bytes() == b"first"
    assert os.listdir(tmp_path) == ["f.bin"]
    write_atomically(path, lambda f: f.write(b"second"))
    assert path.read_bytes() == b"second"


def test_new_files_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomically(tmp_path / "f", lambda f: f.write(b"x"))
    finally:
        os.umask(old)
    assert (tmp_path / "f").stat().st_mode & 0o777 == 0o640


# ------------------------------------------------------------- weights


def test_export_weights_writes_the_current_epoch(tmp_path):
    t = Trainer.from_config(Config(dataset="xor", layers=(2, 3, 2, 1)))
    t.run(10)
    t.rewind(6)
    path = tmp_path / "w.npz"
    export_weights(t, path)
    W, b = load_weights(path, t.config.layers)
    for l in range(3):
        np.testing.assert_array_equal(W[l], t.record.W[l])
        np.testing.assert_array_equal(b[l], t.record.b[l])
    # The file starts a run at exactly these weights.
    u = Trainer.from_config(t.config, params=load_params(path, t.config.layers))
    assert u.record.loss == t.record.loss
    # Named as on screen: W1 is the layer from the inputs.
    with np.load(path) as archive:
        assert sorted(archive.files) == ["W1", "W2", "W3", "b1", "b2", "b3"]
        np.testing.assert_array_equal(archive["W1"], t.record.W[0])


def test_export_weights_error_is_a_backprop_error(tmp_path):
    with pytest.raises(WeightsFileError):
        export_weights(Trainer.from_config(Config()), tmp_path / "missing" / "w.npz")


# ------------------------------------------------------- standalone script

SCRIPT_CONFIGS = {
    "xor-sigmoid-bce-full-sgd": Config(dataset="xor", layers=(2, 4, 1)),
    "moons-tanh-minibatch-momentum": Config(
        dataset="moons",
        samples=100,
        test_fraction=0.2,
        layers=(2, 6, 1),
        activation="tanh",
        mode="minibatch",
        batch_size=16,
        optimizer="momentum",
        lr=0.1,
    ),
    "spiral-relu-softmax-ce-adam": Config(
        dataset="spiral",
        classes=3,
        samples=90,
        layers=(2, 12, 3),
        activation="relu",
        output_activation="softmax",
        loss="ce",
        optimizer="adam",
        lr=0.01,
        init="he",
        l2=1e-3,
    ),
    "mse-linear-output-l1": Config(
        dataset="xor",
        layers=(2, 3, 1),
        activation="tanh",
        output_activation="linear",
        loss="mse",
        lr=0.1,
        l1=1e-3,
        seed=3,
    ),
    "mse-three-outputs-sigmoid": Config(
        dataset="blobs",
        classes=3,
        samples=45,
        layers=(2, 4, 3),
        activation="tanh",
        loss="mse",
        lr=0.3,
        seed=5,
    ),
    "float32-leaky-sgd-mode": Config(
        dataset="circles",
        samples=60,
        layers=(2, 5, 4, 1),
        activation="leaky_relu",
        loss="mse",
        dtype="float32",
        mode="sgd",
        lr=0.05,
    ),
    "feedback-softmax-bce": Config(
        dataset="blobs",
        classes=3,
        samples=60,
        layers=(2, 5, 3),
        output_activation="softmax",
        loss="bce",
        feedback_alignment=True,
        mode="minibatch",
        batch_size=7,
        init="uniform",
    ),
    "no-hidden-sigmoid-ce-adam": Config(
        dataset="blobs",
        classes=3,
        samples=60,
        layers=(2, 3),
        loss="ce",
        optimizer="adam",
        lr=0.05,
        l1=0.01,
        l2=0.01,
    ),
}


def run_script(path, *args) -> list[tuple[int, float]]:
    done = subprocess.run([sys.executable, str(path), *map(str, args)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = []
    for line in done.stdout.splitlines():
        word, epoch, label, value = line.split()
        assert (word, label) == ("epoch", "loss")
        lines.append((int(epoch), float(value)))
    return lines


@pytest.mark.parametrize("name", list(SCRIPT_CONFIGS))
def test_script_reproduces_the_engine_losses(tmp_path, name):
    t = Trainer.from_config(SCRIPT_CONFIGS[name])
    path = tmp_path / f"{name}.py"
    write_standalone_script(t, path)
    t.run(100)
    printed = run_script(path)
    assert [e for e, _ in printed] == list(range(101))
    expected = t.history.series("loss")[:101]
    np.testing.assert_allclose([x for _, x in printed], expected, rtol=1e-12, atol=0)


def test_script_uses_only_numpy_and_the_standard_library(tmp_path):
    for cfg in SCRIPT_CONFIGS.values():
        tree = ast.parse(standalone_script(Trainer.from_config(cfg)))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert imported == {"argparse", "numpy"}


def test_script_writes_out_only_the_chosen_functions():
    relu_run = standalone_script(Trainer.from_config(SCRIPT_CONFIGS["spiral-relu-softmax-ce-adam"]))
    assert "def relu(" in relu_run and "def relu_derivative(" in relu_run and "def softmax(" in relu_run
    assert "def sigmoid(" not in relu_run and "def tanh(" not in relu_run
    assert "BETA1 = 0.9" in relu_run and "MOMENTUM" not in relu_run
    assert "delta = (delta @ W[l].T) * HIDDEN_DERIVATIVE(zs[l - 1], activations[l - 1])" in relu_run
    xor_run = standalone_script(Trainer.from_config(SCRIPT_CONFIGS["xor-sigmoid-bce-full-sgd"]))
    assert "GENERATOR_STATE" not in xor_run and "penalised" not in xor_run
    assert "return y_hat - y" in xor_run


def test_script_epoch_argument(tmp_path):
    t = Trainer.from_config(SCRIPT_CONFIGS["moons-tanh-minibatch-momentum"])
    path = tmp_path / "s.py"
    write_standalone_script(t, path)
    t.run(7)
    printed = run_script(path, 7)
    assert [x for _, x in printed] == t.history.series("loss").tolist()


def test_script_starts_from_the_run_start_after_training_and_rewinds(tmp_path):
    """The script depends on the run, not on where the user is in it, and a
    session round trip gives the same script."""
    cfg = SCRIPT_CONFIGS["moons-tanh-minibatch-momentum"]
    fresh = standalone_script(Trainer.from_config(cfg))
    t = Trainer.from_config(cfg)
    t.run(25)
    t.rewind(10)
    assert standalone_script(t) == fresh
    save_session(t, tmp_path / "s.npz")
    assert standalone_script(load_session(tmp_path / "s.npz")) == fresh


def test_script_after_a_hyperparameter_change_says_so(tmp_path):
    t = Trainer.from_config(SCRIPT_CONFIGS["xor-sigmoid-bce-full-sgd"])
    t.run(10)
    t.reconfigure(t.config.replace(lr=0.2))
    t.run(10)
    text = standalone_script(t)
    flat = " ".join(text.split())
    assert "epoch 10: lr=0.2" in flat and "up to epoch 10 only" in flat
    path = tmp_path / "s.py"
    path.write_text(text)
    printed = run_script(path, 12)
    losses = t.history.series("loss")
    assert [x for _, x in printed[:11]] == losses[:11].tolist()
    assert printed[12][1] != losses[12]  # the later settings are not in the script


def test_script_from_given_weights(tmp_path):
    cfg = Config(dataset="and", layers=(2, 2, 1))
    start = np.linspace(-1, 1, 9)
    t = Trainer.from_config(cfg, params=start)
    path = tmp_path / "s.py"
    write_standalone_script(t, path)
    t.run(20)
    assert [x for _, x in run_script(path, 20)] == t.history.series("loss").tolist()


def test_write_script_errors_are_clear(tmp_path):
    with pytest.raises(ScriptExportError, match="cannot write"):
        write_standalone_script(Trainer.from_config(Config()), tmp_path / "missing" / "s.py")


def test_number_literals_round_trip():
    for x in (0.1, -1e-300, 1 / 3, 2.0**-1074, 1.7976931348623157e308, float(np.float32(0.1))):
        assert float(eval(_number(x))) == x
    assert math.isnan(eval(_number(float("nan"))))
    assert eval(_number(float("-inf"))) == float("-inf")


def test_csv_names_cannot_break_the_script(tmp_path):
    """Column names go into comments and the docstring; quotes or newlines there
    must not end them early."""
    csv_path = tmp_path / 'odd"""\\name.csv'
    rows = "\n".join(f"{i / 7},{(i * 3 % 5) / 5},{'yes' if i % 2 else 'no'}" for i in range(12))
    csv_path.write_text('"x import sys; sys.exit(3)","b""""",label\n' + rows + "\n")
    t = Trainer.from_config(Config(dataset="csv", csv_path=str(csv_path), layers=(2, 3, 1)))
    path = tmp_path / "s.py"
    write_standalone_script(t, path)
    t.run(5)
    assert [x for _, x in run_script(path, 5)] == t.history.series("loss").tolist()


def test_script_names_layers_from_1_as_the_app_does():
    t = Trainer.from_config(SCRIPT_CONFIGS["feedback-softmax-bce"])
    text = standalone_script(t)
    assert "W_INITIAL = {" in text and "# W[1]: 2 inputs -> 5 units" in text and "# W[2]: 5 inputs -> 3 units" in text
    assert "# b[1]" in text and "FEEDBACK = {" in text
    assert "W[0]" not in text and "b[0]" not in text


def test_loss_csv_of_float_targets_names_its_r2_columns(tmp_path):
    trainer = Trainer.from_config(Config(dataset="sine", layers=(1, 4, 1), output_activation="linear", loss="mse"))
    trainer.run(3)
    path = tmp_path / "loss.csv"
    loss_history_csv(trainer, path)
    header = path.read_text().splitlines()[0]
    assert header == "epoch,train_loss,test_loss,train_r2,test_r2"


def test_full_accuracy_does_not_apply_to_float_targets():
    from model.config import applicable_fields

    assert "stop_at_full_accuracy" not in applicable_fields(
        Config(dataset="sine", layers=(1, 4, 1), output_activation="linear", loss="mse")
    )
    assert "stop_at_full_accuracy" in applicable_fields(Config())
