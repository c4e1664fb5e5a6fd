"""The command line's plan: from parsed options to a checked configuration
and trainer (or a session, or a lesson), with the reason in the option's own
words when something does not fit. The entry point (tui/cli.py) parses and
dispatches; the headless runner and `check` take a plan; none of them needs
the app.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from model import BackpropError, Config, ConfigError, DataError, Trainer, WeightsFileError
from model.architecture import choose_architecture
from model.config import follow_data, parse_value
from model.datasets import TRUTH_TABLES, load_data
from model.lessons import lesson
from model.parameters import Layout

# Imported where they are used, as the app opens without them (issue 15):
# model.atomic_write and model.safe_read (--save-*), model.weights_file
# (--weights), model.session (a SESSION_FILE).

DIRECT = {
    "dataset": "dataset",
    "activation": "activation",
    "output_activation": "output_activation",
    "loss": "loss",
    "lr": "lr",
    "optimizer": "optimizer",
    "momentum": "momentum",
    "beta1": "beta1",
    "beta2": "beta2",
    "eps": "eps",
    "l1": "l1",
    "l2": "l2",
    "init": "init",
    "seed": "seed",
    "samples": "samples",
    "noise": "noise",
    "classes": "classes",
    "test_fraction": "test_fraction",
    "label_column": "label_column",
    "epochs": "max_epochs",
    "dtype": "dtype",
    "target_loss": "target_loss",
    "features": "features",
}

# The option to name when the engine reports a problem with a field.
OPTION_OF_FIELD = {field: "--" + dest.replace("_", "-") for dest, field in DIRECT.items()} | {
    "layers": "--layers",
    "csv_path": "--csv",
    "mode": "--batch-size",
    "batch_size": "--batch-size",
    "stop_at_full_accuracy": "--stop-at-full-accuracy",
}


ARCHITECTURE = ("activation", "output_activation", "loss")


class UsageError(Exception):
    """A bad command line; the message is the one line shown after 'error:'."""


# ----------------------------------------------------------------- parsing


def _value(option: str, field: str, text: str) -> Any:
    try:
        value = parse_value(field, text)
    except ConfigError as e:
        raise UsageError(f"{option}: {e.message}") from None
    if isinstance(value, float):
        # "-0" parses to -0.0, which passes the range checks but which NumPy's
        # generators refuse as a scale ("scale < 0"); zero is what was meant.
        value += 0.0
    return value


def _hidden(text: str) -> tuple[int, ...]:
    """'8' or '8,8' (also 8-8 or '8 8') to sizes; 'none' for no hidden layer."""
    if text.strip().lower() in ("none", "0"):
        return ()
    parts = [p for p in text.replace("-", ",").replace(" ", ",").replace("x", ",").split(",") if p]
    if not parts:
        raise UsageError("--hidden: give the hidden sizes, such as 8 or 8,8 (or none)")
    for part in parts:
        if not (part.isascii() and part.isdigit()):
            raise UsageError(f"--hidden: {part!r} is not a whole number; give sizes such as 8 or 8,8")
    return tuple(int(p) for p in parts)


def _check_writable(path: str, option: str = "--save-weights") -> None:
    """Refuse a --save-weights (or --save-session) path before training, not after it."""
    from model.atomic_write import check_target
    from model.safe_read import os_reason

    shown = f"{option}: cannot write {path!r}"
    if not path.strip() or "\0" in path:
        raise UsageError(f"{shown}: not a file name")
    if os.path.isdir(path):
        raise UsageError(f"{shown}: it is a directory")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"{shown}: no such directory")
    if not os.access(directory, os.W_OK):
        raise UsageError(f"{shown}: the directory is not writable")
    try:
        check_target(path)  # not a FIFO or a device; a name the file system takes
    except OSError as e:
        raise UsageError(f"{shown}: {os_reason(e)}") from None


def _batch(text: str) -> dict[str, Any]:
    word = text.strip().lower()
    if word in ("full", "sgd"):
        return {"mode": word}
    try:
        return {"mode": "minibatch", "batch_size": parse_value("batch_size", text)}
    except ConfigError:
        raise UsageError(f"--batch-size: {text.strip()!r} is not a whole number, 'full' or 'sgd'") from None


def _engine_error(e: ConfigError, layers_option: str = "--layers") -> UsageError:
    """The engine's message under the option the user typed."""
    option = layers_option if e.field == "layers" else OPTION_OF_FIELD.get(e.field, e.field)
    return UsageError(f"{option}: {e.message}")


