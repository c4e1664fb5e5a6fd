"""The exported script's network and training: the code text of the forward
and backward pass, the optimizer's update and the epoch loop (full batch,
mini-batches or one sample per update), in the engine's operation order
(model/script_export.py puts the script together).
"""

from __future__ import annotations

from model.config import Config
from model.script_literals import fill
from model.script_maths import loss_from_z


def network_code(cfg: Config, feedback: bool) -> str:
    back = "FEEDBACK" if feedback else "W"
    fa_comment = (
        "            # Feedback alignment: a fixed random matrix FEEDBACK[l] carries the\n"
        "            # error back instead of W[l]; the network still learns, because the\n"
        "            # forward weights come to agree with the feedback.\n"
        if feedback
        else ""
    )
    backprop = (
        "        if l > 0:\n"
        "            # Backpropagation: delta = (delta_next @ W_next.T) * f'(z).\n"
        "            # The error of each unit of layer l-1 is the errors of the units\n"
        "            # it feeds, weighted by the connecting weights, times its own slope.\n"
        + fa_comment
        + f"            delta = (delta @ {back}[l].T) * HIDDEN_DERIVATIVE(zs[l - 1], activations[l - 1])\n"
    )
    if len(cfg.layers) > 2:
        hidden_line = (
            f"HIDDEN = {cfg.activation}  # the activation of every hidden layer\n"
            f"HIDDEN_DERIVATIVE = {cfg.activation}_derivative\n"
        )
        activate = "a = OUTPUT(z) if l == len(W) - 1 else HIDDEN(z)"
    else:
        hidden_line = "# (no hidden layers: the inputs feed the output layer directly)\n"
        activate = "a = OUTPUT(z)"
        backprop = "        # With a single layer there is no earlier layer to send delta back to.\n"
    return fill(
        '''
        # -------------------------------------------------------------- the network
        # Shapes: X is (samples, features); W[l] is (fan_in, fan_out) and b[l] is
        # (fan_out,), so layer l computes, for every sample at once (one per row),
        #     z[l] = a[l-1] @ W[l] + b[l]    and    a[l] = f(z[l]),
        # with a[-1] = X. The last layer's a is the network's output y_hat.

        <<hidden>>OUTPUT = <<out>>  # the activation of the output layer


        def forward(X, W, b):
            """Run the samples through the network; keep every layer's z and a."""
            zs, activations = [], []
            a = X
            for l in range(len(W)):
                z = a @ W[l] + b[l]
                <<activate>>
                zs.append(z)
                activations.append(a)
            return zs, activations


        def backward(X, Y, W, zs, activations):
            """The gradient of the batch loss with respect to every W[l] and b[l].

            delta is d(loss of each sample)/dz of a layer: one row per sample.
            It starts at the output and is sent back one layer at a time.
            """
            n = len(X)
            L = len(W)
            dW, db = [None] * L, [None] * L
            delta = output_delta(zs[-1], activations[-1], Y)
            for l in reversed(range(L)):
                a_prev = X if l == 0 else activations[l - 1]
                # Each sample's gradient is the outer product a_prev^T delta;
                # the batch gradient is their mean.
                dW[l] = a_prev.T @ delta / n
                db[l] = np.sum(delta, axis=0) / n
        <<backprop>>    return dW, db
        ''',
        hidden=hidden_line,
        out=cfg.output_activation,
        backprop=backprop,
        activate=activate,
    )


