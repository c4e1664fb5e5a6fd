"""Run mode trains in a second interpreter, so that drawing never slows it.

A run sends a copy of the trainer to a child interpreter, which trains it on
the other core with the engine's own loop (model/training_loop.py), sends
the figures and the exact state of its newest epoch about ten times a
second, and, when it stops or is told to, sends the whole trainer back; the
app goes on with that copy. It is the same code on the same arrays, so the
result is bit for bit what `Trainer.step()` gives in this process (tested).
Why a process and not a thread: docs/decisions.md.

A pause never waits long for the epoch in flight: if the trainer is not back
within STOP_GRACE seconds of the request, the child is killed and the app
goes on from the newest epoch the child reported, whose exact state came
with that report; the abandoned epoch is trained again by the next run.

Each array crosses the pipe once (tui/array_exchange.py), and the history
rows the app already has are never sent back: the child forgets them as it
reports them, so a long run holds its scalar history once, in the app.
The app reads the child's messages a piece at a time (tui/message_reader.py):
a very large network's report takes a while to arrive, and a pause asked
for meanwhile gives it up after the same grace.
The child imports NumPy and model/ only; its standard streams are /dev/null
and it has a session of its own, so it can neither write on the terminal
nor be stopped by the terminal's keys. Where no child can be started, the
same loop trains a copy in the calling thread: slower, but the same.
"""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from model import RecordFigures, Trainer
from model.history import TrainerState
from model.training_loop import Ending, RunOutcome, train_until
from tui.array_exchange import SHARE, TRANSFER, ArrayExchange
from tui.message_reader import MessageReader

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

# multiprocessing (its Connection, with pickle, hmac and more) is imported when
# the child is started, after the app's first frame (issue 15).

# How often the child looks for a stop request between epochs, how long
# the parent's worker thread waits for a message before checking its own,
# and how long a pause waits for the trainer before abandoning the epoch in flight.
POLL_EVERY = 0.002
WAIT = 0.005
STOP_GRACE = 0.1
# ... or this, when the child's epochs are slow (under 20 a second): the
# trainer cannot be back before the epoch in flight ends.
SLOW_STOP_GRACE = 0.03

# What the child runs: `python -I -c CHILD ROOT READ_FD WRITE_FD`. -I keeps the
# current folder (and PYTHON* variables) off sys.path, so a user's own
# model.py cannot stand in for the engine; ROOT, the folder that holds this
# copy of model/ and tui/, is put first instead.
CHILD = "import sys; sys.path.insert(0, sys.argv[1]); from tui.training_process import serve; serve()"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Progress(NamedTuple):
    """What the child sends while it trains: the newest epoch's figures and
    exact state, and the history rows of the epochs since the last progress
    (`start` first)."""

    figures: RecordFigures
    state: TrainerState
    start: int
    rows: np.ndarray
    rate: float  # epochs per second since the last progress


class RunResult(NamedTuple):
    """How a run ended, and the trainer to go on with (None: keep the one the
    run began with; the run is lost)."""

    outcome: RunOutcome
    trainer: Trainer | None


