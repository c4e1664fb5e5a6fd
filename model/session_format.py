"""What a session file (model/session.py) must hold, and the checks a file
passes before it becomes a trainer: its archive, its description, every
field and array (each check raises `Invalid` with the reason in words).

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
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np

from model.config import REBUILD_FIELDS, Config
from model.datasets import Dataset
from model.errors import WeightsFileError
from model.optimizers import OPTIMIZERS, OptimizerState
from model.parameters import Layout
from model.safe_read import Cancelled, FileRefused, Progress, read_npz

Array = np.ndarray

APP = "backprop-tui"
KIND = "session"
FORMAT = 2
CHECKSUM_SINCE = 2  # the first format whose files must carry a checksum
NEW_FILE_MODE = 0o600


SLOTS = {"sgd": 0, "momentum": 1, "adam": 2}
WEIGHTS_KEY = re.compile(r"[Wb][0-9]+")


class SessionError(WeightsFileError):
    """A session file cannot be written or read, with the reason in words."""


class Invalid(Exception):
    """Something inside the archive is wrong; the message says what."""


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


# ------------------------------------------------------- the archive


def read_archive(path: str | os.PathLike, shown: str, progress: Progress | None = None) -> dict[str, Array]:
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


def read_meta(arrays: dict[str, Array], shown: str) -> dict[str, Any]:
    if "meta" not in arrays:
        if arrays and all(WEIGHTS_KEY.fullmatch(k) for k in arrays):
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


# Checks on the decoded content; each raises Invalid with a plain reason.


def field(mapping: dict, key: str, kind: type | tuple[type, ...], where: str = "the session") -> Any:
    if key not in mapping:
        raise Invalid(f"{where} has no {key!r}")
    value = mapping[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise Invalid(f"{key!r} in {where} has the wrong type ({type(value).__name__})")
    return value


def count(mapping: dict, key: str, low: int, where: str = "the session") -> int:
    value = field(mapping, key, int, where)
    if value < low:
        raise Invalid(f"{key!r} in {where} is {value}; it must be at least {low}")
    return value


def array_of(
    arrays: dict[str, Array], key: str, shape: tuple[int | None, ...], kind: str, dtype: np.dtype | None = None
) -> Array:
    """The array under `key`, checked for shape (None: any length) and kind."""
    if key not in arrays:
        raise Invalid(f"the array {key!r} is missing")
    arr = arrays[key]
    if arr.ndim != len(shape) or any(want is not None and got != want for got, want in zip(arr.shape, shape)):
        expected = (
            "(" + ", ".join("any" if n is None else str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"
        )
        raise Invalid(f"{key!r} has shape {arr.shape}; the configuration needs {expected}")
    if arr.dtype.kind not in kind:
        raise Invalid(f"{key!r} holds {arr.dtype} values")
    if dtype is not None and arr.dtype != dtype:
        raise Invalid(f"{key!r} holds {arr.dtype} values but the configuration says {dtype}")
    return arr


def finite(key: str, arr: Array) -> Array:
    if not np.isfinite(arr).all():
        raise Invalid(f"{key!r} holds values that are not finite numbers (NaN or infinity)")
    return arr


def rng_state(value: Any, where: str) -> dict:
    """A generator state that numpy accepts, checked on a scratch generator."""
    if not isinstance(value, dict):
        raise Invalid(f"the generator state of {where} is missing")
    try:
        np.random.default_rng().bit_generator.state = value
    except (TypeError, ValueError, KeyError, OverflowError) as exc:
        raise Invalid(f"the generator state of {where} is invalid ({exc})") from None
    return value


def opt_state(value: Any, slots: Array, where: str) -> OptimizerState:
    if not isinstance(value, dict):
        raise Invalid(f"the optimizer state of {where} is missing")
    kind = field(value, "kind", str, where)
    if kind not in OPTIMIZERS:
        raise Invalid(f"unknown optimizer {kind!r} in {where}")
    step = count(value, "step", 0, where)
    if slots.shape[0] != SLOTS[kind]:
        raise Invalid(f"{where}: a {kind} state has {SLOTS[kind]} slot arrays, found {slots.shape[0]}")
    return OptimizerState(kind, step, tuple(finite(f"optimizer slots of {where}", s) for s in slots))


def segments_of(meta: dict) -> list[tuple[int, Config]]:
    raw = field(meta, "segments", list)
    if not raw:
        raise Invalid("it has no configuration")
    segments: list[tuple[int, Config]] = []
    for i, seg in enumerate(raw):
        if not isinstance(seg, dict):
            raise Invalid(f"configuration segment {i} is not a mapping")
        start = count(seg, "start", 0, f"segment {i}")
        config = Config.from_dict(field(seg, "config", dict, f"segment {i}"))  # ConfigError is reported as such
        if i == 0 and start != 0:
            raise Invalid("the first configuration must start at epoch 0")
        if i and start <= segments[-1][0]:
            raise Invalid("configuration segments are not in epoch order")
        if i and any(getattr(config, f) != getattr(segments[0][1], f) for f in REBUILD_FIELDS):
            raise Invalid(f"segment {i} describes a different network from the first")
        segments.append((start, config))
    return segments


# Dataset fields stored only when present (data_<name>): regression targets, raw inputs of features.
OPTIONAL_DATA = ("values", "values_test", "raw_X", "raw_X_test")


def dataset_of(meta: dict, arrays: dict[str, Array], n_features: int) -> Dataset:
    info = field(meta, "data", dict)
    names = field(info, "feature_names", list, "the data")
    X = array_of(arrays, "data_X", (None, n_features), "f", np.dtype(np.float64))  # data is always float64
    for key in ("class_names", "feature_names"):
        listed = field(info, key, list, "the data")
        if not all(isinstance(n, str) and n.isprintable() for n in listed):
            raise Invalid(f"its {key.replace('_', ' ')} are not all printable text")
    optional = [key for key in OPTIONAL_DATA if f"data_{key}" in arrays]
    return Dataset(
        field(info, "name", str, "the data"),
        finite("data_X", X),
        array_of(arrays, "data_labels", (X.shape[0],), "iu"),
        finite("data_X_test", array_of(arrays, "data_X_test", (None, len(names)), "f", np.dtype(np.float64))),
        array_of(arrays, "data_labels_test", (None,), "iu"),
        tuple(str(n) for n in field(info, "class_names", list, "the data")),
        tuple(str(n) for n in names),
        **{key: finite(f"data_{key}", array_of(arrays, f"data_{key}", (None, None), "f")) for key in optional},
    )


def check_history(history: dict[str, Array], has_test: bool, regression: bool = False) -> None:
    """What the engine can have recorded: finite training figures, test figures iff a test set."""
    for name in ("loss", "accuracy"):
        if not np.isfinite(history[name]).all():
            epoch = int(np.argmin(np.isfinite(history[name])))
            raise Invalid(f"its {name} history holds a value that is not a finite number at epoch {epoch}")
    for name in ("test_loss", "test_accuracy"):
        values = history[name]
        if has_test and np.isnan(values).any():
            raise Invalid(f"its {name} history has gaps (NaN) although the run has a test set")
        if not has_test and not np.isnan(values).all():
            raise Invalid(f"its {name} history has values although the run has no test set")
    for name in ("accuracy", "test_accuracy"):
        values = history[name][~np.isnan(history[name])]
        if values.size and ((values.min() < 0 and not regression) or values.max() > 1):  # R² has no lower bound
            raise Invalid(f"its {name} history holds values outside 0..1")


def check_sum(meta: dict, arrays: dict[str, Array]) -> None:
    """Format 2 and later: the checksum must match; format 1 files have none (see the module docstring)."""
    if meta["format"] < CHECKSUM_SINCE:
        return
    stored = meta.get("checksum")
    if not isinstance(stored, str):
        raise Invalid("it has no checksum, which its format requires")
    if stored != checksum(meta, arrays):
        raise Invalid(
            "its arrays or description do not match its checksum: the file was changed after it was saved "
            "(for instance a history reordered or edited)"
        )


def check_sum_meanwhile(meta: dict, arrays: dict[str, Array]) -> Callable[[], None]:
    """`check_sum` started on a thread of its own; returns the function that
    waits for it and raises what it raised.

    Hashing a large session needs only the arrays as read, and hashlib lets
    go of the GIL while it hashes, so on a second core it costs the load
    nothing while the trainer is rebuilt. Neither touches the
    arrays or the description (the rebuild makes its own arrays from them).
    """
    raised: list[BaseException] = []

    def check() -> None:
        try:
            check_sum(meta, arrays)
        except BaseException as exc:  # noqa: BLE001 - raised again by wait, on the loading thread
            raised.append(exc)

    thread = threading.Thread(target=check, name="session checksum", daemon=True)
    thread.start()

    def wait() -> None:
        thread.join()
        if raised:
            raise raised[0]

    return wait


def initial_params_of(arrays: dict[str, Array], config: Config, dtype: np.dtype) -> Array:
    n_params = Layout(config.layers).n_params
    return finite("initial_params", array_of(arrays, "initial_params", (n_params,), "f", dtype))
