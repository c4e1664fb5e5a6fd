"""The trainer's memory of a run: the scalars of every epoch (History) and
the full state of an epoch (TrainerState), which snapshots keep so that any
epoch can be reached again exactly by replay."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from model.optimizers import OptimizerState

Array = np.ndarray


class TrainerState(NamedTuple):
    """Everything that decides the next epoch: replaying from it is exact."""

    epoch: int
    params: Array
    opt: OptimizerState
    rng: dict


# Pending outputs are counted when they hold about this many values in all.
_PENDING_VALUES = 1 << 12


class History:
    """Scalars per epoch, one row per epoch in a growable array (no Python
    float per value; one store per epoch).

    Rows are kept for epochs `first` to `length - 1`. `first` is 0 except in
    run mode's child process, which forgets rows it has sent to the app
    (`forget_before`), so a long run holds them once, in the app.

    A row may be written later (`set_later`), its accuracy counted from the
    epoch's output: on a small network the count costs as much as a twentieth
    of the epoch, and for many epochs at once next to nothing. Every method
    that reads or rewrites rows first writes what is pending (`_settle`), so
    no reader sees the difference.
    """

    NAMES = ("loss", "test_loss", "accuracy", "test_accuracy")

    def __init__(self) -> None:
        self._rows = np.full((1024, len(self.NAMES)), np.nan)
        self.first = 0
        self.length = 0
        # (epoch, loss, test loss, test accuracy, output) of rows still to be written (set_later), oldest first.
        self._pending: list[tuple[int, float, float, float, Array]] = []
        self._accuracies: Callable[[Sequence[Array]], Sequence[float]] | None = None
        self._pending_limit = _PENDING_VALUES

    def _reserve(self, length: int) -> None:
        """Room for epochs up to `length - 1`: the capacity doubles, so growing is rare."""
        capacity = self._rows.shape[0]
        needed = length - self.first
        if needed <= capacity:
            return
        while capacity < needed:
            capacity *= 2
        # Rows past `length` are never read, so the new room is left untouched
        # (np.empty): memory the system has not handed out yet, not 2x the rows.
        grown = np.empty((capacity, len(self.NAMES)))
        kept = self.length - self.first
        grown[:kept] = self._rows[:kept]
        self._rows = grown

    def set(self, epoch: int, values: tuple[float, float, float, float]) -> None:
        if self._pending:  # an accuracy still to come for this epoch must not overwrite this one
            self._settle()
        i = epoch - self.first
        if i >= self._rows.shape[0]:
            self._reserve(epoch + 1)
        # Four stores of Python floats cost less than converting a tuple to a row.
        row = self._rows[i]
        row[0], row[1], row[2], row[3] = values
        if epoch >= self.length:
            self.length = epoch + 1

    def set_later(
        self,
        epoch: int,
        loss: float,
        test_loss: float,
        test_accuracy: float,
        output: Array,
        accuracies: Callable[[Sequence[Array]], Sequence[float]],
    ) -> None:
        """`set`, with the row written and the accuracy counted later, for many
        epochs at once: `accuracies(outputs)` gives the accuracies of several
        epochs' outputs (in their order), exactly as they would have been
        computed one by one."""
        if epoch - self.first >= self._rows.shape[0]:
            # Room now, not when the row is written: writing it never replaces the
            # array (a copy in flight, tui/array_exchange.py, holds on to it).
            self._reserve(epoch + 1)
        if epoch >= self.length:
            self.length = epoch + 1
        pending = self._pending
        if not pending:
            # Outputs are kept until counted: at most about _PENDING_VALUES values of them.
            self._pending_limit = max(1, _PENDING_VALUES // max(output.size, 1))
        pending.append((epoch, loss, test_loss, test_accuracy, output))
        self._accuracies = accuracies
        if len(pending) >= self._pending_limit:
            self._settle()

    def _settle(self) -> None:
        """Write the pending rows, their accuracies counted in one call. Entries
        appended meanwhile (another thread) stay pending; a later entry for an
        epoch wins, as a later `set` would."""
        pending, accuracies = self._pending, self._accuracies
        count = len(pending)
        if not count or accuracies is None:
            return
        epochs, losses, test_losses, test_accuracies, outputs = zip(*pending[:count])
        table = np.empty((count, len(self.NAMES)))
        table[:, 0], table[:, 1], table[:, 3] = losses, test_losses, test_accuracies
        table[:, 2] = accuracies(outputs)
        if len(set(epochs)) < count:  # an epoch stepped again (a replay): its last entry
            last = {epoch: i for i, epoch in enumerate(epochs)}
            epochs, table = tuple(last), table[list(last.values())]
        index = np.fromiter(epochs, np.int64, len(epochs)) - self.first
        kept = (index >= 0) & (index < self._rows.shape[0])  # set_later made the room
        self._rows[index[kept]] = table[kept]
        del pending[:count]

    def __getstate__(self) -> dict[str, Any]:
        """Pending accuracies filled in: a copy holds values, not the function that counts them."""
        self._settle()
        state = self.__dict__.copy()
        state["_pending"], state["_accuracies"] = [], None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_pending", [])  # a copy made before accuracies could wait
        self.__dict__.setdefault("_accuracies", None)
        self.__dict__.setdefault("_pending_limit", _PENDING_VALUES)

    def get(self, epoch: int) -> tuple[float, ...]:
        self._settle()
        return tuple(float(v) for v in self._rows[self._index(epoch)])

    def _index(self, epoch: int) -> int:
        if epoch < self.first:
            raise IndexError(f"epoch {epoch} was forgotten (rows are kept from epoch {self.first})")
        return epoch - self.first

    def truncate(self, length: int) -> None:
        self._settle()
        self._rows[max(length - self.first, 0) : self.length - self.first] = np.nan
        self.length = min(self.length, length)

    def load(self, columns: dict[str, Array]) -> None:
        """Replace everything with the given per-epoch series (sessions)."""
        self._settle()
        length = len(columns[self.NAMES[0]])
        self._rows = np.full((1024, len(self.NAMES)), np.nan)
        self.first = self.length = 0
        self._reserve(length + 1)
        for i, name in enumerate(self.NAMES):
            self._rows[:length, i] = columns[name]
        self.length = length

    def rows(self, start: int, stop: int) -> Array:
        """A copy of the rows of epochs start .. stop - 1 (one column per name)."""
        self._settle()
        return self._rows[self._index(start) : max(stop - self.first, 0)].copy()

    def write(self, start: int, rows: Array) -> None:
        """Set the rows of epochs start, start + 1, ... at once."""
        self._settle()
        stop = start + len(rows)
        self._reserve(stop)
        self._rows[self._index(start) : stop - self.first] = rows
        self.length = max(self.length, stop)

    def tail(self, first: int) -> "History":
        """A copy holding only the rows from epoch `first` on (what a run needs to go on)."""
        twin = History()
        twin.first = first
        twin.length = first
        twin.write(first, self.rows(first, self.length))
        return twin

    def forget_before(self, epoch: int) -> None:
        """Let go of the rows before `epoch` (they are kept elsewhere)."""
        self._settle()
        if epoch <= self.first:
            return
        epoch = min(epoch, self.length)
        kept = self._rows[epoch - self.first : self.length - self.first]
        self._rows = np.full((max(1024, 2 * len(kept)), len(self.NAMES)), np.nan)
        self._rows[: len(kept)] = kept
        self.first = epoch

    def copy(self) -> "History":
        self._settle()
        twin = History()
        twin._rows = self._rows.copy()
        twin.first = self.first
        twin.length = self.length
        return twin

    def series(self, name: str) -> Array:
        """A read-only view of one scalar for every epoch recorded."""
        self._settle()
        if self.first:
            raise IndexError(f"this history holds epochs from {self.first} only")
        view = self._rows[: self.length, self.NAMES.index(name)]
        view.flags.writeable = False
        return view
