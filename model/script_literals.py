"""Python literals and template filling for the exported script
(model/script_export.py): floats written with repr (which round-trips
exactly), arrays as nested lists, names made safe for comments, docstrings
and the command line.
"""

from __future__ import annotations

import math
import re
import shlex
import textwrap

import numpy as np

Array = np.ndarray


def number(x: float) -> str:
    x = float(x)
    if math.isfinite(x):
        return repr(x)
    return f"float({repr(x)!r})"


def vector(values: Array) -> str:
    return "[" + ", ".join(number(v) for v in values) + "]"


def matrix(rows: Array, indent: str) -> str:
    """A 2-D literal, one row per line."""
    if rows.shape[0] == 0:
        return "[]"
    inner = "".join(f"{indent}    {vector(r)},\n" for r in rows)
    return "[\n" + inner + indent + "]"


def plain(text: str) -> str:
    """A name safe inside a comment or docstring (CSV headers can hold anything)."""
    return re.sub(r"[^\w .,:;()+\-/]", "_", str(text))


def command_word(name: str) -> str:
    """The file name as a shell word (quoted when it needs to be), escaped for a docstring.

    The docstring then reads exactly as the command to type (`python 'my file.py'`),
    and no name can end the docstring early (three double quotes), form an escape
    (a backslash, as in a name like back-slash-N.py) or hold a control character.
    """
    word = name if re.fullmatch(r"[\w.+\-/]+", name) else shlex.quote(name)
    out = []
    for ch in word:
        if ch in '\\"':
            out.append("\\" + ch)
        elif not ch.isprintable():
            out.append(ch.encode("unicode_escape").decode("ascii").replace("\\", "\\\\"))
        else:
            out.append(ch)
    return "".join(out)


def fill(template: str, **values: str) -> str:
    """Replace <<name>> markers (f-string braces in the template stay as they are)."""
    text = textwrap.dedent(template).lstrip("\n")
    for key, value in values.items():
        text = text.replace(f"<<{key}>>", value)
    return text
