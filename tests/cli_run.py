"""Running the command line in-process, as the CLI tests need it."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

from tui.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `backprop-tui ARGV...`."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()
