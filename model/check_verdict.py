"""The verdict of a backward check (model/backward_check.py), as plain data:
one row per quantity compared, the first disagreement, the classic bug it
most likely is, and the exit status the command line returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from model.bugs import BUGS

EXIT_AGREES = 0
EXIT_DISAGREES = 1
EXIT_UNUSABLE = 2


@dataclass(frozen=True)
class Row:
    """One quantity of one layer: how far the learner's value is from the engine's."""

    quantity: str  # z, a, loss, dz, dW, db, W updated, b updated, dW again, ...
    layer: int  # 1-based; 0 for the loss
    max_abs: float
    max_rel: float
    agrees: bool
    note: str = ""

    @property
    def name(self) -> str:
        """ "dz1", "W1 updated", "dW2 (2nd call)": the layer after the quantity's first word."""
        if not self.layer:
            return self.quantity
        first, _, rest = self.quantity.partition(" ")
        return f"{first}{self.layer}" + (f" {rest}" if rest else "")


@dataclass(frozen=True)
class EpochsResult:
    """Whole training runs side by side: the learner's loop and the engine's."""

    epochs: int  # epochs compared
    parted_at: int | None  # the first epoch whose weights differ, or None
    where: str = ""  # which parameter differs first, in words
    engine_loss: float = float("nan")  # at the end, or where they parted
    learner_loss: float = float("nan")
    engine_lr: float = 0.0  # the learning rate the engine used (the learner's, rescaled to its convention)


@dataclass
class CheckReport:
    """The verdict: rows in the order computed, conventions, the first
    disagreement and its most likely cause (a bug of the lab, by name)."""

    rows: list[Row] = field(default_factory=list)
    conventions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    first: Row | None = None
    bug: str | None = None  # the most likely classic bug (a name of model.bugs.BUGS or a signature)
    explanation: str = ""  # what the difference looks like, in words
    reason: str | None = None  # why the file cannot be used (exit 2)
    epochs: EpochsResult | None = None
    grad_scale: float = 1.0  # the learner's dW / the engine's batch-mean dW

    @property
    def status(self) -> int:
        if self.reason is not None:
            return EXIT_UNUSABLE
        if self.first is not None or (self.epochs is not None and self.epochs.parted_at is not None):
            return EXIT_DISAGREES
        return EXIT_AGREES


# Signatures that are not bugs of the lab, with the sentence that names them.
SIGNATURES = {
    "factor_off": "a factor off (a division by N done twice or not at all, or a stray 2)",
    "sign_flipped": "a flipped sign (y - y_hat where y_hat - y was meant)",
    "missing_bias_gradient": "a missing or wrong bias gradient",
    "missing_derivative": "the activation's derivative left out of the delta",
    "other_loss_delta": "an output delta that belongs to another loss",
    "wrong_forward": "a forward pass that is not the network's (an activation or a bias)",
    "backward_changes_weights": "backward changes the weights it is given",
}


def title_of(name: str | None) -> str:
    """The words for a bug or signature name."""
    if name is None:
        return ""
    if name in BUGS:
        return BUGS[name].title
    return SIGNATURES.get(name, name)
