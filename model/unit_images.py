"""A first layer on image data, as pictures: each hidden unit's incoming
weights laid out as the input image (8x8 for the digits), so a class sees
which pixels push a unit up (positive) and which push it down.

Plain data for the app to draw: values in -1..1, scaled by the largest |w|
of the whole layer, so units can be compared with each other.
"""

from __future__ import annotations

import numpy as np

from model.bundled_data import IMAGE_SIDE


def image_side(dataset: str, n_inputs: int) -> int | None:
    """The side of the square input image, or None when the data is not images."""
    side = IMAGE_SIDE.get(dataset)
    return side if side is not None and side * side == n_inputs else None


def unit_images(W0: np.ndarray, side: int) -> np.ndarray:
    """(units, side, side): column j of W0 (fan_in = side^2, row by row) as an
    image, divided by the layer's largest |w| (all zeros stay zeros)."""
    W0 = np.asarray(W0, dtype=np.float64)
    if W0.ndim != 2 or W0.shape[0] != side * side:
        raise ValueError(f"a first layer of {side}x{side} images needs {side * side} inputs, got {W0.shape}")
    top = float(np.abs(W0).max()) if W0.size else 0.0
    scaled = W0 / top if top > 0.0 and np.isfinite(top) else np.zeros_like(W0)
    return scaled.T.reshape(W0.shape[1], side, side)
