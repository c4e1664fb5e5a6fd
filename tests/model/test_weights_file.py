"""Tests for model.weights_file: exact round trips and every bad file refused with a reason."""

from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import Config, Trainer, WeightsFileError
from model.weights_file import describe, load_params, load_weights, save_weights, sizes_of


def _net(sizes=(2, 4, 1), seed=0):
    rng = np.random.default_rng(seed)
    W = [rng.normal(size=(i, o)) for i, o in zip(sizes[:-1], sizes[1:])]
    b = [rng.normal(size=o) for o in sizes[1:]]
    return W, b


def _write_npz(path, **arrays):
    np.savez(path, **arrays)
    return path


# ------------------------------------------------------------- round trip


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5).map(tuple),
    seed=st.integers(0, 2**32 - 1),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_round_trip_is_exact(tmp_path_factory, sizes, seed, dtype):
    path = tmp_path_factory.mktemp("w") / "net.npz"
    W, b = _net(sizes, seed)
    W = [w.astype(dtype) for w in W]
    b = [x.astype(dtype) for x in b]
    save_weights(path, W, b)
    W2, b2 = load_weights(path, sizes)
    assert sizes_of(W2) == sizes
    for saved, loaded in zip(W + b, W2 + b2):
        assert loaded.dtype == np.float64
        assert loaded.shape == saved.shape
        # float32 -> float64 is exact, so equality is bitwise.
        np.testing.assert_array_equal(loaded, saved.astype(np.float64))


def test_file_is_a_plain_npz_with_the_documented_keys(tmp_path):
    W, b = _net((2, 3, 3, 1))
    path = tmp_path / "w.npz"
    save_weights(path, W, b)
    with np.load(path, allow_pickle=False) as archive:
        # Layers numbered from 1, as on screen (W1 is the layer from the inputs).
        assert sorted(archive.files) == ["W1", "W2", "W3", "b1", "b2", "b3"]
        np.testing.assert_array_equal(archive["W2"], W[1])
        np.testing.assert_array_equal(archive["b3"], b[2])


def test_files_with_the_older_0_based_keys_still_load(tmp_path):
    W, b = _net((2, 3, 3, 1), 4)
    new, old = tmp_path / "new.npz", tmp_path / "old.npz"
    save_weights(new, W, b)
    np.savez(old, **{f"W{l}": w for l, w in enumerate(W)}, **{f"b{l}": x for l, x in enumerate(b)})
    for path in (new, old):
        W2, b2 = load_weights(path, (2, 3, 3, 1))
        for saved, loaded in zip(W + b, W2 + b2):
            np.testing.assert_array_equal(loaded, saved)


@pytest.mark.parametrize(
    ("arrays", "fragments"),
    [
        ({"b1": np.zeros(4), "W2": np.zeros((4, 1)), "b2": np.zeros(1)}, ["missing W1", "numbered 1, 2, 3"]),
        ({"W1": np.zeros((2, 4)), "b1": np.zeros(3)}, ["b1 has 3 values", "W1 (2, 4) has 4 units"]),
        (
            {"W1": np.zeros((2, 4)), "b1": np.zeros(4), "W2": np.zeros((3, 1)), "b2": np.zeros(1)},
            ["do not chain", "W1 (2, 4)", "W2 (3, 1)"],
        ),
    ],
)
def test_1_based_files_are_refused_in_their_own_names(tmp_path, arrays, fragments):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(WeightsFileError) as info:
        load_weights(path)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "w.npz"
    save_weights(path, *_net((2, 4, 1), 1))
    save_weights(path, *_net((2, 5, 1), 2))  # overwrite
    assert os.listdir(tmp_path) == ["w.npz"]
    assert sizes_of(load_weights(path)[0]) == (2, 5, 1)


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "w.npz"
    W, b = _net((2, 4, 1), 1)
    save_weights(path, W, b)

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(WeightsFileError, match="No space left on device"):
        save_weights(path, *_net((2, 5, 1), 2))
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["w.npz"]
    np.testing.assert_array_equal(load_weights(path)[0][0], W[0])


