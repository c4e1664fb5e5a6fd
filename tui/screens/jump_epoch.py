"""Ask for an epoch to jump to (key j); dismisses with the number or None.

The epoch is checked as it is typed: a whole number from 0 up. Epochs
already recorded are reached exactly by the engine's rewind; a later one
is trained to (the app decides, this screen only asks).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.screens.closed_early import closed_before_mount
from tui.widgets.ordered_input import OrderedInput

# Far beyond any run one would watch, small enough to never overflow anything.
MAX_EPOCH = 10**9


def parse_epoch(text: str) -> int:
    """A whole number of epochs from what was typed; ValueError saying why not."""
    cleaned = text.strip().replace("_", "").replace(",", "")
    if not cleaned:
        raise ValueError("type an epoch number, such as 250")
    if not cleaned.isdigit():
        raise ValueError(f"{text.strip()!r} is not a whole number of epochs")
    epoch = int(cleaned)
    if epoch > MAX_EPOCH:
        raise ValueError(f"choose an epoch up to {MAX_EPOCH:,}")
    return epoch


class JumpEpochScreen(ModalScreen[int | None]):
    """One line: the epoch to show."""

    DEFAULT_CSS = """
    JumpEpochScreen { align: center middle; background: $background 60%; }
    JumpEpochScreen #jump-dialog {
        width: 60; max-width: 96%; height: auto; padding: 0 1;
        border: round $primary; border-title-color: $text-primary; background: $surface;
    }
    JumpEpochScreen #jump-error { color: $text-error; text-style: bold; height: auto; }
    JumpEpochScreen #jump-hint { color: $text-muted; height: auto; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="jump-cancel")]

    def __init__(self, current: int, recorded: int) -> None:
        super().__init__()
        self.current = current
        self.recorded = recorded

    def compose(self) -> ComposeResult:
        with Vertical(id="jump-dialog") as dialog:
            dialog.border_title = "Jump to epoch"
            yield Label(f"Now at epoch {self.current}; epochs 0 to {self.recorded} are recorded.", markup=False)
            yield OrderedInput(placeholder="epoch, e.g. 250", id="jump-value", type="integer")
            yield Static("", id="jump-error", markup=False)
            yield Static(
                "enter: go (exactly, by rewind; a later epoch is trained to) · escape: cancel",
                id="jump-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        if closed_before_mount(self):
            return
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        error = ""
        if event.value.strip():
            try:
                parse_epoch(event.value)
            except ValueError as exc:
                error = str(exc)
        self.query_one("#jump-error", Static).update(error)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            epoch = parse_epoch(event.value)
        except ValueError as exc:
            self.query_one("#jump-error", Static).update(str(exc))
            return
        self.dismiss(epoch)

    def action_cancel(self) -> None:
        self.dismiss(None)
