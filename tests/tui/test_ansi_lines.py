"""ansi_lines cuts ANSI text into the segments Rich's Text.from_ansi renders.

The loss chart draws plotext's text through ansi_lines (tui/widgets/
ansi_lines.py) instead of Text.from_ansi. Both ways must give the same
segments, once runs of one style are merged: for plotext's own drawings
and for any mix of colour codes and text.
"""

from __future__ import annotations

import plotext._figure as plotext_figure
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.segment import Segment
from rich.text import Text

from tui.widgets.ansi_lines import ansi_lines

CONSOLE = Console(color_system="truecolor", width=200)


def merged(lines) -> list[list[Segment]]:
    """Segments with runs of one style merged, a missing style as the null one."""
    out = []
    for line in lines:
        segments = [Segment(s.text, s.style or None) for s in line if s.text]
        out.append(list(Segment.simplify(Segment.apply_style(segments, None, None))))
    return out


def rich_way(text: str) -> list[list[Segment]]:
    return [list(line.render(CONSOLE)) for line in Text.from_ansi(text).split("\n", allow_blank=True)]


def same(text: str) -> None:
    ours, theirs = merged(ansi_lines(text, CONSOLE)), merged(rich_way(text))
    assert [[(s.text, s.style or None) for s in line] for line in ours] == [
        [(s.text, s.style or None) for s in line] for line in theirs
    ]


def drawing(theme: str, log: bool, marker: bool) -> str:
    plot = plotext_figure._figure_class()
    plot.plotsize(44, 14)
    plot.theme(theme)
    plot.yscale("log" if log else "linear")
    plot.plot([0, 1, 2, 3, 4], [0.9, 0.5, 0.3, 0.2, 0.15], marker="braille", color=(79, 195, 247))
    plot.plot([0, 1, 2, 3, 4], [1.0, 0.7, 0.5, 0.45, 0.4], marker="braille", color=(255, 167, 38))
    if marker:
        plot.vertical_line(2, color=(255, 202, 40))
        plot.scatter([2], [0.3], marker="◆", color=(255, 202, 40))
    plot.xticks([0.0, 2.0, 4.0], ["0", "2", "4"])
    plot.xlabel("epoch")
    return plot.build()


def test_plotexts_drawings_are_cut_as_rich_decodes_them():
    for theme in ("default", "dark", "pro", "clear"):
        for log in (False, True):
            for marker in (False, True):
                same(drawing(theme, log, marker))


def test_codes_that_carry_on_over_lines_resets_and_odd_codes():
    same("\x1b[1mbold\nstill bold\x1b[0m plain\n\x1b[38;5;0mblack\x1b[m reset by an empty code")
    same("\x1b[48;5;15m\x1b[38;2;10;200;30m⠑⠢\x1b[0m  \x1b[3;4mitalic underlined\x1b[22;39m")
    same("")
    same("no codes at all\n\n")
    same("\x1b[38;5;0")  # an unfinished code is text for both
    same("a\rb \x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\")  # carriage return, link: Rich's way


CODES = st.sampled_from(
    ["\x1b[0m", "\x1b[m", "\x1b[1m", "\x1b[2m", "\x1b[22m", "\x1b[7m", "\x1b[38;5;9m", "\x1b[48;5;15m"]
    + ["\x1b[38;2;1;2;3m", "\x1b[48;2;250;0;128m", "\x1b[39m", "\x1b[49m", "\x1b[4;9m", "\x1b[38;5m", "\x1b[;1m"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(CODES, st.text("ab ⠑\n", max_size=4)), max_size=14))
def test_any_mix_of_colour_codes_and_text(parts):
    same("".join(parts))
