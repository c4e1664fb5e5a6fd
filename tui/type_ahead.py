"""Keys typed behind a key that opens a dialog go to that dialog, in order.

Why this is needed: Textual sends each key, as it arrives, to the focused
widget, and looks up the key's binding only when the key has bubbled back
up to the app. A student who types `c` and then a path at once (or pastes
it, or tmux sends it in one write) has every key on its way to the main
screen's table before `c`'s binding has even run; the dialog it opens is
then on top, so those keys reach the app as keys of the dialog, which has
no binding for them, and nothing types them into its field: they are lost.
Keys that arrive once the dialog is on the stack but before its field has
the focus (the dialog focuses it on mount) go to the dialog itself, and
are lost too. Focusing sooner (AUTO_FOCUS) cannot help the first ones.

The rule here: from the moment a key whose binding opens a dialog (or
moves the focus to a field, as the form's key does) reaches the app, every
key and paste that comes after it waits. The opener itself goes the
ordinary way, behind the keys typed before it (`p f1`: the pause, then the
help), and when it is back at the app, its binding runs; the keys behind it
wait on until the dialog has mounted and its focus is set, and then go, in
the order they were typed, the ordinary way (to the focused widget: the
dialog's field). The opener used to run at the app as soon as it arrived,
ahead of the keys before it that were still on their way through the
focused widget: they then came back to an app with the dialog on top,
where their bindings were not active, and `p` or `space` typed just before
`f1`, `j` or `c` was lost. Which keys open dialogs is data (`OPENS_A_DIALOG` in
tui/keymap.py). Every other key goes Textual's way, untouched; so does an
opener whose action is not enabled now, and the keys behind an opener that
opens nothing (a dialog already open) go where they went before, one pass
of the app's queue later. An opener pressed during a run opens its dialog
once the run has paused: the keys behind it wait for that too (typed into
the main screen instead, `j 1 0 0` would have reset the run with its `0`).
A dialog whose key leads to another dialog names that key in
`TYPE_AHEAD_AFTER` (the export menu's enter, which asks for a path next):
the key goes its way, and what follows waits for the next dialog.

An opener counts as one when it arrives if Textual names its binding active
for that key then (`Screen.active_bindings`, which leaves out keys that a
focused field would type, such as `c` in an Input); no widget on the main
screen handles these keys itself, so it comes back to the app, where its
binding is looked up again, with the keys before it done. One that does not
come back (taken by a widget after all) has the keys behind it released
after a few seconds (`OPENER_BACK_AT_THE_LATEST`), a net as for a dialog
that never says it is ready.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from functools import partial

from textual import events
from textual.app import App
from textual.binding import BindingsMap, BindingType
from textual.screen import Screen

# What the app receives and could hold: keys and pastes that have not yet
# been sent on to a widget (a forwarded one is on its way back up).
HELD_EVENTS = (events.Key, events.Paste)

# Held keys go at the latest after this many seconds, whatever happened to
# the dialog (closed before its queue ran, a callback dropped): a key may
# then go where it went before, but the keyboard never stays held.
RELEASE_AT_THE_LATEST = 1.0
# ...unless the dialog is still on top and mounting then (a busy machine,
# the panels that mount after the first frame): the keys wait for its mount,
# up to this many seconds after it opened.
MOUNTING_AT_THE_LATEST = 10.0
# The same when the dialog waits for a run to pause first (a pause answers
# within a fraction of a second; this is the net, not the wait).
RELEASE_AFTER_A_PAUSE_AT_THE_LATEST = 5.0
# How often to look whether the dialog a paused run owes has opened.
WATCH_EVERY = 0.02
# An opener on its way behind the keys typed before it is back when they are
# done: at once, unless one of them is a slow step (a large network). This
# net is for one that never comes back (taken by a widget after all).
OPENER_BACK_AT_THE_LATEST = 5.0


class TypeAhead:
    """Holds the keys and pastes typed behind a dialog's key until the dialog can take them.

    `dispatch`: Textual's own handling of an event by the app (the app's
    `super().on_event`), which sends a key to the focused widget.
    `bindings`: the app's bindings; those whose id is in `openers` open dialogs.
    `deferred`: whether actions the app accepted are still to be done (a run
    pausing first): an opener's dialog may then open later, and the keys
    behind it wait for it.
    """

    def __init__(
        self,
        app: App,
        dispatch: Callable[[events.Event], Awaitable[None]],
        bindings: Iterable[BindingType],
        openers: Iterable[str],
        deferred: Callable[[], bool] = lambda: False,
    ) -> None:
        self._app = app
        self._dispatch = dispatch
        self._deferred = deferred
        self._openers = frozenset(openers)
        # The keys that may open a dialog: only these cost a look at the bindings.
        self._opener_keys = frozenset(
            key
            for key, key_bindings in BindingsMap(bindings).key_to_bindings.items()
            if any(binding.id in self._openers for binding in key_bindings)
        )
        self._held: deque[events.Event] = deque()
        self._holding = False
        self._holds = 0  # how many times keys began to be held: which hold a late release is for
        # The opener on its way through the focused widget, behind the keys typed before it.
        self._in_flight: events.Key | None = None

    @property
    def holding(self) -> bool:
        """A dialog is opening: keys and pastes wait."""
        return self._holding or bool(self._held)

    def wants(self, event: events.Event) -> bool:
        """Whether `event` is for `take` (cheap: the app asks it of every event)."""
        if event is self._in_flight:
            return True  # back at the app: its binding runs now
        if not isinstance(event, HELD_EVENTS) or event.is_forwarded:
            return False
        if self.holding:
            return True
        return isinstance(event, events.Key) and (
            event.key in self._opener_keys or event.key in getattr(self._app.screen, "TYPE_AHEAD_AFTER", ())
        )

    async def take(self, event: events.Event) -> None:
        """A key or paste the app received (one `wants`): hold it, or handle it now."""
        if event is self._in_flight:
            self._in_flight = None
            await self._run_opener(event)
            return
        if self.holding:
            self._held.append(event)
            return
        await self._handle(event)

    async def _handle(self, event: events.Event) -> None:
        """Run an opener's action at once (and hold what follows), else Textual's way."""
        app = self._app
        if isinstance(event, events.Key) and event.key in getattr(app.screen, "TYPE_AHEAD_AFTER", ()):
            # A dialog's key that leads to another dialog (the export menu's
            # enter, whose choice asks for a path next): the key goes its way,
            # what follows waits for the next dialog.
            before = app.screen
            await self._dispatch(event)
            self._watch(before, self._hold(), RELEASE_AT_THE_LATEST, self._next_dialog_open)
            return
        if isinstance(event, events.Key) and self._opens_a_dialog(event):
            # What comes behind it waits from now; it follows the keys before it.
            hold = self._hold()
            self._in_flight = event
            app.set_timer(OPENER_BACK_AT_THE_LATEST, partial(self._release_hold, hold))
        await self._dispatch(event)

    def _opens_a_dialog(self, key: events.Key) -> bool:
        """Whether the binding Textual names active for `key` now opens a dialog."""
        if key.key not in self._opener_keys:
            return False
        active = self._app.screen.active_bindings.get(key.key)
        return (
            active is not None and active.enabled and not active.binding.priority and active.binding.id in self._openers
        )

    async def _run_opener(self, key: events.Key) -> None:
        """An opener back at the app, the keys typed before it done: run its
        binding if it still opens a dialog, then let the keys behind it go
        once the dialog can take them."""
        app = self._app
        hold = self._hold()  # a hold of its own: the in-flight net is not this one's
        before = app.screen
        if self._opens_a_dialog(key):
            active = app.screen.active_bindings[key.key]
            # The app's queue waits while the action runs: nothing arrives meanwhile.
            if await app.run_action(active.binding.action, active.node):
                if app.screen is before and self._deferred():
                    # The dialog opens once the run has paused (or nothing opens).
                    self._watch(before, hold, RELEASE_AFTER_A_PAUSE_AT_THE_LATEST, self._paused_or_opened)
                else:
                    self._release_when_ready(before, hold)
                return
        # No longer an opener (the keys before it changed what is on top), or
        # refused after all: Textual's way, and the keys behind it after it.
        await self._dispatch(key)
        self._release_when_ready(before, hold)

    def _hold(self) -> int:
        """Hold the keys and pastes that come from now on; the hold's number."""
        self._holding = True
        self._holds += 1
        return self._holds

    def _release_when_ready(self, before: Screen, hold: int) -> None:
        """Let the held keys go once the dialog can take them.

        A dialog focuses its field on mount, by a callback queued on the app:
        the keys go after the dialog's own queue has reached its first
        message (its mount is done) and then after the app's queue has
        reached that callback. With no new screen (the form's key, or an
        opener that opened nothing), after the app's queue alone. The nets
        under both: `_net` for a dialog, RELEASE_AT_THE_LATEST otherwise.
        """
        app = self._app
        screen = app.screen
        release = partial(self._release_hold, hold)
        if screen is not before:
            reached: list[bool] = []  # the dialog's queue reached its callback: its mount is done
            if screen.call_later(self._dialog_mounted, release, reached):
                self._net(hold, screen, time.monotonic() + MOUNTING_AT_THE_LATEST, reached)
                return
        app.set_timer(RELEASE_AT_THE_LATEST, release)
        app.call_later(release)

    def _dialog_mounted(self, release: Callable[[], Awaitable[None]], reached: list[bool]) -> None:
        """Run by the dialog's queue once its mount is done (its focus is then
        queued on the app): the release goes on the app's queue, behind it."""
        reached.append(True)
        self._app.call_later(release)

    def _net(self, hold: int, dialog: Screen, give_up_at: float, reached: list[bool]) -> None:
        """The net under `_release_when_ready` for a dialog: release hold
        `hold` after RELEASE_AT_THE_LATEST seconds if `dialog` has gone from
        the top before its queue reached the release (closed before it ran),
        but not while it is on top and still mounting: that mount is slow on
        a busy machine (just after launch, the panels that come after the
        first frame mounting too), and keys released before it is done go to
        a dialog whose field has no focus yet, and are lost. Once its queue
        has reached the release, the release is on the app's queue, behind
        the focus. `give_up_at` (time.monotonic): the keys go then anyway."""
        app = self._app

        async def look() -> None:
            if hold != self._holds or not self.holding or reached:
                return  # released, or about to be, behind the dialog's focus
            if app.screen is dialog and time.monotonic() < give_up_at:
                self._net(hold, dialog, give_up_at, reached)
            else:
                await self._release_hold(hold)

        app.set_timer(RELEASE_AT_THE_LATEST, look)

    def _paused_or_opened(self, before: Screen) -> bool:
        """After an opener pressed during a run: its dialog opened, or nothing waits any more."""
        return self._app.screen is not before or not self._deferred()

    def _next_dialog_open(self, before: Screen) -> bool:
        """After a dialog's key that leads to another: a dialog other than it is on top."""
        screen = self._app.screen
        return screen is not before and screen is not self._app.screen_stack[0]

    def _watch(self, before: Screen, hold: int, net: float, ready: Callable[[Screen], bool]) -> None:
        """Look every WATCH_EVERY seconds whether `ready(before)`, then release
        as `_release_when_ready` does; the keys go after `net` seconds anyway,
        unless ready came first: the nets of `_release_when_ready` then take
        over. Stopping the timer would not do: on a busy machine it fires
        while the app is blocked, and its callback already waits in the
        app's queue when the look that hands over runs."""
        handed_over: list[bool] = []
        self._app.set_timer(net, partial(self._watch_net, hold, handed_over))
        self._look(before, hold, ready, handed_over)

    async def _watch_net(self, hold: int, handed_over: list[bool]) -> None:
        if not handed_over:
            await self._release_hold(hold)

    def _look(self, before: Screen, hold: int, ready: Callable[[Screen], bool], handed_over: list[bool]) -> None:
        if hold != self._holds or not self.holding:
            return  # released meanwhile (the net)
        if ready(before):
            handed_over.append(True)
            self._release_when_ready(before, hold)
        else:
            self._app.set_timer(WATCH_EVERY, partial(self._look, before, hold, ready, handed_over))

    async def _release_hold(self, hold: int) -> None:
        """Release the keys of hold number `hold`, when the dialog is ready or
        by the safety net, whichever comes first: the other then finds them
        gone, or a later hold's keys, which are not its to release."""
        if hold == self._holds and self.holding:
            self._in_flight = None  # one not back by now goes Textual's way if it comes
            await self._release()

    async def _release(self) -> None:
        """Handle the held keys and pastes in order, until one opens a dialog again."""
        self._holding = False
        while self._held and not self._holding:
            await self._handle(self._held.popleft())
