"""Hostile and careless input (issue 13): a table per category, each row an input
and the reason it must be refused with. Nothing here may crash, hang, or write
where it should not; README's reliability figures come from these tables.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

from model import BackpropError, Config, Trainer
from model.atomic_write import UnsafeTarget, check_target, write_atomically
from model.datasets import load_csv
from model.errors import DataError, WeightsFileError
from model.safe_read import LIMIT_VARIABLE
from model.script_export import write_standalone_script
from model.session import SessionError, checksum, load_session, save_session
from model.weights_file import load_weights, save_weights

ROOT = Path(__file__).resolve().parents[2]


def refused(load, path, *fragments, error=BackpropError):
    """`load(path)` raises `error` whose message holds every fragment, within a few seconds."""
    outcome: list[BaseException | None] = []

    def attempt():
        try:
            load(path)
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome.append(exc)
        else:
            outcome.append(None)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(20)
    assert outcome, f"{load.__name__}({path}) hung"
    exc = outcome[0]
    assert isinstance(exc, error), f"{type(exc).__name__}: {exc}"
    for fragment in fragments:
        assert fragment in str(exc), str(exc)
    return str(exc)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    t = Trainer.from_config(Config(dataset="xor", layers=(2, 3, 1), lr=0.5))
    t.run(12)
    path = tmp_path_factory.mktemp("s") / "good.npz"
    save_session(t, path)
    return t, path


def edited(path: Path, target: Path, meta=None, reseal=False, **arrays) -> Path:
    with np.load(path, allow_pickle=False) as z:
        content = {k: z[k] for k in z.files}
    described = json.loads(content.pop("meta").tobytes())
    for key, value in (meta or {}).items():
        described[key] = value
    content.update(arrays)
    if reseal:
        described["checksum"] = checksum(described, content)
    text = described if isinstance(described, str) else json.dumps(described)
    np.savez(target, meta=np.frombuffer(text.encode(), dtype=np.uint8), **content)
    return target


# ----------------------------------------------------- 2. crashes that lost the run


def deep_meta(path: Path, target: Path) -> Path:
    with np.load(path, allow_pickle=False) as z:
        content = {k: z[k] for k in z.files}
    content["meta"] = np.frombuffer(("[" * 100_000 + "]" * 100_000).encode(), dtype=np.uint8)
    np.savez(target, **content)
    return target


def huge_npy_header(target: Path) -> Path:
    """A weights file whose W0 header claims 8 TB."""
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }"
    header = header + " " * (63 - (len(header) + 10) % 64) + "\n"
    npy = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + b"\0" * 64
    with zipfile.ZipFile(target, "w") as z:
        z.writestr("W0.npy", npy)
        z.writestr("b0.npy", npy)
    return target


PCG = {"bit_generator": "PCG64", "has_uint32": 0, "uinteger": 0}
CRASHES = [
    ("deeply nested meta", lambda p, t: deep_meta(p, t), "nested too deeply"),
    (
        "generator state 2**200",
        lambda p, t: edited(p, t, meta={"rng": PCG | {"state": {"state": 2**200, "inc": 1}}}, reseal=True),
        "generator state",
    ),
    (
        "generator state -1",
        lambda p, t: edited(p, t, meta={"rng": PCG | {"state": {"state": -1, "inc": -1}}}, reseal=True),
        "generator state",
    ),
]


@pytest.mark.parametrize(("make", "reason"), [c[1:] for c in CRASHES], ids=[c[0] for c in CRASHES])
def test_sessions_that_crashed_the_loader(session, tmp_path, make, reason):
    refused(load_session, make(session[1], tmp_path / "bad.npz"), reason, error=SessionError)


@pytest.mark.parametrize("load", [load_session, load_weights, load_csv], ids=["session", "weights", "csv"])
def test_a_path_longer_than_the_system_allows(tmp_path, load):
    refused(load, tmp_path / ("x" * 300 + ".npz"), "too long")


def test_weights_header_claiming_terabytes(tmp_path):
    refused(load_weights, huge_npy_header(tmp_path / "w.npz"), "claims", "W0", error=WeightsFileError)


# -------------------------------------------------------- 3. endless and blocking files


@pytest.mark.parametrize("load", [load_session, load_weights, load_csv], ids=["session", "weights", "csv"])
def test_a_device_is_refused_without_reading_it(load):
    refused(load, "/dev/zero", "is a device, not a regular file")


@pytest.mark.parametrize("load", [load_session, load_weights, load_csv], ids=["session", "weights", "csv"])
def test_a_fifo_is_refused_without_blocking(tmp_path, load):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    refused(load, fifo, "a pipe (FIFO), not a regular file")


@pytest.mark.parametrize("load", [load_session, load_weights, load_csv], ids=["session", "weights", "csv"])
def test_the_size_limit_is_configurable_and_named(tmp_path, monkeypatch, load):
    path = tmp_path / "big"
    path.write_bytes(b"PK" + b"\0" * 300_000)
    monkeypatch.setenv(LIMIT_VARIABLE, "0.1")
    refused(load, path, "more than the limit of 102.4 KB", LIMIT_VARIABLE)


# ------------------------------------------------------------ 5. saving over what is not a file


def test_a_fifo_or_device_is_never_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    t = Trainer.from_config(Config())
    for target in (fifo, Path("/dev/null")):
        with pytest.raises(BackpropError, match="only a regular file is replaced"):
            save_weights(target, t.record.W, t.record.b)
        with pytest.raises(UnsafeTarget):
            check_target(target)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_symlink_is_followed_and_stays_a_link(tmp_path):
    real = tmp_path / "real.npz"
    real.write_bytes(b"old")
    link = tmp_path / "link.npz"
    link.symlink_to(real)
    t = Trainer.from_config(Config())
    save_weights(link, t.record.W, t.record.b)
    assert link.is_symlink() and os.readlink(link) == str(real)
    np.testing.assert_array_equal(load_weights(real)[0][0], t.record.W[0])


def test_modes_kept_and_new_sessions_private(tmp_path):
    t = Trainer.from_config(Config())
    existing = tmp_path / "shared.npz"
    existing.write_bytes(b"x")
    existing.chmod(0o640)
    save_session(t, existing)
    assert stat.S_IMODE(os.stat(existing).st_mode) == 0o640
    fresh = tmp_path / "new.npz"
    save_session(t, fresh)
    assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o600


# -------------------------------------------------------------- 6. temporary files


KILLED_WRITER = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, {root!r})
    from model.atomic_write import write_atomically

    def slow(f):
        f.write(b"partial" * 1000)
        f.flush()
        print("writing", flush=True)
        time.sleep(60)

    write_atomically({target!r}, slow)
    """
)


