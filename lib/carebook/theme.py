"""The report's plotting theme, set without importing seaborn.

The report's charts use seaborn's ``whitegrid`` style, ``paper`` context (fonts scaled by
1.15) and ``colorblind`` palette: what ``seaborn.set_theme(context="paper",
style="whitegrid", palette="colorblind", font_scale=1.15)`` sets. Importing seaborn
imports ``scipy.stats`` with it, about 0.7 s of a kernel's start, and a section that
draws no chart (the introduction, strategy or bibliography) never needs either. So
:func:`apply` sets the same matplotlib settings itself: the values below are what that
call sets (``tests/test_theme.py`` checks them against the installed seaborn, so an
upgrade that changes seaborn's theme fails a test instead of changing charts quietly).

Two settings name things seaborn defines:

- the default colormap, ``rocket``, which seaborn registers with matplotlib when
  imported. Until it is, :func:`apply` registers a stand-in that imports seaborn the
  first time a chart uses it, and then draws with seaborn's own colours;
- the single-letter colour codes (``"b"``, ``"g"`` …), which seaborn maps to its palette.
"""

from __future__ import annotations

from typing import Any

import matplotlib as mpl
from cycler import cycler
from matplotlib.colors import ListedColormap, to_rgb

__all__ = ["THEME_RC", "COLOR_CODES", "CYCLE", "apply"]

#: The ``colorblind`` palette: the colours lines, bars and points take in turn.
CYCLE = (
    "#0173B2", "#DE8F05", "#029E73", "#D55E00", "#CC78BC",
    "#CA9161", "#FBAFE4", "#949494", "#ECE133", "#56B4E9",
)  # fmt: skip

#: What seaborn maps ``"b"``, ``"g"``, ``"r"``, ``"m"``, ``"y"``, ``"c"``, ``"k"`` to.
COLOR_CODES = {
    "b": "#0173B2", "g": "#029E73", "r": "#D55E00", "m": "#CC78BC",
    "y": "#ECE133", "c": "#56B4E9", "k": (0.1, 0.1, 0.1),
}  # fmt: skip

#: matplotlib settings that differ from its defaults (the colour cycle apart).
THEME_RC: dict[str, Any] = {
    # whitegrid style
    "axes.axisbelow": True,
    "axes.edgecolor": ".8",
    "axes.grid": True,
    "axes.labelcolor": ".15",
    "font.sans-serif": [
        "Arial",
        "DejaVu Sans",
        "Liberation Sans",
        "Bitstream Vera Sans",
        "sans-serif",
    ],
    "grid.color": ".8",
    "image.cmap": "rocket",
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "text.color": ".15",
    "xtick.bottom": False,
    "xtick.color": ".15",
    "ytick.color": ".15",
    "ytick.left": False,
    # paper context, fonts scaled by 1.15 (values exactly as seaborn computes them)
    "axes.labelsize": 11.040000000000001,
    "axes.linewidth": 1.0,
    "axes.titlesize": 11.040000000000001,
    "font.size": 11.040000000000001,
    "legend.fontsize": 10.12,
    "legend.title_fontsize": 11.040000000000001,
    "lines.linewidth": 1.2000000000000002,
    "lines.markersize": 4.800000000000001,
    "patch.linewidth": 0.8,
    "xtick.labelsize": 10.12,
    "xtick.major.size": 4.800000000000001,
    "xtick.major.width": 1.0,
    "xtick.minor.size": 3.2,
    "xtick.minor.width": 0.8,
    "ytick.labelsize": 10.12,
    "ytick.major.size": 4.800000000000001,
    "ytick.major.width": 1.0,
    "ytick.minor.size": 3.2,
    "ytick.minor.width": 0.8,
}


def apply() -> None:
    """Set the report's theme on matplotlib's current settings (as seaborn would)."""
    if "rocket" not in mpl.colormaps:
        mpl.colormaps.register(_SeabornColormap("rocket"))
    mpl.rcParams.update(THEME_RC)
    mpl.rcParams["axes.prop_cycle"] = cycler("color", [to_rgb(c) for c in CYCLE])
    for code, color in COLOR_CODES.items():
        mpl.colors.colorConverter.colors[code] = to_rgb(color)


class _SeabornColormap(ListedColormap):
    """seaborn's colormap *name*, whose colours are read from seaborn when first needed.

    seaborn registers a colormap only where none of that name exists, so this one stays
    registered once seaborn is imported, and draws with seaborn's colours.
    """

    def __init__(self, name: str):
        super().__init__(["black"] * 256, name=name)  # seaborn's have 256 colours

    @property  # type: ignore[override]
    def colors(self) -> Any:
        if self._seaborn_colors is None:
            from seaborn import cm

            self._seaborn_colors = getattr(cm, self.name).colors
        return self._seaborn_colors

    @colors.setter
    def colors(self, _placeholder: Any) -> None:
        self._seaborn_colors = None