class Plan:
    """What a command line asks for: a validated config, start weights, and how to run."""

    def __init__(self, config: Config, trainer: Trainer, params, args: argparse.Namespace):
        self.config = config
        self.trainer = trainer  # built once to validate; headless trains this one
        self.params = params
        self.headless = bool(args.headless or args.json)
        self.json = bool(args.json)
        self.save_weights = args.save_weights
        self.save_session = args.save_session
        self.session = args.session  # the session file carried on, if any
        self.lesson: str | None = None  # the lesson opened, if any (--lesson)
        self.theme: str | None = args.theme  # --theme


def plan(args: argparse.Namespace) -> Plan:
    """Turn parsed options into a validated plan, or raise UsageError / BackpropError."""
    _check_running_options(args)
    if args.session is not None:
        return _session_plan(args)
    if args.lesson is not None:
        return _lesson_plan(args)
    changes: dict[str, Any] = {}
    for dest, field in DIRECT.items():
        text = getattr(args, dest)
        if text is not None:
            changes[field] = _value("--" + dest.replace("_", "-"), field, text)
    if args.csv is not None:
        if changes.get("dataset", "csv") != "csv":
            raise UsageError(f"--csv: cannot train on a CSV file and on --dataset {changes['dataset']} at once")
        if not args.csv.strip():
            raise UsageError("--csv: give the path of a CSV file")
        changes["dataset"] = "csv"
        changes["csv_path"] = args.csv
    elif changes.get("dataset") == "csv":
        raise UsageError("--dataset: for csv, give the file with --csv FILE")
    if "label_column" in changes and changes.get("dataset") != "csv":
        raise UsageError("--label-column: only applies to a CSV file (--csv FILE)")
    if args.batch_size is not None:
        changes.update(_batch(args.batch_size))
    if args.stop_at_full_accuracy:
        changes["stop_at_full_accuracy"] = True
    if args.layers is not None and args.hidden is not None:
        raise UsageError("--hidden: give either --layers or --hidden, not both")
    layers = _value("--layers", "layers", args.layers) if args.layers is not None else None
    hidden = _hidden(args.hidden) if args.hidden is not None else None
    # Everything but the architecture, validated together, before any data is read;
    # the architecture fields are checked as a set once the data's shape is known.
    arch_given = {k: changes.pop(k) for k in ARCHITECTURE if k in changes}
    try:
        base = follow_data(Config(), **changes)  # a regression set starts from a linear output and MSE
    except ConfigError as e:
        raise _engine_error(e) from None

    file_weights = None
    layers_option = "--hidden" if hidden is not None else "--layers"
    if args.weights is not None:
        from model.weights_file import load_weights, sizes_of

        try:
            file_weights = load_weights(args.weights)
        except WeightsFileError as e:
            raise UsageError(f"--weights: {e}") from None
        if layers is None and hidden is None:
            layers = sizes_of(file_weights[0])
            layers_option = "--weights"

    try:
        data = load_data(base)
    except DataError as e:
        option = "--csv" if base.dataset == "csv" else "--dataset"
        raise UsageError(f"{'--features' if str(e).startswith('input features') else option}: {e}") from None
    # Float targets (regression): one linear unit with MSE unless the user says otherwise (the engine says why not).
    floats = {"output_activation": "linear", "loss": "mse"} if data.is_regression else {}
    arch = choose_architecture(
        data.n_features,
        data.n_classes,
        truth_table=base.dataset in TRUTH_TABLES,
        layers=layers,
        hidden=hidden,
        activation=arch_given.get("activation"),
        output_activation=arch_given.get("output_activation", floats.get("output_activation")),
        loss=arch_given.get("loss", floats.get("loss")),
    )
    try:
        config = base.replace(**arch)
    except ConfigError as e:
        raise _engine_error(e, layers_option) from None

    params = None
    if file_weights is not None:
        from model.weights_file import describe, sizes_of

        W, b = file_weights
        if sizes_of(W) != config.layers:
            raise UsageError(
                f"--weights: the file's network is {describe(sizes_of(W))}; "
                f"the configuration asks for {describe(config.layers)}"
            )
        params = Layout(config.layers).flatten(W, b)
    bug = None
    if getattr(args, "bug", None) is not None:
        from model.bugs import find

        try:
            bug = find(args.bug.strip())
        except ConfigError as e:
            raise UsageError(f"--bug: {e.message}") from None
        if args.save_session is not None:
            raise UsageError("--save-session: not with --bug; bug-lab runs are not saved as sessions")
    try:
        # The engine's own checks: inputs against features, outputs against classes.
        trainer = Trainer(config, data, params, bug=bug)
    except ConfigError as e:
        if e.field == "bug":
            raise UsageError(f"--bug: {e.message}") from None
        raise _engine_error(e, layers_option) from None
    return Plan(config, trainer, params, args)


