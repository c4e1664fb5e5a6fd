"""The exported script's maths: the code text of each activation and its
derivative, each loss and its gradient, and the output layer's delta,
written in the engine's own operation order so that the script's losses
equal the app's bit for bit (model/script_export.py puts the script together).
"""

from __future__ import annotations

import textwrap

from model.config import Config
from model.script_literals import fill

_ACTIVATION_CODE = {
    "sigmoid": (
        '''
        def sigmoid(z):
            """1 / (1 + e^-z), squashing any z into (0, 1).

            z is clamped at -709 first: e^709 is the largest power of e a
            float64 holds, so e^-z cannot overflow (and nothing else changes).
            """
            return 1.0 / (1.0 + np.exp(-np.maximum(z, -709.0)))
        ''',
        '''
        def sigmoid_derivative(z, a):
            """sigmoid'(z) = a (1 - a), where a = sigmoid(z)."""
            return a * (1.0 - a)
        ''',
    ),
    "tanh": (
        '''
        def tanh(z):
            """The hyperbolic tangent: like sigmoid, but centred on 0, in (-1, 1)."""
            return np.tanh(z)
        ''',
        '''
        def tanh_derivative(z, a):
            """tanh'(z) = 1 - a^2, where a = tanh(z)."""
            return 1.0 - a * a
        ''',
    ),
    "relu": (
        '''
        def relu(z):
            """max(z, 0): passes positive values, blocks negative ones."""
            return np.maximum(z, 0.0)
        ''',
        '''
        def relu_derivative(z, a):
            """1 where z > 0, else 0 (the kink at 0 takes 0, the usual choice)."""
            return (z > 0.0).astype(z.dtype)
        ''',
    ),
    "leaky_relu": (
        '''
        LEAKY_SLOPE = 0.01


        def leaky_relu(z):
            """z where z > 0, else a small slope times z, so no unit goes fully dead."""
            return np.where(z > 0.0, z, LEAKY_SLOPE * z)
        ''',
        '''
        def leaky_relu_derivative(z, a):
            """1 where z > 0, else the small slope."""
            return np.where(z > 0.0, 1.0, LEAKY_SLOPE).astype(z.dtype)
        ''',
    ),
    "linear": (
        '''
        def linear(z):
            """The identity: the layer's output is its weighted sum."""
            return z
        ''',
        '''
        def linear_derivative(z, a):
            """The identity's slope is 1 everywhere."""
            return np.ones_like(z)
        ''',
    ),
    "softmax": (
        '''
        def softmax(z):
            """e^z / sum(e^z) per sample: outputs that are positive and sum to 1.

            Subtracting each row's largest z first changes nothing in the
            result but keeps e^z from overflowing.
            """
            shifted = z - z.max(axis=1, keepdims=True)
            e = np.exp(shifted)
            return e / e.sum(axis=1, keepdims=True)
        ''',
        "",
    ),
}

_LOSS_CODE = {
    "mse": (
        '''
        def loss_per_sample(y_hat, y):
            """Mean squared error of each sample: the mean over its outputs of (y_hat - y)^2."""
            d = y_hat - y
            return np.sum(d * d, axis=1) / y.shape[1]
        ''',
        '''
        def loss_gradient(y_hat, y):
            """d(loss of each sample)/d(y_hat) = 2 (y_hat - y) / outputs."""
            return (2.0 / y.shape[1]) * (y_hat - y)
        ''',
    ),
    "bce": (
        '''
        EPSILON = 1e-12  # keeps predictions this far from 0 and 1 inside log()


        def loss_per_sample(y_hat, y):
            """Binary cross-entropy of each sample, averaged over its outputs."""
            p = np.clip(y_hat, EPSILON, 1.0 - EPSILON)
            return -np.sum(y * np.log(p) + (1.0 - y) * np.log(1.0 - p), axis=1) / y.shape[1]
        ''',
        '''
        def loss_gradient(y_hat, y):
            """d(loss of each sample)/d(y_hat) = (p - y) / (p (1 - p)) / outputs."""
            p = np.clip(y_hat, EPSILON, 1.0 - EPSILON)
            return (p - y) / (p * (1.0 - p)) / y.shape[1]
        ''',
    ),
    "ce": (
        '''
        EPSILON = 1e-12  # keeps predictions this far from 0 inside log()


        def loss_per_sample(y_hat, y):
            """Categorical cross-entropy of each sample: -log of the true class's output."""
            p = np.maximum(y_hat, EPSILON)
            return -np.sum(y * np.log(p), axis=1)
        ''',
        '''
        def loss_gradient(y_hat, y):
            """d(loss of each sample)/d(y_hat) = -y / y_hat."""
            p = np.maximum(y_hat, EPSILON)
            return -y / p
        ''',
    ),
}

