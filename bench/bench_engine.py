"""How much the engine's bookkeeping costs next to bare NumPy training loops.

Run `python bench/bench_engine.py` (or `--quick`). Each row times the engine
(`Trainer.step`: one epoch, its loss and accuracy recorded, every layer's
deltas kept) against one baseline doing the same maths, in alternating
chunks (engine, baseline, engine, baseline, ...) so that drifts in machine
load hit both alike, and prints the medians and their ratio:

- XOR 2-2-1, full batch, float64, sigmoid + BCE, microseconds per epoch,
  against three baselines: the textbook loop (W1, b1, W2, b2 by name, its
  loss computed every epoch; target engine / textbook <= 1.0), a tuned loop
  (bias folded into the weight matrices, `out=` buffers, no accuracy; the
  stretch goal, about 20 us), and PyTorch eager (autograd + optim.SGD,
  one thread; reference only, when torch is installed: target engine at
  least 10x faster);
- XOR 2-8-8-8-1, the same maths against the generic hand loop (a list of
  layers; target <= 1.0);
- 784-128-64-10 ReLU + softmax + CE, float32, mini-batches of 256, 4096
  random samples: samples per second against the hand loop (target >= 1.0);
- headless, 1,000,000 epochs of XOR 2-4-1: the command line's loop
  (`train_until`, as `backprop-tui --headless --layers 2,4,1 --epochs
  1000000` runs it) as one run in 20 pieces, each followed by a piece of
  the textbook 2-4-1 loop (200,000 epochs in all): the total CPU seconds
  (target <= 30 s) and microseconds per epoch against the textbook's.

Every row runs on one thread, BLAS included (OPENBLAS_NUM_THREADS and the
like default to 1 here; set them to measure otherwise), and is timed in CPU
time of that thread (`time.thread_time`), so other processes on a shared
machine skew it less. With several BLAS threads the 784 row was timed by the
wall clock, and on a loaded 2-core machine that measured the other jobs more
than the loops (its ratio swung from 0.54 to 1.06 between runs); CPU time of
the process counts BLAS threads spinning while they wait.

Before timing, each row checks that the two loops compute the same thing:
after a few epochs from the same start, the weights must be bit-identical
(the tuned loop adds the bias inside the product, so it may differ in the
last bits; torch is compared to 1e-9).

This is a script, not a test; its figures go in the README.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # before NumPy starts its BLAS

import numpy as np  # noqa: E402

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


def textbook_xor(X, Y, W, b, lr):
    """The 2-H-1 loop of the textbooks: weights by name, loss every epoch."""
    W1, W2 = W
    b1, b2 = b
    n = X.shape[0]

    def epoch():
        nonlocal W1, W2, b1, b2
        h = 1.0 / (1.0 + np.exp(-(X @ W1 + b1)))
        o = 1.0 / (1.0 + np.exp(-(h @ W2 + b2)))
        loss = -np.mean(Y * np.log(o) + (1.0 - Y) * np.log(1.0 - o))
        d_o = o - Y
        d_h = (d_o @ W2.T) * (h * (1.0 - h))
        W2 = W2 - lr * (h.T @ d_o / n)
        b2 = b2 - lr * (d_o.sum(axis=0) / n)
        W1 = W1 - lr * (X.T @ d_h / n)
        b1 = b1 - lr * (d_h.sum(axis=0) / n)
        W[:], b[:] = (W1, W2), (b1, b2)
        return loss

    return epoch


def tuned_xor(X, Y, W, b, lr):
    """The 2-H-1 loop tuned by hand: each bias folded into its weight matrix as
    a last row (inputs get a column of ones), `out=` buffers, updates in place,
    the loss from z in one ufunc; no accuracy, no records."""
    n, hidden = X.shape[0], W[0].shape[1]
    X1 = np.hstack([X, np.ones((n, 1))])
    A1, A2 = np.vstack([W[0], b[0]]), np.vstack([W[1], b[1]])
    H1 = np.ones((n, hidden + 1))  # hidden activations, then a column of ones
    h = H1[:, :hidden]
    t1, t2 = np.empty((n, hidden)), np.empty((n, 1))
    sign = 1.0 - 2.0 * Y
    step = lr / n

    def epoch():
        nonlocal t1, t2, A1, A2  # updated in place (the augmented assignments)
        np.matmul(X1, A1, out=t1)
        np.negative(t1, out=t1)
        np.exp(t1, out=t1)
        t1 += 1.0
        np.divide(1.0, t1, out=h)
        z = H1 @ A2
        np.negative(z, out=t2)
        np.exp(t2, out=t2)
        t2 += 1.0
        loss = np.add.reduce(np.logaddexp(0.0, sign * z)) / n
        d_o = 1.0 / t2 - Y
        d_h = d_o @ A2[:hidden].T
        d_h *= h
        d_h *= 1.0 - h
        A2 -= (H1.T @ d_o) * step
        A1 -= (X1.T @ d_h) * step
        W[:], b[:] = (A1[:-1], A2[:-1]), (A1[-1], A2[-1])
        return loss

    return epoch


def torch_xor(X, Y, W, b, lr):
    """PyTorch eager: nn.Linear layers, autograd, optim.SGD, one thread."""
    import torch

    torch.set_num_threads(1)
    layers = []
    for W_l, b_l in zip(W, b):
        lin = torch.nn.Linear(*W_l.shape, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W_l.T.copy()))
            lin.bias.copy_(torch.from_numpy(b_l.copy()))
        layers += [lin, torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers[:-1])  # the loss takes the output's z
    loss_fn = torch.nn.BCEWithLogitsLoss()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]

    def epoch():
        opt.zero_grad()
        loss = loss_fn(model(Xt), Yt)
        loss.backward()
        opt.step()
        W[:] = [m.weight.detach().numpy().T for m in linears]
        b[:] = [m.bias.detach().numpy() for m in linears]
        return loss.item()

    return epoch


def torch_missing() -> str | None:
    """Why the PyTorch row cannot run (torch is optional), or None."""
    try:
        import torch

        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)  # loads what the row uses
    except Exception as exc:  # not installed, or installed without what it needs
        return f"{type(exc).__name__}: {exc}"
    return None


# ----------------------------------------------------------------- cases


def xor_config(hidden):
    return Config(
        dataset="xor",
        layers=(2, *hidden, 1),
        activation="sigmoid",
        output_activation="sigmoid",
        loss="bce",
        lr=0.5,
        mode="full",
        max_epochs=10**9,
    )


def xor_case(hidden, loop):
    """The engine on XOR and a baseline `loop(X, Y, W, b, lr)` from the same start."""
    cfg = xor_config(hidden)
    data = load("xor")

    def engine():
        t = Trainer(cfg, data)
        return t.step, t

    def baseline(t):
        W, b = [w.copy() for w in t.record.W], [x.copy() for x in t.record.b]
        return loop(t.X, t.Y, W, b, cfg.lr), (W, b)

    return engine, baseline


def hand_xor(X, Y, W, b, lr):
    return hand_full_batch(X, Y, W, b, lr)


def mnist_like_case(samples):
    rng = np.random.default_rng(0)
    X = rng.random((samples, 784))
    labels = rng.integers(0, 10, samples)
    data = Dataset(
        "synthetic",
        X,
        labels,
        np.empty((0, 784)),
        np.empty(0, np.int64),
        tuple(str(i) for i in range(10)),
        tuple(f"p{i}" for i in range(784)),
    )
    cfg = Config(
        layers=(784, 128, 64, 10),
        activation="relu",
        output_activation="softmax",
        loss="ce",
        init="he",
        dtype="float32",
        lr=0.05,
        mode="minibatch",
        batch_size=256,
        max_epochs=10**9,
        seed=1,
    )

    def engine():
        t = Trainer(cfg, data)
        return t.step, t

    def hand(t):
        W, b = [w.copy() for w in t.record.W], [x.copy() for x in t.record.b]
        # A generator in the engine's state (after drawing the weights) shuffles alike.
        rng = np.random.default_rng()
        rng.bit_generator.state = t.state_dict()["rng"]
        return hand_minibatch(t.X, t.Y, W, b, cfg.lr, cfg.batch_size, rng), (W, b)

    return engine, hand


def check_identical(engine, hand, epochs, tolerance=0.0):
    """The engine and the baseline must reach the same weights (bit-identical
    unless a tolerance is given)."""
    step, t = engine()
    run_hand, (W, b) = hand(t)
    for _ in range(epochs):
        step()
        run_hand()
    worst = 0.0
    for l in range(len(W)):
        if not (np.array_equal(t.record.W[l], W[l]) and np.array_equal(t.record.b[l], b[l])):
            worst = max(worst, np.abs(t.record.W[l] - W[l]).max(), np.abs(t.record.b[l] - b[l]).max())
    if worst == 0.0:
        return "bit-identical"
    return f"{'same to' if worst <= tolerance else 'DIFFERENT,'} max |diff| {worst:.1e}"


def timed(fn, n, clock):
    start = clock()
    for _ in range(n):
        fn()
    return clock() - start


def compare(engine, hand, rounds, chunk, clock):
    """Seconds per epoch of each, one figure per chunk of epochs, in pairs.

    Engine and baseline take turns (A B A B ...) in short chunks on one
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


