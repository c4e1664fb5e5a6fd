"""k: the bug lab. Plant one classic backprop bug by name, go back to the
verified engine, or let the lab hide one (the quiz).

Why: a learner who has watched a bug's symptom in the tables (zero deltas,
a loss that rises, biases that never move) recognises it in their own code.
In the quiz the learner studies the tables, the chain rule, the health tab
and the loss, then presses k again to guess; the reveal shows the planted
line beside the correct one and the first delta where the bugged pass and
the verified one part (model/bugs.py computes it; this file only shows it).

The screen never hides that a bug is planted: the layer panel's title says
so (and, outside the quiz, which one).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from model.bugs import BUGS, CATALOGUE, Bug, bugs_for, reveal, with_bug
from model.errors import BackpropError
from tui.screens.closed_early import closed_before_mount

if TYPE_CHECKING:
    from model import Trainer

NONE, QUIZ = "-none", "-quiz"

_CSS = """
BugLabScreen, QuizGuessScreen, RevealScreen { align: center middle; }
.buglab-dialog {
    width: 96; max-width: 100%; height: auto; max-height: 100%;
    border: round $accent; background: $surface; padding: 0 1;
}
.buglab-dialog OptionList { height: auto; max-height: 16; }
.buglab-detail { height: auto; padding: 1 0 0 0; }
"""


def available(trainer: "Trainer") -> list[Bug]:
    c = trainer.config
    return bugs_for(c.layers, c.activation, c.output_activation, c.loss)


def title_note(trainer: "Trainer", quiz: bool) -> str:
    """What the layer panel's title adds while a bug is planted ('' when none)."""
    if trainer.bug is None:
        return ""
    return " · quiz: a bug is planted (k to guess)" if quiz else f" · bug planted: {trainer.bug.name}"


class BugLabScreen(ModalScreen[tuple[str, str | None] | None]):
    """The menu: each bug (greyed where this network has no line for it), none, or the quiz."""

    DEFAULT_CSS = _CSS
    BINDINGS = [Binding("escape", "close", "Close", id="buglab-close")]

    def __init__(self, trainer: "Trainer") -> None:
        super().__init__()
        self.trainer = trainer
        self.usable = {bug.name for bug in available(trainer)}

    def compose(self) -> ComposeResult:
        current = self.trainer.bug.name if self.trainer.bug is not None else None
        options = [
            Option(Text("No bug: the verified engine" + ("  (now)" if current is None else "")), id=NONE),
            Option(Text("Quiz: plant a hidden bug, find it from the tables"), id=QUIZ, disabled=not self.usable),
        ]
        for bug in CATALOGUE:
            mark = "  (now)" if bug.name == current else ""
            options.append(Option(Text(f"{bug.title}{mark}"), id=bug.name, disabled=bug.name not in self.usable))
        with Vertical(classes="buglab-dialog") as dialog:
            dialog.border_title = "Bug lab (escape closes)"
            yield Static(
                Text(
                    "Train this network with one classic bug planted on purpose; it restarts at "
                    "epoch 0 from the same weights. Greyed bugs have no line to plant in this network."
                )
            )
            yield OptionList(*options, id="buglab-list")
            yield Static("", id="buglab-detail", classes="buglab-detail")

    def on_mount(self) -> None:
        if closed_before_mount(self):
            return
        options = self.query_one("#buglab-list", OptionList)
        options.focus()
        options.highlighted = 0

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        name = event.option.id
        detail = self.query_one("#buglab-detail", Static)
        if name in BUGS:
            bug = BUGS[name]
            c = self.trainer.config
            why = bug.refuses(c.layers, c.activation, c.output_activation, c.loss)
            text = f"Seen in the wild: {bug.wild}\nSymptom: {bug.symptom}\nPlanted line: {bug.planted_line}"
            if why:
                text += f"\nNot here: {why}"
            detail.update(Text(text))
        elif name == QUIZ:
            detail.update(
                Text(
                    "One of the bugs this network can hold is planted and its name hidden. Step, "
                    "run, read the deltas, the chain rule and the health tab; press k to guess."
                )
            )
        else:
            detail.update(Text("The verified engine, with no bug."))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        name = event.option.id
        if name == NONE:
            self.dismiss(("none", None))
        elif name == QUIZ:
            self.dismiss(("quiz", None))
        else:
            self.dismiss(("plant", name))

    def action_close(self) -> None:
        self.dismiss(None)


