"""g: the backward pass checked against finite differences, on the weights
on screen.

Why: a student (or an engineer with a hand-written backward pass) can see
that backpropagation's gradient is the slope of the loss, parameter by
parameter, and what it looks like when it is not (feedback alignment).
The check itself is `model.gradcheck.check_trainer`; it runs in a thread
so a big network does not freeze the screen, and this screen only lays out
its result: one row per layer (worst relative error, pass or fail), and the
parameters of the highlighted layer below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from model.gradcheck import DEFAULT_H, DEFAULT_TOLERANCE, GradientCheck, check_trainer
from model.names import parameter_name
from tui.format import fixed, fixed_int, theme_colours
from tui.screens.closed_early import closed_before_mount

if TYPE_CHECKING:
    from model import Trainer

# (width, digits) of fixed(): derivatives with enough digits to see them agree.
DERIVATIVE = (14, 10)
RELATIVE = (10, 2)
MAX_PARAMETERS = 300  # rows of the drill-down table
PASS, FAIL = "✓ pass", "✗ FAIL"


def derivative_text(x: float) -> str:
    return fixed(x, *DERIVATIVE)


def relative_text(x: float) -> str:
    return fixed(x, *RELATIVE)


class GradientCheckScreen(ModalScreen[None]):
    """Per layer the worst relative error; per parameter both derivatives."""

    BINDINGS = [Binding("escape,g", "close", "Close", id="gradcheck-close")]

    def __init__(self, trainer: "Trainer") -> None:
        super().__init__()
        self.trainer = trainer
        self.epoch = trainer.epoch
        self.feedback = trainer.network.feedback is not None
        self.result: GradientCheck | None = None
        self.error = ""
        self.listed_layer: int | None = None  # the layer whose parameters are listed

    def compose(self) -> ComposeResult:
        n = self.trainer.layout.n_params
        with Vertical(id="gradcheck-dialog") as dialog:
            dialog.border_title = "Gradient check (escape closes)"
            yield Static(
                f"Epoch {self.epoch}: each parameter's gradient from the backward pass (analytic) against the "
                f"slope of the loss measured by nudging that parameter ±h (numeric, central differences, "
                f"h {DEFAULT_H:g} × max(1, |w|)). Relative error |a − n| / max(|a| + |n|, largest |a|); "
                f"a parameter passes below {DEFAULT_TOLERANCE:g}.",
                id="gradcheck-intro",
            )
            if self.feedback:
                yield Static(
                    "Feedback alignment is on: the backward pass sends the error down through fixed random "
                    "matrices B instead of the weights, so the hidden layers' 'gradients' are not the slope "
                    "of the loss and fail this check by design. The output layer does not use B and passes.",
                    id="gradcheck-feedback",
                )
            yield Static(f"Checking {n} parameters (two forward passes each)…", id="gradcheck-verdict")
            yield DataTable(id="gradcheck-layers", cursor_type="row", zebra_stripes=False)
            yield Static("", id="gradcheck-caption")
            yield DataTable(id="gradcheck-parameters", cursor_type="row")

    def on_mount(self) -> None:
        if closed_before_mount(self):
            return
        layers = self.query_one("#gradcheck-layers", DataTable)
        layers.add_column("layer", key="layer", width=10)
        layers.add_column("params", key="params", width=6)
        layers.add_column("max error", key="worst", width=RELATIVE[0])
        layers.add_column("at", key="at", width=12)
        layers.add_column("result", key="result", width=6)
        parameters = self.query_one("#gradcheck-parameters", DataTable)
        parameters.add_column("parameter", key="name", width=12)
        parameters.add_column("analytic", key="analytic", width=DERIVATIVE[0])
        parameters.add_column("numeric", key="numeric", width=DERIVATIVE[0])
        parameters.add_column("rel. error", key="rel", width=RELATIVE[0])
        parameters.add_column("result", key="result", width=6)
        layers.focus()
        self._run_check()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _run_check(self) -> None:
        try:
            result = check_trainer(self.trainer)
        except Exception as exc:  # said on the screen, never raised into the app
            self.app.call_from_thread(self._failed, f"{type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self._show, result)

    def _failed(self, message: str) -> None:
        self.error = message
        if self.is_mounted:
            self.query_one("#gradcheck-verdict", Static).update(Text(f"The check could not run: {message}"))

    # ------------------------------------------------------------ drawing

    def _result_text(self, passed: bool) -> Text:
        positive, negative = theme_colours(self.app)
        return Text(PASS, style=positive) if passed else Text(FAIL, style=f"bold {negative}")

    def _parameter_name(self, entry) -> str:
        fan_in = self.trainer.layout.shapes[entry.layer][0]
        if entry.kind == "b":
            return parameter_name(entry.layer, fan_in, entry.position[0], fan_in)
        return parameter_name(entry.layer, entry.position[0], entry.position[1], fan_in)

    def _show(self, result: GradientCheck) -> None:
        self.result = result
        if not self.is_mounted:
            return  # closed before the check finished
        try:
            self._fill(result)
        except Exception as exc:  # a drawing bug is said here, not lost in the worker
            self._failed(f"{type(exc).__name__}: {exc}")

    def _fill(self, result: GradientCheck) -> None:
        sizes = self.trainer.layout.sizes
        failing = [layer.name for layer in result.layers if not layer.passed]
        if result.passed:
            verdict = (
                f"Every layer passes: the backward pass gives the slope of the loss "
                f"(largest relative error {relative_text(result.worst.rel_error).strip()})."
            )
        else:
            verdict = f"{', '.join(failing)} {'fails' if len(failing) == 1 else 'fail'}: "
            verdict += (
                "expected with feedback alignment (see above)."
                if self.feedback
                else "the backward pass and the slope of the loss disagree there."
            )
        self.query_one("#gradcheck-verdict", Static).update(Text(verdict))
        layers = self.query_one("#gradcheck-layers", DataTable)
        layers.clear()
        for layer in result.layers:
            layers.add_row(
                f"L{layer.layer + 1} {sizes[layer.layer]}→{sizes[layer.layer + 1]}",
                fixed_int(layer.n_params, 6),
                relative_text(layer.worst_rel_error),
                self._parameter_name(result.entries[layer.worst_index]),
                self._result_text(layer.passed),
                key=f"layer-{layer.layer}",
            )
        self.show_layer(0)

    def show_layer(self, index: int) -> None:
        """List the parameters of layer `index` (0-based) in the lower table."""
        result = self.result
        if result is None or not 0 <= index < len(result.layers):
            return
        self.listed_layer = index
        entries = [e for e in result.entries if e.layer == index]
        shown = entries[:MAX_PARAMETERS]
        caption = f"The {len(entries)} parameters of L{index + 1}"
        if len(shown) < len(entries):
            caption += f" (first {len(shown)} shown)"
        caption += ", the layer highlighted above; enter moves down here."
        self.query_one("#gradcheck-caption", Static).update(Text(caption))
        table = self.query_one("#gradcheck-parameters", DataTable)
        table.clear()
        for e in shown:
            table.add_row(
                self._parameter_name(e),
                derivative_text(e.analytic),
                derivative_text(e.numeric),
                relative_text(e.rel_error),
                self._result_text(e.passed),
                key=f"p-{e.index}",
            )

    # ------------------------------------------------------------ events

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "gradcheck-layers" and event.row_key.value:
            event.stop()
            self.show_layer(int(event.row_key.value.removeprefix("layer-")))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "gradcheck-layers" and event.row_key.value:
            event.stop()
            self.show_layer(int(event.row_key.value.removeprefix("layer-")))
            self.query_one("#gradcheck-parameters", DataTable).focus()

    def action_close(self) -> None:
        self.dismiss(None)
