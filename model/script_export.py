"""Export a run as a standalone NumPy program a learner can read, run and change.

The program holds the run's training data, its starting weights and its
first hyperparameters as literals (floats written with repr, which
round-trips exactly), and spells out only the pieces this run uses: its
activations and their derivatives, its loss, the forward pass, the backward
pass, the optimizer and the batching. Every formula is written in the
engine's own operation order, so its printed losses equal the app's.
"""

from __future__ import annotations

import os
import pprint
import textwrap
from pathlib import Path

import numpy as np

from model.config import Config
from model.errors import BackpropError
from model.exports import write_atomically
from model.saved_run import SavedRun
from model.script_literals import command_word, fill, matrix, number, plain, vector
from model.script_maths import maths_code
from model.script_training import network_code, optimizer_code, training_code
from model.trainer import Trainer

Array = np.ndarray

DEFAULT_EPOCHS = 100


class ScriptExportError(BackpropError):
    """The script could not be written, with the reason in words."""


# --------------------------------------------------------------- the whole


def _notes(trainer: Trainer, run: SavedRun, cfg: Config, start_params: Array) -> list[str]:
    notes = []
    if len(run.segments) > 1:
        changes = []
        for start, later in run.segments[1:]:
            diff = [k for k, v in later.to_dict().items() if cfg.to_dict()[k] != v]
            changes.append(f"epoch {start}: " + ", ".join(f"{k}={getattr(later, k)}" for k in diff))
        notes.append(
            "The run changed hyperparameters later ("
            + "; ".join(changes)
            + "). This script keeps the first settings throughout, so its losses "
            f"agree with the app's up to epoch {run.segments[1][0]} only."
        )
    edits = sorted(run.pinned - {0} - {start for start, _ in run.segments})
    if edits:
        notes.append(
            "Weights were edited by hand at epoch(s) "
            + ", ".join(map(str, edits))
            + "; those edits are not in this script."
        )
    if not np.array_equal(start_params, run.initial_params):
        notes.append("The starting weights were edited by hand; the script starts from the edited weights.")
    if trainer.data.has_test:
        notes.append(
            f"The app also held back {len(trainer.data.X_test)} samples as a test set; training does not use them, "
            "so they are left out here."
        )
    if cfg.dtype == "float32":
        notes.append("The run uses 32-bit floats, and so does this script (DTYPE).")
    notes.append("Stop conditions (epoch limit, target loss) are not applied: the script runs the epochs it is given.")
    return notes


