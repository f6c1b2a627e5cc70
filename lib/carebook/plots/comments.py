"""Charts of the qualitative analysis: themes by source, sentiment by theme, monthly volume.

Each helper takes a table from :mod:`carebook.comments` (so chart and table always show
the same numbers), draws it with seaborn on *ax* (a new A4-width Axes when ``None``) and
returns the Axes. Theme labels come from the case's codebook and are untrusted: a ``$``
is escaped so matplotlib never reads a label as mathtext.
"""

from __future__ import annotations

import logging

import pandas as pd

from carebook.plots import NEUTRAL, SHORTFALL, SURPLUS, axes

__all__ = ["themes_by_source", "sentiment_by_theme", "monthly_volume"]

log = logging.getLogger(__name__)

_TOTALS = ("All comments", "Total")


def _literal(text: object) -> str:
    """Text for matplotlib that is drawn as written (no mathtext from ``$``)."""
    return str(text).replace("$", r"\$")


def _height(rows: int) -> float:
    return max(2.4, 0.32 * rows + 1.3)


def themes_by_source(source_table: pd.DataFrame | None, ax=None, *, include_no_theme: bool = True):
    """Stacked horizontal bars: comments per theme, split by the source they came from.

    Parameters
    ----------
    source_table : DataFrame or None
        ``comments.source_table(qa)`` (themes × sources with totals); ``None`` (no
        comments) draws nothing and returns ``None``.
    ax : Axes, optional
        Where to draw; a new A4-width figure when ``None``.
    include_no_theme : bool, default True
        Also draw the bar of comments that no theme covers.

    Returns
    -------
    Axes or None
    """
    import seaborn as sns

    if source_table is None:
        return None
    table = source_table.drop(index=[r for r in _TOTALS if r in source_table.index])
    table = table.drop(columns=[c for c in _TOTALS if c in table.columns])
    if not include_no_theme:
        table = table.drop(index=[r for r in table.index if r == "No theme"])
    ax = axes(ax, height=_height(len(table)))
    rows = [_literal(r) for r in table.index]
    colours = sns.color_palette("colorblind", n_colors=max(len(table.columns), 1))
    positions = list(range(len(rows)))
    left = [0.0] * len(rows)
    # Drawn in the table's column order from the left, so bars read like the legend.
    for colour, source in zip(colours, table.columns):
        values = table[source].to_numpy(dtype=float)
        ax.barh(positions, values, left=left, height=0.72, color=colour, edgecolor="white",
                linewidth=0.5, label=_literal(source))
        left = [a + b for a, b in zip(left, values)]
    ax.set_yticks(positions, rows)
    ax.invert_yaxis()  # codebook order from the top
    ax.set(xlabel="Comments", ylabel="")
    ax.grid(axis="y", visible=False)
    if len(table.columns):
        ax.legend(loc="upper center", bbox_to_anchor=(0.35, -0.45 / _height(len(table)) - 0.1),
                  ncol=min(4, len(table.columns)), frameon=False)
    return ax


def sentiment_by_theme(summary: pd.DataFrame | None, ax=None):
    """Diverging bars: share of each theme's scored comments that are negative / positive.

    Negative shares extend left (vermilion), positive shares right (green); the rest
    of the scored comments are neutral. The number of scored (English) comments is
    written at the right; a theme with none says so instead of drawing a bar.

    Parameters
    ----------
    summary : DataFrame or None
        ``comments.theme_summary`` (``label``, ``scored``, ``negative_pct``,
        ``positive_pct``); ``None`` (no comments), or no scored comment at all, draws
        nothing and returns ``None``.
    ax : Axes, optional

    Returns
    -------
    Axes or None
    """
    import seaborn as sns

    if summary is None or not summary["scored"].astype(float).gt(0).any():
        return None

    labels = [_literal(x) for x in summary["label"]]
    ax = axes(ax, height=_height(len(summary)))
    frame = pd.DataFrame(
        {
            "Theme": labels,
            "negative": -summary["negative_pct"].fillna(0).to_numpy(dtype=float),
            "positive": summary["positive_pct"].fillna(0).to_numpy(dtype=float),
        }
    )
    sns.barplot(data=frame, y="Theme", x="negative", color=SHORTFALL, orient="h", saturation=1, ax=ax,
                label="Negative")
    sns.barplot(data=frame, y="Theme", x="positive", color=SURPLUS, orient="h", saturation=1, ax=ax,
                label="Positive")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlim(-105, 130)
    ax.set_xticks([-100, -50, 0, 50, 100])
    ax.set_xticklabels(["100%", "50%", "0", "50%", "100%"])
    ax.set(xlabel="Share of scored English comments (negative left, positive right)", ylabel="")
    ax.grid(axis="y", visible=False)
    for y, n in enumerate(summary["scored"].to_numpy()):
        text = f"n = {int(n):,}" if n else "not scored"
        ax.text(104, y, text, va="center", ha="left", fontsize="small", color=NEUTRAL)
    ax.legend(loc="upper center", bbox_to_anchor=(0.35, -0.45 / _height(len(summary)) - 0.1), ncol=2,
              frameon=False)
    return ax


def monthly_volume(monthly_table: pd.DataFrame, ax=None):
    """Stacked bars of comments per month, by kind when the table has kinds.

    Parameters
    ----------
    monthly_table : DataFrame
        ``comments.monthly_table(qa)`` (months × kinds and ``All comments``).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    import seaborn as sns

    kinds = [c for c in monthly_table.columns if c not in _TOTALS]
    ax = axes(ax, height=3.2)
    if not kinds:
        kinds = ["All comments"]
    long = (
        monthly_table[kinds].rename_axis("Month").reset_index()
        .melt(id_vars="Month", var_name="Kind", value_name="Comments")
    )
    long["Kind"] = pd.Categorical(long["Kind"], categories=kinds, ordered=True)
    sns.histplot(
        data=long, x="Month", hue="Kind" if len(kinds) > 1 else None, weights="Comments",
        multiple="stack", discrete=True, shrink=0.8, palette="colorblind" if len(kinds) > 1 else None,
        color=None if len(kinds) > 1 else NEUTRAL, edgecolor="white", linewidth=0.5, ax=ax,
    )
    ax.set(xlabel="", ylabel="Comments")
    ax.grid(axis="x", visible=False)
    if len(monthly_table) > 8:
        ax.tick_params(axis="x", labelrotation=45)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
    if ax.get_legend() is not None:
        sns.move_legend(ax, "upper left", bbox_to_anchor=(1.0, 1.0), title=None, frameon=False)
    return ax
