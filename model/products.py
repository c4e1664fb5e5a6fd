"""Which NumPy function a small network's hot path multiplies two matrices with.

`np.matmul` is a generalised ufunc: on the tiny matrices of a small network
its dispatch costs about twice what `ndarray.dot` costs, for the same BLAS
call. For two C- or F-contiguous float32/float64 matrices, (m, k) @ (k, p),
NumPy's two routes are, by their sources (numpy/_core/src/umath/matmul.c.src
and numpy/_core/src/common/cblasfuncs.c, NumPy built with CBLAS as its
wheels are):

- m > 1, k > 1, p > 1: both call `cblas_?gemm` with the same order, the same
  transpose flags (NoTrans for a C-contiguous operand, Trans for an
  F-contiguous one, such as a transposed view) and the same leading
  dimensions; `dot` zeroes the output first, which beta = 0 makes moot;
- m > 1, k > 1, p = 1: both call `cblas_?gemv`, and the two calls (matmul's
  column-major one with the transpose flag, dot's row-major one without it,
  or the other way round for an F-contiguous left operand) are the same
  product to CBLAS, which turns a row-major call into the column-major one
  with the flag flipped;
- m = 1 or k = 1: the routes part (matmul takes its own loop or another
  BLAS call where dot takes gemm, a dot product or a plain multiplication,
  which may differ at least in the sign of a zero), so matmul stays.

So `product(m, k)` is `ndarray.dot` where the two are the same call and
`np.matmul` elsewhere; tests/model/test_full_batch.py holds them to the
same bits over shapes, layouts, zeros of both signs and infinities.
(Operands that alias each other, where both may call syrk, never occur in
the passes.)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray

Product = Callable[..., Array]  # (a, b) or (a, b, out): a @ b

_dot: Product = np.ndarray.dot
_matmul: Product = np.matmul


def product(m: int, k: int) -> Product:
    """The function that computes an (m, k) @ (k, p) product of contiguous
    float matrices (either layout) with matmul's bits, at least cost."""
    return _dot if m > 1 and k > 1 else _matmul
