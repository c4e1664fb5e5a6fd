"""Run mode trains in a second interpreter, so that drawing never slows it.

One interpreter cannot train and draw at the same time: its threads share
one lock, and every frame the UI thread builds is time the training thread
waits (run mode measured 57-69 % of a bare loop that way). So a run sends a
pickled copy of the trainer to a child interpreter, which trains on the
other core, sends the figures of its newest epoch about ten times a second,
and, when it stops or is told to, sends the whole trainer back; the app goes
on with that copy. It is the same code on the same arrays, so the result is
bit for bit what `Trainer.step()` gives in this process (tested).

Each array crosses the pipe once (tui/array_exchange.py): a transfer names
the arrays the other side kept from the last one, so pausing and resuming
move what changed, not the whole trainer. The child imports NumPy and
model/ only. Its standard streams are
/dev/null and it has a session of its own, so it can neither write on the
terminal nor be stopped by the terminal's keys. It starts on the first run
(about 0.2 s) and ends when the app closes it or its end of the pipes does.
Where no child can be started (a system without fork and exec, or with no
way to hand it the pipes), the same loop trains a copy in the worker
thread: slower, because it shares the lock with drawing, but the same.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import NamedTuple

import numpy as np

from model import DivergenceError, RecordFigures, Trainer
from tui.array_exchange import SHARE, TRANSFER, ArrayExchange

# How often the child looks for a stop request between epochs, and how long
# the parent's worker thread waits for a message before checking its own.
POLL_EVERY = 0.002
WAIT = 0.005

# What the child runs: `python -c CHILD ROOT READ_FD WRITE_FD`. ROOT is the
# folder that holds model/ and tui/, put first so the child finds this code
# whether it is installed or run from a checkout.
CHILD = "import sys; sys.path.insert(0, sys.argv[1]); from tui.training_process import serve; serve()"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Progress(NamedTuple):
    """What the child sends while it trains: the newest epoch, and the
    history rows of the epochs since the last progress (`start` first)."""

    figures: RecordFigures
    start: int
    rows: np.ndarray
    rate: float  # epochs per second since the last progress


class Outcome(NamedTuple):
    """How a run ended: `kind` is "stopped" (asked to), "reached" (the target
    epoch), "done" (a stop condition), "diverged" or "error". `trainer` is the
    child's trainer at the end, or None when it was lost (the run is too)."""

    kind: str
    reason: str
    trainer: Trainer | None


