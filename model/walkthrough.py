"""The chain rule for one weight and one sample, with this epoch's numbers.

`walkthrough(trainer, layer, row, column, sample)` follows the gradient of
W[layer][row, column] (row == fan_in names the bias b[layer][column]) from
the loss back to the weight, then on to the update the optimizer will make:

    a_prev -> z -> a -> delta (from the loss, or from the layer above)
           -> dL/dw for this sample = a_prev * delta
           -> dL/dw for the batch = mean over samples (= record.dW)
           -> update (optimizer step, penalty included)

Every figure is read from the engine's own arrays (z, a, delta, dW) or
computed from them the way the engine does, so what the user reads is what
the backward pass did. `lines()` gives the steps as (label, formula, value)
rows to print.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.diagnostics import optimizer_state_for
from model.errors import BackpropError
from model.names import bias_name, weight_name

if TYPE_CHECKING:
    from model.trainer import EpochRecord, Trainer

Array = np.ndarray


@dataclass(frozen=True)
class Term:
    """One unit k of the layer above: its share of the hidden unit's error.

    `weight` is W[layer+1][column, k]; `used` is what the backward pass
    multiplied by (the same weight, or B's entry under feedback alignment).
    """

    unit: int
    weight: float
    used: float
    delta: float
    product: float  # used * delta


@dataclass(frozen=True)
class Walkthrough:
    """One weight's gradient for one sample, step by step (layers 0-based)."""

    layer: int
    row: int
    column: int
    sample: int
    is_bias: bool
    n_samples: int
    n_outputs: int
    activation: str
    # forward
    a_prev: float  # the input this weight multiplies (1 for a bias)
    z: float
    a: float
    f_prime: float  # f'(z) of the unit
    # delta of the unit for this sample, as the backward pass computed it
    delta: float
    is_output: bool
    # output unit
    loss: str
    target: float | None
    dL_da: float | None  # d(loss of the sample)/d(a)
    fused: bool  # delta came from the fused form (y_hat - y)
    softmax_dot: float | None  # sum_k dL/da_k * a_k, for softmax without fusion
    # hidden unit
    terms: tuple[Term, ...]
    term_sum: float | None  # sum of the terms' products
    uses_feedback: bool  # the terms use fixed random feedback B, not W
    # gradient
    sample_grad: float  # a_prev * delta
    sample_grads: Array  # that for every sample
    batch_grad: float  # record.dW (or db), the mean of sample_grads
    # update
    optimizer: str
    lr: float
    old: float
    penalty: float  # l2*w + l1*sign(w) added to the gradient (0 for biases)
    new: float
    update: float  # new - old
    penalty_share: float  # the part of `update` due to the penalty
    exact: bool  # the update is what the next step() makes (full-batch mode)

    @property
    def weight_name(self) -> str:
        """The parameter's name, as every screen says it ('W2 h1→u3', 'b1 u2')."""
        return bias_name(self.layer, self.column) if self.is_bias else weight_name(self.layer, self.row, self.column)

    def steps(
        self, max_terms: int | None = None, number: Callable[[float], str] = lambda x: f"{x:+.4g}"
    ) -> list[tuple[str, str, float | None]]:
        """The chain rule as (key, what, value) rows, in the order the numbers happen.

        `what` says how the value was formed, in the UI's names (L1, x1, h2,
        u3, s1); a value of None marks a row that only explains (a section
        heading, feedback alignment, elided terms). Keys are stable ("z",
        "delta", "term-0", "batch-grad", ...). Hidden units list at most
        `max_terms` terms of their sum one by one; the sum covers all.
        `number` writes the values quoted inside a formula (the UI passes its
        tables' format, so they read as in the tables).
        """
        w = self
        L, j = w.layer + 1, w.column
        unit = f"L{L} u{j + 1}"
        sample = f"s{w.sample + 1}"
        f = w.activation
        d = "dL/db" if w.is_bias else "dL/dw"
        rows: list[tuple[str, str, float | None]] = [("forward", f"forward, sample {sample}", None)]
        if w.is_bias:
            rows.append(("input", "input: a bias multiplies 1", w.a_prev))
        elif w.layer == 0:
            rows.append(("input", f"input x{w.row + 1}", w.a_prev))
        else:
            rows.append(("input", f"input h{w.row + 1} = a of L{L - 1} u{w.row + 1}", w.a_prev))
        source = "x" if w.layer == 0 else f"a{L - 1}"
        rows.append(("z", f"z = {source} · W{L}[:,u{j + 1}] + b{L}[u{j + 1}]", w.z))
        rows.append(("a", f"a = {f}(z)", w.a))
        rows.append(("f'", f"f'(z) = {f}'(z)", w.f_prime))

        rows.append(("backward", f"backward: delta of {unit} = d loss({sample})/dz", None))
        if w.is_output:
            rows.append(("target", f"target y of {sample}", w.target))
            rows.append(("dL/da", f"dL/da of the {w.loss} loss", w.dL_da))
            if w.fused:
                how = "delta = a − y (f'(z) cancels in the loss)"
                if w.loss == "bce" and w.n_outputs > 1:
                    how = f"delta = (a − y) / {w.n_outputs} outputs (f'(z) cancels)"
                rows.append(("delta", how, w.delta))
            elif w.softmax_dot is not None:
                rows.append(("softmax-dot", "Σ dL/da·a over the outputs (softmax couples them)", w.softmax_dot))
                rows.append(("delta", "delta = a × (dL/da − Σ dL/da·a)", w.delta))
            else:
                rows.append(("delta", "delta = dL/da × f'(z)", w.delta))
        else:
            M = "B" if w.uses_feedback else "W"
            if w.uses_feedback:
                rows.append(("feedback", f"feedback alignment: fixed random B{L + 1} stands in for W{L + 1}", None))
            shown = w.terms if max_terms is None else w.terms[:max_terms]
            for t in shown:
                how = (
                    f"{M}{L + 1}[h{j + 1}→u{t.unit + 1}] × delta{L + 1} u{t.unit + 1} = "
                    f"{number(t.used)} × {number(t.delta)}"
                )
                if w.uses_feedback:
                    how += f" (W{L + 1} is {number(t.weight)})"
                rows.append((f"term-{t.unit}", how, t.product))
            if len(shown) < len(w.terms):
                rows.append(("more", f"… {len(w.terms) - len(shown)} more terms, all in the sum", None))
            rows.append(("sum", f"sum over the units of L{L + 1}", w.term_sum))
            rows.append(("delta", "delta = f'(z) × sum", w.delta))

        rows.append(("gradient", "gradient", None))
        rows.append(("sample-grad", f"{d} for {sample} = input × delta", w.sample_grad))
        rows.append(("batch-grad", f"{d} = mean over {w.n_samples} samples", w.batch_grad))
        if w.penalty:
            rows.append(("penalty", "+ penalty l2·w + l1·sign(w)", w.penalty))
        if w.exact:
            rows.append(("update", f"update ({w.optimizer}, lr {w.lr:g}): the next step", None))
        else:
            rows.append(
                ("update", f"update ({w.optimizer}, lr {w.lr:g}) on the full-batch gradient; batches differ", None)
            )
        rows.append(("now", "now (the Weights table)", w.old))
        sgd_rule = f" = −lr × {d}" if w.optimizer == "sgd" and not w.penalty else ""
        rows.append(("change", "change" + sgd_rule, w.update))
        if w.penalty:
            rows.append(("penalty-share", "of which the penalty", w.penalty_share))
        rows.append(("next", "next = now + change", w.new))
        return rows


def _check_index(name: str, value: int, size: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise BackpropError(f"{name} must be a whole number, got {value!r}")
    if not 0 <= value < size:
        raise BackpropError(f"{name} {value} is out of range: {what} has 0 to {size - 1}")
    return int(value)


def walkthrough(
    trainer: "Trainer",
    layer: int,
    row: int,
    column: int,
    sample: int,
    record: "EpochRecord | None" = None,
) -> Walkthrough:
    """The gradient of W[layer][row, column] (or bias, row == fan_in) for one sample.

    Indices are 0-based; `layer` 0 is the UI's L1. Raises BackpropError on
    an index that does not exist.
    """
    if record is None:
        record = trainer.record
    network = trainer.network
    n_layers = network.n_layers
    layer = _check_index("layer", layer, n_layers, "the network's layers")
    fan_in, fan_out = trainer.layout.shapes[layer]
    row = _check_index("row", row, fan_in + 1, f"layer {layer + 1} ({fan_in} inputs, then the bias)")
    column = _check_index("column", column, fan_out, f"layer {layer + 1}'s units")
    n = trainer.X.shape[0]
    sample = _check_index("sample", sample, n, "the training set")
    is_bias = row == fan_in

    fwd, bwd = record.forward, record.backward
    act = network.activations[layer]
    a_prev_col = np.ones(n, dtype=fwd.z[layer].dtype) if is_bias else fwd.layer_input(layer)[:, row]
    z = float(fwd.z[layer][sample, column])
    a = float(fwd.a[layer][sample, column])
    f_prime = float(act.derivative(fwd.z[layer][sample : sample + 1], fwd.a[layer][sample : sample + 1])[0, column])
    delta_col = bwd.delta[layer][:, column]
    delta = float(delta_col[sample])

    is_output = layer == n_layers - 1
    target = dL_da = softmax_dot = term_sum = None
    fused = False
    terms: tuple[Term, ...] = ()
    uses_feedback = network.feedback is not None and not is_output
    if is_output:
        y_hat = fwd.a[-1][sample : sample + 1]
        y = trainer.Y[sample : sample + 1]
        target = float(y[0, column])
        grad_a = network.loss.gradient(y_hat, y)
        dL_da = float(grad_a[0, column])
        fused = network.uses_fused_delta
        if not fused and not act.elementwise:
            softmax_dot = float((grad_a * y_hat).sum())
    else:
        back = (network.feedback if uses_feedback else record.W)[layer + 1]  # type: ignore[index]
        used = back[column]
        weights = record.W[layer + 1][column]
        deltas = bwd.delta[layer + 1][sample]
        products = used * deltas
        terms = tuple(
            Term(k, float(weights[k]), float(used[k]), float(deltas[k]), float(products[k]))
            for k in range(used.shape[0])
        )
        term_sum = float(deltas @ used)

    sample_grads = a_prev_col * delta_col
    grad_view = bwd.db[layer][column] if is_bias else bwd.dW[layer][row, column]

    # The update, from the optimizer itself, with and without the penalty.
    state = optimizer_state_for(trainer, record)
    optimizer = trainer.optimizer
    n_weights = trainer.layout.n_weights
    grad = bwd.grad
    new_params, _ = optimizer.apply(record.params, grad, state, n_weights)
    bare_params, _ = dataclasses.replace(optimizer, l1=0.0, l2=0.0).apply(record.params, grad, state, n_weights)

    def pick(flat: Array) -> float:
        W, b = trainer.layout.views(flat)
        return float(b[layer][column] if is_bias else W[layer][row, column])

    old = pick(record.params)
    new = pick(new_params)
    bare_new = pick(bare_params)
    penalty = 0.0
    if not is_bias:
        penalty = optimizer.l2 * old + optimizer.l1 * float(np.sign(old))

    return Walkthrough(
        layer=layer,
        row=row,
        column=column,
        sample=sample,
        is_bias=is_bias,
        n_samples=n,
        n_outputs=trainer.layout.sizes[-1],
        activation=act.name,
        a_prev=float(a_prev_col[sample]),
        z=z,
        a=a,
        f_prime=f_prime,
        delta=delta,
        is_output=is_output,
        loss=network.loss.name,
        target=target,
        dL_da=dL_da,
        fused=fused,
        softmax_dot=softmax_dot,
        terms=terms,
        term_sum=term_sum,
        uses_feedback=uses_feedback,
        sample_grad=float(sample_grads[sample]),
        sample_grads=sample_grads,
        batch_grad=float(grad_view),
        optimizer=optimizer.kind,
        lr=optimizer.lr,
        old=old,
        penalty=penalty,
        new=new,
        update=new - old,
        penalty_share=(new - old) - (bare_new - old),
        exact=trainer.config.mode == "full" and record.params is trainer.params,
    )
