"""What the network diagram shows, as plain data: one value per edge and per
node, and the card of one unit.

The diagram widget only places and colours these values; choosing them (the
weights or their gradients, a sample's activations or deltas or their mean
over the batch, a unit's f'(z)) is done here, so a test can check them
against the record without a screen.

Columns: column 0 holds the inputs, column l + 1 the units of layer l
(0-based, shown as L{l + 1}). Edges of layer l join column l to column l + 1;
`edges[l][i, j]` belongs to the edge from unit i of column l to unit j of
column l + 1, shaped like W[l].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from model.network import Network
    from model.trainer import EpochRecord

Array = np.ndarray

EDGE_KINDS = ("weights", "gradients")
NODE_KINDS = ("activation", "delta", "none")


@dataclass(frozen=True, eq=False)
class DiagramValues:
    sizes: tuple[int, ...]
    edge_kind: str
    edges: tuple[Array, ...]  # per layer, shaped (fan_in, fan_out)
    node_kind: str
    nodes: tuple[Array | None, ...]  # per column, (units,) or None (nothing to show there)
    sample: int | None  # None: the mean over the batch

    @property
    def node_label(self) -> str:
        if self.node_kind == "none":
            return ""
        which = "batch mean" if self.sample is None else f"sample {self.sample + 1}"
        return f"{'a' if self.node_kind == 'activation' else 'delta'}, {which}"


def _pick(rows: Array, sample: int | None) -> Array:
    """One sample's row, or the mean of every row."""
    if sample is None:
        return np.add.reduce(rows, axis=0) / rows.shape[0]
    return rows[sample]


def diagram_values(
    record: "EpochRecord", edge_kind: str = "weights", node_kind: str = "activation", sample: int | None = None
) -> DiagramValues:
    """The diagram's values for a record. `sample` indexes the training set
    (None: the batch mean); out of range, it is clamped to the last sample."""
    if edge_kind not in EDGE_KINDS:
        raise ValueError(f"unknown edge colouring {edge_kind!r}; choose one of: {', '.join(EDGE_KINDS)}")
    if node_kind not in NODE_KINDS:
        raise ValueError(f"unknown node colouring {node_kind!r}; choose one of: {', '.join(NODE_KINDS)}")
    W = record.W
    sizes = (W[0].shape[0],) + tuple(w.shape[1] for w in W)
    edges = tuple(record.W if edge_kind == "weights" else record.dW)
    nodes: tuple[Array | None, ...]
    if node_kind == "none":
        nodes = (None,) * len(sizes)
    else:
        n = record.forward.inputs.shape[0]
        if sample is not None:
            sample = min(max(sample, 0), n - 1)
        if node_kind == "activation":
            nodes = tuple(_pick(x, sample) for x in (record.forward.inputs, *record.a))
        else:
            nodes = (None,) + tuple(_pick(d, sample) for d in record.delta)
    return DiagramValues(sizes, edge_kind, edges, node_kind, nodes, sample)


@dataclass(frozen=True)
class UnitCard:
    """One unit for one sample: what flows into it and what it sends back."""

    column: int
    unit: int
    sample: int
    incoming: tuple[float, ...]  # W[l][:, unit]; empty for an input
    bias: float | None
    z: float | None
    a: float
    fprime: float | None
    delta: float | None

    @property
    def title(self) -> str:
        if self.column == 0:
            return f"input x{self.unit + 1}, sample {self.sample + 1}"
        return f"L{self.column} unit u{self.unit + 1}, sample {self.sample + 1}"


def unit_card(network: "Network", record: "EpochRecord", column: int, unit: int, sample: int) -> UnitCard:
    """The card of unit `unit` of diagram column `column` for training sample `sample`."""
    sizes = network.sizes
    if not 0 <= column < len(sizes) or not 0 <= unit < sizes[column]:
        raise ValueError(f"no unit {unit + 1} in column {column} of a {'-'.join(map(str, sizes))} network")
    n = record.forward.inputs.shape[0]
    sample = min(max(sample, 0), n - 1)
    if column == 0:
        return UnitCard(0, unit, sample, (), None, None, float(record.forward.inputs[sample, unit]), None, None)
    l = column - 1
    z = record.z[l][sample : sample + 1]
    a = record.a[l][sample : sample + 1]
    act = network.activations[l]
    fprime = float(act.derivative(z, a)[0, unit])
    return UnitCard(
        column,
        unit,
        sample,
        tuple(float(w) for w in record.W[l][:, unit]),
        float(record.b[l][unit]),
        float(z[0, unit]),
        float(a[0, unit]),
        fprime,
        float(record.delta[l][sample, unit]),
    )
