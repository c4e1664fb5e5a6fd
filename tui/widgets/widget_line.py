"""One line of a widget that makes its lines itself.

The stats line, the loss chart and the network diagram make their lines
once per change (in `render_line`) instead of handing Textual a renderable
to lay out again on every repaint; each line is made the same way here.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip


def widget_line(segments: list[Segment], width: int, style: Style) -> Strip:
    """`segments` as one line of a widget `width` cells wide (cut or padded),
    over the widget's `style`, runs of one style merged."""
    return Strip(segments).crop_extend(0, width, style).apply_style(style).simplify()
