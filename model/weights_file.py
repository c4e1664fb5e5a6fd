"""Weights files: a network's W and b in a NumPy .npz archive.

The archive holds `W1, b1, W2, b2, ...`, layers numbered from 1 as on
screen (model/names.py), with `Wk` of shape (fan_in, fan_out) and `bk` of
shape (fan_out,), the engine's own layout, so a file written here can be
read back with nothing but `np.load`. Files written before that scheme
hold `W0, b0, W1, b1, ...` (layers numbered from 0); a file whose keys
include a layer 0 is read that way, so they still load. Reading
trusts nothing: every way a file can be wrong (missing, not a regular file,
too large, corrupt, a key too many or too few, shapes that do not chain, NaN,
values so large that the first forward pass overflows) is refused with a
`WeightsFileError` that says what to fix, and pickles are never loaded.
"""

from __future__ import annotations

import os
import re
from typing import Sequence

import numpy as np

from model.atomic_write import write_atomically
from model.errors import WeightsFileError
from model.parameters import Layout
from model.safe_read import FileRefused, read_npz

Array = np.ndarray

_KEY = re.compile(r"([Wb])(0|[1-9][0-9]*)")

# Larger weights overflow the forward pass (z = W x reaches infinity) before
# the first epoch ends; a weights file holding them is refused by name.
MAX_ABS_WEIGHT = 1e6


def sizes_of(W: Sequence[Array]) -> tuple[int, ...]:
    """The layer sizes (inputs, hidden..., outputs) that weights imply."""
    if not len(W):
        return ()
    return (int(np.shape(W[0])[0]),) + tuple(int(np.shape(w)[1]) for w in W)


def describe(sizes: Sequence[int]) -> str:
    """Sizes the way the UI writes them: 2-4-1."""
    return "-".join(str(n) for n in sizes)


def save_weights(path: str | os.PathLike, W: Sequence[Array], b: Sequence[Array]) -> None:
    """Write W and b to `path` atomically: a reader never sees half a file.

    The archive is written to a temporary file in the same directory and
    renamed over `path`, so a crash or a full disk leaves any old file intact.
    """
    shown = os.fspath(path)
    W = [np.asarray(w) for w in W]
    b = [np.asarray(x) for x in b]
    if len(W) != len(b):
        raise WeightsFileError(f"cannot write {shown}: {len(W)} weight matrices but {len(b)} bias vectors")
    arrays = {f"W{l}": w for l, w in enumerate(W, start=1)} | {f"b{l}": x for l, x in enumerate(b, start=1)}
    _check(arrays, f"cannot write {shown}")
    try:
        write_atomically(shown, lambda f: np.savez(f, **arrays))  # type: ignore[arg-type]
    except (OSError, ValueError) as e:
        raise WeightsFileError(f"cannot write {shown}: {_reason(e)}") from None


def load_weights(path: str | os.PathLike, sizes: Sequence[int] | None = None) -> tuple[list[Array], list[Array]]:
    """Read ([W1, W2, ...], [b1, b2, ...]) as float64 lists (index 0 holds W1) from a weights file.

    With `sizes`, the file must describe exactly that network.
    """
    shown = os.fspath(path)
    arrays = _read(path, shown)
    W, b = _check(arrays, shown)
    if sizes is not None and tuple(sizes) != sizes_of(W):
        raise WeightsFileError(
            f"{shown}: the file's network is {describe(sizes_of(W))}; the configuration asks for {describe(sizes)}"
        )
    return [w.astype(np.float64) for w in W], [x.astype(np.float64) for x in b]


def load_params(path: str | os.PathLike, sizes: Sequence[int]) -> Array:
    """The flat parameter vector a Trainer takes, from a weights file."""
    W, b = load_weights(path, sizes)
    return Layout(tuple(sizes)).flatten(W, b)


# ------------------------------------------------------------------ reading


def _reason(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e) or type(e).__name__


