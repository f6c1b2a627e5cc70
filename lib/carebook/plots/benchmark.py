"""Benchmark chart: the organisation and its competitor side by side, metric by metric.

Benchmark metrics have different units (per cent, millions, RMB), so each metric is put
on a common scale: the larger of the two absolute values is 100 and the other is shown
in proportion. The real values are written at the end of each bar, and the leader of
each metric (in the metric's own direction) is marked, so the chart can be read without
the table.
"""

from __future__ import annotations

import textwrap

import pandas as pd

from carebook import plots
from carebook.benchmark import _metric_name, comparisons

__all__ = ["comparison_bars"]


def _value_text(value: float, unit: object) -> str:
    unit = unit.strip() if isinstance(unit, str) else ""
    text = f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    # A plain hyphen-minus: CJK fonts lack U+2212 on some systems (session.setup).
    if unit in {"%", "pct", "percent"}:
        return text + "%"
    return f"{text} {unit}" if unit else text


def comparison_bars(
    benchmark: pd.DataFrame | None,
    organisation: str,
    competitor: str | None,
    *,
    ax=None,
):
    """Draw paired horizontal bars per benchmark metric and return the Axes.

    Parameters
    ----------
    benchmark : DataFrame or None
        ``case.benchmark``; rows chosen as in :func:`carebook.benchmark.comparisons`.
    organisation, competitor : str
        Names used for the two bar colours (``plots.ORGANISATION``, ``plots.COMPETITOR``).
    ax : Axes, optional
        Where to draw; a new A4-width figure otherwise (height grows with the metrics).

    Returns
    -------
    Axes
        Without any metric to compare, the Axes says so in words (never an empty chart).
    """
    import seaborn as sns

    table = comparisons(benchmark, organisation, competitor)
    labels = {m: _label(m, row) for m, row in table.iterrows()}
    # About 0.3 in per label line keeps wrapped names apart; capped to fit an A4 page.
    lines = sum(max(2, label.count("\n") + 1) for label in labels.values())
    ax = plots.axes(ax, height=min(max(2.2, 0.3 * lines + 1.0), 8.5))
    if table.empty:
        ax.text(
            0.5,
            0.5,
            "No benchmark data to compare",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color=plots.NEUTRAL,
        )
        ax.set_axis_off()
        return plots.mark_empty(ax)
    rows = []
    for metric, row in table.iterrows():
        label = labels[metric]
        scale = max(abs(row["organisation"]), abs(row["competitor"])) or 1.0
        for who, value in ((organisation, row["organisation"]), (competitor, row["competitor"])):
            rows.append(
                {
                    "Metric": label,
                    "Who": who,
                    "Index": 100 * value / scale,
                    "value": value,
                    "unit": row["unit"],
                    "leads": _leads(row, who == organisation),
                }
            )
    data = pd.DataFrame(rows)
    sns.barplot(
        data=data,
        y="Metric",
        x="Index",
        hue="Who",
        orient="h",
        ax=ax,
        palette=[plots.ORGANISATION, plots.COMPETITOR],
        hue_order=[organisation, competitor],
        errorbar=None,
        width=0.75,
    )
    # Bars come out per hue level in the order of the y categories.
    for container, who in zip(ax.containers, [organisation, competitor], strict=False):
        subset = data[data["Who"] == who].reset_index(drop=True)
        for bar, (_, r) in zip(container, subset.iterrows(), strict=False):
            text = _value_text(r["value"], r["unit"]) + (" (leads)" if r["leads"] else "")
            # Labels sit right of the bar end, or right of zero for a negative bar, so
            # they never run into the metric names on the left.
            x = max(bar.get_width(), 0.0)
            ax.text(
                x + 2,
                bar.get_y() + bar.get_height() / 2,
                text,
                va="center",
                ha="left",
                fontsize=8.5,
                fontweight="bold" if r["leads"] else "normal",
            )
    low = min(0.0, float(data["Index"].min()))
    ax.set_xlim(low * 1.1 if low < 0 else 0, 165)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xticks([t for t in (-100, -50, 0, 25, 50, 75, 100) if t >= low * 1.1])
    ax.set_xlabel("Relative value (larger of the two = 100)")
    ax.set_ylabel("")
    ax.legend(
        title=None, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False, fontsize=9
    )
    ax.grid(axis="y", visible=False)
    return ax


def _label(metric: str, row: pd.Series) -> str:
    direction = "higher" if row["higher_is_better"] else "lower"
    return textwrap.fill(_metric_name(metric, row["label"]), 34) + f"\n({direction} is better)"


def _leads(row: pd.Series, is_organisation: bool) -> bool:
    if row["organisation"] == row["competitor"]:
        return False
    return bool(row["organisation_better"]) == is_organisation
