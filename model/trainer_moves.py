"""How a trainer moves through its run other than by stepping: back to any
recorded epoch (exactly, by replay from the nearest snapshot), onto a new
branch when the course changes, and by hand (new hyperparameters, edited
weights).

A mixin of `Trainer` (model/trainer.py), kept apart so that trainer.py holds
the stepping alone; these methods use the trainer's own attributes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model.config import REBUILD_FIELDS, Config
from model.errors import BackpropError, ConfigError
from model.history import TrainerState
from model.records import Branch, EpochRecord
from model.trainer_fields import TrainerFields

Array = np.ndarray


class Moves(TrainerFields):
    """Rewinding, branching, reconfiguring and hand edits (see the module docstring)."""

    # ------------------------------------------------------------ snapshots

    def _thin_snapshots(self) -> None:
        """Too many snapshots: keep every other one (and the pinned ones)."""
        self._snap_every *= 2
        self._snapshots = {e: s for e, s in self._snapshots.items() if e % self._snap_every == 0 or e in self._pinned}

    def snapshots_after(self, epoch: int) -> list[TrainerState]:
        """The full states kept for epochs after `epoch` (opaque: run mode's
        child shares them with the app as it goes, so that handing the
        trainer back at the end is quick)."""
        return [state for e, state in self._snapshots.items() if e > epoch]

    def _state_at(self, epoch: int) -> TrainerState:
        """The exact state of a recorded epoch, by replay from a snapshot."""
        start = max(e for e in self._snapshots if e <= epoch)
        state = self._snapshots[start]
        saved = (self._state, self.record, self.divergence)
        self._state = state
        self.record = self._evaluate_at(state)
        try:
            while self._state.epoch < epoch:
                self.step()
            return self._state
        finally:
            self._state, self.record, self.divergence = saved

    def _evaluate_at(self, state: TrainerState, evaluated: EpochRecord | None = None) -> EpochRecord:
        """The record of a state, taking the scalars from the history when known.
        `evaluated`: a record already computed at state.params, to use instead."""
        record = self._evaluate(state.params) if evaluated is None else evaluated
        record.epoch = state.epoch
        mode = self._segment(max(state.epoch - 1, 0))[1].mode
        if state.epoch < self.history.length and mode != "full" and state.epoch > 0:
            loss, _, accuracy, _ = self.history.get(state.epoch)
            record.loss, record.accuracy = loss, accuracy
            record._forward = record._backward = None
        return record

    # --------------------------------------------------------------- moving

    def rewind(self, epoch: int) -> EpochRecord:
        """Go back (or forward, within what was recorded) to `epoch` exactly.

        The recorded future is kept: stepping on replays it unless a
        hyperparameter is changed first, which starts a new branch.
        """
        if not 0 <= epoch <= self.last_epoch:
            raise ValueError(f"epoch {epoch} is not recorded; choose 0 to {self.last_epoch}")
        length = self.history.length
        state = self._state_at(epoch)
        self._state = state
        self.record = self._evaluate_at(state)
        self.history.length = length
        self.divergence = None
        return self.record

    def reset(self) -> EpochRecord:
        """Back to epoch 0: the same seed's initial weights, history kept for replay."""
        return self.rewind(0)

    def _branch_here(self, label: str) -> None:
        """Abandon the recorded future beyond the current epoch, keeping its curve."""
        e = self.epoch
        if self.last_epoch > e:
            future = self.history.rows(e, self.history.length)
            names = self.history.NAMES
            self.branches.append(
                Branch(e, future[:, names.index("loss")].copy(), future[:, names.index("test_loss")].copy(), label)
            )
            self.history.truncate(e + 1)
            self._snapshots = {k: s for k, s in self._snapshots.items() if k <= e}
            self._pinned = {k for k in self._pinned if k <= e}

    def reconfigure(self, config: Config) -> None:
        """Apply hyperparameters that keep the network (learning rate,
        optimizer, penalties, mode, stop conditions) from the next epoch on.
        A change after a rewind makes a branch.
        """
        current = self.config
        if current.needs_rebuild(config):
            changed = sorted(f for f in REBUILD_FIELDS if getattr(current, f) != getattr(config, f))
            raise ConfigError(
                changed[0] if changed else "config", "this change needs a new network; build a new trainer"
            )
        if config == current:
            return
        diff = [k for k, v in config.to_dict().items() if current.to_dict()[k] != v]
        self._branch_here(", ".join(f"{k}={getattr(current, k)}" for k in diff))
        self._add_segment(self.epoch, config)
        # Keep this epoch's state reachable without replaying older segments' configs.
        self._snapshots[self.epoch] = self._state
        self._pinned.add(self.epoch)

    def set_params(self, params: Array) -> EpochRecord:
        """Replace the parameters at the current epoch (a hand edit).

        The future is abandoned as a branch; the edited state becomes a
        snapshot, so stepping back from later epochs returns to it.
        """
        params = np.array(params, dtype=self.params.dtype)
        if params.shape != self.params.shape:
            raise ValueError(f"expected {self.params.shape[0]} parameters, got {params.size}")
        if not np.isfinite(params).all():
            raise ValueError("parameters must be finite numbers")
        self._branch_here("edit")
        state = TrainerState(self.epoch, params, self._state.opt, self._state.rng)
        self._install(state, self._evaluate(params))
        self._snapshots[self.epoch] = state
        self._pinned.add(self.epoch)
        return self.record

    def edit_parameter(self, layer: int, row: int, column: int, value: float) -> EpochRecord:
        """Set one weight by hand at the current epoch: W[layer][row, column],
        or the bias b[layer][column] when row == fan_in (the inspector's bias row).

        Indices are 0-based, as in W[layer]. Goes through `set_params`, so the
        record is recomputed at once and any recorded future becomes a branch.
        Raises BackpropError, naming what is wrong, for an index that does not
        exist or a value that is not a finite number in this network's dtype.
        """
        shapes = self.layout.shapes

        def index(name: str, x: object, size: int, what: str) -> int:
            if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
                raise BackpropError(f"{name} must be a whole number, got {x!r}")
            if not 0 <= x < size:
                raise BackpropError(f"{name} {x} does not exist: {what} has {name}s 0 to {size - 1}")
            return int(x)

        layer = index("layer", layer, len(shapes), "the network")
        fan_in, fan_out = shapes[layer]
        row = index("row", row, fan_in + 1, f"layer {layer + 1} ({fan_in} inputs, then the bias)")
        column = index("column", column, fan_out, f"layer {layer + 1}")
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise BackpropError(f"the new value must be a number, got {value!r}")
        dtype = self.params.dtype
        with np.errstate(over="ignore"):
            cast = dtype.type(value)
        if not np.isfinite(cast):
            raise BackpropError(
                f"{value!r} is not a finite {dtype.name} number; choose one up to {np.finfo(dtype).max:.3g}"
            )
        params = self.params.copy()
        W, b = self.layout.views(params)
        if row == fan_in:
            b[layer][column] = cast
        else:
            W[layer][row, column] = cast
        return self.set_params(params)

    # ----------------------------------------------------------- inspection

    def state_dict(self) -> dict[str, Any]:
        """The exact state of the current epoch, for sessions."""
        return {"epoch": self.epoch, "params": self.params, "opt": self._state.opt, "rng": self._state.rng}
