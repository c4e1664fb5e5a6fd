"""Command line: preset the app, or train headless (placeholder until built)."""


def main(argv=None) -> int:
    print("backprop-tui: the UI is not built yet")
    return 0
