"""Two runs side by side: the same network trained twice in lockstep, once
with the run's own settings (the left) and once with one or more settings
changed (the right), so a learner sees what one change does, epoch for epoch.

Each side is an ordinary `Trainer`, driven only through its public methods
(`step`, `rewind`, `history`, `record`), so each is bit for bit the run it
would be alone: the same losses, the same weights. Both start from the same
weights unless the change is one that draws the weights (the init, its
scale or limit, the seed, the dtype or the layer sizes): then each side
starts from its own initial weights, and `describe` says so.

The ready comparisons a screen offers are data here (`COMPARISONS`); any
other is a `Config` for the right side (`right_config` parses "lr=0.05
optimizer=momentum").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from model.config import DATA_FIELDS, FIELD_NAMES, Config
from model.errors import ConfigError, DivergenceError
from model.records import EpochRecord
from model.trainer import Trainer

# Fields that decide the initial weights: when one differs, the sides cannot share them.
WEIGHT_FIELDS = ("init", "init_scale", "init_limit", "seed", "layers", "dtype")
# Fields about how far to train, not how: a comparison steps both sides by hand, so they change nothing.
STEPPING_FIELDS = ("max_epochs", "target_loss", "stop_at_full_accuracy", "epochs_per_step")

LR_MAX = 1e9  # Config's bound on the learning rate (exclusive)


@dataclass(frozen=True)
class Comparison:
    """A ready comparison: a name, a title for a list, and how the right side's
    config follows from the left's (or None when it does not apply)."""

    name: str
    title: str
    right: Callable[[Config], Config | None]
    note: str = ""  # one sentence on what to look for


def _toggle_feedback(c: Config) -> Config:
    return c.replace(feedback_alignment=not c.feedback_alignment)


def _scale_lr(factor: float) -> Callable[[Config], Config | None]:
    def right(c: Config) -> Config | None:
        lr = c.lr * factor
        return c.replace(lr=lr) if 0 < lr < LR_MAX else None

    return right


def _momentum(c: Config) -> Config:
    return c.replace(optimizer="sgd" if c.optimizer == "momentum" else "momentum")


def _adam(c: Config) -> Config:
    if c.optimizer == "adam":
        return c.replace(optimizer="sgd")
    return c.replace(optimizer="adam", lr=min(c.lr, 0.01))


def _other_init(c: Config) -> Config:
    return c.replace(init="he" if c.init == "xavier" else "xavier")


def _other_seed(c: Config) -> Config:
    return c.replace(seed=(c.seed + 1) % 2**32)


def _other_activation(c: Config) -> Config:
    following = {"sigmoid": "tanh", "tanh": "relu"}
    return c.replace(activation=following.get(c.activation, "tanh"))


def _l2(c: Config) -> Config:
    return c.replace(l2=0.0 if c.l2 > 0 else 1e-3)


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "feedback",
        "Backprop vs feedback alignment",
        _toggle_feedback,
        "Feedback alignment sends the error back through fixed random matrices B instead of the weights.",
    ),
    Comparison("lr-up", "Learning rate ×10", _scale_lr(10.0), "Too high a rate oscillates, then diverges."),
    Comparison("lr-down", "Learning rate ÷10", _scale_lr(0.1), "A lower rate takes smaller, slower steps."),
    Comparison("momentum", "Momentum vs plain SGD", _momentum, "Momentum keeps a running velocity of the steps."),
    Comparison("adam", "Adam vs SGD", _adam, "Adam scales each weight's step by its recent gradients."),
    Comparison("init", "Xavier vs He init", _other_init, "Each side starts from the weights its own init draws."),
    Comparison("seed", "Another seed", _other_seed, "Other initial weights: does the run depend on luck?"),
    Comparison("activation", "Another hidden activation", _other_activation, "Same weights, another f(z)."),
    Comparison("l2", "L2 penalty on/off", _l2, "The penalty pulls every weight towards zero."),
)


def comparison(name: str) -> Comparison:
    for item in COMPARISONS:
        if item.name == name:
            return item
    raise ConfigError(
        "comparison", f"unknown comparison {name!r}; choose one of: {', '.join(c.name for c in COMPARISONS)}"
    )


