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
        "        if l > 1:\n"
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
        activate = "a = OUTPUT(z) if l == len(W) else HIDDEN(z)"
    else:
        hidden_line = "# (no hidden layers: the inputs feed the output layer directly)\n"
        activate = "a = OUTPUT(z)"
        backprop = "        # With a single layer there is no earlier layer to send delta back to.\n"
    return fill(
        '''
        # -------------------------------------------------------------- the network
        # Layers are numbered from 1, as in the app: W[1] and b[1] belong to the
        # layer that reads the inputs. Shapes: X is (samples, features); W[l] is
        # (fan_in, fan_out) and b[l] is (fan_out,), so layer l computes, for every
        # sample at once (one per row),
        #     z[l] = a[l-1] @ W[l] + b[l]    and    a[l] = f(z[l]),
        # with a[0] = X. The last layer's a[L] is the network's output y_hat.

        <<hidden>>OUTPUT = <<out>>  # the activation of the output layer


        def forward(X, W, b):
            """Run the samples through the network; keep every layer's z and a."""
            zs, activations = {}, {0: X}
            for l in range(1, len(W) + 1):
                z = activations[l - 1] @ W[l] + b[l]
                <<activate>>
                zs[l] = z
                activations[l] = a
            return zs, activations


        def backward(X, Y, W, zs, activations):
            """The gradient of the batch loss with respect to every W[l] and b[l].

            delta is d(loss of each sample)/dz of a layer: one row per sample.
            It starts at the output and is sent back one layer at a time.
            """
            n = len(X)
            L = len(W)
            dW, db = {}, {}
            delta = output_delta(zs[L], activations[L], Y)
            for l in range(L, 0, -1):
                a_prev = activations[l - 1]  # what layer l reads (X for layer 1)
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
                return {l: dW[l]<<terms>> for l, w in W.items()}


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
            <<g>>    W = {l: W[l] - LEARNING_RATE * gW[l] for l in W}
                b = {l: b[l] - LEARNING_RATE * db[l] for l in b}
                return W, b, state
            ''',
            g=gradient_line,
        )
    elif cfg.optimizer == "momentum":
        body = fill(
            '''
            def new_optimizer_state(W, b):
                """A velocity per parameter, starting at rest."""
                vW = {l: np.zeros_like(w) for l, w in W.items()}
                vb = {l: np.zeros_like(p) for l, p in b.items()}
                return {"vW": vW, "vb": vb}


            def update(W, b, dW, db, state):
                """Momentum: the velocity keeps a decaying sum of past steps, and the
                parameters move by the velocity, so steady directions speed up."""
            <<g>>    vW = {l: MOMENTUM * state["vW"][l] - LEARNING_RATE * gW[l] for l in W}
                vb = {l: MOMENTUM * state["vb"][l] - LEARNING_RATE * db[l] for l in b}
                W = {l: W[l] + vW[l] for l in W}
                b = {l: b[l] + vb[l] for l in b}
                return W, b, {"vW": vW, "vb": vb}
            ''',
            g=gradient_line,
        )
    else:
        body = fill(
            '''
            def new_optimizer_state(W, b):
                """Adam keeps running means of the gradient (m) and its square (v), per
                parameter array: "W1", "b1", "W2", ..."""
                zeros = {name: np.zeros_like(p) for name, p in named(W, b).items()}
                return {"t": 0, "m": zeros, "v": {name: z.copy() for name, z in zeros.items()}}


            def named(W, b):
                """Every parameter array under its name: {"W1": W[1], "b1": b[1], "W2": ...}."""
                return {f"W{l}": W[l] for l in W} | {f"b{l}": b[l] for l in b}


            def update(W, b, dW, db, state):
                """Adam: each parameter steps by m / sqrt(v), so every parameter gets
                its own step size; the bias correction undoes m and v starting at 0."""
            <<g>>    params, grads = named(W, b), named(gW, db)
                t = state["t"] + 1
                step_size = float(LEARNING_RATE * np.sqrt(1.0 - BETA2**t) / (1.0 - BETA1**t))
                m = {k: BETA1 * state["m"][k] + (1.0 - BETA1) * grads[k] for k in params}
                v = {k: BETA2 * state["v"][k] + (1.0 - BETA2) * (grads[k] * grads[k]) for k in params}
                params = {k: params[k] - step_size * m[k] / (np.sqrt(v[k]) + ADAM_EPSILON) for k in params}
                W = {l: params[f"W{l}"] for l in W}
                b = {l: params[f"b{l}"] for l in b}
                return W, b, {"t": t, "m": m, "v": v}
            ''',
            g=gradient_line,
        )
    return "# ------------------------------------------------------------------ optimizer\n\n\n" + penalty + body


def training_code(cfg: Config) -> str:
    if cfg.mode == "full":
        loop = '''
            def train(epochs):
                """Full-batch training: one update per epoch, from the whole training set."""
                W = {l: w.copy() for l, w in W_INITIAL.items()}
                b = {l: p.copy() for l, p in B_INITIAL.items()}
                state = new_optimizer_state(W, b)
                # Epoch 0 is the untrained network.
                zs, activations = forward(X, W, b)
                dW, db = backward(X, Y, W, zs, activations)
                print(f"epoch 0 loss {batch_loss(activations[len(W)], Y)!r}")
                for epoch in range(1, epochs + 1):
                    # Update with the gradient computed at the current weights ...
                    W, b, state = update(W, b, dW, db, state)
                    # ... then measure the new weights: the loss of epoch N is the loss
                    # after N updates, and the same pass gives the next gradient.
                    zs, activations = forward(X, W, b)
                    dW, db = backward(X, Y, W, zs, activations)
                    print(f"epoch {epoch} loss {batch_loss(activations[len(W)], Y)!r}")
            '''
    else:
        loop = '''
            def train(epochs):
                """Mini-batch training: shuffle, then one update per batch."""
                W = {l: w.copy() for l, w in W_INITIAL.items()}
                b = {l: p.copy() for l, p in B_INITIAL.items()}
                state = new_optimizer_state(W, b)
                # The shuffling generator, set to the exact state the app's run
                # started from, so every epoch draws the same batches.
                rng = np.random.default_rng()
                rng.bit_generator.state = GENERATOR_STATE
                n = len(X)
                # Epoch 0 is the untrained network, measured on the whole training set.
                zs, activations = forward(X, W, b)
                print(f"epoch 0 loss {batch_loss(activations[len(W)], Y)!r}")
                for epoch in range(1, epochs + 1):
                    order = rng.permutation(n)  # a new shuffle every epoch
                    loss_sum = 0.0
                    for start in range(0, n, BATCH_SIZE):
                        batch = order[start : start + BATCH_SIZE]
                        Xb, Yb = X[batch], Y[batch]
                        zs, activations = forward(Xb, W, b)
                        dW, db = backward(Xb, Yb, W, zs, activations)
                        loss_sum += batch_loss(activations[len(W)], Yb) * len(batch)
                        W, b, state = update(W, b, dW, db, state)
                    # The epoch's loss is the mean of its batches' losses, each measured
                    # just before its update (what training frameworks report).
                    print(f"epoch {epoch} loss {loss_sum / n!r}")
            '''
    if loss_from_z(cfg):
        loop = loop.replace("batch_loss(activations[len(W)], ", "batch_loss(zs[len(W)], ")
    return "# ------------------------------------------------------------------- training\n\n\n" + fill(loop)
