"""First-layer weights as pictures (issue 14, item 5)."""

from __future__ import annotations

import numpy as np
import pytest

from model.unit_images import image_side, unit_images


def test_each_unit_is_its_column_as_an_image_scaled_by_the_layer():
    W0 = np.arange(64 * 3, dtype=np.float64).reshape(64, 3) - 50.0
    images = unit_images(W0, 8)
    top = np.abs(W0).max()
    assert images.shape == (3, 8, 8)
    for j in range(3):
        assert np.array_equal(images[j], (W0[:, j] / top).reshape(8, 8))  # row by row, as the pixels are
    assert np.abs(images).max() == 1.0


def test_zero_weights_and_wrong_shapes():
    assert not unit_images(np.zeros((64, 2)), 8).any()
    with pytest.raises(ValueError):
        unit_images(np.zeros((63, 2)), 8)


def test_only_digits_are_images():
    assert image_side("digits", 64) == 8
    assert image_side("digits", 10) is None and image_side("iris", 4) is None and image_side("xor", 2) is None
