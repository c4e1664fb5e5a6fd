"""Run mode's messages read a piece at a time: whole and in order, however
they arrive, and never a wait for the rest of one (tui/message_reader.py)."""

from __future__ import annotations

import os
import pickle
import struct
import threading
import time
from multiprocessing.connection import Connection

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.array_exchange import SHARE, TRANSFER, ArrayExchange
from tui.message_reader import CHUNK, MessageReader


def read_all(reader: MessageReader, count: int, limit: float = 30.0) -> list[bytes]:
    """`count` messages, each read with a short timeout, as the run loop does."""
    got: list[bytes] = []
    deadline = time.monotonic() + limit
    while len(got) < count:
        assert time.monotonic() < deadline, f"only {len(got)} of {count} messages arrived"
        message = reader.read(0.005)
        if message is not None:
            got.append(bytes(message))
    return got


def framed(message: bytes, long_header: bool = False) -> bytes:
    """The bytes Connection.send_bytes writes (the 8-byte length only for
    messages over 2 GiB; any length may be written that way)."""
    if long_header:
        return struct.pack("!i", -1) + struct.pack("!Q", len(message)) + message
    return struct.pack("!i", len(message)) + message


@pytest.fixture
def pipe():
    read_end, write_end = os.pipe()
    yield read_end, write_end
    for fd in (read_end, write_end):
        try:
            os.close(fd)
        except OSError:
            pass


def test_messages_sent_by_a_connection_arrive_whole_and_in_order(pipe):
    read_end, write_end = pipe
    sender = Connection(write_end, readable=False)
    messages = [b"", b"x", os.urandom(100), os.urandom(16_385), os.urandom(CHUNK * 2 + 17)]
    writer = threading.Thread(target=lambda: [sender.send_bytes(m) for m in messages])
    writer.start()
    assert read_all(MessageReader(read_end), len(messages)) == messages
    writer.join()


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 70_000), min_size=1, max_size=6),
    pieces=st.lists(st.integers(1, 50_000), min_size=1, max_size=8),
    long_headers=st.lists(st.booleans(), min_size=6, max_size=6),
    pauses=st.lists(st.sampled_from([0.0, 0.0, 0.002, 0.01]), min_size=1, max_size=5),
)
def test_messages_arrive_whole_however_the_bytes_are_split(sizes, pieces, long_headers, pauses):
    # Headers and messages cut anywhere (a header's 4 or 12 bytes in two
    # writes), with gaps or none between the writes.
    read_end, write_end = os.pipe()
    try:
        messages = [os.urandom(n) for n in sizes]
        stream = b"".join(framed(m, long) for m, long in zip(messages, long_headers))

        def write() -> None:
            at, i = 0, 0
            while at < len(stream):
                n = pieces[i % len(pieces)]
                os.write(write_end, stream[at : at + n])
                at += n
                if pause := pauses[i % len(pauses)]:
                    time.sleep(pause)
                i += 1

        writer = threading.Thread(target=write)
        writer.start()
        assert read_all(MessageReader(read_end), len(messages)) == messages
        writer.join()
    finally:
        os.close(read_end)
        os.close(write_end)


def test_a_message_half_arrived_does_not_hold_the_reader(pipe):
    # What the run loop relies on to give up a large report when a pause is asked for.
    read_end, write_end = pipe
    reader = MessageReader(read_end)
    message = os.urandom(300_000)
    data = framed(message)
    os.write(write_end, data[:1000])
    # The rest never comes while these reads run: each must return, not block.
    results: list[bytearray | None] = []
    reads = threading.Thread(target=lambda: results.extend([reader.read(0.01), reader.read(0.0)]), daemon=True)
    reads.start()
    reads.join(30.0)  # a wait, not a measurement: a blocked read never returns
    assert not reads.is_alive(), "the reader blocked until the rest of the message came"
    assert results == [None, None]
    assert reader.partial == 1000
    writer = threading.Thread(target=os.write, args=(write_end, data[1000:]))
    writer.start()
    assert read_all(reader, 1) == [message]
    writer.join()
    assert reader.partial == 0


def test_the_pipe_closing_between_messages_is_an_end_of_file(pipe):
    read_end, write_end = pipe
    os.write(write_end, framed(b"last"))
    os.close(write_end)
    reader = MessageReader(read_end)
    assert read_all(reader, 1) == [b"last"]
    with pytest.raises(EOFError):
        reader.read(1.0)


@pytest.mark.parametrize("cut", [2, 4, 10])
def test_the_pipe_closing_in_a_message_is_an_error(pipe, cut):
    read_end, write_end = pipe
    os.write(write_end, framed(b"0123456789")[:cut])
    os.close(write_end)
    reader = MessageReader(read_end)
    with pytest.raises(OSError):
        for _ in range(100):
            reader.read(0.01)


@pytest.mark.parametrize("kind", [SHARE, TRANSFER])
def test_arrays_unpacked_from_a_read_buffer_are_their_own(kind):
    # The message is unpacked from the reader's buffer without a copy of it;
    # the arrays must not point into that buffer (it would pin a whole
    # report in memory for one array) and must be writable like any other.
    parent, child = ArrayExchange(0), ArrayExchange(1)
    sent = np.arange(5000, dtype=np.float64)
    buffer = bytearray(child.pack(("progress", {"params": sent}), kind))
    got = parent.unpack(buffer)[1]["params"]
    buffer[:] = bytes(len(buffer))
    assert np.array_equal(got, sent)
    got[0] = -1.0
    assert got.flags.writeable


def test_a_pickle_with_text_opcodes_unpacks_too():
    # The exchange writes binary pickles only; the file it unpickles from can
    # still read lines, as an unpickler may ask.
    message = (["old"], ("progress", {"a": 1.5, "b": "two"}))
    data = SHARE + pickle.dumps(message, protocol=0)
    assert ArrayExchange(0).unpack(bytearray(data)) == message[1]
