"""model/quiet_numpy.py: what `Trainer.step` runs its epoch in instead of an
errstate made per call."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

from model.quiet_numpy import call_quietly


def _overflow() -> dict[str, str]:
    np.exp(np.array([1000.0]))  # overflow
    np.divide(np.array([1.0]), np.array([0.0]))  # divide
    np.subtract(np.array([np.inf]), np.array([np.inf]))  # invalid
    return np.geterr()


def test_inside_numpy_says_nothing_of_overflow_invalid_or_divide():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        state = call_quietly(_overflow)
    assert state == {"divide": "ignore", "over": "ignore", "under": "ignore", "invalid": "ignore"}


def test_the_callers_error_state_is_as_it_was_after_a_return_or_an_exception():
    with np.errstate(all="raise"):
        call_quietly(_overflow)
        with pytest.raises(ZeroDivisionError):
            call_quietly(lambda: 1 / 0)
        assert np.geterr() == {"divide": "raise", "over": "raise", "under": "raise", "invalid": "raise"}
        with pytest.raises(FloatingPointError):
            np.exp(np.array([1000.0]))


def test_a_call_from_inside_a_call_is_quiet_too():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert call_quietly(lambda: call_quietly(_overflow))["over"] == "ignore"


def test_threads_each_call_quietly_at_the_same_time():
    """A context is entered by one thread at a time: each thread has its own."""
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait()
            for _ in range(200):
                call_quietly(lambda: call_quietly(_overflow))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def test_a_diverging_step_warns_nothing_and_leaves_the_callers_state():
    from model import Config, Trainer
    from model.errors import DivergenceError

    t = Trainer.from_config(Config(activation="relu", output_activation="linear", loss="mse", lr=1e6))
    with warnings.catch_warnings(), np.errstate(all="warn"):
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError):
            for _ in range(1000):
                t.step()
        assert np.geterr()["over"] == "warn"