def right_config(left: Config, text: str) -> Config:
    """`left` with the settings typed as "lr=0.05 optimizer=momentum" (commas
    or spaces between them), or ConfigError naming what is wrong."""
    pairs = [p for p in text.replace(",", " ").split() if p]
    if not pairs:
        raise ConfigError("settings", "type settings for the right side, such as lr=0.05 optimizer=momentum")
    config = left
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not value:
            raise ConfigError("settings", f"{pair!r} is not name=value, such as lr=0.05")
        if name not in FIELD_NAMES:
            raise ConfigError(name, f"no setting {name!r}; such as lr, optimizer, momentum, init, seed, activation")
        config = config.parse(name, value)
    return config


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return "-".join(map(str, value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def differences(left: Config, right: Config) -> list[str]:
    """What the right side changes, one phrase per field ("lr 0.5 → 5")."""
    phrases = []
    for name in FIELD_NAMES:
        a, b = getattr(left, name), getattr(right, name)
        if a == b or name in STEPPING_FIELDS:
            continue
        if name == "feedback_alignment":
            phrases.append("feedback alignment (B fixed random)" if b else "backprop (the error through W)")
        else:
            phrases.append(f"{name.replace('_', ' ')} {_value(a)} → {_value(b)}")
    return phrases


def side_labels(left: Config, right: Config) -> tuple[str, str]:
    """Short names for the two sides, from what differs only ("lr 0.5" and
    "lr 5"; "backprop" and "feedback alignment"), for a legend."""
    names: tuple[list[str], list[str]] = ([], [])
    for name in FIELD_NAMES:
        values = getattr(left, name), getattr(right, name)
        if values[0] == values[1] or name in STEPPING_FIELDS:
            continue
        for side, value in zip(names, values):
            if name == "feedback_alignment":
                side.append("feedback alignment" if value else "backprop")
            else:
                side.append(f"{name.replace('_', ' ')} {_value(value)}")
    return ", ".join(names[0]) or "left", ", ".join(names[1]) or "right"


class SideBySide:
    """Two trainers, stepped together; a side that diverges stops at its last
    good epoch (`diverged` says so) while the other goes on."""

    def __init__(
        self,
        left: Config,
        right: Config,
        *,
        data=None,
        params: np.ndarray | None = None,
        bug=None,
    ) -> None:
        """`data`: the left's data set (loaded from the config if None), shared
        by the right unless a data setting differs; `params`: the left's
        initial weights (default: its config's), shared by the right unless a
        weight setting differs; `bug`: a planted bug, planted on both sides.
        Raises ConfigError (or BackpropError) when a side cannot be built."""
        self.left_config, self.right_config = left, right
        self.changes = differences(left, right)
        if not self.changes:
            raise ConfigError("settings", "the right side has the same settings as the left; change one")
        self.same_weights = all(getattr(left, f) == getattr(right, f) for f in WEIGHT_FIELDS)
        self.same_data = all(getattr(left, f) == getattr(right, f) for f in DATA_FIELDS | _MORE_DATA_FIELDS)
        self.left = Trainer(left, data, params, bug) if data is not None else Trainer.from_config(left, params, bug)
        right_params = self.left.initial_params if self.same_weights else None
        if self.same_data:
            self.right = Trainer(right, self.left.data, right_params, bug)
        else:
            self.right = Trainer.from_config(right, right_params, bug)
        self.diverged: list[str | None] = [None, None]  # per side, the divergence in words

    # ------------------------------------------------------------ reading

    @property
    def sides(self) -> tuple[Trainer, Trainer]:
        return self.left, self.right

    @property
    def epoch(self) -> int:
        """The epoch of the comparison: the furthest side's (a diverged side stays behind)."""
        return max(self.left.epoch, self.right.epoch)

    @property
    def records(self) -> tuple[EpochRecord, EpochRecord]:
        return self.left.record, self.right.record

    def losses(self, side: int) -> np.ndarray:
        """Training loss of every epoch up to the side's current one (index = epoch)."""
        trainer = self.sides[side]
        return trainer.history.series("loss")[: trainer.epoch + 1]

    @property
    def finished(self) -> bool:
        """Both sides diverged: nothing can step on."""
        return all(self.diverged)

    def describe(self) -> str:
        """One line: what differs, and where each side starts."""
        start = (
            "both start from the same weights"
            if self.same_weights
            else "each side starts from the weights its own settings draw"
        )
        if not self.same_data:
            start += ", on the data its own settings make"
        return f"right: {', '.join(self.changes)}; everything else equal, {start}"

    # ------------------------------------------------------------- moving

    def step(self, epochs: int = 1) -> int:
        """Train both sides `epochs` epochs, side by side one epoch at a time.
        Returns the epochs the furthest side moved."""
        before = self.epoch
        for _ in range(max(int(epochs), 0)):
            if self.finished:
                break
            for i, trainer in enumerate(self.sides):
                if self.diverged[i] is not None:
                    continue
                try:
                    trainer.step()
                except DivergenceError as exc:
                    self.diverged[i] = str(exc)
        return self.epoch - before

    def back(self, epochs: int = 1) -> None:
        """Both sides back to `epoch - epochs` (a side behind it stays where it is), exactly."""
        target = max(self.epoch - max(int(epochs), 0), 0)
        for i, trainer in enumerate(self.sides):
            # A diverged side that is not moved stays diverged: stepping it would diverge again.
            if trainer.epoch > target:
                trainer.rewind(target)
                self.diverged[i] = None

    def reset(self) -> None:
        self.back(self.epoch)


# The CSV settings and the split decide the data as well as DATA_FIELDS do.
_MORE_DATA_FIELDS = frozenset({"samples", "noise", "test_fraction", "csv_path", "label_column", "seed"})
