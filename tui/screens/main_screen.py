"""The app's main screen, made so that nothing styles its widgets twice
before the first frame.

Textual styles each widget as it is mounted, and then twice more over the
whole screen before drawing it: when the screen first resumes (a screen
coming back may have missed a theme change, so Textual restyles it), and
when the first resize gives the screen its breakpoint classes (-narrow or
-wide, -short or -tall). At the first resume nothing has been missed, and
the size is known when the screen is made, so this screen:

- is made with the classes of its size's breakpoints, so the first resize
  finds them there and changes nothing;
- resumes the first time without restyling (`ScreenResume(refresh_styles=
  False)`, as Textual itself resumes a screen under an opaque one). Any
  later resume (after a dialog or a pushed screen) restyles as usual, and a
  theme change restyles everything whenever it comes.

Each pass over the main screen's widgets took a twentieth of a second of
the launch; the snapshot tests hold the screen to the same look.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import events
from textual.message import Message
from textual.screen import Screen

Breakpoints = Sequence[tuple[int, str]]


def breakpoint_classes(width: int, height: int, horizontal: Breakpoints, vertical: Breakpoints) -> list[str]:
    """The classes Textual gives a screen of this size: per direction, the
    class of the largest breakpoint the size reaches (none if none)."""
    classes = []
    for size, breakpoints in ((width, horizontal), (height, vertical)):
        reached = [name for at, name in sorted(breakpoints) if size >= at]
        if reached:
            classes.append(reached[-1])
    return classes


class MainScreen(Screen):
    """The default screen of the app, styled once before its first frame."""

    def __init__(self, classes: Sequence[str] = (), **kwargs) -> None:
        super().__init__(classes=" ".join(classes) or None, **kwargs)
        self._resumed_once = False

    def post_message(self, message: Message) -> bool:
        if not self._resumed_once and type(message) is events.ScreenResume:  # one test per message after it
            self._resumed_once = True
            message = events.ScreenResume(refresh_styles=False)  # styled at mount a moment ago
        return super().post_message(message)
