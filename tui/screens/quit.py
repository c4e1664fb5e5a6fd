"""Asked before quitting with unsaved training: save, quit or stay."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from tui.screens.closed_early import closed_before_mount


class QuitScreen(ModalScreen[str]):
    """Dismisses with "save", "quit" or "stay". A second q quits, so `q q` always leaves."""

    BINDINGS = [
        Binding("s", "answer('save')", "Save", id="quit-save"),
        Binding("q", "answer('quit')", "Quit", id="quit-quit"),
        Binding("escape", "answer('stay')", "Stay", id="quit-stay"),
    ]

    def __init__(self, epochs: int) -> None:
        super().__init__()
        self.epochs = epochs

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Label(
                f"{self.epochs} epochs of training are not saved. Save the session before quitting?",
                id="confirm-question",
            )
            with Horizontal(id="confirm-buttons"):
                yield Button("Save… (s)", id="save", variant="primary")
                yield Button("Quit (q)", id="quit", variant="warning")
                yield Button("Stay (escape)", id="stay")

    def on_mount(self) -> None:
        if closed_before_mount(self):
            return
        self.query_one("#save", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(str(event.button.id))

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer)
