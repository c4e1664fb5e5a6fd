"""F1: every key and what it does, and how to read the tables."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from tui.screens.closed_early import closed_before_mount

GUIDE = """\
**Layer inspector.** One tab per layer, named by its shape (`L1 2→4`: 2 inputs,
4 units). *Weights*: one row per input of the layer plus a `bias` row, one
column per unit, so `W[l]` has shape (fan_in, fan_out) and a layer computes
`z = a_prev @ W + b`. *Gradients*: `dW` and `db` in the same layout: what the
next update subtracts (times the learning rate). *Deltas*: one row per
training sample, one column per unit. *Activations*: `z` and `a` per sample.

**The delta convention.** `delta = dLoss_i/dz`: the error signal of sample
*i* at a unit, before the batch mean. Backpropagation sends it down one layer
with `delta_prev = (delta @ W.T) * f'(z_prev)`, and the gradient is the batch
mean `dW = a_prev.T @ delta / N`, `db = mean of delta over samples`.

**Epochs.** Epoch *e* is the state after *e* updates; epoch 0 holds the
initial weights. In full-batch mode every figure of epoch *e* is computed at
those weights, so the gradients shown are the ones the next step will use.
Stepping back is exact: stepping forward again replays the same run unless a
hyperparameter is changed first, which starts a new branch (drawn faded).

**Numbers.** Fixed width with a sign; ▲ ▼ mark a value that went up or down
since the last record shown. The loss is the mean over samples.

**Typing ahead.** What you type right after a key that opens a dialog (`c`
then a path, `j` then an epoch, a paste) goes into that dialog, in order,
even before it is drawn; keys typed just before it act first. In a text field, editing keys typed fast (ctrl+a,
ctrl+k, the arrows) act in the order typed, between the characters.
"""


# Keys that belong to widgets rather than to the app's bindings.
WIDGET_KEYS: tuple[tuple[str, str, str], ...] = (
    (
        "enter",
        "Choose weight",
        "On a cell of a Weights table (or a click on it): follow that weight's gradient in "
        "the Chain rule tab, and name its value and gradient.",
    ),
    ("arrows", "Move", "Move the cursor in a table; in this help, scroll."),
    ("tab / shift+tab", "Focus", "Move between the tables, the tabs and the form."),
)


class HelpScreen(ModalScreen[None]):
    """Keys (from the app's own bindings, so it cannot go stale) and a guide."""

    BINDINGS = [Binding("escape,f1,q", "close", "Close", id="help-close")]

    def __init__(self, keys: list[tuple[str, str, str]]) -> None:
        """`keys`: (key names, short name, what it does) per binding; the widgets' own keys follow."""
        super().__init__()
        self.keys = [*keys, *WIDGET_KEYS]

    def compose(self) -> ComposeResult:
        # A rich table wraps its last column on narrow screens; a DataTable would cut it.
        table = Table(box=None, expand=True, show_edge=False, pad_edge=False)
        table.add_column("key", no_wrap=True)
        table.add_column("action", no_wrap=True)
        table.add_column("what it does", ratio=1)
        for key, name, explanation in self.keys:
            table.add_row(key, name, explanation)
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Help: keys (escape closes)"
            yield Static(table, id="help-keys")
            yield Markdown(GUIDE, id="help-guide")

    def on_mount(self) -> None:
        if closed_before_mount(self):
            return
        # Focused at once, so the arrows and page keys scroll without a Tab first.
        self.query_one("#help-body", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
