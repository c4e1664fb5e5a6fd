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

What is checked when a file is read: model/session_format.py.

A session is written with mode 0600 when it is new (it holds the training
data); saving over an existing file keeps that file's mode.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

import numpy as np

from model.atomic_write import write_atomically
from model.datasets import Dataset
from model.errors import BackpropError, Divergence
from model.history import History, TrainerState
from model.optimizers import OptimizerState
from model.records import Branch
from model.safe_read import Progress, os_reason
from model.saved_run import SavedRun
from model.session_format import (
    APP,
    FORMAT,
    KIND,
    NEW_FILE_MODE,
    OPTIONAL_DATA,
    Invalid,
    SessionError,
    array_of,
    check_history,
    check_sum_meanwhile,
    checksum,
    count,
    dataset_of,
    field,
    finite,
    initial_params_of,
    opt_state,
    read_archive,
    read_meta,
    rng_state,
    segments_of,
)
from model.trainer import Trainer

# Importable from here as before (the app, the command line and the tests use them).
__all__ = ["FORMAT", "SessionError", "checksum", "encode", "load_session", "save_session"]

Array = np.ndarray

HISTORY_NAMES = History.NAMES


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
    for key in OPTIONAL_DATA:  # regression targets; raw inputs under input features
        if getattr(data, key) is not None:
            arrays[f"data_{key}"] = getattr(data, key)
    assert run.history is not None  # export_run() holds it
    for name in HISTORY_NAMES:
        arrays[f"history_{name}"] = run.history[name]
    for i, br in enumerate(run.branches):
        arrays[f"branch{i}_loss"] = br.loss
        arrays[f"branch{i}_test_loss"] = br.test_loss
    for l, matrix in enumerate(run.feedback or ()):
        arrays[f"feedback{l}"] = matrix
    return meta, arrays


# ---------------------------------------------------------------- loading


def load_session(path: str | os.PathLike, progress: Progress | None = None) -> Trainer:
    """A new trainer exactly as the session left it, or SessionError saying why.

    Nothing outside is touched: the caller swaps trainers only on success.
    `progress(done, total)` is called as the arrays are read; returning
    False stops the read with `Cancelled`.
    """
    shown = os.fspath(path)
    arrays = read_archive(path, shown, progress)
    meta = read_meta(arrays, shown)
    try:
        return _decode(meta, arrays)
    except MemoryError:
        raise SessionError(f"{shown} is too large to open: not enough memory") from None
    except Invalid as exc:
        raise SessionError(f"{shown} is not a usable session: {exc}") from None
    except BackpropError as exc:  # ConfigError / DataError raised while rebuilding
        raise SessionError(f"{shown} does not fit this program: {exc}") from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError, RecursionError) as exc:
        # A field of the right name but the wrong make-up; still bad input.
        raise SessionError(f"{shown} is damaged ({type(exc).__name__}: {exc}); save the session again") from None


def _decode(meta: dict, arrays: dict[str, Array]) -> Trainer:
    checked = check_sum_meanwhile(meta, arrays)  # hashed on another core while the trainer is rebuilt
    segments = segments_of(meta)
    first = segments[0][1]
    dtype = np.dtype(first.dtype)
    initial = initial_params_of(arrays, first, dtype)
    P = initial.shape[0]
    params = finite("params", array_of(arrays, "params", (P,), "f", dtype))
    # Built at the current weights, so that its first evaluation is the one the
    # loaded run shows (restore reuses it): one pass over the data, not two.
    trainer = Trainer(first, dataset_of(meta, arrays, first.layers[0]), params=params)
    layout = trainer.layout

    last = count(meta, "last_epoch", 0)
    epoch = count(meta, "epoch", 0)
    if epoch > last:
        raise Invalid(f"the current epoch {epoch} is beyond the last recorded one ({last})")
    history = {name: array_of(arrays, f"history_{name}", (last + 1,), "f") for name in HISTORY_NAMES}
    check_history(history, trainer.data.has_test, trainer.data.is_regression)

    slots = array_of(arrays, "opt_slots", (None, P), "f", dtype)
    state = TrainerState(
        epoch,
        params,
        opt_state(meta.get("optimizer"), slots, "the current epoch"),
        rng_state(meta.get("rng"), "the current epoch"),
    )

    snap_meta = field(meta, "snapshots", list)
    snap_params = finite("snapshot_params", array_of(arrays, "snapshot_params", (len(snap_meta), P), "f", dtype))
    snap_slots = array_of(arrays, "snapshot_slots", (None, P), "f", dtype)
    snapshots: dict[int, TrainerState] = {}
    row = 0
    for i, info in enumerate(snap_meta):
        if not isinstance(info, dict):
            raise Invalid(f"snapshot {i} is not a mapping")
        e = count(info, "epoch", 0, f"snapshot {i}")
        if e > last or e in snapshots:
            raise Invalid(f"snapshot {i} has epoch {e}, which is repeated or beyond the last recorded epoch {last}")
        opt_info = info.get("optimizer")
        n = opt_info.get("slots") if isinstance(opt_info, dict) else None
        if not isinstance(n, int) or not 0 <= n <= 2 or row + n > snap_slots.shape[0]:
            raise Invalid(f"snapshot {i} does not match the stored optimizer slots")
        opt = opt_state(opt_info, snap_slots[row : row + n], f"snapshot {i}")
        row += n
        snapshots[e] = TrainerState(e, snap_params[i], opt, rng_state(info.get("rng"), f"snapshot {i}"))
    if row != snap_slots.shape[0]:
        raise Invalid("there are more stored optimizer slots than snapshots use")
    if 0 not in snapshots:
        raise Invalid("the snapshot of epoch 0 is missing, so the run cannot be rewound")

    branches = []
    for i, info in enumerate(field(meta, "branches", list)):
        if not isinstance(info, dict):
            raise Invalid(f"branch {i} is not a mapping")
        branches.append(
            Branch(
                count(info, "start", 0, f"branch {i}"),
                array_of(arrays, f"branch{i}_loss", (None,), "f"),
                array_of(arrays, f"branch{i}_test_loss", (None,), "f"),
                field(info, "label", str, f"branch {i}"),
            )
        )

    feedback = None
    if field(meta, "feedback", bool):
        feedback = tuple(
            finite(f"feedback{l}", array_of(arrays, f"feedback{l}", shape, "f", dtype))
            for l, shape in enumerate(layout.shapes)
        )

    divergence = meta.get("divergence")
    if divergence is not None:
        try:
            divergence = Divergence(**divergence)
        except TypeError:
            raise Invalid("its divergence record is malformed") from None

    pinned = field(meta, "pinned", list)
    if not all(isinstance(e, int) and not isinstance(e, bool) and 0 <= e <= last for e in pinned):
        raise Invalid("its pinned epochs are not recorded epochs")

    run = SavedRun(
        segments=tuple(segments),
        state=state,
        snapshots=snapshots,
        pinned=frozenset(pinned),
        snap_every=count(meta, "snap_every", 1),
        max_snapshots=count(meta, "max_snapshots", 1),
        last_epoch=last,
        history=history,
        branches=tuple(branches),
        initial_params=initial,
        feedback=feedback,
        divergence=divergence,
    )
    checked()
    trainer.restore(run)
    return trainer
