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
from typing import Sequence

from model import BackpropError
from model.lessons import LESSON_NAMES
from tui.plan import Plan, UsageError, plan
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
        help="xor, and, or, nand, xnor, circles, moons, spiral, blobs, xor_quadrants, iris, digits (bundled); "
        "regression (float targets, linear output, MSE, R²): sine (y = sin x1), sincos (y = sin x1 cos x2)",
    )
    data.add_argument(
        "--csv",
        metavar="FILE",
        help="train on a CSV file (numeric features, label column last; labels with fractions are float targets)",
    )
    data.add_argument("--label-column", metavar="NAME", help="the CSV column holding the labels")
    data.add_argument("--samples", metavar="N", help="samples of a 2-D dataset")
    data.add_argument("--noise", metavar="X", help="noise of a 2-D dataset")
    data.add_argument("--classes", metavar="K", help="classes of spiral and blobs")
    data.add_argument("--test-fraction", metavar="X", help="share held out for testing, 0 to 0.9")
    data.add_argument(
        "--features",
        metavar="LIST",
        help="input features of 2-input data, as TensorFlow Playground: any of x1,x2,x1^2,x2^2,x1*x2,sin(x1),"
        "sin(x2), comma-separated (default x1,x2); such as --features x1^2,x2^2",
    )

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
