"""A modal that shows a file being read off the UI thread, with its progress and a way out.

It only shows and cancels: the reading is a thread worker of the app (see
tui/file_actions.py), which calls `advance` through `call_from_thread`. Escape
or the button sets the shared cancel event; the reader stops at its next
progress report and the run on screen stays as it was.
"""

from __future__ import annotations

import threading

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, ProgressBar


class ReadingScreen(ModalScreen[None]):
    """'Reading FILE' with a progress bar (bytes) and Cancel."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="reading-cancel")]
    DEFAULT_CSS = """
    ReadingScreen { align: center middle; }
    #reading { width: 70; height: auto; border: round $primary; padding: 1 2; background: $surface; }
    #reading-bar { margin: 1 0; }
    """

    def __init__(self, title: str, cancel: threading.Event) -> None:
        super().__init__()
        self.title_text = title
        self.cancel = cancel

    def compose(self) -> ComposeResult:
        with Vertical(id="reading") as box:
            box.border_title = "Reading"
            yield Label(Text(self.title_text), id="reading-title")  # a path is text, not markup
            yield ProgressBar(total=100, show_eta=False, id="reading-bar")
            yield Button("Cancel (esc)", id="reading-cancel-button")

    def advance(self, done: int, total: int) -> None:
        """Show `done` of `total` bytes read."""
        if total > 0:
            self.query_one(ProgressBar).update(progress=100 * min(done, total) / total)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        self.cancel.set()
        self.dismiss(None)
