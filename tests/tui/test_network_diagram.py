"""The network diagram without a screen: its values against the record, and
(hypothesis) that it never raises nor draws outside its region."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.text import Text

from model import Config, Trainer
from model.diagram_values import DiagramValues, diagram_values, unit_card
from tui.widgets.loss_chart import epoch_ticks, linear_ticks, log_ticks
from tui.widgets.network_diagram import MAX_UNITS_SHOWN, draw, geometry, node_at


@st.composite
def pictures(draw_):
    sizes = tuple(draw_(st.lists(st.integers(1, 64), min_size=2, max_size=7)))
    rng = np.random.default_rng(draw_(st.integers(0, 2**32 - 1)))
    special = draw_(st.sampled_from([0.0, np.nan, np.inf, 1e300]))
    edges = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = rng.normal(size=(fan_in, fan_out))
        if draw_(st.booleans()):
            w.flat[0] = special
        edges.append(w)
    nodes = tuple(rng.normal(size=n) if draw_(st.booleans()) else None for n in sizes)
    values = DiagramValues(sizes, "weights", tuple(edges), "activation", nodes, None)
    width = draw_(st.integers(0, 220))
    height = draw_(st.integers(0, 70))
    hot_nodes = tuple(draw_(st.lists(st.integers(0, len(sizes) - 1), max_size=2)))
    hot_edges = tuple(draw_(st.lists(st.integers(0, len(sizes) - 2), max_size=2)))
    selected = (draw_(st.integers(0, len(sizes) - 1)), draw_(st.integers(0, 9))) if draw_(st.booleans()) else None
    return values, width, height, hot_nodes, hot_edges, selected


@settings(max_examples=60, deadline=None)
@given(pictures())
def test_the_diagram_stays_inside_its_region(picture):
    values, width, height, hot_nodes, hot_edges, selected = picture
    lines = draw(values, width, height, hot_nodes=hot_nodes, hot_edges=hot_edges, selected=selected)
    assert len(lines) == height
    for line in lines:
        assert isinstance(line, Text)
        assert line.cell_len <= width
    x, y = width // 2, height // 2
    hit = node_at(values.sizes, width, height, x, y)
    if hit is not None:
        column, unit = hit
        assert 0 <= column < len(values.sizes) and 0 <= unit < min(values.sizes[column], MAX_UNITS_SHOWN)


def test_every_shown_node_is_drawn_and_wide_layers_say_how_many_are_left():
    config = Config(dataset="spiral", classes=3, layers=(2, 32, 32, 3), output_activation="softmax", loss="ce")
    trainer = Trainer.from_config(config)
    values = diagram_values(trainer.record)
    lines = draw(values, 60, 24)
    geo = geometry(values.sizes, 60, 24)
    for k, ys in enumerate(geo.ys):
        for y in ys:
            assert lines[y].plain[geo.xs[k]] in "●◉"
    text = "\n".join(line.plain for line in lines)
    assert f"+{32 - MAX_UNITS_SHOWN}" in text
    assert "L1 32" in text and "out 3" in text


def test_diagram_values_are_the_records():
    trainer = Trainer.from_config(Config())
    trainer.run(3)
    record = trainer.record
    values = diagram_values(record)
    for l in range(2):
        assert values.edges[l] is record.W[l]
    np.testing.assert_array_equal(values.nodes[1], record.a[0].mean(axis=0))
    grads = diagram_values(record, "gradients", "delta", sample=2)
    for l in range(2):
        np.testing.assert_array_equal(grads.edges[l], record.dW[l])
    assert grads.nodes[0] is None
    np.testing.assert_array_equal(grads.nodes[2], record.delta[1][2])
    card = unit_card(trainer.network, record, 1, 3, 2)
    assert card.incoming == tuple(record.W[0][:, 3]) and card.bias == record.b[0][3]
    assert card.z == record.z[0][2, 3] and card.a == record.a[0][2, 3] and card.delta == record.delta[0][2, 3]
    a = record.a[0][2, 3]
    assert card.fprime == a * (1 - a)


def test_ticks_are_round_and_distinct():
    ticks, labels, (lo, hi) = linear_ticks(0.2531, 0.2534, 5)
    assert len(set(labels)) == len(labels) >= 2 and lo <= 0.2531 and hi >= 0.2534
    assert epoch_ticks(6, 5) == [0, 2, 4, 6]
    assert epoch_ticks(47354, 5) == [0, 10000, 20000, 30000, 40000]
    ticks, labels = log_ticks(0.6, 0.69, 5)
    assert len(ticks) >= 2 and len(set(labels)) == len(labels) and all(0.6 <= t <= 0.69 for t in ticks)
    ticks, labels = log_ticks(1e-4, 0.7, 5)
    assert labels[0] == "1e-4" or labels[0] == "0.0001"
