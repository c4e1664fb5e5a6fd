"""The picture of a 1-D regression: the fitted curve against the data points.

A plane map needs two inputs; one input (sine) is drawn as a plot of x1
against y, in character cells: each training point in the cell nearest to
(x1, y), and the network's prediction at every column's x1 as the curve.
All numbers are the engine's; a widget only places the characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.errors import BackpropError

if TYPE_CHECKING:
    from model.trainer import EpochRecord, Trainer

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class Curve:
    """x1 of each column, the prediction there, and every point's and the curve's row (row 0 on top)."""

    xs: Array  # (columns,) ascending
    prediction: Array  # (columns,) the network's output at xs
    y_top: float  # y of row 0
    y_bottom: float  # y of the last row
    curve_rows: Array  # (columns,) row of the prediction, clipped to the plot (-1: not finite)
    point_cells: Array  # (samples, 2) (row, column) of each training point
    test_cells: Array  # the same for the test points


def fitted_curve(
    trainer: "Trainer", columns: int, rows: int, *, margin: float = 0.05, record: "EpochRecord | None" = None
) -> Curve:
    """The curve over `columns` x `rows` cells spanning the data (x1 and y, with a margin)."""
    data = trainer.data
    values, values_test = data.values, data.values_test
    if values is None or values_test is None or data.n_features != 1 or values.shape[1] != 1:
        raise BackpropError("a fitted curve needs regression data with one input and one target")
    if columns < 2 or rows < 2:
        raise BackpropError(f"a curve needs at least 2 x 2 cells, got {columns} x {rows}")
    record = record if record is not None else trainer.record
    X = np.concatenate([data.X[:, 0], data.X_test[:, 0]])
    Y = np.concatenate([values[:, 0], values_test[:, 0]])
    xs = np.linspace(X.min(), X.max(), columns)
    W = [w.astype(np.float64, copy=False) for w in record.W]
    b = [v.astype(np.float64, copy=False) for v in record.b]
    with np.errstate(all="ignore"):
        prediction = trainer.network.forward(xs[:, None], W, b).a[-1][:, 0]
    low, high = float(Y.min()), float(Y.max())
    pad = margin * (high - low) if high > low else 0.5
    top, bottom = high + pad, low - pad
    return Curve(
        xs,
        prediction,
        top,
        bottom,
        _rows(prediction, top, bottom, rows),
        np.column_stack([_rows(values[:, 0], top, bottom, rows), _columns(data.X[:, 0], xs)]),
        np.column_stack([_rows(values_test[:, 0], top, bottom, rows), _columns(data.X_test[:, 0], xs)]),
    )


def _rows(y: Array, top: float, bottom: float, rows: int) -> Array:
    """Row of each y (row 0 = top); -1 where y is not finite."""
    with np.errstate(all="ignore"):
        position = np.rint((top - y) / (top - bottom) * (rows - 1))
    finite = np.isfinite(position)
    index = np.clip(np.where(finite, position, 0), 0, rows - 1).astype(np.int64)
    return np.where(finite, index, -1)


def _columns(x: Array, xs: Array) -> Array:
    step = (xs[-1] - xs[0]) / (xs.shape[0] - 1)
    if step == 0:
        return np.zeros(x.shape[0], np.int64)
    return np.clip(np.rint((x - xs[0]) / step), 0, xs.shape[0] - 1).astype(np.int64)
