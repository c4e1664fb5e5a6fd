"""Export a run as a standalone NumPy program a learner can read, run and change.

The program holds the run's training data, its starting weights and its
first hyperparameters as literals (floats written with repr, which
round-trips exactly), and spells out only the pieces this run uses: its
activations and their derivatives, its loss, the forward pass, the backward
pass, the optimizer and the batching. Every formula is written in the
engine's own operation order, so its printed losses equal the app's.
"""

from __future__ import annotations

import math
import os
import pprint
import re
import shlex
import textwrap
from pathlib import Path

import numpy as np

from model.config import Config
from model.errors import BackpropError
from model.exports import write_atomically
from model.saved_run import SavedRun
from model.trainer import Trainer

Array = np.ndarray

DEFAULT_EPOCHS = 100


class ScriptExportError(BackpropError):
    """The script could not be written, with the reason in words."""


# ------------------------------------------------------------ literals


def _number(x: float) -> str:
    x = float(x)
    if math.isfinite(x):
        return repr(x)
    return f"float({repr(x)!r})"


def _vector(values: Array) -> str:
    return "[" + ", ".join(_number(v) for v in values) + "]"


def _matrix(rows: Array, indent: str) -> str:
    """A 2-D literal, one row per line."""
    if rows.shape[0] == 0:
        return "[]"
    inner = "".join(f"{indent}    {_vector(r)},\n" for r in rows)
    return "[\n" + inner + indent + "]"


def _plain(text: str) -> str:
    """A name safe inside a comment or docstring (CSV headers can hold anything)."""
    return re.sub(r"[^\w .,:;()+\-/]", "_", str(text))


def _command_word(name: str) -> str:
    """The file name as a shell word (quoted when it needs to be), escaped for a docstring.

    The docstring then reads exactly as the command to type (`python 'my file.py'`),
    and no name can end the docstring early (three double quotes), form an escape
    (a backslash, as in a name like back-slash-N.py) or hold a control character.
    """
    word = name if re.fullmatch(r"[\w.+\-/]+", name) else shlex.quote(name)
    out = []
    for ch in word:
        if ch in '\\"':
            out.append("\\" + ch)
        elif not ch.isprintable():
            out.append(ch.encode("unicode_escape").decode("ascii").replace("\\", "\\\\"))
        else:
            out.append(ch)
    return "".join(out)


def _fill(template: str, **values: str) -> str:
    """Replace <<name>> markers (f-string braces in the template stay as they are)."""
    text = textwrap.dedent(template).lstrip("\n")
    for key, value in values.items():
        text = text.replace(f"<<{key}>>", value)
    return text


# ------------------------------------------------------- activations, loss

_ACTIVATION_CODE = {
    "sigmoid": (
        '''
        def sigmoid(z):
            """1 / (1 + e^-z), squashing any z into (0, 1).

            z is clamped at -709 first: e^709 is the largest power of e a
            float64 holds, so e^-z cannot overflow (and nothing else changes).
            """
            return 1.0 / (1.0 + np.exp(-np.maximum(z, -709.0)))
        ''',
        '''
        def sigmoid_derivative(z, a):
            """sigmoid'(z) = a (1 - a), where a = sigmoid(z)."""
            return a * (1.0 - a)
        ''',
    ),
    "tanh": (
        '''
        def tanh(z):
            """The hyperbolic tangent: like sigmoid, but centred on 0, in (-1, 1)."""
            return np.tanh(z)
        ''',
        '''
        def tanh_derivative(z, a):
            """tanh'(z) = 1 - a^2, where a = tanh(z)."""
            return 1.0 - a * a
        ''',
    ),
    "relu": (
        '''
        def relu(z):
            """max(z, 0): passes positive values, blocks negative ones."""
            return np.maximum(z, 0.0)
        ''',
        '''
        def relu_derivative(z, a):
            """1 where z > 0, else 0 (the kink at 0 takes 0, the usual choice)."""
            return (z > 0.0).astype(z.dtype)
        ''',
    ),
    "leaky_relu": (
        '''
        LEAKY_SLOPE = 0.01


        def leaky_relu(z):
            """z where z > 0, else a small slope times z, so no unit goes fully dead."""
            return np.where(z > 0.0, z, LEAKY_SLOPE * z)
        ''',
        '''
        def leaky_relu_derivative(z, a):
            """1 where z > 0, else the small slope."""
            return np.where(z > 0.0, 1.0, LEAKY_SLOPE).astype(z.dtype)
        ''',
    ),
    "linear": (
        '''
        def linear(z):
            """The identity: the layer's output is its weighted sum."""
            return z
        ''',
        '''
        def linear_derivative(z, a):
            """The identity's slope is 1 everywhere."""
            return np.ones_like(z)
        ''',
    ),
    "softmax": (
        '''
        def softmax(z):
            """e^z / sum(e^z) per sample: outputs that are positive and sum to 1.

            Subtracting each row's largest z first changes nothing in the
            result but keeps e^z from overflowing.
            """
            shifted = z - z.max(axis=1, keepdims=True)
            e = np.exp(shifted)
            return e / e.sum(axis=1, keepdims=True)
        ''',
        "",
    ),
}

