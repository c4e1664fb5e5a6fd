"""A stand-in for a widget mounted just after the first frame.

The first frame comes sooner with fewer widgets in it, so the panels nobody
needs at once (the Network panel, the hidden insight tabs) wait behind a
`MountLater`. Textual's own `Lazy` does the same, but mounts even when the
app is already closing, and a `q` pressed before the first refresh then
ended in a MountError traceback instead of a clean exit.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widget import Widget


class MountLater(Widget):
    """Stands in for a widget that is made, and its module imported, only
    after the first frame: `make()` is called then and its widget mounted
    in this one's place, unless the app has begun to close by then."""

    DEFAULT_CSS = "MountLater { display: none; }"

    def __init__(self, make: Callable[[], Widget]) -> None:
        super().__init__()
        self._make = make

    def on_mount(self) -> None:
        self.call_after_refresh(self._replace)

    async def _replace(self) -> None:
        parent = self.parent
        if not (isinstance(parent, Widget) and self.is_attached and parent.is_attached):
            return
        mount_panel = getattr(self.app, "mount_panel", None)  # the app's: an exit waits for it
        if mount_panel is not None:
            await mount_panel(parent, self._make(), after=self)
        else:
            await parent.mount(self._make(), after=self)
        await self.remove()
