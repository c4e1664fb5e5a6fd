"""plotext's coloured text as lines of Rich segments, without Rich's Text.

The loss chart is drawn by plotext as text with ANSI colour codes.
`Text.from_ansi` turns that into a Text (decoding every code afresh, then
joining the lines), which the chart then splits into lines again and renders
to segments: as much time as plotext's own drawing, on every step. plotext
writes only a handful of different codes, so here each code is decoded once
by Rich's own decoder (the style it holds after the code, from the style
before it) and the text between codes is cut straight into segments. The
result is what `Text.from_ansi(text).split("\\n")` renders, segment for
segment once runs of one style are merged (tests/tui/test_ansi_lines.py).
Text with any other escape (cursor moves, links, carriage returns) goes
through `Text.from_ansi`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rich.ansi import AnsiDecoder
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

_SGR = re.compile(r"\x1b\[[0-9;]*m")


@lru_cache(maxsize=1024)
def _after(style: Style, code: str) -> Style:
    """The style Rich's decoder holds after reading `code` in `style`."""
    decoder = AnsiDecoder()
    decoder.style = style
    decoder.decode_line(code)
    return decoder.style


def ansi_lines(text: str, console: Console) -> list[list[Segment]]:
    """`text`'s lines as segments, styled as Rich decodes its colour codes."""
    if "\r" in text or "\x1b" in _SGR.sub("", text):
        return [list(line.render(console)) for line in Text.from_ansi(text).split("\n", allow_blank=True)]
    lines: list[list[Segment]] = []
    style = Style.null()  # like Rich's decoder, the style runs on from one line to the next
    for line in text.split("\n"):
        segments: list[Segment] = []
        start = 0
        for match in _SGR.finditer(line):
            if match.start() > start:
                segments.append(Segment(line[start : match.start()], style or None))
            style = _after(style, match.group())
            start = match.end()
        if start < len(line):
            segments.append(Segment(line[start:], style or None))
        lines.append(segments)
    return lines
