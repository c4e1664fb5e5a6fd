"""The insight tabs (predictions, decision boundary, layer health, ...):
one panel, one tab visible at a time, and only the visible one drawn.

The app gives every snapshot to `show`; the visible tab draws it, the
others remember that they are behind and draw it when they are chosen. A
widget in a tab takes part by having `show_insight(trainer, record, layer)`
(draw) and, if it must see every snapshot even while hidden (the health
sparklines do), `note_insight(trainer, record, layer)` (cheap bookkeeping).
So a new tab is one `TabPane` in the app's compose and nothing here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.widget import Widget
from textual.widgets import ContentSwitcher, TabbedContent, TabPane

if TYPE_CHECKING:
    from model import EpochRecord, Trainer


@runtime_checkable
class InsightView(Protocol):
    """A widget in an insight tab: draws a snapshot when its tab is on screen."""

    def show_insight(self, trainer: Trainer, record: EpochRecord, layer: int) -> None: ...


@runtime_checkable
class NotesEveryInsight(Protocol):
    """One that must also see the snapshots while hidden (the health sparklines)."""

    def note_insight(self, trainer: Trainer, record: EpochRecord, layer: int) -> None: ...


class InsightTabs(TabbedContent):
    """A TabbedContent that draws a snapshot only into the tab on screen."""

    DEFAULT_CSS = """
    InsightTabs { height: 1fr; }
    InsightTabs > ContentSwitcher { height: 1fr; }
    InsightTabs TabPane { height: 1fr; padding: 0; }
    """

    def __init__(self, *titles, **kwargs) -> None:
        super().__init__(*titles, **kwargs)
        self._snapshot: tuple | None = None  # (trainer, record, layer)
        self._drawn: dict[str, tuple] = {}  # pane id -> the snapshot it shows

    # ------------------------------------------------------------ public

    def show(self, trainer: "Trainer", record: "EpochRecord", layer: int = 0) -> None:
        """A new snapshot: draw the visible tab, note it in the hidden ones."""
        snapshot = (trainer, record, layer)
        self._snapshot = snapshot
        active = self.active
        for pane in self.panes():
            if pane.id == active:
                self._draw(pane, snapshot)
            else:
                for widget in self._members(pane):
                    if isinstance(widget, NotesEveryInsight):
                        widget.note_insight(trainer, record, layer)

    def follow_layer(self, layer: int) -> None:
        """The inspector moved to another layer: redraw the visible tab for it."""
        if self._snapshot is not None and self._snapshot[2] != layer:
            trainer, record, _ = self._snapshot
            self.show(trainer, record, layer)

    def panes(self) -> list[TabPane]:
        """The tab panes in the order their tabs are shown."""
        switcher = self.get_child_by_type(ContentSwitcher)
        return [child for child in switcher.children if isinstance(child, TabPane)]

    def next_tab(self) -> str:
        """Make the next tab (wrapping round) the active one; its id."""
        ids = [pane.id for pane in self.panes() if pane.id and not pane.disabled]
        if not ids:
            return self.active
        index = ids.index(self.active) if self.active in ids else -1
        self.active = ids[(index + 1) % len(ids)]
        return self.active

    # ----------------------------------------------------------- drawing

    def watch_active(self, active: str) -> None:
        """A tab came into view: give it the snapshot it has not drawn yet."""
        if self._snapshot is None or not active:
            return
        pane = self.get_pane(active)
        if self._drawn.get(active) is self._snapshot:
            return
        try:
            self._draw(pane, self._snapshot)
        except Exception as exc:  # a drawing bug must not close the app
            self.notify(f"could not draw this tab: {type(exc).__name__}: {exc}", severity="error", markup=False)
            self.log.error(exc)

    @staticmethod
    def _members(pane: TabPane) -> list[Widget]:
        return list(pane.children)

    def _draw(self, pane: TabPane, snapshot: tuple) -> None:
        trainer, record, layer = snapshot
        for widget in self._members(pane):
            if isinstance(widget, InsightView):
                widget.show_insight(trainer, record, layer)
        if pane.id:
            self._drawn[pane.id] = snapshot
