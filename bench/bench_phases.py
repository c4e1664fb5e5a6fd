"""What the Network panel and phase stepping cost: CPU time (time.thread_time)
to draw the diagram at 60x20 and to compute one epoch's phases, medians of
repeated runs. Not a test: figures for bench/README.md.

    python bench/bench_phases.py
"""

from __future__ import annotations

import statistics
import time

from model import Config, Trainer
from model.diagram_values import diagram_values
from model.phases import epoch_phases
from tui.widgets.network_diagram import draw

NETWORKS = {
    "2-4-1 xor": Config(),
    "2-8-8-8-1 moons": Config(dataset="moons", layers=(2, 8, 8, 8, 1), activation="tanh"),
    "2-32-32-3 spiral": Config(
        dataset="spiral", classes=3, layers=(2, 32, 32, 3), activation="relu", output_activation="softmax", loss="ce"
    ),
    "2-8-1 moons sgd": Config(dataset="moons", layers=(2, 8, 1), mode="sgd"),
}


def median_ms(fn, repeats: int = 30) -> float:
    times = []
    for _ in range(repeats):
        start = time.thread_time()
        fn()
        times.append(time.thread_time() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    print(f"{'network':<20} {'draw 60x20 ms':>14} {'draw 120x40 ms':>15} {'phases/epoch':>13} {'all phases ms':>14}")
    for name, config in NETWORKS.items():
        trainer = Trainer.from_config(config)
        trainer.run(5)
        values = diagram_values(trainer.record)
        small = median_ms(lambda: draw(values, 60, 20))
        large = median_ms(lambda: draw(values, 120, 40))
        count = sum(1 for _ in epoch_phases(trainer))
        phases = median_ms(lambda: list(epoch_phases(trainer)), 10)
        print(f"{name:<20} {small:>14.2f} {large:>15.2f} {count:>13d} {phases:>14.2f}")


if __name__ == "__main__":
    main()
