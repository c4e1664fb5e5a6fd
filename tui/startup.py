"""Start-up without the cyclic garbage collector (issue 15).

From `python -m tui` to the app's first frame, imports and the first
compose build a few hundred thousand objects that nearly all live as long
as the app. The collector ran about 200 times over them meanwhile (60-90 ms
of the launch) and freed next to nothing. So it is paused from the start
(`python -m tui`, the `backprop-tui` command's `main` below, and the app's
constructor for any other way in) until the app has drawn its first frame
(`BackpropApp.on_mount`), and never longer than `LONGEST` seconds: a
command that turns out not to open the app (--headless, check, --serve)
has it back by then at the latest.

Reference counting frees everything else as usual meanwhile: only garbage
in reference cycles waits, for at most those seconds.
"""

from __future__ import annotations

import gc
import threading

LONGEST = 2.0  # seconds

_lock = threading.Lock()
_timer: threading.Timer | None = None


def pause_collector() -> None:
    """Turn the collector off until `resume_collector` (or LONGEST seconds).
    Nothing is done if it is off already: paused by an earlier call, or on
    purpose by whoever runs the app, who then keeps it that way."""
    global _timer
    with _lock:
        if _timer is not None or not gc.isenabled():
            return
        gc.disable()
        _timer = threading.Timer(LONGEST, resume_collector)
        _timer.daemon = True
        _timer.name = "collector paused for start-up"
        _timer.start()


def resume_collector() -> None:
    """Turn the collector back on if `pause_collector` turned it off."""
    global _timer
    with _lock:
        if _timer is None:
            return
        _timer.cancel()
        _timer = None
        gc.enable()


def main() -> int:
    """The `backprop-tui` command: the command line's `main`, imported with
    the collector paused (its imports are most of those of the app)."""
    pause_collector()
    from tui.cli import main as cli_main

    return cli_main()
