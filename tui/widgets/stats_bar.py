"""One line of headline figures: where the run is and whether it is moving.

Every figure comes from the engine's record; this widget only lays it out at
fixed widths, so the line does not jump while training changes the numbers.
It is one widget drawing one line (not a label per figure): while training,
it is redrawn ten times a second, and each widget on screen costs a render.
Colours come from app.tcss through the component classes below.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from tui.format import fixed, fixed_int
from tui.widgets.widget_line import widget_line

STATES = ("paused", "running", "diverged", "done")
DASH = "–"
GAP = "  "


def _percent(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return DASH.rjust(6)
    return f"{100.0 * x:5.1f}%"


def _r2(x: float | None) -> str:
    """R² in the width of a percentage; it may be far below 0 early on."""
    if x is None or not math.isfinite(x):
        return DASH.rjust(6)
    return f"{x:+6.3f}" if x > -10 else f"{x:+6.0e}"


class StatsBar(Widget):
    """epoch, train/test loss, accuracy (R² for regression), gradient norm, state, epochs per second."""

    COMPONENT_CLASSES = {
        "stats-bar--epoch",
        "stats-bar--label",
        *(f"stats-bar--{state}" for state in STATES),
        "stats-bar--rate",
    }

    DEFAULT_CSS = """
    StatsBar { height: 1; }
    """

    line: reactive[str] = reactive("", layout=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fields: dict[str, str] = {}
        self._shown: dict[str, str] = {}  # a figure's name on screen when not its key (R² for regression)
        self.state = "paused"
        self._strip = Strip.blank(0)
        self._strip_for: tuple | None = None

    def show(self, record, state: str, detail: str = "", rate: float | None = None) -> None:
        """Lay out `record`'s figures; `detail` explains a diverged or done state;
        `rate` (epochs per second) is shown only while running."""
        fields = {
            "epoch": fixed_int(record.epoch, 6),
            "loss": fixed(record.loss),
            "test": fixed(record.test_loss) if record.test_loss is not None else "",
            "acc": _percent(record.accuracy),
            "test acc": _percent(record.test_accuracy) if record.test_accuracy is not None else "",
            "‖∇‖": fixed(record.grad_norm),
        }
        if getattr(record, "is_regression", False):  # R² (model/regression.py) where accuracy would be
            fields["acc"] = _r2(record.accuracy)
            fields["test acc"] = _r2(record.test_accuracy) if record.test_accuracy is not None else ""
        regression = bool(getattr(record, "is_regression", False))
        self._shown = {"acc": "R²", "test acc": "test R²"} if regression else {}
        self.fields.update(fields)
        self.set_state(state, detail, rate)

    def set_state(self, state: str, detail: str = "", rate: float | None = None) -> None:
        self.state = state
        self.fields["state"] = detail or state
        if state == "running" and rate is not None and math.isfinite(rate):
            self.fields["rate"] = f"{rate:8.0f} ep/s"
        else:
            self.fields["rate"] = f"{DASH:>8} ep/s"
        self.tooltip = detail or None
        self.line = self._plain()  # a change of text repaints; nothing to lay out

    def _figures(self, drop: int = 0) -> list[tuple[str, str]]:
        """(name, value) to show, the least needed dropped first on a narrow line."""
        names = ["epoch", "loss", "test", "acc", "test acc", "‖∇‖"]
        names = [n for n in names if self.fields.get(n)]
        for name in ("‖∇‖", "test acc", "test", "acc")[:drop]:
            if name in names:
                names.remove(name)
        return [(self._shown.get(n, n), self.fields[n]) for n in names]

    def _plain(self) -> str:
        figures = GAP.join(f"{n} {v}" for n, v in self._figures())
        return f"{figures}{GAP}{self.fields.get('state', '')}{GAP}{self.fields.get('rate', '')}"

    def render_line(self, y: int) -> Strip:
        """The line, made into a strip once per change: through `render`
        alone, Textual turned the Text into its own content and laid it out
        on every repaint (a step's frame repaints this line)."""
        width = self.size.width
        key = (self.line, self.state, width, self.app.theme)
        if key != self._strip_for:
            style = self.rich_style
            segments = list(self.render().render(self.app.console))
            self._strip = widget_line(segments, width, style)
            self._strip_for = key
        return self._strip if y == 0 else Strip.blank(width, self.rich_style)

    def render(self) -> Text:
        width = self.size.width
        rate = self.fields.get("rate", "")
        state = self.fields.get("state", "")
        for drop in range(6):
            if drop == 5 and self.state != "running":
                rate = ""  # "– ep/s" says nothing a long state sentence needs room for
            figures = self._figures(drop)
            used = sum(len(n) + 1 + len(v) for n, v in figures) + len(GAP) * len(figures) + len(rate) + 2
            if width - used >= min(len(state), 48):
                break
        room = max(width - used, 1)
        if len(state) > room:
            state = state[: max(room - 1, 0)] + "…"
        line = Text(" ", no_wrap=True, overflow="crop")
        label = self.get_component_rich_style("stats-bar--label")
        for name, value in figures:
            style = self.get_component_rich_style("stats-bar--epoch") if name == "epoch" else None
            line.append(name + " ", label)
            line.append(value, style)
            line.append(GAP)
        line.append(state.ljust(room), self.get_component_rich_style(f"stats-bar--{self.state}"))
        line.append(rate, self.get_component_rich_style("stats-bar--rate"))
        return line
