"""Counts in words: "1 epoch", "2 epochs", "0 classes", so that no message says "1 units".

One helper for every message of the engine and the app; English only, with
the few irregular plurals the messages use spelled out.
"""

from __future__ import annotations

_IRREGULAR = {"class": "classes", "matrix": "matrices", "index": "indices"}


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 unit', '0 units', '2 units'; `many` gives an irregular plural (else -es or -s as fits)."""
    return f"{n} {word if n == 1 else plural_word(word, many)}"


def plural_word(word: str, many: str | None = None) -> str:
    """The plural of `word` alone: `many` when given, the irregular ones, else word + s."""
    if many is not None:
        return many
    last = word.rsplit(" ", 1)[-1]
    if last in _IRREGULAR:
        return word[: len(word) - len(last)] + _IRREGULAR[last]
    return word + "s"
