"""Kernel-side setup for a section notebook: options, fonts, and numbering.

Kernels are reused between sections and ``%reset -f`` does not reset matplotlib's
rcParams, pandas options or module state, so every notebook calls
``carebook.setup(section)`` and gets exactly the same settings whether it runs alone or
after another section (style.md §5).
"""

from __future__ import annotations

import logging
import warnings

__all__ = ["setup", "section", "next_number", "FONT_FAMILY"]

log = logging.getLogger(__name__)

#: Sans-serif fonts in order of preference; Noto Sans CJK SC draws Chinese text
#: (installed from Debian's fonts-noto-cjk), DejaVu Sans is matplotlib's own fallback.
FONT_FAMILY = ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"]

_state: dict[str, object] = {"section": None, "figure": 0, "table": 0}


def setup(section_number: int | str | None = None) -> None:
    """Set plotting and pandas options explicitly and restart numbering.

    Parameters
    ----------
    section_number : int or str, optional
        Figures and tables are numbered ``<section>.<n>`` from 1; without a section they
        are numbered ``1, 2, …``.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)  # figures are shown only through figures.show
    import matplotlib.pyplot as plt
    import pandas as pd

    from carebook import theme

    plt.close("all")
    matplotlib.rcdefaults()
    theme.apply()  # seaborn's theme, without importing seaborn (see carebook.theme)
    matplotlib.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": FONT_FAMILY,
            "axes.unicode_minus": False,  # CJK fonts lack U+2212 on some systems
            "figure.figsize": (6.4, 3.6),
            "figure.dpi": 100,
            "savefig.dpi": 200,
            "savefig.bbox": "tight",
            "svg.hashsalt": "carebook",
            "axes.titleweight": "bold",
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    for option, value in {
        "display.max_rows": None,
        "display.max_columns": None,
        "display.max_colwidth": None,
        "display.width": 200,
        "display.precision": 2,
    }.items():
        try:
            pd.set_option(option, value)
        except (KeyError, pd.errors.OptionError):  # an option pandas no longer has
            log.debug("pandas option %s not available", option)
    warnings.filterwarnings("error", message=r"Glyph \d+ .*missing from font")
    _state.update(section=section_number, figure=0, table=0)


def section() -> int | str | None:
    """Return the section number given to :func:`setup`."""
    return _state["section"]  # type: ignore[return-value]


def next_number(kind: str) -> str:
    """Return the next figure or table number in this section, e.g. ``"4.2"``.

    Parameters
    ----------
    kind : {"figure", "table"}
    """
    if kind not in ("figure", "table"):
        raise ValueError(f"kind must be 'figure' or 'table', not {kind!r}")
    _state[kind] = int(_state[kind]) + 1  # type: ignore[arg-type]
    prefix = _state["section"]
    return f"{prefix}.{_state[kind]}" if prefix is not None else str(_state[kind])
