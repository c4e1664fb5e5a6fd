"""K: check your own backward pass from the app, against the weights on screen.

Why: the same check as `backprop-tui check FILE.py`, without leaving the
run: type the path of your file (the contract is `check --template`'s), and
the table says, quantity by quantity, where your forward and backward pass
part from the engine's. The check (model/backward_check.py) runs your file
in a child process with a time limit, in a thread, so the screen never waits.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from model.backward_check import CheckReport, check_file
from tui.check_command import verdict_lines
from tui.format import fixed, theme_colours
from tui.screens.closed_early import closed_before_mount
from tui.widgets.ordered_input import OrderedInput

if TYPE_CHECKING:
    from model import Trainer


MAX_EPOCHS = 1_000_000


class CheckReportScreen(ModalScreen[None]):
    """A path in, a table of quantities and the verdict out."""

    DEFAULT_CSS = """
    CheckReportScreen { align: center middle; }
    #check-dialog {
        width: 100; max-width: 100%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    #check-inputs { height: auto; }
    #check-path { width: 2fr; }
    #check-epochs { width: 1fr; }
    #check-body { height: 1fr; }
    #check-rows { height: auto; }
    #check-verdict, #check-words { height: auto; }
    """
    BINDINGS = [Binding("escape", "close", "Close", id="check-close")]

    def __init__(self, trainer: "Trainer") -> None:
        super().__init__()
        self.trainer = trainer
        self.report: CheckReport | None = None

    def compose(self) -> ComposeResult:
        c = self.trainer.config
        with Vertical(id="check-dialog") as dialog:
            dialog.border_title = "Check your backward pass (escape closes)"
            yield Static(
                Text(
                    f"Your file's forward/backward run beside the engine at epoch {self.trainer.epoch}'s weights "
                    f"({'-'.join(map(str, c.layers))}, {c.activation}, {c.output_activation}, {c.loss}, lr {c.lr:g}). "
                    "A starting file: backprop-tui check --template (with the same options)."
                )
            )
            with Horizontal(id="check-inputs"):
                yield OrderedInput(placeholder="path of your .py file, then enter", id="check-path")
                yield OrderedInput(placeholder="epochs side by side (optional)", id="check-epochs", restrict=r"[0-9]*")
            yield Static("", id="check-verdict")
            with VerticalScroll(id="check-body"):
                yield Static("", id="check-words")
                yield DataTable(id="check-rows", cursor_type="row")

    def on_mount(self) -> None:
        if closed_before_mount(self):
            return
        table = self.query_one("#check-rows", DataTable)
        table.add_column("quantity", key="quantity", width=20)
        table.add_column("layer", key="layer", width=5)
        table.add_column("max |diff|", key="abs", width=10)
        table.add_column("relative", key="rel", width=10)
        table.add_column("verdict", key="verdict", width=16)
        self.query_one("#check-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        path = os.path.expanduser(self.query_one("#check-path", Input).value.strip())
        if not path:
            self.notify("Type the path of your .py file.", severity="error", title="Check", markup=False)
            self.query_one("#check-path", Input).focus()
            return
        text = self.query_one("#check-epochs", Input).value.strip()
        epochs = int(text) if text else 0
        if epochs > MAX_EPOCHS:
            self.notify(f"At most {MAX_EPOCHS} epochs side by side.", severity="error", title="Check", markup=False)
            return
        what = f" and {epochs} epochs side by side" if epochs else ""
        self.query_one("#check-verdict", Static).update(Text(f"Checking {path}{what}…"))
        self._run(path, epochs)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _run(self, path: str, epochs: int = 0) -> None:
        try:
            report = check_file(path, self.trainer, epochs=epochs)
        except Exception as exc:  # noqa: BLE001 - said on the screen, never raised into the app
            self.app.call_from_thread(self._failed, f"{type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self._show, report)

    def _failed(self, message: str) -> None:
        if self.is_mounted:
            self.query_one("#check-verdict", Static).update(Text(f"The check could not run: {message}"))
        self.notify(message, severity="error", title="Check", markup=False)

    def _show(self, report: CheckReport) -> None:
        self.report = report
        if not self.is_mounted:
            return
        positive, negative = theme_colours(self.app)
        table = self.query_one("#check-rows", DataTable)
        table.clear()
        verdict = self.query_one("#check-verdict", Static)
        if report.reason is not None:
            verdict.update(Text(f"Your file cannot be used: {report.reason}", style=negative))
            self.query_one("#check-words", Static).update("")
            self.notify(report.reason, severity="error", title="Check", markup=False)
            return
        for i, row in enumerate(report.rows):
            word = "agrees" if row.agrees else ("DIFFERS ← first" if row is report.first else "DIFFERS")
            table.add_row(
                row.quantity,
                str(row.layer) if row.layer else "-",
                fixed(row.max_abs, 10, 3),
                fixed(row.max_rel, 10, 3),
                Text(word, style=positive if row.agrees else f"bold {negative}"),
                key=f"row-{i}",
            )
        verdict.update(
            Text(
                "Everything agrees." if report.status == 0 else "Something disagrees.",
                style=positive if report.status == 0 else f"bold {negative}",
            )
        )
        self.query_one("#check-words", Static).update(Text("\n".join(verdict_lines(report, self.trainer.config.lr))))

    def action_close(self) -> None:
        self.dismiss(None)
