"""The command line with session files and --serve (tui/cli.py, tui/headless.py, tui/serve.py).

`backprop-tui FILE` carries on with a session, in the app or headless;
--epochs then means that many MORE epochs. A resumed run must be the same,
bit for bit, as one that never stopped. --serve is checked with a stand-in
textual-serve (the real one is driven from a browser in
tests/test_serve_browser.py).
"""

from __future__ import annotations

import json
import shlex
import socket
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
from cli_run import run  # noqa: E402

import tui.cli as cli
from model import Config, Trainer
from model.session import load_session, save_session
from model.weights_file import save_weights
from tui.serve import app_arguments, app_command

ROOT = Path(__file__).resolve().parents[1]
_real_launch = cli.launch


def assert_one_error_line(result: tuple[int, str, str], fragment: str) -> None:
    code, out, err = result
    assert code == 2 and out == "", (code, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("backprop-tui: error: "), err
    assert "Traceback" not in err
    assert fragment in lines[0], lines[0]


def flat_weights(doc: dict) -> np.ndarray:
    W, b = doc["weights"]["W"], doc["weights"]["b"]
    return np.concatenate([np.ravel(w) for w in W] + [np.ravel(x) for x in b])


MOONS = ("--dataset", "moons", "--samples", "40", "--batch-size", "8", "--seed", "5")


# ----------------------------------------------------------------- headless


def test_save_then_resume_headless_equals_one_uninterrupted_run(tmp_path):
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    code, out, err = run("--json", *MOONS, "--epochs", "30", "--save-session", str(first))
    assert (code, err) == (0, "")
    assert json.loads(out)["session_file"] == str(first)
    assert load_session(first).epoch == 30

    # --epochs with a session: that many more (30 + 20), minibatches and all.
    code, out, err = run(str(first), "--json", "--epochs", "20", "--save-session", str(second))
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["epoch"] == 50 and doc["stop_reason"] == "reached the epoch limit (50)"
    assert len(doc["history"]["loss"]) == 51

    reference = Trainer.from_config(
        Config(
            dataset="moons",
            samples=40,
            mode="minibatch",
            batch_size=8,
            seed=5,
            layers=(2, 8, 8, 1),
            activation="tanh",
            output_activation="sigmoid",
            loss="bce",
        )
    )
    reference.run(50)
    np.testing.assert_array_equal(flat_weights(doc), reference.params)
    assert doc["loss"] == reference.record.loss
    np.testing.assert_array_equal(doc["history"]["loss"], reference.history.series("loss"))

    resumed = load_session(second)
    assert resumed.epoch == 50
    np.testing.assert_array_equal(resumed.params, reference.params)
    # The first file is untouched.
    assert load_session(first).epoch == 30


def test_without_epochs_a_session_keeps_its_own_limit(tmp_path):
    path = tmp_path / "s.npz"
    t = Trainer.from_config(Config(max_epochs=12))
    t.run(12)
    save_session(t, path)
    code, out, err = run(str(path), "--json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["epoch"] == 12 and doc["stop_reason"] == "reached the epoch limit (12)"
    np.testing.assert_array_equal(flat_weights(doc), t.params)
    # New stop conditions apply from where the session stands.
    code, out, err = run(str(path), "--json", "--epochs", "1000", "--target-loss", "0.69")
    doc = json.loads(out)
    assert code == 0 and 12 < doc["epoch"] < 1012 and doc["loss"] <= 0.69
    assert doc["stop_reason"].startswith("loss ")


def test_a_diverged_run_saves_its_last_good_state(tmp_path):
    path = tmp_path / "d.npz"
    code, out, err = run(
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
        "--save-session",
        str(path),
    )
    assert code == 3 and "diverged at epoch" in err
    t = load_session(path)
    assert t.divergence is not None and t.epoch == t.divergence.epoch - 1
    assert np.isfinite(t.params).all()


def test_the_text_summary_also_resumes(tmp_path):
    path = tmp_path / "s.npz"
    run("--headless", "--epochs", "5", "--save-session", str(path))
    code, out, err = run(str(path), "--headless", "--epochs", "3")
    assert (code, err) == (0, "")
    assert "epoch 8  loss" in out


# ----------------------------------------------------------------- refusals


def bad_sessions(tmp_path: Path) -> list[tuple[str, str]]:
    good = tmp_path / "good.npz"
    save_session(Trainer.from_config(Config()), good)
    data = good.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[: len(data) // 2])
    weights = tmp_path / "w.npz"
    save_weights(weights, [np.ones((2, 1))], [np.zeros(1)])
    text = tmp_path / "t.txt"
    text.write_text("hello")
    return [
        (str(cut), "cut short"),
        (str(weights), "is a weights file, not a session; open it with --weights"),
        (str(text), "is not a session file"),
        (str(tmp_path / "nothing.npz"), f"no session file at {tmp_path / 'nothing.npz'}"),
        (str(tmp_path), "is a folder, not a session file"),
    ]


def test_bad_session_files_exit_2_with_the_reason(tmp_path):
    for path, reason in bad_sessions(tmp_path):
        assert_one_error_line(run(path, "--headless"), reason)
        assert_one_error_line(run(path), reason)  # the app is never started


def test_options_that_do_not_go_with_a_session(tmp_path):
    path = tmp_path / "s.npz"
    save_session(Trainer.from_config(Config()), path)
    for option in (
        ["--lr", "0.1"],
        ["--dataset", "moons"],
        ["--hidden", "3"],
        ["--csv", "x.csv"],
        ["--weights", "w.npz"],
        ["--batch-size", "4"],
        ["--seed", "2"],
    ):
        assert_one_error_line(run(str(path), "--headless", *option), f"{option[0]}: not with a session file")
    assert_one_error_line(run(str(path), "--headless", "--epochs", "0"), "--epochs: 0 is out of range")
    assert_one_error_line(run(str(path), "--headless", "--epochs", "x"), "--epochs: 'x' is not a whole number")


def test_save_session_is_checked_before_training(tmp_path):
    assert_one_error_line(run("--save-session", str(tmp_path / "s.npz")), "--save-session: only with --headless")
    assert_one_error_line(
        run("--headless", "--save-session", str(tmp_path / "no" / "s.npz")),
        "--save-session: cannot write",
    )
    assert_one_error_line(run("--headless", "--save-session", str(tmp_path)), "it is a directory")


def test_save_session_failure_after_training_is_reported(tmp_path, monkeypatch):
    import tui.headless as headless
    from model.session import SessionError

    def refuse(trainer, path):
        raise SessionError(f"cannot save the session to {path}: disk full")

    monkeypatch.setattr(headless, "save_session", refuse)
    code, out, err = run("--json", "--epochs", "3", "--save-session", str(tmp_path / "s.npz"))
    assert code == 2
    assert json.loads(out)["session_file"] is None  # the summary still comes, without the file
    assert err == f"backprop-tui: error: --save-session: cannot save the session to {tmp_path / 's.npz'}: disk full\n"


# ----------------------------------------------------------------- the app


def test_a_session_opens_in_the_app_where_it_was_left(tmp_path, monkeypatch):
    path = tmp_path / "s.npz"
    t = Trainer.from_config(Config(dataset="circles", samples=40))
    t.run(9)
    t.rewind(4)
    save_session(t, path)
    started: list = []

    class FakeApp:
        def __init__(self, config=None, params=None, trainer=None):
            started.append(trainer)

        def remember_session(self, path):
            started.append(path)

        def run(self):
            started.append("run")

    monkeypatch.setattr(cli, "launch", _real_launch)
    monkeypatch.setitem(sys.modules, "tui.app", types.SimpleNamespace(BackpropApp=FakeApp))
    code, out, err = run(str(path))
    assert (code, out, err) == (0, "", "")
    trainer, remembered, ran = started
    assert ran == "run" and remembered == str(path)  # what ctrl+s offers
    assert (trainer.epoch, trainer.last_epoch) == (4, 9) and trainer.config == t.config
    np.testing.assert_array_equal(trainer.params, t.params)


# -------------------------------------------------------------------- serve


def fake_textual_serve(monkeypatch) -> list:
    """A stand-in textual_serve.server that records what it was asked to serve."""
    calls: list = []

    class Server:
        def __init__(self, command, host="localhost", port=8000, title=None, **kwargs):
            calls.append(("init", command, host, port))

        def serve(self, debug=False):
            calls.append(("serve",))

    module = types.ModuleType("textual_serve.server")
    module.Server = Server
    monkeypatch.setitem(sys.modules, "textual_serve.server", module)
    return calls


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_the_app_command_with_the_same_presets(monkeypatch):
    calls = fake_textual_serve(monkeypatch)
    port = free_port()
    code, out, err = run("--dataset", "moons", "--serve", "--lr", "0.25", f"--port={port}", "--hidden", "3 3")
    assert (code, err) == (0, "")
    (_, command, host, served_port), serving = calls
    assert serving == ("serve",)
    assert (host, served_port) == ("127.0.0.1", port)  # this machine only, by default
    # The app runs isolated from the current folder (-I), from this copy of the code.
    assert shlex.split(command)[:3] == [sys.executable, "-I", "-c"]
    assert shlex.split(command)[4:] == [str(ROOT), "--dataset", "moons", "--lr", "0.25", "--hidden", "3 3"]


def test_serve_checks_everything_before_serving(monkeypatch, tmp_path):
    calls = fake_textual_serve(monkeypatch)
    assert_one_error_line(run("--serve", "--lr", "abc"), "--lr: 'abc' is not a number")
    assert_one_error_line(run("--serve", "--port", "70000"), "--port: '70000' is not a port number")
    assert_one_error_line(run("--serve", "--port", "http"), "--port: 'http' is not a port number")
    assert_one_error_line(run("--serve", "--host", " "), "--host: ' ' is not a host name")
    assert_one_error_line(run("--serve", "--headless"), "--serve: not with --headless")
    assert_one_error_line(run("--serve", "--json"), "--serve: not with --json")
    assert_one_error_line(run("--port", "8000"), "--port: only with --serve")
    assert_one_error_line(run("--host", "0.0.0.0"), "--host: only with --serve")
    assert_one_error_line(run("--serve", str(tmp_path / "none.npz")), "no session file at")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert_one_error_line(run("--serve", "--port", str(port)), f"--port: cannot listen on 127.0.0.1:{port}")
    assert calls == []  # nothing was served


def test_serve_without_textual_serve_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)  # import fails
    assert_one_error_line(run("--serve"), "install backprop-tui[serve]")


def test_serve_passes_a_session_on(monkeypatch, tmp_path):
    calls = fake_textual_serve(monkeypatch)
    path = tmp_path / "my run.npz"
    save_session(Trainer.from_config(Config()), path)
    code, _, err = run(str(path), "--serve", "--host", "localhost", "--port", str(free_port()), "--epochs", "5")
    assert (code, err) == (0, "")
    command = calls[0][1]
    assert shlex.split(command)[5:] == [str(path), "--epochs", "5"]


def test_app_arguments_drop_only_the_servers_options():
    argv = ["--serve", "--port", "9000", "--host=0.0.0.0", "--lr", "0.1", "run.npz", "--port=1", "--host", "h"]
    assert app_arguments(argv) == ["--lr", "0.1", "run.npz"]
    assert app_arguments(["--lr", "0.1", "--", "--serve"]) == ["--lr", "0.1", "--", "--serve"]
    assert shlex.split(app_command(["--csv", "a b;rm -rf x.csv"]))[-1] == "a b;rm -rf x.csv"  # quoted for the shell


# --------------------------------------------------------------- subprocess


def test_python_m_tui_resumes_a_session(tmp_path):
    path = tmp_path / "s.npz"
    save_session(Trainer.from_config(Config()), path)
    proc = subprocess.run(
        [sys.executable, "-m", "tui", str(path), "--json", "--epochs", "7"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["epoch"] == 7
    proc = subprocess.run(
        [sys.executable, "-m", "tui", str(tmp_path / "gone.npz")], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"backprop-tui: error: no session file at {tmp_path / 'gone.npz'}\n"
