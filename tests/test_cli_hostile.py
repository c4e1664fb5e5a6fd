"""Hostile input on the command line: one line `backprop-tui: error: ...` and exit 2
before any training, or exit 1 with one line for a failure during a run."""

from __future__ import annotations

import os

import pytest
from cli_run import run
from test_cli import assert_one_error_line

from tui import cli as tui_cli


def table(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    long_name = str(tmp_path / ("x" * 300 + ".npz"))
    return [
        (["--csv", "/dev/zero"], "--csv: /dev/zero is a device, not a regular file"),
        (["--csv", str(fifo)], "is a pipe (FIFO), not a regular file"),
        (["--weights", str(fifo)], "is a pipe (FIFO)"),
        ([str(fifo)], "is a pipe (FIFO)"),
        ([long_name], "the file name is too long"),
        (["--headless", "--epochs", "1", "--save-weights", long_name], "--save-weights: cannot write"),
        (["--headless", "--epochs", "1", "--save-weights", "/dev/null"], "only a regular file is replaced"),
        (["--headless", "--epochs", "1", "--save-session", str(fifo)], "only a regular file is replaced"),
        (["--no-token"], "--no-token: only with --serve"),
        (["--max-apps", "3"], "--max-apps: only with --serve"),
        (["--serve", "--max-apps", "0"], "--max-apps: '0' is not a number of apps"),
    ]


def test_hostile_arguments_give_one_line_and_exit_2(tmp_path):
    for argv, fragment in table(tmp_path):
        assert_one_error_line(*run(*argv), fragment)


def test_a_crash_during_a_run_is_one_line_and_exit_1(monkeypatch):
    def broken(plan):
        raise RuntimeError("a bug")

    import tui.headless

    monkeypatch.setattr(tui.headless, "run_headless", broken)
    code, out, err = run("--headless", "--epochs", "1")
    assert code == 1 and err.strip() == "backprop-tui: error: failed: RuntimeError: a bug"


def test_memory_running_out_during_a_run_is_one_line_and_exit_1(monkeypatch):
    def short_of_memory(plan):
        raise MemoryError

    import tui.headless

    monkeypatch.setattr(tui.headless, "run_headless", short_of_memory)
    code, _, err = run("--headless", "--epochs", "1")
    assert code == 1 and len(err.splitlines()) == 1 and "not enough memory" in err
    assert tui_cli.EXIT_NO_UI == 1


@pytest.mark.parametrize("status", [0, 1])
def test_the_app_exit_status_follows_a_crash(monkeypatch, status):
    class FakeApp:
        def __init__(self, **kwargs):
            self.return_code = status

        def run(self):
            pass

    import tui.app

    monkeypatch.setattr(tui.app, "BackpropApp", FakeApp)
    assert tui_cli.main([]) == status
