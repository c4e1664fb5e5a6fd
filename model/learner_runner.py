"""Run a learner's own forward/backward file in a child process, with a time
limit, and bring its arrays back.

Why a child process: the learner's code may loop forever, print without end,
crash the interpreter or take all the memory; none of that may reach the
check or the app. The child is started with `python -I` (isolated: neither
the current folder nor the user's site directory is on its path), so it
imports the installed engine, never a `model/` that happens to sit beside
the learner's file. Arrays travel as .npz files in a private temporary
folder (no pickle in either direction); the child's stdout and stderr go
to files whose size is capped.

`run_learner` returns a `LearnerRun`: plain data, the arrays by name, or a
one-line reason why the file cannot be used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

Array = np.ndarray

DEFAULT_TIMEOUT = 20.0
OUTPUT_LIMIT = 1_000_000  # bytes of print output before the child is stopped
MAX_EPOCH_VALUES = 50_000_000  # epochs x parameters sent back by --epochs


@dataclass
class LearnerRun:
    """What the learner's file gave: arrays by name ("forward/z1", "backward/dW1", ...),
    or `reason` (one line) when the file could not be used."""

    reason: str | None = None
    arrays: dict[str, Array] = field(default_factory=dict)
    transposed: bool = False  # the file wants W{l} as (fan_out, fan_in)
    has_update: bool = False
    has_loss: bool = False
    printed: str = ""  # the first lines the file printed, if any
    printed_lines: int = 0

    @property
    def ok(self) -> bool:
        return self.reason is None


def run_learner(
    path: str,
    X: Array,
    Y: Array,
    W: list[Array],
    b: list[Array],
    lr: float,
    epochs: int = 0,
    probe: tuple[list[Array], list[Array]] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> LearnerRun:
    """Import `path` in a child and run its functions on these arrays.

    `probe`, when given, is a second set of weights whose forward pass is also
    run (the check uses large output weights to find softmax overflow).
    """
    if not os.path.isfile(path):
        return LearnerRun(f"{path}: no such file")
    if epochs * sum(w.size + v.size for w, v in zip(W, b)) > MAX_EPOCH_VALUES:
        return LearnerRun(f"--epochs {epochs} is too many for this network's size; use fewer")
    with tempfile.TemporaryDirectory(prefix="backprop-check-") as tmp:
        request = os.path.join(tmp, "request.npz")
        arrays = {"X": X, "Y": Y, "lr": np.float64(lr), "epochs": np.int64(epochs)}
        arrays |= {f"W{l + 1}": w for l, w in enumerate(W)} | {f"b{l + 1}": v for l, v in enumerate(b)}
        if probe is not None:
            arrays |= {f"probe_W{l + 1}": w for l, w in enumerate(probe[0])}
            arrays |= {f"probe_b{l + 1}": v for l, v in enumerate(probe[1])}
        np.savez(request, **arrays)  # type: ignore[arg-type]
        out_path, err_path = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
        code = "from model.learner_runner import child_main; child_main()"
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-c", code, os.path.abspath(path), tmp],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                cwd=tmp,
            )
            reason = _wait(proc, timeout, out_path, err_path)
        printed = _head(out_path)
        if reason is not None:
            return LearnerRun(reason, printed=printed[0], printed_lines=printed[1])
        return _read_result(tmp, printed, err_path, proc.returncode)


def _wait(proc: subprocess.Popen, timeout: float, *outputs: str) -> str | None:
    """Wait for the child; stop it (and say why) past the time or output limit."""
    deadline = time.monotonic() + timeout
    pause = 0.005
    while proc.poll() is None:
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            return f"the file did not finish within {timeout:g} s (an endless loop, or too slow); stopped it"
        if sum(os.path.getsize(p) for p in outputs) > OUTPUT_LIMIT:
            proc.kill()
            proc.wait()
            return (
                f"the file printed more than {OUTPUT_LIMIT // 1_000_000} MB; stopped it (remove the prints in a loop)"
            )
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
    return None


def _head(path: str, lines: int = 5) -> tuple[str, int]:
    try:
        with open(path, "rb") as f:
            text = f.read(OUTPUT_LIMIT).decode("utf-8", "replace")
    except OSError:
        return "", 0
    all_lines = text.splitlines()
    return "\n".join(all_lines[:lines]), len(all_lines)


def _read_result(tmp: str, printed: tuple[str, int], err_path: str, returncode: int) -> LearnerRun:
    meta_path = os.path.join(tmp, "result.json")
    if not os.path.exists(meta_path):
        # The child died without a word: a crash of the interpreter (segfault, os._exit, killed).
        tail = _head(err_path, 1000)[0].strip().splitlines()
        last = tail[-1] if tail else ""
        why = f" ({last})" if last else ""
        return LearnerRun(
            f"the file stopped the interpreter (exit status {returncode}){why}",
            printed=printed[0],
            printed_lines=printed[1],
        )
    with open(meta_path, encoding="utf-8") as f:
        meta = json.load(f)
    run = LearnerRun(meta.get("reason"), printed=printed[0], printed_lines=printed[1])
    run.transposed = bool(meta.get("transposed"))
    run.has_update = bool(meta.get("has_update"))
    run.has_loss = bool(meta.get("has_loss"))
    arrays_path = os.path.join(tmp, "result.npz")
    if run.ok and os.path.exists(arrays_path):
        with np.load(arrays_path, allow_pickle=False) as data:
            run.arrays = {key.replace("|", "/"): data[key] for key in data.files}
    return run


# ------------------------------------------------------------------ the child


class _Unusable(Exception):
    """The learner's file cannot be used; the message is the one-line reason."""


