"""Pickles that carry each array across run mode's pipe once.

A run sends the whole trainer to the child and, when it stops, back. Most of
its bytes are arrays the other side already holds from the last transfer:
the data, and the snapshots of past epochs (up to 64 MB), which made pausing
a run slow (docs/decisions.md). The engine never changes an
array in place (a step makes new ones), History's rows excepted, so each
side keeps the arrays of the last transfer under tokens both sides know, and
the next transfer names those instead of carrying them. While a run goes
on, the child shares the states it keeps as it makes them, so the trainer
it sends at the end names nearly all its arrays.

Three kinds of message: PLAIN (an ordinary pickle), SHARE (its arrays join
those held, and those it names as gone leave) and TRANSFER (those held
become exactly its arrays, so nothing is held for ever). Only one side sends SHARE and TRANSFER messages at a
time, and each side unpacks them in the order they were packed, as run
mode's "run", "progress" and "stopped" messages are.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

import numpy as np

from model.history import History

# Smaller arrays cost less to send than to keep track of.
MIN_BYTES = 1024

PLAIN, SHARE, TRANSFER = b"P", b"S", b"T"


def _known(token: int) -> np.ndarray:
    raise RuntimeError("only ArrayExchange.unpack resolves array tokens")


def _learn(token: int, array: np.ndarray) -> np.ndarray:
    raise RuntimeError("only ArrayExchange.unpack resolves array tokens")


class ArrayExchange:
    """One side's record of the arrays both sides hold."""

    def __init__(self, side: int, min_bytes: int = MIN_BYTES) -> None:
        self._side = side  # 0 or 1: the tokens each side makes are its own
        self._count = 0
        self._min_bytes = min_bytes
        self._arrays: dict[int, np.ndarray] = {}  # token -> array (kept alive, so ids stay unique)
        self._tokens: dict[int, int] = {}  # id(array) -> token

    @property
    def held(self) -> int:
        """How many arrays both sides hold now."""
        return len(self._arrays)

    def pack(self, message: Any, kind: bytes = PLAIN, gone: Any = ()) -> bytes:
        """`gone` (SHARE only): objects whose arrays the sender no longer needs
        held, such as the snapshots a long run has thinned out; both sides
        let them go, so a run holds about what its trainer holds."""
        if kind == PLAIN:
            return PLAIN + pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        if kind == SHARE:
            forgotten = [self._tokens.pop(id(a)) for a in _arrays_in(gone) if id(a) in self._tokens]
            for token in forgotten:
                del self._arrays[token]
            message = (forgotten, message)
        used: dict[int, np.ndarray] = {}
        mutable: set[int] = set()  # History rows: changed in place, always sent
        inline: set[int] = set()  # arrays being sent whole right now
        exchange = self

        class Pickler(pickle.Pickler):
            def reducer_override(self, obj):
                if isinstance(obj, History):
                    mutable.add(id(obj._rows))
                    return NotImplemented
                if type(obj) is not np.ndarray or obj.nbytes < exchange._min_bytes:
                    return NotImplemented
                key = id(obj)
                if key in mutable or key in inline:
                    return NotImplemented
                token = exchange._tokens.get(key)
                if token is not None:
                    used[token] = obj
                    return _known, (token,)
                exchange._count += 1
                token = 2 * exchange._count + exchange._side
                used[token] = obj
                inline.add(key)
                return _learn, (token, obj)

        buffer = io.BytesIO()
        buffer.write(kind)
        Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(message)
        self._keep(used, kind)
        return buffer.getvalue()

    def unpack(self, data: bytes | bytearray) -> Any:
        kind, body = bytes(data[:1]), memoryview(data)[1:]
        if kind == PLAIN:
            return pickle.loads(body)
        used: dict[int, np.ndarray] = {}
        arrays = self._arrays

        def known(token: int) -> np.ndarray:
            if token not in arrays:
                raise pickle.UnpicklingError(f"array {token} is not held here: the two sides are out of step")
            return used.setdefault(token, arrays[token])

        def learn(token: int, array: np.ndarray) -> np.ndarray:
            return used.setdefault(token, array)

        class Unpickler(pickle.Unpickler):
            def find_class(self, module: str, name: str):
                if module == __name__ and name in ("_known", "_learn"):
                    return known if name == "_known" else learn
                return super().find_class(module, name)

        message = Unpickler(_ViewFile(body)).load()
        if kind == SHARE:
            forgotten, message = message
            for token in forgotten:
                array = self._arrays.pop(token, None)
                if array is not None:
                    self._tokens.pop(id(array), None)
        self._keep(used, kind)
        return message

    def _keep(self, used: dict[int, np.ndarray], kind: bytes) -> None:
        """What both sides hold after a message of this kind."""
        if kind == TRANSFER:
            self._arrays = used
            self._tokens = {id(array): token for token, array in used.items()}
        else:
            self._arrays.update(used)
            self._tokens.update((id(array), token) for token, array in used.items())


class _ViewFile(io.RawIOBase):
    """The message as a file for the unpickler, without copying it: its
    `readinto` puts each array's bytes straight into the array's own buffer
    (io.BytesIO would first copy the whole message, hundreds of megabytes
    for a very large network's state). RawIOBase makes `read` and
    `readline` of it."""

    def __init__(self, view: memoryview) -> None:
        super().__init__()
        self._view = view
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        n = min(len(target), len(self._view) - self._pos)
        target[:n] = self._view[self._pos : self._pos + n]
        self._pos += n
        return n


def _arrays_in(obj: Any) -> list[np.ndarray]:
    """The arrays in a structure of tuples, lists and dicts (a trainer's states)."""
    if isinstance(obj, np.ndarray):
        return [obj]
    if isinstance(obj, dict):
        obj = obj.values()
    elif not isinstance(obj, (tuple, list)):
        return []
    return [array for item in obj for array in _arrays_in(item)]
