"""Messages that widgets and the training worker send to the app."""

from __future__ import annotations

from textual.message import Message

from model import Config


class HyperparametersChanged(Message):
    """The form holds a new valid configuration the user wants applied."""

    def __init__(self, config: Config, field: str) -> None:
        super().__init__()
        self.config = config
        self.field = field


class WeightSelected(Message):
    """A cell of a weights table was chosen: layer (0-based), row (input, or
    fan_in for the bias row) and column (unit)."""

    def __init__(self, layer: int, row: int, column: int) -> None:
        super().__init__()
        self.layer = layer
        self.row = row
        self.column = column
