"""Side by side (o): the run's settings against the same with one change,
trained in lockstep, both loss curves on one chart and both maps.

The screen first lists the ready comparisons (model/side_by_side.py) and
takes typed settings for the right side; then it shows the pair. All the
training is the engine's `SideBySide`; this file only draws it and moves it.

Running never blocks the UI thread: a timer steps both sides in small
batches of about a frame's time, so every key is handled between two
batches and a pause (r, p, or any other key that moves) answers at once.
The app's own run is not touched: the screen builds new trainers from its
settings and starting weights, and leaving drops them.
"""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.color import Color
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from model import BackpropError, Config
from model.side_by_side import COMPARISONS, SideBySide, comparison, right_config, side_labels
from tui.format import fixed
from tui.keymap import SIDE_BY_SIDE_BINDINGS, SIDE_BY_SIDE_EXPLAIN
from tui.screens.closed_early import closed_before_mount
from tui.widgets.decision_boundary import DecisionBoundary
from tui.widgets.ordered_input import OrderedInput
from tui.widgets.pair_chart import COLOURS, PairChart

if TYPE_CHECKING:
    from model import EpochRecord, Trainer

TICKS_PER_SECOND = 20  # training batches while running
BATCH_SECONDS = 0.025  # training per batch: the rest of each tick is the UI's
PANELS_PER_SECOND = 4  # chart and maps while running (the stats lines every batch)

OPENING = (
    "Side by side: the left trains your run's settings from epoch 0, the right the same settings with one "
    "change; both from the same starting weights unless the change draws other weights (init, seed). "
    "Choose a comparison with ↑ ↓ and enter, or type settings for the right side and press enter. "
    "Escape goes back to your run, which stays as it was."
)
KEYS_LINE = "space 1 epoch · n N epochs · r/p run/pause · b back · c choose another · escape back to your run"


def stats_line(
    side: str, name: str, record: "EpochRecord", diverged: str | None, colour: str = "", running: bool = False
) -> Text:
    """One side's name, then its figures at a fixed width: epoch, loss, accuracy (and test figures)."""
    text = Text()
    text.append(f"{side}: {name}", style=f"bold {colour}".strip())
    text.append(" · running\n" if running else "\n")
    # 36 characters, a side's width at 80 columns: "epoch   1386 loss +210.996 acc  50.0%".
    text.append(f"epoch {record.epoch:>6} loss {fixed(record.loss, 7, 3)} acc {record.accuracy:6.1%}")
    if record.test_accuracy is not None and record.test_loss is not None:
        text.append(f" test {record.test_accuracy:6.1%}")
    if diverged:
        text.append(f"\ndiverged: {diverged}", style="bold")
    return text