def test_save_into_a_missing_directory_is_refused(tmp_path):
    with pytest.raises(WeightsFileError, match="cannot write"):
        save_weights(tmp_path / "nope" / "w.npz", *_net())


def test_save_refuses_weights_that_do_not_chain(tmp_path):
    W, b = _net((2, 4, 1))
    W[1] = np.zeros((3, 1))
    with pytest.raises(WeightsFileError, match="do not chain"):
        save_weights(tmp_path / "w.npz", W, b)
    assert not os.listdir(tmp_path)


def test_sizes_of_and_describe():
    W, _ = _net((3, 7, 2, 5))
    assert sizes_of(W) == (3, 7, 2, 5)
    assert describe(sizes_of(W)) == "3-7-2-5"
    assert sizes_of([]) == ()


def test_trainer_starts_from_loaded_weights(tmp_path):
    cfg = Config(dataset="xor", layers=(2, 3, 1))
    first = Trainer.from_config(cfg.replace(seed=7))
    W, b = first.record.W, first.record.b
    save_weights(tmp_path / "w.npz", W, b)
    other = Trainer.from_config(cfg.replace(seed=8), params=load_params(tmp_path / "w.npz", cfg.layers))
    np.testing.assert_array_equal(other.params, first.params)
    assert other.record.loss == first.record.loss
    # Independent check of the epoch-0 loss (bce of sigmoid outputs).
    h = 1.0 / (1.0 + np.exp(-(first.X @ W[0] + b[0])))
    y_hat = 1.0 / (1.0 + np.exp(-(h @ W[1] + b[1])))
    y = first.Y
    expected = -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))
    assert other.record.loss == pytest.approx(expected, rel=1e-12)


# -------------------------------------------------------------- bad files


def _good():
    W, b = _net((2, 4, 1))
    return {"W0": W[0], "b0": b[0], "W1": W[1], "b1": b[1]}


def _without(key):
    d = _good()
    del d[key]
    return d


def _with(**changes):
    d = _good()
    d.update(changes)
    return d


BAD_ARCHIVES = [
    pytest.param(_without("b1"), ["missing b1"], id="missing-b1"),
    pytest.param(_without("W0"), ["missing W0"], id="missing-W0"),
    pytest.param(_with(extra=np.zeros(3)), ["unknown entry 'extra'"], id="extra-key"),
    pytest.param(_with(W01=np.zeros((4, 1))), ["unknown entry 'W01'"], id="leading-zero"),
    pytest.param(_with(W2=np.zeros((1, 1)), b2=np.zeros(1), W3=np.zeros((1, 1))), ["missing b3"], id="missing-last-b"),
    pytest.param(
        {"W0": np.zeros((2, 4)), "b0": np.zeros(4), "W2": np.zeros((4, 1)), "b2": np.zeros(1)},
        ["missing W1, b1", "numbered 0, 1, 2"],
        id="gap",
    ),
    pytest.param(_with(W1=np.zeros(4)), ["W1 must be 2-D", "(4,)"], id="W-1d"),
    pytest.param(_with(W1=np.zeros((4, 1, 1))), ["W1 must be 2-D"], id="W-3d"),
    pytest.param(_with(b0=np.zeros((1, 4))), ["b0 must be 1-D", "(1, 4)"], id="b-2d"),
    pytest.param(_with(W1=np.zeros((3, 1))), ["do not chain", "W0 (2, 4)", "W1 (3, 1)"], id="no-chain"),
    pytest.param(_with(b0=np.zeros(3)), ["b0 has 3 values", "W0 (2, 4) has 4 units"], id="bias-length"),
    pytest.param(_with(W1=np.array([[0.0], [1.0], [np.nan], [0.0]])), ["W1", "non-finite", "nan", "[2, 0]"], id="nan"),
    pytest.param(_with(b1=np.array([np.inf])), ["b1", "non-finite", "inf"], id="inf"),
    pytest.param(_with(W0=np.array([["a"] * 4] * 2)), ["W0 holds <U1 values", "not real numbers"], id="strings"),
    pytest.param(_with(b1=np.array([1j])), ["b1 holds complex128"], id="complex"),
    pytest.param(_with(W1=np.zeros((4, 0)), b1=np.zeros(0)), ["W1 is empty"], id="empty-layer"),
    pytest.param({}, ["holds no weights"], id="empty-archive"),
]


