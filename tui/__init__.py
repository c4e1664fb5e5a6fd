"""backprop-tui's terminal front-end: draws the engine's records, owns no maths."""
