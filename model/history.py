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
    float per value; one store per epoch)."""

    NAMES = ("loss", "test_loss", "accuracy", "test_accuracy")

    def __init__(self) -> None:
        self._rows = np.full((1024, len(self.NAMES)), np.nan)
        self.length = 0

    def _reserve(self, length: int) -> None:
        """Room for `length` rows: the capacity doubles, so growing is rare."""
        capacity = self._rows.shape[0]
        if length <= capacity:
            return
        while capacity < length:
            capacity *= 2
        grown = np.full((capacity, len(self.NAMES)), np.nan)
        grown[: self.length] = self._rows[: self.length]
        self._rows = grown

    def set(self, epoch: int, values: tuple[float, float, float, float]) -> None:
        if epoch >= self._rows.shape[0]:
            self._reserve(epoch + 1)
        self._rows[epoch] = values
        if epoch >= self.length:
            self.length = epoch + 1

    def get(self, epoch: int) -> tuple[float, ...]:
        return tuple(float(v) for v in self._rows[epoch])

    def truncate(self, length: int) -> None:
        self._rows[length : self.length] = np.nan
        self.length = min(self.length, length)

    def load(self, columns: dict[str, Array]) -> None:
        """Replace everything with the given per-epoch series (sessions)."""
        length = len(columns[self.NAMES[0]])
        self._rows = np.full((1024, len(self.NAMES)), np.nan)
        self.length = 0
        self._reserve(length + 1)
        for i, name in enumerate(self.NAMES):
            self._rows[:length, i] = columns[name]
        self.length = length

    def rows(self, start: int, stop: int) -> Array:
        """A copy of the rows of epochs start .. stop - 1 (one column per name)."""
        return self._rows[start:stop].copy()

    def write(self, start: int, rows: Array) -> None:
        """Set the rows of epochs start, start + 1, ... at once."""
        stop = start + len(rows)
        self._reserve(stop)
        self._rows[start:stop] = rows
        self.length = max(self.length, stop)

    def copy(self) -> "History":
        twin = History()
        twin._rows = self._rows.copy()
        twin.length = self.length
        return twin

    def series(self, name: str) -> Array:
        """A read-only view of one scalar for every epoch recorded."""
        view = self._rows[: self.length, self.NAMES.index(name)]
        view.flags.writeable = False
        return view
