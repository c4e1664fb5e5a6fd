"""Lessons: named, reproducible scenarios for a class, as plain data.

Each lesson is a configuration (and, for the classic write-up, its exact
initial weights), a number of epochs within which its promise holds, and
three short texts: what it shows, what to watch, what to press. The app
lists them (a menu, a key, the ctrl+p palette) and the command line opens
one with `--lesson NAME`; tests/model/test_lessons.py checks every promise
against the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.config import Config, suggest
from model.errors import ConfigError
from model.parameters import Layout
from model.trainer import Trainer


@dataclass(frozen=True)
class Lesson:
    """One scenario. `randn_seed`, when set, gives the classic write-ups'
    initial weights: np.random.seed(randn_seed), then randn for W1, W2, ...
    in order (fan_in x fan_out), every bias 0. Otherwise the config's own
    init and seed make the weights."""

    name: str
    title: str
    config: Config
    epochs: int  # the promise holds within this many epochs
    promise: str  # what the lesson shows, in a sentence a test checks
    watch: str  # where to look
    press: str  # what to press
    randn_seed: int | None = None

    def initial_params(self) -> np.ndarray | None:
        """The lesson's exact starting weights, or None for the config's init."""
        if self.randn_seed is None:
            return None
        layout = Layout(self.config.layers)
        legacy = np.random.RandomState(self.randn_seed)  # the write-ups' np.random.seed + randn stream
        W = [legacy.randn(fan_in, fan_out) for fan_in, fan_out in layout.shapes]
        b = [np.zeros(fan_out) for _, fan_out in layout.shapes]
        return layout.flatten(W, b)

    def trainer(self) -> Trainer:
        """A fresh trainer at epoch 0 of this lesson."""
        return Trainer.from_config(self.config, self.initial_params())

    @property
    def text(self) -> str:
        """The three texts as one paragraph per line, for a menu or a notice."""
        return f"{self.promise}\nWatch: {self.watch}\nPress: {self.press}"


_XOR_2_2_1 = Config(dataset="xor", layers=(2, 2, 1), activation="sigmoid", output_activation="sigmoid", loss="mse")

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "classic-xor",
        "The classic 2-2-1 XOR of the write-ups",
        _XOR_2_2_1.replace(lr=0.1, seed=42, epochs_per_step=1000),
        9000,
        "The write-ups' own network (sigmoid, MSE, learning rate 0.1, np.random.seed(42) randn weights, zero "
        "biases) gives their table: loss 0.2558 at epoch 0 and 0.1438 at epoch 9000.",
        "the stats line's loss after each n (1000 epochs) against the write-ups' table.",
        "n nine times to reach epoch 9000; b and B go back exactly.",
        randn_seed=42,
    ),
    Lesson(
        "xor-plateau",
        "XOR stuck on a plateau",
        _XOR_2_2_1.replace(init="uniform", lr=0.1, seed=0, epochs_per_step=500),
        3000,
        "From small uniform weights the loss sits at 0.25 (every output near 0.5) for thousands of epochs: "
        "a plateau, which the Health tab names.",
        "the flat loss chart and the Health tab's 'plateau' line.",
        "n a few times; then, in the form (h), try optimizer momentum or a learning rate of 2.",
    ),
    Lesson(
        "symmetry",
        "Symmetric initial weights",
        Config(dataset="xor", layers=(2, 4, 1), init="zeros", seed=0, epochs_per_step=100),
        500,
        "With every weight starting at 0, the four hidden units compute the same thing and get the same "
        "gradient: they stay identical forever and the net cannot learn XOR.",
        "the Weights table of L1 (four equal columns) and the Health tab's 'symmetric' line.",
        "n a few times; then set init to xavier in the form (h) and train again.",
    ),
    Lesson(
        "vanishing",
        "Vanishing gradients in a deep sigmoid net",
        Config(
            dataset="xor", layers=(2, 8, 8, 8, 8, 1), activation="sigmoid", init="xavier", seed=0, epochs_per_step=100
        ),
        100,
        "Four sigmoid layers shrink the error signal at least fourfold each (sigmoid' <= 1/4): L1 gets under "
        "1/100 of the output layer's delta and barely learns.",
        "the Health tab's mean |delta| column, falling from L5 down to L1, and L1's 'vanishing' flag.",
        "] and [ to walk the layers' Deltas; then set the activation to tanh or relu in the form (h).",
    ),
    Lesson(
        "dead-relu",
        "Dead ReLUs",
        Config(dataset="circles", layers=(2, 8, 8, 1), activation="relu", lr=3.0, seed=0, epochs_per_step=50),
        200,
        "A learning rate of 3 pushes most ReLU units of L1 to z <= 0 for every sample: they output 0, pass no "
        "gradient and never come back; the net stalls well short of the circles.",
        "the Health tab's 'dead' column and the Activations of L1 (whole columns of 0).",
        "n a few times; then lower the learning rate to 0.3 in the form (h), or use leaky_relu.",
    ),
    Lesson(
        "lr-too-high",
        "A learning rate too high",
        Config(
            dataset="xor",
            layers=(2, 4, 1),
            activation="tanh",
            output_activation="linear",
            loss="mse",
            lr=0.6,
            seed=0,
            epochs_per_step=10,
        ),
        300,
        "At learning rate 0.6 every step overshoots: the loss goes up and down, then grows without bound until "
        "the run stops on an infinity (diverged).",
        "the loss chart's zigzag (l for a log scale) and the Health tab's 'oscillating' then 'loss exploding'.",
        "space a few times, then r to run to the divergence; b goes back; then set lr 0.3 in the form (h).",
    ),
    Lesson(
        "momentum",
        "Momentum against plain SGD",
        Config(dataset="xor", layers=(2, 4, 1), lr=0.5, seed=0, epochs_per_step=100),
        1000,
        "Plain SGD takes about 750 epochs to bring this XOR net's loss under 0.05; with momentum 0.9, from the "
        "same weights, it takes under 100.",
        "the epoch at which the loss chart crosses 0.05.",
        "n until the loss is under 0.05; then 0 (reset), optimizer momentum in the form (h), and n again.",
    ),
    Lesson(
        "feedback-alignment",
        "Backprop against feedback alignment",
        Config(
            dataset="moons",
            layers=(2, 16, 1),
            activation="tanh",
            lr=0.5,
            seed=0,
            feedback_alignment=True,
            epochs_per_step=100,
        ),
        2000,
        "Sending the error back through fixed random matrices instead of the weights still learns the moons: "
        "at least 95% right within 2000 epochs, close to backprop's figure.",
        "the accuracy in the stats line and the Map tab.",
        "r to run; or o, then enter: backprop and feedback alignment side by side from the same weights.",
    ),
    Lesson(
        "moons-test",
        "Moons with a test split",
        Config(
            dataset="moons",
            samples=200,
            noise=0.2,
            test_fraction=0.3,
            layers=(2, 16, 1),
            activation="tanh",
            lr=0.5,
            seed=0,
            epochs_per_step=100,
        ),
        2000,
        "30% of the points are held out: the net never trains on them, yet gets at least 95% of them right "
        "within 2000 epochs.",
        "the test loss curve beside the training loss, and the test accuracy in the stats line.",
        "r to run, r again to pause; the Map tab shows both sets.",
    ),
    Lesson(
        "spiral",
        "Spiral with 3 classes",
        Config(
            dataset="spiral",
            classes=3,
            layers=(2, 16, 16, 3),
            activation="relu",
            output_activation="softmax",
            loss="ce",
            optimizer="adam",
            lr=0.005,
            seed=0,
            epochs_per_step=100,
        ),
        5000,
        "Three interleaved arms, a softmax output and Adam at 0.005: at least 99% of the points right within "
        "2000 epochs, and the loss never jumps back above twice its lowest.",
        "the Map tab as the three regions wind round, and the smooth loss chart (l for a log scale).",
        "r to run, r to pause; d switches the map between probabilities and regions.",
    ),
)

LESSON_NAMES: tuple[str, ...] = tuple(lesson.name for lesson in LESSONS)


def lesson(name: str) -> Lesson:
    """The lesson called `name`, or ConfigError listing the names."""
    for candidate in LESSONS:
        if candidate.name == name.strip().lower():
            return candidate
    raise ConfigError("lesson", suggest(name, LESSON_NAMES))
