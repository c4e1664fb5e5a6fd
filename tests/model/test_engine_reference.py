"""The engine against a reference: every activation x loss x batch mode x
optimizer, bit for bit.

The reference below is the engine's maths written out plainly, one NumPy
expression per formula, as the engine computed it before its hot path was
tuned (fused buffers, `out=` arguments, 0-d constants): same operations, same
order, so the same bits. Whatever the hot path does to go faster, every
figure a user can see (parameters, optimizer state, generator state, loss,
accuracy, test figures, z, a, delta, dW and db of every layer, history rows)
must stay what this plain version computes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pytest

from model import Config, Trainer

# ------------------------------------------------------------ the reference


def _lowest(dtype: np.dtype) -> float:
    return -709.0 if dtype == np.float64 else -88.0


def _forward_act(name: str, z: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-np.maximum(z, _lowest(z.dtype))))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0.0, z, 0.01 * z)
    if name == "linear":
        return z
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _derivative(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return (z > 0.0).astype(z.dtype)
    if name == "leaky_relu":
        return np.where(z > 0.0, 1.0, 0.01).astype(z.dtype)
    if name == "linear":
        return np.ones_like(z)
    return a * (1.0 - a)


def _eps(dtype: np.dtype) -> float:
    return max(1e-12, float(np.finfo(dtype).eps))


def _row_mean(x: np.ndarray) -> np.ndarray:
    return x.reshape(-1) if x.shape[1] == 1 else np.add.reduce(x, axis=1) / x.shape[1]


@dataclass
class Reference:
    """The plain engine for one config (its data and starting state from a trainer at epoch 0)."""

    cfg: Config
    X: np.ndarray
    Y: np.ndarray
    labels: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    labels_test: np.ndarray
    sizes: tuple[int, ...]
    feedback: tuple[np.ndarray, ...] | None

    @classmethod
    def of(cls, t: Trainer) -> "Reference":
        fb = t.network.feedback
        return cls(t.config, t.X, t.Y, t.data.labels, t.X_test, t.Y_test, t.data.labels_test, t.config.layers, fb)

    def views(self, p: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        W, b, at = [], [], 0
        for i, o in zip(self.sizes[:-1], self.sizes[1:]):
            W.append(p[at : at + i * o].reshape(i, o))
            at += i * o
        for o in self.sizes[1:]:
            b.append(p[at : at + o])
            at += o
        return W, b

    def acts(self) -> list[str]:
        return [self.cfg.activation] * (len(self.sizes) - 2) + [self.cfg.output_activation]

    def forward(self, X: np.ndarray, p: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        W, b = self.views(p)
        zs, acts, a = [], [], X
        for W_l, b_l, name in zip(W, b, self.acts()):
            z = a @ W_l + b_l
            a = _forward_act(name, z)
            zs.append(z)
            acts.append(a)
        return zs, acts

    def fused(self) -> bool:
        out, loss = self.cfg.output_activation, self.cfg.loss
        return (out, loss) in (("sigmoid", "bce"), ("softmax", "ce"))

    def loss(self, zs: list[np.ndarray], acts: list[np.ndarray], Y: np.ndarray) -> float:
        a, z, kind = acts[-1], zs[-1], self.cfg.loss
        if kind == "mse":
            d = a - Y
            per = _row_mean(d * d)
        elif kind == "bce" and self.cfg.output_activation == "sigmoid":
            yz = Y * z
            per = _row_mean(np.logaddexp(-yz, z - yz))
        elif kind == "bce":
            e = _eps(a.dtype)
            p = np.minimum(np.maximum(a, e), 1.0 - e)
            per = -_row_mean(Y * np.log(p) + (1.0 - Y) * np.log(1.0 - p))
        else:
            per = -np.add.reduce(Y * np.log(np.maximum(a, 1e-12)), axis=1)
        return float(np.add.reduce(per) / per.shape[0])

    def output_delta(self, zs: list[np.ndarray], acts: list[np.ndarray], Y: np.ndarray) -> np.ndarray:
        a, z, kind, width = acts[-1], zs[-1], self.cfg.loss, Y.shape[1]
        if self.fused():
            return (a - Y) / width if kind == "bce" and width > 1 else a - Y
        if kind == "mse":
            g = (2.0 / width) * (a - Y)
        elif kind == "bce":
            e = _eps(a.dtype)
            p = np.minimum(np.maximum(a, e), 1.0 - e)
            g = (p - Y) / (p * (1.0 - p)) / width
        else:
            g = -Y / np.maximum(a, 1e-12)
        out = self.cfg.output_activation
        if out == "softmax":
            return a * (g - (g * a).sum(axis=1, keepdims=True))
        return g * _derivative(out, z, a)

    def backward(self, X, Y, p, zs, acts):
        W, _ = self.views(p)
        back = W if self.feedback is None else self.feedback
        L = len(W)
        inputs = [X, *acts[:-1]]
        deltas, dW, db = [None] * L, [None] * L, [None] * L
        delta = self.output_delta(zs, acts, Y)
        for l in range(L - 1, -1, -1):
            deltas[l] = delta
            dW[l] = inputs[l].T @ delta
            db[l] = np.add.reduce(delta, axis=0)
            if l:
                delta = (delta @ back[l].T) * _derivative(self.cfg.activation, zs[l - 1], acts[l - 1])
        grad = np.concatenate([w.ravel() for w in dW] + list(db)) / Y.shape[0]
        return deltas, grad

    def accuracy(self, out: np.ndarray, labels: np.ndarray) -> float:
        if self.sizes[-1] == 1:
            hits = np.count_nonzero((out > 0.5) == labels.astype(bool)[:, None])
        else:
            hits = np.count_nonzero(out.argmax(axis=1) == labels)
        return hits / labels.shape[0]

    def update(self, p, g, opt):
        c, n_w = self.cfg, sum(i * o for i, o in zip(self.sizes[:-1], self.sizes[1:]))
        if c.l1 or c.l2:
            g = g.copy()
            if c.l2:
                g[:n_w] += c.l2 * p[:n_w]
            if c.l1:
                g[:n_w] += c.l1 * np.sign(p[:n_w])
        if c.optimizer == "sgd":
            return p - c.lr * g, opt
        if c.optimizer == "momentum":
            v = c.momentum * opt[1][0] - c.lr * g
            return p + v, (opt[0] + 1, (v,))
        t = opt[0] + 1
        m = c.beta1 * opt[1][0] + (1.0 - c.beta1) * g
        v = c.beta2 * opt[1][1] + (1.0 - c.beta2) * (g * g)
        step = float(c.lr * np.sqrt(1.0 - c.beta2**t) / (1.0 - c.beta1**t))
        return p - step * m / (np.sqrt(v) + c.eps), (t, (m, v))


def _run_reference(ref: Reference, p, rng_state, epochs):
    """The figures of epochs 1..epochs, each a dict, from params `p` at epoch 0."""
    c, n = ref.cfg, ref.X.shape[0]
    zeros = () if c.optimizer == "sgd" else (np.zeros_like(p),) * (1 if c.optimizer == "momentum" else 2)
    opt = (0, zeros)
    zs, acts = ref.forward(ref.X, p)
    _, grad = ref.backward(ref.X, ref.Y, p, zs, acts)
    rng = np.random.default_rng()
    out = []
    for epoch in range(1, epochs + 1):
        if c.mode == "full":
            p, opt = ref.update(p, grad, opt)
            zs, acts = ref.forward(ref.X, p)
            loss, acc = ref.loss(zs, acts, ref.Y), ref.accuracy(acts[-1], ref.labels)
        else:
            rng.bit_generator.state = rng_state
            size = 1 if c.mode == "sgd" else min(c.batch_size, n)
            order = rng.permutation(n)
            loss_sum, hits = 0.0, 0.0
            for start in range(0, n, size):
                idx = order[start : start + size]
                Xb, Yb = ref.X[idx], ref.Y[idx]
                zb, ab = ref.forward(Xb, p)
                _, gb = ref.backward(Xb, Yb, p, zb, ab)
                m = idx.shape[0]
                loss_sum += ref.loss(zb, ab, Yb) * m
                hits += ref.accuracy(ab[-1], ref.labels[idx]) * m
                p, opt = ref.update(p, gb, opt)
            loss, acc = loss_sum / n, hits / n
            rng_state = rng.bit_generator.state
            zs, acts = ref.forward(ref.X, p)
        deltas, grad = ref.backward(ref.X, ref.Y, p, zs, acts)
        test = (None, None)
        if ref.X_test.shape[0]:
            tz, ta = ref.forward(ref.X_test, p)
            test = (ref.loss(tz, ta, ref.Y_test), ref.accuracy(ta[-1], ref.labels_test))
        out.append(
            dict(params=p, opt=opt, rng=rng_state, loss=loss, acc=acc, test=test, z=zs, a=acts, delta=deltas, grad=grad)
        )
    return out


# ------------------------------------------------------------ the comparison


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _same_float(x, y) -> bool:
    return (x is None and y is None) or (np.float64(x).tobytes() == np.float64(y).tobytes())


def assert_matches_reference(cfg: Config, epochs: int = 4) -> None:
    t = Trainer.from_config(cfg)
    expected = _run_reference(Reference.of(t), t.params, t.state.rng, epochs)
    W_shapes = [(i, o) for i, o in zip(cfg.layers[:-1], cfg.layers[1:])]
    for e, want in enumerate(expected, start=1):
        rec = t.step()
        where = f"{cfg} epoch {e}"
        assert rec.epoch == e and t.epoch == e, where
        assert _same(t.params, want["params"]), f"params, {where}"
        assert _same_float(rec.loss, want["loss"]) and _same_float(rec.accuracy, want["acc"]), f"loss/acc, {where}"
        assert _same_float(rec.test_loss, want["test"][0]), f"test loss, {where}"
        assert _same_float(rec.test_accuracy, want["test"][1]), f"test accuracy, {where}"
        step, slots = want["opt"]
        assert t.optimizer_state.step == step and len(t.optimizer_state.slots) == len(slots), where
        assert all(_same(x, y) for x, y in zip(t.optimizer_state.slots, slots)), f"optimizer state, {where}"
        if cfg.mode != "full":
            assert t.state.rng == want["rng"], where
        for l in range(len(W_shapes)):
            for name in ("z", "a", "delta"):
                assert _same(getattr(rec, name)[l], want[name][l]), f"{name}[{l}], {where}"
        assert _same(rec.backward.grad, want["grad"]), f"gradient, {where}"
        row = t.history.get(e)
        assert _same_float(row[0], want["loss"]) and _same_float(row[2], want["acc"]), f"history, {where}"
        if want["test"][0] is not None:
            assert _same_float(row[1], want["test"][0]) and _same_float(row[3], want["test"][1]), where


# ------------------------------------------------------------ the cases

HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
# (output activation, loss, output units, data): every pairing the config allows.
OUTPUTS = (
    ("sigmoid", "bce", 1, "moons"),
    ("sigmoid", "mse", 1, "moons"),
    ("tanh", "mse", 1, "moons"),
    ("relu", "mse", 1, "moons"),
    ("leaky_relu", "mse", 1, "moons"),
    ("linear", "mse", 1, "moons"),
    ("sigmoid", "bce", 3, "blobs"),
    ("softmax", "ce", 3, "blobs"),
    ("softmax", "mse", 3, "blobs"),
    ("softmax", "bce", 2, "moons"),
    ("sigmoid", "ce", 3, "blobs"),
)
MODES = ("full", "minibatch", "sgd")
OPTIMIZERS = ("sgd", "momentum", "adam")


def _config(hidden: str, output: tuple[str, str, int, str], mode: str, optimizer: str, **more) -> Config:
    out, loss, units, data = output
    settings = dict(
        dataset=data,
        classes=3 if data == "blobs" else 2,
        samples=12,
        test_fraction=0.25,
        layers=(2, 3, units),
        activation=hidden,
        output_activation=out,
        loss=loss,
        mode=mode,
        batch_size=4,
        optimizer=optimizer,
        lr=0.05 if optimizer == "adam" or mode == "sgd" else 0.3,
        seed=7,
    )
    settings.update(more)
    return Config(**settings)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("output", OUTPUTS, ids=lambda o: f"{o[0]}-{o[1]}-{o[2]}")
@pytest.mark.parametrize("hidden", HIDDEN)
def test_every_activation_loss_mode_and_optimizer_matches_the_reference(hidden, output, mode, optimizer):
    assert_matches_reference(_config(hidden, output, mode, optimizer))


EXTRAS = {
    "float32": dict(dtype="float32"),
    "l1 and l2": dict(l1=0.01, l2=0.02),
    "feedback alignment": dict(feedback_alignment=True),
    "deep": dict(layers=(2, 5, 4, 3, 1)),
    "no test split": dict(test_fraction=0.0),
    "xor 2-2-1": dict(dataset="xor", layers=(2, 2, 1), test_fraction=0.0),
}


@pytest.mark.parametrize(
    "name, mode, optimizer", list(itertools.product(EXTRAS, MODES, OPTIMIZERS)), ids=lambda x: str(x)
)
def test_dtypes_penalties_and_shapes_match_the_reference(name, mode, optimizer):
    more = dict(EXTRAS[name])
    for hidden, output in (("sigmoid", OUTPUTS[0]), ("relu", OUTPUTS[7]), ("tanh", OUTPUTS[1])):
        if output[2] != 1 and "layers" in more:
            continue
        cfg = _config(hidden, output, mode, optimizer, **more)
        if cfg.dataset == "xor" and output[3] != "moons":
            continue
        assert_matches_reference(cfg, epochs=6)


def test_a_long_full_batch_run_matches_the_reference():
    """The XOR run the benches time, 300 epochs."""
    assert_matches_reference(Config(layers=(2, 2, 1), mode="full"), epochs=300)
