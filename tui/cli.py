"""Command line: preset the app's first run, or train headless.

Every option's text goes through the engine's own parser and validation
(`model.config.parse_value`, `Config`), so the command line accepts exactly
what the app's form accepts and an error names the option, on one line:

    backprop-tui: error: --lr: 'abc' is not a number

A session file (saved with ctrl+s in the app, or --save-session) is given
as the only positional argument: `backprop-tui run.npz` opens it in the
app, exactly where it was left; `backprop-tui run.npz --headless --epochs
N` trains N MORE epochs (not up to N: the file's epoch does not need to be
known) and can save the result with --save-session. With a session, only
options about stopping and output apply; its settings are its own.

`--serve` serves the app to web browsers (tui/serve.py).

Exit status: 0 done; 1 the UI could not start (or stdout was closed early);
2 a bad option, data file or weights file; 3 (headless) training diverged,
after printing the summary of the last good epoch; 130 (headless)
interrupted by Ctrl-C, after printing the summary so far.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Sequence

from model import BackpropError, Config, ConfigError, DataError, Trainer, WeightsFileError
from model.atomic_write import check_target
from model.config import parse_value
from model.datasets import TRUTH_TABLES, load_data
from model.lessons import LESSON_NAMES, lesson
from model.parameters import Layout
from model.safe_read import os_reason
from model.session import load_session
from model.weights_file import describe, load_weights, sizes_of
from tui.serve import (
    DEFAULT_HOST,
    DEFAULT_MAX_APPS,
    DEFAULT_PORT,
    ServeError,
    host_name,
    max_apps_number,
    new_token,
    port_number,
    serve,
)

PROG = "backprop-tui"

EXIT_OK = 0
EXIT_NO_UI = 1
EXIT_USAGE = 2
EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 130

# Options that set one Config field directly from their text.
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


class _Parser(argparse.ArgumentParser):
    """argparse that reports one line instead of a usage dump and an exit."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        usage="%(prog)s [SESSION_FILE] [options]",
        description="Step through the training of a small NumPy MLP and watch every layer "
        "(weights, gradients, deltas). With --headless, train without the UI and print a summary.",
        allow_abbrev=False,
    )
    p.add_argument(
        "session",
        nargs="?",
        metavar="SESSION_FILE",
        help="carry on with a saved session (.npz from ctrl+s or --save-session)",
    )
    data = p.add_argument_group("data")
    data.add_argument(
        "--dataset",
        metavar="NAME",
        help="xor, and, or, nand, xnor, circles, moons, spiral, blobs, xor_quadrants, iris, digits (bundled)",
    )
    data.add_argument("--csv", metavar="FILE", help="train on a CSV file (numeric features, label column last)")
    data.add_argument("--label-column", metavar="NAME", help="the CSV column holding the labels")
    data.add_argument("--samples", metavar="N", help="samples of a 2-D dataset")
    data.add_argument("--noise", metavar="X", help="noise of a 2-D dataset")
    data.add_argument("--classes", metavar="K", help="classes of spiral and blobs")
    data.add_argument("--test-fraction", metavar="X", help="share held out for testing, 0 to 0.9")

    net = p.add_argument_group("network")
    net.add_argument("--layers", metavar="SIZES", help="all layer sizes, such as 2,4,1")
    net.add_argument(
        "--hidden",
        metavar="SIZES",
        help="hidden sizes only (such as 8 or 8,8, or none); inputs and outputs follow the data",
    )
    net.add_argument("--activation", metavar="NAME", help="hidden activation: sigmoid, tanh, relu, leaky_relu, linear")
    net.add_argument("--output-activation", metavar="NAME", help="sigmoid, softmax, tanh, relu, leaky_relu, linear")
    net.add_argument("--loss", metavar="NAME", help="mse, bce or ce")
    net.add_argument("--init", metavar="NAME", help="xavier, he, normal, uniform, zeros")
    net.add_argument(
        "--weights", metavar="FILE", help="start from the weights in a .npz file (sets the layers when none are given)"
    )
    net.add_argument("--dtype", metavar="TYPE", help="float64 or float32")
    net.add_argument("--seed", metavar="N", help="seed of the data and the initial weights")
    net.add_argument(
        "--bug",
        metavar="NAME",
        help="bug lab: train with one classic backprop bug planted on purpose (names: backprop-tui --bug list)",
    )

    train = p.add_argument_group("training")
    train.add_argument("--lr", metavar="X", help="learning rate")
    train.add_argument("--optimizer", metavar="NAME", help="sgd, momentum or adam")
    train.add_argument("--momentum", metavar="X", help="momentum coefficient mu: v = mu v - lr g; W += v")
    train.add_argument("--beta1", metavar="X", help="Adam's decay of the gradient mean (default 0.9)")
    train.add_argument("--beta2", metavar="X", help="Adam's decay of the squared gradient mean (default 0.999)")
    train.add_argument(
        "--eps",
        metavar="X",
        help="Adam's epsilon (default 1e-8), added to sqrt(v) outside the bias correction, as Keras",
    )
    train.add_argument("--l1", metavar="X", help="L1 penalty on the weights (adds l1 sign(W) to the gradient)")
    train.add_argument("--l2", metavar="X", help="L2 penalty on the weights (adds l2 W to the gradient)")
    train.add_argument(
        "--batch-size", metavar="N", help="a number of samples, or 'full' (whole set) or 'sgd' (one sample)"
    )
    train.add_argument(
        "--epochs", metavar="N", help="stop after this many epochs (with a SESSION_FILE: this many more)"
    )
    train.add_argument("--target-loss", metavar="X", help="stop when the training loss reaches this")
    train.add_argument("--stop-at-full-accuracy", action="store_true", help="stop when every training sample is right")

    p.add_argument(
        "--lesson",
        metavar="NAME",
        help="open a lesson: " + ", ".join(LESSON_NAMES) + " (only with options about how to run)",
    )

    run = p.add_argument_group("running")
    run.add_argument("--headless", action="store_true", help="train without the UI and print a summary")
    run.add_argument("--json", action="store_true", help="print the summary as one JSON document (implies --headless)")
    run.add_argument("--save-weights", metavar="FILE", help="write the final weights to a .npz file (headless)")
    run.add_argument(
        "--save-session",
        metavar="FILE",
        help="write the whole session to a file at the end, to carry on later (headless)",
    )
    run.add_argument("--serve", action="store_true", help="serve the app to a web browser (needs backprop-tui[serve])")
    run.add_argument("--port", metavar="N", help=f"port of --serve (default {DEFAULT_PORT})")
    run.add_argument(
        "--host", metavar="ADDRESS", help=f"address of --serve (default {DEFAULT_HOST}: this machine only)"
    )
    run.add_argument(
        "--no-token", action="store_true", help="--serve without the secret token in the URL (trusted machines only)"
    )
    run.add_argument("--max-apps", metavar="N", help=f"--serve: at most N apps at once (default {DEFAULT_MAX_APPS})")
    run.add_argument(
        "--theme",
        metavar="NAME",
        help="colour theme: textual-dark (default), backprop-light, backprop-projector (high contrast), or any "
        "Textual theme; ctrl+p 'Change theme' in the app",
    )
    run.add_argument("--version", action="store_true", help="print the version and exit")
    return p


