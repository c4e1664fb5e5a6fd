"""The chain rule for one chosen weight and one training sample, with the
numbers of the epoch on screen.

Why a panel and not a formula in the help: a student checks the rule on the
actual values, input to z to a to delta to the gradient to the update, and
each figure is the one the inspector's tables show, to the last printed digit
(every value goes through `tui.format.fixed`, the tables' own format).

All figures come from `model.walkthrough.walkthrough`; this widget only lays
them out. It computes nothing while hidden: `show` keeps the newest record
and draws it when the panel is on screen (or as soon as it comes into view).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from model import BackpropError
from model.names import parameter_name
from tui.format import fixed

if TYPE_CHECKING:
    from model import EpochRecord, Trainer
    from model.walkthrough import Walkthrough

# model.walkthrough is imported when the panel first draws: the panel is in a
# hidden tab at launch, and the app's first frame comes sooner without it (issue 15).

# Terms of a hidden unit's sum listed one by one; the sum always covers all.
MAX_TERMS = 12
EMPTY = (
    "Choose a weight: Enter on a cell of a Weights table (or click it). "
    "This panel then follows its gradient from the loss back to the weight, "
    "for one training sample; , and . choose the sample."
)
KEYS = ", . previous/next sample   e edit this weight   ] [ other layers"


def walkthrough_rows(w: Walkthrough, max_terms: int = MAX_TERMS) -> list[tuple[str, str, str]]:
    """The engine's chain-rule steps (`Walkthrough.steps`) with every value as
    the inspector's cell text (`fixed`), or "" for a row that only explains."""
    number = lambda x: fixed(x).strip()  # noqa: E731
    return [(key, what, "" if value is None else fixed(value)) for key, what, value in w.steps(max_terms, number)]


SECTIONS = frozenset({"forward", "backward", "gradient", "update"})


class WalkthroughPanel(VerticalScroll):
    """Input → z → a → delta → dL/dw → update for the chosen weight and sample."""

    DEFAULT_CSS = """
    WalkthroughPanel { height: 1fr; padding: 0 1; }
    WalkthroughPanel #chain-title { height: auto; text-style: bold; }
    WalkthroughPanel #chain-body { height: auto; }
    WalkthroughPanel #chain-keys { height: auto; color: $text-muted; }
    """

    def __init__(self, **widget_kwargs) -> None:
        super().__init__(**widget_kwargs)
        self.selection: tuple[int, int, int] | None = None  # (layer, row, column), 0-based
        self.sample = 0
        self.walk: Walkthrough | None = None  # what is drawn, for tests and the edit key
        self.rows: list[tuple[str, str, str]] = []
        self.title = ""
        self._pending: tuple["Trainer", "EpochRecord"] | None = None
        self._drawn: tuple | None = None  # what is on screen, see _draw

    def compose(self) -> ComposeResult:
        yield Static(EMPTY, id="chain-title")
        yield Static("", id="chain-body")
        yield Static("", id="chain-keys")

    # ------------------------------------------------------------ public

    def select(self, layer: int, row: int, column: int) -> None:
        """Follow another parameter (row == fan_in: the bias); drawn by the next `show`."""
        self.selection = (layer, row, column)

    def move_sample(self, change: int, n_samples: int) -> None:
        """Previous (-1) or next (+1) training sample, going round at the ends."""
        if n_samples > 0:
            self.sample = (self.sample + change) % n_samples

    def show(self, trainer: "Trainer", record: "EpochRecord") -> None:
        """Draw the walk-through for `record` now if on screen, else when it comes into view."""
        self._pending = (trainer, record)
        if self.is_mounted and self._on_screen():
            self._draw()

    def show_insight(self, trainer: "Trainer", record: "EpochRecord", layer: int) -> None:
        """The insight tabs' call (only while this tab is on screen): the inspector's
        layer does not matter, the chosen weight does."""
        self.show(trainer, record)

    # ------------------------------------------------------------ drawing

    def _on_screen(self) -> bool:
        """Shown in its tab (a hidden tab's pane has display off)."""
        return all(node.display for node in self.ancestors_with_self if isinstance(node, Widget))

    def on_show(self, _: events.Show) -> None:
        if self._pending is not None:
            self._draw()

    def _draw(self) -> None:
        trainer, record = self._pending  # type: ignore[misc]
        key = (trainer, record, trainer.config, self.selection, self.sample)  # config: the update row
        if key == self._drawn:
            return  # the tab coming into view after the insight tabs drew it
        self._drawn = key
        title = self.query_one("#chain-title", Static)
        body = self.query_one("#chain-body", Static)
        keys = self.query_one("#chain-keys", Static)
        n = trainer.X.shape[0]
        if self.sample >= n:
            self.sample = 0
        self.walk, self.rows = None, []
        if self.selection is not None:
            try:
                from model.walkthrough import walkthrough

                self.walk = walkthrough(trainer, *self.selection, self.sample, record=record)
            except BackpropError:  # a new network without this weight
                self.selection = None
        if self.walk is None:
            self.title = ""
            title.update(EMPTY)
            body.update("")
            keys.update("")
            return
        w = self.walk
        fan_in = trainer.layout.shapes[w.layer][0]
        self.title = (
            f"{parameter_name(w.layer, w.row, w.column, fan_in)} · sample s{w.sample + 1} of {n} · epoch {record.epoch}"
        )
        self.rows = walkthrough_rows(w)
        title.update(Text(self.title, no_wrap=True, overflow="ellipsis"))
        body.update(self._table(self.rows))
        keys.update(Text(KEYS))

    @staticmethod
    def _table(rows: list[tuple[str, str, str]]) -> Table:
        """What on the left (wrapping), the value at the right edge."""
        table = Table(box=None, show_header=False, expand=True, pad_edge=False, padding=(0, 0, 0, 1))
        table.add_column("what", ratio=1)
        table.add_column("value", no_wrap=True, width=8, justify="right")
        for key, what, value in rows:
            # Text, not str: rich would read "b1[u1]" as markup.
            if key in SECTIONS:
                table.add_row(Text(what, style="bold"), "")
            elif not value:
                table.add_row(Text("  " + what, style="italic"), "")
            else:
                table.add_row(Text("  " + what), Text(value))
        return table
