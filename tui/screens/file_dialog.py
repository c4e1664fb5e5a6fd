"""A modal dialog that asks for a file path (save, open, export, CSV data).

It only collects text: whether the file can be read or written is for the
engine to say when it tries, so the reason shown is always the real one.
"""

from __future__ import annotations

from typing import NamedTuple

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from tui.screens.closed_early import closed_before_mount
from tui.widgets.ordered_input import OrderedInput


class FileAnswer(NamedTuple):
    """What the user typed: the path, and the optional second field ("" if none)."""

    path: str
    option: str = ""


class FileDialog(ModalScreen[FileAnswer | None]):
    """Asks for a path; dismisses with a FileAnswer, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="file-cancel")]

    def __init__(
        self,
        title: str,
        default: str = "",
        action: str = "OK",
        hint: str = "",
        option: str | None = None,
        option_placeholder: str = "",
    ) -> None:
        """`option`: the label of a second, optional field (such as the label
        column of a CSV file); None for a path alone."""
        super().__init__()
        self.title_text = title
        self.default = default
        self.action_text = action
        self.hint = hint
        self.option = option
        self.option_placeholder = option_placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="file-dialog") as dialog:
            dialog.border_title = self.title_text
            yield Label("Path (relative to the folder backprop-tui was started in):", classes="file-label")
            yield OrderedInput(self.default, placeholder="file name", id="file-path")
            if self.option is not None:
                yield Label(self.option, classes="file-label")
                yield OrderedInput(placeholder=self.option_placeholder, id="file-option")
            yield Label(self.hint, id="file-hint")
            yield Label("", id="file-error")
            with Horizontal(id="file-buttons"):
                yield Button(self.action_text, id="file-ok", variant="primary")
                yield Button("Cancel (esc)", id="file-cancel")

    def on_mount(self) -> None:
        if closed_before_mount(self):
            return
        self.query_one("#file-hint", Label).display = bool(self.hint)
        self.query_one("#file-error", Label).display = False
        path = self.query_one("#file-path", Input)
        path.focus()
        path.cursor_position = len(path.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()  # from either field: the second one is optional (tab reaches it)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "file-ok":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        path = self.query_one("#file-path", Input).value.strip()
        if not path:
            error = self.query_one("#file-error", Label)
            error.update("Give a file name.")
            error.display = True
            self.query_one("#file-path", Input).focus()
            return
        option = self.query_one("#file-option", Input).value.strip() if self.option is not None else ""
        self.dismiss(FileAnswer(path, option))

    def action_cancel(self) -> None:
        self.dismiss(None)
