"""Sessions: a whole run in one file, so it can be stopped and carried on exactly.

A session is a NumPy .npz archive (read with allow_pickle=False, so opening
one never runs code). It holds a JSON description under the key `meta`
(UTF-8 bytes as a uint8 array) and every array under its own key:

    meta                   app, kind, format; config segments, epochs,
                           optimizer and generator states, snapshot list,
                           branch list, dataset names
    params                 the current epoch's flat parameter vector
    opt_slots              its optimizer slots (momentum: 1 row, adam: 2 rows)
    initial_params         the weights the run was built with
    snapshot_params        one row per snapshot, in meta["snapshots"] order
    snapshot_slots         their optimizer slots, rows in the same order
    history_<name>         loss, test_loss, accuracy, test_accuracy per epoch
    branch<i>_loss         abandoned futures' curves (and branch<i>_test_loss)
    data_X, data_labels, data_X_test, data_labels_test   the data itself
    feedback<l>            fixed feedback matrices (feedback alignment only)

The data is stored rather than regenerated, so a session does not depend on
a CSV file still being there or on how a later version draws its datasets.
Snapshots plus segments are what rewinding replays from, so a loaded run
rewinds and continues bit for bit as the saved one would have.

Integrity (format 2): meta["checksum"] is the SHA-256 of every array (name,
dtype, shape and bytes, in name order) and of the description itself without
the checksum (canonical JSON). A file whose checksum does not match is
refused, so a history that was reordered or edited by hand cannot load as if
it were a run. Format 1 files (written before checksums) carry none; they
are still read, with every other check (shapes, dtypes, finite values,
histories in range), and get a checksum when saved again. Besides the
checksum, every file is checked for: a dtype other than the configuration's
(a float32 array in a float64 run would no longer be bit-identical), a
non-finite training loss or accuracy (the engine never records one), test
figures present exactly when there is a test set, and accuracies in [0, 1].

A session is written with mode 0600 when it is new (it holds the training
data); saving over an existing file keeps that file's mode.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import zipfile
from typing import Any

import numpy as np

from model.atomic_write import write_atomically
from model.config import REBUILD_FIELDS, Config
from model.datasets import Dataset
from model.errors import BackpropError, Divergence, WeightsFileError
from model.history import History, TrainerState
from model.optimizers import OPTIMIZERS, OptimizerState
from model.parameters import Layout
from model.records import Branch
from model.safe_read import Cancelled, FileRefused, Progress, os_reason, read_npz
from model.saved_run import SavedRun
from model.trainer import Trainer

Array = np.ndarray

APP = "backprop-tui"
KIND = "session"
FORMAT = 2
CHECKSUM_SINCE = 2  # the first format whose files must carry a checksum
NEW_FILE_MODE = 0o600

HISTORY_NAMES = History.NAMES
_SLOTS = {"sgd": 0, "momentum": 1, "adam": 2}
_WEIGHTS_KEY = re.compile(r"[Wb][0-9]+")


class SessionError(WeightsFileError):
    """A session file cannot be written or read, with the reason in words."""


# ----------------------------------------------------------------- saving


def save_session(trainer: Trainer, path: str | os.PathLike) -> None:
    """Write the whole session to `path` atomically (see exports.write_atomically).

    A bug-lab run (a planted bug) is refused: a session file must replay the
    verified engine, and a file that silently carried a bug would mislead.
    """
    bug = getattr(trainer, "bug", None)
    if bug is not None:
        raise SessionError(f"a bug is planted ({bug.name}); bug-lab runs are not saved as sessions")
    meta, arrays = encode(trainer.export_run(), trainer.data)
    meta["checksum"] = checksum(meta, arrays)
    blob = np.frombuffer(json.dumps(meta, separators=(",", ":")).encode("utf-8"), dtype=np.uint8)
    try:
        write_atomically(path, lambda f: np.savez(f, meta=blob, **arrays), new_mode=NEW_FILE_MODE)  # type: ignore[arg-type]
    except OSError as exc:
        reason = os_reason(exc)
        raise SessionError(f"cannot save the session to {os.fspath(path)}: {reason}") from None


def _opt_meta(opt: OptimizerState) -> dict[str, Any]:
    return {"kind": opt.kind, "step": int(opt.step), "slots": len(opt.slots)}


def _slot_rows(states: list[TrainerState], n_params: int, dtype: np.dtype) -> Array:
    rows = [slot for s in states for slot in s.opt.slots]
    return np.stack(rows) if rows else np.empty((0, n_params), dtype=dtype)


def encode(run: SavedRun, data: Dataset) -> tuple[dict[str, Any], dict[str, Array]]:
    """The run as JSON-ready metadata and named arrays."""
    n_params = run.state.params.shape[0]
    dtype = run.state.params.dtype
    snaps = [run.snapshots[e] for e in sorted(run.snapshots)]
    meta: dict[str, Any] = {
        "app": APP,
        "kind": KIND,
        "format": FORMAT,
        "segments": [{"start": start, "config": cfg.to_dict()} for start, cfg in run.segments],
        "epoch": run.state.epoch,
        "last_epoch": run.last_epoch,
        "optimizer": _opt_meta(run.state.opt),
        "rng": run.state.rng,
        "snapshots": [{"epoch": s.epoch, "optimizer": _opt_meta(s.opt), "rng": s.rng} for s in snaps],
        "pinned": sorted(run.pinned),
        "snap_every": run.snap_every,
        "max_snapshots": run.max_snapshots,
        "branches": [{"start": br.start, "label": br.label} for br in run.branches],
        "divergence": dataclasses.asdict(run.divergence) if run.divergence else None,
        "feedback": run.feedback is not None,
        "data": {"name": data.name, "class_names": list(data.class_names), "feature_names": list(data.feature_names)},
    }
    arrays: dict[str, Array] = {
        "params": run.state.params,
        "opt_slots": _slot_rows([run.state], n_params, dtype),
        "initial_params": run.initial_params,
        "snapshot_params": np.stack([s.params for s in snaps]),
        "snapshot_slots": _slot_rows(snaps, n_params, dtype),
        "data_X": data.X,
        "data_labels": data.labels,
        "data_X_test": data.X_test,
        "data_labels_test": data.labels_test,
    }
    assert run.history is not None  # export_run() holds it
    for name in HISTORY_NAMES:
        arrays[f"history_{name}"] = run.history[name]
    for i, br in enumerate(run.branches):
        arrays[f"branch{i}_loss"] = br.loss
        arrays[f"branch{i}_test_loss"] = br.test_loss
    for l, matrix in enumerate(run.feedback or ()):
        arrays[f"feedback{l}"] = matrix
    return meta, arrays


def checksum(meta: dict[str, Any], arrays: dict[str, Array]) -> str:
    """SHA-256 (hex) of the description without its checksum, then every array in name order."""
    digest = hashlib.sha256()
    described = {k: v for k, v in meta.items() if k != "checksum"}
    digest.update(json.dumps(described, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    for name in sorted(arrays):
        if name == "meta":
            continue
        arr = np.ascontiguousarray(arrays[name])
        digest.update(f"\0{name}\0{arr.dtype.str}\0{arr.shape}\0".encode())
        digest.update(arr.data.cast("B") if arr.size else b"")
    return digest.hexdigest()


# ---------------------------------------------------------------- loading


def load_session(path: str | os.PathLike, progress: Progress | None = None) -> Trainer:
    """A new trainer exactly as the session left it, or SessionError saying why.

    Nothing outside is touched: the caller swaps trainers only on success.
    `progress(done, total)` is called as the arrays are read; returning
    False stops the read with `Cancelled`.
    """
    shown = os.fspath(path)
    arrays = _read_archive(path, shown, progress)
    meta = _read_meta(arrays, shown)
    try:
        return _decode(meta, arrays)
    except MemoryError:
        raise SessionError(f"{shown} is too large to open: not enough memory") from None
    except _Invalid as exc:
        raise SessionError(f"{shown} is not a usable session: {exc}") from None
    except BackpropError as exc:  # ConfigError / DataError raised while rebuilding
        raise SessionError(f"{shown} does not fit this program: {exc}") from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError, RecursionError) as exc:
        # A field of the right name but the wrong make-up; still bad input.
        raise SessionError(f"{shown} is damaged ({type(exc).__name__}: {exc}); save the session again") from None


class _Invalid(Exception):
    """Something inside the archive is wrong; the message says what."""


def _read_archive(path: str | os.PathLike, shown: str, progress: Progress | None = None) -> dict[str, Array]:
    """Every array of the archive, read now so that corruption shows up here."""
    try:
        arrays = read_npz(path, shown, progress=progress, what="session file")
    except Cancelled:
        raise
    except FileRefused as exc:
        message = str(exc)
        if message.endswith("is not an .npz archive"):
            message = (
                f"{shown} is not a session file: it is not an .npz archive, or it was cut short; save the session again"
            )
        raise SessionError(message) from None
    except zipfile.BadZipFile:
        raise SessionError(
            f"{shown} is not a usable session file: its .npz archive is damaged or was cut short; "
            "save the session again"
        ) from None
    except MemoryError:
        raise SessionError(f"{shown} is too large to open: not enough memory") from None
    except (OSError, ValueError, EOFError, KeyError, RuntimeError, NotImplementedError) as exc:
        raise SessionError(f"{shown} is damaged ({exc}); save the session again") from None
    except Exception as exc:  # zlib.error and friends: any failure here means bad bytes
        raise SessionError(f"{shown} is damaged ({type(exc).__name__}: {exc}); save the session again") from None
    for name, value in arrays.items():
        if not isinstance(value, np.ndarray):
            raise SessionError(f"{shown} is damaged: entry {name!r} is not a NumPy array")
    return arrays


def _read_meta(arrays: dict[str, Array], shown: str) -> dict[str, Any]:
    if "meta" not in arrays:
        if arrays and all(_WEIGHTS_KEY.fullmatch(k) for k in arrays):
            raise SessionError(f"{shown} is a weights file, not a session; open it with --weights")
        raise SessionError(f"{shown} is an .npz archive but not a {APP} session (it has no session description)")
    blob = arrays["meta"]
    try:
        if blob.dtype != np.uint8 or blob.ndim != 1:
            raise ValueError("not a byte string")
        meta = json.loads(blob.tobytes().decode("utf-8"))
    except RecursionError:
        raise SessionError(
            f"{shown} is damaged: its session description is nested too deeply to be a session"
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SessionError(f"{shown} is damaged: its session description is unreadable ({exc})") from None
    if not isinstance(meta, dict) or meta.get("app") != APP:
        raise SessionError(f"{shown} is not a {APP} session")
    if meta.get("kind") != KIND:
        kind = meta.get("kind")
        if kind == "weights":
            raise SessionError(f"{shown} is a weights file, not a session; open it with --weights")
        raise SessionError(f"{shown} is a {APP} {kind!r} file, not a session")
    version = meta.get("format")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SessionError(f"{shown} has an unknown session format ({version!r})")
    if version > FORMAT:
        raise SessionError(
            f"{shown}: session format {version} is newer than this program ({FORMAT}); update backprop-tui to open it"
        )
    return meta


# Checks on the decoded content; each raises _Invalid with a plain reason.


def _get(mapping: dict, key: str, kind: type | tuple[type, ...], where: str = "the session") -> Any:
    if key not in mapping:
        raise _Invalid(f"{where} has no {key!r}")
    value = mapping[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise _Invalid(f"{key!r} in {where} has the wrong type ({type(value).__name__})")
    return value


def _count(mapping: dict, key: str, low: int, where: str = "the session") -> int:
    value = _get(mapping, key, int, where)
    if value < low:
        raise _Invalid(f"{key!r} in {where} is {value}; it must be at least {low}")
    return value


def _array(
    arrays: dict[str, Array], key: str, shape: tuple[int | None, ...], kind: str, dtype: np.dtype | None = None
) -> Array:
    """The array under `key`, checked for shape (None: any length) and kind."""
    if key not in arrays:
        raise _Invalid(f"the array {key!r} is missing")
    arr = arrays[key]
    if arr.ndim != len(shape) or any(want is not None and got != want for got, want in zip(arr.shape, shape)):
        expected = (
            "(" + ", ".join("any" if n is None else str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"
        )
        raise _Invalid(f"{key!r} has shape {arr.shape}; the configuration needs {expected}")
    if arr.dtype.kind not in kind:
        raise _Invalid(f"{key!r} holds {arr.dtype} values")
    if dtype is not None and arr.dtype != dtype:
        raise _Invalid(f"{key!r} holds {arr.dtype} values but the configuration says {dtype}")
    return arr


def _finite(key: str, arr: Array) -> Array:
    if not np.isfinite(arr).all():
        raise _Invalid(f"{key!r} holds values that are not finite numbers (NaN or infinity)")
    return arr


def _rng_state(value: Any, where: str) -> dict:
    """A generator state that numpy accepts, checked on a scratch generator."""
    if not isinstance(value, dict):
        raise _Invalid(f"the generator state of {where} is missing")
    try:
        np.random.default_rng().bit_generator.state = value
    except (TypeError, ValueError, KeyError, OverflowError) as exc:
        raise _Invalid(f"the generator state of {where} is invalid ({exc})") from None
    return value


def _opt_state(value: Any, slots: Array, where: str) -> OptimizerState:
    if not isinstance(value, dict):
        raise _Invalid(f"the optimizer state of {where} is missing")
    kind = _get(value, "kind", str, where)
    if kind not in OPTIMIZERS:
        raise _Invalid(f"unknown optimizer {kind!r} in {where}")
    step = _count(value, "step", 0, where)
    if slots.shape[0] != _SLOTS[kind]:
        raise _Invalid(f"{where}: a {kind} state has {_SLOTS[kind]} slot arrays, found {slots.shape[0]}")
    return OptimizerState(kind, step, tuple(_finite(f"optimizer slots of {where}", s) for s in slots))


def _segments(meta: dict) -> list[tuple[int, Config]]:
    raw = _get(meta, "segments", list)
    if not raw:
        raise _Invalid("it has no configuration")
    segments: list[tuple[int, Config]] = []
    for i, seg in enumerate(raw):
        if not isinstance(seg, dict):
            raise _Invalid(f"configuration segment {i} is not a mapping")
        start = _count(seg, "start", 0, f"segment {i}")
        config = Config.from_dict(_get(seg, "config", dict, f"segment {i}"))  # ConfigError is reported as such
        if i == 0 and start != 0:
            raise _Invalid("the first configuration must start at epoch 0")
        if i and start <= segments[-1][0]:
            raise _Invalid("configuration segments are not in epoch order")
        if i and any(getattr(config, f) != getattr(segments[0][1], f) for f in REBUILD_FIELDS):
            raise _Invalid(f"segment {i} describes a different network from the first")
        segments.append((start, config))
    return segments


def _dataset(meta: dict, arrays: dict[str, Array], n_features: int) -> Dataset:
    info = _get(meta, "data", dict)
    names = _get(info, "feature_names", list, "the data")
    X = _array(arrays, "data_X", (None, n_features), "f", np.dtype(np.float64))  # data is always float64
    for key in ("class_names", "feature_names"):
        listed = _get(info, key, list, "the data")
        if not all(isinstance(n, str) and n.isprintable() for n in listed):
            raise _Invalid(f"its {key.replace('_', ' ')} are not all printable text")
    return Dataset(
        _get(info, "name", str, "the data"),
        _finite("data_X", X),
        _array(arrays, "data_labels", (X.shape[0],), "iu"),
        _finite("data_X_test", _array(arrays, "data_X_test", (None, len(names)), "f", np.dtype(np.float64))),
        _array(arrays, "data_labels_test", (None,), "iu"),
        tuple(str(n) for n in _get(info, "class_names", list, "the data")),
        tuple(str(n) for n in names),
    )


def _decode(meta: dict, arrays: dict[str, Array]) -> Trainer:
    segments = _segments(meta)
    first = segments[0][1]
    dtype = np.dtype(first.dtype)
    initial = _initial(arrays, first, dtype)
    P = initial.shape[0]
    params = _finite("params", _array(arrays, "params", (P,), "f", dtype))
    # Built at the current weights, so that its first evaluation is the one the
    # loaded run shows (restore reuses it): one pass over the data, not two.
    trainer = Trainer(first, _dataset(meta, arrays, first.layers[0]), params=params)
    layout = trainer.layout

    last = _count(meta, "last_epoch", 0)
    epoch = _count(meta, "epoch", 0)
    if epoch > last:
        raise _Invalid(f"the current epoch {epoch} is beyond the last recorded one ({last})")
    history = {name: _array(arrays, f"history_{name}", (last + 1,), "f") for name in HISTORY_NAMES}
    _check_history(history, trainer.data.has_test)

    slots = _array(arrays, "opt_slots", (None, P), "f", dtype)
    state = TrainerState(
        epoch,
        params,
        _opt_state(meta.get("optimizer"), slots, "the current epoch"),
        _rng_state(meta.get("rng"), "the current epoch"),
    )

    snap_meta = _get(meta, "snapshots", list)
    snap_params = _finite("snapshot_params", _array(arrays, "snapshot_params", (len(snap_meta), P), "f", dtype))
    snap_slots = _array(arrays, "snapshot_slots", (None, P), "f", dtype)
    snapshots: dict[int, TrainerState] = {}
    row = 0
    for i, info in enumerate(snap_meta):
        if not isinstance(info, dict):
            raise _Invalid(f"snapshot {i} is not a mapping")
        e = _count(info, "epoch", 0, f"snapshot {i}")
        if e > last or e in snapshots:
            raise _Invalid(f"snapshot {i} has epoch {e}, which is repeated or beyond the last recorded epoch {last}")
        opt_info = info.get("optimizer")
        n = opt_info.get("slots") if isinstance(opt_info, dict) else None
        if not isinstance(n, int) or not 0 <= n <= 2 or row + n > snap_slots.shape[0]:
            raise _Invalid(f"snapshot {i} does not match the stored optimizer slots")
        opt = _opt_state(opt_info, snap_slots[row : row + n], f"snapshot {i}")
        row += n
        snapshots[e] = TrainerState(e, snap_params[i], opt, _rng_state(info.get("rng"), f"snapshot {i}"))
    if row != snap_slots.shape[0]:
        raise _Invalid("there are more stored optimizer slots than snapshots use")
    if 0 not in snapshots:
        raise _Invalid("the snapshot of epoch 0 is missing, so the run cannot be rewound")

    branches = []
    for i, info in enumerate(_get(meta, "branches", list)):
        if not isinstance(info, dict):
            raise _Invalid(f"branch {i} is not a mapping")
        branches.append(
            Branch(
                _count(info, "start", 0, f"branch {i}"),
                _array(arrays, f"branch{i}_loss", (None,), "f"),
                _array(arrays, f"branch{i}_test_loss", (None,), "f"),
                _get(info, "label", str, f"branch {i}"),
            )
        )

    feedback = None
    if _get(meta, "feedback", bool):
        feedback = tuple(
            _finite(f"feedback{l}", _array(arrays, f"feedback{l}", shape, "f", dtype))
            for l, shape in enumerate(layout.shapes)
        )

    divergence = meta.get("divergence")
    if divergence is not None:
        try:
            divergence = Divergence(**divergence)
        except TypeError:
            raise _Invalid("its divergence record is malformed") from None

    pinned = _get(meta, "pinned", list)
    if not all(isinstance(e, int) and not isinstance(e, bool) and 0 <= e <= last for e in pinned):
        raise _Invalid("its pinned epochs are not recorded epochs")

    run = SavedRun(
        segments=tuple(segments),
        state=state,
        snapshots=snapshots,
        pinned=frozenset(pinned),
        snap_every=_count(meta, "snap_every", 1),
        max_snapshots=_count(meta, "max_snapshots", 1),
        last_epoch=last,
        history=history,
        branches=tuple(branches),
        initial_params=initial,
        feedback=feedback,
        divergence=divergence,
    )
    _check_sum(meta, arrays)
    trainer.restore(run)
    return trainer


def _check_history(history: dict[str, Array], has_test: bool) -> None:
    """What the engine can have recorded: finite training figures, test figures iff a test set."""
    for name in ("loss", "accuracy"):
        if not np.isfinite(history[name]).all():
            epoch = int(np.argmin(np.isfinite(history[name])))
            raise _Invalid(f"its {name} history holds a value that is not a finite number at epoch {epoch}")
    for name in ("test_loss", "test_accuracy"):
        values = history[name]
        if has_test and np.isnan(values).any():
            raise _Invalid(f"its {name} history has gaps (NaN) although the run has a test set")
        if not has_test and not np.isnan(values).all():
            raise _Invalid(f"its {name} history has values although the run has no test set")
    for name in ("accuracy", "test_accuracy"):
        values = history[name][~np.isnan(history[name])]
        if values.size and (values.min() < 0 or values.max() > 1):
            raise _Invalid(f"its {name} history holds values outside 0..1")


def _check_sum(meta: dict, arrays: dict[str, Array]) -> None:
    """Format 2 and later: the checksum must match; format 1 files have none (see the module docstring)."""
    if meta["format"] < CHECKSUM_SINCE:
        return
    stored = meta.get("checksum")
    if not isinstance(stored, str):
        raise _Invalid("it has no checksum, which its format requires")
    if stored != checksum(meta, arrays):
        raise _Invalid(
            "its arrays or description do not match its checksum: the file was changed after it was saved "
            "(for instance a history reordered or edited)"
        )


def _initial(arrays: dict[str, Array], config: Config, dtype: np.dtype) -> Array:
    n_params = Layout(config.layers).n_params
    return _finite("initial_params", _array(arrays, "initial_params", (n_params,), "f", dtype))