_LOSS_CODE = {
    "mse": (
        '''
        def loss_per_sample(y_hat, y):
            """Mean squared error of each sample: the mean over its outputs of (y_hat - y)^2."""
            d = y_hat - y
            return np.sum(d * d, axis=1) / y.shape[1]
        ''',
        '''
        def loss_gradient(y_hat, y):
            """d(loss of each sample)/d(y_hat) = 2 (y_hat - y) / outputs."""
            return (2.0 / y.shape[1]) * (y_hat - y)
        ''',
    ),
    "bce": (
        '''
        EPSILON = 1e-12  # keeps predictions this far from 0 and 1 inside log()


        def loss_per_sample(y_hat, y):
            """Binary cross-entropy of each sample, averaged over its outputs."""
            p = np.clip(y_hat, EPSILON, 1.0 - EPSILON)
            return -np.sum(y * np.log(p) + (1.0 - y) * np.log(1.0 - p), axis=1) / y.shape[1]
        ''',
        '''
        def loss_gradient(y_hat, y):
            """d(loss of each sample)/d(y_hat) = (p - y) / (p (1 - p)) / outputs."""
            p = np.clip(y_hat, EPSILON, 1.0 - EPSILON)
            return (p - y) / (p * (1.0 - p)) / y.shape[1]
        ''',
    ),
    "ce": (
        '''
        EPSILON = 1e-12  # keeps predictions this far from 0 inside log()


        def loss_per_sample(y_hat, y):
            """Categorical cross-entropy of each sample: -log of the true class's output."""
            p = np.maximum(y_hat, EPSILON)
            return -np.sum(y * np.log(p), axis=1)
        ''',
        '''
        def loss_gradient(y_hat, y):
            """d(loss of each sample)/d(y_hat) = -y / y_hat."""
            p = np.maximum(y_hat, EPSILON)
            return -y / p
        ''',
    ),
}

# A sigmoid output with BCE: the engine measures the loss from z (exact
# where y_hat would round to 0 or 1), so the script does too.
_BCE_FROM_Z = '''
    def loss_per_sample(z, y):
        """Binary cross-entropy of each sample, from the output layer's z
        (before the sigmoid): max(z, 0) - y z + log1p(exp(-|z|)), averaged over
        its outputs. It equals -(y log(y_hat) + (1 - y) log(1 - y_hat)) with
        y_hat = sigmoid(z), without ever rounding y_hat to exactly 0 or 1, and
        without the cancellation of log(1 + e^z) - y z for a confident right
        answer. np.logaddexp(u, v) is max(u, v) + log1p(exp(-|u - v|)): with
        u = -y z and v = z - y z it is that form in one call."""
        yz = y * z
        return np.sum(np.logaddexp(-yz, z - yz), axis=1) / y.shape[1]
    '''


def _loss_from_z(cfg: Config) -> bool:
    return cfg.output_activation == "sigmoid" and cfg.loss == "bce"


