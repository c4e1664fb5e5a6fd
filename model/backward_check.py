"""Compare a learner's forward and backward pass with the verified engine,
layer by layer, and say which quantity first goes wrong, and why.

Why: the usual advice (one global gradient-check number, or PyTorch by hand)
says that something is wrong, not where. Here every quantity the learner
returns (z, a, the loss, dz, dW, db, the updated weights) is compared in the
order it is computed, under the conventions that are not bugs (dz of the
batch mean or of the summed loss, half-MSE, weights stored transposed, bias
as (1, n)); the first disagreement is matched against the signatures of the
classic bugs (model/bugs.py names them).

Everything here is plain data: `check_arrays` takes the engine's trainer and
the arrays a `LearnerRun` brought back and returns a `CheckReport`; the
command line and the app only present it.
"""

from __future__ import annotations

import numpy as np

from model.check_epochs import compare_epochs
from model.check_signatures import close, describe_difference, difference, dW_signature, dz_signature
from model.check_verdict import EXIT_AGREES, EXIT_DISAGREES, EXIT_UNUSABLE, CheckReport, Row, title_of
from model.learner_runner import LearnerRun
from model.trainer import Trainer

# The verdict's names stay importable from here (the command line and the app use them).
__all__ = ["EXIT_AGREES", "EXIT_DISAGREES", "EXIT_UNUSABLE", "CheckReport", "check_arrays", "check_file", "title_of"]

Array = np.ndarray


