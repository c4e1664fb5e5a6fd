"""Calling a function with NumPy's overflow, invalid and divide warnings off,
for one call at a time, as cheaply as a hot loop needs.

`@np.errstate(...)` on a function makes NumPy's error state afresh on every
call, about half a microsecond, which is 2-3% of a small network's epoch
(`Trainer.step`). NumPy keeps its error state in a context variable, so a
context in which that state is set once can be re-entered for each call
instead (`Context.run`, a tenth of the cost). Each thread has its own such
context (a context can be entered by one thread at a time); a call made
while already inside it just calls the function.

Inside, the function sees NumPy's error state set so and every other context
variable at its default, not the caller's: the engine reads none (model/ has
no context variables of its own, and NumPy's print options are not used to
compute figures).
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import TypeVar

import numpy as np

T = TypeVar("T")

_inside = contextvars.ContextVar("backprop_tui_quiet_numpy", default=False)


def _quieten() -> None:
    # Entered for good: the context is this state's, and is never left for another.
    np.errstate(over="ignore", invalid="ignore", divide="ignore").__enter__()
    _inside.set(True)


class _ThreadContexts(threading.local):
    def __init__(self) -> None:
        self.quiet = contextvars.Context()
        self.quiet.run(_quieten)


_contexts = _ThreadContexts()


def call_quietly(fn: Callable[[], T]) -> T:
    """fn() with NumPy's overflow, invalid and divide warnings off (as under
    `np.errstate(over="ignore", invalid="ignore", divide="ignore")`)."""
    if _inside.get():
        return fn()
    return _contexts.quiet.run(fn)
