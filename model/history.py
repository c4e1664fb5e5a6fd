"""The trainer's memory of a run: the scalars of every epoch (History) and
the full state of an epoch (TrainerState), which snapshots keep so that any
epoch can be reached again exactly by replay."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from model.optimizers import OptimizerState

Array = np.ndarray


class TrainerState(NamedTuple):
    """Everything that decides the next epoch: replaying from it is exact."""

    epoch: int
    params: Array
    opt: OptimizerState
    rng: dict


class History:
    """Scalars per epoch, one row per epoch in a growable array (no Python
    float per value; one store per epoch).

    Rows are kept for epochs `first` to `length - 1`. `first` is 0 except in
    run mode's child process, which forgets rows it has sent to the app
    (`forget_before`), so a long run holds them once, in the app.
    """

    NAMES = ("loss", "test_loss", "accuracy", "test_accuracy")

    def __init__(self) -> None:
        self._rows = np.full((1024, len(self.NAMES)), np.nan)
        self.first = 0
        self.length = 0

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
        i = epoch - self.first
        if i >= self._rows.shape[0]:
            self._reserve(epoch + 1)
        # Four stores of Python floats cost less than converting a tuple to a row.
        row = self._rows[i]
        row[0], row[1], row[2], row[3] = values
        if epoch >= self.length:
            self.length = epoch + 1

    def get(self, epoch: int) -> tuple[float, ...]:
        return tuple(float(v) for v in self._rows[self._index(epoch)])

    def _index(self, epoch: int) -> int:
        if epoch < self.first:
            raise IndexError(f"epoch {epoch} was forgotten (rows are kept from epoch {self.first})")
        return epoch - self.first

    def truncate(self, length: int) -> None:
        self._rows[max(length - self.first, 0) : self.length - self.first] = np.nan
        self.length = min(self.length, length)

    def load(self, columns: dict[str, Array]) -> None:
        """Replace everything with the given per-epoch series (sessions)."""
        length = len(columns[self.NAMES[0]])
        self._rows = np.full((1024, len(self.NAMES)), np.nan)
        self.first = self.length = 0
        self._reserve(length + 1)
        for i, name in enumerate(self.NAMES):
            self._rows[:length, i] = columns[name]
        self.length = length

    def rows(self, start: int, stop: int) -> Array:
        """A copy of the rows of epochs start .. stop - 1 (one column per name)."""
        return self._rows[self._index(start) : max(stop - self.first, 0)].copy()

    def write(self, start: int, rows: Array) -> None:
        """Set the rows of epochs start, start + 1, ... at once."""
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
        if epoch <= self.first:
            return
        epoch = min(epoch, self.length)
        kept = self._rows[epoch - self.first : self.length - self.first]
        self._rows = np.full((max(1024, 2 * len(kept)), len(self.NAMES)), np.nan)
        self._rows[: len(kept)] = kept
        self.first = epoch

    def copy(self) -> "History":
        twin = History()
        twin._rows = self._rows.copy()
        twin.first = self.first
        twin.length = self.length
        return twin

    def series(self, name: str) -> Array:
        """A read-only view of one scalar for every epoch recorded."""
        if self.first:
            raise IndexError(f"this history holds epochs from {self.first} only")
        view = self._rows[: self.length, self.NAMES.index(name)]
        view.flags.writeable = False
        return view