def _check_running_options(args: argparse.Namespace) -> None:
    """How to run: options that do not fit together, and output files, checked before any work."""
    headless = args.headless or args.json
    if args.theme is not None:
        from model.config import suggest
        from tui.themes import THEME_NAMES

        if args.theme not in THEME_NAMES:
            raise UsageError(f"--theme: {suggest(args.theme, THEME_NAMES)}")
        if headless:
            raise UsageError(f"--theme: not with {'--json' if args.json else '--headless'}; it colours the app")
    if args.save_weights is not None and not headless:
        raise UsageError("--save-weights: only with --headless (in the app, save from the app)")
    if args.save_session is not None and not headless:
        raise UsageError("--save-session: only with --headless (in the app, press ctrl+s)")
    if args.serve and headless:
        raise UsageError(f"--serve: not with {'--json' if args.json else '--headless'}; it serves the app")
    for option in ("port", "host", "max_apps"):
        if getattr(args, option) is not None and not args.serve:
            raise UsageError(f"--{option.replace('_', '-')}: only with --serve")
    if args.no_token and not args.serve:
        raise UsageError("--no-token: only with --serve")
    if args.save_weights is not None:
        _check_writable(args.save_weights)
    if args.save_session is not None:
        _check_writable(args.save_session, "--save-session")


# Options that may go with a session file: when to stop, and how to run.
SESSION_OPTIONS = frozenset(
    {
        "epochs",
        "target_loss",
        "stop_at_full_accuracy",
        "headless",
        "json",
        "save_weights",
        "save_session",
        "serve",
        "port",
        "host",
        "version",
        "session",
        "no_token",
        "max_apps",
        "theme",
    }
)


def _session_plan(args: argparse.Namespace) -> Plan:
    """Carry on with a saved session: its settings, with new stop conditions if given."""
    for dest, value in vars(args).items():
        if dest not in SESSION_OPTIONS and value not in (None, False):
            option = "--" + dest.replace("_", "-")
            raise UsageError(
                f"{option}: not with a session file, which keeps its own settings (change them in the app)"
            )
    from model.session import load_session

    try:
        trainer = load_session(args.session)
    except BackpropError as e:  # SessionError: the reason names the file
        raise UsageError(str(e)) from None
    changes: dict[str, Any] = {}
    if args.epochs is not None:
        more = _value("--epochs", "max_epochs", args.epochs)
        try:
            Config(max_epochs=more)  # its own range first: "0 is out of range"
        except ConfigError as e:
            raise _engine_error(e) from None
        changes["max_epochs"] = trainer.epoch + more
    if args.target_loss is not None:
        changes["target_loss"] = _value("--target-loss", "target_loss", args.target_loss)
    if args.stop_at_full_accuracy:
        changes["stop_at_full_accuracy"] = True
    try:
        config = trainer.config.replace(**changes)
        trainer.reconfigure(config)  # stop conditions apply from here on
    except ConfigError as e:
        if e.field == "max_epochs":
            raise UsageError(f"--epochs: the session is at epoch {trainer.epoch}; {e.message}") from None
        raise _engine_error(e) from None
    return Plan(config, trainer, None, args)


# Options that may go with --lesson: how to run, not what.
LESSON_OPTIONS = (SESSION_OPTIONS - {"session"}) | {"lesson"}


def _lesson_plan(args: argparse.Namespace) -> Plan:
    """Open a lesson: its settings and starting weights, nothing else changed."""
    if args.session is not None:
        raise UsageError("--lesson: not with a session file")
    for dest, value in vars(args).items():
        if dest not in LESSON_OPTIONS and value not in (None, False):
            option = "--" + dest.replace("_", "-")
            raise UsageError(f"{option}: not with --lesson, which sets its own (change them in the app's form)")
    try:
        chosen = lesson(args.lesson)
        trainer = chosen.trainer()
        config = trainer.config
        if args.epochs is not None:
            config = config.replace(max_epochs=_value("--epochs", "max_epochs", args.epochs))
        if args.target_loss is not None:
            config = config.replace(target_loss=_value("--target-loss", "target_loss", args.target_loss))
        if args.stop_at_full_accuracy:
            config = config.replace(stop_at_full_accuracy=True)
        trainer.reconfigure(config)
    except ConfigError as e:
        if e.field == "lesson":
            raise UsageError(f"--lesson: {e.message}") from None
        raise _engine_error(e) from None
    the_plan = Plan(config, trainer, chosen.initial_params(), args)
    the_plan.lesson = chosen.name
    return the_plan