def _where(exc: BaseException, path: str) -> str:
    """' (line N)' of the deepest frame in the learner's file, if any."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if os.path.abspath(tb.tb_frame.f_code.co_filename) == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" (line {line})" if line else ""


def _call(path: str, what: str, fn, *args):  # type: ignore[no-untyped-def]
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - any error of the learner's code is a reason, not a crash
        message = str(exc).splitlines()[0] if str(exc) else ""
        raise _Unusable(
            f"{what} raised {type(exc).__name__}{': ' + message if message else ''}{_where(exc, path)}"
        ) from None


def _array(what: str, value: object) -> Array:
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise _Unusable(f"{what} is not an array of numbers (it is a {type(value).__name__})") from None
    return arr


def _dict(what: str, value: object) -> dict:
    if not isinstance(value, dict):
        raise _Unusable(f"{what} returned {type(value).__name__}, not a dict of arrays")
    return value


def _load(path: str):  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("learner", path)
    if spec is None or spec.loader is None:
        raise _Unusable(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise _Unusable(f"syntax error at line {exc.lineno}: {exc.msg}") from None
    except Exception as exc:  # noqa: BLE001
        raise _Unusable(f"importing the file raised {type(exc).__name__}: {exc}{_where(exc, path)}") from None
    for name in ("forward", "backward"):
        if not callable(getattr(module, name, None)):
            raise _Unusable(f"the file defines no function {name}(...); see backprop-tui check --template")
    return module


def child_main() -> None:
    """The child: argv = [learner file, work folder]. Writes result.json (+ result.npz)."""
    path, tmp = os.path.abspath(sys.argv[1]), sys.argv[2]
    meta: dict = {"reason": None}
    out: dict[str, Array] = {}
    try:
        with np.load(os.path.join(tmp, "request.npz"), allow_pickle=False) as req:
            data = {k: req[k] for k in req.files}
        module = _load(path)
        meta["has_update"] = callable(getattr(module, "update", None))
        meta["has_loss"] = callable(getattr(module, "loss", None))
        _run(module, path, data, meta, out)
    except _Unusable as exc:
        meta["reason"] = str(exc)
    except RecursionError:
        meta["reason"] = "the file recursed without end"
    except MemoryError:
        meta["reason"] = "the file ran out of memory"
    if meta["reason"] is None:
        np.savez(os.path.join(tmp, "result.npz"), **{k.replace("/", "|"): v for k, v in out.items()})  # type: ignore[arg-type]
    with open(os.path.join(tmp, "result.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f)


def _params(data: dict, prefix: str, L: int, transposed: bool) -> dict[str, Array]:
    params = {}
    for l in range(1, L + 1):
        W = data[f"{prefix}W{l}"].copy()
        params[f"W{l}"] = W.T.copy() if transposed else W
        params[f"b{l}"] = data[f"{prefix}b{l}"].copy()
    return params


def _flat(params: object, L: int, transposed: bool, what: str) -> Array:
    """The learner's params in the engine's flat layout: every W, then every b."""
    params = _dict(what, params)
    parts_W, parts_b = [], []
    for l in range(1, L + 1):
        if f"W{l}" not in params or f"b{l}" not in params:
            raise _Unusable(f"{what} returned no 'W{l}' or 'b{l}'")
        W = _array(f"{what}['W{l}']", params[f"W{l}"])
        parts_W.append((W.T if transposed else W).ravel())
        parts_b.append(_array(f"{what}['b{l}']", params[f"b{l}"]).ravel())
    return np.concatenate(parts_W + parts_b)


def _run(module, path: str, data: dict, meta: dict, out: dict[str, Array]) -> None:  # type: ignore[no-untyped-def]
    X, Y, lr, epochs = data["X"], data["Y"], float(data["lr"]), int(data["epochs"])
    L = sum(1 for k in data if k.startswith("W"))
    transposed = False
    try:
        cache = module.forward(X.copy(), _params(data, "", L, False))
    except ValueError as exc:
        # A shape error may mean the file stores weights as (fan_out, fan_in): try that convention.
        square = all(data[f"W{l}"].shape[0] == data[f"W{l}"].shape[1] for l in range(1, L + 1))
        if square:
            raise _Unusable(f"forward(X, params) raised ValueError: {exc}{_where(exc, path)}") from None
        transposed = True
        cache = _call(path, "forward(X, params)", module.forward, X.copy(), _params(data, "", L, True))
    meta["transposed"] = transposed
    cache = _dict("forward(X, params)", cache)
    for l in range(1, L + 1):
        for q in ("z", "a"):
            if f"{q}{l}" not in cache:
                raise _Unusable(
                    f"forward(X, params) returned no '{q}{l}' (its keys: {', '.join(map(str, cache)) or 'none'})"
                )
            out[f"forward/{q}{l}"] = _array(f"forward()['{q}{l}']", cache[f"{q}{l}"])
    params = _params(data, "", L, transposed)
    grads = _dict(
        "backward(X, Y, params, cache)",
        _call(path, "backward(X, Y, params, cache)", module.backward, X.copy(), Y.copy(), params, cache),
    )
    _keep_grads(grads, L, "backward", out)
    for name, value in params.items():  # did backward change the weights it was given?
        original = data[name].T if (transposed and name.startswith("W")) else data[name]
        if not np.array_equal(np.asarray(value), original):
            out[f"changed/{name}"] = _array(name, value)
    # A second call on fresh copies of the same inputs: equal unless something accumulates.
    params2 = _params(data, "", L, transposed)
    cache2 = _call(path, "forward(X, params)", module.forward, X.copy(), params2)
    grads2 = _call(path, "backward(X, Y, params, cache)", module.backward, X.copy(), Y.copy(), params2, cache2)
    _keep_grads(_dict("backward(X, Y, params, cache)", grads2), L, "again", out)
    if meta["has_loss"]:
        value = _call(path, "loss(Y, Y_hat)", module.loss, Y.copy(), out[f"forward/a{L}"].copy())
        out["loss"] = _array("loss(Y, Y_hat)", value)
    if meta["has_update"]:
        fresh = _params(data, "", L, transposed)
        new = _call(path, "update(params, grads, lr)", module.update, fresh, dict(grads), lr)
        new = _dict("update(params, grads, lr)", new)
        for l in range(1, L + 1):
            for q in ("W", "b"):
                if f"{q}{l}" not in new:
                    raise _Unusable(f"update(params, grads, lr) returned no '{q}{l}'")
                value = _array(f"update()['{q}{l}']", new[f"{q}{l}"])
                out[f"update/{q}{l}"] = value.T if (transposed and q == "W") else value
    if "probe_W1" in data:
        probe = _call(path, "forward(X, params)", module.forward, X.copy(), _params(data, "probe_", L, transposed))
        out["probe/a"] = _array(f"forward()['a{L}']", _dict("forward(X, params)", probe).get(f"a{L}"))
    if epochs:
        _train(module, path, data, L, transposed, lr, epochs, meta, out)


def _keep_grads(grads: dict, L: int, prefix: str, out: dict[str, Array]) -> None:
    for l in range(1, L + 1):
        for q in ("dW", "db"):
            if f"{q}{l}" not in grads:
                keys = ", ".join(map(str, grads)) or "none"
                raise _Unusable(f"backward(X, Y, params, cache) returned no '{q}{l}' (its keys: {keys})")
            out[f"{prefix}/{q}{l}"] = _array(f"backward()['{q}{l}']", grads[f"{q}{l}"])
        for name in (f"dz{l}", f"delta{l}"):
            if name in grads:
                out[f"{prefix}/dz{l}"] = _array(f"backward()['{name}']", grads[name])
                break


def _train(
    module,
    path: str,
    data: dict,
    L: int,
    transposed: bool,
    lr: float,
    epochs: int,  # type: ignore[no-untyped-def]
    meta: dict,
    out: dict[str, Array],
) -> None:
    """The learner's own loop: forward, backward, update, `epochs` times."""
    params = _params(data, "", L, transposed)
    X, Y = data["X"], data["Y"]
    history = np.full((epochs, sum(data[f"W{l}"].size + data[f"b{l}"].size for l in range(1, L + 1))), np.nan)
    losses = np.full(epochs, np.nan)
    with np.errstate(all="ignore"):
        for e in range(epochs):
            cache = _dict("forward(X, params)", _call(path, "forward(X, params)", module.forward, X, params))
            grads = _dict(
                "backward(X, Y, params, cache)",
                _call(path, "backward(X, Y, params, cache)", module.backward, X, Y, params, cache),
            )
            if meta["has_update"]:
                params = _dict(
                    "update(params, grads, lr)",
                    _call(path, "update(params, grads, lr)", module.update, params, grads, lr),
                )
            else:
                params = {
                    k: np.asarray(params[k]) - lr * np.asarray(grads["d" + k]).reshape(np.shape(params[k]))
                    for k in params
                }
            history[e] = _flat(params, L, transposed, "update(params, grads, lr)")
            if meta["has_loss"]:
                # The loss at the weights before this update, as most loops print it.
                losses[e] = float(np.asarray(_call(path, "loss(Y, Y_hat)", module.loss, Y, cache[f"a{L}"])))
            if not np.isfinite(history[e]).all():
                history = history[: e + 1]
                losses = losses[: e + 1]
                break
    out["epochs/params"] = history
    out["epochs/loss"] = losses
