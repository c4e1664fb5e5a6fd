"""The one "train until a stop" loop: headless runs, run mode's child process
and `Trainer.run` all step through it, so what ends a run (a stop condition,
a target epoch, a request to stop, a divergence, Ctrl-C) is defined here once.

The loop checks the clock, not a counter, for its two periodic duties:
asking whether to stop (every `poll_every` seconds) and reporting progress
(every `period` seconds). With `pace` (epochs per second) it waits between
epochs, asking whether to stop while it waits, so a slow pace still pauses
at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from model.errors import Divergence, DivergenceError

if TYPE_CHECKING:
    from model.trainer import Trainer


class Ending(str, Enum):
    """Why a run ended."""

    DONE = "done"  # a stop condition of the config holds (epoch limit, target loss, full accuracy)
    REACHED = "reached"  # the target epoch the caller asked for
    STOPPED = "stopped"  # the caller asked it to stop
    DIVERGED = "diverged"  # a step would have made NaN or infinity; the last good epoch is kept
    INTERRUPTED = "interrupted"  # Ctrl-C
    ERROR = "error"  # anything else went wrong (the reason says what)


class RunOutcome(NamedTuple):
    """How a run ended; the trainer is left at its last good epoch."""

    ending: Ending
    reason: str = ""  # in words, for DONE, DIVERGED, INTERRUPTED and ERROR
    divergence: Divergence | None = None


def _never() -> bool:
    return False


def _limits(trainer: Trainer, target: int | None) -> tuple[int, float, bool]:
    """What `Trainer.stop_reason` checks, as the config in force says, read
    once instead of every epoch: (the first epoch at which the run ends or
    the config may change, the target loss, whether full accuracy ends it).
    A rewound run replays its recorded future, whose later segments may have
    other stop conditions: the run looks again when it reaches one."""
    epoch, config = trainer.epoch, trainer.config
    last = config.max_epochs if target is None else min(config.max_epochs, target)
    for start in trainer.segment_starts:
        if epoch < start < last:
            last = start
    return last, config.target_loss, config.stop_at_full_accuracy


def _step_of(trainer: Trainer) -> Callable[[], object]:
    """`trainer.step` without its own quiet NumPy error state (the loop holds
    an `np.errstate` for the whole run; model/quiet_numpy.py), unless `step`
    was replaced on the trainer or its class (tests, wrappers): only the
    engine's own step is called without it (`step_in_callers_errstate`)."""
    if "step" in vars(trainer) or not getattr(type(trainer).step, "errstate_around_step", False):
        return trainer.step
    return trainer.step_in_callers_errstate


def train_until(
    trainer: Trainer,
    target: int | None = None,
    *,
    should_stop: Callable[[], bool] = _never,
    on_progress: Callable[[], object] | None = None,
    period: float = 0.1,
    poll_every: float = 0.002,
    pace: Callable[[], float | None] | None = None,
    catch_errors: bool = False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] = time.sleep,
) -> RunOutcome:
    """Step `trainer` until a stop condition, epoch `target` (None: none), a
    divergence, Ctrl-C or `should_stop()`.

    `on_progress()` is called about every `period` seconds (the trainer
    holds the newest epoch then). `pace()`: at most this many epochs per
    second (None: as fast as possible), read before every epoch, so it can
    change while the run goes on. `catch_errors`: turn any other
    exception into an ERROR outcome (for a process that must report, not die).
    """
    last_report = last_poll = clock()
    # With a pace, the k-th epoch since the pace was set is due at `start + k / rate`.
    start, done, rate = last_report, 0, None
    step = _step_of(trainer)
    try:
        with np.errstate(all="ignore"):  # non-finite values are reported by the engine
            # What could end the run, read again after each callback (which may change the trainer).
            last, target_loss, at_full = _limits(trainer, target)
            while True:
                record = trainer.record
                epoch = trainer.epoch
                if (
                    epoch >= last
                    or (target_loss > 0 and record.loss <= target_loss)
                    or (at_full and record.accuracy >= 1.0)
                ):
                    reason = trainer.stop_reason()
                    if reason:
                        return RunOutcome(Ending.DONE, reason)
                    if target is not None and epoch >= target:
                        return RunOutcome(Ending.REACHED)
                    last, target_loss, at_full = _limits(trainer, target)  # a new segment starts here
                if pace is not None:
                    if (new_rate := pace()) != rate:
                        start, done, rate = clock(), 0, new_rate
                    if rate and done:
                        due = start + done / rate
                        while (now := clock()) < due:
                            if should_stop():
                                return RunOutcome(Ending.STOPPED)
                            sleep(min(due - now, 0.01))
                        last, target_loss, at_full = _limits(trainer, target)
                step()
                done += 1
                now = clock()
                if now - last_poll >= poll_every:
                    last_poll = now
                    if should_stop():
                        return RunOutcome(Ending.STOPPED)
                    last, target_loss, at_full = _limits(trainer, target)
                if on_progress is not None and now - last_report >= period:
                    last_report = now
                    on_progress()
                    last, target_loss, at_full = _limits(trainer, target)
    except DivergenceError as exc:
        return RunOutcome(Ending.DIVERGED, str(exc), exc.divergence)
    except KeyboardInterrupt:
        return RunOutcome(Ending.INTERRUPTED, f"interrupted (Ctrl-C) at epoch {trainer.epoch}")
    except Exception as exc:
        if not catch_errors:
            raise
        return RunOutcome(Ending.ERROR, f"training stopped: {type(exc).__name__}: {exc}")
