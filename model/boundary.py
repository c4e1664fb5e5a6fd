"""What the network does across the whole input plane (2-D datasets only).

`decision_grid` runs the network on a lattice of width x height points
spanning the data (plus a margin), in one vectorised forward pass, so a
80 x 80 lattice costs well under a millisecond for the networks this app
trains. Row 0 is the top of the plane (largest x2), as a screen draws it;
column 0 the left (smallest x1). The first and last rows and columns lie on
the edges of the range, so with margin 0 the corners are data extremes.

Each data point belongs to the lattice point nearest to it: its cell.

With input features (x1², sin x1, ...) the plane is still the raw (x1, x2)
plane: each lattice point is turned into the features before the pass.
For regression data the map is the predicted value (`Grid.outputs`), and
1-D regression gets a curve instead (model/regression_curve.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.errors import BackpropError
from model.features import compute

if TYPE_CHECKING:
    from model.trainer import EpochRecord, Trainer

Array = np.ndarray

MAX_CELLS = 1_000_000


@dataclass(frozen=True, eq=False)
class Grid:
    """The network over a lattice; every array is (height, width, ...)."""

    xs: Array  # (width,) x1 of each column, ascending
    ys: Array  # (height,) x2 of each row, descending (row 0 on top)
    activations: tuple[Array, ...]  # a of every layer, (height, width, units)
    classes: Array  # (height, width) class the network gives each point
    n_classes: int
    point_cells: Array  # (samples, 2) (row, column) of each training point
    test_cells: Array  # the same for the test points

    @property
    def width(self) -> int:
        return self.xs.shape[0]

    @property
    def height(self) -> int:
        return self.ys.shape[0]

    @property
    def outputs(self) -> Array:
        """The network's output at each point, (height, width, outputs)."""
        return self.activations[-1]

    @property
    def positive(self) -> Array | None:
        """P(class 1) for a one-unit output (its raw value for a non-sigmoid unit), else None."""
        out = self.activations[-1]
        return out[:, :, 0] if out.shape[2] == 1 else None

    @property
    def probabilities(self) -> Array:
        """Per-class probability, (height, width, classes): [1 - p, p] for one unit."""
        out = self.activations[-1]
        if out.shape[2] == 1:
            return np.concatenate([1.0 - out, out], axis=2)
        return out

    def cell_of(self, points: Array) -> Array:
        """(row, column) of the lattice point nearest each (x1, x2), clipped to the grid."""
        return _cells(np.asarray(points, dtype=np.float64), self.xs, self.ys)

    def unit_maps(self, layer: int) -> Array:
        """a of each unit of layer `layer` (0-based) over the lattice: (units, height, width)."""
        return np.moveaxis(self.activations[layer], 2, 0)


@dataclass(frozen=True, eq=False)
class Regions:
    """The plane split into class regions, for drawing."""

    classes: Array  # (height, width) int
    confidence: Array  # (height, width) probability of the class shown there
    boundary: Array  # (height, width) bool: a neighbour below or to the right differs


def _axis(low: float, high: float, count: int, margin: float) -> Array:
    span = high - low
    pad = margin * span if span > 0 else 0.5
    return np.linspace(low - pad, high + pad, count)


def _cells(points: Array, xs: Array, ys: Array) -> Array:
    if points.size == 0:
        return np.empty((0, 2), dtype=np.int64)

    def nearest(values: Array, axis: Array) -> Array:
        if axis.shape[0] == 1:
            return np.zeros(values.shape[0], dtype=np.int64)
        step = (axis[-1] - axis[0]) / (axis.shape[0] - 1)
        index = np.rint((values - axis[0]) / step)
        return np.clip(index, 0, axis.shape[0] - 1).astype(np.int64)

    return np.column_stack([nearest(points[:, 1], ys), nearest(points[:, 0], xs)])


def _check(trainer: "Trainer", width: int, height: int, margin: float) -> None:
    d = trainer.data.inputs[0].shape[1]  # the raw inputs: input features are computed from x1, x2
    if d != 2:
        raise BackpropError(f"a decision boundary needs 2 input features; this dataset has {d}")
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise BackpropError(f"grid {name} must be a whole number of at least 1, got {value!r}")
    if width * height > MAX_CELLS:
        raise BackpropError(f"a {width} x {height} grid is too large; keep it to {MAX_CELLS} points")
    if not (isinstance(margin, (int, float)) and 0.0 <= margin <= 10.0):
        raise BackpropError(f"margin must be a number from 0 to 10, got {margin!r}")


def evaluate(trainer: "Trainer", points: Array, record: "EpochRecord | None" = None) -> list[Array]:
    """a of every layer at arbitrary points (n, 2), in float64, at the record's weights."""
    if record is None:
        record = trainer.record
    X = np.asarray(points, dtype=np.float64)
    if trainer.data.raw_X is not None:  # points of the (x1, x2) plane, as the network's input features
        X = compute(trainer.config.features, X)
    W = [w.astype(np.float64, copy=False) for w in record.W]
    b = [v.astype(np.float64, copy=False) for v in record.b]
    return trainer.network.forward(X, W, b).a


def lattice(trainer: "Trainer", width: int, height: int, margin: float = 0.1) -> tuple[Array, Array]:
    """(xs, ys) of the lattice over the training and test data, ys descending."""
    _check(trainer, width, height, margin)
    data = np.concatenate(trainer.data.inputs)
    low, high = data.min(axis=0), data.max(axis=0)
    xs = _axis(float(low[0]), float(high[0]), width, margin)
    ys = _axis(float(low[1]), float(high[1]), height, margin)[::-1].copy()
    return xs, ys


def decision_grid(
    trainer: "Trainer", width: int, height: int, *, margin: float = 0.1, record: "EpochRecord | None" = None
) -> Grid:
    """The network over a width x height lattice spanning the data; BackpropError if not 2-D."""
    xs, ys = lattice(trainer, width, height, margin)
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    acts = evaluate(trainer, points, record)
    shaped = tuple(a.reshape(height, width, a.shape[1]) for a in acts)
    classes = trainer.classify(acts[-1]).reshape(height, width)
    return Grid(
        xs,
        ys,
        shaped,
        classes,
        max(trainer.data.n_classes, 2),
        _cells(trainer.data.inputs[0], xs, ys),
        _cells(trainer.data.inputs[1], xs, ys),
    )


def hidden_unit_maps(
    trainer: "Trainer",
    layer: int,
    width: int,
    height: int,
    *,
    margin: float = 0.1,
    record: "EpochRecord | None" = None,
) -> Array:
    """a of each unit of layer `layer` (0-based) over the same lattice: (units, height, width)."""
    n_layers = trainer.network.n_layers
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 0 <= layer < n_layers:
        raise BackpropError(f"layer {layer!r} does not exist; choose 0 to {n_layers - 1}")
    return decision_grid(trainer, width, height, margin=margin, record=record).unit_maps(int(layer))


def discretise(grid: Grid) -> Regions:
    """Class regions with the confidence of each cell and the cells on a boundary."""
    classes = grid.classes
    probs = grid.probabilities
    if probs.shape[2] == 2 and grid.outputs.shape[2] == 1:
        confidence = np.where(classes == 1, probs[:, :, 1], probs[:, :, 0])
    else:
        confidence = np.take_along_axis(probs, classes[:, :, None], axis=2)[:, :, 0]
    boundary = np.zeros(classes.shape, dtype=bool)
    right = classes[:, 1:] != classes[:, :-1]
    down = classes[1:, :] != classes[:-1, :]
    boundary[:, :-1] |= right
    boundary[:-1, :] |= down
    return Regions(classes, confidence, boundary)
