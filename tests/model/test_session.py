"""Tests for model.session: a saved run loads back whole and goes on bit for bit;
every kind of bad file is refused with a reason, and saving is atomic."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from same_run import assert_same_run, history  # noqa: E402

from model import BackpropError, Config, DivergenceError, Trainer, WeightsFileError
from model.session import FORMAT, SessionError, checksum, load_session, save_session
from model.weights_file import save_weights

FULL_SGD = Config(dataset="xor", layers=(2, 4, 1), lr=0.5)
MINIBATCH_MOMENTUM = Config(
    dataset="moons",
    samples=64,
    noise=0.2,
    test_fraction=0.25,
    layers=(2, 5, 1),
    activation="tanh",
    mode="minibatch",
    batch_size=8,
    optimizer="momentum",
    lr=0.1,
    seed=4,
)
ADAM = Config(
    dataset="spiral",
    samples=60,
    classes=3,
    layers=(2, 8, 3),
    activation="relu",
    output_activation="softmax",
    loss="ce",
    init="he",
    optimizer="adam",
    lr=0.01,
    mode="sgd",
    l2=1e-3,
    seed=2,
)
CONFIGS = {"full-sgd": FULL_SGD, "minibatch-momentum": MINIBATCH_MOMENTUM, "adam": ADAM}


def busy_run(cfg: Config) -> Trainer:
    """A run with every kind of history: steps, a rewind, a branch, a new segment."""
    t = Trainer.from_config(cfg)
    t.run(20)
    t.rewind(8)
    t.reconfigure(t.config.replace(lr=t.config.lr / 2))
    t.run(15)
    return t


# ----------------------------------------------------------- round trips


@pytest.mark.parametrize("name", list(CONFIGS))
def test_round_trip_restores_every_array(tmp_path, name):
    t = busy_run(CONFIGS[name])
    path = tmp_path / "run.session"
    save_session(t, path)
    u = load_session(path)
    assert u is not t
    assert_same_run(t, u)
    assert len(u.branches) == 1 and u.branches[0].start == 8


@pytest.mark.parametrize("name", list(CONFIGS))
def test_continuing_after_load_matches_never_stopping(tmp_path, name):
    cfg = CONFIGS[name]
    never_stopped = Trainer.from_config(cfg)
    never_stopped.run(40)

    first = Trainer.from_config(cfg)
    first.run(15)
    save_session(first, tmp_path / "s.npz")
    del first
    resumed = load_session(tmp_path / "s.npz")
    for _ in range(25):
        resumed.step()
    assert resumed.epoch == 40
    for name_, series in history(never_stopped).items():
        np.testing.assert_array_equal(resumed.history.series(name_), series)
    np.testing.assert_array_equal(resumed.params, never_stopped.params)
    assert resumed.optimizer_state.step == never_stopped.optimizer_state.step


@pytest.mark.parametrize("name", list(CONFIGS))
def test_rewind_and_replay_after_load(tmp_path, name):
    t = busy_run(CONFIGS[name])
    save_session(t, tmp_path / "s.npz")
    u = load_session(tmp_path / "s.npz")
    for epoch in (0, 3, 8, 13, u.last_epoch):
        a, b = t.rewind(epoch), u.rewind(epoch)
        np.testing.assert_array_equal(a.params, b.params)
        assert a.loss == b.loss
    # From a rewound point the recorded future replays identically in both.
    t.rewind(5)
    u.rewind(5)
    for _ in range(12):
        assert t.step().loss == u.step().loss
    np.testing.assert_array_equal(t.params, u.params)


def test_saved_mid_rewind_keeps_the_recorded_future(tmp_path):
    t = Trainer.from_config(MINIBATCH_MOMENTUM)
    t.run(30)
    t.rewind(10)
    save_session(t, tmp_path / "s.npz")
    u = load_session(tmp_path / "s.npz")
    assert (u.epoch, u.last_epoch) == (10, 30)
    recorded = t.history.series("loss").copy()
    for e in range(11, 31):
        assert u.step().loss == recorded[e]


def test_feedback_alignment_and_given_weights_survive(tmp_path):
    """The feedback matrices are stored, not redrawn, so a later change in how
    they are drawn cannot change a saved run."""
    cfg = Config(dataset="xor", layers=(2, 5, 3, 1), feedback_alignment=True, init="uniform", seed=9)
    drawn = Trainer.from_config(cfg)
    given_ = Trainer.from_config(cfg, params=drawn.params * 0.5)
    for t in (drawn, given_):
        t.run(10)
        save_session(t, t_path := tmp_path / f"{id(t)}.npz")
        u = load_session(t_path)
        for l, m in enumerate(t.network.feedback):
            np.testing.assert_array_equal(u.network.feedback[l], m)
        for _ in range(10):
            assert t.step().loss == u.step().loss
    # The stored matrices are the ones used: change them in the file and the loaded run follows.
    other = drawn.network.feedback[1] * -2.0
    changed = rewrite(t_path, tmp_path / "changed.npz", feedback1=other)
    np.testing.assert_array_equal(load_session(changed).network.feedback[1], other)


def test_float32_session(tmp_path):
    cfg = Config(
        dataset="circles",
        samples=40,
        layers=(2, 6, 1),
        dtype="float32",
        optimizer="adam",
        lr=0.02,
        mode="minibatch",
        batch_size=10,
    )
    t = Trainer.from_config(cfg)
    t.run(12)
    save_session(t, tmp_path / "s.npz")
    u = load_session(tmp_path / "s.npz")
    assert u.params.dtype == np.float32
    assert_same_run(t, u)
    for _ in range(5):
        assert t.step().loss == u.step().loss


def test_csv_run_loads_without_its_csv_file(tmp_path):
    rows = "\n".join(f"{x / 10},{(x * 7 % 10) / 10},{int(x % 3 == 0)}" for x in range(30))
    csv_path = tmp_path / "points.csv"
    csv_path.write_text("a,b,label\n" + rows + "\n")
    t = Trainer.from_config(Config(dataset="csv", csv_path=str(csv_path), layers=(2, 3, 1)))
    t.run(5)
    save_session(t, tmp_path / "s.npz")
    csv_path.unlink()
    u = load_session(tmp_path / "s.npz")
    assert u.data.feature_names == ("a", "b")
    assert_same_run(t, u)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_is_kept(tmp_path):
    t = Trainer.from_config(Config(dataset="xor", layers=(2, 3, 1), output_activation="linear", loss="mse", lr=1e6))
    with pytest.raises(DivergenceError):
        t.run(50)
    save_session(t, tmp_path / "s.npz")
    u = load_session(tmp_path / "s.npz")
    assert u.divergence == t.divergence
    assert u.epoch == t.epoch


@settings(max_examples=12, deadline=None)
@given(
    mode=st.sampled_from(["full", "minibatch", "sgd"]),
    optimizer=st.sampled_from(["sgd", "momentum", "adam"]),
    before=st.integers(0, 12),
    rewind_to=st.integers(0, 12),
    after=st.integers(1, 8),
)
def test_any_save_point_resumes_exactly(tmp_path_factory, mode, optimizer, before, rewind_to, after):
    cfg = Config(dataset="xor", layers=(2, 3, 1), mode=mode, batch_size=3, optimizer=optimizer, lr=0.3)
    t = Trainer.from_config(cfg)
    t.run(before)
    t.rewind(min(rewind_to, before))
    path = tmp_path_factory.mktemp("s") / "s.npz"
    save_session(t, path)
    u = load_session(path)
    for _ in range(after):
        assert t.step().loss == u.step().loss
    np.testing.assert_array_equal(t.params, u.params)


def test_file_layout(tmp_path):
    """The documented keys; the metadata is JSON in a uint8 array."""
    t = busy_run(FULL_SGD)
    save_session(t, tmp_path / "s.npz")
    with np.load(tmp_path / "s.npz", allow_pickle=False) as z:
        keys = set(z.files)
        meta = json.loads(z["meta"].tobytes())
        assert z["params"].shape == (t.layout.n_params,)
        assert z["snapshot_params"].shape[1] == t.layout.n_params
    assert {
        "meta",
        "params",
        "opt_slots",
        "initial_params",
        "snapshot_params",
        "snapshot_slots",
        "history_loss",
        "history_test_loss",
        "history_accuracy",
        "history_test_accuracy",
        "data_X",
        "data_labels",
        "data_X_test",
        "data_labels_test",
        "branch0_loss",
        "branch0_test_loss",
    } == keys
    assert (meta["app"], meta["kind"], meta["format"]) == ("backprop-tui", "session", FORMAT)
    assert (meta["epoch"], meta["last_epoch"]) == (t.epoch, t.last_epoch)
    assert [s["start"] for s in meta["segments"]] == [0, 8]


# ----------------------------------------------------------- atomic saving


def test_failed_save_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "s.npz"
    t = Trainer.from_config(FULL_SGD)
    save_session(t, path)
    before = path.read_bytes()
    t.run(5)

    def half_then_fail(file, **arrays):
        file.write(b"PK\x03\x04 half a session")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", half_then_fail)
    with pytest.raises(SessionError, match="No space left on device"):
        save_session(t, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["s.npz"]
    monkeypatch.undo()
    assert load_session(path).epoch == 0


def test_save_to_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(SessionError, match="cannot save the session"):
        save_session(Trainer.from_config(FULL_SGD), tmp_path / "no" / "such" / "s.npz")


# ------------------------------------------------------------- refusals


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """One good session, shared read-only by the refusal tests."""
    t = busy_run(MINIBATCH_MOMENTUM)
    path = tmp_path_factory.mktemp("saved") / "good.npz"
    save_session(t, path)
    return t, path


def rewrite(path, target, drop=(), meta_changes=None, reseal=True, **arrays):
    """A copy of a session with some entries changed, dropped or added; `reseal`
    recomputes its checksum (as a careful forger would), so that the check under
    test is the one that refuses it."""
    with np.load(path, allow_pickle=False) as z:
        content = {k: z[k] for k in z.files}
    meta = json.loads(content["meta"].tobytes())
    meta.update(meta_changes or {})
    content.update(arrays)
    for key in drop:
        del content[key]
    if reseal and isinstance(meta, dict) and "checksum" in meta:
        meta["checksum"] = checksum(meta, {k: v for k, v in content.items() if k != "meta"})
    if "meta" not in arrays:
        content["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(target, **content)
    return target


def refused(path, *fragments):
    with pytest.raises(SessionError) as info:
        load_session(path)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert isinstance(info.value, WeightsFileError) and isinstance(info.value, BackpropError)
    return message


def test_missing_file(tmp_path):
    refused(tmp_path / "nope.npz", "no session file at", "nope.npz")


def test_folder(tmp_path):
    refused(tmp_path, "is a folder")


def test_truncated_file(saved, tmp_path):
    _, path = saved
    data = path.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[: len(data) // 2])
    refused(cut, "cut short")


def test_corrupt_bytes_inside_an_array(saved, tmp_path):
    t, path = saved
    data = bytearray(path.read_bytes())
    at = bytes(data).find(t.params.tobytes())
    assert at > 0
    data[at + 5] ^= 0x5A
    bad = tmp_path / "bad.npz"
    bad.write_bytes(bytes(data))
    refused(bad, "is damaged")


def test_not_an_archive(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("epoch,loss\n0,0.7\n")
    refused(path, "not an .npz archive")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    refused(path, "not an .npz archive")


def test_weights_file_is_named_as_such(tmp_path):
    t = Trainer.from_config(FULL_SGD)
    path = tmp_path / "w.npz"
    save_weights(path, t.record.W, t.record.b)
    refused(path, "is a weights file, not a session; open it with --weights")


def test_other_npz(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, x=np.arange(3))
    refused(path, "not a backprop-tui session")


def test_newer_format(saved, tmp_path):
    _, path = saved
    refused(
        rewrite(path, tmp_path / "v99.npz", meta_changes={"format": 99}),
        f"session format 99 is newer than this program ({FORMAT})",
    )


def test_other_app(saved, tmp_path):
    _, path = saved
    refused(rewrite(path, tmp_path / "x.npz", meta_changes={"app": "something-else"}), "not a backprop-tui session")


def test_unreadable_metadata(saved, tmp_path):
    _, path = saved
    refused(
        rewrite(path, tmp_path / "x.npz", meta=np.frombuffer(b"{not json", dtype=np.uint8)),
        "session description is unreadable",
    )


@pytest.mark.parametrize(
    "key", ["params", "snapshot_params", "history_loss", "initial_params", "data_X", "branch0_loss", "opt_slots"]
)
def test_missing_array(saved, tmp_path, key):
    _, path = saved
    refused(rewrite(path, tmp_path / "x.npz", drop=[key]), f"{key!r} is missing")


@pytest.mark.parametrize("key", ["segments", "snapshots", "rng", "last_epoch"])
def test_missing_metadata(saved, tmp_path, key):
    _, path = saved
    target = tmp_path / "x.npz"
    with np.load(path, allow_pickle=False) as z:
        content = {k: z[k] for k in z.files}
    meta = json.loads(content["meta"].tobytes())
    del meta[key]
    content["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(target, **content)
    refused(target, "not a usable session")


def test_wrong_shapes(saved, tmp_path):
    t, path = saved
    n = t.layout.n_params
    refused(rewrite(path, tmp_path / "a.npz", params=np.zeros(n + 1)), "'params' has shape", f"({n},)")
    refused(rewrite(path, tmp_path / "b.npz", snapshot_params=np.zeros((2, n))), "'snapshot_params' has shape")
    refused(rewrite(path, tmp_path / "c.npz", history_loss=np.zeros(3)), "'history_loss' has shape")
    refused(rewrite(path, tmp_path / "d.npz", data_X=np.zeros((48, 3))), "'data_X' has shape")
    refused(rewrite(path, tmp_path / "e.npz", opt_slots=np.zeros((2, n))), "momentum state has 1 slot arrays")


def test_config_that_does_not_fit(saved, tmp_path):
    _, path = saved
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(z["meta"].tobytes())
    for seg in meta["segments"]:
        seg["config"]["layers"] = [2, 7, 1]
    refused(rewrite(path, tmp_path / "x.npz", meta_changes={"segments": meta["segments"]}), "has shape")
    meta["segments"][0]["config"]["lr"] = -1
    refused(rewrite(path, tmp_path / "y.npz", meta_changes={"segments": meta["segments"]}), "lr")


def test_non_finite_params(saved, tmp_path):
    t, path = saved
    bad = t.params.copy()
    bad[2] = np.nan
    refused(rewrite(path, tmp_path / "a.npz", params=bad), "'params' holds values that are not finite")
    snaps = np.load(path)["snapshot_params"].copy()
    snaps[0, 0] = np.inf
    refused(rewrite(path, tmp_path / "b.npz", snapshot_params=snaps), "not finite")


def test_wrong_dtype(saved, tmp_path):
    t, path = saved
    refused(rewrite(path, tmp_path / "a.npz", params=t.params.astype(np.float32)), "float32", "float64")


def test_bad_generator_state(saved, tmp_path):
    _, path = saved
    refused(
        rewrite(path, tmp_path / "a.npz", meta_changes={"rng": {"bit_generator": "MT19937", "state": 3}}),
        "generator state",
    )


@settings(max_examples=40, deadline=None)
@given(where=st.floats(0.0, 1.0, exclude_max=True), flip=st.integers(1, 255))
def test_any_corruption_is_refused_or_harmless(saved, where, flip):
    """A flipped byte anywhere: either a SessionError, or (a byte no check covers,
    such as a timestamp) exactly the saved run."""
    t, path = saved
    data = bytearray(path.read_bytes())
    data[int(where * len(data))] ^= flip
    bad = path.with_name("flipped.npz")
    bad.write_bytes(bytes(data))
    try:
        u = load_session(bad)
    except SessionError:
        return
    np.testing.assert_array_equal(u.params, t.params)
    assert u.epoch == t.epoch and u.last_epoch == t.last_epoch


@settings(max_examples=20, deadline=None)
@given(keep=st.floats(0.0, 1.0, exclude_max=True))
def test_any_truncation_is_refused(saved, keep):
    _, path = saved
    data = path.read_bytes()
    cut = path.with_name("cut.npz")
    cut.write_bytes(data[: int(keep * len(data))])
    with pytest.raises(SessionError):
        load_session(cut)


def test_failed_load_changes_nothing(saved, tmp_path):
    t, path = saved
    before_file = path.read_bytes()
    epoch, params = t.epoch, t.params.copy()
    bad = tmp_path / "bad.npz"
    bad.write_bytes(before_file[:100])
    with pytest.raises(SessionError):
        load_session(bad)
    assert path.read_bytes() == before_file
    assert t.epoch == epoch
    np.testing.assert_array_equal(t.params, params)
    assert zipfile.is_zipfile(path)
