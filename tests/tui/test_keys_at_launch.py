"""Keys that arrive while the app is still starting: before its first frame,
before the panels mounted just after it (the Network panel, the hidden
tabs, the form), before anything has settled.

A student who types `q` the moment the app appears, or a tmux script that
sends keys right after starting it, reaches the app in this window. A `q`
there used to end in a MountError traceback: Textual's `Lazy` mounted the
Network panel into a screen that was already closing. Every other test
waits for the app to settle first, so none of them saw it.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pilot_helpers import burst, settle_paused, wait_for

from tui.app import BackpropApp
from tui.widgets.mount_later import MountLater
from tui.widgets.network_panel import NetworkPanel


@pytest.mark.parametrize("keys", [["q"], ["q", "q"], ["escape", "q"], ["ctrl+q"]])
async def test_quitting_before_the_first_frame_exits_cleanly(keys):
    app = BackpropApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await burst(pilot, keys)  # no pause: the deferred panels are not mounted yet
        await wait_for(pilot, lambda: not app.is_running, timeout=10)
    assert app._exception is None
    assert app.return_code in (0, None)


async def test_the_app_closing_at_once_mounts_nothing_late():
    app = BackpropApp()
    async with app.run_test(size=(120, 40)):
        app.exit()
    assert app._exception is None


async def test_the_network_panel_takes_its_stand_ins_place_after_the_first_frame():
    app = BackpropApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.query(NetworkPanel))
        await pilot.pause()
        panel = app.query_one(NetworkPanel)
        assert panel.parent is app.query_one("#upper") and panel.display
        assert not app.query_one("#upper").query(MountLater)  # the stand-in is gone
        assert panel.border_title == "Network"


# Keys a student presses first: step, run, pause, tabs, help, the dialogs, quit.
FIRST_KEYS = ["space", "r", "p", "n", "1", "2", "3", "tab", "f1", "escape", "c", "j", "q", "v", "d"]
gap = st.one_of(st.just(0.0), st.floats(0.0, 0.03))


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same sequences every run: what CI sees is what was seen here
    phases=[Phase.explicit, Phase.generate],
)
@given(keys=st.lists(st.sampled_from(FIRST_KEYS), min_size=1, max_size=12), gaps=st.lists(gap, max_size=12))
async def test_keys_from_the_first_moment_never_break_the_app(keys, gaps):
    """Keys from launch on, in bursts and spaced: the app either quit (a `q`
    reached it) or settles paused showing the trainer's epoch; it never raises."""
    app = BackpropApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await burst(pilot, keys, gaps)
        await pilot.pause(0.1)
        if app.is_running:
            await settle_paused(pilot, timeout=30)
            assert app.shown.epoch == app.trainer.epoch
            app.exit()
    assert app._exception is None


async def test_quitting_while_the_form_mounts_waits_for_it(monkeypatch):
    """The form mounts two frames after launch; Textual's Select fails in its
    own mount handler if the app closes under it (seen under load: a `q` at
    that moment). The exit waits for the mount, then happens."""
    from tui.widgets.hyperparameters import HyperparameterForm

    compose = HyperparameterForm.compose

    def quitting_compose(self):
        self.app.exit()  # as a q handled while the form's widgets are being made
        yield from compose(self)

    monkeypatch.setattr(HyperparameterForm, "compose", quitting_compose)
    app = BackpropApp(show_form=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: not app.is_running, timeout=10)
    assert app._exception is None


async def test_an_exit_waits_for_a_panels_mount_a_second_at_most():
    app = BackpropApp(show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app._panels_mounting += 1  # a mount that never ends
        app.exit()
        await pilot.pause(0.1)
        assert app.is_running  # waiting for it
        await wait_for(pilot, lambda: not app.is_running, timeout=10)  # then gone anyway
    assert app._exception is None


async def test_the_form_mounts_after_the_frame_with_the_footers_keys(monkeypatch):
    """The keys say what to do: they are drawn before the form (a third of
    all widgets) is mounted, not in the same late frame."""
    from textual.widgets._footer import FooterKey

    from tui.widgets.quick_footer import QuickFooter

    seen: list[int] = []
    mount = BackpropApp._mount_form_unless_closing

    async def noting(self):
        seen.append(len(self.query_one(QuickFooter).query(FooterKey)))
        await mount(self)

    monkeypatch.setattr(BackpropApp, "_mount_form_unless_closing", noting)
    app = BackpropApp(show_form=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: seen and app._form() is not None and not app._panels_mounting)
    assert seen[0] > 10


async def test_the_form_mounts_even_if_the_footer_never_shows_keys(monkeypatch):
    import tui.app
    from tui.widgets.quick_footer import QuickFooter

    async def never(self) -> None:
        return None

    monkeypatch.setattr(QuickFooter, "_update_keys", never)
    monkeypatch.setattr(tui.app, "FORM_AFTER_AT_THE_LATEST", 0.2)
    app = BackpropApp(show_form=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app._form() is not None and not app._panels_mounting)
