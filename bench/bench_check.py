"""How long `backprop-tui check` takes, and whether planting bugs costs the default engine anything.

Run from the repository root: python bench/bench_check.py [--repeats N]

1. check_file on the 2-2-1 template (a child interpreter, import, forward/backward twice, update):
   wall-clock seconds, median of N runs; then with --epochs 10000 (the learner's own Python loop).
2. Trainer.step on XOR 2-2-1, full batch: CPU microseconds per epoch, median of chunks, for a plain
   trainer in a process that never imported model.bugs against one that did (the lab must cost nothing
   on the verified path; the bits are compared in tests/model/test_bugs.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from model import Config, Trainer
from model.backward_check import check_file
from model.learner_template import template

CONFIG = Config(layers=(2, 2, 1), activation="sigmoid", output_activation="sigmoid", loss="mse", lr=0.1)

STEP_SCRIPT = """
import sys, time, statistics
from model import Config, Trainer
if sys.argv[1] == "lab":
    import model.bugs  # noqa: F401
t = Trainer.from_config(Config(layers=(2, 2, 1), loss="mse", max_epochs=10**9))
chunks = []
for _ in range(30):
    start = time.thread_time()
    for _ in range(2000):
        t.step()
    chunks.append((time.thread_time() - start) / 2000 * 1e6)
print(statistics.median(chunks))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    trainer = Trainer.from_config(CONFIG)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mine.py")
        with open(path, "w") as f:
            f.write(template(CONFIG.layers, CONFIG.activation, CONFIG.output_activation, CONFIG.loss, CONFIG.lr))
        for epochs in (0, 10_000):
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                report = check_file(path, trainer, epochs=epochs)
                times.append(time.perf_counter() - start)
                assert report.status == 0
            print(
                f"check 2-2-1 template, --epochs {epochs:>6}: median {statistics.median(times):.2f} s "
                f"(min {min(times):.2f}, max {max(times):.2f}, {args.repeats} runs)"
            )
    per_mode: dict[str, list[float]] = {"plain": [], "lab": []}
    for i in range(6):  # A B, B A, ...: load from other programs falls on both alike
        for mode in ("plain", "lab") if i % 2 == 0 else ("lab", "plain"):
            out = subprocess.run([sys.executable, "-c", STEP_SCRIPT, mode], capture_output=True, text=True, check=True)
            per_mode[mode].append(float(out.stdout))
    for mode, values in per_mode.items():
        print(
            f"Trainer.step XOR 2-2-1, {mode:>5} process: median {statistics.median(values):.1f} us/epoch (CPU), "
            f"runs {', '.join(f'{v:.1f}' for v in values)}"
        )


if __name__ == "__main__":
    main()
