"""The errors the engine raises: each names what was wrong in words a user can act on."""

from __future__ import annotations

from dataclasses import dataclass


class BackpropError(ValueError):
    """Base of every error the engine raises on bad input; catch this in front-ends."""


class ConfigError(BackpropError):
    """A hyperparameter is invalid; `field` names it so a form can mark it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class DataError(BackpropError):
    """A dataset (built-in or CSV) cannot be used, with the reason."""


class WeightsFileError(BackpropError):
    """A weights or session file is unreadable, corrupt or does not fit the network."""


@dataclass(frozen=True)
class Divergence:
    """Where a run first produced a value that is not a finite number."""

    epoch: int
    layer: int  # 1-based, as the UI names layers
    quantity: str  # "weights", "biases", "z", "a", "delta", "loss"
    value: str  # "nan", "inf" or "-inf"

    def __str__(self) -> str:
        where = f"in layer {self.layer} " if self.layer else ""
        return f"diverged at epoch {self.epoch} {where}({self.quantity} became {self.value})"


class DivergenceError(BackpropError):
    """A step would have produced NaN or infinity; the last good state is kept."""

    def __init__(self, divergence: Divergence):
        super().__init__(str(divergence))
        self.divergence = divergence
