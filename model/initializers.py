"""Initial weights, all drawn from one seeded generator so a seed is a run.

Weights are drawn layer by layer in order (W0, W1, ...); biases start at
zero unless the initializer is `normal` or `uniform` with biases included,
as in the hand-worked XOR examples.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray

INITIALIZERS = ("xavier", "he", "normal", "uniform", "zeros")


def initial_weights(
    name: str,
    sizes: tuple[int, ...],
    rng: np.random.Generator,
    *,
    scale: float = 1.0,
    limit: float = 0.5,
    dtype: np.dtype | type = np.float64,
) -> tuple[list[Array], list[Array]]:
    """Return ([W0, W1, ...], [b0, b1, ...]) with W[l] of shape (fan_in, fan_out).

    - xavier: uniform(-r, r), r = sqrt(6 / (fan_in + fan_out)) (Glorot);
    - he: normal with std sqrt(2 / fan_in), for ReLU layers;
    - normal: standard normal times `scale`;
    - uniform: uniform(-limit, limit), the classic "small random weights";
    - zeros: every weight 0, to show why symmetry must be broken.
    Biases are zero for all but normal and uniform, which draw them too.
    """
    weights: list[Array] = []
    biases: list[Array] = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        shape = (fan_in, fan_out)
        if name == "xavier":
            r = np.sqrt(6.0 / (fan_in + fan_out))
            w = rng.uniform(-r, r, size=shape)
            b = np.zeros(fan_out)
        elif name == "he":
            w = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
            b = np.zeros(fan_out)
        elif name == "normal":
            w = rng.standard_normal(shape) * scale
            b = rng.standard_normal(fan_out) * scale
        elif name == "uniform":
            w = rng.uniform(-limit, limit, size=shape)
            b = rng.uniform(-limit, limit, size=fan_out)
        elif name == "zeros":
            w = np.zeros(shape)
            b = np.zeros(fan_out)
        else:
            raise ValueError(f"unknown initializer {name!r}")
        weights.append(w.astype(dtype))
        biases.append(b.astype(dtype))
    return weights, biases
