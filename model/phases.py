"""The phases of one epoch, in the order backpropagation computes them.

A step (`Trainer.step`) moves a whole epoch at once; a learner wants to see
it happen piece by piece. `epoch_phases(trainer)` yields the same epoch as
plain-data `Phase` records, batch by batch:

    forward L1 .. forward Lk     z = a_prev @ W + b, then a = f(z)
    loss                         the batch's mean loss
    output delta Lk              d(loss of each sample)/dz of the output
    backward Lk-1 delta .. L1    delta[l] = (delta[l+1] @ W[l+1].T) * f'(z[l])
    gradients Lk .. L1           dW = a_prev.T @ delta / N, db = mean delta
    update                       the optimizer's step on every weight

In full-batch mode that is one batch (every training sample, at this epoch's
weights). In mini-batch and per-sample modes the training set is shuffled
with the trainer's own generator state, exactly as `Trainer.step` shuffles
it, and each batch runs the phases above at the weights the previous batch
left (per-sample SGD, as in the neuron-by-neuron write-ups).

Nothing is derived twice: each batch goes through the network's own
`forward` and `backward` and the optimizer's own `apply`, the calls
`Trainer.step` makes, in the same order on the same arrays. The phases only
cut those results into the order a person reads them. So after the last
phase the weights (and the epoch's loss) equal those of one ordinary step
bit for bit, and the trainer itself is not touched: stepping through the
phases is looking, `Trainer.step` is doing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from model.trainer import Trainer

Array = np.ndarray

KINDS = ("forward", "loss", "output_delta", "delta", "gradients", "update")


@dataclass(frozen=True)
class Highlight:
    """The cells of the layer inspector a phase computes.

    `view` is one of the inspector's views ("acts", "deltas", "grads",
    "weights"); `layers` 0-based; `rows` the training samples (indices into
    the training set) whose rows it computes, or None for every row.
    """

    view: str
    layers: tuple[int, ...]
    rows: tuple[int, ...] | None


@dataclass(frozen=True, eq=False)
class Phase:
    """One phase of an epoch: what it computed, from what, by which formula.

    `layer` is 0-based (the screen names it L{layer + 1}); None for the loss
    and the update. `samples` are the indices, in the training set, of the
    batch's rows, in the order the batch holds them. `arrays` holds the
    arrays the phase read and the ones it produced (`produced` names the
    latter); they are the engine's own arrays, shared: read-only.
    """

    epoch: int  # the phase leads from this epoch to the next
    index: int  # position among the epoch's phases, from 0
    count: int  # how many phases the epoch has
    kind: str
    layer: int | None
    n_layers: int
    batch: int  # from 0
    n_batches: int
    mode: str  # "full", "minibatch" or "sgd"
    samples: Array
    formula: str
    arrays: Mapping[str, Array] = field(repr=False)
    produced: tuple[str, ...]

    @property
    def name(self) -> str:
        """The phase in words, as the screen shows it: "forward L1", "backward L1 delta"."""
        n = "" if self.layer is None else f"L{self.layer + 1}"
        return {
            "forward": f"forward {n}",
            "loss": "loss",
            "output_delta": f"output delta {n}",
            "delta": f"backward {n} delta",
            "gradients": f"gradients {n}",
            "update": "update",
        }[self.kind]

    @property
    def where(self) -> str:
        """Which samples the phase works on, in words."""
        n = len(self.samples)
        if self.mode == "full":
            return f"all {n} samples"
        if self.mode == "sgd":
            return f"sample {int(self.samples[0]) + 1} ({self.batch + 1} of {self.n_batches})"
        return f"batch {self.batch + 1} of {self.n_batches} ({n} samples)"

    @property
    def last(self) -> bool:
        """The epoch's final phase: after it the trainer's next step is done."""
        return self.index == self.count - 1

    @property
    def edges(self) -> tuple[int, ...]:
        """The layers whose weights (diagram edges) the phase uses or changes."""
        if self.kind in ("forward", "gradients"):
            return (self.layer,)  # type: ignore[return-value]
        if self.kind == "delta":
            return (self.layer + 1,)  # type: ignore[operator]
        if self.kind == "update":
            return tuple(range(self.n_layers))
        return ()

    @property
    def nodes(self) -> tuple[int, ...]:
        """The diagram columns (0 = inputs, l + 1 = layer l's units) the phase computes."""
        if self.kind in ("forward", "output_delta", "delta"):
            return (self.layer + 1,)  # type: ignore[operator]
        if self.kind == "loss":
            return (self.n_layers,)
        return ()

    @property
    def highlight(self) -> Highlight | None:
        """The inspector cells this phase computes (None: none of them)."""
        rows = None if self.mode == "full" else tuple(int(i) for i in self.samples)
        if self.kind == "forward":
            return Highlight("acts", (self.layer,), rows)  # type: ignore[arg-type]
        if self.kind in ("output_delta", "delta"):
            return Highlight("deltas", (self.layer,), rows)  # type: ignore[arg-type]
        if self.kind == "gradients":
            return Highlight("grads", (self.layer,), None)  # type: ignore[arg-type]
        if self.kind == "update":
            return Highlight("weights", tuple(range(self.n_layers)), None)
        return None


def phases_per_batch(n_layers: int) -> int:
    """forward per layer, loss, output delta, hidden deltas, gradients per layer, update."""
    return 3 * n_layers + 2


def _batches(trainer: "Trainer") -> tuple[str, list[Array]]:
    """The epoch's batches as index arrays, drawn as `Trainer.step` draws them."""
    config = trainer.config
    n = trainer.X.shape[0]
    if config.mode == "full":
        return "full", [np.arange(n)]
    rng = np.random.default_rng()
    rng.bit_generator.state = trainer.state_dict()["rng"]
    size = 1 if config.mode == "sgd" else min(config.batch_size, n)
    order = rng.permutation(n)
    return config.mode, [order[start : start + size] for start in range(0, n, size)]


def _derivative_text(name: str) -> str:
    return {
        "sigmoid": "a(1-a)",
        "tanh": "1-a^2",
        "relu": "[z>0]",
        "leaky_relu": "[z>0] or 0.01",
        "linear": "1",
        "softmax": "a(1-a)",
    }.get(name, "f'(z)")


def epoch_phases(trainer: "Trainer") -> Iterator[Phase]:
    """The phases of the epoch `trainer.step()` would train next, in order.

    Lazy: a batch is computed when its first phase is asked for. The trainer
    is only read (its generator is copied, never advanced).
    """
    network = trainer.network
    layout = trainer.layout
    optimizer = trainer.optimizer
    state = trainer.state_dict()
    epoch = state["epoch"]
    params, opt = state["params"], state["opt"]
    n_weights = layout.n_weights
    L = network.n_layers
    mode, batches = _batches(trainer)
    per_batch = phases_per_batch(L)
    count = per_batch * len(batches)
    back_name = "W" if network.feedback is None else "B"
    loss_sum = 0.0
    n_total = trainer.X.shape[0]
    index = 0

    for batch, idx in enumerate(batches):
        W, b = layout.views(params)
        if mode == "full":
            # The gradient of the whole set at this epoch's weights: the one the
            # step applies (the record holds it, computed by the same calls).
            X, Y = trainer.X, trainer.Y
            fwd, bwd = trainer.record.forward, trainer.record.backward
        else:
            X, Y = trainer.X[idx], trainer.Y[idx]
            fwd = network.forward(X, W, b)
            bwd = network.backward(fwd, Y, W)
        m = idx.shape[0]

        def phase(
            kind: str, layer: int | None, formula: str, arrays: dict[str, Array], produced: tuple[str, ...]
        ) -> Phase:
            nonlocal index
            record = Phase(
                epoch, index, count, kind, layer, L, batch, len(batches), mode, idx, formula, arrays, produced
            )
            index += 1
            return record

        for l in range(L):
            yield phase(
                "forward",
                l,
                f"z{l + 1} = a{l} @ W{l + 1} + b{l + 1};  a{l + 1} = {network.activations[l].name}(z{l + 1})",
                {"a_prev": fwd.layer_input(l), "W": W[l], "b": b[l], "z": fwd.z[l], "a": fwd.a[l]},
                ("z", "a"),
            )

        per_sample = network.sample_loss(fwd, Y)
        loss = network.loss_of(fwd, Y)
        loss_sum += loss * m
        yield phase(
            "loss",
            None,
            f"loss = mean over the batch of {network.loss.name}(y_hat, y)",
            {"y_hat": fwd.a[-1], "y": Y, "sample_loss": per_sample, "loss": np.array(loss)},
            ("sample_loss", "loss"),
        )

        if network.uses_fused_delta:
            out_formula = f"delta{L} = y_hat - y   ({network.activations[-1].name} with {network.loss.name})"
        else:
            out_formula = f"delta{L} = dLoss/dy_hat * f'(z{L})   ({network.loss.name}, {network.activations[-1].name})"
        yield phase(
            "output_delta",
            L - 1,
            out_formula,
            {"y_hat": fwd.a[-1], "y": Y, "z": fwd.z[-1], "delta": bwd.delta[L - 1]},
            ("delta",),
        )

        back = W if network.feedback is None else list(network.feedback)
        for l in range(L - 2, -1, -1):
            act = network.activations[l]
            yield phase(
                "delta",
                l,
                f"delta{l + 1} = (delta{l + 2} @ {back_name}{l + 2}.T) * f'(z{l + 1}),  "
                f"f'(z) = {_derivative_text(act.name)}",
                {
                    "delta_next": bwd.delta[l + 1],
                    back_name: back[l + 1],
                    "fprime": act.derivative(fwd.z[l], fwd.a[l]),
                    "delta": bwd.delta[l],
                },
                ("delta",),
            )

        for l in range(L - 1, -1, -1):
            yield phase(
                "gradients",
                l,
                f"dW{l + 1} = a{l}.T @ delta{l + 1} / {m};  db{l + 1} = sum of delta{l + 1} / {m}",
                {"a_prev": fwd.layer_input(l), "delta": bwd.delta[l], "dW": bwd.dW[l], "db": bwd.db[l]},
                ("dW", "db"),
            )

        new_params, opt = optimizer.apply(params, bwd.grad, opt, n_weights)
        W_new, b_new = layout.views(new_params)
        arrays: dict[str, Array] = {"params_before": params, "grad": bwd.grad, "params": new_params}
        for l in range(L):
            arrays[f"W{l}"] = W_new[l]
            arrays[f"b{l}"] = b_new[l]
        if mode != "full" and batch == len(batches) - 1:
            # The epoch's train loss as the trainer reports it: the running mean over batches.
            arrays["epoch_loss"] = np.array(loss_sum / n_total)
        penalty = " + penalties" if optimizer.l1 or optimizer.l2 else ""
        yield phase(
            "update",
            None,
            f"{optimizer.kind}: W <- W - {optimizer.lr:g} * (dW{penalty})"
            if optimizer.kind == "sgd"
            else f"{optimizer.kind} (lr {optimizer.lr:g}): W, b <- step(W, b, dW{penalty}, state)",
            arrays,
            tuple(f"W{l}" for l in range(L)) + tuple(f"b{l}" for l in range(L)) + ("params",),
        )
        params = new_params


class PhaseWalk:
    """A cursor over one epoch's phases that can go back: the phases met so
    far are kept (they are immutable), later ones are computed on demand."""

    def __init__(self, trainer: "Trainer"):
        self.epoch = trainer.epoch
        self.start_params = trainer.params
        self._source = epoch_phases(trainer)
        self._seen: list[Phase] = []
        self.position = -1  # no phase shown yet

    def _fetch(self, index: int) -> Phase:
        while len(self._seen) <= index:
            self._seen.append(next(self._source))
        return self._seen[index]

    @property
    def current(self) -> Phase | None:
        return self._seen[self.position] if self.position >= 0 else None

    @property
    def finished(self) -> bool:
        """The last phase (the update) is shown."""
        phase = self.current
        return phase is not None and phase.last

    def forward(self) -> Phase:
        """The next phase (the first one the first time)."""
        if self.finished:
            raise IndexError("the epoch's phases are all done")
        self.position += 1
        return self._fetch(self.position)

    def back(self) -> Phase | None:
        """The previous phase; None (and no phase shown) before the first."""
        if self.position >= 0:
            self.position -= 1
        return self.current

    @property
    def count(self) -> int:
        """How many phases the epoch has."""
        return self._fetch(0).count

    def go_to_last(self) -> Phase:
        """Show the update that ends the epoch (every batch is computed)."""
        return self.go_to(self.count - 1)

    def go_to(self, index: int) -> Phase:
        """Show phase `index` (0-based), computing the batches up to it."""
        self.position = -1
        phase = self._fetch(index)
        self.position = index
        return phase
