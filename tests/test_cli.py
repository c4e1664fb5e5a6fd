"""Tests for the command line (tui/cli.py) and headless training (tui/headless.py).

Runs `main([...])` in-process with stdout and stderr captured, plus a few
real `python -m tui` subprocesses for the console path and exit statuses.
The TUI is never started: every run passes --headless (or --json), and the
tests that check the launch path swap in a stand-in app.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import types
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest
from cli_run import run  # noqa: E402
from hypothesis import given, settings
from hypothesis import strategies as st

import tui.cli as cli
import tui.headless as headless
from model import Config, Trainer
from model.architecture import choose_architecture
from model.datasets import load
from model.weights_file import load_weights, save_weights
from tui.cli import main
from tui.format import fixed

ROOT = Path(__file__).resolve().parents[1]
_real_launch = cli.launch


def run_json(*argv: str) -> dict:
    code, out, err = run("--json", *argv)
    assert code == 0, err
    return json.loads(out)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def assert_one_error_line(code: int, out: str, err: str, fragment: str = "") -> None:
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("backprop-tui: error: ")
    assert "Traceback" not in err and "usage:" not in err
    assert fragment in lines[0]


@pytest.fixture(autouse=True)
def never_launch_the_app(monkeypatch):
    """A test that reaches the app launch by mistake fails instead of opening a screen."""

    def refuse(plan):
        raise AssertionError("the TUI would have started")

    monkeypatch.setattr(cli, "launch", refuse)


# ------------------------------------------------------------ training runs


def test_xor_json_reaches_full_accuracy_with_default_settings():
    doc = run_json("--headless", "--epochs", "5000")
    assert doc["config"]["dataset"] == "xor"
    assert doc["config"]["layers"] == [2, 4, 1]
    assert doc["epoch"] == 5000
    assert doc["accuracy"] == 1.0
    assert doc["stop_reason"] == "reached the epoch limit (5000)"
    assert doc["divergence"] is None and doc["interrupted"] is False
    history = doc["history"]
    assert history["epochs"] == list(range(5001))
    assert len(history["loss"]) == 5001 and not history["downsampled"]
    assert history["loss"][-1] == doc["loss"]
    # The engine agrees on epoch 0 and on the end.
    fresh = Trainer.from_config(Config(max_epochs=5000))
    assert history["loss"][0] == fresh.record.loss
    fresh.run(5000)
    assert doc["loss"] == fresh.record.loss
    # Predictions and loss recomputed by hand from the printed weights.
    W = [np.array(w) for w in doc["weights"]["W"]]
    b = [np.array(x) for x in doc["weights"]["b"]]
    X = np.array([p["input"] for p in doc["predictions"]])
    y = np.array([[float(p["target"])] for p in doc["predictions"]])
    y_hat = sigmoid(sigmoid(X @ W[0] + b[0]) @ W[1] + b[1])
    np.testing.assert_allclose([p["output"] for p in doc["predictions"]], y_hat, rtol=1e-12)
    assert [p["predicted"] for p in doc["predictions"]] == ["0", "1", "1", "0"]
    assert all(p["correct"] for p in doc["predictions"])
    bce = -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))
    assert doc["loss"] == pytest.approx(bce, rel=1e-9)


def test_text_summary_shows_the_engines_predictions():
    code, out, err = run("--headless", "--dataset", "moons", "--epochs", "30", "--seed", "4")
    assert code == 0 and err == ""
    t = Trainer.from_config(Config(dataset="moons", layers=(2, 8, 8, 1), activation="tanh", max_epochs=30, seed=4))
    t.run(30)
    lines = out.splitlines()
    rows = [line for line in lines if line.startswith("│")]
    assert len(rows) == 20
    assert "first 20 of 200 training samples" in out
    for i, row in enumerate(rows):
        cells = [c.strip() for c in row.strip("│").split("│")]
        assert cells[0] == str(i)
        assert cells[1] == fixed(t.data.X[i, 0], 8, 3).strip()
        assert cells[4] == fixed(t.record.output[i, 0], 8, 4).strip()
        right = t.record.predicted[i] == t.data.labels[i]
        assert cells[6] == ("✓" if right else "✗")
    assert f"epoch 30  loss {fixed(t.record.loss, 10, 6).strip()}  accuracy {100 * t.record.accuracy:.1f}%" in out
    assert "stopped: reached the epoch limit (30)" in out


def test_test_figures_are_reported():
    doc = run_json("--dataset", "circles", "--test-fraction", "0.25", "--epochs", "20")
    assert doc["dataset"]["test_samples"] == 50
    t = Trainer.from_config(Config.from_dict(doc["config"]))
    t.run(20)
    assert doc["test_loss"] == t.record.test_loss
    assert doc["test_accuracy"] == t.record.test_accuracy
    assert doc["history"]["test_loss"][-1] == t.record.test_loss
    code, out, _ = run("--headless", "--dataset", "circles", "--test-fraction", "0.25", "--epochs", "20")
    assert f"test accuracy {100 * t.record.test_accuracy:.1f}%" in out


def test_long_histories_are_downsampled(monkeypatch):
    monkeypatch.setattr(headless, "MAX_LOSS_POINTS", 100)
    doc = run_json("--epochs", "1000")
    h = doc["history"]
    assert h["downsampled"] and len(h["epochs"]) == len(h["loss"]) <= 100
    assert h["epochs"] == list(range(0, 1001, 20))  # round epochs only (every 20th), the last one too
    assert "1001" in h["note"]
    t = Trainer.from_config(Config(max_epochs=1000))
    t.run(1000)
    series = t.history.series("loss")
    assert h["loss"] == [series[e] for e in h["epochs"]]


def test_stop_conditions_end_the_run_early():
    doc = run_json("--target-loss", "0.3", "--epochs", "100000")
    assert doc["loss"] <= 0.3 < doc["history"]["loss"][-2]
    assert doc["stop_reason"].startswith("loss ")
    doc = run_json("--stop-at-full-accuracy", "--epochs", "100000")
    assert doc["accuracy"] == 1.0
    assert doc["stop_reason"] == "every training sample is classified correctly"
    assert doc["epoch"] < 100000


def test_divergence_exits_3_with_the_last_good_state():
    args = (
        "--activation",
        "linear",
        "--output-activation",
        "linear",
        "--loss",
        "mse",
        "--lr",
        "1e8",
        "--epochs",
        "500",
    )
    code, out, err = run("--json", *args)
    assert code == 3
    doc = json.loads(out)
    d = doc["divergence"]
    assert d is not None and d["value"] in ("nan", "inf", "-inf")
    assert doc["epoch"] == d["epoch"] - 1
    assert all(np.isfinite(np.array(w)).all() for w in doc["weights"]["W"])
    assert err.count("\n") == 1 and f"diverged at epoch {d['epoch']}" in err
    code, out, err = run("--headless", *args)
    assert code == 3 and "stopped: diverged at epoch" in out


def test_ctrl_c_stops_cleanly_with_the_summary_so_far(monkeypatch):
    real_step = Trainer.step

    def step(self):
        if self.epoch == 7:
            raise KeyboardInterrupt
        return real_step(self)

    monkeypatch.setattr(Trainer, "step", step)
    code, out, err = run("--json", "--epochs", "100")
    assert code == 130
    doc = json.loads(out)
    assert doc["epoch"] == 7 and doc["interrupted"] is True
    assert len(doc["history"]["loss"]) == 8
    assert "interrupted" in err and err.count("\n") == 1


def test_progress_bar_only_on_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(headless, "REFRESH_SECONDS", 0.0)
    out, err = io.StringIO(), Terminal()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--json", "--epochs", "3000"])
    assert code == 0
    assert "epoch" in err.getvalue() and "3000" in err.getvalue()
    assert json.loads(out.getvalue())["epoch"] == 3000  # stdout stays pure JSON
    code, _, err_text = run("--json", "--epochs", "3000")
    assert err_text == ""


@pytest.mark.parametrize(
    ("text", "mode", "batch"),
    [("full", "full", 32), ("sgd", "sgd", 32), ("16", "minibatch", 16), (" SGD ", "sgd", 32)],
)
def test_batch_size_maps_to_mode(text, mode, batch):
    doc = run_json("--dataset", "moons", "--batch-size", text, "--epochs", "1")
    assert (doc["config"]["mode"], doc["config"]["batch_size"]) == (mode, batch)


@pytest.mark.parametrize(
    ("args", "layers", "activation", "output", "loss"),
    [
        ((), [2, 4, 1], "sigmoid", "sigmoid", "bce"),
        (("--dataset", "and"), [2, 4, 1], "sigmoid", "sigmoid", "bce"),
        (("--dataset", "moons"), [2, 8, 8, 1], "tanh", "sigmoid", "bce"),
        (("--dataset", "spiral", "--classes", "3"), [2, 8, 8, 3], "tanh", "softmax", "ce"),
        (("--dataset", "blobs", "--classes", "4", "--hidden", "16"), [2, 16, 4], "tanh", "softmax", "ce"),
        (("--dataset", "moons", "--hidden", "none"), [2, 1], "tanh", "sigmoid", "bce"),
        (("--hidden", "3,3", "--activation", "relu"), [2, 3, 3, 1], "relu", "sigmoid", "bce"),
        (("--loss", "ce"), [2, 4, 2], "sigmoid", "softmax", "ce"),
        (("--output-activation", "softmax"), [2, 4, 2], "sigmoid", "softmax", "ce"),
        (("--loss", "mse"), [2, 4, 1], "sigmoid", "sigmoid", "mse"),
        (("--output-activation", "linear"), [2, 4, 1], "sigmoid", "linear", "mse"),
        (("--layers", "2,3,2"), [2, 3, 2], "sigmoid", "softmax", "ce"),
        (("--layers", "2-5-1", "--loss", "mse"), [2, 5, 1], "sigmoid", "sigmoid", "mse"),
    ],
)
def test_architecture_follows_the_data(args, layers, activation, output, loss):
    cfg = run_json(*args, "--epochs", "1")["config"]
    assert (cfg["layers"], cfg["activation"], cfg["output_activation"], cfg["loss"]) == (
        layers,
        activation,
        output,
        loss,
    )


def test_choose_architecture_is_pure_and_honours_choices():
    assert choose_architecture(5, 3, truth_table=False) == {
        "layers": (5, 8, 8, 3),
        "activation": "tanh",
        "output_activation": "softmax",
        "loss": "ce",
    }
    assert choose_architecture(2, 2, truth_table=True, loss="bce", layers=(2, 3, 2))["output_activation"] == "sigmoid"
    assert choose_architecture(4, 2, truth_table=False, hidden=(), activation="relu")["layers"] == (4, 1)


def test_csv_dataset_with_text_labels(tmp_path):
    path = tmp_path / "pets.csv"
    rows = ["weight,height,kind"] + [
        f"{w},{h},{k}"
        for w, h, k in [
            (1, 2, "[bold]cat"),
            (2, 1, "dog"),
            (1.5, 2.5, "[bold]cat"),
            (3, 1, "dog"),
            (1, 3, "[bold]cat"),
            (2.5, 0.5, "dog"),
        ]
    ]
    path.write_text("\n".join(rows) + "\n")
    code, out, err = run("--headless", "--csv", str(path), "--epochs", "200")
    assert code == 0, err
    assert "[bold]cat" in out  # shown as text, not taken as markup
    doc = run_json("--csv", str(path), "--epochs", "5")
    assert doc["config"]["layers"] == [2, 8, 8, 1] and doc["config"]["csv_path"] == str(path)
    assert doc["dataset"]["classes"] == ["[bold]cat", "dog"]
    doc = run_json("--csv", str(path), "--label-column", "kind", "--epochs", "1")
    assert doc["dataset"]["features"] == ["weight", "height"]
    assert_one_error_line(
        *run("--headless", "--csv", str(path), "--label-column", "height"), "'[bold]cat' is not a number"
    )


# ---------------------------------------------------------------- weights


def test_weights_round_trip(tmp_path):
    path = tmp_path / "w.npz"
    first = run_json("--seed", "3", "--epochs", "40", "--hidden", "3", "--save-weights", str(path))
    assert first["weights_file"] == str(path)
    W, b = load_weights(path)
    np.testing.assert_array_equal(W[0], first["weights"]["W"][0])
    np.testing.assert_array_equal(b[1], first["weights"]["b"][1])
    # Another seed, the saved weights: it starts where the first run ended.
    second = run_json("--seed", "99", "--epochs", "1", "--weights", str(path))
    assert second["config"]["layers"] == [2, 3, 1]  # taken from the file
    assert second["history"]["loss"][0] == first["loss"]
    X = load("xor").X
    y = load("xor").labels.reshape(-1, 1)
    y_hat = sigmoid(sigmoid(X @ W[0] + b[0]) @ W[1] + b[1])
    assert second["history"]["loss"][0] == pytest.approx(
        -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)), rel=1e-12
    )
    # And the same epoch-0 loss through the text summary path.
    code, out, _ = run(
        "--headless", "--weights", str(path), "--epochs", "1", "--save-weights", str(tmp_path / "again.npz")
    )
    assert code == 0 and (tmp_path / "again.npz").exists()


def test_weights_that_do_not_fit_are_refused(tmp_path):
    path = tmp_path / "w.npz"
    rng = np.random.default_rng(0)
    save_weights(path, [rng.normal(size=(2, 3)), rng.normal(size=(3, 1))], [np.zeros(3), np.zeros(1)])
    assert_one_error_line(
        *run("--headless", "--weights", str(path), "--layers", "2,4,1"),
        "--weights: the file's network is 2-3-1; the configuration asks for 2-4-1",
    )
    save_weights(path, [rng.normal(size=(3, 3)), rng.normal(size=(3, 1))], [np.zeros(3), np.zeros(1)])
    assert_one_error_line(*run("--headless", "--weights", str(path)), "--weights: the input layer has 3 units")
    path.write_bytes(b"PK\x03\x04junk")
    assert_one_error_line(*run("--headless", "--weights", str(path)), "corrupt or truncated")


def test_save_weights_failure_is_reported_after_the_summary(tmp_path, monkeypatch):
    from model.errors import WeightsFileError

    def fail(*args, **kwargs):
        raise WeightsFileError("cannot write x.npz: No space left on device")

    monkeypatch.setattr(headless, "save_weights", fail)
    code, out, err = run("--headless", "--epochs", "2", "--save-weights", str(tmp_path / "x.npz"))
    assert code == 2 and "epoch 2" in out
    assert err.strip() == "backprop-tui: error: --save-weights: cannot write x.npz: No space left on device"


# ------------------------------------------------------------- the app path


def _fake_app_module(calls):
    class FakeApp:
        def __init__(self, config=None, params=None):
            calls.append((config, params))

        def run(self):
            calls.append("run")

    return types.SimpleNamespace(BackpropApp=FakeApp)


def test_without_headless_the_app_gets_the_config_and_weights(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "launch", _real_launch)
    calls: list = []
    monkeypatch.setitem(sys.modules, "tui.app", _fake_app_module(calls))
    path = tmp_path / "w.npz"
    W = [np.full((2, 5), 0.25), np.full((5, 1), -0.5)]
    b = [np.zeros(5), np.ones(1)]
    save_weights(path, W, b)
    code, out, err = run("--dataset", "moons", "--lr", "0.1", "--weights", str(path))
    assert (code, err) == (0, "")
    (config, params), ran = calls
    assert ran == "run"
    assert config.dataset == "moons" and config.lr == 0.1 and config.layers == (2, 5, 1)
    np.testing.assert_array_equal(params, np.concatenate([W[0].ravel(), W[1].ravel(), b[0], b[1]]))


def test_ui_unavailable_is_one_line_and_status_1(monkeypatch):
    monkeypatch.setattr(cli, "launch", _real_launch)
    monkeypatch.setitem(sys.modules, "tui.app", None)  # import fails
    code, out, err = run("--dataset", "xor")
    assert code == 1 and out == ""
    assert err.startswith("backprop-tui: the UI is not available: ") and err.count("\n") == 1


# ------------------------------------------------------------ bad options

BAD = [
    (["--lr", "abc"], "--lr: 'abc' is not a number"),
    (["--lr", "-1"], "--lr: -1 is out of range"),
    (["--lr", "nan"], "--lr: 'nan' is not a finite number"),
    (["--momentum", "1"], "--momentum: 1 is out of range"),
    (["--epochs", "0"], "--epochs: 0 is out of range"),
    (["--epochs", "2.5"], "--epochs: '2.5' is not a whole number"),
    (["--seed", "-3"], "--seed: -3 is out of range"),
    (["--samples", "3"], "--samples: 3 is out of range"),
    (["--noise", "x"], "--noise: 'x' is not a number"),
    (["--classes", "11"], "--classes: 11 is out of range"),
    (["--test-fraction", "0.95"], "--test-fraction: 0.95 is out of range"),
    (["--dataset", "spirl"], "--dataset: unknown value 'spirl'; did you mean 'spiral'?"),
    (["--dataset", "csv"], "--dataset: for csv, give the file with --csv FILE"),
    (["--activation", "softmax"], "--activation: unknown value 'softmax'"),
    (["--output-activation", "tanh", "--loss", "bce"], "--loss: bce needs outputs in (0, 1)"),
    (["--loss", "hinge"], "--loss: unknown value 'hinge'"),
    (["--optimizer", "adamw"], "--optimizer: unknown value 'adamw'; did you mean 'adam'?"),
    (["--init", "glorot"], "--init: unknown value 'glorot'"),
    (["--dtype", "float16"], "--dtype: unknown value 'float16'"),
    (["--layers", "2,a,1"], "--layers: 'a' is not a whole number"),
    (["--layers", "2"], "--layers: need between 2 and 12 sizes"),
    (["--layers", "3,4,1"], "--layers: the input layer has 3 units but the data has 2 features"),
    (["--layers", "2,4,3"], "--layers: the output layer has 3 units but the data has 2 classes"),
    (["--hidden", "8,a"], "--hidden: 'a' is not a whole number"),
    (["--hidden", "5000"], "--hidden: every size must be between 1 and 4096"),
    (["--hidden", ","], "--hidden: give the hidden sizes"),
    (["--hidden", "4", "--layers", "2,4,1"], "--hidden: give either --layers or --hidden, not both"),
    (["--batch-size", "abc"], "--batch-size: 'abc' is not a whole number, 'full' or 'sgd'"),
    (["--batch-size", "0"], "--batch-size: 0 is out of range"),
    (["--csv", "/no/such/file.csv"], "--csv: no CSV file at /no/such/file.csv"),
    (["--csv", "x.csv", "--dataset", "moons"], "--csv: cannot train on a CSV file and on --dataset moons"),
    (["--label-column", "y"], "--label-column: only applies to a CSV file"),
    (["--weights", "/no/such/w.npz"], "--weights: no weights file at /no/such/w.npz"),
    (["--save-weights", "/no/such/dir/w.npz"], "--save-weights: cannot write '/no/such/dir/w.npz': no such directory"),
    (["--target-loss", "-1"], "--target-loss: -1 is out of range"),
    (["--lr"], "argument --lr: expected one argument"),
    (["--nope"], "unrecognized arguments: --nope"),
    (["stray"], "no session file at stray"),
    (["--lr", "a\nb"], "--lr: 'a\\nb' is not a number"),
]


@pytest.mark.parametrize(("argv", "fragment"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_options_exit_2_with_one_line(argv, fragment):
    assert_one_error_line(*run("--headless", *argv), fragment)


def test_save_weights_needs_headless(tmp_path):
    assert_one_error_line(*run("--save-weights", str(tmp_path / "w.npz")), "--save-weights: only with --headless")


def test_version_and_help():
    code, out, err = run("--version")
    assert code == 0 and out.startswith("backprop-tui ") and err == ""
    code, out, err = run("--help")
    assert code == 0 and "--headless" in out and "--batch-size" in out


# ------------------------------------------------------------ fuzzing

TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "0",
            "1",
            "-1",
            "2",
            "1e9",
            "1e-9",
            "nan",
            "inf",
            "",
            " ",
            "full",
            "sgd",
            "2,4,1",
            "2-8-1",
            "xor",
            "csv",
            "softmax",
            "ce",
            "adam",
            "float32",
            "4097",
            "1_0",
            "0x10",
            "3.0",
            "none",
        ]
    ),
    st.from_regex(r"-?[0-9]{1,3}(\.[0-9]{0,2})?(e-?[0-9])?", fullmatch=True),
)

# Options and the base arguments that keep one run short whatever the value.
FUZZED = {
    "lr": ("--epochs", "1"),
    "layers": ("--epochs", "1"),
    "hidden": ("--epochs", "1"),
    "dataset": ("--epochs", "1"),
    "batch-size": ("--epochs", "1", "--dataset", "moons", "--samples", "40"),
    "seed": ("--epochs", "1"),
    "epochs": ("--target-loss", "1e6"),
    "target-loss": ("--epochs", "1"),
    "activation": ("--epochs", "1"),
    "output-activation": ("--epochs", "1"),
    "loss": ("--epochs", "1"),
    "optimizer": ("--epochs", "1"),
    "momentum": ("--epochs", "1", "--optimizer", "momentum"),
    "init": ("--epochs", "1"),
    "dtype": ("--epochs", "1"),
    "samples": ("--epochs", "1", "--dataset", "blobs", "--hidden", "2"),
    "noise": ("--epochs", "1", "--dataset", "moons", "--samples", "40"),
    "classes": ("--epochs", "1", "--dataset", "spiral", "--samples", "40"),
    "test-fraction": ("--epochs", "1", "--dataset", "moons", "--samples", "40"),
    "csv": ("--epochs", "1"),
    "label-column": ("--epochs", "1", "--csv", "data.csv"),
    "weights": ("--epochs", "1"),
    "save-weights": ("--epochs", "1"),
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    (d / "data.csv").write_text("a,b,label\n0,0,x\n0,1,y\n1,0,y\n1,1,x\n")
    return d


@pytest.mark.parametrize("option", sorted(FUZZED))
@settings(max_examples=30, deadline=None)
@given(text=TEXT, joined=st.booleans(), json_out=st.booleans())
def test_any_text_gives_status_0_or_2_and_never_a_traceback(option, text, joined, json_out, workdir):
    old = Path.cwd()
    import os

    os.chdir(workdir)
    try:
        value = [f"--{option}={text}"] if joined else [f"--{option}", text]
        mode = "--json" if json_out else "--headless"
        code, out, err = run(mode, *FUZZED[option], *value)
    finally:
        os.chdir(old)
    assert code in (0, 2), (code, err)
    if code == 2:
        assert_one_error_line(code, out, err)
    else:
        assert err == ""
        if json_out:
            json.loads(out)


# --------------------------------------------------------------- subprocess


def _python_m_tui(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui", *argv], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_python_m_tui_headless_json():
    proc = _python_m_tui("--headless", "--json", "--epochs", "3000")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # not a terminal: no progress bar
    doc = json.loads(proc.stdout)
    assert doc["epoch"] == 3000 and doc["accuracy"] == 1.0


def test_python_m_tui_bad_option_and_divergence_statuses():
    proc = _python_m_tui("--headless", "--lr", "abc")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "backprop-tui: error: --lr: 'abc' is not a number\n"
    proc = _python_m_tui(
        "--headless",
        "--activation",
        "linear",
        "--output-activation",
        "linear",
        "--loss",
        "mse",
        "--lr",
        "1e8",
        "--epochs",
        "500",
    )
    assert proc.returncode == 3 and proc.stderr.startswith("backprop-tui: diverged at epoch")
    assert proc.stderr.count("\n") == 1  # no RuntimeWarning lines either
