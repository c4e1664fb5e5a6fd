"""The Insights panel is mounted just after the app's first frame (issue 15:
the first frame comes sooner without its tabs). What the app gives it
before then is not lost: snapshots reach its tabs on mount, in order, and
a tab chosen before then is the one it opens on.
"""

from __future__ import annotations

from pilot_helpers import burst, wait_for
from textual.app import App, ComposeResult
from textual.widgets import Static, TabPane

from tui.app import BackpropApp
from tui.widgets.insight_tabs import InsightTabs
from tui.widgets.layer_health import LayerHealthView
from tui.widgets.mount_later import MountLater


class Spy(Static):
    """An insight that notes every snapshot and draws the ones it is shown."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.noted: list[int] = []
        self.drawn: list[int] = []

    def note_insight(self, trainer, record, layer: int) -> None:
        self.noted.append(record)

    def show_insight(self, trainer, record, layer: int) -> None:
        self.drawn.append(record)


class Host(App):
    def __init__(self, tabs: InsightTabs) -> None:
        super().__init__()
        self.tabs = tabs

    def compose(self) -> ComposeResult:
        tabs = self.tabs
        yield MountLater(lambda: tabs)


class Data:
    """A stand-in trainer: InsightTabs reads only the number of samples."""

    class X:
        shape = (4, 2)


def two_spies() -> tuple[InsightTabs, Spy, Spy]:
    first, second = Spy(id="first"), Spy(id="second")
    tabs = InsightTabs(TabPane("A", first, id="tab-a"), TabPane("B", second, id="tab-b"))
    return tabs, first, second


async def test_snapshots_shown_before_mounting_reach_the_tabs_in_order():
    tabs, first, second = two_spies()
    for record in (0, 1, 2):
        tabs.show(Data(), record)
    async with Host(tabs).run_test() as pilot:
        await wait_for(pilot, lambda: tabs.is_mounted and tabs.active)
        await pilot.pause()
        assert tabs.active == "tab-a"
        assert first.drawn[-1] == 2  # the tab on screen shows the last
        assert second.noted == [0, 1, 2]  # the hidden one noted every one, in order
        tabs.show(Data(), 3)  # and after mounting, as ever
        assert first.drawn[-1] == 3 and second.noted == [0, 1, 2, 3]


async def test_a_tab_chosen_before_mounting_is_the_one_it_opens_on():
    tabs, first, second = two_spies()
    tabs.show(Data(), 0)
    tabs.choose("tab-b")
    async with Host(tabs).run_test() as pilot:
        await wait_for(pilot, lambda: tabs.is_mounted and tabs.active == "tab-b")
        await pilot.pause()
        assert tabs.active == "tab-b" and second.drawn[-1] == 0


async def test_next_tab_before_mounting_goes_round_the_tabs():
    tabs, _, _ = two_spies()
    assert tabs.next_tab() == "tab-b"
    assert tabs.next_tab() == "tab-a"
    assert tabs.next_tab() == "tab-b"
    async with Host(tabs).run_test() as pilot:
        await wait_for(pilot, lambda: tabs.is_mounted and tabs.active == "tab-b")
        await pilot.pause()
        assert tabs.next_tab() == "tab-a" and tabs.active == "tab-a"


async def test_steps_and_a_tab_typed_at_launch_reach_the_insights():
    """Keys from the first moment: three steps and the next-tab key. The Health
    tab notes every epoch, and the panel opens on the tab chosen."""
    app = BackpropApp(show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await burst(pilot, ["space", "space", "v", "space"])
        await wait_for(pilot, lambda: app.trainer.epoch == 3 and app.query(InsightTabs))
        await pilot.pause()
        tabs = app.query_one(InsightTabs)
        await wait_for(pilot, lambda: tabs.active == "tab-map")
        health = app.query_one(LayerHealthView)
        assert list(health.history.epochs) == [0, 1, 2, 3]


async def test_a_weight_chosen_at_launch_is_followed_in_the_chain_rule_tab():
    app = BackpropApp(show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await burst(pilot, ["enter"])  # the Weights table has the focus: its first weight
        await wait_for(pilot, lambda: app.query(InsightTabs) and app.insights.active == "tab-chain")
        assert app._chain_panel().selection == (0, 0, 0)


async def test_the_maps_mode_typed_at_launch_is_the_maps_mode():
    """d at launch, before the Map is mounted: the map opens in view, in regions."""
    from tui.widgets.decision_boundary import DecisionBoundary

    app = BackpropApp(show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await burst(pilot, ["d"])
        await wait_for(pilot, lambda: app.query(DecisionBoundary))
        await wait_for(pilot, lambda: app.insights.active == "tab-map")
        assert app.query_one(DecisionBoundary).regions is True
        await pilot.press("d")
        assert app.query_one(DecisionBoundary).regions is False
