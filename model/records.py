"""What the trainer hands out about one epoch: its record, the record's
small sendable form, and the abandoned futures (branches) shown as faded curves.

What an epoch record means (the UI shows this):
- epoch e is the state after e updates; epoch 0 is the initial weights;
- in full-batch mode every figure of record e (loss, accuracy, z, a, delta,
  dW, db) is computed at the weights of epoch e on the whole training set,
  so dW is exactly the gradient the next update will use;
- in mini-batch and per-sample modes the train loss and accuracy are the
  running means over the epoch's batches (as frameworks report them), and
  the per-layer arrays are computed at the weights of epoch e, on the whole
  training set, when first asked for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from model.network import BackwardPass, ForwardPass

if TYPE_CHECKING:
    from model.trainer import Trainer

Array = np.ndarray


class RecordFigures(NamedTuple):
    """An epoch record without its trainer: what a copy of the trainer that
    trains elsewhere (another process) sends, small enough to send often.
    `Trainer.record_of` turns it back into a record; its passes are
    recomputed from `params` when first asked for."""

    epoch: int
    loss: float
    accuracy: float
    test_loss: float | None
    test_accuracy: float | None
    params: Array
    grad_norm: float | None = None  # when the sender had the gradient at hand (else computed when asked)


class EpochRecord:
    """Everything about one epoch, computed at that epoch's weights.

    `W` and `b` are per-layer views of `params`; `forward` and `backward`
    hold z, a, delta, dW and db per layer. Arrays are shared, not copied:
    treat them as read-only.
    """

    __slots__ = (
        "epoch",
        "loss",
        "_accuracy",
        "test_loss",
        "test_accuracy",
        "params",
        "_W",
        "_b",
        "_forward",
        "_backward",
        "_trainer",
        "_grad_norm",
    )

    def __init__(
        self,
        epoch: int,
        loss: float,
        accuracy: float | None,
        test_loss: float | None,
        test_accuracy: float | None,
        params: Array,
        W: list[Array] | None,
        b: list[Array] | None,
        forward: ForwardPass | None,
        backward: BackwardPass | None,
        trainer: "Trainer",
    ):
        self.epoch = epoch
        self.loss = loss
        self._accuracy = accuracy  # None: counted from the output when first asked for
        self.test_loss = test_loss
        self.test_accuracy = test_accuracy
        self.params = params
        self._W = W
        self._b = b
        self._forward = forward
        self._backward = backward
        self._trainer = trainer
        self._grad_norm: float | None = None

    @property
    def accuracy(self) -> float:
        """The accuracy on the training set (R² for float targets). A full-batch
        step leaves it to be computed from the output when first asked for: the
        history counts it for many epochs at once (History.set_later)."""
        accuracy = self._accuracy
        if accuracy is None:
            t = self._trainer
            accuracy = self._accuracy = t._accuracy(self.output, t._labels, t._labels_bool)
        return accuracy

    @accuracy.setter
    def accuracy(self, value: float) -> None:
        self._accuracy = value

    @property
    def W(self) -> list[Array]:
        """Per-layer weight views of `params` (made when first asked for: a
        step need not make them for the many epochs nobody looks at)."""
        if self._W is None:
            self._W, self._b = self._trainer.layout.views(self.params)
        return self._W

    @property
    def b(self) -> list[Array]:
        if self._b is None:
            self._W, self._b = self._trainer.layout.views(self.params)
        return self._b

    def _ensure_detail(self) -> None:
        if self._forward is None or self._backward is None:
            self._forward, self._backward = self._trainer.full_pass(self.W, self.b)

    @property
    def forward(self) -> ForwardPass:
        self._ensure_detail()
        return self._forward  # type: ignore[return-value]

    @property
    def backward(self) -> BackwardPass:
        self._ensure_detail()
        return self._backward  # type: ignore[return-value]

    @property
    def z(self) -> list[Array]:
        return self.forward.z

    @property
    def a(self) -> list[Array]:
        return self.forward.a

    @property
    def delta(self) -> list[Array]:
        return self.backward.delta

    @property
    def dW(self) -> list[Array]:
        return self.backward.dW

    @property
    def db(self) -> list[Array]:
        return self.backward.db

    @property
    def output(self) -> Array:
        return self.forward.a[-1]

    @property
    def sample_loss(self) -> Array:
        """The loss of each training sample at this epoch's weights."""
        return self._trainer.network.sample_loss(self.forward, self._trainer.Y)

    @property
    def predicted(self) -> Array:
        """The class the network gives each training sample."""
        return self._trainer.classify(self.output)

    @property
    def correct(self) -> Array:
        return self.predicted == self._trainer.data.labels

    @property
    def confusion(self) -> Array:
        """counts[t, p]: training samples of true class t the network puts in class p."""
        k = self._trainer.data.n_classes
        flat = self._trainer.data.labels * k + self.predicted
        return np.bincount(flat, minlength=k * k).reshape(k, k)

    @property
    def input_features(self) -> tuple[str, ...] | None:
        """The names of the network's inputs when they are input features (x1², sin x1), else None."""
        data = self._trainer.data
        return data.feature_names if data.raw_X is not None else None

    @property
    def is_regression(self) -> bool:
        """Whether `accuracy` and `test_accuracy` hold R² (float targets; model/regression.py)."""
        return self._trainer.data.is_regression

    @property
    def grad_norm(self) -> float:
        if self._grad_norm is None:
            g = self.backward.grad
            self._grad_norm = math.sqrt(float(np.vdot(g, g)))
        return self._grad_norm

    @property
    def has_detail(self) -> bool:
        """Whether z, a, delta and the gradients are computed (else the first use computes them)."""
        return self._backward is not None

    def figures(self) -> RecordFigures:
        """The record's figures; the gradient norm only when it costs nothing here."""
        norm = self.grad_norm if self._backward is not None else self._grad_norm
        return RecordFigures(
            self.epoch, self.loss, self.accuracy, self.test_loss, self.test_accuracy, self.params, norm
        )

    def __repr__(self) -> str:
        return f"EpochRecord(epoch={self.epoch}, loss={self.loss:.6g}, accuracy={self.accuracy:.3f})"


@dataclass(frozen=True)
class Branch:
    """A future that was abandoned when the user changed course at `start`."""

    start: int
    loss: Array
    test_loss: Array
    label: str = ""
