"""Reading the training process's messages a piece at a time.

A report from the child carries the exact state of its newest epoch, so
that a pause never waits for the epoch in flight (tui/training_process.py).
For a network near the size limit that state is hundreds of megabytes
(268 MB for 2-4096-4096-4096-1), and reading it whole took 0.6-1.2 s on
this project's machine: a pause pressed meanwhile waited for the read to
end before the run could be given up. `MessageReader` reads what has
arrived and returns, so the run loop looks at its stop request between
pieces, and puts the bytes straight into the one buffer the message is
unpacked from (multiprocessing's `recv_bytes` gathers them in a BytesIO and
copies them out again).

The framing is the one `multiprocessing.connection.Connection.send_bytes`
writes, which the child uses: a message's length as a signed big-endian
4-byte integer, or -1 and then the length in 8 bytes, then the message.
"""

from __future__ import annotations

import os
import select
import struct
import time

# The most read in one call: big enough that a large message costs few
# calls, small enough that the loop gets its turn every few milliseconds.
CHUNK = 4 * 2**20

_SHORT, _LONG = struct.Struct("!i"), struct.Struct("!Q")


class MessageReader:
    """Whole messages from a pipe's read end, read without blocking.

    Made for one pipe and then used by one thread; the file descriptor is
    set non-blocking, so nothing else should read from it. A message half
    read stays here for the next call.
    """

    def __init__(self, fd: int) -> None:
        self._fd = fd
        os.set_blocking(fd, False)
        self._head = b""
        self._body: bytearray | None = None  # the message under way, once its length is known
        self._filled = 0

    @property
    def partial(self) -> int:
        """Bytes read of the message under way (0: between messages)."""
        return len(self._head) + self._filled

    def read(self, timeout: float) -> bytearray | None:
        """The next whole message, or None when none was completed within
        about `timeout` seconds (what arrived of it is kept).

        Raises EOFError when the pipe closes between messages, OSError when
        it closes in the middle of one (as `Connection.recv_bytes` does).
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self._read_some()
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                select.select([self._fd], [], [], left)
                continue
            if message is not None:
                return message
            if time.monotonic() >= deadline:
                return None

    def _read_some(self) -> bytearray | None:
        """One read: of the header, or of the message; the message once whole."""
        if self._body is None:
            wanted = 4 - len(self._head) if len(self._head) < 4 else 12 - len(self._head)
            got = os.read(self._fd, wanted)
            if not got:
                if self._head:
                    raise OSError("the pipe closed in the middle of a message")
                raise EOFError
            self._head += got
            size = self._size()
            if size is None:
                return None
            self._body = bytearray(size)
        body = self._body
        if self._filled < len(body):
            n = os.readv(self._fd, [memoryview(body)[self._filled : self._filled + CHUNK]])
            if n == 0:
                raise OSError("the pipe closed in the middle of a message")
            self._filled += n
            if self._filled < len(body):
                return None
        self._head, self._body, self._filled = b"", None, 0
        return body

    def _size(self) -> int | None:
        """The message's length, once its header has been read."""
        if len(self._head) < 4:
            return None
        (size,) = _SHORT.unpack(self._head[:4])
        if size != -1:
            return size
        if len(self._head) < 12:
            return None
        (size,) = _LONG.unpack(self._head[4:12])
        return size