_BATCH_LOSS = '''
def batch_loss(y_hat, y):
    """The loss of a batch: the mean of its samples' losses."""
    per_sample = loss_per_sample(y_hat, y)
    return float(np.sum(per_sample) / len(per_sample))
'''


def _output_delta(cfg: Config) -> str:
    out, loss, k = cfg.output_activation, cfg.loss, cfg.layers[-1]
    if out == "sigmoid" and loss == "bce":
        formula = "y_hat - y" if k == 1 else "(y_hat - y) / y.shape[1]"
        why = (
            "With a sigmoid output and binary cross-entropy the chain rule\n"
            "    dL/dz = dL/dy_hat * sigmoid'(z)\n"
            "simplifies: sigmoid'(z) = y_hat (1 - y_hat) cancels the loss's\n"
            "denominator, leaving " + ("y_hat - y." if k == 1 else "(y_hat - y) / outputs.")
        )
    elif out == "softmax" and loss == "ce":
        formula = "y_hat - y"
        why = (
            "With a softmax output and categorical cross-entropy the chain rule\n"
            "through the softmax's Jacobian simplifies to y_hat - y."
        )
    elif out == "softmax":
        return _fill(
            '''
            def output_delta(z, y_hat, y):
                """d(loss of each sample)/dz of the output layer, by the chain rule.

                softmax couples its outputs (each depends on every z), so its
                Jacobian is applied in full: dL/dz_j = a_j (g_j - sum_k g_k a_k).
                """
                g = loss_gradient(y_hat, y)
                return y_hat * (g - (g * y_hat).sum(axis=1, keepdims=True))
            '''
        )
    else:
        return _fill(
            '''
            def output_delta(z, y_hat, y):
                """d(loss of each sample)/dz of the output layer, by the chain rule:
                dL/dz = dL/dy_hat * f'(z)."""
                return loss_gradient(y_hat, y) * <<out>>_derivative(z, y_hat)
            ''',
            out=out,
        )
    body = textwrap.indent(why, "    ")
    doc = '"""d(loss of each sample)/dz of the output layer.'
    return f'def output_delta(z, y_hat, y):\n    {doc}\n\n{body}\n    """\n    return {formula}\n'


def _maths(cfg: Config) -> str:
    hidden, out = cfg.activation, cfg.output_activation
    has_hidden = len(cfg.layers) > 2
    fused = (out, cfg.loss) in (("sigmoid", "bce"), ("softmax", "ce"))
    parts = ["# ---------------------------------------------------------------- activations\n"]
    names = ([hidden] if has_hidden else []) + ([out] if out != hidden or not has_hidden else [])
    for name in names:
        forward, derivative = _ACTIVATION_CODE[name]
        parts.append(_fill(forward))
        needs_derivative = (name == hidden and has_hidden) or (name == out and not fused)
        if needs_derivative and derivative:
            parts.append(_fill(derivative))
    parts.append("# ----------------------------------------------------------------------- loss\n")
    value, gradient = _LOSS_CODE[cfg.loss]
    if _loss_from_z(cfg):
        value = _BCE_FROM_Z
    parts.append(_fill(value))
    parts.append(_BATCH_LOSS.lstrip("\n"))
    if not fused:
        parts.append(_fill(gradient))
    parts.append(_output_delta(cfg))
    return "\n\n".join(p.rstrip("\n") + "\n" for p in parts)


# ------------------------------------------------------- network, updates


