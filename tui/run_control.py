"""Run mode's control: one object owns the run's state, the training process
and the relay worker, so the rules for keys that arrive mid-run are in one
place and the UI thread never waits for another thread or process.

States and what moves them (everything here runs on the UI thread):

    PAUSED/DONE/DIVERGED --start--> STARTING --first progress--> RUNNING
    STARTING/RUNNING --stop--> STOPPING --the run's end arrives--> PAUSED/DONE/DIVERGED

The rule for keys that arrive while a run starts, runs or stops (F1 says it
too, see RULE): a key that needs the trainer (step, back, reset, an edit, a
file) stops the run and waits in a queue, played in order as soon as the run
has ended, so `r space` runs, then pauses and steps once. `n` during an `n`
run waits for it without stopping it, so `n n` trains two lots of N epochs.
Run/pause toggles: it stops a run and drops the runs still waiting; pressed
while a pause is under way it asks for a new run after it (a third press
takes that back), so `r r` runs then pauses and `r r r` runs again. At most
MAX_QUEUED keys wait; more are dropped with a message. Quitting never waits
for anything: the child is killed and the app exits.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple, Protocol

from model import Trainer
from model.training_loop import Ending, RunOutcome
from tui.messages import RunEnded, TrainingProgress
from tui.training_process import Progress, RunResult, TrainingProcess

if TYPE_CHECKING:
    from textual.message import Message

# Snapshots per second from the relay: enough to look live, few enough that
# drawing them costs the UI thread little.
REDRAWS_PER_SECOND = 10

# Keys that may wait for a run to end; more are dropped (and said so).
MAX_QUEUED = 32

RULE = (
    "Keys pressed while a run starts, runs or pauses never wait for it: a key that changes the run (step, back, "
    "reset, edit, a file) pauses it and is done, in order, as soon as it has paused; n during an n run waits for "
    "it, so n n trains 2 x N epochs; r or p pauses and drops the runs still waiting."
)

# The paces run mode offers, slowest first (epochs per second; None: as fast as it can).
PACES: tuple[float | None, ...] = (1.0, 2.0, 5.0, 20.0, 100.0, 1000.0, None)

# Slower than the slowest pace: "play phases", the phases of each epoch one
# after another at this many a second, for a projector (the app plays them on
# its own thread: a phase is microseconds of work).
PHASES_PER_SECOND = 2.0


class RunState(str, Enum):
    PAUSED = "paused"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    DIVERGED = "diverged"
    DONE = "done"


BUSY = frozenset({RunState.STARTING, RunState.RUNNING, RunState.STOPPING})


class RunHost(Protocol):
    """What the controller needs from the app."""

    trainer: Trainer

    def post_message(self, message: Message) -> bool: ...


class _Request(NamedTuple):
    """A run for the relay thread to carry out."""

    run_id: int
    trainer: Trainer
    target: int | None
    stop: threading.Event
    abandoned: threading.Event


def pace_label(pace: float | None, play_phases: bool = False) -> str:
    """The pace in words, for the stats line and notifications."""
    if play_phases:
        return f"play phases, {PHASES_PER_SECOND:g} a second"
    if pace is None:
        return "as fast as it can"
    return "1 epoch/s" if pace == 1 else f"{pace:g} epochs/s"


class RunController:
    """Starts and stops runs in the training process; keeps their state."""

    def __init__(
        self, host: RunHost, start: Callable[[int | None], object] | None = None, threaded: bool = True
    ) -> None:
        """`start`: how a run asked for while another was stopping is started
        (the app's own start, which checks its rules first); default `start`.
        `threaded=False` keeps the requests in `requests` instead of carrying
        them out (for testing the rules without a process)."""
        self._host = host
        self._threaded = threaded
        self.requests: list[_Request | str] = []  # with threaded=False: what the relay would have done
        # One relay thread of its own, fed in order: not a worker from Textual's
        # pool (a few threads on a small machine), which a storm of run keys
        # could fill with relays waiting their turn, leaving file reads and the
        # next run waiting too.
        self._inbox: queue.SimpleQueue[_Request | str | None] = queue.SimpleQueue()
        self._relay_thread: threading.Thread | None = None
        self._start = start if start is not None else self.start
        self._process = TrainingProcess()
        self.state = RunState.PAUSED
        self.target: int | None = None  # the epoch the current run goes to (None: no end)
        self.run_id = 0
        self._stop = threading.Event()
        self._abandoned = threading.Event()
        self._progressed = False  # the run going on has sent a snapshot
        self._queue: deque[tuple[bool, Callable[[], object]]] = deque()  # (starts a run, move)
        self._start_queued = False  # a run/pause key asked for a run after this one ends
        self.pace: float | None = None
        self.play_phases = False  # below the slowest pace: the app plays phases instead of epochs
        self.closed = False

    # ------------------------------------------------------------ questions

    @property
    def busy(self) -> bool:
        """A run is starting, running or stopping: the trainer is not the app's to change."""
        return self.state in BUSY

    @property
    def running(self) -> bool:
        """Training goes on (starting or running, not yet asked to stop)."""
        return self.state in (RunState.STARTING, RunState.RUNNING)

    @property
    def queued(self) -> int:
        return len(self._queue) + self._start_queued

    @property
    def process_pid(self) -> int | None:
        return self._process.pid

    # -------------------------------------------------------------- actions

    def start(self, target: int | None) -> None:
        """Train in the child until `target` (None: until paused or stopped)."""
        if self.closed:
            return
        if self.busy:
            self.when_paused(lambda: self.start(target), starts_run=True)
            return
        self.run_id += 1
        self.target = target
        self._stop = threading.Event()
        self._abandoned = threading.Event()
        self._progressed = False
        self.state = RunState.STARTING
        self._send(_Request(self.run_id, self._host.trainer, target, self._stop, self._abandoned))

    def prepare(self) -> None:
        """Start the training process ahead of the first run, off the UI thread."""
        self._send("prepare")

    def _send(self, request: _Request | str) -> None:
        if not self._threaded:
            self.requests.append(request)
            return
        if self._relay_thread is None:
            self._relay_thread = threading.Thread(target=self._relay_loop, name="run-relay", daemon=True)
            self._relay_thread.start()
        self._inbox.put(request)

    def stop(self) -> bool:
        """Ask the run to stop (it ends soon after, with RunEnded); True if one was going."""
        if not self.running:
            return False
        self.state = RunState.STOPPING
        self._stop.set()
        if not self._progressed:
            # Nothing reported yet (the child may still be starting, or be reading
            # a large trainer): give the run up at once instead of waiting for it.
            # The trainer on screen was never touched, so it simply stays.
            self._abandoned.set()
            self._host.post_message(RunEnded(self.run_id, RunResult(RunOutcome(Ending.STOPPED), None)))
        return True

    def toggle(self) -> None:
        """The run/pause key while a run is busy (see the module's rule); the
        app starts a run itself when none is."""
        if self.running:
            self.stop()
            self._queue = deque(entry for entry in self._queue if not entry[0])
        elif self.state is RunState.STOPPING:
            self._start_queued = not self._start_queued

    def when_paused(self, move: Callable[[], object], starts_run: bool = False) -> bool:
        """Do `move` now if no run is going, else stop the run and do it once
        the run has ended. False if it was dropped (the queue is full)."""
        if not self.busy:
            move()
            return True
        if len(self._queue) >= MAX_QUEUED:
            return False
        self.stop()
        self._queue.append((starts_run, move))
        return True

    def after_run(self, move: Callable[[], object], starts_run: bool = True) -> bool:
        """Do `move` once the run going on ends by itself (now if none is)."""
        if not self.busy:
            move()
            return True
        if len(self._queue) >= MAX_QUEUED:
            return False
        self._queue.append((starts_run, move))
        return True

    def set_pace(self, step: int) -> float | None:
        """One pace faster (+1) or slower (-1); it applies to a run at once.
        Slower than the slowest pace is "play phases" (`play_phases`)."""
        i = PACES.index(self.pace) + step
        if self.play_phases:
            self.play_phases = step < 0
            return self.pace
        if i < 0:
            self.play_phases = True
        self.pace = PACES[min(max(i, 0), len(PACES) - 1)]
        return self.pace

    def close(self) -> None:
        """The app is leaving: end the run and the child now, waiting for nothing."""
        self.closed = True
        self.run_id += 1
        self._stop.set()
        self._queue.clear()
        self._start_queued = False
        self._inbox.put(None)
        self._process.close()

    # --------------------------------------------------- the relay's messages

    def progress_arrived(self, message: TrainingProgress) -> bool:
        """True if the snapshot belongs to the run going on (draw it)."""
        if message.run_id != self.run_id or not self.busy:
            return False
        self._progressed = True
        if self.state is RunState.STARTING:
            self.state = RunState.RUNNING
        return self.state is RunState.RUNNING

    def run_ended(self, message: RunEnded) -> RunResult | None:
        """The run's end: the result to go on with (None: a stale message).
        The caller installs it, settles, then calls `play_queue`."""
        if message.run_id != self.run_id or not self.busy:
            return None
        outcome = message.result.outcome
        if outcome.ending is Ending.DIVERGED:
            self.state = RunState.DIVERGED
        elif outcome.ending is Ending.DONE:
            self.state = RunState.DONE
        else:
            self.state = RunState.PAUSED
        return message.result

    def settled(self, state: RunState) -> None:
        """The app's own moves left the trainer in `state` (paused, done, diverged)."""
        if not self.busy:
            self.state = state

    def play_queue(self) -> None:
        """Do what waited for the run to end, in order, until one starts a run."""
        while self._queue and not self.busy:
            self._queue.popleft()[1]()
        if self._start_queued and not self.busy:
            self._start_queued = False
            self._start(None)

    # ------------------------------------------------------- the relay thread

    def _relay_loop(self) -> None:
        """The relay thread: carry out requests in order until closed. A run
        given up before its turn came (a pause while another was ending) is
        skipped: the controller has already ended it."""
        while True:
            request = self._inbox.get()
            if request is None or self.closed:
                return
            if request == "prepare":
                self._process.prepare()
            elif isinstance(request, _Request) and not request.abandoned.is_set():
                try:
                    self._relay(request)
                except Exception as exc:  # the relay must outlive any one run: say so, and go on
                    outcome = RunOutcome(Ending.ERROR, f"training stopped: {type(exc).__name__}: {exc}")
                    self._host.post_message(RunEnded(request.run_id, RunResult(outcome, None)))

    def _relay(self, request: _Request) -> None:
        """Run the child and post what it sends."""
        run_id, trainer, target, stop, abandoned = request
        host = self._host

        def progress(update: Progress) -> None:
            host.post_message(TrainingProgress(run_id, trainer.record_of(update.figures), update.rate))

        try:
            result = self._process.run(
                trainer,
                target,
                1.0 / REDRAWS_PER_SECOND,
                progress,
                lambda: stop.is_set() or self.closed,
                lambda: self.pace,
                abandoned.is_set,
            )
        except Exception as exc:  # shown to the user, never raised into the app
            result = RunResult(RunOutcome(Ending.ERROR, f"training stopped: {type(exc).__name__}: {exc}"), None)
        host.post_message(RunEnded(run_id, result))
