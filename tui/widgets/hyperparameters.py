"""The hyperparameter form: every field of a `Config`, each checked by the
engine's own parser the moment it is committed (Enter, leaving the field,
or picking a choice).

A good edit posts `HyperparametersChanged` and the app decides what to do
with it; a bad one marks the field `-invalid` and says why underneath,
while the last good configuration stays in force. The form never decides
what is valid: `Config.parse` does, so the form cannot disagree with the
engine.

The form follows the data: changing the dataset or the number of classes
fits the input and output layers (and the output activation and loss) to
it (`model.config.follow_data`), and fields that change nothing for the
configuration in force are greyed (`model.config.applicable_fields`).
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Label, Select, SelectionList, Static, Switch

from model import Config, ConfigError
from model.config import (
    CHOICES,
    DATA_FIELDS,
    FIELD_NAMES,
    REBUILD_FIELDS,
    applicable_fields,
    follow_data,
    parse_value,
)
from model.features import FEATURES
from model.features import LABELS as FEATURE_LABELS
from tui.messages import HyperparametersChanged
from tui.widgets.ordered_input import OrderedInput

# (section title, fields in order). Every Config field appears exactly once.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Data", ("dataset", "samples", "noise", "classes", "features", "test_fraction", "csv_path", "label_column")),
    (
        "Network",
        (
            "layers",
            "activation",
            "output_activation",
            "loss",
            "init",
            "init_scale",
            "init_limit",
            "dtype",
            "feedback_alignment",
            "seed",
        ),
    ),
    ("Optimisation", ("lr", "optimizer", "momentum", "beta1", "beta2", "eps", "l1", "l2", "mode", "batch_size")),
    ("Stopping", ("epochs_per_step", "max_epochs", "target_loss", "stop_at_full_accuracy")),
)
SWITCHES = frozenset({"feedback_alignment", "stop_at_full_accuracy"})
SELECTIONS = frozenset({"features"})  # several of a list at once: a SelectionList
INPUTS: tuple[str, ...] = tuple(
    name
    for _, names in SECTIONS
    for name in names
    if name not in CHOICES and name not in SWITCHES and name not in SELECTIONS
)

LABELS = {
    "dataset": "Dataset",
    "samples": "Samples",
    "noise": "Noise",
    "classes": "Classes",
    "features": "Input features",
    "test_fraction": "Test fraction",
    "csv_path": "CSV file",
    "label_column": "Label column",
    "layers": "Layers",
    "activation": "Hidden act.",
    "output_activation": "Output act.",
    "loss": "Loss",
    "init": "Init",
    "init_scale": "Init scale",
    "init_limit": "Init limit",
    "dtype": "Float type",
    "feedback_alignment": "Feedback align.",
    "seed": "Seed",
    "lr": "Learning rate",
    "optimizer": "Optimizer",
    "momentum": "Momentum",
    "beta1": "Adam β1",
    "beta2": "Adam β2",
    "eps": "Adam ε",
    "l1": "L1 penalty",
    "l2": "L2 penalty",
    "mode": "Batch mode",
    "batch_size": "Batch size",
    "epochs_per_step": "Epochs/step",
    "max_epochs": "Max epochs",
    "target_loss": "Target loss",
    "stop_at_full_accuracy": "Stop at 100%",
}

HELP = {
    "dataset": (
        "The training data: truth tables, 2-D toy sets, iris (4 features, 3 species), 8x8 digits, regression "
        "(sine: y = sin x1; sincos: y = sin x1 cos x2; a linear output, MSE and R²), or a CSV file."
    ),
    "samples": "How many points the 2-D data sets have (truth tables always have 4).",
    "noise": "How much the 2-D data sets are blurred.",
    "classes": "Classes of spiral and blobs; the output layer needs 1 unit for 2 classes, else one per class.",
    "features": (
        "What the input layer is given, as TensorFlow Playground: x1, x2 and x1², x2², x1·x2, sin x1, sin x2 "
        "computed from them (2-input data only). x1², x2² let circles be separated with no hidden layer."
    ),
    "test_fraction": "Share of the samples held out to measure the test loss (0 to 0.9).",
    "csv_path": "The CSV file read when the dataset is csv.",
    "label_column": "The CSV column holding the class (default: the last one).",
    "layers": "Units per layer, inputs first and outputs last, such as 2,4,1.",
    "activation": "The function f in a = f(z) for every hidden layer.",
    "output_activation": "The function of the output layer: sigmoid for one unit, softmax for one per class.",
    "loss": "mse, binary cross-entropy (bce) or categorical cross-entropy (ce).",
    "init": "How the first weights are drawn.",
    "init_scale": "Standard deviation of the normal initialiser.",
    "init_limit": "Range (-limit, limit) of the uniform initialiser.",
    "dtype": "Floating-point precision of every array.",
    "feedback_alignment": "Send the error back through fixed random matrices instead of the weights.",
    "seed": "Seeds the data, the first weights and the batch order: same seed, same run.",
    "lr": "Learning rate: how far each update moves against the gradient.",
    "optimizer": (
        "sgd: W -= lr g. momentum: v = mu v - lr g; W += v (lr inside v, so a new learning rate acts on the next "
        "step only, unlike PyTorch's v = mu v + g; W -= lr v). adam: Kingma and Ba's efficient form, as Keras: "
        "W -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps), eps outside the bias-corrected root "
        "(torch.optim.Adam adds eps to sqrt(v / (1 - b2^t)))."
    ),
    "momentum": "Share of the previous step kept by the momentum optimizer (0 to <1): v = mu v - lr g.",
    "beta1": "Adam's decay of the gradient mean (0 to <1).",
    "beta2": "Adam's decay of the squared gradient mean (0 to <1).",
    "eps": "Adam's epsilon, added to sqrt(v) outside the bias correction (Keras's placement, not PyTorch's).",
    "l1": "L1 penalty on the weights (pulls them to exactly zero).",
    "l2": "L2 penalty on the weights (weight decay).",
    "mode": "full: one update per epoch on all samples; minibatch; sgd: one update per sample.",
    "batch_size": "Samples per update in minibatch mode.",
    "epochs_per_step": "Epochs one press of Step trains.",
    "max_epochs": "Training stops at this epoch.",
    "target_loss": "Training stops when the loss is at or below this (0: never).",
    "stop_at_full_accuracy": "Training stops when every training sample is classified right.",
}

REBUILD_MARK = " ↻"


def field_text(config: Config, name: str) -> str:
    """What an Input shows for a field: text that parses back to the same value."""
    value: Any = getattr(config, name)
    if name in ("layers", "features"):
        return ",".join(str(n) for n in value)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # shortest text that round-trips exactly
    return str(value)


CompactControl = TypeVar("CompactControl", Input, Select)


def _compact(control: CompactControl) -> CompactControl:
    """`control` in its compact style (no border), as `compact=True` makes it
    but without styling it on the spot: Textual sets that class through a
    reactive, which styles the widget (and each of its component classes)
    at once, unmounted, and again when it mounts: a fifth of the form's
    cost."""
    control.set_reactive(type(control).compact, True)
    control.set_class(True, "-textual-compact", update=False)
    return control


class HyperparameterForm(VerticalScroll):
    """Every hyperparameter, validated by the engine as it is committed."""

    DEFAULT_CSS = """
    HyperparameterForm { width: 1fr; height: 1fr; padding: 0 1; }
    HyperparameterForm .form-legend { color: $text-muted; height: auto; }
    HyperparameterForm .form-section { text-style: bold; color: $text-accent; margin-top: 1; height: 1; }
    HyperparameterForm .form-field { height: auto; }
    HyperparameterForm .form-field > Label { width: 17; height: 1; color: $text; }
    HyperparameterForm .form-field > Input, HyperparameterForm .form-field > Select { width: 1fr; }
    HyperparameterForm .form-field > Switch { border: none; height: 1; padding: 0; width: auto; }
    HyperparameterForm .form-field > SelectionList { width: 1fr; height: auto; max-height: 7; }
    HyperparameterForm .form-field > .-invalid { color: $text-error; text-style: bold; }
    HyperparameterForm .form-field.-not-applicable > Label { color: $text-disabled; }
    HyperparameterForm .form-field.-not-applicable > Input { color: $text-disabled; }
    HyperparameterForm .form-field.-not-applicable > Select { color: $text-disabled; }
    HyperparameterForm .form-error { color: $text-error; height: auto; padding-left: 17; display: none; }
    HyperparameterForm .form-error.-shown { display: block; }
    """

    def __init__(self, config: Config, **widget_kwargs) -> None:
        super().__init__(**widget_kwargs)
        self._config = config
        self._errors: dict[str, str] = {}

    # ------------------------------------------------------------ public

    @property
    def config(self) -> Config:
        """The last good configuration (what the app should be running)."""
        return self._config

    @property
    def errors(self) -> dict[str, str]:
        """Fields whose last edit was refused, with the reason shown."""
        return dict(self._errors)

    def set_config(self, config: Config) -> None:
        """Show `config` in every field and clear every error, posting nothing."""
        self._config = config
        for name in list(self._errors):
            self._clear_error(name)
        if self.is_mounted:
            for name in FIELD_NAMES:
                self._show_value(name)
            self._grey()

    def show_error(self, name: str, message: str) -> None:
        """Explain a problem the app found (e.g. layers that do not fit the data)."""
        self._errors[name] = message
        if self.is_mounted:
            self._control(name).add_class("-invalid")
            error = self.query_one(f"#error-{name}", Static)
            error.update(f"✗ {message}")
            error.add_class("-shown")

    def clear_error(self, name: str) -> None:
        self._clear_error(name)

    # ----------------------------------------------------------- building

    def compose(self) -> ComposeResult:
        yield Static(f"Enter or leave a field to apply it.{REBUILD_MARK} = starts a new run.", classes="form-legend")
        # Rows are greyed as they are made: greying them once mounted (_grey)
        # styled each row a second time, a tenth of a second for the form.
        applicable = applicable_fields(self._config)
        for title, names in SECTIONS:
            yield Static(title, classes="form-section")
            for name in names:
                label = LABELS[name] + (REBUILD_MARK if name in REBUILD_FIELDS else "")
                greyed = "" if name in applicable else " -not-applicable"
                with Horizontal(classes=f"form-field{greyed}", id=f"row-{name}"):
                    yield Label(label)
                    yield self._make_control(name)
                yield Static("", classes="form-error", id=f"error-{name}")

    def _make_control(self, name: str) -> Widget:
        tooltip = HELP[name] + (" Changing it starts a new run." if name in REBUILD_FIELDS else "")
        value = getattr(self._config, name)
        if name in CHOICES:
            control: Widget = _compact(
                Select(
                    [(choice, choice) for choice in CHOICES[name]], value=value, allow_blank=False, id=f"field-{name}"
                )
            )
        elif name in SWITCHES:
            control = Switch(value=value, animate=False, id=f"field-{name}")
        elif name in SELECTIONS:
            control = SelectionList[str](
                *((FEATURE_LABELS[f], f, f in value) for f in FEATURES), compact=True, id=f"field-{name}"
            )
        else:
            control = _compact(OrderedInput(value=field_text(self._config, name), id=f"field-{name}"))
        control.tooltip = tooltip
        return control

    def on_mount(self) -> None:
        for name, message in list(self._errors.items()):
            self.show_error(name, message)
        self._grey()

    def _grey(self) -> None:
        """Grey the fields that change nothing for the configuration in force (their tooltip still explains)."""
        applicable = applicable_fields(self._config)
        for name in FIELD_NAMES:
            # A class, not `disabled`: the field stays editable (set it now for later) and keeps its error mark.
            self.query_one(f"#row-{name}").set_class(name not in applicable, "-not-applicable")

    # ------------------------------------------------------------ events

    @staticmethod
    def _field_of(widget: Widget) -> str | None:
        wid = widget.id or ""
        name = wid.removeprefix("field-")
        return name if wid.startswith("field-") and name in FIELD_NAMES else None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        name = self._field_of(event.input)
        if name is not None:
            event.stop()
            self._commit(name, event.value)

    def on_input_blurred(self, event: Input.Blurred) -> None:
        name = self._field_of(event.input)
        if name is not None:
            event.stop()
            self._commit(name, event.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._field_of(event.input) is not None:
            event.stop()  # applied on Enter or leaving the field, not per keystroke

    def on_select_changed(self, event: Select.Changed) -> None:
        name = self._field_of(event.select)
        if name is None:
            return
        event.stop()
        if event.value is Select.BLANK or event.value == getattr(self._config, name):
            return  # our own set_config or revert echoing back
        if event.value != event.select.value:
            return  # moved on since: its own change follows, or it shows the value in force
        self._commit(name, str(event.value), revert=True)

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        name = self._field_of(event.selection_list)
        if name is None:
            return
        event.stop()
        chosen = tuple(f for f in FEATURES if f in event.selection_list.selected)
        if chosen == getattr(self._config, name):
            return  # an echo of the value in force
        self._commit(name, ",".join(chosen), revert=True)  # none chosen: refused, the choice snaps back

    def on_switch_changed(self, event: Switch.Changed) -> None:
        name = self._field_of(event.switch)
        if name is None:
            return
        event.stop()
        if event.value == getattr(self._config, name) or event.value != event.switch.value:
            return  # an echo of the value in force, or stale (see on_select_changed)
        self._commit(name, "true" if event.value else "false", revert=True)

    # ----------------------------------------------------------- commits

    def _commit(self, name: str, text: str, revert: bool = False) -> None:
        """Validate one field with the engine; post the new config or explain."""
        try:
            if name in DATA_FIELDS:  # the network's ends follow the data (and float targets' output side)
                new = follow_data(self._config, **{name: parse_value(name, text)})
            else:
                new = self._config.parse(name, text)
        except ConfigError as error:
            where = "" if error.field == name else f"{LABELS.get(error.field, error.field)}: "
            self.show_error(name, f"{where}{error.message}")
            if revert:
                self._show_value(name)  # a choice snaps back to the value in force
            return
        except (ValueError, TypeError, OverflowError) as error:
            # The parser should only raise ConfigError; never let a slip reach the user.
            self.show_error(name, f"{text!r} is not understood ({error})")
            return
        self._clear_error(name)
        for other in [n for n in self._errors if n in CHOICES or n in SWITCHES]:
            self._clear_error(other)  # a refused choice was reverted; its note is now stale
        changed = new != self._config
        followed = [n for n in FIELD_NAMES if n != name and getattr(new, n) != getattr(self._config, n)]
        self._config = new
        if name in INPUTS and getattr(self._control(name), "value", None) == text:
            # e.g. "2-4-1" reads back as "2,4,1", "0" as "0.0"; but not over
            # what was typed since this text was sent (its own commit follows).
            self._show_value(name)
        for other in followed:  # a field the data moved shows the value in force: its old refusal is stale
            self._clear_error(other)
            self._show_value(other)
        self._grey()
        if changed:
            self.post_message(HyperparametersChanged(new, name))

    # ------------------------------------------------------------ helpers

    def _control(self, name: str) -> Widget:
        return self.query_one(f"#field-{name}")

    def _show_value(self, name: str) -> None:
        """Put the value in force into its control without it posting a change."""
        control = self._control(name)
        if isinstance(control, SelectionList):
            if tuple(f for f in FEATURES if f in control.selected) != getattr(self._config, name):
                with self.prevent(SelectionList.SelectedChanged):
                    control.deselect_all()
                    for value in getattr(self._config, name):
                        control.select(value)
            return
        value = field_text(self._config, name) if isinstance(control, Input) else getattr(self._config, name)
        if getattr(control, "value") != value:
            with self.prevent(Select.Changed, Switch.Changed, Input.Changed):
                control.value = value  # type: ignore[attr-defined]

    def _clear_error(self, name: str) -> None:
        self._errors.pop(name, None)
        if self.is_mounted:
            self._control(name).remove_class("-invalid")
            error = self.query_one(f"#error-{name}", Static)
            error.update("")
            error.remove_class("-shown")
