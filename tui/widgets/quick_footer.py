"""The key bar at the bottom: Textual's Footer, rebuilt only when its keys change.

Textual's Footer makes all its key widgets again (about forty here) whenever
the bindings may have changed: a step that enables "Back", a focus move, a
dialog closing. That rebuild cost more than the rest of a step's frame, so
this one compares what it would show with what it shows: the same keys with
other ones greyed out are flipped in place; only other keys are rebuilt.
What is drawn is the same as Textual's Footer draws.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class QuickFooter(Footer):
    """A Footer that greys keys in place instead of rebuilding itself."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._keys_shown: tuple | None = None  # what compose built: (key, action, description, tooltip) per binding
        self._after_keys: list[Callable[[], object]] = []  # see when_keys_drawn

    def _bindings_now(self) -> tuple[tuple, dict[tuple[str, str], bool]]:
        """(the keys to show, whether each (key, action) is enabled)."""
        active = self.screen.active_bindings
        keys = tuple(
            (binding.key, binding.action, binding.description, tooltip)
            for (_, binding, _, tooltip) in active.values()
            if binding.show or binding.action == "app.command_palette"
        )
        enabled = {(binding.key, binding.action): on for (_, binding, on, _) in active.values()}
        return keys, enabled

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._keys_shown = self._bindings_now()[0]
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                # Footer binds each key's `compact` to its own, which sets the
                # key's class once mounted and so styles each of some forty
                # keys a second time (a tenth of a second, the footer's
                # whole build again). Given both now, mounting changes nothing.
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    def on_mount(self) -> None:
        # Footer's own subscription calls bindings_changed after the frame;
        # this one greys the same keys at once, in the frame of the change (a
        # first step enables "Back": a second frame a tick later, before).
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.grey_in_place(), immediate=True)

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self.grey_in_place():
            self.call_after_refresh(self._update_keys)

    def grey_in_place(self) -> bool:
        """Grey or ungrey the keys shown, now. False when other keys are to
        be shown: that takes a recompose (bindings_changed, after the frame)."""
        keys, enabled = self._bindings_now()
        if keys != self._keys_shown:
            return False
        for widget in self.query(FooterKey):
            on = enabled.get((widget.key, widget.action))
            if on is not None and widget._disabled == on:
                widget._disabled = not on
                widget.set_class(not on, "-disabled")
                widget.refresh()
        return True

    async def _update_keys(self) -> None:
        if self.is_attached and not self.grey_in_place():
            await self.recompose()
        if self._after_keys and self._keys_shown is not None:
            self.call_after_refresh(self._keys_drawn)

    def when_keys_drawn(self, callback: Callable[[], object], at_the_latest: float) -> None:
        """Call `callback` (on the app) once a frame has shown the keys, which
        Textual gives the footer only after the first frame; after
        `at_the_latest` seconds anyway. The app mounts its form then: the keys
        say what to do, the form can come a moment later."""
        self._after_keys.append(callback)
        if self._keys_shown is not None:
            self.call_after_refresh(self._keys_drawn)
        self.set_timer(at_the_latest, self._keys_drawn)

    def _keys_drawn(self) -> None:
        callbacks, self._after_keys = self._after_keys, []
        for callback in callbacks:
            self.app.call_later(callback)
