"""How numbers look on screen: fixed width and an explicit sign, so a column
of values never jumps sideways while training changes them.

Colours are not chosen here: `value_style` only combines the colours it is
given (the running theme's $text-success / $text-error, see `theme_colours`).
"""

from __future__ import annotations

import math
from typing import Any

# Fallbacks when no app is running (plain rich colour names, not hex).
PLAIN_COLOURS = ("green", "red")


def fixed(x: float, width: int = 8, digits: int = 4) -> str:
    """`x` right-aligned in `width` characters with a sign: " +0.1234".

    Large values drop decimals ("+123.456"), down to one; values still too
    large, or too small to show two significant figures, switch to
    scientific notation ("-1.2e+05");
    nan and infinities read " nan" and " +inf"; both zeros read " +0.0000". Only a `width` too narrow for
    even one mantissa digit gives a longer string.
    """
    x = float(x)
    if math.isnan(x):
        return "nan".rjust(width)
    if math.isinf(x):
        return ("+inf" if x > 0 else "-inf").rjust(width)
    if x == 0.0:
        x = 0.0  # a zero has no sign: a loss of -0.0 (from -(1 * log 1)) must not read "-0.0000"
    if x == 0.0 or abs(x) >= 10.0 ** -max(digits - 1, 0):
        # Large values give up decimals (down to one) before going scientific.
        for decimals in range(digits, min(digits, 1) - 1, -1):
            text = f"{x:+.{decimals}f}"
            if len(text) <= width:
                return text.rjust(width)
    for mantissa in range(max(digits - 1, 0), -1, -1):
        text = f"{x:+.{mantissa}e}"
        if len(text) <= width:
            return text.rjust(width)
    return text


def fixed_int(n: int, width: int = 6, sign: bool = False) -> str:
    """A whole number right-aligned in `width` characters (sign optional)."""
    return (f"{int(n):+d}" if sign else f"{int(n):d}").rjust(width)


def value_style(x: float, scale: float, positive: str = PLAIN_COLOURS[0], negative: str = PLAIN_COLOURS[1]) -> str:
    """A rich style string: colour from the sign, weight from |x| / scale.

    Values above half the scale are bold, below a tenth dim, so the large
    weights of a table stand out at a glance; zero and nan stay unstyled.
    """
    x = float(x)
    if math.isnan(x):
        return f"bold {negative}"
    if x == 0.0:
        return ""
    colour = positive if x > 0 else negative
    scale = float(scale)
    if not math.isfinite(scale) or scale <= 0.0:
        return colour
    ratio = abs(x) / scale
    if ratio >= 0.5:
        return f"bold {colour}"
    if ratio < 0.1:
        return f"dim {colour}"
    return colour


def theme_colours(app: Any) -> tuple[str, str]:
    """The (positive, negative) text colours of the app's current theme."""
    variables = getattr(app, "theme_variables", None) or {}
    return (
        variables.get("text-success") or variables.get("success") or PLAIN_COLOURS[0],
        variables.get("text-error") or variables.get("error") or PLAIN_COLOURS[1],
    )


def change_marker(new: float, old: float | None) -> str:
    """One character saying how a value moved since the last record shown."""
    if old is None:
        return " "
    new, old = float(new), float(old)
    if new > old:
        return "▲"
    if new < old:
        return "▼"
    if new != old and not (math.isnan(new) and math.isnan(old)):
        return "•"  # became or stopped being nan
    return " "


def set_text(static, text: str) -> None:
    """Update a Static only when its text changed, and lay the screen out
    again only when the Static's size may have changed: its width is its
    text's, or its text now takes another number of lines. A relayout costs a
    frame more than the text (30-40 ms at 120x40), and this runs on every
    redraw: "epoch 9" becoming "epoch 10" must not pay for one."""
    old = getattr(static, "_shown_text", None)
    if old == text:
        return
    static._shown_text = text
    width = static.content_size.width
    if old is None or width <= 0 or (static.styles.width is not None and static.styles.width.is_auto):
        static.update(text, layout=old is None or len(old) != len(text))
        return
    lines_before = static.visual.get_height(static.styles, width)
    static.update(text, layout=False)
    if static.visual.get_height(static.styles, width) != lines_before:
        static.refresh(layout=True)
