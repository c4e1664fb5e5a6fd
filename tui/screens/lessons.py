"""The lessons menu (t): pick a named scenario; its text shows as you move.

Dismisses with the chosen lesson's name, or None. The lessons themselves
(settings, promise, what to watch and press) are plain data in
model/lessons.py; this screen only lists them.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from model.lessons import LESSONS, Lesson
from tui.screens.closed_early import closed_before_mount


def lesson_text(lesson: Lesson) -> Text:
    """The promise, then what to watch and press, as plain text (never markup)."""
    text = Text()
    text.append(lesson.promise + "\n")
    text.append("Watch: ", style="bold")
    text.append(lesson.watch + "\n")
    text.append("Press: ", style="bold")
    text.append(lesson.press)
    return text


class LessonsScreen(ModalScreen[str | None]):
    """Every lesson by title; the highlighted one's text below the list."""

    BINDINGS = [Binding("escape,q", "cancel", "Cancel", id="lessons-cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="lessons-dialog") as dialog:
            dialog.border_title = "Lessons (enter opens one, escape cancels)"
            yield OptionList(
                *(Option(Text(f"{item.title}  ({item.name})"), id=item.name) for item in LESSONS),
                id="lessons-options",
            )
            yield Static(lesson_text(LESSONS[0]), id="lessons-text")

    def on_mount(self) -> None:
        if closed_before_mount(self):
            return
        self.query_one(OptionList).focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        chosen = next((item for item in LESSONS if item.name == event.option.id), None)
        if chosen is not None:
            self.query_one("#lessons-text", Static).update(lesson_text(chosen))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
