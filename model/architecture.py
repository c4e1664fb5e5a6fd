"""Which network suits a data set: the input and output layers follow the
data, the loss follows the output; what the user chose is kept. Used by the
command line (`--hidden`), the app's CSV loading and the form."""

from __future__ import annotations

from typing import Any


def choose_architecture(
    n_features: int,
    n_classes: int,
    *,
    truth_table: bool,
    layers: tuple[int, ...] | None = None,
    hidden: tuple[int, ...] | None = None,
    activation: str | None = None,
    output_activation: str | None = None,
    loss: str | None = None,
) -> dict[str, Any]:
    """Layers, activations and loss for data of this shape, honouring any the user gave.

    Defaults: truth tables get the classic 2-4-1 sigmoid network; other data
    two tanh layers of 8. The output side follows the classes: one sigmoid
    unit with BCE for two classes, else one softmax unit per class with CE.
    A given loss or output activation picks its partner (ce/softmax,
    bce/sigmoid, mse/sigmoid) and the output size that suits it.
    """
    if layers is not None:
        out = layers[-1]
        wide = out >= 2
    else:
        wide = n_classes > 2 or loss == "ce" or output_activation == "softmax"
    if output_activation is None:
        output_activation = "softmax" if wide and loss in (None, "ce") else "sigmoid"
    if loss is None:
        loss = {"softmax": "ce", "sigmoid": "bce"}.get(output_activation, "mse")
    if layers is None:
        if hidden is None:
            hidden = (4,) if truth_table else (8, 8)
        layers = (n_features, *hidden, n_classes if wide else 1)
    if activation is None:
        activation = "sigmoid" if truth_table else "tanh"
    return {"layers": tuple(layers), "activation": activation, "output_activation": output_activation, "loss": loss}