class SideBySideScreen(ModalScreen[None]):
    """Choose a comparison, then step, run and rewind both sides together."""

    BINDINGS = SIDE_BY_SIDE_BINDINGS

    DEFAULT_CSS = """
    SideBySideScreen { background: $background; }
    #sbs-about { height: auto; padding: 0 1; color: $text; }
    #sbs-chooser { height: 1fr; }
    #sbs-options { height: auto; border: round $primary; }
    #sbs-note { height: auto; padding: 0 1; color: $text-muted; }
    #sbs-settings { border: round $secondary; }
    #sbs-error { height: auto; padding: 0 1; color: $text-error; }
    #sbs-view { height: 1fr; }
    #sbs-chart { height: 1fr; min-height: 7; border: round $primary; }
    #sbs-maps { height: 1fr; }
    .sbs-side { width: 1fr; height: 1fr; border: round $secondary; }
    .sbs-side.-no-map { height: auto; }
    .sbs-stats { height: auto; }
    SideBySideScreen.-short #sbs-chart { min-height: 5; }
    """

    def __init__(self, config: Config, data=None, params: np.ndarray | None = None, bug=None, start: str | None = None):
        """`config`, `data`, `params`, `bug`: the app's run (its settings in
        force, its data, its starting weights, a planted bug), read only;
        `start`: a ready comparison's name to open with."""
        super().__init__()
        self.config = config
        self._data, self._params, self._bug = data, params, bug
        self._start_with = start
        self.pair: SideBySide | None = None
        self.names: tuple[str, str] = ("left", "right")
        self.target: int | None = None  # the epoch a run stops at (None: until paused)
        self._ticker: Timer | None = None
        self._panels_drawn = 0.0
        self._viewing = False  # the pair is on screen (else the list of comparisons)
        self._choices = [item for item in COMPARISONS if item.right(config) is not None]

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static(OPENING, id="sbs-about", markup=False)
        with Vertical(id="sbs-chooser"):
            options = OptionList(
                *(Option(Text(f"{item.title}: {item.note}"), id=item.name) for item in self._choices),
                id="sbs-options",
            )
            options.border_title = "Compare your run with (enter)"
            yield options
            settings = OrderedInput(
                placeholder="or type settings for the right side: lr=0.05 optimizer=momentum", id="sbs-settings"
            )
            settings.border_title = "Right side's settings (enter)"
            yield settings
            yield Static("", id="sbs-error", markup=False)
        with Vertical(id="sbs-view"):
            yield PairChart(id="sbs-chart")
            with Horizontal(id="sbs-maps"):
                for side in ("left", "right"):
                    with Vertical(id=f"sbs-{side}", classes="sbs-side"):
                        yield Static("", id=f"sbs-{side}-stats", classes="sbs-stats")
                        yield DecisionBoundary(id=f"sbs-{side}-map", unit_maps=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if closed_before_mount(self):
            return
        self.query_one("#sbs-view").display = False
        self.query_one(OptionList).focus()
        if self._start_with is not None:
            self.call_after_refresh(self.compare_with, comparison(self._start_with).right(self.config))

    # ------------------------------------------------------------ choosing

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.compare_with(comparison(event.option.id).right(self.config))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            right = right_config(self.config, event.value)
        except BackpropError as exc:
            self.query_one("#sbs-error", Static).update(str(exc))
            return
        self.compare_with(right)

    def compare_with(self, right: Config | None) -> bool:
        """Build the pair (left: the run's settings; right: `right`) and show it."""
        if right is None:
            return False
        self._stop()
        try:
            with np.errstate(all="ignore"):
                pair = SideBySide(self.config, right, data=self._data, params=self._params, bug=self._bug)
        except BackpropError as exc:
            self.query_one("#sbs-error", Static).update(f"No comparison: {exc}")
            return False
        self.pair = pair
        self.names = side_labels(self.config, right)
        self.query_one("#sbs-error", Static).update("")
        self._show_view(True)
        two_d = pair.left.data.n_features == 2 and pair.right.data.n_features == 2
        for side in ("left", "right"):
            self.query_one(f"#sbs-{side}-map").display = two_d
            self.query_one(f"#sbs-{side}").set_class(not two_d, "-no-map")
        self.query_one("#sbs-about", Static).update(f"{pair.describe()}.\n{KEYS_LINE}")
        self.set_focus(None)
        self._draw()
        self.refresh_bindings()
        return True

    def _show_view(self, viewing: bool) -> None:
        """The pair (True) or the list of comparisons (False)."""
        self._viewing = viewing
        self.query_one("#sbs-chooser").display = not viewing
        self.query_one("#sbs-view").display = viewing

    def action_choose(self) -> None:
        self._stop()
        self._show_view(False)
        self.query_one("#sbs-about", Static).update(OPENING)
        self.query_one(OptionList).focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("step", "step_many", "toggle_run", "back_epoch", "reset", "toggle_log", "toggle_regions"):
            return True if self.pair is not None and self._viewing else None
        return True

    # ------------------------------------------------------------ moving

    @property
    def running(self) -> bool:
        return self._ticker is not None

    def action_step(self) -> None:
        self._stop()
        self._move(lambda pair: pair.step(1))

    def action_step_many(self) -> None:
        """N more epochs (the run's 'epochs per step'), trained in batches like a run."""
        pair = self.pair
        if pair is None:
            return
        base = self.target if self.running and self.target is not None else pair.epoch
        self._run(base + self.config.epochs_per_step)

    def action_toggle_run(self) -> None:
        if self.running:
            self._stop()
            self._draw()
        else:
            self._run(None)

    def action_back_epoch(self) -> None:
        self._stop()
        self._move(lambda pair: pair.back(1))

    def action_reset(self) -> None:
        self._stop()
        self._move(lambda pair: pair.reset())

    def _move(self, change) -> None:
        if self.pair is None:
            return
        try:
            with np.errstate(all="ignore"):
                change(self.pair)
        except (BackpropError, ValueError) as exc:
            self.notify(str(exc), severity="error", title="Side by side", markup=False)
        self._draw()

    def _run(self, target: int | None) -> None:
        if self.pair is None or self.pair.finished:
            return
        self.target = target
        if self._ticker is None:
            self._ticker = self.set_interval(1 / TICKS_PER_SECOND, self._tick)
        self._draw_stats()

    def _stop(self) -> None:
        """Pause: the timer stops before the next batch (none is ever half done)."""
        ticker, self._ticker = self._ticker, None
        self.target = None
        if ticker is not None:
            ticker.stop()

    def _tick(self) -> None:
        pair = self.pair
        if pair is None or self._ticker is None:
            return
        deadline = time.perf_counter() + BATCH_SECONDS
        with np.errstate(all="ignore"):
            while time.perf_counter() < deadline:
                if pair.finished or (self.target is not None and pair.epoch >= self.target):
                    self._stop()
                    break
                pair.step(1)
        now = time.monotonic()
        if self._ticker is None or now - self._panels_drawn >= 1 / PANELS_PER_SECOND:
            self._draw()
        else:
            self._draw_stats()

    # ------------------------------------------------------------ drawing

    def _draw_stats(self) -> None:
        pair = self.pair
        if pair is None:
            return
        for i, side in enumerate(("left", "right")):
            trainer: Trainer = pair.sides[i]
            colour = Color.parse(self.app.theme_variables[COLOURS[i]]).hex
            line = stats_line(side, self.names[i], trainer.record, pair.diverged[i], colour, self.running)
            self.query_one(f"#sbs-{side}-stats", Static).update(line)

    def _draw(self) -> None:
        pair = self.pair
        if pair is None:
            return
        self._panels_drawn = time.monotonic()
        self._draw_stats()
        try:
            self.query_one(PairChart).show(pair.losses(0), pair.losses(1), self.names)
            for i, side in enumerate(("left", "right")):
                trainer = pair.sides[i]
                last = len(trainer.layout.shapes) - 1
                self.query_one(f"#sbs-{side}-map", DecisionBoundary).show_insight(trainer, trainer.record, last)
        except Exception as exc:  # a drawing bug must not take the comparison with it
            self.notify(f"could not draw: {type(exc).__name__}: {exc}", severity="error", markup=False)

    def action_toggle_log(self) -> None:
        chart = self.query_one(PairChart)
        chart.log_scale = not chart.log_scale

    def action_toggle_regions(self) -> None:
        for side in ("left", "right"):
            self.query_one(f"#sbs-{side}-map", DecisionBoundary).toggle_regions()

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        rows = []
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.id in SIDE_BY_SIDE_EXPLAIN:
                keys = " / ".join(self.app.get_key_display(binding.with_key(key)) for key in binding.key.split(","))
                rows.append((keys, binding.tooltip or binding.description, SIDE_BY_SIDE_EXPLAIN[binding.id]))
        self.app.push_screen(HelpScreen(rows))

    def commands(self) -> list[SystemCommand]:
        """The ctrl+p palette on this screen: its own keys and the ready
        comparisons (never the app's keys, which would move the run underneath)."""
        found = []
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.id in SIDE_BY_SIDE_EXPLAIN and binding.action != "help":
                if self.check_action(binding.action, ()):
                    key = self.app.get_key_display(binding.with_key(binding.key.split(",")[0]))
                    found.append(
                        SystemCommand(
                            f"{binding.tooltip or binding.description} ({key})",
                            SIDE_BY_SIDE_EXPLAIN[binding.id],
                            partial(self.app.run_action, binding.action, self),
                        )
                    )
        for item in self._choices:
            found.append(
                SystemCommand(
                    f"Side by side: {item.title}",
                    item.note,
                    partial(self.compare_with, item.right(self.config)),
                )
            )
        return found

    # ------------------------------------------------------------ leaving

    def action_leave(self) -> None:
        """Escape: from the list back to the pair on screen, if any; else back to the run."""
        if self.pair is not None and not self._viewing:
            self._show_view(True)
            self.query_one("#sbs-about", Static).update(f"{self.pair.describe()}.\n{KEYS_LINE}")
            self.set_focus(None)
            self.refresh_bindings()
            return
        self._stop()
        self.dismiss(None)

    def on_unmount(self) -> None:
        self._stop()


def open_side_by_side(app, start: str | None = None) -> None:
    """Push the screen for the app's run (its trainer only read, never changed)."""
    trainer = app.trainer
    app.push_screen(SideBySideScreen(trainer.config, trainer.data, trainer.initial_params, trainer.bug, start))


def side_by_side_commands(app) -> list[SystemCommand]:
    """One palette command per ready comparison ("Side by side: Learning rate ×10")."""
    return [
        SystemCommand(f"Side by side: {item.title}", item.note, lambda name=item.name: app.open_side_by_side(name))
        for item in COMPARISONS
        if item.right(app.trainer.config) is not None
    ]
