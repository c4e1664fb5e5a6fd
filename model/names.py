"""How every screen, report and message names a parameter: one scheme.

Layers are numbered from 1, as on screen (L1 is the layer from the inputs);
inputs are x1, x2, ... for the first layer and h1, h2, ... (the units of the
layer before) after it; units are u1, u2, ... So W[0][1, 2] (0-based, as the
arrays are indexed) is "W1 x2→u3" and b[1][0] is "b2 u1".
"""

from __future__ import annotations


def weight_name(layer: int, row: int, column: int) -> str:
    """W[layer][row, column] (0-based indices) as the UI names it: 'W1 x2→u3', 'W2 h1→u1'."""
    source = f"x{row + 1}" if layer == 0 else f"h{row + 1}"
    return f"W{layer + 1} {source}→u{column + 1}"


def bias_name(layer: int, unit: int) -> str:
    """b[layer][unit] (0-based) as the UI names it: 'b1 u3'."""
    return f"b{layer + 1} u{unit + 1}"


def parameter_name(layer: int, row: int, column: int, fan_in: int) -> str:
    """A cell of the inspector's weights table: row == fan_in is the bias row."""
    return bias_name(layer, column) if row == fan_in else weight_name(layer, row, column)
