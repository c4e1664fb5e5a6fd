"""A whole run as plain data: the one public way into and out of a trainer.

`Trainer.export_run()` hands out a `SavedRun`; `Trainer.restore(run)` and
`Trainer.from_saved_run(run, data)` put one back. Sessions (model/session.py)
encode it to a file, the exported script (model/script_export.py) reads its
first configuration and starting weights, and run mode (tui/training_process.py)
rebuilds the trainer to go on with from what its child process reached
(`Trainer.went_on`). Nothing outside the trainer's own modules reads the
trainer's private attributes: a change in how the trainer keeps its state
needs a change in those modules only.

Arrays are shared, not copied: the engine never changes one in place, but
an exported `history` holds views of the trainer's rows, so read (or save)
a run before its trainer moves on. `Saving` is the mixin of `Trainer` that
exports and restores; it is one of the trainer's own files
(model/trainer_fields.py lists them), the only ones that use its private
attributes (tests/model/test_saved_run.py checks that no other does).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from model.config import Config
from model.errors import ConfigError, Divergence
from model.history import History, TrainerState
from model.records import Branch, EpochRecord, RecordFigures
from model.trainer_fields import TrainerFields

if TYPE_CHECKING:
    from model.bugs import Bug
    from model.datasets import Dataset
    from model.trainer import Trainer

Array = np.ndarray

HISTORY_NAMES = History.NAMES
_Same = TypeVar("_Same", bound="Saving")


@dataclass(frozen=True)
class SavedRun:
    """Everything a trainer holds beyond its data and network, as plain data.

    segments        (first epoch, config) in epoch order; the first starts at 0
                    and builds the network, later ones change what keeps it
    state           the exact state of the current epoch (what decides the next)
    snapshots       exact states kept for replay, by epoch (epoch 0 always)
    pinned          epochs whose snapshots thinning keeps (edits, config changes)
    snap_every      the spacing of the snapshots that thinning keeps
    max_snapshots   how many snapshots are kept before the spacing doubles
    last_epoch      the furthest epoch recorded (beyond state.epoch after a rewind)
    history         one series per History.NAMES, epochs 0 .. last_epoch; None
                    when the rows are held elsewhere (run mode's app holds them)
    branches        abandoned futures, shown as faded curves
    initial_params  the weights the run was built with
    feedback        fixed feedback matrices (feedback alignment), else None
    divergence      why the last step was refused, if it was
    figures         the current epoch's figures, so that restoring need not
                    evaluate them again; None in files (a loaded run is evaluated)
    """

    segments: tuple[tuple[int, Config], ...]
    state: TrainerState
    snapshots: Mapping[int, TrainerState]
    pinned: frozenset[int]
    snap_every: int
    max_snapshots: int
    last_epoch: int
    history: Mapping[str, Array] | None
    branches: tuple[Branch, ...]
    initial_params: Array
    feedback: tuple[Array, ...] | None
    divergence: Divergence | None
    figures: RecordFigures | None = None

    @property
    def config(self) -> Config:
        """The configuration the run was built with (its network, data and seed)."""
        return self.segments[0][1]

    def reached(self, state: TrainerState, figures: RecordFigures) -> SavedRun:
        """This run at `state`, a later exact state of it made elsewhere (run
        mode's child), with the figures that came with it; the epochs in
        between are reached by replay from this run's snapshots."""
        return dataclasses.replace(self, state=state, figures=figures, divergence=None)


class Saving(TrainerFields):
    """The trainer's half of the seam: export a run, restore one (see the module docstring)."""

    def export_run(self, history: bool = True) -> SavedRun:
        """The whole run, by reference (nothing is copied). `history=False`
        leaves the per-epoch scalars out (whoever restores holds them)."""
        rows = self.history
        return SavedRun(
            segments=tuple((start, cfg) for start, cfg, _ in self._segments),
            state=self._state,
            snapshots=dict(sorted(self._snapshots.items())),
            pinned=frozenset(self._pinned),
            snap_every=self._snap_every,
            max_snapshots=self._max_snapshots,
            last_epoch=self.last_epoch,
            history={name: rows.series(name) for name in HISTORY_NAMES} if history else None,
            branches=tuple(self.branches),
            initial_params=self.initial_params,
            feedback=self.network.feedback,
            divergence=self.divergence,
            figures=self.record.figures(),
        )

    @classmethod
    def from_saved_run(cls, run: SavedRun, data: "Dataset", bug: "Bug | None" = None) -> "Trainer":
        """A trainer on `data` exactly as `run` left it (a session, loaded)."""
        from model.trainer import Trainer

        # Built at the current weights, so that its first evaluation is the one the
        # restored run shows (restore reuses it): one pass over the data, not two.
        trainer = Trainer(run.config, data, params=run.state.params, bug=bug)
        trainer.restore(run)
        return trainer

    def went_on(self: _Same, reached: SavedRun) -> _Same:
        """The trainer to go on with after a copy of this one trained elsewhere
        (run mode's child) and reached `reached`, whose history rows this
        trainer's history already holds. This trainer is left as it was, its
        history apart (the two share it); data and network are shared."""
        moved = copy.copy(self)
        # Its own step buffers and generator (the generator's state is set from
        # the run's state at every shuffle): the two trainers may step in different threads.
        moved._scratch = None
        moved._rng = np.random.default_rng()
        moved.restore(reached)
        return moved

    def restore(self, run: SavedRun) -> EpochRecord:
        """Put `run` into this trainer and return the current record.

        The trainer must hold the run's data and the network its first
        configuration builds: one built from `run.config`, or a copy of the
        trainer that exported it. Without `run.history`, this trainer's
        history must already hold the rows up to `run.last_epoch`.
        """
        if self._segments[0][1].needs_rebuild(run.config):
            raise ConfigError("config", "this run was made by a different network; build a trainer from its config")
        if not 0 <= run.state.epoch <= run.last_epoch:
            raise ValueError(f"epoch {run.state.epoch} is not a recorded epoch (0 to {run.last_epoch})")
        if run.history is None and self.history.length <= run.last_epoch:
            raise ValueError(f"the history holds epochs up to {self.last_epoch}, not up to {run.last_epoch}")
        # A trainer built at the run's current weights evaluated them already.
        fresh = self.history.length == 1 and self.record.params is run.state.params and run.feedback is None
        evaluated = self.record if fresh else None
        self._segments = []
        for start, cfg in run.segments:
            self._add_segment(start, cfg)
        if run.feedback is not None and not _same_arrays(run.feedback, self.network.feedback):
            self.network = dataclasses.replace(self.network, feedback=run.feedback)
        self._snapshots = dict(sorted(run.snapshots.items()))
        self._pinned = set(run.pinned)
        self._snap_every = run.snap_every
        self._max_snapshots = run.max_snapshots
        if run.history is not None:
            history = History()
            history.load(dict(run.history))
            if history.length != run.last_epoch + 1:
                raise ValueError(f"the history holds {history.length} epochs, not {run.last_epoch + 1}")
            self.history = history
        else:
            self.history.truncate(run.last_epoch + 1)
        self.branches = list(run.branches)
        self.initial_params = run.initial_params
        self._state = run.state
        if run.figures is not None:
            self.record = self.record_of(run.figures)
        else:
            self.record = self._evaluate_at(run.state, evaluated)
        self.divergence = run.divergence
        return self.record


def _same_arrays(these: tuple[Array, ...], those: tuple[Array, ...] | None) -> bool:
    return those is not None and len(these) == len(those) and all(a is b for a, b in zip(these, those))
