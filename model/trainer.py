"""The trainer: one object that owns a network, its data and its optimizer,
and moves exactly one epoch per `step()`.

What a record means: see model/records.py.

History: the scalars of every epoch are kept; full states are kept as
snapshots at a spacing that doubles when there are too many, and any other
epoch is reached by replaying from the nearest snapshot before it. Replay
is exact (same arrays, same generator state), so a rewound run goes on bit
for bit as the original did, within a bounded amount of memory.

This file holds building and stepping; rewinding, branches and hand edits
are in model/trainer_moves.py, and the public seam for saving and restoring
a whole run (`export_run`, `restore`) in model/saved_run.py.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from model.config import Config
from model.datasets import Dataset, load_data, targets
from model.errors import ConfigError, DataError, Divergence, DivergenceError
from model.full_batch import Passes, full_batch_passes
from model.history import History, TrainerState
from model.initializers import initial_weights
from model.network import Network
from model.optimizers import Optimizer, OptimizerState, Update
from model.parameters import Buffer, Layout
from model.plurals import plural
from model.quiet_numpy import call_quietly
from model.records import Branch, EpochRecord, RecordFigures
from model.regression import regression_targets, total_sum_of_squares
from model.saved_run import Saving
from model.trainer_figures import Figures
from model.trainer_moves import Moves
from model.trainer_stops import Stops

__all__ = ["Branch", "Divergence", "DivergenceError", "EpochRecord", "History", "RecordFigures", "Trainer", "load_data"]

if TYPE_CHECKING:
    from model.bugs import Bug

Array = np.ndarray

# Memory that snapshots may use before their spacing doubles.
SNAPSHOT_BYTES = 64 * 2**20
MAX_SNAPSHOTS = 4096  # a tiny network: replaying to any epoch of 2,000,000 is at most 511 epochs
MIN_SNAPSHOTS = 16
# ... and in all, however large the network, while at least FEWEST_SNAPSHOTS
# fit: sixteen states of 2-4096-4096-4096-1 are 4.3 GB (12.9 GB with Adam),
# held by the app and again by run mode's child.
SNAPSHOT_BYTES_CAP = 2**30
FEWEST_SNAPSHOTS = 2


def snapshot_limit(state_bytes: int) -> int:
    """How many snapshots a trainer keeps before it thins them out, for
    states of `state_bytes`: many for a small network (a rewind replays
    few epochs), at least MIN_SNAPSHOTS while they fit in SNAPSHOT_BYTES_CAP,
    and for a very large network only as many as fit there (at least
    FEWEST_SNAPSHOTS): memory first, a longer replay after it."""
    state_bytes = max(state_bytes, 1)
    limit = max(MIN_SNAPSHOTS, min(MAX_SNAPSHOTS, SNAPSHOT_BYTES // state_bytes))
    if limit * state_bytes > SNAPSHOT_BYTES_CAP:
        limit = max(FEWEST_SNAPSHOTS, SNAPSHOT_BYTES_CAP // state_bytes)
    return int(limit)


# ------------------------------------------------------------------ trainer


_NAN = float("nan")
_dot = np.ndarray.dot  # np.dot without its dispatcher
_new_tuple = tuple.__new__


def _all_finite(loss: float, params: Array, grad: Array) -> bool:
    """Whether the loss and every value of `params` and `grad` are finite, in
    one NumPy call in the usual case (call under errstate).

    params . grad is NaN or infinite when any value of either is (x * inf,
    0 * inf, inf - inf); finite values make it infinite only when products
    overflow, which the exact check then settles.
    """
    if math.isfinite(loss + _dot(params, grad)):
        return True
    return math.isfinite(loss) and bool(np.isfinite(params).all()) and bool(np.isfinite(grad).all())


# Parameters up to this size are copied into a buffer for each pass rather
# than viewed layer by layer (see Trainer._weights_for_passes).
_COPY_BYTES = 16 * 1024


class _Scratch:
    """Buffers the step writes into every epoch instead of making new arrays
    and views: the weights the forward pass reads (a copy of the new
    parameters, its per-layer views made once) and the backward pass's sums.
    Nothing a record holds points into them, and a pickled trainer leaves
    them out (they are made again on the next step). `full_batch` computes
    an epoch's passes into the same buffers, and `update` is the update of
    `optimizer` (Optimizer.update_for), made again when the optimizer in
    force changes."""

    __slots__ = ("weights", "sums", "copy_weights", "full_batch", "optimizer", "update")

    def __init__(self, weights: Buffer, sums: Buffer, copy_weights: bool, full_batch: Passes | None):
        self.weights = weights
        self.sums = sums
        self.copy_weights = copy_weights  # see Trainer._weights_for_passes
        self.full_batch = full_batch  # a small plain network's full-batch passes (model/full_batch.py)
        self.optimizer: Optimizer | None = None  # none yet: the first step makes the update
        self.update: Update = _no_update

    def update_of(self, optimizer: Optimizer, dtype: np.dtype) -> Update:
        if optimizer is not self.optimizer:
            self.optimizer, self.update = optimizer, optimizer.update_for(dtype)
        return self.update


def _no_update(params: Array, grad: Array, state: OptimizerState, n_weights: int) -> tuple[Array, OptimizerState]:
    raise AssertionError("_Scratch.update_of makes the update before its first use")


class Trainer(Figures, Moves, Stops, Saving):
    def __init__(
        self,
        config: Config,
        data: Dataset,
        params: Array | None = None,
        bug: "Bug | None" = None,
    ):
        # The bug lab's one way in (model/bugs.py): None builds the verified network and optimizers.
        self.bug = bug
        if bug is not None:
            bug.check(config.layers, config.activation, config.output_activation, config.loss)
        sizes = config.layers
        if data.n_features != sizes[0]:
            raise ConfigError(
                "layers",
                f"the input layer has {plural(sizes[0], 'unit')} but the data has {plural(data.n_features, 'feature')} "
                f"({', '.join(data.feature_names)}); make the first size {data.n_features}",
            )
        self._regression = data.is_regression  # float targets: R² in the accuracy slot (model/regression.py)
        try:
            if self._regression:
                Y, Y_test = regression_targets(data, config)
            else:
                Y = targets(data.labels, sizes[-1], data.n_classes)
                Y_test = targets(data.labels_test, sizes[-1], data.n_classes)
        except DataError as exc:
            raise ConfigError("layers", str(exc)) from None
        dtype = np.dtype(config.dtype)
        self.data = data
        self.X = data.X.astype(dtype)
        self.Y = Y.astype(dtype)
        self.X_test = data.X_test.astype(dtype)
        self.Y_test = Y_test.astype(dtype)
        # Regression: row numbers, so that a minibatch's labels pick its targets in _accuracy.
        self._labels = np.arange(len(data.X)) if self._regression else data.labels
        # What R² divides by; a classifier never reads them (a pass over its one-hot targets saved).
        self._ss_tot = (
            (total_sum_of_squares(self.Y), total_sum_of_squares(self.Y_test)) if self._regression else (0.0, 0.0)
        )
        # As columns, to compare with a one-unit output without slicing it.
        self._labels_bool = data.labels.astype(bool)[:, None]
        self._labels_test_bool = data.labels_test.astype(bool)[:, None]
        self._binary = sizes[-1] == 1
        self._half = np.array(0.5, dtype)  # the threshold, as a 0-d array: less work per call than 0.5

        rng = np.random.default_rng(config.seed)
        self.layout = Layout(tuple(sizes))
        self._scratch: _Scratch | None = None  # made on the first step
        self._has_test = self.X_test.shape[0] > 0
        # Always draw, so the generator is in the same state afterwards
        # (feedback matrices, shuffles) whether or not weights were given.
        W0, b0 = initial_weights(config.init, sizes, rng, scale=config.init_scale, limit=config.init_limit, dtype=dtype)
        if params is None:
            params = self.layout.flatten(W0, b0, dtype)
        else:
            params = np.asarray(params, dtype=dtype)
            if params.shape != (self.layout.n_params,):
                raise ConfigError(
                    "layers", f"the given weights have {params.size} values; the network needs {self.layout.n_params}"
                )
        feedback = None
        if config.feedback_alignment:
            # Fixed random feedback, drawn after the weights from the same generator.
            feedback = tuple(
                (rng.uniform(-1.0, 1.0, size=shape) * np.sqrt(6.0 / sum(shape))).astype(dtype)
                for shape in self.layout.shapes
            )
        self.network = Network.build(sizes, config.activation, config.output_activation, config.loss, feedback)
        if bug is not None:
            self.network = bug.network(self.network, config.lr)
        self._rng = rng
        self._segments: list[tuple[int, Config, Optimizer]] = []
        self._add_segment(0, config)

        self.history = History()
        self.branches: list[Branch] = []
        self.divergence: Divergence | None = None
        self._snapshots: dict[int, TrainerState] = {}
        self._pinned: set[int] = {0}
        self._snap_every = 1
        state_bytes = params.nbytes * (1 + (2 if config.optimizer == "adam" else 1))
        self._max_snapshots = snapshot_limit(state_bytes)

        state = TrainerState(0, params, self._segments[0][2].init_state(params), dict(rng.bit_generator.state))
        self._install(state, self._evaluate(state.params))
        self._snapshots[0] = state
        self.initial_params = params

    # ------------------------------------------------------------- building

    @classmethod
    def from_config(cls, config: Config, params: Array | None = None, bug: "Bug | None" = None) -> "Trainer":
        """Load the data the config names and build the trainer on it."""
        return cls(config, load_data(config), params, bug)

    def _add_segment(self, start: int, config: Config) -> None:
        optimizer = Optimizer.from_config(config)
        if self.bug is not None:
            optimizer = self.bug.optimizer(optimizer)
        self._segments = [s for s in self._segments if s[0] < start] + [(start, config, optimizer)]

    def _segment(self, epoch: int) -> tuple[int, Config, Optimizer]:
        segments = self._segments
        if len(segments) == 1:  # asked twice an epoch: no search in the usual case
            return segments[0]
        for seg in reversed(segments):
            if seg[0] <= epoch:
                return seg
        return self._segments[0]

    @property
    def config(self) -> Config:
        """The configuration in force for the next step from the current epoch."""
        return self._segment(self.epoch)[1]

    @property
    def optimizer(self) -> Optimizer:
        """The optimizer in force for the next step from the current epoch."""
        return self._segment(self.epoch)[2]

    @property
    def epoch(self) -> int:
        return self._state.epoch

    @property
    def state(self) -> TrainerState:
        """The exact state of the current epoch (what decides the next one)."""
        return self._state

    @property
    def params(self) -> Array:
        return self._state.params

    @property
    def optimizer_state(self) -> OptimizerState:
        return self._state.opt

    @property
    def last_epoch(self) -> int:
        """The furthest epoch recorded (beyond `epoch` after a rewind)."""
        return self.history.length - 1

    # ------------------------------------------------------------ computing

    def _install(self, state: TrainerState, record: EpochRecord) -> None:
        record.epoch = state.epoch
        self._state = state
        self.record = record
        accuracy = record._accuracy
        test_loss = _NAN if record.test_loss is None else record.test_loss
        test_accuracy = _NAN if record.test_accuracy is None else record.test_accuracy
        if accuracy is None:  # to be counted from the output (EpochRecord.accuracy)
            output, count = (record._forward or record.forward).a[-1], self._training_accuracies
            self.history.set_later(state.epoch, record.loss, test_loss, test_accuracy, output, count)
        else:
            self.history.set(state.epoch, (record.loss, test_loss, accuracy, test_accuracy))

    # -------------------------------------------------------------- stepping

    # Overflow is detected and reported by _step; numpy need not warn of it
    # too. (call_quietly costs a tenth of an errstate made per call.)
    def step(self) -> EpochRecord:
        """Train one epoch and return its record.

        Raises DivergenceError (and keeps the current state) when the epoch
        would produce a value that is not finite.
        """
        return call_quietly(self._step)

    # What the training loop looks for to call _step under its own errstate
    # (a step replaced on the class or the trainer has not got it).
    step.errstate_around_step = True  # type: ignore[attr-defined]

    @property
    def segment_starts(self) -> list[int]:
        """The epochs at which a recorded change of settings takes effect (0 first)."""
        return [start for start, _, _ in self._segments]

    def _make_scratch(self) -> _Scratch:
        dtype = self.X.dtype
        small = self.layout.n_params * dtype.itemsize <= _COPY_BYTES
        sums = self.layout.buffer(dtype)
        made = full_batch_passes(self.network, self.X, self.Y, sums) if small else None
        passes, weights = made if made is not None else (None, self.layout.buffer(dtype))
        self._scratch = _Scratch(weights, sums, small, passes)
        return self._scratch

    def _weights_for_passes(self, params: Array, scratch: _Scratch) -> tuple[list[Array], list[Array]]:
        """Per-layer W and b with the values of `params`, for one forward and
        backward pass (not for keeping: a record makes its own views).

        A small network's are copied into the kept buffer, whose views exist
        (one call instead of two per layer); a large network's are views of
        `params` (copying them would cost more than making views).
        """
        if scratch.copy_weights:
            np.copyto(scratch.weights.flat, params)
            return scratch.weights.W, scratch.weights.b
        return self.layout.views(params)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_scratch"] = None
        return state

    def _step(self) -> EpochRecord:
        state = self._state
        segments = self._segments  # one segment, the usual case, without a call
        _, config, optimizer = segments[0] if len(segments) == 1 else self._segment(state.epoch)
        n_weights = self.layout.n_weights
        network = self.network
        scratch = self._scratch or self._make_scratch()
        if config.mode == "full":
            before = self.record._backward or self.record.backward  # the gradient at the current weights
            update = scratch.update if optimizer is scratch.optimizer else scratch.update_of(optimizer, self.X.dtype)
            params, opt = update(state.params, before.grad, state.opt, n_weights)
            if scratch.full_batch is not None:
                fwd, bwd, loss = scratch.full_batch(params)
                # Counted from the output when asked for; the history counts many epochs at once (_install).
                accuracy = None
                W, b = scratch.weights.W, scratch.weights.b  # the passes copied params there
            else:
                W, b = self._weights_for_passes(params, scratch)
                fwd = network.forward(self.X, W, b)
                bwd = network.backward(fwd, self.Y, W, sums=scratch.sums)
                loss = network.loss_of(fwd, self.Y)
                accuracy = self._accuracy(fwd.a[-1], self._labels, self._labels_bool)
            rng_state = state.rng
            # params . grad is NaN or infinite when any value of either is (see _all_finite).
            finite = math.isfinite(loss + _dot(params, bwd.grad)) or _all_finite(loss, params, bwd.grad)
        else:
            rng = self._rng
            rng.bit_generator.state = state.rng
            n = self.X.shape[0]
            size = 1 if config.mode == "sgd" else min(config.batch_size, n)
            order = rng.permutation(n)
            params, opt = state.params, state.opt
            loss_sum = 0.0
            hits = 0.0
            for start in range(0, n, size):
                idx = order[start : start + size]
                Xb, Yb = self.X[idx], self.Y[idx]
                W, b = self._weights_for_passes(params, scratch)
                fb = network.forward(Xb, W, b)
                bb = network.backward(fb, Yb, W, sums=scratch.sums)
                m = idx.shape[0]
                loss_sum += network.loss_of(fb, Yb) * m
                hits += self._accuracy(fb.a[-1], self._labels[idx]) * m
                params, opt = optimizer.apply(params, bb.grad, opt, n_weights)
            loss = loss_sum / n
            accuracy = hits / n
            W, b = self._weights_for_passes(params, scratch)
            fwd, bwd = None, None  # computed at the new weights when first asked for
            rng_state = rng.bit_generator.state
            finite = _all_finite(loss, params, params)
        # A NamedTuple's own __new__ is a Python function around tuple.__new__.
        new_state = _new_tuple(TrainerState, (state.epoch + 1, params, opt, rng_state))
        if not finite:
            self.divergence = self._diagnose(new_state, loss)
            raise DivergenceError(self.divergence)
        if new_state.epoch in self._snapshots and not np.array_equal(self._snapshots[new_state.epoch].params, params):
            # Stepping on from before a hand edit, without it: the recorded
            # future (which had the edit) is no longer this run's.
            self._branch_here("edit")
        test_loss, test_acc = self._test_figures(W, b) if self._has_test else (None, None)
        record = EpochRecord(new_state.epoch, loss, accuracy, test_loss, test_acc, params, None, None, fwd, bwd, self)
        self._install(new_state, record)
        self.divergence = None
        if not new_state.epoch % self._snap_every:
            self._snapshots[new_state.epoch] = new_state
            if len(self._snapshots) > self._max_snapshots:
                self._thin_snapshots()
        return record

    # `step` for a caller that already holds `np.errstate(over, invalid,
    # divide = "ignore")` for a whole run (model/training_loop.py): even
    # call_quietly costs a call and a context switch per epoch. The same
    # function as `_step`, so the loop pays no extra call per epoch.
    step_in_callers_errstate = _step