# A sigmoid output with BCE: the engine measures the loss from z (exact
# where y_hat would round to 0 or 1), so the script does too.
_BCE_FROM_Z = '''
    def loss_per_sample(z, y):
        """Binary cross-entropy of each sample, from the output layer's z
        (before the sigmoid): max(z, 0) - y z + log1p(exp(-|z|)), averaged over
        its outputs. It equals -(y log(y_hat) + (1 - y) log(1 - y_hat)) with
        y_hat = sigmoid(z), without ever rounding y_hat to exactly 0 or 1, and
        without the cancellation of log(1 + e^z) - y z for a confident right
        answer. np.logaddexp(u, v) is max(u, v) + log1p(exp(-|u - v|)): with
        u = -y z and v = z - y z it is that form in one call."""
        yz = y * z
        return np.sum(np.logaddexp(-yz, z - yz), axis=1) / y.shape[1]
    '''


def loss_from_z(cfg: Config) -> bool:
    return cfg.output_activation == "sigmoid" and cfg.loss == "bce"


_BATCH_LOSS = '''
def batch_loss(y_hat, y):
    """The loss of a batch: the mean of its samples' losses."""
    per_sample = loss_per_sample(y_hat, y)
    return float(np.sum(per_sample) / len(per_sample))
'''


def _output_delta(cfg: Config) -> str:
    out, loss, k = cfg.output_activation, cfg.loss, cfg.layers[-1]
    if out == "sigmoid" and loss == "bce":
        formula = "y_hat - y" if k == 1 else "(y_hat - y) / y.shape[1]"
        why = (
            "With a sigmoid output and binary cross-entropy the chain rule\n"
            "    dL/dz = dL/dy_hat * sigmoid'(z)\n"
            "simplifies: sigmoid'(z) = y_hat (1 - y_hat) cancels the loss's\n"
            "denominator, leaving " + ("y_hat - y." if k == 1 else "(y_hat - y) / outputs.")
        )
    elif out == "softmax" and loss == "ce":
        formula = "y_hat - y"
        why = (
            "With a softmax output and categorical cross-entropy the chain rule\n"
            "through the softmax's Jacobian simplifies to y_hat - y."
        )
    elif out == "softmax":
        return fill(
            '''
            def output_delta(z, y_hat, y):
                """d(loss of each sample)/dz of the output layer, by the chain rule.

                softmax couples its outputs (each depends on every z), so its
                Jacobian is applied in full: dL/dz_j = a_j (g_j - sum_k g_k a_k).
                """
                g = loss_gradient(y_hat, y)
                return y_hat * (g - (g * y_hat).sum(axis=1, keepdims=True))
            '''
        )
    else:
        return fill(
            '''
            def output_delta(z, y_hat, y):
                """d(loss of each sample)/dz of the output layer, by the chain rule:
                dL/dz = dL/dy_hat * f'(z)."""
                return loss_gradient(y_hat, y) * <<out>>_derivative(z, y_hat)
            ''',
            out=out,
        )
    body = textwrap.indent(why, "    ")
    doc = '"""d(loss of each sample)/dz of the output layer.'
    return f'def output_delta(z, y_hat, y):\n    {doc}\n\n{body}\n    """\n    return {formula}\n'


def maths_code(cfg: Config) -> str:
    hidden, out = cfg.activation, cfg.output_activation
    has_hidden = len(cfg.layers) > 2
    fused = (out, cfg.loss) in (("sigmoid", "bce"), ("softmax", "ce"))
    parts = ["# ---------------------------------------------------------------- activations\n"]
    names = ([hidden] if has_hidden else []) + ([out] if out != hidden or not has_hidden else [])
    for name in names:
        forward, derivative = _ACTIVATION_CODE[name]
        parts.append(fill(forward))
        needs_derivative = (name == hidden and has_hidden) or (name == out and not fused)
        if needs_derivative and derivative:
            parts.append(fill(derivative))
    parts.append("# ----------------------------------------------------------------------- loss\n")
    value, gradient = _LOSS_CODE[cfg.loss]
    if loss_from_z(cfg):
        value = _BCE_FROM_Z
    parts.append(fill(value))
    parts.append(_BATCH_LOSS.lstrip("\n"))
    if not fused:
        parts.append(fill(gradient))
    parts.append(_output_delta(cfg))
    return "\n\n".join(p.rstrip("\n") + "\n" for p in parts)
