"""The starting file `backprop-tui check --template` prints: a correct,
commented forward and backward pass in the style of the from-scratch
write-ups, for one architecture (sizes, activations, loss).

Why explicit lines per layer (z1 = ..., dz1 = ...) instead of a loop: that is
how learners write it, and it gives every classic bug one line to live on.
`plant` puts a named bug of the lab into such a file, the way it is seen in
the wild; the check's tests are those files.
"""

from __future__ import annotations

import re

# The derivative of each activation as a function of z (the template's style).
_ACTIVATION_CODE = {
    "sigmoid": (
        "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))\n\n\n"
        "def sigmoid_prime(z):\n    s = sigmoid(z)\n    return s * (1.0 - s)\n"
    ),
    "tanh": "def tanh(z):\n    return np.tanh(z)\n\n\ndef tanh_prime(z):\n    return 1.0 - np.tanh(z) ** 2\n",
    "relu": "def relu(z):\n    return np.maximum(z, 0.0)\n\n\ndef relu_prime(z):\n    return (z > 0.0).astype(float)\n",
    "leaky_relu": (
        "def leaky_relu(z):\n    return np.where(z > 0.0, z, 0.01 * z)\n\n\n"
        "def leaky_relu_prime(z):\n    return np.where(z > 0.0, 1.0, 0.01)\n"
    ),
    "linear": "def linear(z):\n    return z\n\n\ndef linear_prime(z):\n    return np.ones_like(z)\n",
    "softmax": (
        "def softmax(z):\n    e = np.exp(z - z.max(axis=1, keepdims=True))  # subtract the max: no overflow\n"
        "    return e / e.sum(axis=1, keepdims=True)\n"
    ),
}

_LOSS_CODE = {
    "mse": "    # mean squared error: the mean over samples and outputs\n    return np.mean((Y_hat - Y) ** 2)\n",
    "bce": (
        "    # binary cross-entropy: the mean over samples and outputs\n"
        "    p = np.clip(Y_hat, 1e-12, 1.0 - 1e-12)\n"
        "    return -np.mean(Y * np.log(p) + (1.0 - Y) * np.log(1.0 - p))\n"
    ),
    "ce": (
        "    # categorical cross-entropy: the mean over samples of the sum over classes\n"
        "    return -np.mean(np.sum(Y * np.log(np.maximum(Y_hat, 1e-12)), axis=1))\n"
    ),
}


def _output_delta(L: int, output: str, loss: str) -> list[str]:
    """The lines that compute dz{L}: d(mean loss)/dz of the output layer."""
    a, z = f"a{L}", f"z{L}"
    if output == "softmax" and loss == "ce":
        return [f"    dz{L} = ({a} - Y) / N  # softmax with cross-entropy: the Jacobian cancels"]
    if output == "sigmoid" and loss == "bce":
        return [f"    dz{L} = ({a} - Y) / n_out / N  # sigmoid with BCE: a(1-a) cancels"]
    grad = {
        "mse": f"2 * ({a} - Y) / n_out",
        "bce": f"({a} - Y) / ({a} * (1.0 - {a})) / n_out",
        "ce": f"-Y / {a}",
    }[loss]
    if output == "softmax":
        return [
            f"    g = {grad}  # d(loss of a sample)/d{a}",
            f"    dz{L} = {a} * (g - (g * {a}).sum(axis=1, keepdims=True)) / N  # softmax's Jacobian",
        ]
    return [f"    dz{L} = {grad} * {output}_prime({z}) / N"]