def _network(cfg: Config, feedback: bool) -> str:
    back = "FEEDBACK" if feedback else "W"
    fa_comment = (
        "            # Feedback alignment: a fixed random matrix FEEDBACK[l] carries the\n"
        "            # error back instead of W[l]; the network still learns, because the\n"
        "            # forward weights come to agree with the feedback.\n"
        if feedback
        else ""
    )
    backprop = (
        "        if l > 0:\n"
        "            # Backpropagation: delta = (delta_next @ W_next.T) * f'(z).\n"
        "            # The error of each unit of layer l-1 is the errors of the units\n"
        "            # it feeds, weighted by the connecting weights, times its own slope.\n"
        + fa_comment
        + f"            delta = (delta @ {back}[l].T) * HIDDEN_DERIVATIVE(zs[l - 1], activations[l - 1])\n"
    )
    if len(cfg.layers) > 2:
        hidden_line = (
            f"HIDDEN = {cfg.activation}  # the activation of every hidden layer\n"
            f"HIDDEN_DERIVATIVE = {cfg.activation}_derivative\n"
        )
        activate = "a = OUTPUT(z) if l == len(W) - 1 else HIDDEN(z)"
    else:
        hidden_line = "# (no hidden layers: the inputs feed the output layer directly)\n"
        activate = "a = OUTPUT(z)"
        backprop = "        # With a single layer there is no earlier layer to send delta back to.\n"
    return _fill(
        '''
        # -------------------------------------------------------------- the network
        # Shapes: X is (samples, features); W[l] is (fan_in, fan_out) and b[l] is
        # (fan_out,), so layer l computes, for every sample at once (one per row),
        #     z[l] = a[l-1] @ W[l] + b[l]    and    a[l] = f(z[l]),
        # with a[-1] = X. The last layer's a is the network's output y_hat.

        <<hidden>>OUTPUT = <<out>>  # the activation of the output layer


        def forward(X, W, b):
            """Run the samples through the network; keep every layer's z and a."""
            zs, activations = [], []
            a = X
            for l in range(len(W)):
                z = a @ W[l] + b[l]
                <<activate>>
                zs.append(z)
                activations.append(a)
            return zs, activations


        def backward(X, Y, W, zs, activations):
            """The gradient of the batch loss with respect to every W[l] and b[l].

            delta is d(loss of each sample)/dz of a layer: one row per sample.
            It starts at the output and is sent back one layer at a time.
            """
            n = len(X)
            L = len(W)
            dW, db = [None] * L, [None] * L
            delta = output_delta(zs[-1], activations[-1], Y)
            for l in reversed(range(L)):
                a_prev = X if l == 0 else activations[l - 1]
                # Each sample's gradient is the outer product a_prev^T delta;
                # the batch gradient is their mean.
                dW[l] = a_prev.T @ delta / n
                db[l] = np.sum(delta, axis=0) / n
        <<backprop>>    return dW, db
        ''',
        hidden=hidden_line,
        out=cfg.output_activation,
        backprop=backprop,
        activate=activate,
    )


def _optimizer(cfg: Config) -> str:
    terms = ""
    if cfg.l2:
        terms += " + L2 * w"
    if cfg.l1:
        terms += " + L1 * np.sign(w)"
    if terms:
        penalty = _fill(
            '''
            def penalised(W, dW):
                """The weight gradients plus the penalties' share (biases are not penalised)."""
                return [g<<terms>> for w, g in zip(W, dW)]


            ''',
            terms=terms,
        )
        gradient_line = "    gW = penalised(W, dW)\n"
    else:
        penalty = ""
        gradient_line = "    gW = dW\n"
    if cfg.optimizer == "sgd":
        body = _fill(
            '''
            def new_optimizer_state(W, b):
                """Plain gradient descent remembers nothing between updates."""
                return {}


            def update(W, b, dW, db, state):
                """One gradient-descent step: each parameter moves against its gradient."""
            <<g>>    W = [w - LEARNING_RATE * g for w, g in zip(W, gW)]
                b = [p - LEARNING_RATE * g for p, g in zip(b, db)]
                return W, b, state
            ''',
            g=gradient_line,
        )
    elif cfg.optimizer == "momentum":
        body = _fill(
            '''
            def new_optimizer_state(W, b):
                """A velocity per parameter, starting at rest."""
                return {"vW": [np.zeros_like(w) for w in W], "vb": [np.zeros_like(p) for p in b]}


            def update(W, b, dW, db, state):
                """Momentum: the velocity keeps a decaying sum of past steps, and the
                parameters move by the velocity, so steady directions speed up."""
            <<g>>    vW = [MOMENTUM * v - LEARNING_RATE * g for v, g in zip(state["vW"], gW)]
                vb = [MOMENTUM * v - LEARNING_RATE * g for v, g in zip(state["vb"], db)]
                W = [w + v for w, v in zip(W, vW)]
                b = [p + v for p, v in zip(b, vb)]
                return W, b, {"vW": vW, "vb": vb}
            ''',
            g=gradient_line,
        )
    else:
        body = _fill(
            '''
            def new_optimizer_state(W, b):
                """Adam keeps running means of the gradient (m) and its square (v)."""
                zeros = [np.zeros_like(p) for p in W + b]
                return {"t": 0, "m": zeros, "v": [z.copy() for z in zeros]}


            def update(W, b, dW, db, state):
                """Adam: each parameter steps by m / sqrt(v), so every parameter gets
                its own step size; the bias correction undoes m and v starting at 0."""
            <<g>>    params, grads = W + b, gW + db
                t = state["t"] + 1
                step_size = float(LEARNING_RATE * np.sqrt(1.0 - BETA2**t) / (1.0 - BETA1**t))
                m = [BETA1 * old + (1.0 - BETA1) * g for old, g in zip(state["m"], grads)]
                v = [BETA2 * old + (1.0 - BETA2) * (g * g) for old, g in zip(state["v"], grads)]
                params = [p - step_size * mp / (np.sqrt(vp) + ADAM_EPSILON) for p, mp, vp in zip(params, m, v)]
                return params[: len(W)], params[len(W) :], {"t": t, "m": m, "v": v}
            ''',
            g=gradient_line,
        )
    return "# ------------------------------------------------------------------ optimizer\n\n\n" + penalty + body


