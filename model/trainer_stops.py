"""When training stops: the stop conditions of the configuration, the
diagnosis of a step that would diverge, and `run`, which steps until one of
them (or a target epoch) is reached.

A part of `Trainer` (model/trainer.py; see model/trainer_fields.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

from model.errors import Divergence, DivergenceError
from model.history import TrainerState
from model.records import EpochRecord
from model.trainer_fields import TrainerFields

if TYPE_CHECKING:
    from model.trainer import Trainer

Array = np.ndarray


class Stops(TrainerFields):
    """Stop conditions, divergence and run (see the module docstring)."""

    def run(self, epochs: int) -> EpochRecord:
        """Step up to `epochs` times, stopping early at a stop condition.

        Raises DivergenceError (the last good epoch kept) as `step` does, and
        KeyboardInterrupt after the epoch in progress is abandoned.
        """
        from model.training_loop import Ending, train_until

        outcome = train_until(cast("Trainer", self), self.epoch + epochs)
        if outcome.ending is Ending.DIVERGED:
            assert outcome.divergence is not None
            raise DivergenceError(outcome.divergence)
        if outcome.ending is Ending.INTERRUPTED:
            raise KeyboardInterrupt
        return self.record

    def stop_reason(self) -> str | None:
        """Why training should stop here, in words, or None to go on."""
        epoch = self._state.epoch
        cfg = self._segment(epoch)[1]
        rec = self.record
        if epoch >= cfg.max_epochs:
            return f"reached the epoch limit ({cfg.max_epochs})"
        if cfg.target_loss > 0 and rec.loss <= cfg.target_loss:
            return f"loss {rec.loss:.3g} reached the target {cfg.target_loss:g}"
        if cfg.stop_at_full_accuracy and rec.accuracy >= 1.0:
            return "every training sample is classified correctly"
        return None

    # -------------------------------------------------------------- diverged

    def _diagnose(self, state: TrainerState, loss: float) -> Divergence:
        """Name the first quantity, in the order computed, that is not finite."""
        W, b = self.layout.views(state.params)

        def bad(x: Array) -> str | None:
            finite = np.isfinite(x)
            if finite.all():
                return None
            v = np.asarray(x)[~finite].flat[0]
            return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")

        for l in range(len(W)):
            for name, arr in (("weights", W[l]), ("biases", b[l])):
                v = bad(arr)
                if v:
                    return Divergence(state.epoch, l + 1, name, v)
        with np.errstate(all="ignore"):
            fwd, bwd = self.full_pass(W, b)
        for l in range(len(W)):
            for name, arr in (("z", fwd.z[l]), ("a", fwd.a[l])):
                v = bad(arr)
                if v:
                    return Divergence(state.epoch, l + 1, name, v)
        for l in range(len(W) - 1, -1, -1):
            for name, arr in (("delta", bwd.delta[l]), ("gradient", bwd.dW[l]), ("gradient", bwd.db[l])):
                v = bad(arr)
                if v:
                    return Divergence(state.epoch, l + 1, name, v)
        return Divergence(state.epoch, 0, "loss", bad(np.array([loss])) or "nan")