def optimizer_code(cfg: Config) -> str:
    terms = ""
    if cfg.l2:
        terms += " + L2 * w"
    if cfg.l1:
        terms += " + L1 * np.sign(w)"
    if terms:
        penalty = fill(
            '''
            def penalised(W, dW):
                """The weight gradients plus the penalties' share (biases are not penalised)."""
                return [g<<terms>> for w, g in zip(W, dW)]


            ''',
            terms=terms,
        )
        gradient_line = "    gW = penalised(W, dW)\n"
    else:
        penalty = ""
        gradient_line = "    gW = dW\n"
    if cfg.optimizer == "sgd":
        body = fill(
            '''
            def new_optimizer_state(W, b):
                """Plain gradient descent remembers nothing between updates."""
                return {}


            def update(W, b, dW, db, state):
                """One gradient-descent step: each parameter moves against its gradient."""
            <<g>>    W = [w - LEARNING_RATE * g for w, g in zip(W, gW)]
                b = [p - LEARNING_RATE * g for p, g in zip(b, db)]
                return W, b, state
            ''',
            g=gradient_line,
        )
    elif cfg.optimizer == "momentum":
        body = fill(
            '''
            def new_optimizer_state(W, b):
                """A velocity per parameter, starting at rest."""
                return {"vW": [np.zeros_like(w) for w in W], "vb": [np.zeros_like(p) for p in b]}


            def update(W, b, dW, db, state):
                """Momentum: the velocity keeps a decaying sum of past steps, and the
                parameters move by the velocity, so steady directions speed up."""
            <<g>>    vW = [MOMENTUM * v - LEARNING_RATE * g for v, g in zip(state["vW"], gW)]
                vb = [MOMENTUM * v - LEARNING_RATE * g for v, g in zip(state["vb"], db)]
                W = [w + v for w, v in zip(W, vW)]
                b = [p + v for p, v in zip(b, vb)]
                return W, b, {"vW": vW, "vb": vb}
            ''',
            g=gradient_line,
        )
    else:
        body = fill(
            '''
            def new_optimizer_state(W, b):
                """Adam keeps running means of the gradient (m) and its square (v)."""
                zeros = [np.zeros_like(p) for p in W + b]
                return {"t": 0, "m": zeros, "v": [z.copy() for z in zeros]}


            def update(W, b, dW, db, state):
                """Adam: each parameter steps by m / sqrt(v), so every parameter gets
                its own step size; the bias correction undoes m and v starting at 0."""
            <<g>>    params, grads = W + b, gW + db
                t = state["t"] + 1
                step_size = float(LEARNING_RATE * np.sqrt(1.0 - BETA2**t) / (1.0 - BETA1**t))
                m = [BETA1 * old + (1.0 - BETA1) * g for old, g in zip(state["m"], grads)]
                v = [BETA2 * old + (1.0 - BETA2) * (g * g) for old, g in zip(state["v"], grads)]
                params = [p - step_size * mp / (np.sqrt(vp) + ADAM_EPSILON) for p, mp, vp in zip(params, m, v)]
                return params[: len(W)], params[len(W) :], {"t": t, "m": m, "v": v}
            ''',
            g=gradient_line,
        )
    return "# ------------------------------------------------------------------ optimizer\n\n\n" + penalty + body


def training_code(cfg: Config) -> str:
    if cfg.mode == "full":
        loop = '''
            def train(epochs):
                """Full-batch training: one update per epoch, from the whole training set."""
                W = [w.copy() for w in W_INITIAL]
                b = [p.copy() for p in B_INITIAL]
                state = new_optimizer_state(W, b)
                # Epoch 0 is the untrained network.
                zs, activations = forward(X, W, b)
                dW, db = backward(X, Y, W, zs, activations)
                print(f"epoch 0 loss {batch_loss(activations[-1], Y)!r}")
                for epoch in range(1, epochs + 1):
                    # Update with the gradient computed at the current weights ...
                    W, b, state = update(W, b, dW, db, state)
                    # ... then measure the new weights: the loss of epoch N is the loss
                    # after N updates, and the same pass gives the next gradient.
                    zs, activations = forward(X, W, b)
                    dW, db = backward(X, Y, W, zs, activations)
                    print(f"epoch {epoch} loss {batch_loss(activations[-1], Y)!r}")
            '''
    else:
        loop = '''
            def train(epochs):
                """Mini-batch training: shuffle, then one update per batch."""
                W = [w.copy() for w in W_INITIAL]
                b = [p.copy() for p in B_INITIAL]
                state = new_optimizer_state(W, b)
                # The shuffling generator, set to the exact state the app's run
                # started from, so every epoch draws the same batches.
                rng = np.random.default_rng()
                rng.bit_generator.state = GENERATOR_STATE
                n = len(X)
                # Epoch 0 is the untrained network, measured on the whole training set.
                zs, activations = forward(X, W, b)
                print(f"epoch 0 loss {batch_loss(activations[-1], Y)!r}")
                for epoch in range(1, epochs + 1):
                    order = rng.permutation(n)  # a new shuffle every epoch
                    loss_sum = 0.0
                    for start in range(0, n, BATCH_SIZE):
                        batch = order[start : start + BATCH_SIZE]
                        Xb, Yb = X[batch], Y[batch]
                        zs, activations = forward(Xb, W, b)
                        dW, db = backward(Xb, Yb, W, zs, activations)
                        loss_sum += batch_loss(activations[-1], Yb) * len(batch)
                        W, b, state = update(W, b, dW, db, state)
                    # The epoch's loss is the mean of its batches' losses, each measured
                    # just before its update (what training frameworks report).
                    print(f"epoch {epoch} loss {loss_sum / n!r}")
            '''
    if loss_from_z(cfg):
        loop = loop.replace("batch_loss(activations[-1], ", "batch_loss(zs[-1], ")
    return "# ------------------------------------------------------------------- training\n\n\n" + fill(loop)