def template(sizes: tuple[int, ...], hidden: str, output: str, loss: str, lr: float) -> str:
    """A correct learner file for this network (W{l}: (fan_in, fan_out), b{l}: (fan_out,))."""
    L = len(sizes) - 1
    acts = [hidden] * (L - 1) + [output]
    names = ", ".join(f"W{l}, b{l}" for l in range(1, L + 1))
    unpack = ", ".join(f'params["W{l}"], params["b{l}"]' for l in range(1, L + 1))
    arch = "-".join(str(n) for n in sizes)
    lines = [
        f'"""My forward and backward pass for a {arch} network ({hidden} hidden, {output} output, {loss} loss).',
        "",
        "Check it:",
        f"    backprop-tui check THIS_FILE.py --layers {','.join(map(str, sizes))} --activation {hidden} \\",
        f"        --output-activation {output} --loss {loss} --lr {lr:g}",
        "",
        "The contract: params holds W1, b1, W2, b2, ... with W{l} of shape (fan_in, fan_out) and b{l} of",
        "shape (fan_out,); X has one row per sample. forward returns z1, a1, ...; backward returns dz1, ...",
        "(or delta1, ...), dW1, db1, ...; update (optional) returns the new params; loss (optional) the loss.",
        "",
        "Convention used here (most write-ups use it): dz is the gradient of the batch MEAN loss, so it is",
        "the per-sample error signal divided by N, and dW = a_prev.T @ dz needs no further division.",
        '"""',
        "",
        "import numpy as np",
        "",
        "",
    ]
    for name in dict.fromkeys(acts):
        lines += _ACTIVATION_CODE[name].splitlines() + ["", ""]
    lines += ["def forward(X, params):", f"    {names} = {unpack}"]
    previous = "X"
    for l, act in enumerate(acts, start=1):
        lines += [f"    z{l} = {previous} @ W{l} + b{l}", f"    a{l} = {act}(z{l})"]
        previous = f"a{l}"
    cache = ", ".join(f'"z{l}": z{l}, "a{l}": a{l}' for l in range(1, L + 1))
    lines += [f"    return {{{cache}}}", "", ""]
    lines += ["def loss(Y, Y_hat):", *_LOSS_CODE[loss].splitlines(), "", ""]
    delta_lines = _output_delta(L, output, loss)
    needs_zL = any(re.search(rf"\bz{L}\b", line) for line in delta_lines)
    lines += ["def backward(X, Y, params, cache):", "    N, n_out = Y.shape"]
    if L > 1:
        lines.append(
            "    "
            + ", ".join(f"W{l}" for l in range(2, L + 1))
            + " = "
            + ", ".join(f'params["W{l}"]' for l in range(2, L + 1))
        )
    for l in range(1, L + 1):
        if l < L:
            lines.append(f'    z{l}, a{l} = cache["z{l}"], cache["a{l}"]')
        elif needs_zL:
            lines.append(f'    z{l}, a{l} = cache["z{l}"], cache["a{l}"]')
        else:
            lines.append(f'    a{l} = cache["a{l}"]')
    lines += ["    # the output layer", *delta_lines]
    for l in range(L, 0, -1):
        inputs = "X" if l == 1 else f"a{l - 1}"
        lines += [f"    dW{l} = {inputs}.T @ dz{l}", f"    db{l} = dz{l}.sum(axis=0)"]
        if l > 1:
            lines += [
                f"    # layer {l - 1}: the line backpropagation is named for",
                f"    dz{l - 1} = (dz{l} @ W{l}.T) * {hidden}_prime(z{l - 1})",
            ]
    grads = ", ".join(f'"dz{l}": dz{l}, "dW{l}": dW{l}, "db{l}": db{l}' for l in range(1, L + 1))
    lines += [f"    grads = {{{grads}}}", "    return grads", "", ""]
    lines += ["def update(params, grads, lr):"]
    for l in range(1, L + 1):
        lines += [
            f'    W{l} = params["W{l}"] - lr * grads["dW{l}"]',
            f'    b{l} = params["b{l}"] - lr * grads["db{l}"]',
        ]
    new = ", ".join(f'"W{l}": W{l}, "b{l}": b{l}' for l in range(1, L + 1))
    lines += [f"    return {{{new}}}", ""]
    return "\n".join(lines)


class PlantError(ValueError):
    """The bug has no line to live on in this template."""


def plant(text: str, bug: str, sizes: tuple[int, ...], hidden: str, output: str, loss: str, lr: float) -> str:
    """The template `text` with the lab's bug `bug` written in, as a learner would have it."""
    from model.bugs import BUGS

    if bug in BUGS and (why := BUGS[bug].refuses(tuple(sizes), hidden, output, loss)):
        raise PlantError(f"{bug}: {why}")
    L = len(sizes) - 1
    h = L - 1
    hidden_line = f"    dz{h} = (dz{L} @ W{L}.T) * {hidden}_prime(z{h})"
    out_lines = "\n".join(_output_delta(L, output, loss))

    def swap(old: str, new: str, source: str | None = None, count: int = 1) -> str:
        source = text if source is None else source
        if old not in source:
            raise PlantError(f"{bug}: no line {old.strip()!r} in this template")
        return source.replace(old, new, count if count else -1)

    if bug == "disconnected_hidden":
        return swap(hidden_line, f"    dz{h} = np.zeros_like(z{h})  # never connected to the output")
    if bug == "derivative_twice":
        return swap(hidden_line, hidden_line + f" * {hidden}_prime(z{h})")
    if bug == "derivative_at_a":
        return swap(hidden_line, hidden_line.replace(f"(z{h})", f"(a{h})"))
    if bug == "missing_bias_update":
        out = text
        for l in range(1, L + 1):
            out = swap(f'    b{l} = params["b{l}"] - lr * grads["db{l}"]', f'    b{l} = params["b{l}"]', out)
        return out
    if bug == "bce_delta_mse_loss":
        return swap(out_lines, f"    dz{L} = (a{L} - Y) / N  # the delta of cross-entropy")
    if bug == "mse_no_factor_2":
        return swap(f"2 * (a{L} - Y) / n_out", f"(a{L} - Y) / n_out")
    if bug == "wrong_transpose":
        square = [l for l in range(1, L + 1) if sizes[l - 1] == sizes[l]]
        if not square:
            raise PlantError("wrong_transpose: needs a square layer")
        l = square[0]
        inputs = "X" if l == 1 else f"a{l - 1}"
        return swap(f"    dW{l} = {inputs}.T @ dz{l}", f"    dW{l} = dz{l}.T @ {inputs}")
    if bug == "accumulated_gradients":
        out = swap("import numpy as np\n", "import numpy as np\n\n_TOTAL = {}  # made once, never reset\n")
        return swap(
            "    return grads\n",
            "    for key, value in grads.items():\n        _TOTAL[key] = _TOTAL.get(key, 0.0) + value\n"
            "    return dict(_TOTAL)\n",
            out,
        )
    if bug == "softmax_no_max":
        return swap(
            "    e = np.exp(z - z.max(axis=1, keepdims=True))  # subtract the max: no overflow", "    e = np.exp(z)"
        )
    if bug == "updated_weights_backward":
        return swap(hidden_line, f"    W{L} = W{L} - {lr!r} * dW{L}  # updated first...\n" + hidden_line)
    if bug == "lr_sign_flipped":
        return swap("- lr * grads", "+ lr * grads", count=0)
    raise PlantError(f"{bug}: not a bug of the lab")
