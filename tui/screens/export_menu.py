"""The export menu (x): pick what to write; the path is asked next."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.screens.closed_early import closed_before_mount


class ExportMenu(ModalScreen[str | None]):
    """Dismisses with the chosen export's id, or None when cancelled."""

    BINDINGS = [Binding("escape,q", "cancel", "Cancel", id="export-cancel")]
    # Enter chooses, and the path dialog opens next: what is typed right
    # behind enter goes to that dialog (tui/type_ahead.py).
    TYPE_AHEAD_AFTER = frozenset({"enter"})

    def __init__(self, exports: list[tuple[str, str, str]]) -> None:
        """`exports`: (id, name, what it writes) per entry."""
        super().__init__()
        self.exports = exports

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog") as dialog:
            dialog.border_title = "Export (enter chooses, escape cancels)"
            yield OptionList(
                *(Option(f"{name}: {what}", id=export_id) for export_id, name, what in self.exports),
                id="export-options",
            )
            yield Label("Files are written whole or not at all.", id="export-note")

    def on_mount(self) -> None:
        if closed_before_mount(self):
            return
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
