"""TUI tests run the app headless; keep each file well under 30 s on 2 cores."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _quiet_numpy():
    """Overflow on the way to a divergence is expected; the engine reports it."""
    with np.errstate(all="ignore"):
        yield
