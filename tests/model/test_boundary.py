"""Tests for model.boundary: the network over the input plane."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import BackpropError, Config, Trainer
from model.boundary import decision_grid, discretise, evaluate, hidden_unit_maps, lattice
from model.datasets import Dataset


def moons(**kw) -> Trainer:
    cfg = dict(dataset="moons", samples=60, test_fraction=0.25, layers=(2, 5, 1), activation="tanh", seed=1)
    cfg.update(kw)
    t = Trainer.from_config(Config(**cfg))
    t.run(20)
    return t


def test_truth_table_corners_are_the_training_outputs():
    t = Trainer.from_config(Config(dataset="xor", layers=(2, 3, 1), seed=0))
    t.run(30)
    for size in (2, 5):
        grid = decision_grid(t, size, size, margin=0.0)
        assert grid.xs[0] == 0.0 and grid.xs[-1] == 1.0
        assert grid.ys[0] == 1.0 and grid.ys[-1] == 0.0  # row 0 on top
        rows, cols = grid.point_cells[:, 0], grid.point_cells[:, 1]
        assert np.array_equal(grid.xs[cols], t.X[:, 0])
        assert np.array_equal(grid.ys[rows], t.X[:, 1])
        assert np.allclose(grid.outputs[rows, cols], t.record.output, rtol=1e-12, atol=0)
        assert np.array_equal(grid.classes[rows, cols], t.record.predicted)


def test_grid_is_the_network_at_its_lattice_points():
    t = moons()
    grid = decision_grid(t, 7, 5)
    W, b = t.record.W, t.record.b
    for r in range(grid.height):
        for c in range(grid.width):
            x = np.array([[grid.xs[c], grid.ys[r]]])
            hidden = np.tanh(x @ W[0] + b[0])
            out = 1 / (1 + np.exp(-(hidden @ W[1] + b[1])))
            assert np.allclose(grid.activations[0][r, c], hidden[0], rtol=1e-12, atol=1e-15)
            assert grid.positive[r, c] == pytest.approx(out[0, 0], rel=1e-12)


def test_evaluate_at_the_training_points_is_the_records_output():
    t = moons()
    acts = evaluate(t, t.X)
    assert np.allclose(acts[-1], t.record.output, rtol=1e-12, atol=1e-15)
    for mine, engine in zip(acts, t.record.a):
        assert np.allclose(mine, engine, rtol=1e-12, atol=1e-15)


def test_shapes_ranges_and_cells():
    t = moons()
    grid = decision_grid(t, 80, 40)
    assert grid.xs.shape == (80,) and grid.ys.shape == (40,)
    assert grid.outputs.shape == (40, 80, 1)
    assert grid.positive.shape == (40, 80)
    assert grid.probabilities.shape == (40, 80, 2)
    assert grid.classes.shape == (40, 80) and grid.classes.dtype.kind == "i"
    assert grid.outputs.dtype == np.float64
    assert np.all(np.diff(grid.xs) > 0) and np.all(np.diff(grid.ys) < 0)
    assert ((grid.positive > 0) & (grid.positive < 1)).all()
    assert np.allclose(grid.probabilities.sum(axis=2), 1.0)
    # The lattice spans every point, train and test, plus a 10% margin.
    every = np.concatenate([t.data.X, t.data.X_test])
    low, high = every.min(axis=0), every.max(axis=0)
    pad = 0.1 * (high - low)
    assert grid.xs[0] == pytest.approx(low[0] - pad[0]) and grid.xs[-1] == pytest.approx(high[0] + pad[0])
    assert grid.ys[-1] == pytest.approx(low[1] - pad[1]) and grid.ys[0] == pytest.approx(high[1] + pad[1])
    # Each point's cell is the lattice point nearest to it.
    assert grid.point_cells.shape == (t.X.shape[0], 2)
    assert grid.test_cells.shape == (t.X_test.shape[0], 2)
    for (r, c), (x1, x2) in zip(grid.point_cells, t.data.X):
        assert c == np.argmin(np.abs(grid.xs - x1))
        assert r == np.argmin(np.abs(grid.ys - x2))
    assert np.array_equal(grid.cell_of(t.data.X_test), grid.test_cells)
    assert np.array_equal(grid.cell_of([[1e9, -1e9]]), [[39, 79]])  # clipped to the grid


def test_softmax_grid_gives_per_class_probabilities():
    t = moons(dataset="blobs", classes=3, layers=(2, 6, 3), output_activation="softmax", loss="ce")
    grid = decision_grid(t, 30, 20)
    assert grid.positive is None
    assert grid.probabilities.shape == (20, 30, 3)
    assert np.allclose(grid.probabilities.sum(axis=2), 1.0)
    assert np.array_equal(grid.classes, grid.probabilities.argmax(axis=2))
    assert grid.n_classes == 3
    regions = discretise(grid)
    assert np.allclose(regions.confidence, grid.probabilities.max(axis=2))
    assert (regions.confidence >= 1 / 3).all()


def test_trained_xor_quadrants_net_gets_every_quadrant_right():
    t = Trainer.from_config(
        Config(dataset="xor_quadrants", samples=200, layers=(2, 8, 1), activation="tanh", lr=2.0, seed=0)
    )
    t.run(300)
    grid = decision_grid(t, 41, 41)
    centres = np.array([[0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5], [0.5, -0.5]])
    cells = grid.cell_of(centres)
    assert list(grid.classes[cells[:, 0], cells[:, 1]]) == [0, 1, 0, 1]
    regions = discretise(grid)
    assert regions.boundary.any()  # the axes separate the classes


def test_discretise_marks_where_the_class_changes():
    t = moons()
    regions = discretise(decision_grid(t, 25, 15))
    cls = regions.classes
    expected = np.zeros_like(cls, dtype=bool)
    for r in range(cls.shape[0]):
        for c in range(cls.shape[1]):
            if c + 1 < cls.shape[1] and cls[r, c + 1] != cls[r, c]:
                expected[r, c] = True
            if r + 1 < cls.shape[0] and cls[r + 1, c] != cls[r, c]:
                expected[r, c] = True
    assert np.array_equal(regions.boundary, expected)
    assert (regions.confidence >= 0.5).all() and (regions.confidence <= 1).all()


def test_hidden_unit_maps():
    t = moons(layers=(2, 5, 3, 1))
    maps = hidden_unit_maps(t, 1, 20, 10)
    assert maps.shape == (3, 10, 20)
    grid = decision_grid(t, 20, 10)
    assert np.array_equal(maps, grid.unit_maps(1))
    gx, gy = np.meshgrid(grid.xs, grid.ys)
    X = np.column_stack([gx.ravel(), gy.ravel()])
    W, b = t.record.W, t.record.b
    expected = np.tanh(np.tanh(X @ W[0] + b[0]) @ W[1] + b[1])
    for unit in range(3):
        assert np.allclose(maps[unit], expected[:, unit].reshape(10, 20), rtol=1e-12, atol=1e-15)
    assert ((maps >= -1) & (maps <= 1)).all()


def test_float32_network_is_drawn_in_float64():
    t = moons(dtype="float32")
    grid = decision_grid(t, 10, 10)
    assert grid.outputs.dtype == np.float64
    assert np.allclose(evaluate(t, t.X)[-1], t.record.output, rtol=1e-5)


def test_an_older_record_can_be_drawn():
    t = moons()
    old = t.record
    t.run(50)
    assert not np.array_equal(decision_grid(t, 9, 9).outputs, decision_grid(t, 9, 9, record=old).outputs)
    assert np.allclose(evaluate(t, t.X, old)[-1], old.output, rtol=1e-12)


def test_refuses_data_that_is_not_2d():
    rng = np.random.default_rng(0)
    data = Dataset(
        "three", rng.normal(size=(10, 3)), np.arange(10) % 2, np.empty((0, 3)), np.empty(0), ("0", "1"), ("a", "b", "c")
    )
    t = Trainer(Config(layers=(3, 2, 1)), data)
    with pytest.raises(BackpropError, match="2 input features; this dataset has 3"):
        decision_grid(t, 10, 10)
    with pytest.raises(BackpropError, match="2 input features"):
        hidden_unit_maps(t, 0, 10, 10)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(width=0, height=5), "width"),
        (dict(width=5, height=2.5), "height"),
        (dict(width=5000, height=5000), "too large"),
        (dict(width=5, height=5, margin=-1), "margin"),
    ],
)
def test_bad_grid_sizes_get_a_clear_message(kwargs, match):
    t = moons()
    with pytest.raises(BackpropError, match=match):
        decision_grid(t, **kwargs)


def test_bad_layer_for_unit_maps():
    t = moons()
    with pytest.raises(BackpropError, match="layer 5 does not exist"):
        hidden_unit_maps(t, 5, 10, 10)


@settings(max_examples=20, deadline=None)
@given(width=st.integers(1, 30), height=st.integers(1, 30), margin=st.floats(0, 1))
def test_any_size_works(width, height, margin):
    t = moons()
    xs, ys = lattice(t, width, height, margin)
    grid = decision_grid(t, width, height, margin=margin)
    assert np.array_equal(grid.xs, xs) and np.array_equal(grid.ys, ys)
    assert grid.outputs.shape == (height, width, 1)
    assert ((grid.point_cells >= 0) & (grid.point_cells < [height, width])).all()
    regions = discretise(grid)
    assert regions.classes.shape == regions.boundary.shape == (height, width)
