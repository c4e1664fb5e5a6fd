"""The `Network` panel: the diagram, the card of the chosen unit, and the
phase being stepped through (s / S).

It keeps the panel's own choices (edges coloured by weights or gradients;
nodes by activation, delta or not at all; one sample or the batch mean)
and asks the engine for the values each choice shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from model.phases import Phase
from tui.format import fixed
from tui.widgets import insight_tabs

# The diagram, the phase panel and model.diagram_values are imported when the
# panel is composed or draws, so not before the app's first frame: the app
# makes this panel at once but mounts it just after (issue 15).

if TYPE_CHECKING:
    from model import EpochRecord, Trainer
    from model.diagram_values import UnitCard
    from tui.widgets.network_diagram import NetworkDiagram
    from tui.widgets.phase_panel import PhasePanel


def update_static(static: Static, content: str | Text) -> None:
    """Update a Static only if its text changed, and lay the screen out again
    only if its number of lines did: a relayout of the whole screen costs far
    more than the text (this runs at every step)."""
    plain = content.plain if isinstance(content, Text) else content
    old = getattr(static, "_shown_plain", None)
    if old == plain:
        return
    static._shown_plain = plain  # type: ignore[attr-defined]
    static.update(content, layout=old is None or old.count("\n") != plain.count("\n"))


def _number(x: float | None) -> str:
    return "–" if x is None else fixed(x).strip()


def card_text(card: UnitCard) -> str:
    """A unit's card in two or three lines, every number fixed-width."""
    head = card.title
    if card.column == 0:
        return f"{head}: x = {fixed(card.a).strip()}"
    incoming = " ".join(fixed(w) for w in card.incoming[:6])
    more = f" … {len(card.incoming) - 6} more" if len(card.incoming) > 6 else ""
    return (
        f"{head}: in W = {incoming}{more}  b = {_number(card.bias)}\n"
        f"z = {_number(card.z)}  a = {_number(card.a)}  f'(z) = {_number(card.fprime)}"
        f"  delta = {_number(card.delta)}"
    )


class NetworkPanel(Vertical):
    """Diagram, unit card and phase, drawn from a record and a phase record."""

    DEFAULT_CSS = """
    NetworkPanel { height: 1fr; }
    NetworkPanel #unit-card { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    NetworkPanel #diagram-legend { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.edge_kind = "weights"
        self.node_kind = "activation"
        self.sample: int | None = None  # None: the batch mean
        self._trainer: Trainer | None = None
        self._record: EpochRecord | None = None
        self._phase: Phase | None = None
        self._choice: tuple | None = None  # what the diagram is being drawn for
        self.preparing = 0  # diagrams a worker computes (tests wait for 0)

    def compose(self) -> ComposeResult:
        from tui.widgets.network_diagram import NetworkDiagram
        from tui.widgets.phase_panel import PhasePanel

        yield Static("", id="diagram-legend", markup=False)
        yield NetworkDiagram(id="diagram")
        yield Static("", id="unit-card", markup=False)
        yield PhasePanel(id="phase")

    @property
    def diagram(self) -> NetworkDiagram:
        from tui.widgets.network_diagram import NetworkDiagram

        return self.query_one(NetworkDiagram)

    @property
    def phase_panel(self) -> PhasePanel:
        from tui.widgets.phase_panel import PhasePanel

        return self.query_one(PhasePanel)

    def show(self, trainer: "Trainer", record: "EpochRecord", phase: Phase | None = None) -> None:
        """Draw `record`; `phase` (if any) is highlighted and spelled out."""
        self._trainer, self._record, self._phase = trainer, record, phase
        if not self.is_mounted:
            return
        from model.diagram_values import diagram_values

        choice = (record, self.edge_kind, self.node_kind, self.sample)
        self._choice = choice
        if trainer.X.shape[0] >= insight_tabs.DEFER_SAMPLES:
            # The batch mean of a large data set is a pass over every sample:
            # computed in a thread, so the rest of the screen is drawn first.
            def work() -> None:
                try:
                    values = diagram_values(*choice)
                except Exception:  # noqa: BLE001 - computed again on the UI thread, which reports it
                    values = None
                self.app.call_from_thread(self._values_ready, choice, values, phase)

            self.preparing += 1
            self.run_worker(
                work, thread=True, group="diagram-values", name=f"diagram of epoch {record.epoch}", exit_on_error=False
            )
            return
        self._draw(diagram_values(*choice), record, phase)

    def _values_ready(self, choice: tuple, values, phase: Phase | None) -> None:
        self.preparing -= 1
        if choice is not self._choice or not self.is_attached:
            return  # another draw came meanwhile
        from model.diagram_values import diagram_values

        try:
            self._draw(values if values is not None else diagram_values(*choice), choice[0], phase)
        except Exception as exc:  # a drawing bug must not close the app
            self.notify(f"could not draw the network: {type(exc).__name__}: {exc}", severity="error", markup=False)

    def _draw(self, values, record: "EpochRecord", phase: Phase | None) -> None:
        self.diagram.show(values, phase.nodes if phase else (), phase.edges if phase else ())
        self.phase_panel.show_phase(phase)
        edges = "edges W" if self.edge_kind == "weights" else "edges dW"
        nodes = f"nodes {values.node_label}" if values.node_label else "nodes plain"
        legend = self.query_one("#diagram-legend", Static)
        line = f"epoch {record.epoch} · {edges} (w) · {nodes} (a, m)"
        update_static(legend, Text(line, no_wrap=True, overflow="ellipsis"))
        self._show_card()

    def on_mount(self) -> None:
        # Drawn just after: `is_mounted` becomes true only once this handler has returned.
        self.call_after_refresh(self.redraw)

    def redraw(self) -> None:
        if self._trainer is not None and self._record is not None:
            self.show(self._trainer, self._record, self._phase)

    def next_edge_kind(self) -> None:
        from model.diagram_values import EDGE_KINDS

        self.edge_kind = EDGE_KINDS[(EDGE_KINDS.index(self.edge_kind) + 1) % len(EDGE_KINDS)]
        self.redraw()

    def next_node_kind(self) -> None:
        from model.diagram_values import NODE_KINDS

        self.node_kind = NODE_KINDS[(NODE_KINDS.index(self.node_kind) + 1) % len(NODE_KINDS)]
        self.redraw()

    def next_sample(self, n_samples: int) -> None:
        """The batch mean, then each sample in turn, then the mean again."""
        if self.sample is None:
            self.sample = 0
        elif self.sample + 1 >= n_samples:
            self.sample = None
        else:
            self.sample += 1
        self.redraw()

    def on_network_diagram_unit_chosen(self, message: NetworkDiagram.UnitChosen) -> None:
        message.stop()
        self._show_card()

    def _show_card(self) -> None:
        card = self.query_one("#unit-card", Static)
        selected = self.diagram.selected
        if selected is None or self._trainer is None or self._record is None:
            update_static(card, "click a unit (or arrows): its card")
            return
        column, unit = selected
        from model.diagram_values import unit_card

        try:
            info = unit_card(self._trainer.network, self._record, column, unit, self.sample or 0)
        except ValueError as exc:
            update_static(card, str(exc))
            return
        update_static(card, card_text(info))
