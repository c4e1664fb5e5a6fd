"""All weights and biases of a network in one flat vector.

`W[l]` and `b[l]` are reshaped views into it (all weights first, then all
biases), so an optimizer update is one vector operation, a norm is one dot
product, and a snapshot of the whole network is one array reference. The
flat vector is never changed after it is made: an update builds a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

Array = np.ndarray


class Buffer(NamedTuple):
    """A flat vector laid out like the parameters, with its per-layer views
    made once: what a hot loop writes into again and again (`out=`), so that
    it neither slices nor concatenates per epoch."""

    flat: Array
    W: list[Array]
    b: list[Array]


@dataclass(frozen=True)
class Layout:
    sizes: tuple[int, ...]

    @property
    def shapes(self) -> list[tuple[int, int]]:
        return list(zip(self.sizes[:-1], self.sizes[1:]))

    @cached_property
    def n_weights(self) -> int:
        return sum(i * o for i, o in self.shapes)

    @cached_property
    def n_params(self) -> int:
        return self.n_weights + sum(self.sizes[1:])

    @cached_property
    def _slices(self) -> tuple[list[tuple[slice, tuple[int, int]]], list[slice]]:
        weights, biases = [], []
        start = 0
        for fan_in, fan_out in self.shapes:
            weights.append((slice(start, start + fan_in * fan_out), (fan_in, fan_out)))
            start += fan_in * fan_out
        for fan_out in self.sizes[1:]:
            biases.append(slice(start, start + fan_out))
            start += fan_out
        return weights, biases

    def views(self, flat: Array) -> tuple[list[Array], list[Array]]:
        """([W0, W1, ...], [b0, b1, ...]) as views into `flat`."""
        weights, biases = self._slices
        return [flat[s].reshape(shape) for s, shape in weights], [flat[s] for s in biases]

    def buffer(self, dtype: np.dtype | type) -> Buffer:
        """A new zeroed flat vector of this layout, with its views."""
        flat = np.zeros(self.n_params, dtype)
        W, b = self.views(flat)
        return Buffer(flat, W, b)

    def flatten(self, W: list[Array], b: list[Array], dtype: np.dtype | type | None = None) -> Array:
        for l, ((fan_in, fan_out), w, bias) in enumerate(zip(self.shapes, W, b)):
            if np.shape(w) != (fan_in, fan_out) or np.shape(bias) != (fan_out,):
                raise ValueError(
                    f"layer {l + 1}: expected W{l} {(fan_in, fan_out)} and b{l} {(fan_out,)}, "
                    f"got {np.shape(w)} and {np.shape(bias)}"
                )
        parts = [np.asarray(w).ravel() for w in W] + [np.asarray(x).ravel() for x in b]
        flat = np.concatenate(parts)
        return flat.astype(dtype if dtype is not None else flat.dtype)

    def locate(self, index: int) -> tuple[str, int, tuple[int, ...]]:
        """Which parameter a flat index is: ('W' or 'b', layer, position)."""
        start = 0
        for l, (fan_in, fan_out) in enumerate(self.shapes):
            if index < start + fan_in * fan_out:
                return "W", l, divmod(index - start, fan_out)
            start += fan_in * fan_out
        for l, fan_out in enumerate(self.sizes[1:]):
            if index < start + fan_out:
                return "b", l, (index - start,)
            start += fan_out
        raise IndexError(index)