class Checker:
    """One comparison of a learner's arrays with the engine's epoch-0 record, quantity by quantity."""

    def __init__(self, trainer: Trainer, run: LearnerRun, lr: float):
        self.t = trainer
        self.run = run
        self.lr = lr
        self.report = CheckReport()
        rec = trainer.record
        self.X, self.Y = trainer.X.astype(np.float64), trainer.Y.astype(np.float64)
        self.N = self.X.shape[0]
        self.W = [w.astype(np.float64) for w in rec.W]
        self.b = [v.astype(np.float64) for v in rec.b]
        self.z = [x.astype(np.float64) for x in rec.z]
        self.a = [x.astype(np.float64) for x in rec.a]
        self.delta = [x.astype(np.float64) for x in rec.delta]
        self.dW = [x.astype(np.float64) for x in rec.dW]
        self.db = [x.astype(np.float64) for x in rec.db]
        self.loss = float(rec.loss)
        self.acts = trainer.network.activations
        self.loss_name = trainer.network.loss.name
        self.L = len(self.W)
        self.s_dz = 1.0 / self.N
        self.s_g = 1.0

    # ------------------------------------------------------------- helpers

    def arr(self, key: str) -> Array | None:
        return self.run.arrays.get(key)

    def add(self, quantity: str, layer: int, mine: Array, ref: Array, note: str = "") -> Row:
        max_abs, rel, agrees = difference(mine, ref)
        row = Row(quantity, layer, max_abs, rel, agrees, note)
        self.report.rows.append(row)
        return row

    def first(self, row: Row, bug: str | None, explanation: str) -> None:
        if self.report.first is None and not row.agrees:
            self.report.first = row
            self.report.bug = bug
            self.report.explanation = explanation

    def shape_reason(self) -> str | None:
        """Why the arrays cannot be compared (exit 2), or None; normalises (1, n) biases."""
        run = self.run
        for l in range(1, self.L + 1):
            fan_in, fan_out = self.W[l - 1].shape
            expected = {
                f"forward/z{l}": (self.N, fan_out),
                f"forward/a{l}": (self.N, fan_out),
                f"backward/dz{l}": (self.N, fan_out),
                f"again/dz{l}": (self.N, fan_out),
            }
            w_shape = (fan_out, fan_in) if run.transposed else (fan_in, fan_out)
            for prefix in ("backward", "again"):
                if (dW := run.arrays.get(f"{prefix}/dW{l}")) is not None:
                    if dW.shape != w_shape:
                        hint = (
                            " (it looks transposed: a_prev.T @ dz gives the right shape)"
                            if dW.shape == w_shape[::-1]
                            else ""
                        )
                        return f"backward()['dW{l}'] has shape {dW.shape}; expected {w_shape}{hint}"
                    if run.transposed:
                        run.arrays[f"{prefix}/dW{l}"] = dW.T
                for q in ("db",):
                    key = f"{prefix}/{q}{l}"
                    v = run.arrays.get(key)
                    if v is None:
                        continue
                    if v.shape == (1, fan_out):
                        run.arrays[key] = v.reshape(fan_out)
                        self.convention("bias as (1, n): db returned with shape (1, n)")
                    elif v.shape == (self.N, fan_out) and self.N != 1:
                        continue  # dz itself: compared (and named) below
                    elif v.shape != (fan_out,):
                        return f"backward()['db{l}'] has shape {v.shape}; expected ({fan_out},) or (1, {fan_out})"
            for key, shape in expected.items():
                v = run.arrays.get(key)
                if v is not None and v.shape != shape:
                    return f"{key.split('/')[0]}()['{key.split('/')[1]}'] has shape {v.shape}; expected {shape}"
            wanted: tuple[tuple[str, tuple[int, ...]], ...] = (("W", (fan_in, fan_out)), ("b", (fan_out,)))
            for q, want_shape in wanted:
                key = f"update/{q}{l}"
                v = run.arrays.get(key)
                if v is None:
                    continue
                if q == "b" and v.shape == (1, fan_out):
                    run.arrays[key] = v.reshape(fan_out)
                    self.convention("bias as (1, n): update returns b with shape (1, n)")
                elif v.shape != want_shape:
                    return f"update()['{q}{l}'] has shape {v.shape}; expected {want_shape}"
        loss = run.arrays.get("loss")
        if loss is not None and loss.size != 1:
            return f"loss(Y, Y_hat) returned {loss.size} values; expected one number (the mean over the batch)"
        return None

    def convention(self, text: str) -> None:
        if text not in self.report.conventions:
            self.report.conventions.append(text)

    # ------------------------------------------------------------- the check

    def check(self) -> CheckReport:
        if not self.run.ok:
            reason: str = self.run.reason or ""
            if self.run.printed_lines and "printed" not in reason:
                first = self.run.printed.splitlines()[0][:60] if self.run.printed else ""
                reason += f" (it printed {self.run.printed_lines} line(s), the first: {first!r})"
            self.report.reason = reason
            return self.report
        if self.run.printed_lines:
            self.report.notes.append(
                f"the file printed {self.run.printed_lines} line(s); the first: "
                f"{self.run.printed.splitlines()[0][:80]!r}"
            )
        problem = self.shape_reason()
        if problem is not None:
            self.report.reason = problem
            return self.report
        if self.run.transposed:
            self.convention("weights stored transposed: W{l} as (fan_out, fan_in), z = a_prev @ W.T")
        self.forward()
        self.loss_row()
        self.scales()
        self.backward()
        self.again()
        self.update()
        self.probe()
        return self.report

    def forward(self) -> None:
        for l in range(self.L):
            for q, ref in (("z", self.z[l]), ("a", self.a[l])):
                mine = self.arr(f"forward/{q}{l + 1}")
                assert mine is not None
                row = self.add(q, l + 1, mine, ref)
                if not row.agrees:
                    prev = self.X if l == 0 else self.a[l - 1]
                    if q == "z" and close(mine, prev @ self.W[l]):
                        why = f"z{l + 1} leaves out the bias b{l + 1}"
                    elif q == "a":
                        why = f"a{l + 1} is not {self.acts[l].name}(z{l + 1}): {describe_difference(mine, ref)}"
                    else:
                        why = describe_difference(mine, ref)
                    self.first(row, "wrong_forward", why)

    def loss_row(self) -> None:
        mine = self.arr("loss")
        if mine is None:
            return
        value = float(mine.reshape(()))
        ref = self.loss
        for factor, text in (
            (1.0, ""),
            (self.N, "the loss is summed over samples (the engine reports the mean)"),
            (0.5, "the loss is half the MSE (½·mean)"),
            (0.5 * self.N, "the loss is ½ · the sum"),
        ):
            if text and self.loss_name != "mse" and factor in (0.5, 0.5 * self.N):
                continue
            if close(np.array([value]), np.array([factor * ref])):
                if text:
                    self.convention(text)
                self.add("loss", 0, np.array([value / factor]), np.array([ref]))
                return
        row = self.add("loss", 0, np.array([value]), np.array([ref]))
        self.first(
            row,
            None,
            f"yours {value:+.6g}, the engine's {self.loss_name} {ref:+.6g}: "
            f"{describe_difference(np.array([value]), np.array([ref]))}",
        )

    def scales(self) -> None:
        """The learner's conventions: dz = s_dz * delta, dW = s_g * mean dW."""
        L = self.L
        dz = self.arr(f"backward/dz{L}")
        dW = self.arr(f"backward/dW{L}")
        dz_scales = [1.0 / self.N, 1.0] + ([0.5 / self.N, 0.5] if self.loss_name == "mse" else [])
        g_scales = [1.0, float(self.N)] + ([0.5, 0.5 * self.N] if self.loss_name == "mse" else [])
        s_dz = next((s for s in dz_scales if dz is not None and close(dz, s * self.delta[-1])), None)
        s_g = next((s for s in g_scales if dW is not None and close(dW, s * self.dW[-1])), None)
        if s_g is None and s_dz is not None:
            s_g = s_dz * self.N
        if s_dz is None and s_g is not None:
            s_dz = s_g / self.N if self.N > 1 else s_g
        self.s_dz = s_dz if s_dz is not None else 1.0 / self.N
        self.s_g = s_g if s_g is not None else 1.0
        self.report.grad_scale = self.s_g
        half = self.s_dz in (0.5 / self.N, 0.5) and s_dz is not None
        if s_dz is not None and dz is not None:
            per_sample = self.s_dz * (2.0 if half else 1.0)
            self.convention(
                "dz is the gradient of the batch-mean loss (the engine's delta / N), as most write-ups do"
                if per_sample * self.N == 1.0 and self.N > 1
                else "dz is the gradient of the summed loss (the engine's per-sample delta)"
            )
        if s_g is not None:
            if (self.s_g * (2.0 if half else 1.0)) == 1.0:
                self.convention("dW and db are batch means")
            else:
                self.convention("dW and db are sums over the batch (an update with lr is the engine's with lr x N)")
        if half:
            self.convention(
                "the MSE gradient lacks its factor 2 (it is the gradient of ½·MSE): harmless, "
                "the same run as the engine's with lr / 2 (the lab's mse_no_factor_2)"
            )
            self.report.bug = "mse_no_factor_2"

    def backward(self) -> None:
        for l in range(self.L - 1, -1, -1):
            self.backward_layer(l)

    def backward_layer(self, l: int) -> None:
        s, g = self.s_dz, self.s_g
        n = l + 1
        ref_dz = s * self.delta[l]
        mine = self.arr(f"backward/dz{n}")
        if mine is not None:
            row = self.add("dz", n, mine, ref_dz)
            if not row.agrees:
                bug, why = dz_signature(self, l, mine)
                self.first(row, bug, why)
        mine_dW = self.arr(f"backward/dW{n}")
        assert mine_dW is not None
        row = self.add("dW", n, mine_dW, g * self.dW[l])
        if not row.agrees:
            self.first(row, *dW_signature(self, l, mine_dW))
        mine_db = self.arr(f"backward/db{n}")
        assert mine_db is not None
        ref_db = g * self.db[l]
        if mine_db.shape != ref_db.shape:  # dz itself, not summed
            row = Row("db", n, float("inf"), float("inf"), False, "shape (N, n)")
            self.report.rows.append(row)
            self.first(
                row,
                "missing_bias_gradient",
                f"db{n} is dz{n} itself: it is not summed over the samples (db = dz.sum(axis=0))",
            )
            return
        row = self.add("db", n, mine_db, ref_db)
        if not row.agrees:
            if not mine_db.any():
                why = f"db{n} is all zeros: the bias gradient is missing"
            else:
                why = f"db{n}: {describe_difference(mine_db, ref_db)}"
            self.first(row, "missing_bias_gradient", why)

    def again(self) -> None:
        """A second call on the same inputs must give the same gradients."""
        for l in range(self.L, 0, -1):
            for q in ("dW", "db"):
                first, second = self.arr(f"backward/{q}{l}"), self.arr(f"again/{q}{l}")
                if first is None or second is None or first.shape != second.shape:
                    continue
                row = self.add(f"{q} (2nd call)", l, second, first)
                if not row.agrees:
                    ratio = describe_difference(second, first)
                    self.first(
                        row,
                        "accumulated_gradients",
                        f"a second call of backward on the same inputs gave {q}{l} {ratio}: gradients "
                        f"accumulate across calls (a dict or array made once and added to, never reset)",
                    )
        for name in (k.split("/")[1] for k in self.run.arrays if k.startswith("changed/")):
            self.report.notes.append(f"backward changed params['{name}'] in place")

    def update(self) -> None:
        if not self.run.has_update:
            return
        for l in range(1, self.L + 1):
            for q, start in (("W", self.W[l - 1]), ("b", self.b[l - 1])):
                mine = self.arr(f"update/{q}{l}")
                grad = self.arr(f"backward/d{q}{l}")
                if mine is None or grad is None or grad.shape != start.shape:
                    continue
                ref = start - self.lr * grad
                row = self.add(f"{q} updated", l, mine, ref)
                if row.agrees:
                    continue
                if close(mine, start + self.lr * grad):
                    self.first(
                        row,
                        "lr_sign_flipped",
                        f"{q}{l} moved up the gradient: {q} + lr d{q} where {q} - lr d{q} belongs (the loss will rise)",
                    )
                elif np.array_equal(mine, start) and grad.any():
                    bug = "missing_bias_update" if q == "b" else None
                    self.first(row, bug, f"{q}{l} is not updated at all (d{q}{l} is computed but never applied)")
                else:
                    self.first(row, None, f"{q}{l} after the update: {describe_difference(mine, ref)}")

    def probe(self) -> None:
        mine = self.arr("probe/a")
        if mine is None:
            return
        W, b = probe_weights(self.W, self.b)
        ref = self.t.network.forward(self.X, W, b).a[-1]
        if not np.isfinite(mine).all() and np.isfinite(ref).all():
            row = Row("a (logits near 800)", self.L, float("inf"), float("inf"), False)
            self.report.rows.append(row)
            self.first(
                row,
                "softmax_no_max",
                f"with a logit near 800, a{self.L} turns to NaN: exp overflows "
                f"because softmax does not subtract the row's max first",
            )


