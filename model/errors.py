"""The errors the engine raises: each names what was wrong in words a user can act on."""

from __future__ import annotations


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
