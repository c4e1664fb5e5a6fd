"""How a learner's array differs from the engine's, and which classic bug
(model/bugs.py) a difference looks like: the comparison itself (within
tolerances) and the signatures of a wrong dz or dW.

Used by model/backward_check.py, which compares the quantities in the
order they are computed and asks here what the first difference means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from model.backward_check import Checker

Array = np.ndarray

RTOL = 1e-6
ATOL = 1e-9


def difference(mine: Array, ref: Array) -> tuple[float, float, bool]:
    """The largest absolute and relative difference, and whether they are within tolerance."""
    with np.errstate(all="ignore"):
        d = np.abs(mine - ref)
        max_abs = float(d.max()) if d.size else 0.0
        scale = float(np.abs(ref).max()) if ref.size else 0.0
    if not np.isfinite(max_abs):
        return float("inf"), float("inf"), False
    agrees = max_abs <= ATOL + RTOL * scale
    rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float("inf"))
    return max_abs, rel, agrees


def close(mine: Array, ref: Array) -> bool:
    """Same shape, and equal within tolerance."""
    return mine.shape == ref.shape and difference(mine, ref)[2]


def describe_difference(mine: Array, ref: Array) -> str:
    """What a difference looks like, when no classic signature fits."""
    if not np.isfinite(mine).all():
        return "yours holds NaN or infinity where the engine's is finite"
    if not mine.any() and ref.any():
        return "yours is all zeros"
    if close(mine, -ref):
        return "the sign is flipped"
    if mine.ndim == 2 and mine.shape[0] == mine.shape[1] and close(mine, ref.T):
        return "yours is the transpose of the engine's"
    with np.errstate(all="ignore"):
        mask = np.abs(ref) > 1e-12
        if mask.any():
            ratio = mine[mask] / ref[mask]
            if np.allclose(ratio, ratio[0], rtol=1e-6) and close(mine, ratio[0] * ref):
                return f"off by a factor {ratio[0]:.6g} everywhere"
    with np.errstate(all="ignore"):
        d = np.abs(mine - ref)
    bad = d > ATOL + RTOL * np.abs(ref).max()
    idx = np.unravel_index(int(np.argmax(d)), d.shape)
    where = "[" + ", ".join(str(int(i)) for i in idx) + "]"
    return (
        f"{int(bad.sum())} of {bad.size} values differ; the largest at {where}: "
        f"yours {float(mine[idx]):+.6g}, the engine's {float(ref[idx]):+.6g}"
    )


def dz_signature(c: Checker, l: int, mine: Array) -> tuple[str | None, str]:
    """The classic bug that the learner's dz of layer l + 1 looks like, and the words for it."""
    s = c.s_dz
    n = l + 1
    act = c.acts[l]
    z, a = c.z[l], c.a[l]
    f_at_a = act.derivative(a, act.forward(a)) if act.elementwise else None
    if l == c.L - 1:
        Y = c.Y
        scales = [1.0 / c.N, 1.0, 0.5 / c.N, 0.5]
        other = {"mse": "bce_delta_mse_loss"}.get(c.loss_name, "other_loss_delta")
        for k in scales:
            if close(mine, k * (a - Y)) and c.loss_name != "ce":
                return other, (
                    f"dz{n} is (a{n} - Y): the delta of cross-entropy, but the loss is "
                    f"{c.loss_name}; the {act.name} derivative and the loss's factor are missing"
                )
        if act.elementwise:
            grad_a = c.t.network.loss.gradient(a, Y)
            for k in scales:
                if close(mine, k * grad_a * act.derivative(z, a) ** 2):
                    return "derivative_twice", f"dz{n} has the {act.name} derivative applied twice"
                if f_at_a is not None and close(mine, k * grad_a * f_at_a):
                    return "derivative_at_a", f"dz{n} takes the {act.name} derivative at a{n} instead of z{n}"
                if c.loss_name == "mse" and close(mine, k * grad_a):
                    return "missing_derivative", f"dz{n} leaves out the {act.name} derivative f'(z{n})"
    else:
        W_next = c.W[l + 1]
        back = (s * c.delta[l + 1]) @ W_next.T
        f = act.derivative(z, a)
        if not mine.any():
            return "disconnected_hidden", (
                f"dz{n} is all zeros: nothing connects layer {n} to the output, so its weights never learn"
            )
        if close(mine, back * f * f):
            return "derivative_twice", f"dz{n} has the {act.name} derivative applied twice: f'(z{n})^2"
        if f_at_a is not None and close(mine, back * f_at_a):
            return "derivative_at_a", (
                f"dz{n} uses the {act.name} derivative taken at a{n} instead of z{n} (f'(a) where f'(z) belongs)"
            )
        if close(mine, back):
            return "missing_derivative", f"dz{n} leaves out the {act.name} derivative f'(z{n})"
        mine_dW_next = c.arr(f"backward/dW{l + 2}")
        if mine_dW_next is not None:
            for lr in (c.lr, c.lr * c.s_g, c.lr / max(c.s_g, 1e-300)):
                if close(mine, ((s * c.delta[l + 1]) @ (W_next - lr * mine_dW_next).T) * f):
                    return "updated_weights_backward", (
                        f"dz{n} was computed with W{n + 1} already updated "
                        f"(W{n + 1} - lr dW{n + 1}), not the W{n + 1} of the forward pass"
                    )
        if W_next.shape[0] == W_next.shape[1] and close(mine, ((s * c.delta[l + 1]) @ W_next) * f):
            return "wrong_transpose", f"dz{n} multiplies by W{n + 1} where W{n + 1}.T belongs (square, so it runs)"
    ref = s * c.delta[l]
    if close(mine, -ref):
        return "sign_flipped", f"dz{n} has its sign flipped"
    for k in (2.0, 0.5, float(c.N), 1.0 / c.N):
        if close(mine, k * ref):
            return "factor_off", f"dz{n} is {k:g} x what your other quantities imply: a factor off"
    return None, f"dz{n}: {describe_difference(mine, ref)}"


def dW_signature(c: Checker, l: int, mine: Array) -> tuple[str | None, str]:
    """The classic bug that the learner's dW of layer l + 1 looks like, and the words for it."""
    n = l + 1
    ref = c.s_g * c.dW[l]
    inputs = "X" if l == 0 else f"a{l}"
    if mine.shape[0] == mine.shape[1] and close(mine, ref.T):
        return "wrong_transpose", (
            f"dW{n} is the transpose of the gradient: dz{n}.T @ {inputs} where "
            f"{inputs}.T @ dz{n} belongs (square, so the shapes agree)"
        )
    if not mine.any():
        return "disconnected_hidden", f"dW{n} is all zeros: layer {n} never learns"
    if close(mine, -ref):
        return "sign_flipped", f"dW{n} has its sign flipped"
    for k in (2.0, 0.5, float(c.N), 1.0 / c.N):
        if close(mine, k * ref):
            return "factor_off", (
                f"dW{n} is {k:g} x what your dz{n} implies: a factor N or 2 off "
                f"(dW = a_prev.T @ dz needs no second division when dz is of the mean)"
            )
    return None, f"dW{n}: {describe_difference(mine, ref)}"
