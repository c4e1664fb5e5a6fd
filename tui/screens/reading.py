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
        self.progress = 0.0  # percent read, kept for the bar until it is mounted

    def compose(self) -> ComposeResult:
        with Vertical(id="reading") as box:
            box.border_title = "Reading"
            yield Label(Text(self.title_text), id="reading-title")  # a path is text, not markup
            yield ProgressBar(total=100, show_eta=False, id="reading-bar")
            yield Button("Cancel (esc)", id="reading-cancel-button")

    def on_mount(self) -> None:
        self._show_progress()

    def advance(self, done: int, total: int) -> None:
        """Show `done` of `total` bytes read.

        The reader reports from the moment the screen is pushed, and on a
        busy machine its first report comes before the screen has composed
        its bar: the figure is kept and the bar shows it on mount. (Looking
        the bar up then raised in the reader, which took it for a failed
        read, and the dialog closed with an error instead of showing.)
        """
        if total > 0:
            self.progress = 100 * min(done, total) / total
            self._show_progress()

    def _show_progress(self) -> None:
        """The bar shows `progress`; no bar yet (or any more), nothing to show."""
        for bar in self.query(ProgressBar):
            bar.update(progress=self.progress)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        self.cancel.set()
        self.dismiss(None)
