"""A session's checksum is checked on a thread of its own while the trainer
is rebuilt (model/session_format.py): the same verdicts as `check_sum`,
given on the loading thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from model.session_format import CHECKSUM_SINCE, Invalid, check_sum, check_sum_meanwhile, checksum


def _sealed() -> tuple[dict, dict]:
    arrays = {"params": np.arange(5.0), "history_loss": np.linspace(1, 0, 4)}
    meta = {"format": CHECKSUM_SINCE, "epoch": 3}
    meta["checksum"] = checksum(meta, arrays)
    return meta, arrays


def test_a_matching_checksum_passes():
    meta, arrays = _sealed()
    assert check_sum_meanwhile(meta, arrays)() is None


def test_a_changed_array_is_refused_when_waited_for_as_check_sum_refuses_it():
    meta, arrays = _sealed()
    arrays["history_loss"] = arrays["history_loss"][::-1].copy()
    with pytest.raises(Invalid) as direct:
        check_sum(meta, arrays)
    wait = check_sum_meanwhile(meta, arrays)
    with pytest.raises(Invalid) as meanwhile:
        wait()
    assert str(meanwhile.value) == str(direct.value)


def test_what_the_hashing_thread_raises_is_raised_on_the_waiting_thread():
    class Unreadable:
        def __array__(self, dtype=None, copy=None):
            raise MemoryError("no room")

    meta, arrays = _sealed()
    arrays["params"] = Unreadable()
    wait = check_sum_meanwhile(meta, arrays)
    with pytest.raises(MemoryError, match="no room"):
        wait()
    assert threading.current_thread() is threading.main_thread()


def test_a_file_without_a_checksum_is_refused_and_an_old_format_passes():
    meta, arrays = _sealed()
    with pytest.raises(Invalid, match="no checksum"):
        check_sum_meanwhile({**meta, "checksum": None}, arrays)()
    assert check_sum_meanwhile({**meta, "format": CHECKSUM_SINCE - 1, "checksum": None}, arrays)() is None