def test_a_killed_save_leaves_a_temporary_that_the_next_save_removes(tmp_path):
    target = tmp_path / "w.npz"
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER.format(root=str(ROOT), target=str(target))], stdout=subprocess.PIPE
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == b"writing"
    writer.send_signal(signal.SIGKILL)
    writer.wait(10)
    left = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(left) == 1 and not target.exists()
    t = Trainer.from_config(Config())
    save_weights(target, t.record.W, t.record.b)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.npz"]


def test_names_up_to_the_limit_save_and_longer_ones_fail_first(tmp_path):
    t = Trainer.from_config(Config())
    longest = tmp_path / ("n" * 250 + ".npz")  # 254 bytes: the temporary's name must still fit
    save_session(t, longest)
    assert load_session(longest).epoch == 0
    with pytest.raises(OSError, match="longer than 255 bytes"):
        check_target(tmp_path / ("n" * 252 + ".npz"))


def test_a_failed_write_leaves_nothing(tmp_path):
    def boom(f):
        f.write(b"half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_atomically(tmp_path / "f", boom)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- 7. the exported script


@pytest.mark.parametrize(
    "name", ['x""";open("MARK1","w");"""x.py', "back\\N.py", "it's me.py", "new\nline.py", "tab\there.py", "ünï.py"]
)
def test_hostile_script_names_compile_and_run_without_side_effects(tmp_path, name):
    t = Trainer.from_config(Config())
    path = tmp_path / name
    write_standalone_script(t, path)
    compile(path.read_text(encoding="utf-8"), str(path), "exec")
    done = subprocess.run([sys.executable, str(path), "2"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "MARK1").exists()


# ------------------------------------------------------------ 8. accepted silently before


def csv_file(tmp_path: Path, text: str | bytes, name: str = "d.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


SILENT = [
    ("underscore digits", "a,b,y\n1_000,2,0\n3,4,1\n", "line 2, column 'a': '1_000' is not a plain number"),
    ("arabic-indic digit", "a,b,y\n\u0663,2,0\n3,4,1\n", "'\u0663' is not a plain number"),
    ("full-width digit", "a,b,y\n1,\uff11,0\n3,4,1\n", "line 2, column 'b': '\uff11' is not a plain number"),
    ("hex", "a,b,y\n0x10,2,0\n3,4,1\n", "'0x10' is not a number"),
]


@pytest.mark.parametrize(("text", "reason"), [c[1:] for c in SILENT], ids=[c[0] for c in SILENT])
def test_numbers_python_reads_but_people_do_not_write(tmp_path, text, reason):
    refused(load_csv, csv_file(tmp_path, text), reason, error=DataError)


def test_weights_that_overflow_the_forward_pass(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, W0=np.full((2, 4), 1e308), b0=np.zeros(4), W1=np.ones((4, 1)), b1=np.zeros(1))
    refused(load_weights, path, "overflow the forward pass", error=WeightsFileError)


def test_session_edits(session, tmp_path):
    t, path = session
    loss = np.load(path)["history_loss"]
    refused(load_session, edited(path, tmp_path / "r.npz", history_loss=loss[::-1].copy()), "do not match its checksum")
    with_nan = loss.copy()
    with_nan[3] = np.nan
    nan_file = edited(path, tmp_path / "n.npz", reseal=True, history_loss=with_nan)
    refused(load_session, nan_file, "not a finite number at epoch 3")
    data32 = np.load(path)["data_X"].astype(np.float32)
    refused(load_session, edited(path, tmp_path / "f.npz", reseal=True, data_X=data32), "'data_X' holds float32")
    no_sum = edited(path, tmp_path / "c.npz", meta={"checksum": None})
    refused(load_session, no_sum, "has no checksum")


def test_old_format_without_checksum_still_loads(session, tmp_path):
    t, path = session
    old = edited(path, tmp_path / "v1.npz", meta={"format": 1, "checksum": None})
    assert load_session(old).epoch == t.epoch


# ----------------------------------------------------------------- 9. messages that misled


MISLEADING = [
    (
        "5000 columns",
        ",".join(f"f{i}" for i in range(5000)) + ",y\n" + ",".join("1" for _ in range(5001)) + "\n",
        "a network takes at most 4096 inputs",
    ),
    (
        "unterminated quote",
        'a,b,y\n1,2,0\n3,4,"1\n5,6,0\n7,8,1\n',
        'line 3: a quoted cell runs on to line 5; is a closing quote (") missing?',
    ),
    ("semicolons", "a;b;y\n1;2;0\n3;4;1\n", "separated by semicolons"),
    ("tabs", "a\tb\ty\n1\t2\t0\n", "separated by tabs"),
    ("not utf-8", b"a,b,y\n1,2,\xff\n", "not UTF-8 text (byte 0xff at offset 10)"),
    ("control character in a name", "a\x1b[31m,b,y\n1,2,0\n3,4,1\n", "holds a control character"),
]


@pytest.mark.parametrize(("text", "reason"), [c[1:] for c in MISLEADING], ids=[c[0] for c in MISLEADING])
def test_messages_say_what_is_wrong(tmp_path, text, reason):
    refused(load_csv, csv_file(tmp_path, text), reason, error=DataError)


def test_cr_only_line_endings_load(tmp_path):
    ds = load_csv(csv_file(tmp_path, "a,b,y\r1,2,0\r3,4,1\r"))
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4]])


def test_an_unreadable_session_says_so(session, tmp_path, monkeypatch):
    path = tmp_path / "locked.npz"
    path.write_bytes(session[1].read_bytes())
    path.chmod(0)
    if os.geteuid() == 0:  # root reads any file: the refusal root would get is simulated
        real_open = os.open

        def refusing_open(name, *args, **kwargs):
            if os.fspath(name) == os.fspath(path):
                raise PermissionError(13, "Permission denied", os.fspath(name))
            return real_open(name, *args, **kwargs)

        monkeypatch.setattr(os, "open", refusing_open)
    refused(load_session, path, "Permission denied", error=SessionError)


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path, monkeypatch):
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        header = "{'descr': '|u1', 'fortran_order': False, 'shape': (200000000,), }"
        header = header + " " * (63 - (len(header) + 10) % 64) + "\n"
        with z.open("meta.npy", "w", force_zip64=True) as member:
            member.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode())
            chunk = b"\0" * (1 << 24)
            for _ in range(12):
                member.write(chunk)
    assert path.stat().st_size < 1_000_000
    monkeypatch.setenv(LIMIT_VARIABLE, "100")
    refused(load_session, path, "would unpack to", "more than the limit", error=SessionError)
