"""How long reading files takes: a large CSV (beside the loader it replaced) and a large session.

Run `python bench/bench_files.py` (or `--quick` for a smoke run). It writes its
own files in a temporary folder:

- a CSV of ROWS rows x 3 columns (two float features, a 0/1 label), about
  21 MB for a million rows. The current loader (`model.datasets.load_csv`) and
  the loader before issue 13 (`bench/baseline_csv_loader.py`, kept verbatim)
  take turns (A B A B ...), timed in CPU seconds of this thread, so load from
  other programs falls on both alike; medians are printed. Peak memory of each
  is measured apart (tracemalloc), against the target of 3x the file size.
- a session of about 17 MB (700,000 training samples, 10 epochs) read by
  `load_session`, and ctrl+o of that session in the app (headless, Pilot) until
  the screen shows the loaded run: wall-clock medians.

This is a script, not a test; its figures go in the README.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import baseline_csv_loader  # noqa: E402

from model import Config, Trainer  # noqa: E402
from model.datasets import load_csv  # noqa: E402
from model.session import load_session, save_session  # noqa: E402


def write_csv(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    with open(path, "w") as f:
        f.write("x1,x2,label\n")
        for start in range(0, rows, 100_000):
            block = zip(X[start : start + 100_000], y[start : start + 100_000])
            f.write("".join(f"{a:.6f},{b:.6f},{c}\n" for (a, b), c in block))


def cpu_seconds(load, path: Path) -> float:
    start = time.thread_time()
    load(path)
    return time.thread_time() - start


def peak_bytes(load, path: Path) -> int:
    tracemalloc.start()
    try:
        load(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bench_csv(folder: Path, rows: int, rounds: int) -> None:
    path = folder / "big.csv"
    write_csv(path, rows)
    size = path.stat().st_size
    new, old = load_csv(path), baseline_csv_loader.load_csv(path)
    assert np.array_equal(new.X, old.X) and np.array_equal(new.labels, old.labels), "the loaders disagree"
    times: dict[str, list[float]] = {"new": [], "baseline": []}
    for _ in range(rounds):
        times["new"].append(cpu_seconds(load_csv, path))
        times["baseline"].append(cpu_seconds(baseline_csv_loader.load_csv, path))
    peaks = {"new": peak_bytes(load_csv, path), "baseline": peak_bytes(baseline_csv_loader.load_csv, path)}
    print(f"CSV, {rows:,} rows x 3 columns, {size / 1e6:.1f} MB, {rounds} rounds each (CPU s of this thread):")
    print(f"  {'loader':<10} {'median s':>9} {'best s':>8} {'peak MB':>8} {'peak / file':>12}")
    for name in ("new", "baseline"):
        print(
            f"  {name:<10} {statistics.median(times[name]):9.2f} {min(times[name]):8.2f} "
            f"{peaks[name] / 1e6:8.1f} {peaks[name] / size:12.2f}"
        )
    ratio = statistics.median(times["baseline"]) / statistics.median(times["new"])
    print(f"  speed-up (medians): {ratio:.2f}x; targets: <= 2 s, peak <= 3x the file")


def bench_session(folder: Path, rows: int, rounds: int) -> None:
    csv_path = folder / "session-data.csv"
    write_csv(csv_path, rows)
    trainer = Trainer.from_config(Config(dataset="csv", csv_path=str(csv_path), layers=(2, 4, 1)))
    trainer.run(10)
    path = folder / "big-session.npz"
    save_session(trainer, path)
    size = path.stat().st_size
    loads = []
    for _ in range(rounds):
        start = time.perf_counter()
        load_session(path)
        loads.append(time.perf_counter() - start)
    opens = [asyncio.run(ctrl_o(path)) for _ in range(rounds)]
    print(f"Session, {size / 1e6:.1f} MB ({rows:,} samples, 10 epochs), {rounds} rounds (wall s):")
    print(f"  load_session       median {statistics.median(loads):.2f}  best {min(loads):.2f}")
    print(f"  ctrl+o to screen   median {statistics.median(opens):.2f}  best {min(opens):.2f}   (target <= 0.5 s)")


async def ctrl_o(path: Path) -> float:
    """Seconds from the Enter that opens `path` to the stats bar showing its epoch (the
    redraw of every panel happens in the same call as the stats bar's)."""
    from textual.widgets import Input

    from tui.app import BackpropApp
    from tui.format import fixed_int
    from tui.screens.file_dialog import FileDialog
    from tui.widgets.stats_bar import StatsBar

    app = BackpropApp(show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+o")
        while not isinstance(app.screen, FileDialog):
            await pilot.pause(0.01)
        app.screen.query_one("#file-path", Input).value = str(path)
        start = time.perf_counter()
        app.screen._submit()  # as Enter does; Pilot's press would add its own wait for idle
        while app.query_one(StatsBar).fields.get("epoch") != fixed_int(10, 6) or app.trainer.data.n_features != 2:
            await asyncio.sleep(0.002)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small files, one round: a smoke run")
    args = parser.parse_args()
    rows, session_rows, rounds = (20_000, 20_000, 1) if args.quick else (1_000_000, 700_000, 5)
    print(f"numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        bench_csv(Path(folder), rows, rounds)
        bench_session(Path(folder), session_rows, rounds)


if __name__ == "__main__":
    main()