class TrainingProcess:
    """The parent's end: starts the child on demand and runs the trainer there.

    `run` blocks until the run ends, so call it from a thread worker; `close`
    may be called from any thread and never waits for a run.
    """

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._send: Connection | None = None
        self._recv: Connection | None = None
        self._reader: MessageReader | None = None  # reads what self._recv receives
        self._runs = 0
        self._exchange = ArrayExchange(0)
        self._lock = threading.Lock()  # one run at a time
        self._closed = False
        self._dying: list[subprocess.Popen] = []  # killed, not yet reaped

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
                [sys.executable, "-I", "-c", CHILD, ROOT, str(from_parent), str(to_parent)],
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
        from multiprocessing.connection import Connection

        self._send = Connection(to_child, readable=False)
        self._recv = Connection(from_child, writable=False)
        self._reader = MessageReader(from_child)
        self._exchange = ArrayExchange(0)  # a new child holds no arrays yet

    def run(
        self,
        trainer: Trainer,
        target: int | None,
        period: float,
        on_progress: Callable[[Progress], object],
        asked_to_stop: Callable[[], bool],
        pace: Callable[[], float | None] | None = None,
        abandoned: Callable[[], bool] = lambda: False,
    ) -> RunResult:
        """Train a copy of `trainer` in the child until `target` (None: no
        target), a stop condition, a divergence, or `asked_to_stop()`; call
        `on_progress` about every `period` seconds (after writing its rows
        into `trainer.history`). `pace()`: epochs per second, read while the
        run goes on (None: as fast as it can). `trainer` itself is not moved.
        `abandoned()`: the app has given this run up (it was paused before it
        reported anything): from then on nothing is written to `trainer`."""
        with self._lock:
            start = trainer.epoch
            try:
                if self._closed:
                    raise OSError("closed")
                self._ensure_child()
            except Exception:  # no child here (no fork and exec, no pass_fds): train a copy in this thread
                self._discard()
                twin = pickle.loads(pickle.dumps(trainer, protocol=pickle.HIGHEST_PROTOCOL))
                outcome, _ = train(
                    twin, target, period, lambda p: _deliver(trainer, p, on_progress, abandoned), asked_to_stop, pace
                )
                return RunResult(outcome, twin)
            self._runs += 1
            run = self._runs
            latest: Progress | None = None
            send, reader = self._send, self._reader
            assert send is not None and reader is not None  # _ensure_child made them
            try:
                exchange = self._exchange
                current_pace = pace() if pace is not None else None
                send.send_bytes(
                    exchange.pack(("run", run, _for_the_child(trainer), target, period, current_pace), TRANSFER)
                )
                asked_at: float | None = None
                while True:
                    if asked_at is None and asked_to_stop():
                        send.send_bytes(exchange.pack(("stop", run)))
                        asked_at = time.monotonic()
                    elif asked_at is not None and time.monotonic() - asked_at > (
                        STOP_GRACE if latest is None or latest.rate >= 20 else SLOW_STOP_GRACE
                    ):
                        # The epoch in flight is slow: abandon it (and the child, reaped later).
                        self._discard(wait=False)
                        if abandoned():
                            return RunResult(RunOutcome(Ending.STOPPED), None)
                        return self._from_progress(trainer, latest)
                    elif pace is not None and (new_pace := pace()) != current_pace:
                        current_pace = new_pace
                        send.send_bytes(exchange.pack(("pace", run, new_pace)))
                    # A piece at a time: a large report takes a while to arrive,
                    # and a pause asked for meanwhile must not wait for all of it.
                    data = reader.read(WAIT)
                    if data is None:
                        continue
                    message = exchange.unpack(data)
                    if message[0] == "progress":
                        latest = message[1]
                        _deliver(trainer, latest, on_progress, abandoned)
                    elif message[0] == "stopped":
                        _, ending, reason, divergence, rows_start, rows, back = message
                        if abandoned():
                            return RunResult(RunOutcome(Ending.STOPPED), None)
                        went_on = None
                        if back is not None:  # the child's trainer, without the history rows sent before
                            trainer.history.write(rows_start, rows)
                            went_on = trainer.went_on(back.export_run(history=False))
                        return RunResult(RunOutcome(ending, reason, divergence), went_on)
                    # "share": states the exchange now holds, nothing to do
            except (EOFError, OSError, pickle.UnpicklingError) as exc:
                code = self._exit_status()
                self._discard()
                if abandoned():
                    return RunResult(RunOutcome(Ending.STOPPED), None)
                if asked_at is not None or self._closed:  # we killed it, or were told to stop: not a loss
                    return self._from_progress(trainer, latest)
                if code is None:
                    why = type(exc).__name__
                elif code < 0:
                    why = f"killed by signal {-code}"
                else:
                    why = f"exit status {code}"
                reason = f"the training process ended unexpectedly ({why}); kept epoch {start}, where the run began"
                return RunResult(RunOutcome(Ending.ERROR, reason), None)
            except BaseException:
                self._discard()  # the child may be mid-run: never reuse it
                raise

    @staticmethod
    def _from_progress(trainer: Trainer, latest: Progress | None) -> RunResult:
        """The run stopped at the newest epoch the child reported (exact: its
        state came with the report), or where it began if none was."""
        if latest is None or latest.state.epoch <= trainer.epoch:
            return RunResult(RunOutcome(Ending.STOPPED), None)
        reached = trainer.export_run(history=False).reached(latest.state, latest.figures)
        return RunResult(RunOutcome(Ending.STOPPED), trainer.went_on(reached))

    def prepare(self) -> None:
        """Start the child now, ahead of the first run (call from a thread:
        the child takes a moment to import NumPy and the engine)."""
        with self._lock:
            if self._closed:
                return
            try:
                self._ensure_child()
            except Exception:
                self._discard()  # the first run will say so, or train in its thread

    def _exit_status(self) -> int | None:
        """The lost child's exit status (a pipe can close just before it ends)."""
        try:
            return self._proc.wait(timeout=1.0) if self._proc is not None else None
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        """End the child now, without waiting for a run (one in progress ends as stopped)."""
        self._closed = True
        if self._lock.acquire(blocking=False):  # no run holds the pipes
            try:
                self._discard()
            finally:
                self._lock.release()
        elif (proc := self._proc) is not None and proc.poll() is None:
            proc.kill()  # the run sees its pipe end, and discards the rest

    def _discard(self, wait: bool = True) -> None:
        """Close the pipes and kill the child; `wait=False` leaves reaping it
        (a large child takes a while to die) to the next start or `close`."""
        for conn in (self._send, self._recv):
            if conn is not None:
                conn.close()
        self._send = self._recv = None
        self._reader = None
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            if wait:
                self._proc.wait()
            else:
                self._dying.append(self._proc)
        self._proc = None
        if wait:
            for proc in self._dying:
                proc.wait()
            self._dying.clear()


