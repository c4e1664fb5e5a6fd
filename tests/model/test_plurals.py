"""One plural helper for every message: 0, 1 and 2 of a thing."""

from __future__ import annotations

import pytest

from model.plurals import plural


@pytest.mark.parametrize(
    "word, expected",
    [
        ("epoch", ("0 epochs", "1 epoch", "2 epochs")),
        ("unit", ("0 units", "1 unit", "2 units")),
        ("row", ("0 rows", "1 row", "2 rows")),
        ("class", ("0 classes", "1 class", "2 classes")),
        ("target column", ("0 target columns", "1 target column", "2 target columns")),
    ],
)
def test_zero_one_two(word, expected):
    assert tuple(plural(n, word) for n in (0, 1, 2)) == expected


def test_an_irregular_plural_can_be_given():
    assert plural(1, "axis", "axes") == "1 axis" and plural(2, "axis", "axes") == "2 axes"


def test_messages_say_1_unit_and_1_feature():
    import numpy as np

    from model.datasets import Dataset, split, targets
    from model.errors import DataError

    with pytest.raises(DataError, match="the output layer has 1 unit but the data has 3 classes"):
        targets(np.array([0, 1, 2]), 1, 3)
    with pytest.raises(DataError, match="1 feature but 2 feature names"):
        Dataset("d", np.zeros((2, 1)), [0, 1], np.empty((0, 1)), [], ("0", "1"), ("a", "b"))
    with pytest.raises(DataError, match="cannot split 1 sample into"):
        split(np.zeros((1, 2)), [0], 0.5, 0)
    with pytest.raises(DataError, match="2 samples but 1 label$"):
        split(np.zeros((2, 2)), [0], 0.5, 0)
