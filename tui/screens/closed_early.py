"""A dialog closed before its mount handler ran.

A dialog can be closed the moment it opens: keys typed ahead of it are held
for it a second at most (tui/type_ahead.py) and may then close it, and code
(or a test) can pop it. Its mount handler may then run on a screen whose
widgets are already gone, and a `query_one` there raised and took the app
down (a key storm with `j` and escape found it). Each dialog's mount handler
asks this first and does nothing then.
"""

from __future__ import annotations

from textual.screen import Screen


def closed_before_mount(screen: Screen) -> bool:
    """Whether `screen` is no longer on the app's screen stack (its widgets may be gone)."""
    return screen not in screen.app.screen_stack