def _for_the_child(trainer: Trainer) -> Trainer:
    """The trainer as sent: the same, but with only the history rows a run
    needs (from its epoch on); the app keeps the rest."""
    sent = copy.copy(trainer)
    sent.history = trainer.history.tail(trainer.epoch)
    return sent


def _deliver(
    trainer: Trainer, progress: Progress, on_progress: Callable[[Progress], object], abandoned: Callable[[], bool]
) -> None:
    if abandoned():
        return
    trainer.history.write(progress.start, progress.rows)
    on_progress(progress)


# ------------------------------------------------------------------ the child


class _Quit(Exception):
    """The parent said quit, or its end of the pipe closed."""


class _Inbox:
    """The child's reading of the parent's messages during a run."""

    def __init__(self, inbox: Connection, run: int, exchange: ArrayExchange, pace: float | None) -> None:
        self._inbox, self._run, self._exchange = inbox, run, exchange
        self.pace = pace

    def asked_to_stop(self) -> bool:
        while self._inbox.poll():
            try:
                message = self._exchange.unpack(self._inbox.recv_bytes())
            except (EOFError, OSError):
                raise _Quit from None
            if message[0] == "quit":
                raise _Quit
            if message[1] != self._run:
                continue  # for a run that has ended
            if message[0] == "stop":
                return True
            if message[0] == "pace":
                self.pace = message[2]
        return False


def serve() -> None:
    """The child's main loop: one run at a time, until the parent goes."""
    from multiprocessing.connection import Connection

    inbox = Connection(int(sys.argv[2]), writable=False)
    outbox = Connection(int(sys.argv[3]), readable=False)
    exchange = ArrayExchange(1)
    while True:
        try:
            message = exchange.unpack(inbox.recv_bytes())
        except (EOFError, OSError):
            return
        if message[0] == "run":  # a "stop" or "pace" here crossed the end of its run
            _, run, trainer, target, period, pace = message
            shared = {state.epoch: state for state in trainer.snapshots_after(-1)}
            reader = _Inbox(inbox, run, exchange, pace)

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
                outcome, sent = train(
                    trainer, target, period, report, reader.asked_to_stop, lambda: reader.pace, forget=True
                )
            except _Quit:
                return
            rows = trainer.history.rows(sent + 1, trainer.history.length)
            trainer.history.forget_before(trainer.epoch)
            try:
                data = exchange.pack(
                    ("stopped", outcome.ending, outcome.reason, outcome.divergence, sent + 1, rows, trainer), TRANSFER
                )
            except Exception as exc:  # the trainer would not pickle: say so, keep the parent's
                reason = f"training stopped: could not send the trainer back ({exc})"
                data = exchange.pack(("stopped", Ending.ERROR, reason, None, 0, None, None))
            try:
                outbox.send_bytes(data)
            except OSError:
                return
        elif message[0] == "quit":
            return


def train(
    trainer: Trainer,
    target: int | None,
    period: float,
    report: Callable[[Progress], object],
    asked_to_stop: Callable[[], bool],
    pace: Callable[[], float | None] | None = None,
    forget: bool = False,
) -> tuple[RunOutcome, int]:
    """Run the engine's loop as run mode does, reporting the newest epoch
    every `period` s; returns the outcome and the last epoch reported.
    `forget`: let go of the history rows once reported (the child)."""
    sent = trainer.epoch  # the app has the history rows up to here
    last = time.monotonic()

    def progress() -> None:
        nonlocal sent, last
        now = time.monotonic()
        epoch = trainer.epoch
        if epoch == sent:
            return
        rows = trainer.history.rows(sent + 1, epoch + 1)
        report(
            Progress(trainer.record.figures(), trainer.state, sent + 1, rows, (epoch - sent) / max(now - last, 1e-9))
        )
        if forget:
            trainer.history.forget_before(epoch)
        sent, last = epoch, now

    outcome = train_until(
        trainer,
        target,
        should_stop=asked_to_stop,
        on_progress=progress,
        period=period,
        poll_every=POLL_EVERY,
        pace=pace,
        catch_errors=True,
    )
    return outcome, sent