def probe_weights(W: list[Array], b: list[Array]) -> tuple[list[Array], list[Array]]:
    """The same weights with the first output's bias raised by 800: softmax must stay finite."""
    b2 = [v.astype(np.float64).copy() for v in b]
    b2[-1][0] += 800.0
    return [w.astype(np.float64) for w in W], b2


def check_arrays(trainer: Trainer, run: LearnerRun, lr: float) -> CheckReport:
    """Compare what the learner's file returned with the engine's epoch-0 record."""
    return Checker(trainer, run, lr).check()


def check_file(path: str, trainer: Trainer, epochs: int = 0, timeout: float | None = None) -> CheckReport:
    """The whole check: run the learner's file on the engine's epoch-0 weights and data
    (in a child, with a time limit), compare, and with `epochs` compare whole runs."""
    from model.learner_runner import DEFAULT_TIMEOUT, run_learner

    config = trainer.config
    if trainer.bug is not None or trainer.network.feedback is not None or trainer.params.dtype != np.float64:
        # Always against the verified engine, in float64, at the same weights.
        config = config.replace(feedback_alignment=False, dtype="float64")
        trainer = Trainer(config, trainer.data, trainer.params.astype(np.float64))
    rec = trainer.record
    W = [w.astype(np.float64) for w in rec.W]
    b = [v.astype(np.float64) for v in rec.b]
    probe = probe_weights(W, b) if trainer.network.activations[-1].name == "softmax" else None
    run = run_learner(
        path,
        trainer.X.astype(np.float64),
        trainer.Y.astype(np.float64),
        W,
        b,
        config.lr,
        epochs=epochs,
        probe=probe,
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
    )
    report = check_arrays(trainer, run, config.lr)
    if report.reason is None and epochs:
        compare_epochs(config, trainer, run, report)
    return report
