"""Chart helpers, one module per domain; each takes ``ax=None`` and returns the Axes.

Shared conventions live here: A4-friendly sizes, the colours for shortfalls and
surpluses, and :func:`axes` to get an Axes to draw on.
"""

from __future__ import annotations

__all__ = ["axes", "SHORTFALL", "SURPLUS", "NEUTRAL", "ORGANISATION", "COMPETITOR", "A4_WIDTH"]

#: Width in inches of the report's text column on A4 (210 mm less margins).
A4_WIDTH = 6.4
# Colour-blind-safe pair (seaborn "colorblind"): vermilion for shortfalls, bluish green
# for surpluses; grey for neutral; blue/orange for organisation vs competitor.
SHORTFALL = "#D55E00"
SURPLUS = "#009E73"
NEUTRAL = "#7F7F7F"
ORGANISATION = "#0072B2"
COMPETITOR = "#E69F00"


def axes(ax=None, *, height: float = 3.6, width: float = A4_WIDTH):
    """Return *ax*, or a new Axes on a new figure sized for the A4 text column."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(width, height))
    return ax
