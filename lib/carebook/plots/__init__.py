"""Chart helpers, one module per domain; each takes ``ax=None`` and returns the Axes.

Shared conventions live here: A4-friendly sizes, the colours for shortfalls and
surpluses, and :func:`axes` to get an Axes to draw on.

A helper with no data to draw writes what is missing on the Axes (useful when a student
calls it in JupyterLab) and marks it with :func:`mark_empty`; ``figures.show`` leaves such
a chart out of the report, where the sentence before it already says what is missing.
"""

from __future__ import annotations

__all__ = ["axes", "mark_empty", "is_empty", "EMPTY_GID", "SHORTFALL", "SURPLUS", "NEUTRAL", "ORGANISATION", "COMPETITOR", "A4_WIDTH"]

#: Width in inches of the report's text column on A4 (210 mm less margins).
A4_WIDTH = 6.4
# Colour-blind-safe pair (seaborn "colorblind"): vermilion for shortfalls, bluish green
# for surpluses; grey for neutral; blue/orange for organisation vs competitor.
SHORTFALL = "#D55E00"
SURPLUS = "#009E73"
NEUTRAL = "#7F7F7F"
ORGANISATION = "#0072B2"
COMPETITOR = "#E69F00"


#: The ``gid`` of an Axes that only says there is nothing to draw.
EMPTY_GID = "carebook-nothing-to-draw"


def mark_empty(ax):
    """Mark *ax* as saying "nothing to draw" and return it (see :func:`is_empty`)."""
    ax.set_gid(EMPTY_GID)
    return ax


def is_empty(fig) -> bool:
    """Return True when every Axes of the matplotlib figure *fig* is marked empty."""
    axes_list = list(getattr(fig, "axes", []))
    return bool(axes_list) and all(a.get_gid() == EMPTY_GID for a in axes_list)


def axes(ax=None, *, height: float = 3.6, width: float = A4_WIDTH):
    """Return *ax*, or a new Axes on a new figure sized for the A4 text column."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(width, height))
    return ax