@pytest.mark.parametrize(("arrays", "fragments"), BAD_ARCHIVES)
def test_bad_archives_are_refused_with_the_reason(tmp_path, arrays, fragments):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(WeightsFileError) as info:
        load_weights(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_missing_file(tmp_path):
    with pytest.raises(WeightsFileError, match=r"no weights file at .*nope\.npz"):
        load_weights(tmp_path / "nope.npz")


def test_directory_is_refused(tmp_path):
    with pytest.raises(WeightsFileError, match="is a folder, not a weights file"):
        load_weights(tmp_path)


def test_unreadable_path_with_null_byte():
    with pytest.raises(WeightsFileError, match="cannot read"):
        load_weights("bad\0name.npz")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "is an empty file"),
        (b"W0,b0\n1,2\n", "not a .npz archive"),
        (b"\x93NUMPY\x01\x00", "not a .npz archive"),
        (b"PK\x03\x04garbage", "corrupt or truncated"),
    ],
)
def test_files_that_are_not_archives(tmp_path, content, fragment):
    path = tmp_path / "w.npz"
    path.write_bytes(content)
    with pytest.raises(WeightsFileError, match=fragment):
        load_weights(path)


def test_a_single_npy_array_is_not_a_weights_file(tmp_path):
    path = tmp_path / "w.npy"
    np.save(path, np.zeros((2, 4)))
    with pytest.raises(WeightsFileError, match="not a .npz archive"):
        load_weights(path)


def test_truncated_archive(tmp_path):
    path = tmp_path / "w.npz"
    save_weights(path, *_net((2, 16, 1)))
    data = path.read_bytes()
    for cut in (len(data) // 3, len(data) - 30):
        path.write_bytes(data[:cut])
        with pytest.raises(WeightsFileError, match="corrupt or truncated"):
            load_weights(path)


def test_corrupt_member_is_reported(tmp_path):
    path = tmp_path / "w.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("W0.npy", b"not an npy header")
        z.writestr("b0.npy", b"")
    with pytest.raises(WeightsFileError, match="is corrupt|is damaged"):
        load_weights(path)


def test_pickled_object_arrays_are_never_loaded(tmp_path):
    path = tmp_path / "w.npz"
    obj = np.empty((2, 4), dtype=object)
    obj[:] = 1.0
    np.savez(path, W0=obj, b0=np.zeros(4))
    with pytest.raises(WeightsFileError, match="holds Python objects, which are never loaded"):
        load_weights(path)


def test_size_mismatch_names_both_networks(tmp_path):
    path = tmp_path / "w.npz"
    save_weights(path, *_net((2, 3, 1)))
    with pytest.raises(WeightsFileError, match="the file's network is 2-3-1; the configuration asks for 2-4-1"):
        load_weights(path, sizes=(2, 4, 1))
    with pytest.raises(WeightsFileError, match="2-3-1"):
        load_params(path, (2, 4, 1))
    # The right sizes load.
    assert len(load_params(path, (2, 3, 1))) == 2 * 3 + 3 * 1 + 3 + 1


def test_integer_weights_are_accepted_as_float(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, W0=np.ones((2, 1), dtype=np.int32), b0=np.zeros(1, dtype=np.int64))
    W, b = load_weights(path, (2, 1))
    assert W[0].dtype == np.float64 and W[0].tolist() == [[1.0], [1.0]]
