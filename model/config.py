"""The hyperparameters of a run, validated in one place.

A `Config` cannot exist in an invalid state: construction checks every field
and raises one `ConfigError` naming the field, the value and what is allowed;
front-ends keep the last good config when `Config.parse` raises.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from dataclasses import dataclass, fields
from typing import Any

from model.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from model.bundled_data import BUNDLED_SHAPES
from model.datasets import DATASETS, REGRESSION_DATASETS, REGRESSION_INPUTS, TRUTH_TABLES
from model.errors import ConfigError, DataError
from model.features import DEFAULT_FEATURES, config_features, parse_features
from model.initializers import INITIALIZERS
from model.losses import LOSSES
from model.optimizers import OPTIMIZERS

MODES = ("full", "minibatch", "sgd")
# The built-in data sets whose number of classes is the `classes` field; the others have 2.
MULTICLASS_DATASETS = ("spiral", "blobs")
BUILTIN_FEATURES = 2  # every generated data set has two inputs, x1 and x2 (bundled ones: BUNDLED_SHAPES)
DTYPES = ("float64", "float32")
DATASET_CHOICES = DATASETS + ("csv",)
MAX_UNITS = 4096
MAX_LAYERS = 12

# Changing one of these means a new network: the run starts again.
REBUILD_FIELDS = frozenset(
    {
        "dataset",
        "samples",
        "noise",
        "classes",
        "test_fraction",
        "csv_path",
        "label_column",
        "layers",
        "activation",
        "output_activation",
        "loss",
        "init",
        "init_scale",
        "init_limit",
        "seed",
        "dtype",
        "feedback_alignment",
        "features",
    }
)

CHOICES: dict[str, tuple[str, ...]] = {
    "dataset": DATASET_CHOICES,
    "activation": HIDDEN_ACTIVATIONS,
    "output_activation": OUTPUT_ACTIVATIONS,
    "loss": tuple(LOSSES),
    "init": INITIALIZERS,
    "optimizer": OPTIMIZERS,
    "mode": MODES,
    "dtype": DTYPES,
}


def suggest(value: str, allowed: tuple[str, ...]) -> str:
    """'did you mean ...?' plus the list, for an unknown name."""
    close = difflib.get_close_matches(str(value).lower(), allowed, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown value {value!r}; {hint}choose one of: {', '.join(allowed)}"


@dataclass(frozen=True)
class Config:
    # data
    dataset: str = "xor"
    samples: int = 200
    noise: float = 0.1
    classes: int = 2
    test_fraction: float = 0.0
    csv_path: str | None = None
    label_column: str | None = None
    features: tuple[str, ...] = DEFAULT_FEATURES  # input features of 2-input data (model/features.py)
    # network
    layers: tuple[int, ...] = (2, 4, 1)
    activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    loss: str = "bce"
    init: str = "xavier"
    init_scale: float = 1.0
    init_limit: float = 0.5
    dtype: str = "float64"
    feedback_alignment: bool = False
    seed: int = 0
    # optimisation
    lr: float = 0.5
    optimizer: str = "sgd"
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8  # Adam's epsilon, added to sqrt(v) outside the bias correction (see optimizers.py)
    l1: float = 0.0
    l2: float = 0.0
    mode: str = "full"
    batch_size: int = 32
    # stopping and stepping
    max_epochs: int = 100_000
    target_loss: float = 0.0
    stop_at_full_accuracy: bool = False
    epochs_per_step: int = 10

    def __post_init__(self) -> None:
        for name, allowed in CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(name, suggest(getattr(self, name), allowed))
        _int_range(self, "samples", 4, 100_000)
        _int_range(self, "classes", 2, 10)
        _int_range(self, "batch_size", 1, 1_000_000)
        _int_range(self, "seed", 0, 2**32 - 1)
        _int_range(self, "max_epochs", 1, 10**9)
        _int_range(self, "epochs_per_step", 1, 1_000_000)
        _float_range(self, "noise", 0.0, 10.0)
        _float_range(self, "test_fraction", 0.0, 0.9)
        _float_range(self, "init_scale", 0.0, 100.0)
        _float_range(self, "init_limit", 0.0, 100.0)
        _float_range(self, "lr", 0.0, 1e9, low_open=True)
        _float_range(self, "momentum", 0.0, 1.0, high_open=True)
        _float_range(self, "beta1", 0.0, 1.0, high_open=True)
        _float_range(self, "beta2", 0.0, 1.0, high_open=True)
        _float_range(self, "eps", 0.0, 1.0, low_open=True)
        _float_range(self, "l1", 0.0, 1e3)
        _float_range(self, "l2", 0.0, 1e3)
        _float_range(self, "target_loss", 0.0, 1e9)
        for flag in ("feedback_alignment", "stop_at_full_accuracy"):
            if not isinstance(getattr(self, flag), bool):
                raise ConfigError(flag, "must be true or false")
        if self.classes != 2 and self.dataset not in MULTICLASS_DATASETS:
            raise ConfigError(
                "classes",
                f"the {self.dataset} data has 2 classes; {self.classes} classes apply only to "
                f"{' and '.join(MULTICLASS_DATASETS)}",
            )
        # One spelling per set (FEATURES order), so that equal sets compare equal.
        object.__setattr__(self, "features", config_features(self.features, self.dataset, data_inputs(self)))
        self._check_layers()
        self._check_pairing()
        if self.dataset == "csv" and not self.csv_path:
            raise ConfigError("csv_path", "the csv dataset needs a file path")

    def _check_layers(self) -> None:
        layers = self.layers
        if not isinstance(layers, tuple) or not all(isinstance(n, int) and not isinstance(n, bool) for n in layers):
            raise ConfigError("layers", f"{layers!r} must be whole numbers such as 2,4,1")
        if not 2 <= len(layers) <= MAX_LAYERS:
            raise ConfigError(
                "layers", f"need between 2 and {MAX_LAYERS} sizes (inputs, hidden..., outputs), got {len(layers)}"
            )
        for n in layers:
            if not 1 <= n <= MAX_UNITS:
                raise ConfigError("layers", f"every size must be between 1 and {MAX_UNITS}, got {n}")

    def _check_pairing(self) -> None:
        out = self.layers[-1]
        if self.dataset in REGRESSION_DATASETS and (self.loss != "mse" or self.output_activation == "softmax"):
            field, use = ("loss", "mse") if self.loss != "mse" else ("output_activation", "linear")
            raise ConfigError(field, f"the {self.dataset} data has float targets, not classes: use {use}")
        if self.output_activation == "softmax" and out < 2:
            raise ConfigError("output_activation", "softmax needs at least 2 output units (one per class)")
        if self.loss in ("bce", "ce"):
            low, high = ACTIVATIONS[self.output_activation].output_range
            if low < 0.0 or high > 1.0:
                raise ConfigError(
                    "loss",
                    f"{self.loss} needs outputs in (0, 1); the output activation "
                    f"{self.output_activation} is not; use sigmoid or softmax, or the mse loss",
                )
        if self.loss == "ce" and out < 2:
            raise ConfigError("loss", "ce (categorical cross-entropy) needs at least 2 output units; use bce for one")

    # ----------------------------------------------------------------- edits

    def replace(self, **changes: Any) -> "Config":
        """A validated copy; raises ConfigError and leaves self untouched."""
        unknown = [k for k in changes if k not in FIELD_NAMES]
        if unknown:
            raise ConfigError(unknown[0], suggest(unknown[0], FIELD_NAMES))
        return dataclasses.replace(self, **changes)

    def parse(self, name: str, text: str) -> "Config":
        """A copy with field `name` set from user text, or ConfigError."""
        return self.replace(**{name: parse_value(name, text)})

    def needs_rebuild(self, other: "Config") -> bool:
        """Whether going from self to other means a new network."""
        return any(getattr(self, f) != getattr(other, f) for f in REBUILD_FIELDS)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["layers"] = list(self.layers)
        d["features"] = list(self.features)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Config":
        data = dict(data)
        for key in ("layers", "features"):  # JSON lists; a config saved before `features` has the default
            if key in data and isinstance(data[key], list):
                data[key] = tuple(data[key])
        unknown = [k for k in data if k not in FIELD_NAMES]
        if unknown:
            raise ConfigError(unknown[0], suggest(unknown[0], FIELD_NAMES))
        return cls(**data)


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Config))

# Changing one of these may change the data's shape: the network's two ends follow (`follow_data`).
DATA_FIELDS = frozenset({"dataset", "classes", "features"})


def data_inputs(config: Config) -> int | None:
    """How many raw inputs the config's data has (None for a CSV file: only its rows say)."""
    if config.dataset in BUNDLED_SHAPES:
        return BUNDLED_SHAPES[config.dataset][0]
    return None if config.dataset == "csv" else REGRESSION_INPUTS.get(config.dataset, BUILTIN_FEATURES)