def _training(cfg: Config) -> str:
    if cfg.mode == "full":
        loop = '''
            def train(epochs):
                """Full-batch training: one update per epoch, from the whole training set."""
                W = [w.copy() for w in W_INITIAL]
                b = [p.copy() for p in B_INITIAL]
                state = new_optimizer_state(W, b)
                # Epoch 0 is the untrained network.
                zs, activations = forward(X, W, b)
                dW, db = backward(X, Y, W, zs, activations)
                print(f"epoch 0 loss {batch_loss(activations[-1], Y)!r}")
                for epoch in range(1, epochs + 1):
                    # Update with the gradient computed at the current weights ...
                    W, b, state = update(W, b, dW, db, state)
                    # ... then measure the new weights: the loss of epoch N is the loss
                    # after N updates, and the same pass gives the next gradient.
                    zs, activations = forward(X, W, b)
                    dW, db = backward(X, Y, W, zs, activations)
                    print(f"epoch {epoch} loss {batch_loss(activations[-1], Y)!r}")
            '''
    else:
        loop = '''
            def train(epochs):
                """Mini-batch training: shuffle, then one update per batch."""
                W = [w.copy() for w in W_INITIAL]
                b = [p.copy() for p in B_INITIAL]
                state = new_optimizer_state(W, b)
                # The shuffling generator, set to the exact state the app's run
                # started from, so every epoch draws the same batches.
                rng = np.random.default_rng()
                rng.bit_generator.state = GENERATOR_STATE
                n = len(X)
                # Epoch 0 is the untrained network, measured on the whole training set.
                zs, activations = forward(X, W, b)
                print(f"epoch 0 loss {batch_loss(activations[-1], Y)!r}")
                for epoch in range(1, epochs + 1):
                    order = rng.permutation(n)  # a new shuffle every epoch
                    loss_sum = 0.0
                    for start in range(0, n, BATCH_SIZE):
                        batch = order[start : start + BATCH_SIZE]
                        Xb, Yb = X[batch], Y[batch]
                        zs, activations = forward(Xb, W, b)
                        dW, db = backward(Xb, Yb, W, zs, activations)
                        loss_sum += batch_loss(activations[-1], Yb) * len(batch)
                        W, b, state = update(W, b, dW, db, state)
                    # The epoch's loss is the mean of its batches' losses, each measured
                    # just before its update (what training frameworks report).
                    print(f"epoch {epoch} loss {loss_sum / n!r}")
            '''
    if _loss_from_z(cfg):
        loop = loop.replace("batch_loss(activations[-1], ", "batch_loss(zs[-1], ")
    return "# ------------------------------------------------------------------- training\n\n\n" + _fill(loop)


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
    header = _fill(
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
        dataset=_plain(data.name),
        name=_command_word(name),
        summary=textwrap.fill(_summary(cfg, data.name, len(data.X)), 76, initial_indent="The run: ")[
            len("The run: ") :
        ],
        notes=notes,
        dtype=cfg.dtype,
    )

    settings = ["# ------------------------------------------------------------------- settings", ""]
    settings.append(f"LEARNING_RATE = {_number(cfg.lr)}")
    if cfg.optimizer == "momentum":
        settings.append(f"MOMENTUM = {_number(cfg.momentum)}  # how much of the last step each step keeps")
    if cfg.optimizer == "adam":
        settings.append(f"BETA1 = {_number(cfg.beta1)}  # decay of the running mean of gradients")
        settings.append(f"BETA2 = {_number(cfg.beta2)}  # decay of the running mean of squared gradients")
        settings.append(f"ADAM_EPSILON = {_number(trainer.optimizer.eps)}  # keeps the division finite")
    if cfg.l2:
        settings.append(f"L2 = {_number(cfg.l2)}  # weight decay: pulls every weight towards 0")
    if cfg.l1:
        settings.append(f"L1 = {_number(cfg.l1)}  # pushes every weight towards 0 by a constant amount")
    if cfg.mode != "full":
        size = 1 if cfg.mode == "sgd" else min(cfg.batch_size, len(data.X))
        what = "one sample per update (stochastic gradient descent)" if cfg.mode == "sgd" else "samples per update"
        settings.append(f"BATCH_SIZE = {size}  # {what}")
        settings.append("")
        settings.append("# The state of the generator that shuffles the samples when the run started.")
        settings.append("GENERATOR_STATE = " + pprint.pformat(start.rng, width=88, sort_dicts=False))
    settings_text = "\n".join(settings) + "\n"

    features = ", ".join(_plain(n) for n in data.feature_names)
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
        classes = ", ".join(f"{i} = {_plain(n)}" for i, n in enumerate(data.class_names))
    data_text = (
        "# ----------------------------------------------------------------------- data\n"
        f"# {len(data.X)} training samples, one per row, with features ({features}),\n"
        f"# and each sample's class ({classes}).\n\n"
        f"X = np.array({_matrix(data.X, '')}, dtype=np.float64).astype(DTYPE)\n"
        f"LABELS = np.array({_wrap_ints(data.labels)})\n\n" + targets
    )

    weights = [
        "# ------------------------------------------------------------ starting weights",
        "# W[l] connects layer l's inputs to its units: shape (fan_in, fan_out).",
        "# b[l] holds one bias per unit: shape (fan_out,).",
        "",
        "W_INITIAL = [",
    ]
    for l, w in enumerate(W):
        weights.append(f"    # W[{l}]: {_plural(w.shape[0], 'input')} -> {_plural(w.shape[1], 'unit')}")
        weights.append(f"    np.array({_matrix(w, '    ')}, dtype=DTYPE),")
    weights.append("]")
    weights.append("B_INITIAL = [")
    for l, x in enumerate(b):
        weights.append(f"    np.array({_vector(x)}, dtype=DTYPE),  # b[{l}]")
    weights.append("]")
    if run.feedback is not None:
        weights.append("")
        weights.append("# Feedback alignment: fixed random matrices, shaped like W, that carry the")
        weights.append("# error backwards in place of the weights. They never change.")
        weights.append("FEEDBACK = [")
        for matrix in run.feedback:
            weights.append(f"    np.array({_matrix(matrix, '    ')}, dtype=DTYPE),")
        weights.append("]")
    weights_text = "\n".join(weights) + "\n"

    main = _fill(
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
        _maths(cfg),
        _network(cfg, run.feedback is not None),
        _optimizer(cfg),
        _training(cfg),
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
        f"dataset {_plain(name)} ({n} training samples), layers {'-'.join(map(str, cfg.layers))}",
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
