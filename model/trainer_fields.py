"""What the parts of `Trainer` share: its attributes and the methods the parts
call on one another, declared once for the type checker.

`Trainer` (model/trainer.py) is one class written in five files: building and
stepping in trainer.py, its records' figures in trainer_figures.py, moving
through a run in trainer_moves.py, stopping in trainer_stops.py, saving and
restoring a run in saved_run.py. Each part derives from this class, which
holds no code and no values: the trainer's __init__ sets every attribute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from model.config import Config
from model.datasets import Dataset
from model.errors import Divergence
from model.history import History, TrainerState
from model.network import BackwardPass, ForwardPass, Network
from model.optimizers import Optimizer
from model.parameters import Layout
from model.records import Branch, EpochRecord, RecordFigures

Array = np.ndarray


class TrainerFields:
    """The trainer's attributes (see Trainer.__init__)."""

    network: Network
    layout: Layout
    data: Dataset
    X: Array
    Y: Array
    X_test: Array
    Y_test: Array
    history: History
    branches: list[Branch]
    divergence: Divergence | None
    record: EpochRecord
    initial_params: Array
    _state: TrainerState
    _segments: list[tuple[int, Config, Optimizer]]
    _snapshots: dict[int, TrainerState]
    _pinned: set[int]
    _snap_every: int
    _max_snapshots: int
    _scratch: Any  # the step's buffers (trainer.py), made on the first step
    _rng: np.random.Generator
    _regression: bool  # float targets: R² in the accuracy slot
    _binary: bool  # one output unit: threshold, not argmax
    _half: Array  # 0.5 as a 0-d array of the data's dtype
    _ss_tot: tuple[float, float]  # total sums of squares of the training and test targets
    _labels: Array  # class per training row (row numbers for float targets)
    _labels_bool: Array
    _labels_test_bool: Array

    if TYPE_CHECKING:

        @property
        def epoch(self) -> int: ...

        @property
        def params(self) -> Array: ...

        @property
        def config(self) -> Config: ...

        @property
        def last_epoch(self) -> int: ...

        def step(self) -> EpochRecord: ...

        def record_of(self, figures: RecordFigures) -> EpochRecord: ...

        def full_pass(self, W: list[Array], b: list[Array]) -> tuple[ForwardPass, BackwardPass]: ...

        def _evaluate(self, params: Array) -> EpochRecord: ...

        def _install(self, state: TrainerState, record: EpochRecord) -> None: ...

        def _add_segment(self, start: int, config: Config) -> None: ...

        def _segment(self, epoch: int) -> tuple[int, Config, Optimizer]: ...

        def _evaluate_at(self, state: TrainerState, evaluated: EpochRecord | None = None) -> EpochRecord: ...

        def _branch_here(self, label: str) -> None: ...
