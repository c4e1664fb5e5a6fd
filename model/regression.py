"""R², the figure a regression run shows where a classification run shows accuracy.

R² (the coefficient of determination) is 1 - SS_res / SS_tot: the share of
the targets' variance about their mean that the predictions explain. A
perfect fit scores 1, always predicting the mean scores 0, and a fit worse
than the mean is negative (it has no lower bound). Several output columns
are pooled (sums over every value), which weights each column by its
variance.

The trainer keeps R² in a record's `accuracy` slot (and the test R² in
`test_accuracy`), so histories, run mode's messages and sessions carry it
unchanged; front-ends name it "R²" when the data is a regression set
(`Dataset.is_regression`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.errors import ConfigError
from model.plurals import plural

if TYPE_CHECKING:
    from model.config import Config
    from model.datasets import Dataset

Array = np.ndarray


def total_sum_of_squares(targets: Array) -> float:
    """SS_tot: the squared deviations of the targets from their (column) mean."""
    Y = np.asarray(targets, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.shape[0] == 0:
        return 0.0
    return float(np.sum((Y - Y.mean(axis=0)) ** 2))


def residual_sum_of_squares(predictions: Array, targets: Array) -> float:
    """SS_res: the squared differences of predictions and targets."""
    P = np.asarray(predictions, dtype=np.float64).reshape(np.shape(targets))
    return float(np.sum((P - np.asarray(targets, dtype=np.float64)) ** 2))


def r_squared(predictions: Array, targets: Array) -> float:
    """1 - SS_res / SS_tot over every value.

    Constant targets (SS_tot = 0) leave R² undefined; as scikit-learn does,
    a perfect fit of them scores 1 and anything else 0.
    """
    return explained(residual_sum_of_squares(predictions, targets), total_sum_of_squares(targets), len(targets))


def explained(ss_res: float, ss_tot: float, rows: int, of_rows: int | None = None) -> float:
    """1 - SS_res / SS_tot for `rows` of a set of `of_rows` rows whose SS_tot is given.

    With a part of the set (a minibatch), SS_tot is scaled to the part's
    share of the rows, so that the row-weighted mean of the parts' figures
    (how an epoch of minibatches is averaged) is the R² of the whole set
    over the residuals met during the epoch.
    """
    share = 1.0 if of_rows is None or of_rows == 0 else rows / of_rows
    total = ss_tot * share
    if total == 0.0:
        return 1.0 if ss_res == 0.0 else 0.0
    return 1.0 - ss_res / total


def regression_targets(data: "Dataset", config: "Config") -> tuple[Array, Array]:
    """The float targets (training, test) of a regression set for this network,
    or ConfigError when the network cannot fit floats: a softmax output or a
    class loss (bce, ce) needs classes, and the output layer needs one unit
    per target column."""
    assert data.values is not None and data.values_test is not None
    width = data.values.shape[1]
    if config.loss != "mse":
        raise ConfigError("loss", f"the {data.name} data has float targets, not classes: use mse, not {config.loss}")
    if config.output_activation == "softmax":
        raise ConfigError("output_activation", f"the {data.name} data has float targets, not classes: use linear")
    if config.layers[-1] != width:
        raise ConfigError(
            "layers",
            f"the output layer has {plural(config.layers[-1], 'unit')} but the data has "
            f"{plural(width, 'target column')}; make the last size {width}",
        )
    return data.values, data.values_test
