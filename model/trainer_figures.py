"""The figures of a record: the full forward and backward pass at some
weights, the loss and accuracy (R² for float targets) on the training and
test sets, and the class of each output row.

A part of `Trainer` (model/trainer.py; see model/trainer_fields.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import numpy as np

from model.network import BackwardPass, ForwardPass
from model.records import EpochRecord, RecordFigures
from model.regression import explained, residual_sum_of_squares
from model.trainer_fields import TrainerFields

if TYPE_CHECKING:
    from model.trainer import Trainer

Array = np.ndarray


class Figures(TrainerFields):
    """Records and their figures (see the module docstring)."""

    def full_pass(self, W: list[Array], b: list[Array]) -> tuple[ForwardPass, BackwardPass]:
        fwd = self.network.forward(self.X, W, b)
        return fwd, self.network.backward(fwd, self.Y, W)

    def record_of(self, figures: RecordFigures) -> EpochRecord:
        """The record that `figures` describe, on this trainer's data and network
        (a copy of this trainer made them, at any epoch)."""
        W, b = self.layout.views(figures.params)
        record = EpochRecord(
            figures.epoch,
            figures.loss,
            figures.accuracy,
            figures.test_loss,
            figures.test_accuracy,
            figures.params,
            W,
            b,
            None,
            None,
            cast("Trainer", self),
        )
        record._grad_norm = figures.grad_norm
        return record

    def classify(self, output: Array) -> Array:
        """Class per row of network output: threshold 0.5 for one unit, else argmax
        (regression: the one pseudo-class "y" for every row)."""
        if self._regression:
            return np.zeros(output.shape[0], np.int64)
        if self._binary:
            return (output[:, 0] > 0.5).astype(np.int64)
        return output.argmax(axis=1)

    def _accuracy(self, output: Array, labels: Array, labels_bool: Array | None = None) -> float:
        if self._regression:  # R² (model/regression.py); labels are row numbers, or the test set's
            test = labels is self.data.labels_test
            Y = self.Y_test if test else self.Y[labels]
            ss_res = residual_sum_of_squares(output, Y)
            return explained(ss_res, self._ss_tot[test], labels.shape[0], (self.Y_test if test else self.Y).shape[0])
        if self._binary and labels_bool is None:
            labels_bool = labels.astype(bool)[:, None]
        return self._class_hits(output, labels, labels_bool) / labels.shape[0]

    def _class_hits(self, output: Array, labels: Array, labels_bool: Array | None) -> int | np.integer | Array:
        """How many rows a classifier gets right: one count for an (n, k)
        output, one per epoch for outputs stacked (epochs, n, k)
        (`_training_accuracies`). One rule for both; a single output is
        counted whole (NumPy's count without an axis is one C call, and a
        mini-batch or per-sample epoch counts once per batch)."""
        single = output.ndim == 2
        if self._binary:
            return np.count_nonzero((output > self._half) == labels_bool, axis=None if single else (-2, -1))
        return np.count_nonzero(output.argmax(axis=-1) == labels, axis=None if single else -1)

    def _training_accuracies(self, outputs: Sequence[Array]) -> list[float]:
        """`_accuracy` of the training set for each of several outputs (for
        History.set_later): for a classifier the same comparisons on the
        outputs stacked, each epoch's count divided by the same int, so the
        same floats; for R², one by one."""
        labels, labels_bool = self._labels, self._labels_bool
        if self._regression or len(outputs) == 1:
            return [self._accuracy(output, labels, labels_bool) for output in outputs]
        # The outputs stacked (epochs, n, k), as np.stack makes them, without its
        # steps for each array (a third of the time, for a thousand outputs);
        # they all have the training set's shape.
        stacked = np.concatenate(outputs).reshape(len(outputs), *outputs[0].shape)
        hits = self._class_hits(stacked, labels, labels_bool)
        return list(hits / labels.shape[0])

    def _test_figures(self, W: list[Array], b: list[Array]) -> tuple[float | None, float | None]:
        if not self.X_test.shape[0]:
            return None, None
        fwd = self.network.forward(self.X_test, W, b)
        out = fwd.a[-1]
        return self.network.loss_of(fwd, self.Y_test), self._accuracy(
            out, self.data.labels_test, self._labels_test_bool
        )

    def _evaluate(self, params: Array) -> EpochRecord:
        """A record with every figure computed exactly at `params`."""
        W, b = self.layout.views(params)
        fwd, bwd = self.full_pass(W, b)
        out = fwd.a[-1]
        loss = self.network.loss_of(fwd, self.Y)
        test_loss, test_acc = self._test_figures(W, b)
        return EpochRecord(
            0,
            loss,
            self._accuracy(out, self._labels, self._labels_bool),
            test_loss,
            test_acc,
            params,
            W,
            b,
            fwd,
            bwd,
            cast("Trainer", self),
        )
