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