def data_classes(config: Config) -> int | None:
    """How many classes the config's data has (None for a CSV file; 1, the pseudo-class "y", for regression)."""
    if config.dataset == "csv":
        return None
    if config.dataset in REGRESSION_DATASETS:
        return 1
    if config.dataset in BUNDLED_SHAPES:
        return BUNDLED_SHAPES[config.dataset][1]
    return config.classes if config.dataset in MULTICLASS_DATASETS else 2


def follow_data(config: Config, **changes: Any) -> Config:
    """`config` with its input and output layers (and the output activation
    and loss) fitted to its built-in data, as --hidden does on the command
    line: hidden sizes stay, inputs become the data's features, outputs one
    sigmoid unit for two classes (a softmax pair is kept) or one softmax unit
    per class with cross-entropy (mse is kept); regression: one linear unit,
    MSE. A CSV config is returned as is (its shape is known once read).
    `changes` (of DATA_FIELDS) are applied first, together with the output
    side they need."""
    if changes:  # to or from float targets: the output side must change in the same step to be valid
        dataset = changes.get("dataset", config.dataset)
        if dataset in REGRESSION_DATASETS:
            changes = {"output_activation": "linear", "loss": "mse", **changes}
        elif config.dataset in REGRESSION_DATASETS:
            changes = {"output_activation": "sigmoid", "loss": "bce", **changes}
        config = config.replace(**changes)
    classes = data_classes(config)
    if classes is None:
        return config
    layers = list(config.layers)
    inputs = data_inputs(config)
    layers[0] = len(config.features) if inputs == 2 else int(inputs or BUILTIN_FEATURES)
    output, loss = config.output_activation, config.loss
    if config.dataset in REGRESSION_DATASETS:
        layers[-1] = 1
        output, loss = "linear", "mse"
    elif classes > 2:
        layers[-1] = classes
        output = "softmax"
        loss = "mse" if loss == "mse" else "ce"
    elif layers[-1] not in (1, 2) or (layers[-1] == 2 and output != "softmax"):
        layers[-1] = 1
        if output == "softmax":
            output = "sigmoid"
        if loss == "ce":
            loss = "bce"
    return config.replace(layers=tuple(layers), output_activation=output, loss=loss)