def headless_rows(epochs, chunks, base_epochs, clock):
    """The headless run of the command line (`backprop-tui --headless --layers
    2,4,1 --epochs N`: the engine's loop, `train_until`, with no progress bar
    when stderr is not a terminal) over `epochs` epochs of XOR 2-4-1, in
    `chunks` pieces of one continuing run, each followed by a piece of the
    textbook loop (2-4-1, loss every epoch) of `base_epochs` epochs in all:
    (headless CPU seconds in all, headless s/epoch per piece, textbook s/epoch per piece)."""
    from model.training_loop import train_until

    cfg = xor_config((4,)).replace(max_epochs=epochs)
    trainer = Trainer(cfg, load("xor"))
    W, b = [w.copy() for w in trainer.record.W], [x.copy() for x in trainer.record.b]
    textbook = textbook_xor(trainer.X, trainer.Y, W, b, cfg.lr)
    step, base_step = epochs // chunks, max(base_epochs // chunks, 1)
    total, eng, base = 0.0, [], []
    for k in range(1, chunks + 1):
        start = clock()
        train_until(trainer, epochs if k == chunks else k * step)
        took = clock() - start
        total += took
        eng.append(took / step)
        base.append(timed(textbook, base_step, clock) / base_step)
    assert trainer.epoch == epochs and trainer.stop_reason() is not None
    return total, eng, base


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run, for a smoke test")
    parser.add_argument("--rounds", type=int, default=None, help="engine/baseline pairs per row")
    parser.add_argument("--no-torch", action="store_true", help="leave out the PyTorch row")
    parser.add_argument("--no-headless", action="store_true", help="leave out the 1,000,000-epoch headless row")
    args = parser.parse_args(argv)
    xor_rounds = args.rounds or (20 if args.quick else 200)
    big_rounds = args.rounds or (3 if args.quick else 15)
    big_samples = 1024 if args.quick else 4096

    threads = {k: v for k, v in os.environ.items() if k.endswith("_NUM_THREADS")}
    print(
        f"numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, {threads or 'default BLAS threads'}"
    )
    print(f"XOR: {xor_rounds} pairs of 100 epochs; 784: {big_rounds} pairs of 1 epoch; CPU time of the thread")
    print()
    # (case, baseline, loop, hidden, target ratio of medians: engine time / baseline time)
    xor_rows = [
        ("XOR 2-2-1", "textbook", textbook_xor, (2,), "<= 1.0", lambda r: r <= 1.0, 0.0),
        ("XOR 2-2-1", "tuned", tuned_xor, (2,), "stretch", lambda r: r <= 1.0, 1e-12),
        ("XOR 2-2-1", "hand loop", hand_xor, (2,), "<= 1.0", lambda r: r <= 1.0, 0.0),
        ("XOR 2-8-8-8-1", "hand loop", hand_xor, (8, 8, 8), "<= 1.0", lambda r: r <= 1.0, 0.0),
    ]
    missing = None if args.no_torch else torch_missing()
    if not args.no_torch and missing is None:
        xor_rows.append(("XOR 2-2-1", "torch eager", torch_xor, (2,), "<= 0.1", lambda r: r <= 0.1, 1e-9))
    elif missing is not None:
        print(f"(PyTorch row left out: torch cannot run here: {missing})")
    rows = []
    for name, base, loop, hidden, target, met, tolerance in xor_rows:
        engine, baseline = xor_case(hidden, loop)
        same = check_identical(engine, baseline, 50, tolerance)
        eng, hnd = compare(engine, baseline, xor_rounds, 100, time.thread_time)
        e, h = statistics.median(eng) * 1e6, statistics.median(hnd) * 1e6
        rows.append((name, base, "us/epoch", e, h, e / h, min(eng) / min(hnd), target, met(e / h), same))
    engine, hand = mnist_like_case(big_samples)
    same = check_identical(engine, hand, 1)
    eng, hnd = compare(engine, hand, big_rounds, 1, time.thread_time)
    e, h = big_samples / statistics.median(eng), big_samples / statistics.median(hnd)
    rows.append(
        (
            "784-128-64-10 f32 mb256",
            "hand loop",
            "samples/s",
            e,
            h,
            e / h,
            min(hnd) / min(eng),
            ">= 1.0",
            e / h >= 1.0,
            same,
        )
    )

    headless = None
    if not args.no_headless:
        epochs = 100_000 if args.quick else 1_000_000
        same = check_identical(*xor_case((4,), textbook_xor), 50)
        total, eng, base = headless_rows(epochs, 10 if args.quick else 20, epochs // 5, time.thread_time)
        e, h = statistics.median(eng) * 1e6, statistics.median(base) * 1e6
        rows.append(("headless XOR 2-4-1", "textbook", "us/epoch", e, h, e / h, min(eng) / min(base), "", True, same))
        headless = (epochs, total, statistics.median(base) * epochs)

    header = (
        f"{'case':<24} {'baseline':<12} {'unit':<10} {'engine':>10} {'baseline':>10} {'ratio':>6} {'best':>6}  "
        f"{'target':<7} {'met':<4} maths"
    )
    print(header)
    print("-" * len(header))
    for name, base, unit, e, h, ratio, best, target, met, same in rows:
        print(
            f"{name:<24} {base:<12} {unit:<10} {e:>10,.1f} {h:>10,.1f} {ratio:>6.2f} {best:>6.2f}  "
            f"{target:<7} {('yes' if met else 'NO') if target else '':<4} {same}"
        )
    if headless is not None:
        epochs, total, base_total = headless
        print(
            f"headless, {epochs:,} epochs of XOR 2-4-1: {total:.1f} s of CPU "
            f"(target <= {30 * epochs / 1_000_000:g} s: {'yes' if total <= 30 * epochs / 1_000_000 else 'NO'}); "
            f"the textbook loop at its median pace: {base_total:.1f} s"
        )
    print()
    print("engine and baseline are medians over the chunks; ratio = engine / baseline of the medians")
    print("(time for XOR, throughput for 784); best = the same ratio from each side's fastest chunk,")
    print("the figure least disturbed by other work on the machine.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
