"""The app: its keys, the training worker, and the wiring between widgets.

Run mode: a thread worker hands a copy of the trainer to a child
interpreter (tui/training_process.py), which trains it on the other core,
and turns what the child sends about ten times a second into
`TrainingProgress` snapshots. When the run ends, the app carries on with the
trainer the child sends back. Every other change to the trainer (step,
back, reset, reconfigure, rebuild) happens on the UI thread, after `_halt()`
has stopped the run and taken that trainer back. So the trainer on screen
is never changed by two hands at once, and a snapshot from a stopped run
(stale `run_id`) is dropped instead of drawn.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

import numpy as np
from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, HorizontalScroll, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, TabPane
from textual.worker import get_current_worker

from model import BackpropError, Config, DivergenceError, Trainer
from tui.file_actions import FileActions
from tui.format import fixed
from tui.messages import (
    HyperparametersChanged,
    TrainingProgress,
    TrainingStopped,
    WeightSelected,
)
from tui.screens.confirm import ConfirmScreen
from tui.themes import register_themes
from tui.training_process import Outcome, TrainingProcess
from tui.widgets.decision_boundary import DecisionBoundary
from tui.widgets.hyperparameters import HyperparameterForm
from tui.widgets.insight_tabs import InsightTabs
from tui.widgets.layer_health import LayerHealthView
from tui.widgets.layer_inspector import LayerInspector
from tui.widgets.loss_chart import LossChart
from tui.widgets.predictions import PredictionsTable
from tui.widgets.stats_bar import StatsBar
from tui.widgets.unit_images import UnitImages
from tui.widgets.walkthrough_panel import WalkthroughPanel, weight_label

# Snapshots per second from the worker: enough to look live, few enough that
# drawing them costs the UI thread little.
REDRAWS_PER_SECOND = 10

# What each key does, in a sentence (help screen and command palette).
EXPLAIN = {
    "step": "Train one epoch: one update of every weight.",
    "step_many": "Train 'epochs per step' epochs (set in the form), stopping early at a stop condition.",
    "run": "Train continuously until paused, a stop condition, or divergence.",
    "back": "Go back one epoch, exactly (works from a diverged state).",
    "back_many": "Go back 'epochs per step' epochs.",
    "reset": "Back to epoch 0: the same seed's initial weights. The run is kept: stepping replays it.",
    "log_scale": "Switch the loss chart between a linear and a logarithmic y axis.",
    "next_layer": "Show the next layer in the inspector.",
    "previous_layer": "Show the previous layer in the inspector.",
    "form": "Show or hide the hyperparameter form (escape leaves it).",
    "help": "This screen.",
    "quit": "Leave backprop-tui.",
    "save_session": "Save the whole run (settings, weights, history, rewind points, data) to a session file.",
    "open_session": "Open a saved session in place of this run, exactly where it was left.",
    "export": "Write the loss history (CSV), the weights (.npz), a screenshot (SVG) or a standalone Python script.",
    "open_csv": "Train on your own CSV file: the input and output layers follow its columns and classes.",
    "previous_sample": "Chain rule tab: follow the chosen weight's gradient for the previous training sample.",
    "next_sample": "Chain rule tab: follow the chosen weight's gradient for the next training sample.",
    "edit_weight": (
        "Type a new value for the weight under the cursor (or the one the Chain rule tab follows). The outputs, "
        "loss and deltas are recomputed at once at this epoch, and training goes on from the edited weights; "
        "epochs recorded after this one are kept as a faded branch. b goes back to the epoch before, unedited: "
        "stepping forward from there trains again without your edit."
    ),
    "gradient_check": (
        "Pause and check backpropagation: each parameter's gradient against the slope of the loss measured by "
        "nudging the parameter (finite differences), worst error per layer, then per parameter."
    ),
    "feedback_alignment": (
        "Switch feedback alignment on or off: the error goes back through fixed random matrices instead of the "
        "weights. It needs a new network, so it asks first."
    ),
    "next_insight": "Show the next tab of the lower-right panel: outputs, map (decision boundary), health, chain rule.",
    "view_weights": "Show the layer's Weights table: W and b (enter on a cell chooses that weight).",
    "view_grads": "Show the layer's Gradients table: dW and db, what the next update subtracts times the learning rate.",
    "view_deltas": "Show the layer's Deltas table: the error signal dLoss/dz of every sample at every unit.",
    "view_acts": "Show the layer's Activations table: z and a = f(z) of every sample at every unit.",
    "focus_layout": (
        "Switch the focus layout for a projector: only the layer tables and a full-width loss chart, larger; "
        "z again brings the other panels back. --theme backprop-projector gives high contrast."
    ),
    "lessons": (
        "Open a lesson: a named scenario (the classic XOR, a plateau, dead ReLUs, a learning rate too high, ...) "
        "with its settings and a short text on what to watch and what to press."
    ),
    "boundary_mode": (
        "Decision boundary tab: switch between the network's probabilities (shade = how sure) and flat class "
        "regions with their borders drawn."
    ),
}

# How a hot change is named in its notification.
FIELD_LABELS = {
    "lr": "learning rate",
    "l1": "L1 penalty",
    "l2": "L2 penalty",
    "beta1": "Adam beta1",
    "beta2": "Adam beta2",
    "eps": "Adam epsilon",
    "batch_size": "batch size",
    "epochs_per_step": "epochs per step",
    "max_epochs": "epoch limit",
    "target_loss": "target loss",
    "stop_at_full_accuracy": "stop at full accuracy",
}

# Fields about how far to train, not how: no "applies from epoch N".
STEPPING_FIELDS = frozenset({"epochs_per_step", "max_epochs", "target_loss", "stop_at_full_accuracy"})


class BackpropApp(FileActions, App[None]):
    """Step, run, rewind and inspect the training of a small MLP."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "backprop-tui"
    AUTO_FOCUS = "#inspector DataTable"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    # The footer shows every key, most used first (it scrolls sideways on a
    # small terminal); F1 and ctrl+p explain each one in a sentence.
    STEP = Binding.Group("Step")
    BACK = Binding.Group("Back")
    LAYER = Binding.Group("Layer")
    SAMPLE = Binding.Group("Sample")
    VIEW = Binding.Group("View")
    BINDINGS = [
        Binding("space", "step", "Step 1 epoch", id="step", group=STEP),
        Binding("n", "step_many", "Step N epochs", id="step_many", group=STEP),
        Binding("r,p", "toggle_run", "Run/pause", id="run"),
        Binding("b", "back", "Back 1 epoch", id="back", group=BACK),
        Binding("B,shift+left", "back_many", "Back N epochs", id="back_many", key_display="B", group=BACK),
        Binding("0,ctrl+r", "reset", "Reset", id="reset"),
        Binding("f1", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
        Binding("l", "toggle_log", "Log", id="log_scale"),
        Binding(
            "left_square_bracket", "previous_layer", "Previous layer", id="previous_layer", key_display="[", group=LAYER
        ),
        Binding("right_square_bracket", "next_layer", "Next layer", id="next_layer", key_display="]", group=LAYER),
        Binding("v", "next_insight", "Tab", id="next_insight", tooltip="Next insight tab"),
        Binding("comma", "previous_sample", "Previous sample", id="previous_sample", key_display=",", group=SAMPLE),
        Binding("full_stop", "next_sample", "Next sample", id="next_sample", key_display=".", group=SAMPLE),
        Binding("e", "edit_weight", "Edit", id="edit_weight", tooltip="Edit weight"),
        Binding("g", "gradient_check", "Grad check", id="gradient_check", tooltip="Gradient check"),
        Binding("d", "toggle_regions", "Regions", id="boundary_mode", tooltip="Boundary: regions/probabilities"),
        Binding("f", "toggle_feedback", "Feedback", id="feedback_alignment", tooltip="Feedback alignment"),
        Binding("h", "toggle_form", "Form", id="form"),
        Binding("x", "export", "Export", id="export"),
        Binding("c", "open_csv", "CSV", id="open_csv", tooltip="Open CSV data"),
        Binding("ctrl+s", "save_session", "Save", id="save_session", tooltip="Save session"),
        Binding("ctrl+o", "open_session", "Open", id="open_session", tooltip="Open session"),
        Binding("escape", "leave_form", "Leave form", show=False, id="leave_form"),
        Binding("m", "lessons", "Lessons", id="lessons", tooltip="Lessons menu"),
        Binding("1", "view('weights')", "Weights", id="view_weights", group=VIEW),
        Binding("2", "view('grads')", "Gradients", id="view_grads", group=VIEW),
        Binding("3", "view('deltas')", "Deltas", id="view_deltas", group=VIEW),
        Binding("4", "view('acts')", "Activations", id="view_acts", group=VIEW),
        Binding("z", "focus_layout", "Focus", id="focus_layout", tooltip="Focus layout (projector)"),
    ]

    def __init__(
        self,
        config: Config | None = None,
        params: np.ndarray | None = None,
        show_form: bool | None = None,
        trainer: Trainer | None = None,
        **kwargs,
    ) -> None:
        """Build the trainer first: a bad preset raises BackpropError here, before
        any screen exists, so the command line can say what was wrong.

        `show_form`: open with the hyperparameter panel shown or hidden
        (default: shown when the terminal is at least 100 columns wide).
        `trainer`: carry on with this one (a loaded session) instead.
        """
        super().__init__(**kwargs)
        register_themes(self)  # backprop-light, backprop-projector (tui/themes.py)
        self.show_form = show_form
        if trainer is None:
            trainer = Trainer.from_config(config if config is not None else Config(), params)
        self.trainer = trainer
        self._training = threading.Event()  # a run is in progress
        self._process = TrainingProcess()
        self._stop_run = threading.Event()  # the UI asks the run to stop
        self._run_done = threading.Event()  # the worker has the run's outcome
        self._outcome: Outcome | None = None
        self._target: int | None = None  # the epoch the run goes to (None: no end)
        self._frozen = False  # see _start
        self._run_history = trainer.history  # the chart's history while running
        self._run_id = 0
        self.state = "paused"
        self.state_detail = ""
        self.rate: float | None = None
        self._shown = None  # the record on screen
        self._previous = None  # the record before it, for change marks
        self._enabled: tuple = ()
        self._last_error = ""
        self.redraws = 0
        self.lesson: str | None = None  # the lesson on screen (m, --lesson), announced on mount
        self._clicked_weight: tuple | None = None  # (Weights table, cell) a mouse press moves the cursor to

    # ---------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        yield StatsBar(id="stats")
        with Horizontal(id="body"):
            with Vertical(id="side") as side:
                side.border_title = "Hyperparameters"
            with Vertical(id="main"):
                inspector = LayerInspector(id="inspector")
                inspector.border_title = "Layers"
                # Given a record before mounting, it composes its tables at once,
                # so AUTO_FOCUS finds the first one.
                inspector.show(self.trainer.record)
                yield inspector
                with Horizontal(id="lower"):
                    chart = LossChart(id="chart")
                    chart.border_title = "Loss"
                    yield chart
                    with Vertical(id="predictions-panel") as panel:
                        panel.border_title = "Insights"
                        # One TabPane per insight; its widgets draw through show_insight (see InsightTabs).
                        with InsightTabs(id="insights"):
                            with TabPane("Outputs", id="tab-predictions"):
                                yield PredictionsTable()
                            with TabPane("Map", id="tab-boundary"):
                                yield DecisionBoundary(id="boundary")
                            with TabPane("Health", id="tab-health"):
                                yield LayerHealthView(id="health")
                            with TabPane("Chain rule", id="tab-chain"):
                                yield WalkthroughPanel(id="chain")
                            with TabPane("Pictures", id="tab-pictures"):
                                yield UnitImages(id="pictures")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        side = self.query_one("#side")
        side.display = self.size.width >= 100 if self.show_form is None else self.show_form
        if self.trainer.divergence is not None:  # a session saved after it diverged
            self._set_state("diverged", str(self.trainer.divergence))
        self._redraw()
        self._announce_lesson()
        if side.display:
            # The form is a third of all widgets: the first frame comes sooner without it.
            self.call_after_refresh(self._mount_form)

    async def _mount_form(self) -> HyperparameterForm:
        """The form, mounted on first need with the configuration in force."""
        form = self._form()
        if form is None:
            form = HyperparameterForm(self.trainer.config, id="form")
            await self.query_one("#side").mount(form)
        return form

    def _form(self) -> HyperparameterForm | None:
        forms = self.query(HyperparameterForm)
        return forms.first() if forms else None

    # ----------------------------------------------------------------- state

    @property
    def running(self) -> bool:
        return self._training.is_set()

    @property
    def shown(self):
        """The record on screen: while running, the newest snapshot (the
        trainer itself is at the epoch the run began until it ends)."""
        return self._shown if self._shown is not None else self.trainer.record

    def _set_state(self, state: str, detail: str = "") -> None:
        self.state = state
        self.state_detail = detail
        if state != "running":
            self.rate = None

    def _settle(self) -> None:
        """After a move on the UI thread: paused, or done if a stop condition holds."""
        reason = self.trainer.stop_reason()
        if reason:
            self._set_state("done", f"done: {reason}")
        else:
            self._set_state("paused")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out (None) what makes no sense now; the key stays listed."""
        diverged = self.state == "diverged"
        epoch = self._shown.epoch if self._shown is not None else 0
        if action in ("step", "step_many"):
            return None if diverged else True
        if action == "toggle_run":
            return True if self.running or self.state == "paused" else None
        if action in ("back", "back_many"):
            return True if epoch > 0 else None
        if action == "reset":
            return True if epoch > 0 or self.running else None
        if action in ("next_layer", "previous_layer"):
            return True if len(self.trainer.layout.shapes) > 1 else None
        return True

    def _refresh_enabled(self) -> None:
        """Refresh the footer only when what is enabled changed: it is not free."""
        names = ("step", "toggle_run", "back", "reset", "next_layer")
        enabled = tuple(self.check_action(name, ()) for name in names)
        if enabled != self._enabled:
            self._enabled = enabled
            self.refresh_bindings()

    # --------------------------------------------------------------- drawing

    def _redraw(self, record=None) -> None:
        """Show `record` (default: the trainer's current one) in every panel.

        While running, each snapshot redraws the stats line, and three
        snapshots in four one panel in turn: the layer tables, the chart,
        the insight tab. A panel costs about as much as a whole frame
        of the rest (UI time, and key presses wait behind it), and nobody
        reads a table of numbers that changes more than a few times a second. The panel is
        drawn half a period after the stats line, in a frame of its own:
        Textual repaints the rectangle around everything changed in a
        frame, and the stats line (top, full width) with any panel would
        make that the whole screen, form included.
        """
        trainer = self.trainer
        if record is None:
            record = trainer.record
        if record is not self._shown:
            self._previous, self._shown = self._shown, record
        running = self.running
        turn = self.redraws % 4
        self.redraws += 1
        try:
            self.query_one(StatsBar).show(record, self.state, self.state_detail, self.rate)
        except Exception as exc:  # a drawing bug must not take the run with it
            self._error(f"could not draw epoch {record.epoch}: {type(exc).__name__}: {exc}")
        if running:
            run_id = self._run_id
            self.set_timer(0.5 / REDRAWS_PER_SECOND, partial(self._draw_panels, record, turn, run_id))
        else:
            self._draw_panels(record, None, None)
        self._refresh_enabled()

    def _draw_panels(self, record, turn: int | None, run_id: int | None) -> None:
        """Draw the panels (all of them when `turn` is None, else one in turn)."""
        if run_id is not None and (run_id != self._run_id or not self.running):
            return  # the run stopped meanwhile and everything was drawn since
        trainer = self.trainer
        running = turn is not None
        try:
            if not running or turn == 0:
                self.query_one(LayerInspector).show(record, self._previous)
            if not running or turn == 3:
                self.query_one(InsightTabs).show(trainer, record, self.query_one(LayerInspector).active_layer)
            if not running or turn == 1:
                history = self._run_history if running else trainer.history
                loss, test_loss = history.series("loss"), history.series("test_loss")
                if running:
                    # The worker may be ahead of this snapshot: draw up to it.
                    loss, test_loss = loss[: record.epoch + 1], test_loss[: record.epoch + 1]
                    marker = None
                else:
                    marker = trainer.epoch if trainer.epoch < trainer.last_epoch else None
                self.query_one(LossChart).show(loss, test_loss, marker, tuple(trainer.branches))
            if not running or turn == 3:
                self._mark_feedback()
        except Exception as exc:  # a drawing bug must not take the run with it
            self._error(f"could not draw epoch {record.epoch}: {type(exc).__name__}: {exc}")
            self.log.error(exc)

    def _error(self, message: str) -> None:
        if message != self._last_error:
            self._last_error = message
            self.notify(message, severity="error", title="Error", markup=False)

    # -------------------------------------------------------------- training

    def _halt(self) -> bool:
        """Stop the run and go on with the trainer it ended with; True if one was running."""
        if not self._training.is_set():
            return False
        self._training.clear()
        self._run_id += 1
        self._stop_run.set()
        self._run_done.wait()  # the child finishes its epoch and sends the trainer back
        outcome = self._outcome
        self._end_run(outcome.kind, outcome.reason, outcome.trainer)
        return True

    def _start(self, target: int | None) -> None:
        """Train in the child until `target` (None: until paused or stopped)."""
        self._halt()
        if not self._frozen:
            # The app's own objects (a quarter of a million, built at start) are
            # moved out of the garbage collector's sight until it exits: a full
            # collection over them took 130-190 ms, and the trainers a run
            # sends back are what set one off, in the middle of a pause.
            gc.freeze()
            self._frozen = True
        self._run_id += 1
        self._target = target
        self._stop_run.clear()
        self._run_done.clear()
        self._outcome = None
        self._run_history = self.trainer.history.copy()
        self._training.set()
        self._set_state("running")
        self.query_one(StatsBar).set_state("running", "", None)
        self._refresh_enabled()
        self._train(self._run_id, self.trainer, self._run_history, target)

    @work(thread=True, exclusive=True, group="training", exit_on_error=False)
    def _train(self, run_id: int, trainer: Trainer, history, target: int | None) -> None:
        """Relay the child's run: its progress as snapshots, its end as TrainingStopped."""

        def progress(update) -> None:
            history.write(update.start, update.rows)
            self.post_message(TrainingProgress(run_id, trainer.record_of(update.figures), update.rate))

        outcome = Outcome("error", "training stopped unexpectedly", None)
        try:
            worker = get_current_worker()  # cancelled when the app exits
            outcome = self._process.run(
                trainer, target, 1.0 / REDRAWS_PER_SECOND, progress, lambda: self._stop_run.is_set() or worker.is_cancelled
            )
        except Exception as exc:  # shown to the user, never raised into the app
            outcome = Outcome("error", f"training stopped: {type(exc).__name__}: {exc}", None)
        finally:  # _halt waits for this, whatever happened
            self._outcome = outcome
            self._run_done.set()
        if not self._stop_run.is_set():
            self.post_message(TrainingStopped(run_id, outcome.kind, outcome.reason, outcome.trainer))

    def _end_run(self, kind: str, reason: str, trainer: Trainer | None) -> None:
        """Go on with the trainer a run ended with, in the state it ended in."""
        if trainer is not None:
            self.trainer = trainer
        if kind == "diverged":
            self._diverged(reason)
        elif kind == "done":
            self._set_state("done", f"done: {reason}")
            self.notify(f"Stopped: {reason}", title="Done")
        else:
            self._settle()
            if kind == "error":
                self._error(reason)

    def on_training_progress(self, message: TrainingProgress) -> None:
        if message.run_id != self._run_id or not self.running:
            return
        self.rate = message.rate
        self._redraw(message.record)

    def on_training_stopped(self, message: TrainingStopped) -> None:
        if message.run_id != self._run_id:
            return
        self._training.clear()
        self._run_id += 1
        self._end_run(message.kind, message.reason, message.trainer)
        self._sync_form()
        self._redraw()

    def _diverged(self, sentence: str) -> None:
        self._set_state("diverged", sentence)
        self.notify(
            f"{sentence}. The last good epoch is kept: step back (b) or lower the learning rate.",
            severity="error",
            title="Diverged",
            markup=False,
        )

    def _move(self, change: Callable[[Trainer], object]) -> bool:
        """Apply `change` to the trainer on the UI thread, then redraw.

        Errors become notifications; a divergence leaves the last good state.
        """
        self._halt()
        try:
            with np.errstate(all="ignore"):
                change(self.trainer)
        except DivergenceError as exc:
            self._diverged(str(exc))
            self._redraw()
            return False
        except (BackpropError, ValueError) as exc:
            self._error(str(exc))
            return False
        self._settle()
        self._sync_form()
        self._redraw()
        return True

    def _sync_form(self) -> None:
        """Going back past a hot change puts the older settings back in force."""
        form = self._form()
        if form is not None and form.config != self.trainer.config:
            form.set_config(self.trainer.config)

    # --------------------------------------------------------------- actions

    def action_step(self) -> None:
        self._move(lambda t: t.step())

    def action_step_many(self) -> None:
        self._halt()
        self._start(self.trainer.epoch + self.trainer.config.epochs_per_step)

    def action_toggle_run(self) -> None:
        if self._halt():
            self._redraw()
        elif self.state == "paused":
            self._start(None)

    def action_back(self) -> None:
        self._move(lambda t: t.rewind(max(t.epoch - 1, 0)))

    def action_back_many(self) -> None:
        self._move(lambda t: t.rewind(max(t.epoch - t.config.epochs_per_step, 0)))

    def action_reset(self) -> None:
        self._move(lambda t: t.reset())

    def action_toggle_log(self) -> None:
        chart = self.query_one(LossChart)
        chart.log_scale = not chart.log_scale

    def action_next_insight(self) -> None:
        self.query_one(InsightTabs).next_tab()

    def action_toggle_regions(self) -> None:
        """Switch the map's mode, bringing its tab into view if it is hidden."""
        self.query_one(DecisionBoundary).toggle_discrete()
        self.query_one(InsightTabs).active = "tab-boundary"

    def action_next_layer(self) -> None:
        self.query_one(LayerInspector).next_layer()
        self.query_one(InsightTabs).follow_layer(self.query_one(LayerInspector).active_layer)
        self._keep_focus_on_tables()

    def action_previous_layer(self) -> None:
        self.query_one(LayerInspector).previous_layer()
        self.query_one(InsightTabs).follow_layer(self.query_one(LayerInspector).active_layer)
        self._keep_focus_on_tables()

    def _keep_focus_on_tables(self) -> None:
        """A switched-away table loses the focus; give it to the one now shown."""
        focused = self.focused
        if focused is None or self.query_one(LayerInspector) in focused.ancestors:
            self.call_after_refresh(self._focus_tables)

    async def action_toggle_form(self) -> None:
        side = self.query_one("#side")
        side.display = not side.display
        if side.display:
            await self._mount_form()
            self._sync_form()
            self._focus_within(side)
        else:
            self._focus_tables()

    def action_leave_form(self) -> None:
        focused = self.focused
        if focused is not None and self.query_one("#side") in focused.ancestors:
            self._focus_tables()

    def _focus_within(self, container: Widget, kind: type[Widget] = Widget) -> None:
        """Focus the first focusable `kind` inside `container` (a control, not a
        scrolling container: those take the focus too, to scroll by keys)."""
        for widget in self.screen.focus_chain:
            if (
                isinstance(widget, kind)
                and not isinstance(widget, (VerticalScroll, HorizontalScroll))
                and container in widget.ancestors_with_self
            ):
                widget.focus()
                return

    def _focus_tables(self) -> None:
        self._focus_within(self.query_one(LayerInspector), DataTable)

    def action_help(self) -> None:
        from tui.screens.help import (
            HelpScreen,  # Markdown is slow to import: not before the first frame
        )

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(list(self.key_help())))

    def key_help(self) -> Iterable[tuple[str, str, str]]:
        """(keys, name, explanation) for every binding, read from BINDINGS."""
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding) or binding.id not in EXPLAIN:
                continue
            keys = " / ".join(
                self.get_key_display(binding.with_key(key, binding.key_display if i == 0 else None))
                for i, key in enumerate(binding.key.split(","))
            )
            yield keys, binding.tooltip or binding.description, EXPLAIN[binding.id]
        yield self.get_key_display(Binding("ctrl+p", "")), "Commands", "Search every action by name."
        yield "escape", "Leave form", "Move from the form back to the layer tables."

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every enabled key as a command in the ctrl+p palette."""
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.id in EXPLAIN and binding.action != "quit":
                if self.check_action(binding.action, ()):
                    key = self.get_key_display(binding.with_key(binding.key.split(",")[0], binding.key_display))
                    yield SystemCommand(
                        f"{binding.tooltip or binding.description} ({key})", EXPLAIN[binding.id], partial(self.run_action, binding.action)
                    )
        yield from self._lesson_commands()

    def on_weight_selected(self, message: WeightSelected) -> None:
        """Name the chosen weight and its figures (all from the record on screen),
        and follow its gradient in the Chain rule tab."""
        record = self._shown or self.trainer.record
        layer, row, column = message.layer, message.row, message.column
        fan_in = record.W[layer].shape[0]
        if row == fan_in:
            name, value, grad = f"bias b{layer + 1} of u{column + 1}", record.b[layer][column], record.db[layer][column]
        else:
            source = f"x{row + 1}" if layer == 0 else f"h{row + 1}"
            name = f"weight W{layer + 1} from {source} to u{column + 1}"
            value, grad = record.W[layer][row, column], record.dW[layer][row, column]
        self.notify(
            f"{name} at epoch {record.epoch}: {fixed(value).strip()}, gradient {fixed(grad).strip()}",
            title=f"L{layer + 1}",
            markup=False,
            timeout=2,  # brief: it sits over the Chain rule tab that now shows it all
        )
        self._follow_weight(layer, row, column)

    # ------------------------------------------ chain rule, gradient check, edits

    def _chain_panel(self) -> WalkthroughPanel | None:
        panels = self.query(WalkthroughPanel)
        return panels.first() if panels else None

    def _follow_weight(self, layer: int, row: int, column: int) -> None:
        """Show the Chain rule tab for this weight (row == fan_in: the bias)."""
        panel = self._chain_panel()
        if panel is None:
            return
        panel.select(layer, row, column)
        self.query_one(InsightTabs).active = "tab-chain"
        panel.show(self.trainer, self._shown or self.trainer.record)

    def _mark_feedback(self) -> None:
        """Say on the inspector's frame when the error goes back through B, not W."""
        title = "Layers · feedback alignment" if self.trainer.network.feedback is not None else "Layers"
        inspector = self.query_one(LayerInspector)
        if inspector.border_title != title:
            inspector.border_title = title

    def _move_sample(self, change: int) -> None:
        panel = self._chain_panel()
        if panel is None or panel.selection is None:
            self.notify("Choose a weight first: enter on a cell of a Weights table.", title="Chain rule")
            return
        panel.move_sample(change, self.trainer.X.shape[0])
        self._follow_weight(*panel.selection)

    def action_previous_sample(self) -> None:
        self._move_sample(-1)

    def action_next_sample(self) -> None:
        self._move_sample(+1)

    def action_gradient_check(self) -> None:
        from tui.screens.gradient_check import GradientCheckScreen

        if self._halt():
            self._redraw()  # the screen shows the weights being checked
        self.push_screen(GradientCheckScreen(self.trainer))

    def _weight_to_edit(self) -> tuple[int, int, int] | None:
        """The weights cell under the cursor if a weights table has the focus,
        else the weight the chain-rule panel follows."""
        from tui.screens.edit_weight import cursor_weight

        focused = self.focused
        if isinstance(focused, DataTable):
            target = cursor_weight(focused, self.trainer.layout.sizes)
            if target is not None:
                return target
        panel = self._chain_panel()
        return panel.selection if panel is not None else None

    def action_edit_weight(self) -> None:
        from tui.screens.edit_weight import EditWeightScreen

        target = self._weight_to_edit()
        if target is None:
            self.notify("Choose a weight first: move to a cell of a Weights table.", title="Edit weight")
            return
        if self._halt():
            self._redraw()
        trainer = self.trainer
        layer, row, column = target
        fan_in = trainer.layout.shapes[layer][0]
        record = trainer.record
        value = record.b[layer][column] if row == fan_in else record.W[layer][row, column]
        screen = EditWeightScreen(
            weight_label(layer, row, column, fan_in),
            float(value),
            trainer.epoch,
            limit=float(np.finfo(trainer.params.dtype).max),
            branching=trainer.last_epoch > trainer.epoch,
        )
        self.push_screen(screen, partial(self._apply_edit, target))

    def _apply_edit(self, target: tuple[int, int, int], value: float | None) -> None:
        if value is None:
            return
        layer, row, column = target
        self._halt()  # a run hands its trainer back first
        trainer = self.trainer
        name = weight_label(layer, row, column, trainer.layout.shapes[layer][0])
        before = trainer.record.loss
        if self._move(lambda t: t.edit_parameter(layer, row, column, value)):
            after = trainer.record.loss
            self.notify(
                f"{name} set to {fixed(value).strip()} at epoch {trainer.epoch}: "
                f"loss {fixed(before).strip()} → {fixed(after).strip()}",
                title="Edited",
                markup=False,
            )
            self._follow_weight(layer, row, column)

    def action_toggle_feedback(self) -> None:
        """Through the form's path, so a trained run asks before it is rebuilt."""
        config = self.trainer.config
        try:
            new = config.replace(feedback_alignment=not config.feedback_alignment)
        except BackpropError as exc:
            self._error(str(exc))
            return
        self.post_message(HyperparametersChanged(new, "feedback_alignment"))

    # ------------------------------------------------------- hyperparameters

    def on_hyperparameters_changed(self, message: HyperparametersChanged) -> None:
        message.stop()
        new, old = message.config, self.trainer.config
        if new == old:
            return
        if old.needs_rebuild(new):
            self._halt()
            epochs = self.trainer.last_epoch
            if epochs == 0 and not self.trainer.branches:
                self._rebuild(new, old, message.field)  # nothing trained yet: nothing to lose
                return
            question = (
                f"This change needs a new network: training so far ({epochs} epoch{'' if epochs == 1 else 's'}) "
                "will be discarded. Rebuild?"
            )
            self.push_screen(
                ConfirmScreen(question, yes="Rebuild", no="Keep training"),
                lambda yes: self._rebuild(new, old, message.field) if yes else self._undo_form(old),
            )
            return
        self._reconfigure(new, old, message.field)

    def _undo_form(self, old: Config, field: str | None = None, error: str | None = None) -> None:
        """Put the form back to the configuration in force, explaining why if refused."""
        form = self._form()
        if form is None:
            return
        form.set_config(old)
        if field is not None and error:
            form.show_error(field, error)

    def _reconfigure(self, new: Config, old: Config, field: str) -> None:
        was_running = self._halt()
        trainer = self.trainer
        epoch = trainer.epoch
        branching = trainer.last_epoch > epoch
        try:
            trainer.reconfigure(new)
        except BackpropError as exc:
            self._error(str(exc))
            self._undo_form(old, field, str(exc))
            return
        label = FIELD_LABELS.get(field, field.replace("_", " "))
        if field in STEPPING_FIELDS:
            note = f"{label} set to {getattr(new, field)}"
        else:
            note = f"{label} {getattr(new, field)} applies from epoch {epoch + 1}"
        if branching:
            note += f"; the run recorded after epoch {epoch} is kept as a faded branch"
        self.notify(note, title="Changed", markup=False)
        if self.state == "diverged":
            self._set_state("paused")
        if was_running:
            self._start(self._target)
        else:
            self._settle()
            self._redraw()

    def _rebuild(self, new: Config, old: Config, field: str) -> None:
        try:
            trainer = Trainer.from_config(new)
        except BackpropError as exc:
            self._error(f"No new network: {exc}")
            self._undo_form(old, field, str(exc))
            return
        self._use_trainer(trainer)
        self.notify(f"New network {'-'.join(map(str, new.layers))} on {new.dataset}", title="Rebuilt")

    def _use_trainer(self, trainer: Trainer) -> None:
        """Swap in a new trainer (a rebuild, a loaded session), ending any run first."""
        self._halt()
        self.trainer = trainer
        self._shown = self._previous = None
        self._settle()
        self._sync_form()
        self._redraw()
        self._keep_focus_on_tables()  # the inspector rebuilds its tables

    # ------------------------------------------------------- views and clicks

    def action_focus_layout(self) -> None:
        """z: fewer, larger panels (the CSS of `.-focus-layout` in app.tcss)."""
        on = not self.has_class("-focus-layout")
        self.set_class(on, "-focus-layout")
        side = self.query_one("#side")
        if on:
            self._side_before_focus = bool(side.display)
            side.display = False
        else:
            side.display = getattr(self, "_side_before_focus", False)
        self._keep_focus_on_tables()

    def action_view(self, view: str) -> None:
        """1-4: the inspector's Weights / Gradients / Deltas / Activations."""
        self.query_one(LayerInspector).select_view(view)

    @staticmethod
    def _weight_cell(event) -> tuple[DataTable, tuple[int, int]] | None:
        """The Weights table and (row, column) under a mouse event, if any."""
        table = event.widget
        meta = event.style.meta if event.style else {}
        if isinstance(table, DataTable) and (table.id or "").startswith("weights-"):
            row, column = meta.get("row", -1), meta.get("column", -1)
            if row >= 0 and column >= 0:
                return table, (row, column)
        return None

    def on_mouse_down(self, event) -> None:
        cell = self._weight_cell(event)
        # A press on a cell other than the highlighted one: the DataTable's click
        # only moves its cursor there; choose the weight once it has moved.
        moves = cell is not None and tuple(cell[0].cursor_coordinate) != cell[1]
        self._clicked_weight = cell if moves else None

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        """A click on a cell of a Weights table chooses that weight at once, as
        enter does (the DataTable itself only chooses on a second click)."""
        clicked = self._clicked_weight
        if clicked is not None and event.data_table is clicked[0] and tuple(event.coordinate) == clicked[1]:
            self._clicked_weight = None
            event.data_table.action_select_cursor()

    # --------------------------------------------------------------- lessons

    def action_lessons(self) -> None:
        from tui.screens.lessons import LessonsScreen

        if not isinstance(self.screen, LessonsScreen):
            self.push_screen(LessonsScreen(), lambda name: self.open_lesson(name) if name else None)

    def open_lesson(self, name: str) -> None:
        """Start lesson `name` in place of this run (asking first if it has trained)."""
        from model.lessons import lesson

        try:
            chosen = lesson(name)
        except BackpropError as exc:
            self._error(str(exc))
            return
        self._halt()

        def start(yes: bool | None = True) -> None:
            if not yes:
                return
            try:
                trainer = chosen.trainer()
            except BackpropError as exc:
                self._error(f"No lesson: {exc}")
                return
            self.lesson = chosen.name
            self._use_trainer(trainer)
            self._announce_lesson()

        epochs = self.trainer.last_epoch
        if epochs == 0 and not self.trainer.branches:
            start()
            return
        question = (
            f"Open the lesson '{chosen.title}'? Training so far ({epochs} epoch{'' if epochs == 1 else 's'}) "
            "will be discarded."
        )
        self.push_screen(ConfirmScreen(question, yes="Open", no="Keep training"), start)

    def _lesson_commands(self) -> Iterable[SystemCommand]:
        """One palette command per lesson, so ctrl+p finds them by title."""
        from model.lessons import LESSONS

        for item in LESSONS:
            yield SystemCommand(f"Lesson: {item.title}", item.promise, partial(self.open_lesson, item.name))

    def _announce_lesson(self) -> None:
        """The lesson's text as a long notification (m shows it again)."""
        if self.lesson is None:
            return
        from model.lessons import lesson

        chosen = lesson(self.lesson)
        self.notify(chosen.text, title=f"Lesson: {chosen.title}", timeout=30, markup=False)

    # ------------------------------------------------------------------ exit

    def on_unmount(self) -> None:
        self._training.clear()
        self._run_id += 1
        self._stop_run.set()
        self._process.close()
        if self._frozen:
            gc.unfreeze()
