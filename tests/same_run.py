"""One check that two trainers are the same run, to the last bit: used where a
run is saved and loaded, and where run mode sends it to a child process and back."""

from __future__ import annotations

import numpy as np

from model import Trainer


def history(t: Trainer) -> dict[str, np.ndarray]:
    return {name: t.history.series(name).copy() for name in ("loss", "test_loss", "accuracy", "test_accuracy")}


def assert_same_run(a: Trainer, b: Trainer) -> None:
    """Every array and scalar a user (or a later step) can see is identical."""
    assert (a.epoch, a.last_epoch) == (b.epoch, b.last_epoch)
    assert a.config == b.config
    np.testing.assert_array_equal(a.params, b.params)
    assert a.params.dtype == b.params.dtype
    np.testing.assert_array_equal(a.initial_params, b.initial_params)
    oa, ob = a.optimizer_state, b.optimizer_state
    assert (oa.kind, oa.step, len(oa.slots)) == (ob.kind, ob.step, len(ob.slots))
    for sa, sb in zip(oa.slots, ob.slots):
        np.testing.assert_array_equal(sa, sb)
    assert a.state_dict()["rng"] == b.state_dict()["rng"]
    for name, series in history(a).items():
        np.testing.assert_array_equal(series, b.history.series(name))
    assert a.record.loss == b.record.loss and a.record.test_loss == b.record.test_loss
    assert a.record.accuracy == b.record.accuracy
    for l in range(len(a.record.W)):
        np.testing.assert_array_equal(a.record.dW[l], b.record.dW[l])
        np.testing.assert_array_equal(a.record.delta[l], b.record.delta[l])
    assert len(a.branches) == len(b.branches)
    for x, y in zip(a.branches, b.branches):
        assert (x.start, x.label) == (y.start, y.label)
        np.testing.assert_array_equal(x.loss, y.loss)
        np.testing.assert_array_equal(x.test_loss, y.test_loss)
    ra, rb = a.export_run(), b.export_run()
    assert ra.segments == rb.segments
    assert sorted(ra.snapshots) == sorted(rb.snapshots)
    for e in ra.snapshots:
        np.testing.assert_array_equal(ra.snapshots[e].params, rb.snapshots[e].params)
        assert ra.snapshots[e].rng == rb.snapshots[e].rng