class TrainingProcess:
    """The parent's end: starts the child on demand and runs the trainer there.

    `run` blocks until the run ends, so call it from a thread worker; `close`
    may be called from any thread.
    """

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._send: Connection | None = None
        self._recv: Connection | None = None
        self._runs = 0
        self._exchange = ArrayExchange(0)
        self._lock = threading.Lock()  # one run at a time

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def _ensure_child(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        self._discard()
        from_parent, to_child = os.pipe()
        from_child, to_parent = os.pipe()
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", CHILD, ROOT, str(from_parent), str(to_parent)],
                pass_fds=(from_parent, to_parent),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except BaseException:
            os.close(to_child)
            os.close(from_child)
            raise
        finally:
            os.close(from_parent)
            os.close(to_parent)
        self._send = Connection(to_child, readable=False)
        self._recv = Connection(from_child, writable=False)
        self._exchange = ArrayExchange(0)  # a new child holds no arrays yet

    def run(
        self,
        trainer: Trainer,
        target: int | None,
        period: float,
        on_progress: Callable[[Progress], object],
        asked_to_stop: Callable[[], bool],
    ) -> Outcome:
        """Train a copy of `trainer` in the child until `target` (None: no
        target), a stop condition, a divergence, or `asked_to_stop()`; call
        `on_progress` about every `period` seconds. `trainer` is not changed."""
        with self._lock:
            start = trainer.epoch
            try:
                self._ensure_child()
            except Exception:  # no child here (no fork and exec, no pass_fds): train a copy in this thread
                self._discard()
                copy = pickle.loads(pickle.dumps(trainer, protocol=pickle.HIGHEST_PROTOCOL))
                return train(copy, target, period, on_progress, asked_to_stop)
            self._runs += 1
            run = self._runs
            try:
                exchange = self._exchange
                self._send.send_bytes(exchange.pack(("run", run, trainer, target, period), TRANSFER))
                asked = False
                while True:
                    if not asked and asked_to_stop():
                        self._send.send_bytes(exchange.pack(("stop", run)))
                        asked = True
                    if not self._recv.poll(WAIT):
                        continue
                    message = exchange.unpack(self._recv.recv_bytes())
                    if message[0] == "progress":
                        on_progress(message[1])
                    elif message[0] == "stopped":
                        return Outcome(*message[1:])
                    # "share": states the exchange now holds, nothing to do
            except (EOFError, OSError, pickle.UnpicklingError) as exc:
                code = self._exit_status()
                self._discard()
                if code is None:
                    why = type(exc).__name__
                elif code < 0:
                    why = f"killed by signal {-code}"
                else:
                    why = f"exit status {code}"
                return Outcome(
                    "error",
                    f"the training process ended unexpectedly ({why}); kept epoch {start}, where the run began",
                    None,
                )
            except BaseException:
                self._discard()  # the child may be mid-run: never reuse it
                raise

    def _exit_status(self) -> int | None:
        """The lost child's exit status (a pipe can close just before it ends)."""
        try:
            return self._proc.wait(timeout=1.0) if self._proc is not None else None
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        """End the child now (a run in progress ends with an "error" outcome)."""
        if self._lock.acquire(blocking=False):  # no run holds the pipes
            try:
                self._discard()
            finally:
                self._lock.release()
        elif (proc := self._proc) is not None and proc.poll() is None:
            proc.kill()  # the run sees its pipe end, and discards the rest
            proc.wait()

    def _discard(self) -> None:
        for conn in (self._send, self._recv):
            if conn is not None:
                conn.close()
        self._send = self._recv = None
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._proc = None


# ------------------------------------------------------------------ the child


class _Quit(Exception):
    """The parent said quit, or its end of the pipe closed."""


def serve() -> None:
    """The child's main loop: one run at a time, until the parent goes."""
    inbox = Connection(int(sys.argv[2]), writable=False)
    outbox = Connection(int(sys.argv[3]), readable=False)
    exchange = ArrayExchange(1)
    while True:
        try:
            message = exchange.unpack(inbox.recv_bytes())
        except (EOFError, OSError):
            return
        if message[0] == "run":  # a "stop" here crossed the end of its run
            _, run, trainer, target, period = message
            shared = {state.epoch: state for state in trainer.snapshots_after(-1)}

            def report(progress: Progress) -> None:
                # With the states kept since the last report (shared now, named
                # when the trainer goes back), and those thinned out since.
                nonlocal shared
                kept = {state.epoch: state for state in trainer.snapshots_after(-1)}
                new = [state for epoch, state in kept.items() if epoch not in shared]
                gone = [state for epoch, state in shared.items() if epoch not in kept]
                shared = kept
                try:
                    # Apart from the progress: only the states' arrays are to be held.
                    outbox.send_bytes(exchange.pack(("share", new), SHARE, gone))
                    outbox.send_bytes(exchange.pack(("progress", progress)))
                except OSError:
                    raise _Quit from None

            try:
                outcome = train(trainer, target, period, report, lambda: _asked_to_stop(inbox, run, exchange))
            except _Quit:
                return
            try:
                data = exchange.pack(("stopped", *outcome), TRANSFER)
            except Exception as exc:  # the trainer would not pickle: say so, keep the parent's
                reason = f"training stopped: could not send the trainer back ({exc})"
                data = exchange.pack(("stopped", "error", reason, None))
            try:
                outbox.send_bytes(data)
            except OSError:
                return
        elif message[0] == "quit":
            return


def _asked_to_stop(inbox: Connection, run: int, exchange: ArrayExchange) -> bool:
    while inbox.poll():
        try:
            message = exchange.unpack(inbox.recv_bytes())
        except (EOFError, OSError):
            raise _Quit from None
        if message[0] == "quit":
            raise _Quit
        if message[0] == "stop" and message[1] == run:
            return True
    return False


def train(
    trainer: Trainer,
    target: int | None,
    period: float,
    report: Callable[[Progress], object],
    asked_to_stop: Callable[[], bool],
) -> Outcome:
    """Step `trainer` as run mode does, reporting about every `period` s and
    asking whether to stop about every POLL_EVERY s."""
    sent = trainer.epoch  # the app has the history rows up to here
    last_post = last_poll = time.monotonic()
    try:
        while True:
            reason = trainer.stop_reason()
            if reason:
                return Outcome("done", reason, trainer)
            if target is not None and trainer.epoch >= target:
                return Outcome("reached", "", trainer)
            record = trainer.step()
            now = time.monotonic()
            if now - last_poll >= POLL_EVERY:
                last_poll = now
                if asked_to_stop():
                    return Outcome("stopped", "", trainer)
            if now - last_post >= period:
                epoch = record.epoch
                rows = trainer.history.rows(sent + 1, epoch + 1)
                report(Progress(record.figures(), sent + 1, rows, (epoch - sent) / (now - last_post)))
                sent, last_post = epoch, now
    except DivergenceError as exc:
        return Outcome("diverged", str(exc), trainer)
    except _Quit:
        raise
    except Exception as exc:  # reported to the app, which keeps the trainer
        return Outcome("error", f"training stopped: {type(exc).__name__}: {exc}", trainer)
