"""The real console script in a real pseudo-terminal, as a person runs it:
keys that arrive together in one write (a fast typist, a held key, tmux
send-keys) never freeze it, and q still quits. Also: started from a folder
of the user's own that holds a model.py and a tui.py, every launch path uses
the installed engine, never those files."""

from __future__ import annotations

import fcntl
import os
import shutil
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from model.training_loop import Ending

# The console script in a pseudo-terminal: whole processes, real time.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def console_script() -> list[str]:
    found = shutil.which("backprop-tui", path=os.path.dirname(sys.executable)) or shutil.which("backprop-tui")
    assert found, "backprop-tui is not installed (pip install -e .)"
    return [found]


class Terminal:
    """A process on the slave side of a pty; what it draws is read into `screen`."""

    def __init__(self, argv: list[str], cwd: Path, size: tuple[int, int] = (80, 24)) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(size[0]), LINES=str(size[1]))
        self.proc = subprocess.Popen(
            argv, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True
        )
        os.close(slave)
        self.master = master
        self.output = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def wait_for_output(self, text: bytes, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert self.proc.poll() is None, f"exited ({self.proc.returncode}): {bytes(self.output[-2000:])!r}"
            assert time.monotonic() < deadline, f"no {text!r} on screen: {bytes(self.output[-2000:])!r}"
            time.sleep(0.05)

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()
        os.close(self.master)


@pytest.fixture
def terminal(tmp_path):
    made: list[Terminal] = []

    def start(argv: list[str], cwd: Path = tmp_path) -> Terminal:
        made.append(Terminal(argv, cwd))
        return made[-1]

    yield start
    for t in made:
        t.close()


def test_keys_that_arrive_together_never_freeze_the_app_and_q_quits(terminal):
    app = terminal(console_script())
    app.wait_for_output(b"epoch")
    for burst in (b"rr", b"nn", b"rp", b"n ", b"rrr", b"p"):
        app.write(burst)  # one write: the keys reach the app together
        time.sleep(0.4)
    app.write(b" ")  # a step still works ...
    time.sleep(0.5)
    app.write(b"q")  # ... and q quits (a second q answers "save first?" if it is asked)
    time.sleep(0.5)
    if app.proc.poll() is None:
        app.write(b"q")
    assert app.proc.wait(timeout=20) == 0


@pytest.fixture
def users_folder(tmp_path: Path) -> Path:
    """A folder of ML work with its own model.py and tui.py (neither is ours)."""
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "model.py").write_text('raise ImportError("this is the user\'s own model.py")\n')
    (folder / "tui.py").write_text('raise ImportError("this is the user\'s own tui.py")\n')
    return folder


def test_the_console_script_and_python_m_tui_use_the_installed_engine(users_folder):
    for argv in (console_script(), [sys.executable, "-m", "tui"]):
        if argv[-1] == "tui":
            (users_folder / "tui.py").unlink(missing_ok=True)  # `python -m tui` would run a tui.py: see README
        done = subprocess.run(
            [*argv, "--headless", "--epochs", "3"], cwd=users_folder, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert "epoch 3" in done.stdout


def test_run_modes_child_and_the_served_apps_command_ignore_the_users_folder(users_folder, monkeypatch):
    from model import Config, Trainer
    from tui.serve import app_command
    from tui.training_process import TrainingProcess

    monkeypatch.chdir(users_folder)
    process = TrainingProcess()
    try:
        result = process.run(Trainer.from_config(Config()), 20, 0.1, lambda _: None, lambda: False)
        assert result.outcome.ending is Ending.REACHED and result.trainer.epoch == 20
    finally:
        process.close()
    # The command textual-serve runs for each browser tab, run as it would be (from this folder).
    command = app_command(["--headless", "--epochs", "2"])
    done = subprocess.run(command, shell=True, cwd=users_folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "epoch 2" in done.stdout
