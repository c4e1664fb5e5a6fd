"""Names that come from a file (CSV headers, class labels, file names) are drawn as
text: "[/]" or "[b]x" in a name is shown as those characters, never read as markup.

One app serves every example: each swaps in a trainer on data whose feature and
class names Hypothesis chose, redraws, and reads the names back from the
Outputs table and the Map's title.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pilot_helpers import wait_for
from textual.widgets import DataTable

from model import Config, Trainer
from model.datasets import Dataset
from tui.app import BackpropApp
from tui.screens.confirm import ConfirmScreen
from tui.widgets.decision_boundary import DecisionBoundary
from tui.widgets.insight_tabs import InsightTabs

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


@pytest.fixture
async def running():
    app = BackpropApp(config=Config(), show_form=False)
    async with app.run_test(size=(200, 50)) as pilot:  # room for the Map's title beside the Network panel
        await wait_for(pilot, lambda: app.query(InsightTabs))  # mounted just after the first frame
        yield app, pilot


# Printable text, markup look-alikes weighted in (the loader refuses control characters).
name = st.one_of(
    st.sampled_from(["[/]", "[b]x", "[red]y[/red]", "[", "]", "[@click=quit]q", "\\[x]", "[link=x]l"]),
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=10),
).filter(lambda s: s == s.strip() and s.isprintable())


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    features=st.lists(name, min_size=2, max_size=2, unique=True),
    classes=st.lists(name, min_size=2, max_size=3, unique=True),
)
@example(features=["[/]", "[b]x"], classes=["[/]", "[red]q"])
async def test_names_are_drawn_literally(running, features, classes):
    app, pilot = running
    k = len(classes)
    empty = (np.empty((0, 2)), np.empty(0, np.int64))
    data = Dataset("[/].csv", X, np.arange(4) % k, *empty, tuple(classes), tuple(features))
    layers = (2, 4, 1) if k == 2 else (2, 4, k)
    out = {"output_activation": "sigmoid", "loss": "bce"} if k == 2 else {"output_activation": "softmax", "loss": "ce"}
    app._use_trainer(Trainer(Config(layers=layers, **out), data))
    tabs = app.query_one(InsightTabs)
    for tab in ("tab-predictions", "tab-map"):
        tabs.active = tab
        await pilot.pause()
        app._redraw()
        await pilot.pause()
    assert app._last_error == ""  # the app's own record of a drawing failure

    tabs.active = "tab-predictions"
    await pilot.pause()
    table = app.query_one("#predictions", DataTable)
    labels = [column.label.plain for column in table.columns.values()]
    assert labels[:2] == features
    targets = [str(table.get_row_at(i)[2]).strip() for i in range(table.row_count)]
    assert targets == [classes[i % k] for i in range(4)]

    tabs.active = "tab-map"
    await pilot.pause()
    title = "".join(segment.text for segment in app.query_one(DecisionBoundary)._lines[0])
    shown = [c for c in classes if c in title]
    assert shown, (title, classes)  # at least the first names fit the title, character for character


async def test_a_path_that_looks_like_markup_is_asked_about_as_text(running):
    app, pilot = running
    app.push_screen(ConfirmScreen("[/]/x[b].npz exists. Replace it?", yes="Replace", no="Cancel"))
    await pilot.pause()
    assert "[/]/x[b].npz exists" in str(app.screen.query_one("#confirm-question").render())
