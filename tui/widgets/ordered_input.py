"""A text field whose editing keys act in the order they are typed.

Textual's Input inserts a typed character as soon as the key reaches it,
but runs its own key bindings (home and ctrl+a, ctrl+k, backspace, the
arrows...) only when the key has bubbled back up to the app, which looks
the binding up then. Keys that arrive together (a paste of keystrokes,
tmux's send-keys, a fast typist) therefore got out of order: `ctrl+a ctrl+k
/tmp/run.npz` in one burst inserted the path first, then moved to its start
and deleted it all, leaving the field empty.

`OrderedInput` runs a key's binding of its own when the key reaches it, in
the field's own queue with the characters around it, so a burst edits the
field exactly as the same keys typed slowly. Keys it has no binding for go
on as before (to the dialog's and the app's bindings).
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class OrderedInput(Input):
    """An Input whose own bindings act in the order the keys come."""

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable:
            return  # Input's own handler inserts it, next in this queue
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()  # nor Input's handler, nor the app's lookup: done here
                return
