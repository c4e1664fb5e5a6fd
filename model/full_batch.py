"""A small network's full-batch passes, built once per trainer.

What a full-batch epoch computes after its update (the forward pass, the
backward pass and the loss of the whole training set at the new parameters)
is the same every epoch but for the parameters. On a small network each
NumPy call costs about as much as its arithmetic, so the Python around the
calls (per-layer views, lookups, temporaries, the layers of functions of the
general `Network.forward`/`backward`/`loss_of`) is a large part of an epoch.
`full_batch_passes` builds, for one trainer, a function that does those same
operations, in the same order and on the same operands (so every figure has
the same bits as the general route, as tests/model/test_engine_reference.py
checks), with what does not depend on the parameters worked out in advance:

- the parameters are copied into one kept buffer whose per-layer views (and
  their transposes) exist once; on few samples each bias is repeated once
  per sample in the same copy (one `take`), so that adding it is an add of
  two arrays of one shape (NumPy's fast path: broadcasting a row costs
  about twice as much per call);
- sums and the per-sample loss go into kept buffers (`out=`), so mostly
  the arrays a record keeps are new each epoch;
- formula constants are 0-d arrays of the data's dtype (a Python float
  costs a conversion per call);
- the BCE loss of one sigmoid unit, the usual small network's, skips the
  general function (which any other loss or output calls, unchanged); the
  layers call the activations' own functions (the sigmoid's with its
  constants bound for the data's dtype);
- products go through `ndarray.dot` where it makes matmul's own BLAS call
  (model/products.py), np.matmul elsewhere.

Only for the plain network (not the bug lab's) and parameters small enough
to copy each epoch (see the trainer); anything else takes the general route.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from model.activations import _ONE, forward_for, times_derivative_for
from model.network import BackwardPass, ForwardPass, Network
from model.parameters import Buffer, Layout
from model.products import product
from model.row_blocks import LARGE_VALUES, add_to_each_row, in_row_blocks

Array = np.ndarray

# The passes at given parameters: (forward, backward, loss).
Passes = Callable[[Array], tuple[ForwardPass, BackwardPass, float]]

_add, _subtract, _multiply, _divide = np.add, np.subtract, np.multiply, np.divide
_logaddexp = np.logaddexp
_add_reduce = np.add.reduce
# A NamedTuple's own __new__ is a Python function around this call.
_new_tuple = tuple.__new__


def _contiguous(a: Array) -> bool:
    return bool(a.flags.c_contiguous or a.flags.f_contiguous)


# Each bias is repeated per sample only while the repeats take at most this
# many bytes: the gain is per call, and on many samples the arithmetic, not
# the call, is what costs (and memory would grow with the data).
_REPEAT_BYTES = 32 * 1024


def _kept_weights(layout: Layout, n: int, dtype: np.dtype) -> tuple[Buffer, list[Array], Array, Array]:
    """The buffer the passes copy the parameters into: (the parameters' part,
    laid out like them, with its views; per layer, what is added as its bias:
    the bias repeated in n rows, or on many samples the bias itself,
    broadcast; the whole buffer; the flat indices that `take` copies into it)."""
    n_params, n_weights, fan_outs = layout.n_params, layout.n_weights, layout.sizes[1:]
    repeat = n * sum(fan_outs) * dtype.itemsize <= _REPEAT_BYTES
    parts = [np.arange(n_params)]
    if repeat:
        bias_starts = np.cumsum((n_weights, *fan_outs[:-1]))
        parts += [np.tile(np.arange(start, start + size), n) for start, size in zip(bias_starts, fan_outs)]
    indices = np.concatenate(parts)
    kept = np.zeros(indices.shape[0], dtype)
    W, b = layout.views(kept[:n_params])
    if not repeat:
        return Buffer(kept, W, b), b, kept, indices
    rows, start = [], n_params
    for size in fan_outs:
        rows.append(kept[start : start + n * size].reshape(n, size))
        start += n * size
    return Buffer(kept[:n_params], W, b), rows, kept, indices


def full_batch_passes(network: Network, X: Array, Y: Array, sums: Buffer) -> tuple[Passes, Buffer] | None:
    """The passes of `network` on (X, Y) at given parameters, and the buffer
    they copy the parameters into; or None where only the general route
    applies (another network class, another dtype).

    The returned buffer (laid out like the parameters, with its per-layer
    views) and `sums` are written by every call (the caller keeps them;
    nothing returned by the passes points into them). The accuracy is the
    trainer's to count from the output when asked for (see
    EpochRecord.accuracy).
    """
    dtype = X.dtype
    if type(network) is not Network or dtype not in _ONE:
        return None
    n, L = X.shape[0], network.n_layers
    weights, bias_rows, kept, kept_indices = _kept_weights(network.layout, n, dtype)
    n_as_dtype = np.array(n, dtype)  # the same value NumPy makes of the int n, without converting it per call
    exact_python_mean = dtype == np.float64  # a float64 sum divided by n in Python is NumPy's division
    sizes = network.sizes
    # Each product's function (model/products.py): the shapes are fixed; the
    # layers' arrays are new C-contiguous ones each epoch, X is what it is.
    X_contiguous = _contiguous(X)
    forward_products = [product(n, fan_in) for fan_in in sizes[:-1]]
    if not X_contiguous:
        forward_products[0] = np.matmul
    forwards = [forward_for(act, dtype) for act in network.activations]
    layers = tuple(zip(weights.W, bias_rows, forwards, forward_products))
    # On many samples, the bias add and g * f'(z) go a block of rows at a time
    # (model/row_blocks.py: the same values, without waiting on memory).
    # (bias_rows is the buffer's own b where each bias is broadcast, not repeated.)
    add_bias = _add if bias_rows is not weights.b else add_to_each_row
    times_derivative = [
        in_row_blocks(f) if n * size >= LARGE_VALUES else f
        for f, size in zip((times_derivative_for(act, dtype) for act in network.activations), sizes[1:])
    ]
    back = weights.W if network.feedback is None else list(network.feedback)
    sum_W, sum_b, sum_flat = sums.W, sums.b, sums.flat
    # Layers L-1 .. 1, each with what its delta is multiplied by to make the
    # delta of the layer below; then layer 0, whose input is X.
    hidden_down = tuple(
        (
            l,
            sum_W[l],
            sum_b[l],
            product(sizes[l], n),
            back[l].T,
            product(n, sizes[l + 1]) if _contiguous(back[l]) else np.matmul,
            times_derivative[l - 1],
        )
        for l in range(L - 1, 0, -1)
    )
    X_T, sum_W0, sum_b0 = X.T, sum_W[0], sum_b[0]
    sum_product0 = product(sizes[0], n) if X_contiguous else np.matmul

    # The output delta: y_hat - y where the activation cancels the loss (one
    # sigmoid unit with BCE, softmax with CE), else the general route.
    fused = network.uses_fused_delta and not (network.loss.name == "bce" and Y.shape[1] > 1)
    # The loss of one sigmoid unit with BCE from its z, for 0/1 targets (see below), else Network.loss_of.
    binary_targets = Y.shape[1] == 1 and bool(((Y == 0) | (Y == 1)).all())
    bce_from_z = network._loss_from_z and network.loss.name == "bce" and binary_targets
    sign = _subtract(_ONE[dtype], Y + Y)  # 1 - 2y: +1 for a target of 0, -1 for 1
    per_sample = np.empty(n, dtype)
    per_sample_column = per_sample.reshape(n, 1)

    def passes(params: Array) -> tuple[ForwardPass, BackwardPass, float]:
        # The parameters and the repeated biases in one copy. The mode is
        # "clip" because "raise", with `out`, copies into a temporary first.
        params.take(kept_indices, None, kept, "clip")
        zs: list[Array] = []
        outs: list[Array] = []
        a = X
        for W_l, b_l, f, times in layers:
            z = times(a, W_l)
            add_bias(z, b_l, z)  # b_l: the bias in every row, the same values as broadcasting it
            a = f(z)
            zs.append(z)
            outs.append(a)
        fwd = _new_tuple(ForwardPass, (X, zs, outs))

        delta = _subtract(a, Y) if fused else network.output_delta(fwd, Y)
        deltas: list[Array] = [delta] * L
        for l, sum_W_l, sum_b_l, sum_times, back_T, back_times, backprop_l in hidden_down:
            deltas[l] = delta
            h = outs[l - 1]
            sum_times(h.T, delta, sum_W_l)
            _add_reduce(delta, axis=0, out=sum_b_l)
            delta = backprop_l(back_times(delta, back_T), zs[l - 1], h)
        deltas[0] = delta
        sum_product0(X_T, delta, sum_W0)
        _add_reduce(delta, axis=0, out=sum_b0)
        bwd = BackwardPass(deltas, _divide(sum_flat, n_as_dtype), network.layout)

        if bce_from_z:
            # Loss.per_sample_from_logits for bce is logaddexp(-y z, z - y z);
            # for a target of 0 that is logaddexp(-0 z, z), for 1 logaddexp(-z,
            # z - z), and NumPy's logaddexp(x, y) gives the same bits as
            # logaddexp(sz - sz, sz) with sz = (1 - 2y) z, whose first term is
            # 0 for a finite z and NaN for an infinite one, as z - z is.
            sz = _multiply(sign, zs[-1])
            _logaddexp(_subtract(sz, sz), sz, per_sample_column)
            total = _add_reduce(per_sample)
            loss = float(total) / n if exact_python_mean else float(total / n)
        else:
            loss = network.loss_of(fwd, Y)
        return fwd, bwd, loss

    return passes, weights