class QuizGuessScreen(ModalScreen[str | None]):
    """Which bug is it? Every bug of the catalogue, so the list gives nothing away."""

    DEFAULT_CSS = _CSS
    BINDINGS = [Binding("escape", "close", "Close", id="quiz-close")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="buglab-dialog") as dialog:
            dialog.border_title = "Quiz: which bug is planted? (escape: keep studying)"
            yield OptionList(*(Option(Text(bug.title), id=bug.name) for bug in CATALOGUE), id="quiz-list")

    def on_mount(self) -> None:
        if closed_before_mount(self):
            return
        options = self.query_one("#quiz-list", OptionList)
        options.focus()
        options.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)


class RevealScreen(ModalScreen[None]):
    """The answer: right or not, the planted line beside the correct one, where it first shows."""

    DEFAULT_CSS = _CSS
    BINDINGS = [Binding("escape,enter", "close", "Close", id="reveal-close")]

    def __init__(self, trainer: "Trainer", guess: str) -> None:
        super().__init__()
        self.trainer = trainer
        self.guess = guess

    def compose(self) -> ComposeResult:
        answer = reveal(self.trainer)
        bug = answer.bug
        verdict = "Right: " if self.guess == bug.name else f"Not quite: you said {BUGS[self.guess].title}; it is "
        text = (
            f"{verdict}{bug.title} ({bug.name}).\n\n"
            f"  correct: {bug.correct_line}\n  planted: {bug.planted_line}\n\n"
            f"First difference from the verified engine at epoch {self.trainer.epoch}: {answer.first}.\n"
            f"Symptom: {bug.symptom}\nSeen in the wild: {bug.wild}"
        )
        with Vertical(classes="buglab-dialog") as dialog:
            dialog.border_title = "The bug (escape closes)"
            yield Static(Text(text), id="reveal-text")

    def action_close(self) -> None:
        self.dismiss(None)


# ------------------------------------------------------------ app side


def open_bug_lab(app: Any) -> None:
    """k: the menu, or during a quiz the guess."""
    if app.bug_quiz and app.trainer.bug is not None:
        app.push_screen(QuizGuessScreen(), callback=lambda guess: _guessed(app, guess))
    else:
        app.push_screen(BugLabScreen(app.trainer), callback=lambda choice: _chosen(app, choice))


def _guessed(app: Any, guess: str | None) -> None:
    if guess is None:
        return
    app.bug_quiz = False  # revealed: the title names it from now on
    app.push_screen(RevealScreen(app.trainer, guess))
    app._redraw()


def _chosen(app: Any, choice: tuple[str, str | None] | None) -> None:
    if choice is None:
        return
    kind, name = choice
    if kind == "quiz":
        bug: Bug | None = random.choice(available(app.trainer))
    elif kind == "plant":
        bug = BUGS[name or ""]
    else:
        bug = None
    try:
        trainer = with_bug(app.trainer, bug)
    except BackpropError as exc:
        app.notify(str(exc), severity="error", title="Bug lab", markup=False)
        return
    app.bug_quiz = kind == "quiz"
    app._use_trainer(trainer)
    if bug is None:
        app.notify("The verified engine again, from epoch 0.", title="Bug lab", markup=False)
    elif app.bug_quiz:
        app.notify("A bug is planted and hidden. Study the run, then press k to guess.", title="Quiz", markup=False)
    else:
        app.notify(f"Planted: {bug.title}. Training restarts at epoch 0.", title="Bug lab", markup=False)
