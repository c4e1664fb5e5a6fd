"""The bug lab: classic backpropagation bugs, each planted on purpose by name.

Why: learners meet these bugs in their own from-scratch code and cannot tell
them apart from the loss curve alone. The lab lets them train the verified
engine with exactly one classic bug and watch its symptom in the tables.

The ONE mechanism that plants a bug: `Trainer(config, data, bug=BUGS[name])`.
The trainer then builds its network with `bug.network(...)` (a `BuggedNetwork`,
whose backward or forward has the planted line) and each optimizer with
`bug.optimizer(...)` (a `BuggedOptimizer`, whose update has it). Without a
bug, the trainer builds the plain `Network` and `Optimizer` and never reads
this module: the verified path does not consult the catalogue at all.

Each `Bug` also carries the planted line beside the correct one (as they read
in a learner's file made from `model.learner_template`), the symptom to look
for, and where the bug is seen in the wild, so the app's quiz can reveal it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from model.errors import ConfigError
from model.network import BackwardPass, ForwardPass, Network
from model.optimizers import Optimizer, OptimizerState

Array = np.ndarray


def _anywhere(sizes: tuple[int, ...], hidden: str, output: str, loss: str) -> str | None:
    return None


@dataclass(frozen=True)
class Bug:
    """One classic bug: what it is, where it is seen, and the line that plants it."""

    name: str
    title: str
    wild: str  # where the bug is seen in the wild, one sentence
    correct_line: str
    planted_line: str
    symptom: str
    # Why it cannot be planted in a configuration, or None when it can.
    refuses: Callable[[tuple[int, ...], str, str, str], str | None] = _anywhere

    def check(self, sizes: tuple[int, ...], hidden: str, output: str, loss: str) -> None:
        """Raise ConfigError when this bug has no line to plant in this network."""
        reason = self.refuses(tuple(sizes), hidden, output, loss)
        if reason:
            raise ConfigError("bug", f"{self.name}: {reason}")

    def network(self, plain: Network, lr: float) -> "BuggedNetwork":
        return BuggedNetwork(plain.layout, plain.activations, plain.loss, plain.feedback, bug=self.name, lr=lr)

    def optimizer(self, plain: Optimizer) -> "BuggedOptimizer":
        return BuggedOptimizer(**asdict(plain), bug=self.name)


def _needs_hidden(sizes: tuple[int, ...], hidden: str, output: str, loss: str) -> str | None:
    return None if len(sizes) > 2 else "needs a hidden layer (such as --layers 2,2,1)"


def _needs_square(sizes: tuple[int, ...], hidden: str, output: str, loss: str) -> str | None:
    if any(a == b for a, b in zip(sizes, sizes[1:])):
        return None
    return "needs a square layer, fan_in == fan_out (such as --layers 2,2,1); elsewhere the transpose fails at once"


def _needs_mse_sigmoid(sizes: tuple[int, ...], hidden: str, output: str, loss: str) -> str | None:
    return None if loss == "mse" and output == "sigmoid" else "needs --loss mse with a sigmoid output"


def _needs_mse(sizes: tuple[int, ...], hidden: str, output: str, loss: str) -> str | None:
    return None if loss == "mse" else "needs --loss mse"


def _needs_softmax(sizes: tuple[int, ...], hidden: str, output: str, loss: str) -> str | None:
    return None if output == "softmax" else "needs --output-activation softmax (such as --layers 2,3,2 --loss ce)"


CATALOGUE: tuple[Bug, ...] = (
    Bug(
        "disconnected_hidden",
        "disconnected hidden layer",
        "Write-ups that compute the output delta and forget to send it back: the hidden layer's "
        "delta is left at zeros, so the net trains only its last layer.",
        "dz1 = (dz2 @ W2.T) * f'(z1)",
        "dz1 = np.zeros_like(z1)",
        "every hidden delta is exactly zero and the hidden weights never change; the loss falls only "
        "as far as the last layer alone can take it",
        _needs_hidden,
    ),
    Bug(
        "derivative_twice",
        "activation derivative applied twice",
        "Code that multiplies by sigmoid'(z) when forming the error and again in the delta line, "
        "often after refactoring a helper that already included it.",
        "dz1 = (dz2 @ W2.T) * f'(z1)",
        "dz1 = (dz2 @ W2.T) * f'(z1) * f'(z1)",
        "hidden deltas are smaller than they should be by a factor f'(z) (at most 0.25 for sigmoid): "
        "the hidden layer learns several times slower",
        _needs_hidden,
    ),
    Bug(
        "derivative_at_a",
        "derivative taken at a instead of z",
        "The classic sigmoid_derivative(x) = sigmoid(x) * (1 - sigmoid(x)) called on the stored "
        "activation a1 instead of z1 (or x * (1 - x) called on z1).",
        "dz1 = (dz2 @ W2.T) * f'(z1)",
        "dz1 = (dz2 @ W2.T) * f'(a1)",
        "hidden deltas are scaled by f'(a) instead of f'(z): for sigmoid they never vanish when a unit "
        "saturates, so the hidden layer keeps moving in a distorted direction",
        _needs_hidden,
    ),
    Bug(
        "missing_bias_update",
        "missing bias update",
        "Loops that update W1 and W2 and forget b1 and b2, or compute db but never use it.",
        "b1 = b1 - lr * db1",
        "b1 = b1  # db1 computed, never applied",
        "every bias stays at its initial value while dB is not zero; problems that need an offset "
        "(XOR with few units) stall",
    ),
    Bug(
        "bce_delta_mse_loss",
        "BCE delta while MSE is reported",
        "Write-ups that take the output delta a - y from a cross-entropy tutorial but measure and "
        "report mean squared error.",
        "dz2 = 2 * (a2 - Y) / n_out * f'(z2)",
        "dz2 = (a2 - Y)",
        "the output delta is exactly a - y, without the factor 2 f'(z): the run descends "
        "cross-entropy while MSE is plotted (on XOR it even falls faster), so the curve is not the "
        "loss being optimised and the output delta in the tables is not the MSE delta",
        _needs_mse_sigmoid,
    ),
    Bug(
        "mse_no_factor_2",
        "MSE gradient without the factor 2",
        "Very common: d/dy (y - t)^2 written as (y - t). Harmless: it is the gradient of half the "
        "MSE, so every gradient is exactly half and the run is the honest run with lr / 2.",
        "dz2 = 2 * (a2 - Y) / n_out * f'(z2)",
        "dz2 = (a2 - Y) / n_out * f'(z2)",
        "every gradient is exactly half the engine's: the same run as the correct code with half the "
        "learning rate (bit for bit); not a bug in effect",
        _needs_mse,
    ),
    Bug(
        "wrong_transpose",
        "wrong transpose in the backward line",
        "dW = dz.T @ X instead of X.T @ dz: with square layers (2-2) the shapes agree, so it runs "
        "silently and trains a transposed gradient.",
        "dW1 = X.T @ dz1",
        "dW1 = dz1.T @ X",
        "dW of each square layer is the transpose of the true gradient: it runs without an error, "
        "the loss falls slowly or not at all, and the gradient table disagrees off the diagonal",
        _needs_square,
    ),
    Bug(
        "accumulated_gradients",
        "gradients accumulated without resetting",
        "PyTorch habits (grad += without zero_grad) or a dict of gradients created once outside the "
        "loop and added to every epoch.",
        "W = W - lr * dW",
        "dW_sum += dW; W = W - lr * dW_sum",
        "the update uses the running sum of every gradient so far: the steps grow with the epoch, the "
        "loss overshoots and oscillates or diverges",
    ),
    Bug(
        "softmax_no_max",
        "softmax without subtracting the max",
        "np.exp(z) / np.exp(z).sum(...) straight from the formula: fine on small logits, NaN once a "
        "logit passes about 709.",
        "e = np.exp(z2 - z2.max(axis=1, keepdims=True))",
        "e = np.exp(z2)",
        "identical while the logits are small; once one passes about 709, exp overflows to inf and "
        "the outputs become NaN (the run stops as diverged)",
        _needs_softmax,
    ),
    Bug(
        "updated_weights_backward",
        "backward pass using weights already updated",
        "Loops that update W2 in place before computing the hidden delta with W2.T.",
        "dz1 = (dz2 @ W2.T) * f'(z1)  # W2 before its update",
        "W2 -= lr * dW2; dz1 = (dz2 @ W2.T) * f'(z1)",
        "hidden deltas are computed with next epoch's W2: small differences while lr is small, "
        "growing with the learning rate",
        _needs_hidden,
    ),
    Bug(
        "lr_sign_flipped",
        "learning rate sign flipped",
        "W += lr * dW (gradient ascent), or error = y - y_hat paired with W -= lr * dW.",
        "W = W - lr * dW",
        "W = W + lr * dW",
        "the loss rises every epoch: the run climbs the gradient instead of descending it",
    ),
)

BUGS: dict[str, Bug] = {bug.name: bug for bug in CATALOGUE}


def find(name: str) -> Bug:
    """The bug of that name, or a ConfigError listing the names."""
    try:
        return BUGS[name]
    except KeyError:
        raise ConfigError("bug", f"{name!r} is not a bug of the lab; choose one of {', '.join(BUGS)}") from None


# ------------------------------------------------------------ the planted code


@dataclass(frozen=True)
class BuggedNetwork(Network):
    """The network with one planted line in its forward or backward pass.

    The loop repeats `Network.backward` so that each bug is one visible line
    beside the correct one; only the trainer of a bug-lab run builds this.
    """

    bug: str = ""
    lr: float = 0.0

    def forward(self, X: Array, W: list[Array], b: list[Array]) -> ForwardPass:
        if self.bug != "softmax_no_max":
            return super().forward(X, W, b)
        zs: list[Array] = []
        acts: list[Array] = []
        a = X
        last = len(W) - 1
        for l, (W_l, b_l, act) in enumerate(zip(W, b, self.activations)):
            z = a @ W_l + b_l
            if l == last:
                e = np.exp(z)  # planted: no z - z.max(axis=1, keepdims=True)
                a = e / e.sum(axis=1, keepdims=True)
            else:
                a = act.forward(z)
            zs.append(z)
            acts.append(a)
        return ForwardPass(X, zs, acts)

    def output_delta(self, fwd: ForwardPass, Y: Array, fused: bool | None = None) -> Array:
        if self.bug == "bce_delta_mse_loss":
            return fwd.a[-1] - Y  # planted: the BCE delta under MSE
        if self.bug == "mse_no_factor_2":
            grad_a = (fwd.a[-1] - Y) / Y.shape[1]  # planted: no factor 2
            return self.activations[-1].backprop(fwd.z[-1], fwd.a[-1], grad_a)
        return super().output_delta(fwd, Y, fused)

    def backward(
        self, fwd: ForwardPass, Y: Array, W: list[Array], fused: bool | None = None, sums: object = None
    ) -> BackwardPass:
        """The engine's backward with the planted line (`sums`, the trainer's
        reusable buffer, is not used: a bugged run need not be fast)."""
        bug = self.bug
        n = Y.shape[0]
        L = len(W)
        deltas: list[Array] = [None] * L  # type: ignore[list-item]
        dW: list[Array] = [None] * L  # type: ignore[list-item]
        db: list[Array] = [None] * L  # type: ignore[list-item]
        back = W if self.feedback is None else self.feedback
        z, a, acts = fwd.z, fwd.a, self.activations
        inputs = [fwd.inputs, *a[:-1]]
        delta = self.output_delta(fwd, Y, fused)
        for l in range(L - 1, -1, -1):
            deltas[l] = delta
            if bug == "wrong_transpose" and inputs[l].shape[1] == delta.shape[1]:
                dW[l] = (delta.T @ inputs[l]).ravel()  # planted: dW = dz.T @ X
            else:
                dW[l] = (inputs[l].T @ delta).ravel()
            db[l] = np.add.reduce(delta, axis=0)
            if l:
                f = acts[l - 1].derivative(z[l - 1], a[l - 1])
                W_next = back[l]
                if bug == "disconnected_hidden":
                    delta = np.zeros_like(z[l - 1])  # planted
                    continue
                if bug == "derivative_twice":
                    f = f * f  # planted
                elif bug == "derivative_at_a":
                    f = acts[l - 1].derivative(a[l - 1], acts[l - 1].forward(a[l - 1]))  # planted
                elif bug == "updated_weights_backward":
                    W_next = W_next - self.lr * (inputs[l].T @ delta / n)  # planted: the update came first
                delta = (delta @ W_next.T) * f
        grad = np.concatenate(dW + db)
        grad /= n
        return BackwardPass(deltas, grad, self.layout)


_SUM_TAG = "+sum"


@dataclass(frozen=True)
class BuggedOptimizer(Optimizer):
    """The optimizer with one planted line in its update."""

    bug: str = ""

    def apply(self, params: Array, grad: Array, state: OptimizerState, n_weights: int) -> tuple[Array, OptimizerState]:
        if self.bug == "missing_bias_update":
            grad = grad.copy()
            grad[n_weights:] = 0.0  # planted: b = b
        elif self.bug == "lr_sign_flipped":
            grad = -grad  # planted: W = W + lr * dW
        elif self.bug == "accumulated_gradients":
            # The running sum rides in the optimizer state, so rewinds replay it exactly.
            if state.kind == self.kind + _SUM_TAG:
                total = state.slots[-1] + grad  # planted: dW_sum += dW
                state = OptimizerState(self.kind, state.step, state.slots[:-1])
            else:
                total = grad.copy()
            new_params, new_state = super().apply(params, total, state, n_weights)
            return new_params, OptimizerState(self.kind + _SUM_TAG, new_state.step, new_state.slots + (total,))
        return super().apply(params, grad, state, n_weights)


# ------------------------------------------------------------- the lab's uses


def bugs_for(sizes: tuple[int, ...], hidden: str, output: str, loss: str) -> list[Bug]:
    """The bugs that have a line to plant in this network (the quiz draws from these)."""
    return [bug for bug in CATALOGUE if not bug.refuses(tuple(sizes), hidden, output, loss)]


def with_bug(trainer, bug: Bug | None):  # type: ignore[no-untyped-def]
    """A new trainer on the same settings, data and initial weights, with `bug`
    planted (or none: the verified engine again). Starts at epoch 0."""
    from model.trainer import Trainer

    return Trainer(trainer.config, trainer.data, trainer.initial_params, bug=bug)


@dataclass(frozen=True)
class Reveal:
    """What the quiz shows at the end: the bug, its line, and where it first shows."""

    bug: Bug
    first: str  # the first quantity where the bugged pass and the verified one part, in words


def reveal(trainer) -> Reveal:  # type: ignore[no-untyped-def]
    """Compare the bugged pass with the verified one at the trainer's current weights:
    the output, then each delta from the output back, then the gradients, then one update."""
    bug = trainer.bug
    if bug is None:
        raise ValueError("no bug is planted")
    net = trainer.network
    plain = Network(net.layout, net.activations, net.loss, net.feedback)
    W, b = trainer.layout.views(trainer.params)
    with np.errstate(all="ignore"):
        f_bug, f_ok = net.forward(trainer.X, W, b), plain.forward(trainer.X, W, b)
        b_bug, b_ok = net.backward(f_bug, trainer.Y, W), plain.backward(f_ok, trainer.Y, W)
    L = len(W)

    def differ(x: Array, y: Array) -> float | None:
        with np.errstate(all="ignore"):
            d = float(np.max(np.abs(x - y))) if x.size else 0.0
        return None if d == 0.0 else d

    candidates = [(f"the output a{L}", f_bug.a[-1], f_ok.a[-1])]
    candidates += [(f"the delta of layer {l + 1}", b_bug.delta[l], b_ok.delta[l]) for l in range(L - 1, -1, -1)]
    candidates += [(f"dW of layer {l + 1}", b_bug.dW[l], b_ok.dW[l]) for l in range(L - 1, -1, -1)]
    candidates += [(f"db of layer {l + 1}", b_bug.db[l], b_ok.db[l]) for l in range(L - 1, -1, -1)]
    for words, x, y in candidates:
        d = differ(x, y)
        if d is not None:
            return Reveal(bug, f"{words} (largest difference {d:.3g})")
    optimizer = trainer.optimizer
    plain_opt = Optimizer(**{k: v for k, v in asdict(optimizer).items() if k != "bug"})
    state = trainer.optimizer_state
    if bug.name == "accumulated_gradients":
        return Reveal(bug, "the update: it steps with the running sum of every gradient so far (the deltas are right)")
    new_bug = optimizer.apply(trainer.params, b_ok.grad, state, trainer.layout.n_weights)[0]
    new_ok = plain_opt.apply(trainer.params, b_ok.grad, state, trainer.layout.n_weights)[0]
    d = differ(new_bug, new_ok)
    if d is not None:
        kind, layer, _ = trainer.layout.locate(int(np.argmax(np.abs(new_bug - new_ok))))
        return Reveal(bug, f"the update of {kind} in layer {layer + 1} (the deltas and gradients are right)")
    return Reveal(bug, "nothing yet at these weights: the bug shows only later (large logits, or after an update)")
