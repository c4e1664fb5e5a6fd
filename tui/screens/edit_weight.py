"""e: type a new value for one weight or bias.

Why a dialog: the value is checked as it is typed, and text that is not a
finite number ("abc", "nan", "1e999") is refused here with the reason, so
nothing reaches the trainer unless it can take it. The dialog only parses;
the app applies the value through `Trainer.edit_parameter`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static
from textual.widgets.data_table import CellDoesNotExist

from tui.format import fixed
from tui.screens.closed_early import closed_before_mount
from tui.widgets.ordered_input import OrderedInput


def parse_weight(text: str, limit: float = math.inf) -> float:
    """The number in `text`, or ValueError saying why it cannot be a weight.

    `limit`: the largest magnitude the network's number type holds.
    """
    raw = text.strip().replace("_", "")
    if not raw:
        raise ValueError("type a number, such as 0.5 or -1e-3")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number") from None
    if math.isnan(value):
        raise ValueError("nan is not a number a weight can hold")
    if math.isinf(value) or abs(value) > limit:
        raise ValueError(f"{text.strip()!r} is too large: a weight must be a finite number up to {limit:.3g}")
    return value


def cursor_weight(table: DataTable, sizes: Sequence[int]) -> tuple[int, int, int] | None:
    """(layer, row, column) under the cursor of a weights or gradients table
    of the layer inspector (ids "weights-{l}", "grads-{l}"; row keys "in-{i}"
    and "bias", column keys "u-{j}"), or None for any other table.

    `sizes`: the network's layer sizes; the bias row is row fan_in.
    """
    table_id = table.id or ""
    kind, _, layer = table_id.partition("-")
    if kind not in ("weights", "grads") or not layer.isdigit() or not table.row_count:
        return None
    if int(layer) >= len(sizes) - 1:
        return None
    fan_in = sizes[int(layer)]
    try:
        cell = table.coordinate_to_cell_key(table.cursor_coordinate)
    except CellDoesNotExist:
        return None
    row_key, column_key = cell.row_key.value or "", cell.column_key.value or ""
    if not column_key.startswith("u-"):
        return None
    row = fan_in if row_key == "bias" else int(row_key.removeprefix("in-"))
    return int(layer), row, int(column_key.removeprefix("u-"))


class EditWeightScreen(ModalScreen[float | None]):
    """Dismisses with the new value, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="edit-cancel")]

    def __init__(self, name: str, value: float, epoch: int, limit: float = math.inf, branching: bool = False) -> None:
        """`name`: the weight as the UI calls it; `branching`: the run has
        recorded epochs after this one, which the edit abandons."""
        super().__init__()
        self.weight_name = name
        self.value = float(value)
        self.epoch = epoch
        self.limit = limit
        self.branching = branching

    def compose(self) -> ComposeResult:
        later = (
            f"The epochs recorded after {self.epoch} are kept as a faded branch of the loss chart. "
            if self.branching
            else ""
        )
        with Vertical(id="edit-dialog") as dialog:
            dialog.border_title = f"Edit {self.weight_name} at epoch {self.epoch}"
            yield Label(f"Now {fixed(self.value).strip()}. New value:", id="edit-current")
            yield OrderedInput(repr(self.value), id="edit-value", select_on_focus=True)
            yield Static("", id="edit-error")
            yield Static(
                f"Enter applies, escape cancels. The outputs, loss and deltas are recomputed at once. {later}"
                "b goes back to the epoch before, unedited.",
                id="edit-hint",
            )

    def on_mount(self) -> None:
        if closed_before_mount(self):
            return
        self.query_one("#edit-error").display = False
        self.query_one(Input).focus()

    def _check(self, text: str) -> float | None:
        error = self.query_one("#edit-error", Static)
        try:
            value = parse_weight(text, self.limit)
        except ValueError as exc:
            error.update(Text(str(exc)))
            error.display = True
            return None
        error.display = False
        return value

    def on_input_changed(self, event: Input.Changed) -> None:
        """A shown reason goes as soon as the text is right; half-typed text is not scolded."""
        event.stop()
        if self.query_one("#edit-error").display:
            self._check(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = self._check(event.value)
        if value is not None:
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
