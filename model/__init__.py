"""backprop-tui's engine: a small NumPy multi-layer perceptron whose every
intermediate array (z, a, delta, dW, db) is kept so it can be inspected.

Pure NumPy: usable from a notebook or script, with no terminal at all.
"""

from model.config import Config
from model.errors import BackpropError, ConfigError, DataError, Divergence, DivergenceError, WeightsFileError
from model.records import EpochRecord, RecordFigures
from model.trainer import Trainer

__all__ = [
    "BackpropError",
    "Config",
    "ConfigError",
    "DataError",
    "Divergence",
    "DivergenceError",
    "EpochRecord",
    "RecordFigures",
    "Trainer",
    "WeightsFileError",
]
