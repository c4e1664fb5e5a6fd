"""The learner's whole training loop against the engine's, epoch by epoch,
to the first epoch where their weights part (the last step of a backward
check, model/backward_check.py, when asked for epochs).
"""

from __future__ import annotations

import numpy as np

from model.check_verdict import CheckReport, EpochsResult
from model.config import Config
from model.learner_runner import LearnerRun
from model.trainer import Trainer

EPOCH_RTOL = 1e-6
EPOCH_ATOL = 1e-8


def compare_epochs(config: Config, trainer: Trainer, run: LearnerRun, report: CheckReport) -> None:
    """The learner's whole loop against the engine's run, to the first epoch where they part."""
    history = run.arrays.get("epochs/params")
    if history is None or not len(history):
        return
    engine_lr = config.lr * report.grad_scale
    twin = Trainer(
        config.replace(
            lr=engine_lr,
            optimizer="sgd",
            mode="full",
            l1=0.0,
            l2=0.0,
            max_epochs=max(config.max_epochs, len(history) + 1),
        ),
        trainer.data,
        trainer.initial_params.copy(),
    )
    losses = run.arrays.get("epochs/loss")
    layout = twin.layout
    for e, row in enumerate(history):
        engine_before = twin.record.loss
        try:
            twin.step()
        except Exception:  # noqa: BLE001 - the engine diverged: they part here unless the learner did too
            if np.isfinite(row).all():
                report.epochs = EpochsResult(
                    len(history), e + 1, "the engine diverged here", float("nan"), float("nan"), engine_lr
                )
            else:
                report.epochs = EpochsResult(e + 1, None, "", float("nan"), float("nan"), engine_lr)
            return
        ref = twin.params.astype(np.float64)
        with np.errstate(all="ignore"):
            d = np.abs(row - ref)
            bad = ~(d <= EPOCH_ATOL + EPOCH_RTOL * np.abs(ref))
        if bad.any():
            at = int(np.argmax(bad))
            kind, layer, index = layout.locate(at)
            learner_loss = float(losses[e]) if losses is not None else float("nan")
            where = f"{kind}{layer + 1}{list(index)}: yours {row[at]:+.6g}, the engine's {ref[at]:+.6g}"
            report.epochs = EpochsResult(len(history), e + 1, where, float(engine_before), learner_loss, engine_lr)
            return
    learner_loss = float(losses[-1]) if losses is not None else float("nan")
    report.epochs = EpochsResult(
        len(history), None, "", float(twin.history.series("loss")[-2]), learner_loss, engine_lr
    )