def _read(path: str | os.PathLike, shown: str) -> dict[str, Array]:
    """Every array in the archive, read now (through safe_read), so corruption shows up here."""
    try:
        return read_npz(path, shown, what="weights file")
    except FileRefused as e:
        message = str(e)
        if message.endswith("is not an .npz archive"):
            empty = _is_empty(path)
            kind = "an empty file" if empty else "not a .npz archive"
            message = f"{shown} is {kind}; a weights file is a .npz archive holding W1, b1, W2, b2, ..."
        raise WeightsFileError(message) from None
    except MemoryError:
        raise WeightsFileError(f"{shown} is too large to load: not enough memory") from None
    except Exception as e:  # noqa: BLE001 - BadZipFile, zlib.error, ValueError...: any failure here means bad bytes
        raise WeightsFileError(f"{shown} is corrupt or truncated ({_reason(e)}); save the weights again") from None


def _is_empty(path: str | os.PathLike) -> bool:
    try:
        return os.stat(path).st_size == 0
    except OSError:
        return False


def _check(arrays: dict[str, Array], shown: str) -> tuple[list[Array], list[Array]]:
    """The arrays as W and b lists, or the first thing wrong with them."""
    if not arrays:
        raise WeightsFileError(f"{shown} holds no weights; expected W1, b1, W2, b2, ...")
    if "meta" in arrays:
        raise WeightsFileError(
            f"{shown} is a saved session, not a weights file; open it as a session (backprop-tui FILE)"
        )
    found: dict[str, dict[int, Array]] = {"W": {}, "b": {}}
    for name in sorted(arrays):
        match = _KEY.fullmatch(name)
        if match is None:
            raise WeightsFileError(f"{shown}: unknown entry {name!r}; a weights file holds only W1, b1, W2, b2, ...")
        found[match[1]][int(match[2])] = arrays[name]
    # Layers numbered from 1; a file with a layer 0 was written with the older 0-based keys.
    first = 0 if 0 in found["W"] or 0 in found["b"] else 1
    n_layers = max(max(found["W"], default=first - 1), max(found["b"], default=first - 1)) + 1 - first
    numbers = range(first, first + n_layers)
    missing = [f"{kind}{k}" for k in numbers for kind in "Wb" if k not in found[kind]]
    if missing:
        raise WeightsFileError(
            f"{shown}: missing {', '.join(missing)}; layers are numbered {first}, {first + 1}, {first + 2}, ... "
            "with one W and one b each"
        )
    W = [found["W"][k] for k in numbers]
    b = [found["b"][k] for k in numbers]
    for l, k in enumerate(numbers):
        for name, arr, ndim, what in (
            (f"W{k}", W[l], 2, "2-D (fan_in x fan_out)"),
            (f"b{k}", b[l], 1, "1-D (fan_out)"),
        ):
            if arr.ndim != ndim:
                raise WeightsFileError(f"{shown}: {name} must be {what}, got shape {arr.shape}")
            if arr.dtype.kind not in "fiu":
                raise WeightsFileError(f"{shown}: {name} holds {arr.dtype} values, not real numbers")
            if 0 in arr.shape:
                raise WeightsFileError(f"{shown}: {name} is empty (shape {arr.shape})")
        if b[l].shape[0] != W[l].shape[1]:
            raise WeightsFileError(
                f"{shown}: b{k} has {b[l].shape[0]} values but W{k} {W[l].shape} has {W[l].shape[1]} units"
            )
        if l and W[l].shape[0] != W[l - 1].shape[1]:
            raise WeightsFileError(
                f"{shown}: shapes do not chain: W{k - 1} {W[l - 1].shape} gives {W[l - 1].shape[1]} units "
                f"but W{k} {W[l].shape} expects {W[l].shape[0]} inputs"
            )
    for l, k in enumerate(numbers):
        for name, arr in ((f"W{k}", W[l]), (f"b{k}", b[l])):
            finite = np.isfinite(arr)
            if not finite.all():
                where = tuple(int(i) for i in np.argwhere(~finite)[0])
                raise WeightsFileError(f"{shown}: {name} holds a non-finite value ({arr[where]}) at {list(where)}")
            huge = np.abs(arr) > MAX_ABS_WEIGHT
            if huge.any():
                where = tuple(int(i) for i in np.argwhere(huge)[0])
                raise WeightsFileError(
                    f"{shown}: {name} holds {arr[where]:g} at {list(where)}; weights beyond +-{MAX_ABS_WEIGHT:g} "
                    "overflow the forward pass, so the file is refused"
                )
    return W, b
