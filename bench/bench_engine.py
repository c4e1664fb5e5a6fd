"""How much the engine's bookkeeping costs next to a bare NumPy training loop.

Run `python bench/bench_engine.py` (or `--quick`). For each case it times
the engine (`Trainer.step`) and a minimal loop that a person would write by
hand for the same maths (forward, loss value, backward, update), in
alternating rounds (engine, hand, engine, hand, ...) so that drifts in
machine load hit both alike, and prints the medians and their ratio:

- XOR, full batch, float64, sigmoid + BCE, 2-2-1 and 2-8-8-8-1: microseconds
  per epoch (target: engine / hand <= 1.2);
- 784-128-64-10 ReLU + softmax + CE, float32, mini-batches of 256, 4096
  random samples: samples per second (target: engine / hand >= 0.9).

The XOR cases run on one thread and are timed in CPU time of that thread
(`time.thread_time`), so other processes on a shared machine do not skew
them; the 784 case may use several BLAS threads and is timed by the wall
clock (`time.perf_counter`).

Before timing, each case checks that the two loops compute the same thing:
after a few epochs from the same start, the weights must be bit-identical.

This is a script, not a test; its figures go in the README. The BLAS
thread count is whatever the environment says (OPENBLAS_NUM_THREADS etc.).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from model import Config, Trainer  # noqa: E402
from model.datasets import Dataset, load  # noqa: E402

EPS = 1e-12


# ------------------------------------------------------------ hand loops
# Written the way a person writes them (np.mean, np.clip, 1/(1+np.exp(-z))),
# with the products in the engine's order so the results are bit-identical.


def hand_full_batch(X, Y, W, b, lr):
    """Full-batch gradient descent, sigmoid layers, BCE, one epoch per call."""
    n = X.shape[0]

    def epoch():
        acts = [X]
        a = X
        for W_l, b_l in zip(W, b):
            a = 1.0 / (1.0 + np.exp(-(a @ W_l + b_l)))
            acts.append(a)
        p = np.clip(a, EPS, 1.0 - EPS)
        loss = -np.mean(Y * np.log(p) + (1.0 - Y) * np.log(1.0 - p))
        delta = a - Y
        for l in range(len(W) - 1, -1, -1):
            dW = acts[l].T @ delta / n
            db = delta.sum(axis=0) / n
            if l:
                h = acts[l]
                delta = (delta @ W[l].T) * (h * (1.0 - h))
            W[l] = W[l] - lr * dW
            b[l] = b[l] - lr * db
        return loss

    return epoch


def hand_minibatch(X, Y, W, b, lr, batch, rng):
    """Mini-batch SGD, ReLU hidden layers, softmax + CE, one epoch per call."""
    n = X.shape[0]

    def epoch():
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            Xb, Yb = X[idx], Y[idx]
            m = idx.shape[0]
            zs, acts = [], [Xb]
            a = Xb
            for l, (W_l, b_l) in enumerate(zip(W, b)):
                z = a @ W_l + b_l
                if l < len(W) - 1:
                    a = np.maximum(z, 0.0)
                else:
                    e = np.exp(z - z.max(axis=1, keepdims=True))
                    a = e / e.sum(axis=1, keepdims=True)
                zs.append(z)
                acts.append(a)
            total += -np.mean(np.sum(Yb * np.log(np.clip(a, EPS, 1.0)), axis=1)) * m
            delta = a - Yb
            for l in range(len(W) - 1, -1, -1):
                dW = acts[l].T @ delta / m
                db = delta.sum(axis=0) / m
                if l:
                    delta = (delta @ W[l].T) * (zs[l - 1] > 0.0)
                W[l] = W[l] - lr * dW
                b[l] = b[l] - lr * db
        return total / n

    return epoch


# ----------------------------------------------------------------- cases


def xor_case(hidden):
    cfg = Config(dataset="xor", layers=(2, *hidden, 1), activation="sigmoid", output_activation="sigmoid",
                 loss="bce", lr=0.5, mode="full", max_epochs=10**9)
    data = load("xor")

    def engine():
        t = Trainer(cfg, data)
        return t.step, t

    def hand(t):
        W, b = [w.copy() for w in t.record.W], [x.copy() for x in t.record.b]
        return hand_full_batch(t.X, t.Y, W, b, cfg.lr), (W, b)

    return cfg, engine, hand


def mnist_like_case(samples):
    rng = np.random.default_rng(0)
    X = rng.random((samples, 784))
    labels = rng.integers(0, 10, samples)
    data = Dataset("synthetic", X, labels, np.empty((0, 784)), np.empty(0, np.int64),
                   tuple(str(i) for i in range(10)), tuple(f"p{i}" for i in range(784)))
    cfg = Config(layers=(784, 128, 64, 10), activation="relu", output_activation="softmax", loss="ce",
                 init="he", dtype="float32", lr=0.05, mode="minibatch", batch_size=256, max_epochs=10**9, seed=1)

    def engine():
        t = Trainer(cfg, data)
        return t.step, t

    def hand(t):
        W, b = [w.copy() for w in t.record.W], [x.copy() for x in t.record.b]
        # A generator in the engine's state (after drawing the weights) shuffles alike.
        rng = np.random.default_rng()
        rng.bit_generator.state = t.state_dict()["rng"]
        return hand_minibatch(t.X, t.Y, W, b, cfg.lr, cfg.batch_size, rng), (W, b)

    return cfg, engine, hand


def check_identical(engine, hand, epochs):
    """The engine and the hand loop must reach bit-identical weights."""
    step, t = engine()
    run_hand, (W, b) = hand(t)
    for _ in range(epochs):
        step()
        run_hand()
    for l in range(len(W)):
        if not (np.array_equal(t.record.W[l], W[l]) and np.array_equal(t.record.b[l], b[l])):
            diff = max(np.abs(t.record.W[l] - W[l]).max(), np.abs(t.record.b[l] - b[l]).max())
            return f"DIFFERENT (layer {l + 1}, max |diff| {diff:.3g})"
    return "bit-identical"


def timed(fn, n, clock):
    start = clock()
    for _ in range(n):
        fn()
    return clock() - start


def compare(engine, hand, rounds, chunk, clock):
    """Seconds per epoch of each, one figure per chunk of epochs, in pairs.

    Engine and hand loop take turns (A B A B ...) in short chunks on one
    trainer and one copy of its weights, so a burst of other work on the
    machine falls on both alike; a fresh start every 10 pairs keeps the
    engine's history from growing without end.
    """
    eng, hnd = [], []
    for r in range(rounds):
        if r % 10 == 0:
            step, t = engine()
            run_hand, _ = hand(t)
            timed(step, chunk, clock)  # warm up caches and allocator
            timed(run_hand, chunk, clock)
        eng.append(timed(step, chunk, clock) / chunk)
        hnd.append(timed(run_hand, chunk, clock) / chunk)
    return eng, hnd


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run, for a smoke test")
    parser.add_argument("--rounds", type=int, default=None, help="engine/hand pairs per case")
    args = parser.parse_args(argv)
    xor_rounds = args.rounds or (20 if args.quick else 200)
    big_rounds = args.rounds or (3 if args.quick else 15)
    big_samples = 1024 if args.quick else 4096

    threads = {k: v for k, v in os.environ.items() if k.endswith("_NUM_THREADS")}
    print(f"numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, {threads or 'default BLAS threads'}")
    print(f"XOR: {xor_rounds} pairs of 100 epochs, CPU time of the thread; "
          f"784: {big_rounds} pairs of 1 epoch, wall clock")
    print()
    rows = []
    for name, hidden in (("XOR 2-2-1", (2,)), ("XOR 2-8-8-8-1", (8, 8, 8))):
        cfg, engine, hand = xor_case(hidden)
        same = check_identical(engine, hand, 50)
        eng, hnd = compare(engine, hand, xor_rounds, 100, time.thread_time)
        e, h = statistics.median(eng) * 1e6, statistics.median(hnd) * 1e6
        rows.append((name, "us/epoch", e, h, e / h, min(eng) / min(hnd), "<= 1.2", e / h <= 1.2, same))
    cfg, engine, hand = mnist_like_case(big_samples)
    same = check_identical(engine, hand, 1)
    eng, hnd = compare(engine, hand, big_rounds, 1, time.perf_counter)
    e, h = big_samples / statistics.median(eng), big_samples / statistics.median(hnd)
    rows.append(("784-128-64-10 f32 mb256", "samples/s", e, h, e / h, min(hnd) / min(eng), ">= 0.9", e / h >= 0.9, same))

    header = (f"{'case':<24} {'unit':<10} {'engine':>10} {'hand':>10} {'ratio':>6} {'best':>6}  "
              f"{'target':<7} {'met':<4} maths")
    print(header)
    print("-" * len(header))
    for name, unit, e, h, ratio, best, target, met, same in rows:
        print(f"{name:<24} {unit:<10} {e:>10,.1f} {h:>10,.1f} {ratio:>6.2f} {best:>6.2f}  "
              f"{target:<7} {'yes' if met else 'NO':<4} {same}")
    print()
    print("engine and hand are medians over the chunks; ratio = engine / hand of the medians")
    print("(time for XOR, throughput for 784); best = the same ratio from each side's fastest chunk,")
    print("the figure least disturbed by other work on the machine.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
