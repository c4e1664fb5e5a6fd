"""The app: its keys and the wiring between widgets.

Run mode belongs to tui/run_control.py: the app asks it to start and stop
runs and draws what they send. Every other change to the trainer (step,
back, reset, reconfigure, rebuild) happens on the UI thread through
`RunController.when_paused`: at once when no run is going, else as soon as
the run has ended and handed its trainer back. So the trainer on screen is
never changed by two hands at once, the UI thread never waits for the run,
and a snapshot from a stopped run (stale `run_id`) is dropped, not drawn.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

import numpy as np
from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, HorizontalScroll, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, TabPane

from model import BackpropError, Config, DivergenceError, Trainer
from model.names import parameter_name
from model.phases import PhaseWalk
from model.training_loop import Ending
from tui.file_actions import FileActions
from tui.format import fixed
from tui.keymap import BINDINGS as KEY_BINDINGS
from tui.keymap import EXPLAIN, FIELD_LABELS, OPENS_A_DIALOG, STEPPING_FIELDS
from tui.messages import (
    HyperparametersChanged,
    RunEnded,
    TrainingProgress,
    WeightSelected,
)
from tui.run_control import PHASES_PER_SECOND, REDRAWS_PER_SECOND, RunController, RunState, pace_label
from tui.screens.confirm import ConfirmScreen
from tui.screens.main_screen import MainScreen, breakpoint_classes
from tui.startup import pause_collector, resume_collector
from tui.themes import register_themes
from tui.type_ahead import TypeAhead
from tui.widgets.insight_tabs import InsightTabs
from tui.widgets.layer_health import LayerHealthView
from tui.widgets.layer_inspector import LayerInspector
from tui.widgets.loss_chart import LossChart
from tui.widgets.mount_later import MountLater
from tui.widgets.network_panel import NetworkPanel
from tui.widgets.predictions import PredictionsTable
from tui.widgets.quick_footer import QuickFooter
from tui.widgets.stats_bar import StatsBar
from tui.widgets.walkthrough_panel import WalkthroughPanel


def _insight_tabs(chain: WalkthroughPanel, boundary: Callable[[], Widget]) -> InsightTabs:
    """The Insights panel's tabs: one TabPane per insight, whose widgets draw
    through show_insight (see InsightTabs). The Map and Pictures are made, and
    their modules imported, only when their panes mount."""
    return InsightTabs(
        TabPane("Outputs", PredictionsTable(), id="tab-predictions"),
        TabPane("Map", MountLater(boundary), id="tab-map"),
        TabPane("Health", LayerHealthView(id="health"), id="tab-health"),  # it notes every snapshot, the first too
        # The app's own: a weight chosen before it is mounted is selected there (see _follow_weight).
        TabPane("Chain rule", chain, id="tab-chain"),
        TabPane("Pictures", MountLater(_unit_images), id="tab-pictures"),
        id="insights",
    )


def _unit_images() -> Widget:
    from tui.widgets.unit_images import UnitImages

    return UnitImages(id="pictures")


if TYPE_CHECKING:
    from rich.console import RenderableType

    from tui.widgets.decision_boundary import DecisionBoundary
    from tui.widgets.hyperparameters import HyperparameterForm

PanelT = TypeVar("PanelT", bound=Widget)

# Parameters from which run mode draws only the stats line and the chart.
LARGE_NETWORK = 1_000_000

# Quitting asks first when at least this many epochs would be lost unsaved.
UNSAVED_EPOCHS_TO_ASK = 300
# Seconds after launch at which the form is mounted, footer keys drawn or not (see on_mount).
FORM_AFTER_AT_THE_LATEST = 1.0
# Seconds an exit waits at most for a panel being mounted (see mount_panel).
EXIT_WAITS_FOR_A_PANEL_AT_MOST = 1.0


class BackpropApp(FileActions, App[None]):
    """Step, run, rewind and inspect the training of a small MLP."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "backprop-tui"
    AUTO_FOCUS = "#inspector DataTable"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    BINDINGS = KEY_BINDINGS  # every key, with its help text: tui/keymap.py

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
        pause_collector()  # until the first frame (tui/startup.py), if `python -m tui` has not already
        super().__init__(**kwargs)
        register_themes(self)  # backprop-light, backprop-projector (tui/themes.py)
        self.show_form = show_form
        if trainer is None:
            trainer = Trainer.from_config(config if config is not None else Config(), params)
        self.trainer = trainer
        self.run_control = RunController(self, start=self._start)
        # Keys typed behind a dialog's key wait for the dialog (tui/type_ahead.py).
        self.type_ahead = TypeAhead(
            self,
            super().on_event,
            KEY_BINDINGS,
            OPENS_A_DIALOG,
            deferred=lambda: self.run_control.busy or bool(self.run_control.queued),
        )
        self._frozen = False  # see _start
        self._saved: tuple = self._work_marker()  # what the last save (or the start) held
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
        # Mounted after the first frame (see compose); drawn on mount with what they were shown.
        self._network = NetworkPanel(id="network")
        self._chain = WalkthroughPanel(id="chain")
        self._map_regions = False  # the Map's mode (d), also before the map is mounted
        self._insights = _insight_tabs(self._chain, self._make_boundary)
        self._panels: dict[object, Widget] = {}  # see _panel

    async def on_event(self, event: events.Event) -> None:
        """Keys and pastes typed behind a key that opens a dialog go to the dialog (tui/type_ahead.py)."""
        if self.type_ahead.wants(event):
            await self.type_ahead.take(event)
        else:
            await super().on_event(event)

    # ---------------------------------------------------------------- layout

    def get_default_screen(self) -> Screen:
        """The main screen: styled once before the first frame (tui/screens/main_screen.py)."""
        width, height = self.size
        horizontal, vertical = self.HORIZONTAL_BREAKPOINTS or [], self.VERTICAL_BREAKPOINTS or []
        return MainScreen(breakpoint_classes(width, height, horizontal, vertical), id="_default")

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="side") as side:
                side.border_title = "Hyperparameters"
            with Vertical(id="main"):
                # Over the panels, not the whole screen: Textual repaints the
                # rectangle around all that changed in a frame, and a line
                # across the top made that the form's hundred widgets too.
                yield StatsBar(id="stats")
                with Horizontal(id="upper"):
                    inspector = LayerInspector(id="inspector")
                    inspector.border_title = "Layers"
                    # Given a record before mounting, it composes its tables at once,
                    # so AUTO_FOCUS finds the first one.
                    inspector.show(self.trainer.record)
                    yield inspector
                    # The Network panel, the hidden insight tabs: mounted just after the
                    # first frame (MountLater), which comes sooner without them.
                    self._network.border_title = "Network"
                    network = self._network
                    yield MountLater(lambda: network)
                with Horizontal(id="lower"):
                    chart = LossChart(id="chart")
                    chart.border_title = "Loss"
                    yield chart
                    with Vertical(id="insights-panel") as panel:
                        panel.border_title = "Insights"
                        # Its tabs are mounted just after the first frame (see _insight_tabs).
                        insights = self._insights
                        yield MountLater(lambda: insights)
        yield QuickFooter(compact=True)

    def on_mount(self) -> None:
        self.call_after_refresh(resume_collector)  # the first frame is drawn
        side = self.query_one("#side")
        side.display = self.size.width >= 100 if self.show_form is None else self.show_form
        if self.trainer.divergence is not None:  # a session saved after it diverged
            self._set_state("diverged", str(self.trainer.divergence))
        self._redraw()
        # The training process starts in the background, so the first run starts at once.
        self.call_after_refresh(self.run_control.prepare)
        self._announce_lesson()
        if side.display:
            # The form is a third of all widgets: the first frame comes sooner
            # without it. It waits for the frame with the footer's keys, which
            # Textual gives the footer only after the first frame: the keys say
            # what to do, the form can come a moment later.
            self.query_one(QuickFooter).when_keys_drawn(self._mount_form_unless_closing, FORM_AFTER_AT_THE_LATEST)

    async def _mount_form_unless_closing(self) -> None:
        """The form, once the footer's keys are drawn, unless a `q` typed at
        once has begun to close the screen by then (a mount into it would raise)."""
        if self.query_one("#side").is_attached:
            await self._mount_form()

    async def _mount_form(self) -> HyperparameterForm:
        """The form, mounted on first need with the configuration in force."""
        from tui.widgets.hyperparameters import HyperparameterForm  # not before the first frame

        form = self._form()
        if form is None:
            form = HyperparameterForm(self.trainer.config, id="form")
            await self.mount_panel(self.query_one("#side"), form)
            self._panels["form"] = form  # _form finds it without a query (a first step paid 16 ms for one)
        return form

    # Panels mounted after the first frame, and quitting meanwhile.
    _panels_mounting = 0
    _exit_after_mounting: tuple | None = None

    async def mount_panel(self, parent: Widget, panel: Widget, **where) -> None:
        """Mount a panel made after the first frame (the form, MountLater's).
        An exit asked for meanwhile (a `q` typed at launch) waits until it is
        mounted: the panel's mount handlers, and Textual's own (a Select's),
        look for widgets that a closing app has already taken away."""
        self._panels_mounting += 1
        try:
            await parent.mount(panel, **where)
        finally:
            self._panels_mounting -= 1
            if not self._panels_mounting:
                self._exit_now()

    def exit(self, result: None = None, return_code: int = 0, message: RenderableType | None = None) -> None:
        """Exit, once no panel is being mounted (see mount_panel); within a second anyway."""
        if not self._panels_mounting:
            super().exit(result, return_code, message)
            return
        first = self._exit_after_mounting is None
        self._exit_after_mounting = (result, return_code, message)
        if first:
            self.set_timer(EXIT_WAITS_FOR_A_PANEL_AT_MOST, self._exit_now)

    def _exit_now(self) -> None:
        """The exit that waited for a panel's mount, if one did (once)."""
        if self._exit_after_mounting is not None:
            result, return_code, message = self._exit_after_mounting
            self._exit_after_mounting = None
            super().exit(result, return_code, message)

    # The panels, by what they are (each is mounted once, in compose).
    def _panel(self, kind: type[PanelT]) -> PanelT:
        """The one `kind` on the main screen, looked up once: a query walks the
        whole DOM (some 300 widgets with the form), and a step asked for
        the panels a dozen times, a fifth of its frame."""
        widget = self._panels.get(kind)
        if widget is None or not widget.is_attached:
            widget = self.query_one(kind)
            self._panels[kind] = widget
        return cast("PanelT", widget)

    @property
    def inspector(self) -> LayerInspector:
        return self._panel(LayerInspector)

    @property
    def insights(self) -> InsightTabs:
        """Also before it is mounted (just after the first frame): it catches up on mount."""
        return self._insights

    @property
    def chart(self) -> LossChart:
        return self._panel(LossChart)

    @property
    def network_panel(self) -> NetworkPanel:
        """Also before it is mounted (just after the first frame): it draws on mount what it was shown."""
        return self._network

    @property
    def stats_bar(self) -> StatsBar:
        return self._panel(StatsBar)

    def _form(self) -> HyperparameterForm | None:
        """The form, once mounted (after the first frame, or when `f` first shows it)."""
        form = self._panels.get("form")
        if form is None or not form.is_attached:
            forms = self.query("HyperparameterForm")
            if not forms:
                return None
            form = self._panels["form"] = forms.first()
        return cast("HyperparameterForm", form)

    # ----------------------------------------------------------------- state

    @property
    def running(self) -> bool:
        """A run is starting, going on or stopping (the trainer is the run's)."""
        return self.run_control.busy

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
            self.run_control.settled(RunState(state))

    def _settle(self) -> None:
        """After a move on the UI thread: paused, or done if a stop condition holds."""
        reason = self.trainer.stop_reason()
        if reason:
            self._set_state("done", self._done_sentence(reason))
        else:
            self._set_state("paused", self._pace_note())

    @staticmethod
    def _done_sentence(reason: str) -> str:
        return f"done: {reason}; change the stop conditions in the form (h), or step back (b)"

    def _pace_note(self) -> str:
        if self.run_control.pace is None and not self.run_control.play_phases:
            return ""
        return f"paused · pace {self._pace_words()}"

    def _refuse_when_done(self) -> bool:
        """The one rule at a stop condition: no step key trains past it (F1 says so)."""
        reason = self.trainer.stop_reason()
        if not reason:
            return False
        self._set_state("done", self._done_sentence(reason))
        self.stats_bar.set_state(self.state, self.state_detail, None)
        self.notify(self._done_sentence(reason), title="Done", markup=False)
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out (None) what makes no sense now; the key stays listed."""
        diverged = self.state == "diverged"
        epoch = self._shown.epoch if self._shown is not None else 0
        if action in ("step", "step_many"):
            # At a stop condition no step key trains on (the state line says how to go on).
            return None if diverged or (self.state == "done" and not self.running) else True
        if action == "toggle_run":
            return True if self.running or self._phase_player is not None or self.state == "paused" else None
        if action in ("back_epoch", "back_many"):
            return True if epoch > 0 else None
        if action == "reset":
            return True if epoch > 0 or self.running else None
        if action in ("next_layer", "previous_layer"):
            return True if len(self.trainer.layout.shapes) > 1 else None
        return True

    def _refresh_enabled(self) -> None:
        """Refresh the footer only when what is enabled changed: it is not free."""
        names = ("step", "step_many", "toggle_run", "back_epoch", "reset", "next_layer")
        enabled = tuple(self.check_action(name, ()) for name in names)
        if enabled != self._enabled:
            self._enabled = enabled
            self.refresh_bindings()

    # --------------------------------------------------------------- drawing

    def _redraw(self, record=None, panels_later: bool = False) -> None:
        """Show `record` (default: the trainer's current one) in every panel.

        `panels_later`: draw the stats line now and the panels after this frame
        (a pause of a large network shows "paused" at once; its panels need a
        whole forward and backward pass first).

        While running, each snapshot redraws the stats line, and three
        snapshots in four one panel in turn: the layer tables, the chart,
        the insight tab. A panel costs about as much as a whole frame
        of the rest (UI time, and key presses wait behind it), and nobody
        reads a table of numbers that changes more than a few times a second. The panel is
        drawn half a period after the stats line, in a frame of its own:
        Textual repaints the rectangle around everything changed in a
        frame, and the stats line (above the panels) with any panel would
        make that every panel.
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
            self.stats_bar.show(record, self.state, self.state_detail, self.rate)
        except Exception as exc:  # a drawing bug must not take the run with it
            self._error(f"could not draw epoch {record.epoch}: {type(exc).__name__}: {exc}")
        if running:
            run_id = self.run_control.run_id
            self.set_timer(0.5 / REDRAWS_PER_SECOND, partial(self._draw_panels, record, turn, run_id))
        else:
            if panels_later:
                self.call_after_refresh(self._draw_panels, record, None, None)
            else:
                self._draw_panels(record, None, None)
        self._refresh_enabled()

    def _draw_panels(self, record, turn: int | None, run_id: int | None) -> None:
        """Draw the panels (all of them when `turn` is None, else one in turn)."""
        if run_id is not None and (run_id != self.run_control.run_id or not self.running):
            return  # the run stopped meanwhile and everything was drawn since
        trainer = self.trainer
        running = turn is not None
        # While a large network runs, the per-layer panels wait for the pause:
        # their arrays would be a whole forward and backward pass on this thread.
        heavy = running and not record.has_detail and trainer.layout.n_params > LARGE_NETWORK
        try:
            if (not running or turn == 0) and not heavy:
                self.inspector.show(record, self._previous)
            if (not running or turn == 3) and not heavy:
                self.insights.show(trainer, record, self.inspector.active_layer)
            if not running or turn == 1:
                history = trainer.history  # while running, the relay adds the run's rows to it
                loss, test_loss = history.series("loss"), history.series("test_loss")
                if running:
                    # The worker may be ahead of this snapshot: draw up to it.
                    loss, test_loss = loss[: record.epoch + 1], test_loss[: record.epoch + 1]
                    marker = None
                else:
                    marker = trainer.epoch if trainer.epoch < trainer.last_epoch else None
                self.chart.show(loss, test_loss, marker, tuple(trainer.branches))
            if not running or turn == 3:
                self._mark_feedback()
            if (not running or turn == 2) and not heavy:
                self._draw_network(record)
        except Exception as exc:  # a drawing bug must not take the run with it
            self._error(f"could not draw epoch {record.epoch}: {type(exc).__name__}: {exc}")
            self.log.error(exc)

    def _error(self, message: str) -> None:
        if message != self._last_error:
            self._last_error = message
            self.notify(message, severity="error", title="Error", markup=False)

    # -------------------------------------------------------------- training

    def _start(self, target: int | None) -> None:
        """Train in the child until `target` (None: until paused or stopped);
        once the run going on (if any) has ended."""
        if self.run_control.busy:
            self.run_control.when_paused(lambda: self._start(target), starts_run=True)
            return
        if self._refuse_when_done():
            return
        if target is None and self.run_control.play_phases:
            self._start_phase_player()
            return
        self._freeze_once()
        self.run_control.start(target)
        self._show_run_state()

    def _freeze_once(self) -> None:
        """Move the app's own objects (a quarter of a million, built at start)
        out of the garbage collector's sight until it exits: a full collection
        over them slowed a pause, and made one step in a few take 120 ms more
        (docs/decisions.md), and so did one opening of a large session in
        four. Done at the first run, step or file read, once the panels
        that mount after the first frame are there."""
        if not self._frozen:
            gc.freeze()
            self._frozen = True

    def _show_run_state(self) -> None:
        """The stats line while a run starts, goes on or stops."""
        state = self.run_control.state
        pace = "" if self.run_control.pace is None else f" · pace {self._pace_words()}"
        if state is RunState.STARTING:
            self._set_state("running", "starting…" + pace)
        elif state is RunState.RUNNING:
            self._set_state("running", "running" + pace)
        elif state is RunState.STOPPING:
            self._set_state("running", "pausing…")
        else:
            return
        self.stats_bar.set_state("running", self.state_detail, self.rate)
        self._refresh_enabled()

    def on_training_progress(self, message: TrainingProgress) -> None:
        if not self.run_control.progress_arrived(message):
            return
        self.rate = message.rate
        if self.state_detail.startswith("starting"):
            self._show_run_state()
        self._redraw(message.record)

    def on_run_ended(self, message: RunEnded) -> None:
        result = self.run_control.run_ended(message)
        if result is None:
            return
        outcome = result.outcome
        if result.trainer is not None:
            self.trainer = result.trainer
        self._shown = None
        if outcome.ending is Ending.DIVERGED:
            self._diverged(outcome.reason)
        elif outcome.ending is Ending.DONE:
            self._set_state("done", self._done_sentence(outcome.reason))
            self.notify(f"Stopped: {outcome.reason}", title="Done", markup=False)
        else:
            self._settle()
            if outcome.ending is Ending.ERROR:
                self._error(outcome.reason)
        self._sync_form()
        large = self.trainer.layout.n_params > LARGE_NETWORK and not self.trainer.record.has_detail
        self._redraw(panels_later=large)
        self.run_control.play_queue()
        self._show_run_state()

    def _diverged(self, sentence: str) -> None:
        self._set_state("diverged", sentence)
        self.notify(
            f"{sentence}. The last good epoch is kept: step back (b) or lower the learning rate.",
            severity="error",
            title="Diverged",
            markup=False,
        )

    def _move(self, change: Callable[[Trainer], object], then: Callable[[], object] | None = None) -> bool:
        """Apply `change` to the trainer on the UI thread, then redraw (and call
        `then` if it worked): now, or as soon as a run going on has ended.
        False if it failed now, or was dropped (too many keys waiting).

        Errors become notifications; a divergence leaves the last good state.
        """
        worked: list[bool] = []
        if not self.run_control.when_paused(lambda: worked.append(self._apply(change, then))):
            self._error("too many keys are waiting for the run to pause; this one was dropped")
            return False
        self._show_run_state()
        return worked[0] if worked else True

    def _apply(self, change: Callable[[Trainer], object], then: Callable[[], object] | None) -> bool:
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
        self._freeze_once()
        if then is not None:
            then()
        return True

    def _sync_form(self) -> None:
        """Going back past a hot change puts the older settings back in force."""
        form = self._form()
        if form is not None and form.config != self.trainer.config:
            form.set_config(self.trainer.config)

    # --------------------------------------------------------------- actions

    def action_step(self) -> None:
        self._stop_phase_player()

        def step(trainer: Trainer) -> None:
            if not self._refuse_when_done():
                trainer.step()

        self._move(step)

    def action_step_many(self) -> None:
        self._stop_phase_player()

        def go() -> None:
            self._start(self.trainer.epoch + self.trainer.config.epochs_per_step)

        if self.run_control.running and self.run_control.target is not None:
            self.run_control.after_run(go)  # n during an n run: N more after it
        else:
            self.run_control.when_paused(go, starts_run=True)
            self._show_run_state()

    def _pace_words(self) -> str:
        return pace_label(self.run_control.pace, self.run_control.play_phases)

    def action_pace(self, step: int) -> None:
        was_playing = self.run_control.play_phases
        self.run_control.set_pace(step)
        self.notify(f"Run pace: {self._pace_words()}", title="Pace", timeout=2)
        if was_playing != self.run_control.play_phases and (self._phase_player is not None or self.run_control.running):
            # Between epochs and phases: the run goes on in the other kind.
            self.action_toggle_run()
            self.action_toggle_run()
            return
        if self.run_control.running:
            self._show_run_state()
        elif not self.run_control.busy and self.state == "paused":
            self._settle()
            self.stats_bar.set_state(self.state, self.state_detail, None)

    def action_toggle_run(self) -> None:
        if self._stop_phase_player():
            return
        if self.run_control.busy:
            self.run_control.toggle()
        elif self.run_control.play_phases:
            self._start_phase_player()
        else:
            self._start(None)
        self._show_run_state()

    # Playing phases (the pace below 1 epoch a second): a timer on this thread
    # steps one phase at a time; any step key, r or p stops it.
    _phase_player: Timer | None = None

    def _start_phase_player(self) -> None:
        if self.state in ("diverged", "done"):
            return
        self._phase_player = self.set_interval(1 / PHASES_PER_SECOND, self._play_phase)
        self._show_playing()

    def _show_playing(self) -> None:
        self._set_state("running", f"running · {self._pace_words()}")
        self.stats_bar.set_state("running", self.state_detail, None)
        self._refresh_enabled()

    def _play_phase(self) -> None:
        if not self.is_running:
            return
        try:
            self._advance_phase()
        except NoMatches:  # the app is closing under the timer
            self._phase_player = None
            return
        if self._phase_player is None:
            return
        if self.state in ("diverged", "done") or self.trainer.stop_reason():
            self._stop_phase_player()
            self._settle()
            self.stats_bar.set_state(self.state, self.state_detail, None)
        else:
            self._show_playing()

    def _stop_phase_player(self) -> bool:
        """Stop playing phases; True if they were playing."""
        player, self._phase_player = self._phase_player, None
        if player is None:
            return False
        player.stop()
        if self.state == "running":
            self._settle()
            self.stats_bar.set_state(self.state, self.state_detail, None)
            self._refresh_enabled()
        return True

    def action_back_epoch(self) -> None:
        """b: one epoch back (Textual's own action_back pops a screen: not overridden)."""
        self._stop_phase_player()
        self._move(lambda t: t.rewind(max(t.epoch - 1, 0)))

    def action_back_many(self) -> None:
        self._stop_phase_player()
        self._move(lambda t: t.rewind(max(t.epoch - t.config.epochs_per_step, 0)))

    def action_reset(self) -> None:
        self._stop_phase_player()
        self._move(lambda t: t.reset())

    def action_toggle_log(self) -> None:
        chart = self.chart
        chart.log_scale = not chart.log_scale

    def action_next_insight(self) -> None:
        self.insights.next_tab()

    def _make_boundary(self) -> Widget:
        """The Map, made when its pane mounts, in the mode chosen so far."""
        from tui.widgets.decision_boundary import DecisionBoundary

        boundary = DecisionBoundary(id="boundary")
        boundary.set_reactive(DecisionBoundary.regions, self._map_regions)
        return boundary

    def action_toggle_regions(self) -> None:
        """Switch the map's mode, bringing its tab into view if it is hidden."""
        self._map_regions = not self._map_regions
        for boundary in self.query("DecisionBoundary"):  # none for a moment after the first frame
            cast("DecisionBoundary", boundary).regions = self._map_regions
        self.insights.choose("tab-map")

    def action_next_layer(self) -> None:
        self.inspector.next_layer()
        self.insights.follow_layer(self.inspector.active_layer)
        self._keep_focus_on_tables()

    def action_previous_layer(self) -> None:
        self.inspector.previous_layer()
        self.insights.follow_layer(self.inspector.active_layer)
        self._keep_focus_on_tables()

    def _keep_focus_on_tables(self) -> None:
        """A switched-away table loses the focus; give it to the one now shown."""
        focused = self.focused
        if focused is None or self.inspector in focused.ancestors:
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
        self._focus_within(self.inspector, DataTable)

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
        from tui.screens.side_by_side import SideBySideScreen, side_by_side_commands

        if isinstance(screen, SideBySideScreen):  # its own keys: the run underneath is not moved from there
            yield from screen.commands()
            return
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.id in EXPLAIN and binding.action != "quit":
                if self.check_action(binding.action, ()):
                    key = self.get_key_display(binding.with_key(binding.key.split(",")[0], binding.key_display))
                    yield SystemCommand(
                        f"{binding.tooltip or binding.description} ({key})",
                        EXPLAIN[binding.id],
                        partial(self.run_action, binding.action),
                    )
        yield from self._lesson_commands()
        yield from side_by_side_commands(self)

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

    def _chain_panel(self) -> WalkthroughPanel:
        """Also before it is mounted: it keeps the weight chosen, and draws when shown."""
        return self._chain

    def _follow_weight(self, layer: int, row: int, column: int) -> None:
        """Show the Chain rule tab for this weight (row == fan_in: the bias)."""
        panel = self._chain_panel()
        panel.select(layer, row, column)
        self.insights.choose("tab-chain")
        panel.show(self.trainer, self._shown or self.trainer.record)

    def _mark_feedback(self) -> None:
        """Say on the inspector's frame when the error goes back through B, not W."""
        title = "Layers · feedback alignment" if self.trainer.network.feedback is not None else "Layers"
        if self.trainer.bug is not None:  # never silently (issue 12)
            from tui.screens.bug_lab import title_note

            title += title_note(self.trainer, self.bug_quiz)
        inspector = self.inspector
        if inspector.border_title != title:
            inspector.border_title = title

    def _move_sample(self, change: int) -> None:
        panel = self._chain_panel()
        if panel.selection is None:
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

        # Paused first: the screen checks the weights on screen.
        self._when_paused(lambda: self.push_screen(GradientCheckScreen(self.trainer)))

    def _when_paused(self, move: Callable[[], object]) -> None:
        """Do `move` now, or once a run going on has paused (the trainer is the app's again)."""
        if not self.run_control.when_paused(move):
            self._error("too many keys are waiting for the run to pause; this one was dropped")
        self._show_run_state()

    def _weight_to_edit(self) -> tuple[int, int, int] | None:
        """The weights cell under the cursor if a weights table has the focus,
        else the weight the chain-rule panel follows."""
        from tui.screens.edit_weight import cursor_weight

        focused = self.focused
        if isinstance(focused, DataTable):
            target = cursor_weight(focused, self.trainer.layout.sizes)
            if target is not None:
                return target
        return self._chain_panel().selection

    def action_edit_weight(self) -> None:

        target = self._weight_to_edit()
        if target is None:
            self.notify("Choose a weight first: move to a cell of a Weights table.", title="Edit weight")
            return
        self._when_paused(lambda: self._ask_edit(target))

    def _ask_edit(self, target: tuple[int, int, int]) -> None:
        from tui.screens.edit_weight import EditWeightScreen

        trainer = self.trainer
        layer, row, column = target
        fan_in = trainer.layout.shapes[layer][0]
        record = trainer.record
        value = record.b[layer][column] if row == fan_in else record.W[layer][row, column]
        screen = EditWeightScreen(
            parameter_name(layer, row, column, fan_in),
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
        before: list[float] = []

        def edit(trainer: Trainer) -> None:
            before.append(trainer.record.loss)
            trainer.edit_parameter(layer, row, column, value)

        def edited() -> None:
            trainer = self.trainer
            name = parameter_name(layer, row, column, trainer.layout.shapes[layer][0])
            self.notify(
                f"{name} set to {fixed(value).strip()} at epoch {trainer.epoch}: "
                f"loss {fixed(before[0]).strip()} → {fixed(trainer.record.loss).strip()}",
                title="Edited",
                markup=False,
            )
            self._follow_weight(layer, row, column)

        self._move(edit, edited)

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
        new, field = message.config, message.field
        if new == self.trainer.config:
            return
        if self.trainer.config.needs_rebuild(new):
            self._when_paused(lambda: self._ask_rebuild(new, field))
        else:
            resume = self.run_control.running
            target = self.run_control.target
            self._when_paused(lambda: self._reconfigure(new, self.trainer.config, field, resume, target))

    def _ask_rebuild(self, new: Config, field: str) -> None:
        old = self.trainer.config
        epochs = self.trainer.last_epoch
        if epochs == 0 and not self.trainer.branches:
            self._rebuild(new, old, field)  # nothing trained yet: nothing to lose
            return
        question = (
            f"This change needs a new network: training so far ({epochs} epoch{'' if epochs == 1 else 's'}) "
            "will be discarded. Rebuild?"
        )
        self.push_screen(
            ConfirmScreen(question, yes="Rebuild", no="Keep training"),
            lambda yes: self._rebuild(new, old, field) if yes else self._undo_form(old),
        )

    def _undo_form(self, old: Config, field: str | None = None, error: str | None = None) -> None:
        """Put the form back to the configuration in force, explaining why if refused."""
        form = self._form()
        if form is None:
            return
        form.set_config(old)
        if field is not None and error:
            form.show_error(field, error)

    def _reconfigure(
        self, new: Config, old: Config, field: str, resume: bool = False, target: int | None = None
    ) -> None:
        """A hot change, from the next epoch; a run it paused goes on after it."""
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
        if resume:
            self._start(target)
        else:
            self._settle()
            self._redraw()

    def _rebuild(self, new: Config, old: Config, field: str) -> None:
        try:
            trainer = Trainer.from_config(new, bug=self.trainer.bug)  # a planted bug stays planted
        except BackpropError as exc:
            self._error(f"No new network: {exc}")
            self._undo_form(old, field, str(exc))
            return
        self._use_trainer(trainer)
        self.notify(f"New network {'-'.join(map(str, new.layers))} on {new.dataset}", title="Rebuilt")

    def _use_trainer(self, trainer: Trainer) -> None:
        """Swap in a new trainer (a rebuild, a loaded session), once any run has ended."""
        self._when_paused(lambda: self._install_trainer(trainer))

    def _install_trainer(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self._shown = self._previous = None
        self._settle()
        self._sync_form()
        self._redraw()
        self._keep_focus_on_tables()  # the inspector rebuilds its tables

    # ------------------------------------------------------- bug lab and check (issue 12)

    bug_quiz = False  # a bug is planted and its name hidden until the learner guesses

    def action_bug_lab(self) -> None:
        from tui.screens.bug_lab import open_bug_lab

        self._when_paused(lambda: open_bug_lab(self))

    def action_check_file(self) -> None:
        from tui.screens.check_report import CheckReportScreen

        if self.is_web:  # served to a browser: whoever is on the page would run Python files on this machine
            self.notify(
                "Checking a file runs it as Python on the server; not offered in a browser.",
                severity="error",
                title="Check",
                markup=False,
            )
            return
        self._when_paused(lambda: self.push_screen(CheckReportScreen(self.trainer)))

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
        if self.running:  # the run pauses first
            self._when_paused(lambda: self.open_lesson(name))
            return

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

    # ---------------------------------------------------- side by side (issue 14)

    def action_side_by_side(self) -> None:
        """o: compare the run's settings with one change, on a screen of its own (the run is only read)."""
        self.open_side_by_side()

    def open_side_by_side(self, start: str | None = None) -> None:
        from tui.screens.side_by_side import SideBySideScreen, open_side_by_side

        self._stop_phase_player()
        if not isinstance(self.screen, SideBySideScreen):
            self._when_paused(lambda: open_side_by_side(self, start))

    # ------------------------------------------------------------------ exit

    def _work_marker(self) -> tuple:
        """What a save holds: compared with now, says whether there is unsaved training."""
        trainer = self.trainer
        return (id(trainer), trainer.last_epoch, len(trainer.branches))

    def mark_saved(self) -> None:
        self._saved = self._work_marker()

    async def action_quit(self) -> None:
        """Quit at once, unless a few hundred epochs would be lost unsaved: then ask (q again quits)."""
        from tui.screens.quit import QuitScreen

        epochs = self.trainer.last_epoch
        if isinstance(self.screen, QuitScreen) or epochs < UNSAVED_EPOCHS_TO_ASK or self._saved == self._work_marker():
            self.exit()
            return

        def answered(answer: str | None) -> None:
            if answer == "quit":
                self.exit()
            elif answer == "save":
                self.action_save_session()

        self.push_screen(QuitScreen(epochs), answered)

    def on_unmount(self) -> None:
        if self._phase_player is not None:
            self._phase_player.stop()
        self.run_control.close()
        if self._frozen:
            gc.unfreeze()

    # ------------------------------------------ issue 11: phases, diagram, jump

    _walk: PhaseWalk | None = None  # the epoch being stepped phase by phase

    def _phase_on_screen(self):
        """The phase shown, if the trainer is still where that phase leaves it
        (any other move, a run, an edit or a rebuild ends phase stepping)."""
        walk = self._walk
        if walk is None or walk.current is None or self.running:
            return None
        trainer = self.trainer
        if walk.finished:
            params, epoch = walk.current.arrays["params"], walk.epoch + 1
        else:
            params, epoch = walk.start_params, walk.epoch
        if trainer.epoch != epoch or trainer.params.shape != params.shape:
            return None
        if trainer.params is not params and not np.array_equal(trainer.params, params):
            return None
        return walk.current

    def _draw_network(self, record) -> None:
        """The Network panel and the inspector's marks for the phase on screen."""
        phase = self._phase_on_screen()
        if phase is None:
            self._walk = None
        self.inspector.set_highlight(phase.highlight if phase is not None else None)
        self.network_panel.show(self.trainer, record, phase)

    def action_step_phase(self) -> None:
        """s: one phase (it stops playing phases, as every step key does)."""
        self._stop_phase_player()
        self._advance_phase()

    def _advance_phase(self) -> None:
        """Advance one phase; the last one (the update) is the trainer's own step.

        Called by the phase player's timer too: it never blocks, and at the end
        of an epoch the next call starts the next epoch.
        """
        if self.running:  # a run pauses first
            self._when_paused(self._advance_phase)
            return
        if self.state == "diverged":
            self._error("The run diverged: step back (b) before stepping phases.")
            return
        if self._phase_on_screen() is None or self._walk is None or self._walk.finished:
            self._walk = PhaseWalk(self.trainer)
        walk = self._walk
        try:
            with np.errstate(all="ignore"):
                phase = walk.forward()
        except (BackpropError, ValueError, FloatingPointError) as exc:
            self._walk = None
            self._error(f"could not compute the phase: {exc}")
            return
        self._show_network_if_hidden()
        if phase.last:
            if not self._move(lambda t: t.step()):
                walk.back()  # the update was refused (divergence): its phase is not done
                self._draw_network(self.trainer.record)
            return
        self._draw_network(self.trainer.record)

    def action_back_phase(self) -> None:
        """Go back one phase; from an epoch's first phase (or none), to the
        update of the epoch before, which is where the trainer stands."""
        self._stop_phase_player()
        if self.running:
            self._when_paused(self.action_back_phase)
            return
        walk = self._walk if self._phase_on_screen() is not None else None
        trainer = self.trainer
        if walk is None:
            epoch = trainer.epoch
            if epoch == 0:
                self.notify("Epoch 0 has no phase before it.", title="Phases")
                return
            try:
                with np.errstate(all="ignore"):
                    trainer.rewind(epoch - 1)
                    walk = PhaseWalk(trainer)
                    last = walk.go_to_last()
                    trainer.rewind(epoch)
            except (BackpropError, ValueError) as exc:
                self._error(str(exc))
                return
            self._walk = walk
            if not np.array_equal(trainer.params, last.arrays["params"]):
                self._walk = None  # a hand edit at this epoch: its phases are not the previous epoch's
            self._settle()
            self._redraw()
            return
        if walk.finished:
            walk.back()
            self._move(lambda t: t.rewind(walk.epoch))  # undo the step; the redraw shows the phase before
            return
        walk.back()
        if walk.current is None:
            self._walk = None
        self._draw_network(trainer.record)

    def _show_network_if_hidden(self) -> None:
        """On a small terminal the Network panel is hidden: stepping phases shows it."""
        if not self.network_panel.display or self.screen.has_class("-short"):
            self.screen.add_class("-network-full")

    def action_network_full(self) -> None:
        self.screen.toggle_class("-network-full")
        if not self.screen.has_class("-network-full"):
            self._focus_tables()

    def action_diagram_edges(self) -> None:
        self.network_panel.next_edge_kind()

    def action_diagram_nodes(self) -> None:
        self.network_panel.next_node_kind()

    def action_diagram_sample(self) -> None:
        self.network_panel.next_sample(self.trainer.X.shape[0])

    def action_jump_epoch(self) -> None:
        self._stop_phase_player()
        from tui.screens.jump_epoch import JumpEpochScreen

        self._when_paused(
            lambda: self.push_screen(JumpEpochScreen(self.trainer.epoch, self.trainer.last_epoch), self.jump_to)
        )

    def jump_to(self, epoch: int | None) -> None:
        """Show `epoch`: recorded ones exactly, by rewind; a later one is trained to."""
        if epoch is None:
            return
        if self.running:
            self._when_paused(lambda: self.jump_to(epoch))
            return
        if epoch <= self.trainer.last_epoch:
            self._move(lambda t: t.rewind(epoch))
        else:
            self._start(epoch)

    def on_loss_chart_epoch_clicked(self, message: LossChart.EpochClicked) -> None:
        """A click on the loss chart jumps to the epoch under the pointer."""
        message.stop()
        self.jump_to(min(max(message.epoch, 0), self.trainer.last_epoch))
