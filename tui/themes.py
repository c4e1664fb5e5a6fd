"""The app's own themes, registered with Textual's theme system.

Every colour in app.tcss and the widgets comes from theme variables, so a
theme is only a registration here: `--theme NAME` or ctrl+p "Change theme"
picks one. The default stays Textual's dark theme.

- backprop-light: dark text on a light page, for a lit room or a printout.
- backprop-projector: high contrast for a projector, which washes out mid
  tones: pure black page, white text, saturated yellow, cyan and magenta.
"""

from __future__ import annotations

from textual.app import App
from textual.theme import BUILTIN_THEMES, Theme

LIGHT = Theme(
    name="backprop-light",
    primary="#0B5CAD",
    secondary="#6A3FA0",
    accent="#B3470F",
    warning="#9A6700",
    error="#C21F1F",
    success="#1A7F37",
    foreground="#1F2328",
    background="#FFFFFF",
    surface="#F3F4F6",
    panel="#E4E7EB",
    dark=False,
)

PROJECTOR = Theme(
    name="backprop-projector",
    primary="#FFD700",
    secondary="#00E5FF",
    accent="#FF4FD8",
    warning="#FFB000",
    error="#FF3B3B",
    success="#3DFF6E",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#202020",
    dark=True,
    luminosity_spread=0.3,
    text_alpha=1.0,
)

THEMES: tuple[Theme, ...] = (LIGHT, PROJECTOR)
DEFAULT_THEME = "textual-dark"
THEME_NAMES: tuple[str, ...] = tuple(BUILTIN_THEMES) + tuple(theme.name for theme in THEMES)


def register_themes(app: App) -> None:
    """Make the app's own themes available (ctrl+p lists them with the built-in ones)."""
    for theme in THEMES:
        app.register_theme(theme)
