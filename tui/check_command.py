"""`backprop-tui check FILE.py`: check a learner's own backward pass against the engine.

The architecture, activations, loss, learning rate, data, weights and seed
come from the main command line's own options (the same parser, the same
validation), so `check` accepts exactly what the app does:

    backprop-tui check mine.py --dataset xor --layers 2,2,1 --activation sigmoid --loss mse --lr 0.1
    backprop-tui check mine.py --epochs 10000      # whole runs side by side too
    backprop-tui check --template --layers 2,3,2 --output-activation softmax --loss ce > mine.py

Exit status: 0 everything agrees (conventions that are not bugs are named);
1 something disagrees (the first quantity and its most likely cause are
named); 2 the file or an option cannot be used (one line, never a traceback).
The comparison itself is model/backward_check.py; this file only parses and prints.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Sequence

from model import BackpropError
from model.backward_check import EXIT_UNUSABLE, CheckReport, check_file, title_of
from model.bugs import BUGS
from model.learner_runner import DEFAULT_TIMEOUT
from model.learner_template import template
from tui.cli import PROG, build_parser, error, one_line
from tui.format import fixed
from tui.plan import Plan, UsageError, _value, plan

# Options of the main command line that mean nothing to a check.
NOT_FOR_CHECK = (
    "headless",
    "json",
    "save_weights",
    "save_session",
    "serve",
    "port",
    "host",
    "target_loss",
    "stop_at_full_accuracy",
    "bug",
)


def build_check_parser() -> argparse.ArgumentParser:
    p = build_parser()
    p.prog = f"{PROG} check"
    p.usage = "%(prog)s FILE.py [options]  |  %(prog)s --template [options]"
    p.description = (
        "Run your own forward/backward functions (FILE.py) beside the verified engine, on its weights "
        "and data, and say which layer and quantity first goes wrong, and why."
    )
    for action in p._actions:
        if action.dest == "session":
            action.metavar = "FILE.py"
            action.help = "your file: forward(X, params), backward(X, Y, params, cache), optionally update, loss"
        if action.dest == "epochs":
            action.help = "also train N epochs with your loop and the engine's, to the first epoch where they part"
    check = p.add_argument_group("check")
    check.add_argument(
        "--template", action="store_true", help="print a correct, commented starting file for these options"
    )
    check.add_argument("--timeout", metavar="SECONDS", help=f"time limit for your file (default {DEFAULT_TIMEOUT:g})")
    return p


def _plan(args: argparse.Namespace) -> Plan:
    for dest in NOT_FOR_CHECK:
        if getattr(args, dest, None) not in (None, False):
            raise UsageError(f"--{dest.replace('_', '-')}: not with check")
    if args.optimizer is not None and args.optimizer.strip().lower() != "sgd":
        raise UsageError("--optimizer: check compares plain gradient descent (sgd)")
    if args.batch_size is not None and args.batch_size.strip().lower() != "full":
        raise UsageError("--batch-size: check compares full-batch gradient descent (full)")
    path = args.session
    args.session = None
    try:
        return plan(args)
    finally:
        args.session = path


def main(argv: Sequence[str]) -> int:
    """`argv` is what follows the word `check`."""
    try:
        args = build_check_parser().parse_args(list(argv))
    except UsageError as e:
        return error(str(e))
    except SystemExit as e:  # --help
        return int(e.code or 0) if isinstance(e.code, int) else 0
    try:
        timeout = DEFAULT_TIMEOUT
        if args.timeout is not None:
            timeout = _value("--timeout", "lr", args.timeout)  # a positive number, as lr is
        the_plan = _plan(args)
    except (UsageError, BackpropError) as e:
        return error(str(e))
    config = the_plan.config
    if args.template:
        if args.session is not None:
            return error("--template: prints a starting file; give no FILE.py with it")
        print(template(config.layers, config.activation, config.output_activation, config.loss, config.lr), end="")
        return 0
    if args.session is None:
        return error("give your file: backprop-tui check FILE.py (or --template to print a starting one)")
    epochs = config.max_epochs if args.epochs is not None else 0
    report = check_file(args.session, the_plan.trainer, epochs=epochs, timeout=timeout)
    if report.reason is not None:
        print(f"{PROG}: error: {one_line(args.session)}: {one_line(report.reason)}", file=sys.stderr)
        return EXIT_UNUSABLE
    print(render(report, args.session, the_plan))
    return report.status


def _number(x: float) -> str:
    return fixed(x, 10, 3) if math.isfinite(x) else ("inf" if x > 0 else "nan").rjust(10)


def render(report: CheckReport, path: str, the_plan: Plan) -> str:
    """The report as plain text: a table, the conventions, the verdict."""
    c = the_plan.config
    n = the_plan.trainer.X.shape[0]
    lines = [
        f"{PROG} check: {one_line(path)} against the engine ({'-'.join(map(str, c.layers))}, {c.activation} hidden, "
        f"{c.output_activation} output, {c.loss}, lr {c.lr:g}, {n} samples)",
        "",
        f"{'quantity':<16}{'layer':>5}{'max |diff|':>12}{'relative':>12}  verdict",
    ]
    for row in report.rows:
        verdict = "agrees" if row.agrees else "DIFFERS"
        if report.first is row:
            verdict += "  <- first"
        layer = str(row.layer) if row.layer else "-"
        lines.append(f"{row.quantity:<16}{layer:>5}  {_number(row.max_abs)}  {_number(row.max_rel)}  {verdict}")
    lines.append("")
    lines += verdict_lines(report, c.lr)
    lines.append("result: " + ("everything agrees" if report.status == 0 else "something disagrees"))
    return "\n".join(lines)


def verdict_lines(report: CheckReport, lr: float) -> list[str]:
    """The words under the table: conventions, notes, the first difference and its likely bug, the epochs."""
    lines: list[str] = []
    for text in report.conventions:
        lines.append(f"convention: {text}")
    for text in report.notes:
        lines.append(f"note: {one_line(text)}")
    if report.first is not None:
        lines.append(f"first difference: {report.first.name}: {report.explanation}")
        if report.bug is not None:
            lines.append(f"most likely: {title_of(report.bug)} ({report.bug})")
            if report.bug in BUGS:
                bug = BUGS[report.bug]
                lines.append(f"  correct: {bug.correct_line}")
                lines.append(f"  yours:   {bug.planted_line}")
                lines.append(f"  seen in the wild: {bug.wild}")
    if report.epochs is not None:
        ep = report.epochs
        scale = (
            f" (lr {ep.engine_lr:g} for the engine, to match your gradients' convention)" if ep.engine_lr != lr else ""
        )
        if ep.parted_at is None:
            lines.append(
                f"epochs: your loop and the engine's agree for all {ep.epochs} epochs{scale}; loss {ep.engine_loss:.6g}"
            )
        else:
            lines.append(f"epochs: the runs part at epoch {ep.parted_at}{scale}: {ep.where}")
    return lines