def applicable_fields(config: Config) -> frozenset[str]:
    """The fields that change something for this config; a form greys the rest.

    Truth tables ignore samples, noise and the test split; only spiral and
    blobs have a class count; the CSV fields apply to CSV data; momentum,
    Adam's betas, the batch size and the initialisers' scale and limit apply
    to their own optimizer, mode or init.
    """
    out = set(FIELD_NAMES)
    if config.dataset in TRUTH_TABLES:
        out -= {"samples", "noise", "test_fraction"}
    if config.dataset == "csv" or config.dataset in BUNDLED_SHAPES:
        out -= {"samples", "noise"}
    if config.dataset not in MULTICLASS_DATASETS:
        out.discard("classes")
    if data_inputs(config) not in (None, 2):
        out.discard("features")
    if config.dataset != "csv":
        out -= {"csv_path", "label_column"}
    if config.optimizer != "momentum":
        out.discard("momentum")
    if config.optimizer != "adam":
        out -= {"beta1", "beta2", "eps"}
    if config.mode != "minibatch":
        out.discard("batch_size")
    if config.init != "normal":
        out.discard("init_scale")
    if config.init != "uniform":
        out.discard("init_limit")
    if config.dataset in REGRESSION_DATASETS:
        out.discard("stop_at_full_accuracy")  # R², not an accuracy, to reach
    return frozenset(out)


