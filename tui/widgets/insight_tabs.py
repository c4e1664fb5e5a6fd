"""The insight tabs (predictions, decision boundary, layer health, ...):
one panel, one tab visible at a time, and only the visible one drawn.

The app gives every snapshot to `show`; the visible tab draws it, the
others remember that they are behind and draw it when they are chosen. A
widget in a tab takes part by having `show_insight(trainer, record, layer)`
(draw) and, if it must see every snapshot even while hidden (the health
sparklines do), `note_insight(trainer, record, layer)` (cheap bookkeeping).
So a new tab is one `TabPane` in the app's compose and nothing here.

Per-sample figures of a large data set (the Outputs table's losses, the
Health tab's saturation shares: a pass over every sample) are computed in a
thread worker, so the screen is redrawn first (a session of 850,000 samples
opened with ctrl+o): a widget that can take part has `prepare_insight`,
which returns the computation to run off the UI thread; its result is then
given to `show_insight` / `note_insight` as `prepared`. A result that
arrives after another snapshot is dropped.

The panel is mounted just after the app's first frame (which comes sooner
without its tabs), so it takes part before that too: snapshots shown
before it is mounted are kept and given to its tabs on mount, in order (the
health sparklines miss none), and a tab chosen before then (`choose`,
`next_tab`) is the one it opens on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

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


@runtime_checkable
class PreparesInsight(Protocol):
    """One whose figures can be computed off the UI thread (`prepared` then holds them)."""

    def prepare_insight(self, trainer: Trainer, record: EpochRecord, layer: int) -> Callable[[], Any]: ...


# Data sets of at least this many training samples have their per-sample
# figures computed in a thread worker (docs/decisions.md).
DEFER_SAMPLES = 100_000


class InsightTabs(TabbedContent):
    """A TabbedContent that draws a snapshot only into the tab on screen."""

    DEFAULT_CSS = """
    InsightTabs { height: 1fr; }
    InsightTabs > ContentSwitcher { height: 1fr; }
    InsightTabs TabPane { height: 1fr; padding: 0; }
    """

    def __init__(self, *panes: TabPane, **kwargs) -> None:
        """`panes`: one TabPane (with an id) per insight, in the order of their tabs."""
        super().__init__(**kwargs)
        for pane in panes:
            self.compose_add_child(pane)
        self._pane_ids = [pane.id for pane in panes if pane.id]
        self._snapshot: tuple | None = None  # (trainer, record, layer)
        self._drawn: dict[str, tuple] = {}  # pane id -> the snapshot it shows
        self.preparing = 0  # snapshots whose figures a worker computes (tests wait for 0)
        self._before_mount: list[tuple] | None = []  # snapshots shown before mounting; None once mounted
        self._chosen: str = ""  # the tab chosen before mounting

    def on_mount(self) -> None:
        # After the tab strip has activated its first tab (a message in this queue).
        self.call_after_refresh(self._catch_up)

    def _catch_up(self) -> None:
        """Mounted: open on the tab chosen meanwhile, and give the tabs what was shown."""
        early, self._before_mount = self._before_mount or [], None
        if not self.is_attached:  # the app closed meanwhile
            return
        if self._chosen:
            self.active = self._chosen
        for snapshot in early:
            self.show(*snapshot)

    # ------------------------------------------------------------ public

    def show(self, trainer: "Trainer", record: "EpochRecord", layer: int = 0) -> None:
        """A new snapshot: draw the visible tab, note it in the hidden ones."""
        snapshot = (trainer, record, layer)
        self._snapshot = snapshot
        if self._before_mount is not None:
            self._before_mount.append(snapshot)
            return
        if trainer.X.shape[0] >= DEFER_SAMPLES and self._prepare(snapshot):
            return
        self._show(snapshot, {})

    def _show(self, snapshot: tuple, prepared: dict[Widget, Any]) -> None:
        trainer, record, layer = snapshot
        active = self.active
        for pane in self.panes():
            if pane.id == active:
                self._draw(pane, snapshot, prepared)
            else:
                for widget in self._members(pane):
                    if isinstance(widget, NotesEveryInsight):
                        if widget in prepared:
                            widget.note_insight(trainer, record, layer, prepared=prepared[widget])  # type: ignore[call-arg]
                        else:
                            widget.note_insight(trainer, record, layer)

    def _prepare(self, snapshot: tuple) -> bool:
        """Compute the figures of the tab on screen and of the tabs that note every
        snapshot in a thread, then draw; False if no widget takes part."""
        trainer, record, layer = snapshot
        jobs: dict[Widget, Callable[[], Any]] = {}
        for pane in self.panes():
            for widget in self._members(pane):
                wanted = pane.id == self.active or isinstance(widget, NotesEveryInsight)
                if wanted and isinstance(widget, PreparesInsight):
                    jobs[widget] = widget.prepare_insight(trainer, record, layer)
        if not jobs:
            return False
        self.preparing += 1

        def work() -> None:
            results: dict[Widget, Any] = {}
            for widget, job in jobs.items():
                try:
                    results[widget] = job()
                except Exception:  # noqa: BLE001 - computed again on the UI thread, which reports it
                    pass
            self.app.call_from_thread(self._prepared, snapshot, results)

        name = f"figures of epoch {record.epoch}"
        self.run_worker(work, thread=True, group="insight-figures", name=name, exit_on_error=False)
        return True

    def _prepared(self, snapshot: tuple, results: dict[Widget, Any]) -> None:
        """Back on the UI thread: draw, unless another snapshot came meanwhile."""
        self.preparing -= 1
        if snapshot is not self._snapshot or not self.is_attached:
            return
        try:
            self._show(snapshot, results)
        except Exception as exc:  # a drawing bug must not close the app
            self.notify(f"could not draw this tab: {type(exc).__name__}: {exc}", severity="error", markup=False)
            self.log.error(exc)

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
        if self._before_mount is not None:
            ids, active = self._pane_ids, self._chosen or next(iter(self._pane_ids), "")
        else:
            ids, active = [pane.id for pane in self.panes() if pane.id and not pane.disabled], self.active
        if not ids:
            return active
        index = ids.index(active) if active in ids else -1
        chosen = ids[(index + 1) % len(ids)]
        self.choose(chosen)
        return chosen

    def choose(self, pane_id: str) -> None:
        """Bring a tab into view (before mounting: the tab it opens on)."""
        if self._before_mount is not None:
            self._chosen = pane_id
        else:
            self.active = pane_id

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

    def _draw(self, pane: TabPane, snapshot: tuple, prepared: dict[Widget, Any] | None = None) -> None:
        trainer, record, layer = snapshot
        for widget in self._members(pane):
            if isinstance(widget, InsightView):
                if prepared and widget in prepared:
                    widget.show_insight(trainer, record, layer, prepared=prepared[widget])  # type: ignore[call-arg]
                else:
                    widget.show_insight(trainer, record, layer)
        if pane.id:
            self._drawn[pane.id] = snapshot
