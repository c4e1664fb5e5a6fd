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


class TrainingProgress(Message):
    """A snapshot from the training worker, posted at most ~10 times a second.

    Only the newest matters, so a queued one is replaced rather than drawn:
    a slow screen never falls behind the worker.
    """

    def __init__(self, run_id: int, record, rate: float) -> None:
        super().__init__()
        self.run_id = run_id
        self.record = record
        self.rate = rate

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TrainingProgress)


class RunEnded(Message):
    """The relay's last word on run `run_id`: how it ended and the trainer to
    go on with (tui/training_process.RunResult)."""

    def __init__(self, run_id: int, result) -> None:
        super().__init__()
        self.run_id = run_id
        self.result = result
