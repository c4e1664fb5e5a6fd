"""Side by side: what stepping a pair costs against stepping its two trainers
alone (the baseline, measured in the same run), in alternating chunks.

    python bench/bench_side_by_side.py

Prints the median seconds per 500 epochs of each, and their ratio. The pair
adds only a loop and a divergence check per side, so the ratio is about 1.
"""

from __future__ import annotations

import statistics
import time

from model import Config, Trainer
from model.side_by_side import SideBySide

CONFIG = Config(dataset="moons", samples=200, layers=(2, 16, 1), activation="tanh", max_epochs=10**9)
RIGHT = CONFIG.replace(feedback_alignment=True)
EPOCHS = 500
ROUNDS = 7


def pair_chunk() -> float:
    pair = SideBySide(CONFIG, RIGHT)
    start = time.perf_counter()
    pair.step(EPOCHS)
    return time.perf_counter() - start


def alone_chunk() -> float:
    left, right = Trainer.from_config(CONFIG), Trainer.from_config(RIGHT)
    start = time.perf_counter()
    for _ in range(EPOCHS):
        left.step()
        right.step()
    return time.perf_counter() - start


def main() -> None:
    pair, alone = [], []
    for _ in range(ROUNDS):  # alternating, so both see the same load
        alone.append(alone_chunk())
        pair.append(pair_chunk())
    a, p = statistics.median(alone), statistics.median(pair)
    print(f"{EPOCHS} epochs of both sides, median of {ROUNDS}: alone {a:.4f} s, pair {p:.4f} s, ratio {p / a:.3f}")


if __name__ == "__main__":
    main()