def standalone_script(trainer: Trainer, name: str = "backprop_from_scratch.py") -> str:
    """The run as a NumPy-only Python program (see the module docstring)."""
    run = trainer.export_run()
    cfg = run.segments[0][1]
    start = run.snapshots[0]
    W, b = trainer.layout.views(start.params)
    data = trainer.data
    sizes = "-".join(str(n) for n in cfg.layers)
    k = cfg.layers[-1]

    notes = "\n".join(
        textwrap.fill(n, 76, initial_indent="- ", subsequent_indent="  ")
        for n in _notes(trainer, run, cfg, start.params)
    )
    header = fill(
        '''
        #!/usr/bin/env python3
        """Backpropagation from scratch: a <<sizes>> network learns <<dataset>>.

        Exported by backprop-tui. This program needs nothing but NumPy. It holds
        the run's training data, its starting weights and its hyperparameters,
        trains the same network the same way, and prints the training loss of
        every epoch: the numbers match the ones the app recorded for the run.

            python <<name>>          # 100 epochs
            python <<name>> 500      # or any number

        Change anything (the learning rate, an activation, the update rule) and
        run it again to see what that does.

        The run: <<summary>>

        Notes:
        <<notes>>
        """

        import argparse

        import numpy as np

        # Every array uses this floating-point type (the app's dtype setting).
        DTYPE = np.<<dtype>>
        ''',
        sizes=sizes,
        dataset=plain(data.name),
        name=command_word(name),
        summary=textwrap.fill(_summary(cfg, data.name, len(data.X)), 76, initial_indent="The run: ")[
            len("The run: ") :
        ],
        notes=notes,
        dtype=cfg.dtype,
    )

    settings = ["# ------------------------------------------------------------------- settings", ""]
    settings.append(f"LEARNING_RATE = {number(cfg.lr)}")
    if cfg.optimizer == "momentum":
        settings.append(f"MOMENTUM = {number(cfg.momentum)}  # how much of the last step each step keeps")
    if cfg.optimizer == "adam":
        settings.append(f"BETA1 = {number(cfg.beta1)}  # decay of the running mean of gradients")
        settings.append(f"BETA2 = {number(cfg.beta2)}  # decay of the running mean of squared gradients")
        settings.append(f"ADAM_EPSILON = {number(trainer.optimizer.eps)}  # keeps the division finite")
    if cfg.l2:
        settings.append(f"L2 = {number(cfg.l2)}  # weight decay: pulls every weight towards 0")
    if cfg.l1:
        settings.append(f"L1 = {number(cfg.l1)}  # pushes every weight towards 0 by a constant amount")
    if cfg.mode != "full":
        size = 1 if cfg.mode == "sgd" else min(cfg.batch_size, len(data.X))
        what = "one sample per update (stochastic gradient descent)" if cfg.mode == "sgd" else "samples per update"
        settings.append(f"BATCH_SIZE = {size}  # {what}")
        settings.append("")
        settings.append("# The state of the generator that shuffles the samples when the run started.")
        settings.append("GENERATOR_STATE = " + pprint.pformat(start.rng, width=88, sort_dicts=False))
    settings_text = "\n".join(settings) + "\n"

    features = ", ".join(plain(n) for n in data.feature_names)
    if k == 1:
        targets = (
            "# With one output unit the target is the class itself, 0 or 1.\n"
            "Y = LABELS.astype(np.float64).reshape(-1, 1).astype(DTYPE)\n"
        )
    else:
        targets = (
            f"# With one output unit per class the target is one-hot: 1 for the\n"
            f"# sample's class, 0 elsewhere.\nY = np.eye({data.n_classes})[LABELS].astype(DTYPE)\n"
        )
    if data.class_names == tuple(str(i) for i in range(data.n_classes)):
        classes = f"0 to {data.n_classes - 1}"
    else:
        classes = ", ".join(f"{i} = {plain(n)}" for i, n in enumerate(data.class_names))
    data_text = (
        "# ----------------------------------------------------------------------- data\n"
        f"# {len(data.X)} training samples, one per row, with features ({features}),\n"
        f"# and each sample's class ({classes}).\n\n"
        f"X = np.array({matrix(data.X, '')}, dtype=np.float64).astype(DTYPE)\n"
        f"LABELS = np.array({_wrap_ints(data.labels)})\n\n" + targets
    )

    weights = [
        "# ------------------------------------------------------------ starting weights",
        "# Layers are numbered from 1, as in the app (W1 is the layer from the inputs).",
        "# W[l] connects layer l's inputs to its units: shape (fan_in, fan_out).",
        "# b[l] holds one bias per unit: shape (fan_out,).",
        "",
        "W_INITIAL = {",
    ]
    for l, w in enumerate(W, start=1):
        weights.append(f"    # W[{l}]: {_plural(w.shape[0], 'input')} -> {_plural(w.shape[1], 'unit')}")
        weights.append(f"    {l}: np.array({matrix(w, '    ')}, dtype=DTYPE),")
    weights.append("}")
    weights.append("B_INITIAL = {")
    for l, x in enumerate(b, start=1):
        weights.append(f"    {l}: np.array({vector(x)}, dtype=DTYPE),  # b[{l}]")
    weights.append("}")
    if run.feedback is not None:
        weights.append("")
        weights.append("# Feedback alignment: fixed random matrices, shaped like W, that carry the")
        weights.append("# error backwards in place of the weights. They never change.")
        weights.append("FEEDBACK = {")
        for l, fixed in enumerate(run.feedback, start=1):
            weights.append(f"    {l}: np.array({matrix(fixed, '    ')}, dtype=DTYPE),")
        weights.append("}")
    weights_text = "\n".join(weights) + "\n"

    main = fill(
        """
        def main():
            what = "Train the exported network and print the loss of every epoch."
            parser = argparse.ArgumentParser(description=what)
            parser.add_argument(
                "epochs", nargs="?", type=int, default=<<epochs>>, help="how many epochs (default <<epochs>>)"
            )
            args = parser.parse_args()
            if args.epochs < 0:
                parser.error("the number of epochs must be 0 or more")
            train(args.epochs)


        if __name__ == "__main__":
            main()
        """,
        epochs=str(DEFAULT_EPOCHS),
    )
    sections = [
        header,
        settings_text,
        data_text,
        weights_text,
        maths_code(cfg),
        network_code(cfg, run.feedback is not None),
        optimizer_code(cfg),
        training_code(cfg),
        main,
    ]
    return "\n\n".join(s.strip("\n") + "\n" for s in sections)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _wrap_ints(values: Array) -> str:
    text = "[" + ", ".join(str(int(v)) for v in values) + "]"
    return textwrap.fill(text, 88, subsequent_indent="    ", break_on_hyphens=False)


def _summary(cfg: Config, name: str, n: int) -> str:
    mode = {
        "full": "full-batch training",
        "minibatch": f"mini-batches of {cfg.batch_size}",
        "sgd": "one sample per update",
    }[cfg.mode]
    hidden = f"hidden activation {cfg.activation}, " if len(cfg.layers) > 2 else ""
    parts = [
        f"dataset {plain(name)} ({n} training samples), layers {'-'.join(map(str, cfg.layers))}",
        f"{hidden}output activation {cfg.output_activation}, loss {cfg.loss}",
        f"optimizer {cfg.optimizer} (learning rate {cfg.lr:g})",
        mode,
        f"initialisation {cfg.init}, seed {cfg.seed}",
    ]
    if cfg.l2 or cfg.l1:
        parts.append(f"penalties l2={cfg.l2:g} l1={cfg.l1:g}")
    if cfg.feedback_alignment:
        parts.append("feedback alignment")
    return ", ".join(parts) + "."


def write_standalone_script(trainer: Trainer, path: str | os.PathLike) -> None:
    """Write the script atomically; raises ScriptExportError when that fails."""
    text = standalone_script(trainer, Path(path).name).encode("utf-8")
    try:
        write_atomically(path, lambda f: f.write(text))
    except OSError as exc:
        raise ScriptExportError(f"cannot write {os.fspath(path)}: {exc.strerror or exc}") from None