_FIELD_TYPES = {f.name: f.type for f in fields(Config)}


def _int_range(cfg: Config, name: str, low: int, high: int) -> None:
    value = getattr(cfg, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(name, f"{value!r} must be a whole number")
    if not low <= value <= high:
        raise ConfigError(name, f"{value} is out of range; allowed {low} to {high}")


def _float_range(
    cfg: Config, name: str, low: float, high: float, *, low_open: bool = False, high_open: bool = False
) -> None:
    value = getattr(cfg, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(name, f"{value!r} must be a number")
    if not math.isfinite(value):
        raise ConfigError(name, f"{value} is not a finite number")
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        lo = f"above {low:g}" if low_open else f"at least {low:g}"
        hi = f"below {high:g}" if high_open else f"at most {high:g}"
        raise ConfigError(name, f"{value:g} is out of range; must be {lo} and {hi}")


def parse_value(name: str, text: str) -> Any:
    """Turn the text a user typed for field `name` into its value, or ConfigError."""
    if name not in _FIELD_TYPES:
        raise ConfigError(name, suggest(name, FIELD_NAMES))
    kind = _FIELD_TYPES[name]
    raw = str(text).strip()
    if name == "layers":
        return parse_layers(raw)
    if name == "features":
        try:
            return parse_features(raw)
        except DataError as e:
            raise ConfigError(name, str(e)) from None
    if kind == "bool":
        lowered = raw.lower()
        if lowered in ("true", "yes", "on", "1"):
            return True
        if lowered in ("false", "no", "off", "0"):
            return False
        raise ConfigError(name, f"{raw!r} must be true or false")
    if kind == "int":
        try:
            number = float(raw.replace("_", ""))
        except ValueError:
            raise ConfigError(name, f"{raw!r} is not a whole number") from None
        if not math.isfinite(number) or number != int(number):
            raise ConfigError(name, f"{raw!r} is not a whole number")
        return int(number)
    if kind == "float":
        try:
            number = float(raw)
        except ValueError:
            raise ConfigError(name, f"{raw!r} is not a number") from None
        if not math.isfinite(number):
            raise ConfigError(name, f"{raw!r} is not a finite number")
        return number
    if kind == "str | None":
        return raw or None
    if name in CHOICES:
        return raw.lower()
    return raw


def parse_layers(text: str) -> tuple[int, ...]:
    """'2,4,1' or '2-4-1' or '2 4 1' to (2, 4, 1), or ConfigError."""
    parts = [p for p in text.replace("-", ",").replace(" ", ",").replace("x", ",").split(",") if p]
    if not parts:
        raise ConfigError("layers", "give the layer sizes, such as 2,4,1")
    sizes = []
    for part in parts:
        if not (part.isascii() and part.isdigit()):
            raise ConfigError("layers", f"{part!r} is not a whole number; give sizes such as 2,4,1")
        if len(part) > 9:
            raise ConfigError("layers", f"every size must be between 1 and {MAX_UNITS}, got {part[:12]}...")
        sizes.append(int(part))
    value = tuple(sizes)
    Config(layers=value, output_activation="linear", loss="mse")  # size checks only
    return value
