"""The layer inspector: one tab per layer, and for the chosen layer its
weights, gradients, deltas or activations as a table of numbers.

Only what is on screen is written to: `show` remembers the record, writes
the rows of the visible table that are in view, and leaves the rest for when
they scroll into view or their tab is chosen. So a training update costs one
screenful of cells, however big the layers or the data set. A table is made
when its tab is first chosen, built once per architecture (stable row and
column keys) and then changed cell by cell; a new architecture recomposes
the tabs.

A cell reads " +0.1234▲": the value, then ▲ or ▼ if it rose or fell since
the `previous` record given to `show` (blank if unchanged or no previous).

Row keys: "in-{i}" and "bias" (weights, gradients), "s-{i}" (samples).
Column keys: "u-{j}" (units); activations interleave "z-{j}" and "a-{j}".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import ContentSwitcher, DataTable, Static, Tab, Tabs

from tui.format import change_marker, fixed, set_text, theme_colours, value_style
from tui.messages import WeightSelected
from tui.widgets.quick_table import QuickTable

if TYPE_CHECKING:
    from model import EpochRecord
    from model.phases import Highlight

VIEWS: tuple[str, ...] = ("weights", "grads", "deltas", "acts")
VIEW_TITLES = {"weights": "Weights", "grads": "Gradients", "deltas": "Deltas", "acts": "Activations"}
# Caps that keep one update cheap on wide layers and big data sets.
MAX_ROWS = 200
MAX_COLUMNS = 16  # a DataTable paints every column of each visible row
# Rows written beyond the visible ones, and how many to write before a table has a size.
ROW_MARGIN = 3
FIRST_ROWS = 60
CELL_WIDTH = 9  # fixed() gives 8 characters, plus one for the change marker

Array = np.ndarray


def layer_sizes(record: "EpochRecord") -> tuple[int, ...]:
    """The architecture a record belongs to, read from its weight shapes."""
    return (record.W[0].shape[0],) + tuple(w.shape[1] for w in record.W)


def _unit_names(prefix: str, n: int) -> str:
    return f"{prefix}1" if n == 1 else f"{prefix}1..{prefix}{n}"


def _input_names(layer: int, n: int) -> str:
    if layer == 0:
        return f"inputs ({_unit_names('x', n)})"
    return f"units of L{layer} ({_unit_names('h', n)})"


class _Grid:
    """What one table shows: keys, labels, values, and what they were before."""

    __slots__ = ("row_keys", "row_labels", "column_keys", "column_labels", "caption", "_new", "_old", "_scale")

    def __init__(self, row_keys, row_labels, column_keys, column_labels, values: Array, previous, caption):
        self.row_keys: list[str] = row_keys
        self.row_labels: list[str] = row_labels
        self.column_keys: list[str] = column_keys
        self.column_labels: list[str] = column_labels
        self.caption: str = caption
        self._new = values.tolist()
        self._old = previous.tolist() if previous is not None and previous.shape == values.shape else None
        finite = np.abs(values[np.isfinite(values)])
        self._scale = float(finite.max()) if finite.size else 0.0  # colour strength is relative to the table

    @property
    def shape_key(self) -> tuple:
        return (tuple(self.row_keys), tuple(self.column_keys), tuple(self.row_labels))

    def cell(self, i: int, j: int, positive: str, negative: str) -> Text:
        x = self._new[i][j]
        mark = change_marker(x, self._old[i][j] if self._old is not None else None)
        return Text(fixed(x) + mark, style=value_style(x, self._scale, positive, negative), no_wrap=True)


class ValueTable(QuickTable):
    """A DataTable that says when other rows may have come into view."""

    class Scrolled(Message):
        def __init__(self, table: "ValueTable") -> None:
            super().__init__()
            self.table = table

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ValueTable.Scrolled) and message.table is self.table

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self.post_message(self.Scrolled(self))

    def on_resize(self, _: events.Resize) -> None:
        self.post_message(self.Scrolled(self))


class LayerInspector(Vertical):
    """Weights, gradients, deltas and activations of one layer at a time."""

    DEFAULT_CSS = """
    LayerInspector { height: 1fr; }
    LayerInspector #inspector-tabs { height: 2; }
    LayerInspector #layer-tabs { width: 1fr; }
    LayerInspector #view-tabs { width: 40; }
    LayerInspector #layer-views { height: 1fr; }
    LayerInspector .inspector-pane { height: 1fr; }
    LayerInspector .inspector-caption { height: auto; color: $text-muted; padding: 0 1; }
    LayerInspector DataTable { height: 1fr; }
    LayerInspector.-stacked #inspector-tabs { layout: vertical; height: 4; }
    LayerInspector.-stacked #layer-tabs, LayerInspector.-stacked #view-tabs { width: 1fr; }
    """

    def __init__(self, **widget_kwargs) -> None:
        super().__init__(**widget_kwargs)
        self._record: EpochRecord | None = None
        self._previous: EpochRecord | None = None
        self._sample_labels: list[str] | None = None
        self._sizes: tuple[int, ...] = ()
        self._layer = 0
        self._view = "weights"
        self._tables: dict[tuple[int, str], ValueTable] = {}
        self._captions: dict[tuple[int, str], Static] = {}
        self._built: dict[tuple[int, str], tuple] = {}
        self._grids: dict[tuple[int, str], _Grid] = {}
        self._todo: dict[tuple[int, str], set[int]] = {}  # rows not yet showing their grid
        self._colours: tuple[str, str] | None = None
        self._highlight: Highlight | None = None

    # ------------------------------------------------------------ public

    @property
    def active_layer(self) -> int:
        """The layer on screen, 0-based (the tab reads L{index + 1})."""
        return self._layer

    @property
    def record(self) -> "EpochRecord | None":
        """The record last given to `show`."""
        return self._record

    @property
    def view(self) -> str:
        """The view on screen: one of VIEWS."""
        return self._view

    @property
    def n_layers(self) -> int:
        return max(len(self._sizes) - 1, 0)

    def show(
        self,
        record: "EpochRecord",
        previous: "EpochRecord | None" = None,
        sample_labels: Sequence[str] | None = None,
    ) -> None:
        """Show a record; values that moved since `previous` get ▲ or ▼."""
        sizes = layer_sizes(record)
        self._record = record
        self._previous = previous if previous is not None and layer_sizes(previous) == sizes else None
        self._sample_labels = None if sample_labels is None else [str(s) for s in sample_labels]
        if sizes != self._sizes:
            self._sizes = sizes
            self._layer = min(self._layer, self.n_layers - 1)
            self._tables, self._captions, self._built, self._grids, self._todo = {}, {}, {}, {}, {}
            if self.is_mounted:
                self._fit_tabs()
                self.refresh(recompose=True)  # compose draws the visible table
            return
        self._draw(self._layer, self._view)

    @property
    def highlight(self) -> "Highlight | None":
        """The cells marked as computed by the phase on screen (see model.phases.Highlight)."""
        return self._highlight

    def set_highlight(self, highlight: "Highlight | None") -> None:
        """Mark the cells a phase computes (reversed), bringing its layer and view
        into sight; None removes the marks."""
        if highlight == self._highlight:
            return
        self._highlight = highlight
        if highlight is not None and self.n_layers:
            layer = self._layer if self._layer in highlight.layers else highlight.layers[0]
            if (layer, highlight.view) != (self._layer, self._view):
                self._activate(layer, highlight.view)
                return
        self._draw(self._layer, self._view)

    def highlighted_rows(self, layer: int, view: str) -> set[int] | None:
        """Row positions of a table marked by the phase: None (none), or a set."""
        hl = self._highlight
        if hl is None or hl.view != view or layer not in hl.layers:
            return None
        key = (layer, view)
        grid = self._grids.get(key)
        n = len(grid.row_keys) if grid is not None else 0
        if hl.rows is None:
            return set(range(n))
        return {i for i in hl.rows if i < n}

    def select_layer(self, index: int) -> None:
        if not 0 <= index < self.n_layers:
            raise ValueError(f"layer {index + 1} does not exist; the network has {self.n_layers} layers")
        self._activate(index, self._view)

    def next_layer(self) -> None:
        if self.n_layers:
            self.select_layer((self._layer + 1) % self.n_layers)

    def previous_layer(self) -> None:
        if self.n_layers:
            self.select_layer((self._layer - 1) % self.n_layers)

    def select_view(self, view: str) -> None:
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; choose one of: {', '.join(VIEWS)}")
        self._activate(self._layer, view)

    # ----------------------------------------------------------- building

    def compose(self) -> ComposeResult:
        n = self.n_layers
        layer_tabs = [Tab(f"L{l + 1} {self._sizes[l]}→{self._sizes[l + 1]}", id=f"tab-layer-{l}") for l in range(n)]
        # The first tab is left to Tabs to activate (active=None): a named one
        # it checks on mount, and an app quitting while this recomposes (a
        # new network) may have taken the tabs away by then, which raised.
        with Horizontal(id="inspector-tabs"):  # one row: layers left, views right
            yield Tabs(*layer_tabs, active=f"tab-layer-{self._layer}" if self._layer > 0 else None, id="layer-tabs")
            yield Tabs(
                *[Tab(VIEW_TITLES[v], id=f"tab-view-{v}") for v in VIEWS],
                active=f"tab-view-{self._view}" if self._view != VIEWS[0] else None,
                id="view-tabs",
            )
        self._tables, self._captions, self._built, self._grids, self._todo = {}, {}, {}, {}, {}
        # Only the pane on screen is made now; the others when first chosen
        # (_make_pane). Each table is as costly to style as a dozen plain widgets
        # (DataTable styles every one of its component classes), and a 2-4-1
        # network has eight panes, so making them all had cost the first
        # frame three styling passes over seven tables nobody could see yet.
        panes: list[Widget] = [self._make_pane(self._layer, self._view)] if n else []
        if not n:
            panes.append(Static("No network yet: build one to see its layers.", id="pane-empty"))
        current = f"pane-{self._view}-{self._layer}" if n else "pane-empty"
        yield ContentSwitcher(*panes, initial=current, id="layer-views")
        self._draw(self._layer, self._view)

    def _make_pane(self, layer: int, view: str, switcher: ContentSwitcher | None = None) -> Vertical:
        """The caption and table of one layer and view, mounted in `switcher`
        at once (hidden) when given, else left for compose to mount."""
        key = (layer, view)
        caption = Static("", classes="inspector-caption", id=f"caption-{view}-{layer}")
        table = ValueTable(id=f"{view}-{layer}", cursor_type="cell")
        self._tables[key] = table
        self._captions[key] = caption
        if switcher is None:
            return Vertical(caption, table, id=f"pane-{view}-{layer}", classes="inspector-pane")
        pane = Vertical(id=f"pane-{view}-{layer}", classes="inspector-pane")
        pane.display = False  # until the switcher shows it
        # Mounted one level at a time: children given to the constructor would
        # join the DOM only once the pane's own mount has run, a moment later.
        switcher.mount(pane)
        pane.mount(caption, table)
        return pane

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def on_resize(self, _: events.Resize) -> None:
        self._fit_tabs()

    def _fit_tabs(self) -> None:
        """Too narrow for the layer tabs beside the view tabs (the Network panel
        shares the row): put them on two rows instead of hiding the layers."""
        if self.size.width:
            self.set_class(self.size.width < 42 + 9 * self.n_layers, "-stacked")

    def _theme_changed(self, _theme) -> None:
        self._colours = None
        self._draw(self._layer, self._view)

    # ------------------------------------------------------------ events

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        tab_id = event.tab.id or ""
        if tab_id != event.tabs.active:
            event.stop()  # stale: a later selection already replaced it; acting would ping-pong
            return
        if event.tabs.id == "layer-tabs" and tab_id.startswith("tab-layer-"):
            event.stop()
            layer = int(tab_id.removeprefix("tab-layer-"))
            if layer != self._layer:
                self._activate(layer, self._view)
        elif event.tabs.id == "view-tabs" and tab_id.startswith("tab-view-"):
            event.stop()
            view = tab_id.removeprefix("tab-view-")
            if view != self._view:
                self._activate(self._layer, view)

    def on_value_table_scrolled(self, event: ValueTable.Scrolled) -> None:
        event.stop()
        key = (self._layer, self._view)
        if self._tables.get(key) is event.table:
            self._flush(key)

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        table_id = event.data_table.id or ""
        if not table_id.startswith("weights-"):
            return
        event.stop()
        layer = int(table_id.removeprefix("weights-"))
        row_key = event.cell_key.row_key.value or ""
        column_key = event.cell_key.column_key.value or ""
        row = self._sizes[layer] if row_key == "bias" else int(row_key.removeprefix("in-"))
        self.post_message(WeightSelected(layer, row, int(column_key.removeprefix("u-"))))

    def _activate(self, layer: int, view: str) -> None:
        self._layer, self._view = layer, view
        if not self.is_mounted or not self._tables:
            return
        switcher = self.query_one("#layer-views", ContentSwitcher)
        if (layer, view) not in self._tables:
            self._make_pane(layer, view, switcher)
        switcher.current = f"pane-{view}-{layer}"
        self.query_one("#layer-tabs", Tabs).active = f"tab-layer-{layer}"
        self.query_one("#view-tabs", Tabs).active = f"tab-view-{view}"
        self._draw(layer, view)
        # The table that was focused may just have been hidden: pass the focus
        # on, now. `focus()` would do it after the messages already queued,
        # so the arrow in "3 ↓" typed together moved the hidden table's cursor.
        focused = self.app.focused
        table = self._tables.get((layer, view))
        if table is not None and focused is not None and self in focused.ancestors and focused is not table:
            self.screen.set_focus(table)

    # ------------------------------------------------------------ drawing

    def _draw(self, layer: int, view: str) -> None:
        """Point one table at the current record: build it if its shape is
        new, then write the rows in view (the rest wait for a scroll)."""
        key = (layer, view)
        record = self._record
        if record is None or key not in self._tables:
            return
        table = self._tables[key]
        grid = self._grid(record, layer, view)
        set_text(self._captions[key], grid.caption)
        if self._built.get(key) != grid.shape_key:
            table.clear(columns=True)
            for ck, label in zip(grid.column_keys, grid.column_labels):
                table.add_column(label, width=CELL_WIDTH, key=ck)
            blank = [""] * len(grid.column_keys)
            for rk, label in zip(grid.row_keys, grid.row_labels):
                table.add_row(*blank, key=rk, label=label)
            self._built[key] = grid.shape_key
        self._grids[key] = grid
        self._todo[key] = set(range(len(grid.row_keys)))
        self._flush(key)

    def _flush(self, key: tuple[int, str]) -> None:
        """Write the rows of a table that are in view and not yet current."""
        todo = self._todo.get(key)
        if not todo:
            return
        grid, table = self._grids[key], self._tables[key]
        if self._colours is None:
            self._colours = theme_colours(self.app)
        positive, negative = self._colours
        height = table.size.height
        n = len(grid.row_keys)
        if height <= 0:  # not laid out yet: guess; a resize brings the rest
            window = range(min(n, FIRST_ROWS))
        else:
            top = int(table.scroll_y)
            window = range(max(0, top - ROW_MARGIN), min(n, top + height + ROW_MARGIN))
        rows = [i for i in window if i in todo]
        columns = grid.column_keys
        marked = self.highlighted_rows(*key) or ()

        def cell(i: int, j: int) -> Text:
            text = grid.cell(i, j, positive, negative)
            if i in marked:
                text.stylize("reverse")
            return text

        table.update_cells((grid.row_keys[i], ck, cell(i, j)) for i in rows for j, ck in enumerate(columns))
        todo.difference_update(rows)

    def _grid(self, record: "EpochRecord", layer: int, view: str) -> _Grid:
        fan_in, fan_out = self._sizes[layer], self._sizes[layer + 1]
        units = min(fan_out, MAX_COLUMNS)
        unit_keys = [f"u-{j}" for j in range(units)]
        unit_labels = [f"u{j + 1}" for j in range(units)]
        more_units = f"; first {units} of {fan_out} units shown" if units < fan_out else ""
        previous = self._previous
        n = layer + 1
        if view in ("weights", "grads"):
            shown_in = min(fan_in, MAX_ROWS)
            prefix = "x" if layer == 0 else "h"
            row_keys = [f"in-{i}" for i in range(shown_in)] + ["bias"]
            row_labels = [f"{prefix}{i + 1}" for i in range(shown_in)] + ["bias"]
            features = record.input_features if layer == 0 else None  # x1², sin x1: named as chosen
            if features is not None:
                row_labels = [*features[:shown_in], "bias"]
            more_rows = f"; first {shown_in} of {fan_in} inputs shown" if shown_in < fan_in else ""

            def stack(W: list[Array], b: list[Array]) -> Array:
                return np.vstack([W[layer][:shown_in, :units], b[layer][None, :units]])

            inputs = _input_names(layer, fan_in) if features is None else f"inputs ({', '.join(features)})"
            layout = (
                f"rows = {inputs} + bias, columns = units of L{n} ({_unit_names('u', fan_out)}){more_rows}{more_units}"
            )
            if view == "weights":
                values = stack(record.W, record.b)
                before = stack(previous.W, previous.b) if previous is not None else None
                caption = f"Weights W{n}: {layout}."
            else:
                values = stack(record.dW, record.db)
                before = stack(previous.dW, previous.db) if previous is not None else None
                caption = f"Gradients dW{n} = a_prev.T @ delta / N, db{n} = mean delta: {layout}."
            return _Grid(row_keys, row_labels, unit_keys, unit_labels, values, before, caption)

        samples = record.delta[layer].shape[0]
        shown = min(samples, MAX_ROWS)
        row_keys = [f"s-{i}" for i in range(shown)]
        labels = self._sample_labels
        if labels is not None and len(labels) >= shown:
            row_labels = labels[:shown]
        else:
            row_labels = [f"s{i + 1}" for i in range(shown)]
        more_rows = f"; first {shown} of {samples} samples shown" if shown < samples else ""
        # A previous record of another data set has nothing to compare with.
        same_samples = previous is not None and previous.z[layer].shape == record.z[layer].shape
        previous_record = previous if same_samples else None
        if view == "deltas":
            values = record.delta[layer][:shown, :units]
            before = previous_record.delta[layer][:shown, :units] if previous_record is not None else None
            caption = (
                f"delta = dLoss_i/dz: per-sample error signal; dW = a_prev.T @ delta / N. L{n}: rows = "
                f"training samples ({samples}), columns = units ({_unit_names('u', fan_out)}){more_rows}{more_units}."
            )
            return _Grid(row_keys, row_labels, unit_keys, unit_labels, values, before, caption)

        def interleave(z: Array, a: Array) -> Array:
            out = np.empty((shown, 2 * units), dtype=np.result_type(z, a))
            out[:, 0::2] = z[:shown, :units]
            out[:, 1::2] = a[:shown, :units]
            return out

        column_keys = [k for j in range(units) for k in (f"z-{j}", f"a-{j}")]
        column_labels = [k for j in range(units) for k in (f"z u{j + 1}", f"a u{j + 1}")]
        values = interleave(record.z[layer], record.a[layer])
        before = interleave(previous_record.z[layer], previous_record.a[layer]) if previous_record is not None else None
        caption = (
            f"Activations of L{n}: z = a_prev @ W + b, a = f(z); rows = training samples ({samples}), "
            f"columns = z and a of each unit{more_rows}{more_units}."
        )
        return _Grid(row_keys, row_labels, column_keys, column_labels, values, before, caption)
