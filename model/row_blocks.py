"""Row-wise steps of a pass over many samples, done so that memory is not
what they wait for, with the same bits.

On a large batch (a session of 850,000 samples, a big CSV in full batch)
an array of a layer is tens of megabytes, and two of the passes' steps cost
more than their arithmetic:

- adding a bias to every row: NumPy broadcasts the bias row and loops once
  per sample over a few values. Adding a block of the bias repeated in R
  rows to every R rows at once makes the loops R times longer;
- g * f'(z) through a hidden layer: each of its steps is a pass over the
  whole array, and its temporary is a new array of that size. Done a block
  of rows at a time, the temporary is small and every step reads what the
  last one left in the cache.

Each takes about half as long so (docs/decisions.md has the figures). Both
are elementwise: each value is the same operation on the same operands
whichever rows come with it, so the results have the same bits as the
whole-array steps (tests/model/test_row_blocks.py holds them to it).
Below `LARGE_VALUES` values an array fits the caches and the plain step is
used, so small networks pay nothing but the size check.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray

TimesDerivative = Callable[[Array, Array, Array], Array]  # g * f'(z), written into g

# Arrays of at least this many values take the blocked steps (4 MB of
# float64: more than a core's L2 cache, where the plain steps slow down).
LARGE_VALUES = 1 << 19

# Values per block of rows: a block and its temporaries stay in L2.
BLOCK_VALUES = 1 << 14

_add = np.add


def rows_per_block(width: int) -> int:
    """How many rows of `width` values make one block."""
    return max(1, BLOCK_VALUES // max(width, 1))


def add_to_each_row(z: Array, row: Array, out: Array | None = None) -> Array:
    """z += row for every row of the 2-D array z, written into z (`out`, when
    given, must be z: the signature of `np.add(z, row, z)`)."""
    n, width = z.shape
    if n * width < LARGE_VALUES or not z.flags.c_contiguous:
        return _add(z, row, z)
    rows = rows_per_block(width)
    whole = n - n % rows
    # The bias repeated in `rows` rows, added to each block of `rows` rows:
    # z[:whole] seen as (blocks, rows, width) is a view of z, C-contiguous.
    _add(z[:whole].reshape(whole // rows, rows, width), np.tile(row, (rows, 1)), z[:whole].reshape(-1, rows, width))
    if whole < n:
        _add(z[whole:], row, z[whole:])
    return z


def in_row_blocks(times_derivative: TimesDerivative) -> TimesDerivative:
    """`times_derivative(g, z, a)` (g * f'(z) into g, g a new array the caller
    owns) done a block of rows at a time. For a large g: its callers decide
    (Network.backward per call, the full-batch passes once per trainer)."""

    def blocked(g: Array, z: Array, a: Array) -> Array:
        n = g.shape[0]
        rows = rows_per_block(g.shape[1])
        for start in range(0, n, rows):
            stop = start + rows
            block = g[start:stop]
            result = times_derivative(block, z[start:stop], a[start:stop])
            if result is not block:  # an activation that returns a new array
                block[...] = result
        return g

    return blocked