# ------------------------------------------------------------ architecture


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
        base = Config().replace(**changes)
    except ConfigError as e:
        raise _engine_error(e) from None

    file_weights = None
    layers_option = "--hidden" if hidden is not None else "--layers"
    if args.weights is not None:
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
        raise UsageError(f"{'--csv' if base.dataset == 'csv' else '--dataset'}: {e}") from None
    arch = choose_architecture(
        data.n_features,
        data.n_classes,
        truth_table=base.dataset in TRUTH_TABLES,
        layers=layers,
        hidden=hidden,
        activation=arch_given.get("activation"),
        output_activation=arch_given.get("output_activation"),
        loss=arch_given.get("loss"),
    )
    try:
        config = base.replace(**arch)
    except ConfigError as e:
        raise _engine_error(e, layers_option) from None

    params = None
    if file_weights is not None:
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


# -------------------------------------------------------------------- main


def one_line(text: str) -> str:
    """A message fit for one line of stderr, whatever the user typed:
    control characters and line separators are shown escaped."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(text))


def error(message: str) -> int:
    print(f"{PROG}: error: {one_line(message)}", file=sys.stderr)
    return EXIT_USAGE


def version() -> str:
    try:
        from importlib.metadata import version as dist_version

        return dist_version(PROG)
    except Exception:  # not installed: a source checkout
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["check"]:  # the check verb (tui/check_command.py)
        from tui.check_command import main as check_main

        return check_main(words[1:])
    if words[:2] == ["--bug", "list"]:
        from model.bugs import CATALOGUE

        for bug in CATALOGUE:
            print(f"{bug.name:<26} {bug.title}")
        return EXIT_OK
    parser = build_parser()
    try:
        args = parser.parse_args(words)
    except UsageError as e:
        return error(str(e))
    except SystemExit as e:  # --help has been printed
        return int(e.code or 0) if isinstance(e.code, int) else EXIT_OK
    if args.version:
        print(f"{PROG} {version()}")
        return EXIT_OK
    if args.serve:
        return serve_app(args, list(sys.argv[1:] if argv is None else argv))
    try:
        the_plan = plan(args)
    except (UsageError, BackpropError) as e:
        return error(str(e))
    except MemoryError:
        return error("not enough memory for this network and data; use fewer units or samples")
    except Exception as e:  # noqa: BLE001 - a bug, not bad input: one line, and a status that says so
        return crashed(e)
    if the_plan.headless:
        from tui.headless import run_headless

        planted = the_plan.trainer.bug
        if planted is not None:  # never silently
            print(f"{PROG}: bug lab: {planted.name} is planted ({planted.title})", file=sys.stderr)

        try:
            return run_headless(the_plan)
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, as other tools do.
            _silence_stdout()
            return EXIT_NO_UI
        except MemoryError:
            print(f"{PROG}: error: not enough memory to go on training; use fewer units or samples", file=sys.stderr)
            return EXIT_NO_UI
        except Exception as e:  # noqa: BLE001
            return crashed(e)
    return launch(the_plan)


def crashed(e: BaseException) -> int:
    """An unexpected failure during a run: one line on stderr and exit status 1 (not a traceback and 0)."""
    print(f"{PROG}: error: failed: {one_line(f'{type(e).__name__}: {e}')}", file=sys.stderr)
    return EXIT_NO_UI


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def serve_app(args: argparse.Namespace, argv: list[str]) -> int:
    """Check the options as the app would, then serve it until Ctrl-C."""
    try:
        host = host_name(args.host) if args.host is not None else DEFAULT_HOST
        port = port_number(args.port) if args.port is not None else DEFAULT_PORT
        max_apps = max_apps_number(args.max_apps) if args.max_apps is not None else DEFAULT_MAX_APPS
        plan(args)  # each browser tab starts the app with these options: report a typo once, here
        serve(argv, host, port, token=None if args.no_token else new_token(), max_apps=max_apps)
    except (UsageError, ServeError, BackpropError) as e:
        return error(str(e))
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def launch(the_plan: Plan) -> int:
    """Open the app on the planned configuration."""
    try:
        from tui.app import BackpropApp
    except Exception as e:  # noqa: BLE001 - any import failure means no UI
        print(f"{PROG}: the UI is not available: {one_line(f'{type(e).__name__}: {e}')}", file=sys.stderr)
        return EXIT_NO_UI
    try:
        if the_plan.session is not None:
            app = BackpropApp(trainer=the_plan.trainer)
            app.remember_session(the_plan.session)
        elif the_plan.trainer.bug is not None:  # --bug: the planted trainer itself
            app = BackpropApp(trainer=the_plan.trainer)
        else:
            app = BackpropApp(config=the_plan.config, params=the_plan.params)
            app.lesson = the_plan.lesson
    except BackpropError as e:
        return error(str(e))
    if the_plan.theme is not None:
        app.theme = the_plan.theme
    app.run()
    # Textual has printed the traceback of a crash; the exit status says so too.
    return EXIT_NO_UI if getattr(app, "return_code", 0) else EXIT_OK
