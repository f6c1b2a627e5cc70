"""Survey charts: SERVQUAL gaps, item gaps, the importance-performance grid, satisfaction.

Each helper takes the DataFrame an analysis function returned (not the raw survey), draws
with seaborn on *ax* (or a new A4-width Axes) and returns the Axes. Values are written
on the chart so that it can be read in print without the table. When there is nothing to
draw the Axes says so in words, never an empty chart.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from carebook import plots

__all__ = [
    "gap_dumbbell",
    "item_gaps",
    "ipa_grid",
    "segment_scores",
    "nps_split",
    "monthly_trend",
]

# Hyphen-minus in chart text: CJK fonts lack U+2212 on some systems (session.setup).
_DIMENSION_COLOURS = {
    "tangibles": "#56B4E9",
    "reliability": "#D55E00",
    "responsiveness": "#E69F00",
    "assurance": "#0072B2",
    "empathy": "#CC79A7",
}


def _nothing(ax, message: str):
    ax.text(
        0.5,
        0.5,
        message,
        ha="center",
        va="center",
        transform=ax.transAxes,
        color=plots.NEUTRAL,
        wrap=True,
    )
    ax.set_axis_off()
    return plots.mark_empty(ax)


def gap_dumbbell(summary: pd.DataFrame, *, ax=None):
    """Draw expectation and perception per dimension joined by the gap; return the Axes.

    Parameters
    ----------
    summary : DataFrame
        :func:`carebook.servqual.dimension_summary` (``expectation``, ``perception``,
        ``gap`` by dimension).
    ax : Axes, optional

    Notes
    -----
    One row per dimension: a hollow marker at the mean expectation, a filled one at
    the mean perception, a line between them coloured as a shortfall (perception
    below expectation) or a surplus, and the gap written at the right.
    """
    import seaborn as sns

    ax = plots.axes(ax, height=3.0)
    data = summary[["expectation", "perception", "gap"]].dropna()
    if data.empty:
        return _nothing(ax, "No dimension has both expectation and perception answers")
    names = [d.capitalize() for d in data.index]
    y = np.arange(len(data))
    for yi, (_, row) in zip(y, data.iterrows(), strict=True):
        colour = plots.SHORTFALL if row["gap"] < 0 else plots.SURPLUS
        ax.plot(
            [row["expectation"], row["perception"]],
            [yi, yi],
            color=colour,
            linewidth=3,
            alpha=0.6,
            zorder=1,
            solid_capstyle="round",
        )
    long = pd.DataFrame(
        {
            "y": np.concatenate([y, y]),
            "score": np.concatenate(
                [data["expectation"].to_numpy(), data["perception"].to_numpy()]
            ),
            "Mean score": ["Expectation"] * len(data) + ["Perception"] * len(data),
        }
    )
    sns.scatterplot(
        data=long,
        x="score",
        y="y",
        hue="Mean score",
        style="Mean score",
        markers={"Expectation": "o", "Perception": "D"},
        palette={"Expectation": plots.NEUTRAL, "Perception": plots.ORGANISATION},
        s=70,
        zorder=2,
        ax=ax,
    )
    lo = min(data["expectation"].min(), data["perception"].min())
    hi = max(data["expectation"].max(), data["perception"].max())
    left, right = max(1.0, np.floor(lo * 2) / 2 - 0.5), min(7.0, np.ceil(hi * 2) / 2 + 0.25)
    right_text = right + (right - left) * 0.04
    for yi, gap in zip(y, data["gap"], strict=True):
        ax.text(
            right_text,
            yi,
            f"{gap:+.2f}",
            va="center",
            ha="left",
            fontsize=10,
            color=plots.SHORTFALL if gap < 0 else plots.SURPLUS,
            fontweight="bold",
            clip_on=False,
        )
    ax.text(
        right_text,
        -0.9,
        "Gap",
        va="center",
        ha="left",
        fontsize=9,
        color=plots.NEUTRAL,
        clip_on=False,
    )
    ax.set_xlim(left, right)
    ax.set_yticks(y, names)
    ax.set_ylim(len(data) - 0.5, -1.2)
    ax.set_xlabel("Mean score (1 = strongly disagree, 7 = strongly agree)")
    ax.set_ylabel("")
    ax.legend(title=None, loc="lower left", frameon=True, fontsize=9)
    ax.grid(axis="y", visible=False)
    return ax


def item_gaps(items: pd.DataFrame, *, ax=None):
    """Draw the gap (P − E) of each of the 22 items as horizontal bars; return the Axes.

    Parameters
    ----------
    items : DataFrame
        :func:`carebook.servqual.item_summary`. Bars are coloured by dimension and
        labelled with the item's short wording; the gap is written at each bar's end.
    """
    import seaborn as sns

    from carebook.servqual import _item_label

    ax = plots.axes(ax, height=6.4)
    data = items.dropna(subset=["gap"])
    if data.empty:
        return _nothing(ax, "No item has both expectation and perception answers")
    frame = pd.DataFrame(
        {
            "Item": [textwrap.shorten(_item_label(i), 40, placeholder="…") for i in data.index],
            "Gap": data["gap"].to_numpy(),
            "Dimension": [d.capitalize() for d in data["dimension"]],
        }
    )
    palette = {d.capitalize(): c for d, c in _DIMENSION_COLOURS.items()}
    sns.barplot(
        data=frame,
        y="Item",
        x="Gap",
        hue="Dimension",
        palette=palette,
        dodge=False,
        orient="h",
        errorbar=None,
        ax=ax,
        width=0.75,
    )
    span = max(frame["Gap"].abs().max(), 0.1)
    for i, gap in enumerate(frame["Gap"]):
        ax.text(
            gap + (0.02 * span if gap >= 0 else -0.02 * span),
            i,
            f"{gap:+.2f}",
            va="center",
            ha="left" if gap >= 0 else "right",
            fontsize=8,
        )
    low, high = min(frame["Gap"].min(), 0), max(frame["Gap"].max(), 0)
    ax.set_xlim(low - 0.22 * span, high + 0.22 * span)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("Gap: perception − expectation (points on the 7-point scale)".replace("−", "-"))
    ax.set_ylabel("")
    ax.tick_params(axis="y", labelsize=8.5)
    # Below the axes, in one row: inside them it covered the labels of the longest bars.
    ax.legend(
        title=None, fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.09),
        ncol=5, frameon=False,
    )  # fmt: skip
    return ax


def ipa_grid(table: pd.DataFrame, *, ax=None):
    """Draw the importance-performance grid with labelled dimensions; return the Axes.

    Parameters
    ----------
    table : DataFrame
        :func:`carebook.ipa.ipa_table`. Crosshairs are drawn at the grand means
        (``attrs["importance_mean"]``, ``attrs["performance_mean"]``) and each quadrant
        is named in its corner (Martilla and James, 1977).
    """
    import seaborn as sns

    from carebook.ipa import QUADRANTS

    ax = plots.axes(ax, height=4.4)
    data = table.dropna(subset=["importance", "performance"])
    if data.empty:
        return _nothing(ax, "No dimension has importance and performance figures")
    basis = table.attrs.get("importance_basis", table["importance_basis"].iloc[0])
    imp_mean = table.attrs.get("importance_mean", float(data["importance"].mean()))
    perf_mean = table.attrs.get("performance_mean", float(data["performance"].mean()))
    frame = pd.DataFrame(
        {
            "Performance": data["performance"].to_numpy(),
            "Importance": data["importance"].to_numpy(),
            "Dimension": [d.capitalize() for d in data.index],
            "Concentrate": (data["quadrant"] == QUADRANTS[0]).to_numpy(),
        }
    )
    sns.scatterplot(
        data=frame,
        x="Performance",
        y="Importance",
        hue="Concentrate",
        palette={True: plots.SHORTFALL, False: plots.ORGANISATION},
        s=90,
        legend=False,
        ax=ax,
        zorder=3,
    )
    x_pad = max(frame["Performance"].max() - frame["Performance"].min(), 0.2) * 0.35
    y_pad = (
        max(
            frame["Importance"].max() - frame["Importance"].min(),
            0.2 if basis != "weights" else 2.0,
        )
        * 0.35
    )
    ax.set_xlim(frame["Performance"].min() - x_pad, frame["Performance"].max() + x_pad)
    ax.set_ylim(frame["Importance"].min() - y_pad, frame["Importance"].max() + y_pad)
    ax.axvline(perf_mean, color=plots.NEUTRAL, linewidth=1, linestyle="--", zorder=1)
    ax.axhline(imp_mean, color=plots.NEUTRAL, linewidth=1, linestyle="--", zorder=1)
    for _, row in frame.iterrows():
        ax.annotate(
            row["Dimension"],
            (row["Performance"], row["Importance"]),
            xytext=(7, 5),
            textcoords="offset points",
            fontsize=10,
        )
    corners = {
        QUADRANTS[0]: (0.02, 0.97, "left", "top"),
        QUADRANTS[1]: (0.98, 0.97, "right", "top"),
        QUADRANTS[2]: (0.02, 0.03, "left", "bottom"),
        QUADRANTS[3]: (0.98, 0.03, "right", "bottom"),
    }
    for name, (x, y, ha, va) in corners.items():
        ax.text(
            x,
            y,
            name,
            transform=ax.transAxes,
            ha=ha,
            va=va,
            fontsize=9,
            color=plots.SHORTFALL if name == QUADRANTS[0] else plots.NEUTRAL,
            fontstyle="italic",
        )
    ax.set_xlabel("Performance: mean perception (1-7)")
    ax.set_ylabel(
        "Importance: mean weight (points of 100)"
        if basis == "weights"
        else "Importance: mean expectation (1-7)"
    )
    return ax


def segment_scores(segments: pd.DataFrame | None, *, ax=None):
    """Draw CSAT top-2-box and NPS per segment as grouped bars; return the Axes.

    Parameters
    ----------
    segments : DataFrame or None
        :func:`carebook.satisfaction.by_segment`. The number of answers is written in
        each segment's label.
    """
    import seaborn as sns

    ax = plots.axes(ax, height=3.2)
    if segments is None:
        return _nothing(ax, "No segment column in the survey")
    rows = []
    for segment, row in segments.iterrows():
        n = max(int(row.get("csat_n", 0) or 0), int(row.get("nps_n", 0) or 0))
        name = f"{segment}\n(n = {n:,})"
        if "csat_top2_pct" in segments.columns and pd.notna(row["csat_top2_pct"]):
            rows.append(
                {"Segment": name, "Measure": "CSAT top-2-box (%)", "Value": row["csat_top2_pct"]}
            )
        if "nps" in segments.columns and pd.notna(row["nps"]):
            rows.append({"Segment": name, "Measure": "NPS", "Value": row["nps"]})
    if not rows:
        return _nothing(ax, "No CSAT or NPS answers to compare by segment")
    frame = pd.DataFrame(rows)
    sns.barplot(
        data=frame,
        y="Segment",
        x="Value",
        hue="Measure",
        orient="h",
        errorbar=None,
        palette=[plots.ORGANISATION, plots.COMPETITOR],
        ax=ax,
        width=0.75,
    )
    for container in ax.containers:
        for bar in container:
            value = bar.get_width()
            ax.text(
                value + (1.5 if value >= 0 else -1.5),
                bar.get_y() + bar.get_height() / 2,
                f"{value:.1f}",
                va="center",
                ha="left" if value >= 0 else "right",
                fontsize=8.5,
            )
    low = min(frame["Value"].min(), 0)
    ax.set_xlim(low - (12 if low < 0 else 0), max(frame["Value"].max(), 0) + 12)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("Per cent (CSAT) / score from -100 to +100 (NPS)")
    ax.set_ylabel("")
    ax.legend(title=None, fontsize=9, loc="best")
    return ax


def nps_split(segments: pd.DataFrame | None, *, ax=None):
    """Draw detractors, passives and promoters per segment as stacked bars; return the Axes.

    Parameters
    ----------
    segments : DataFrame or None
        :func:`carebook.satisfaction.by_segment` (or any frame with
        ``detractors_pct``, ``passives_pct``, ``promoters_pct``, ``nps``, ``nps_n`` by row
        label). The NPS and the number of answers are written beside each bar.
    """
    import seaborn as sns

    ax = plots.axes(ax, height=2.8)
    if segments is None or "nps" not in segments.columns or not segments["nps"].notna().any():
        return _nothing(ax, "No NPS answers to split")
    data = segments.dropna(subset=["nps"])
    labels = [str(s) for s in data.index]
    parts = [
        ("detractors_pct", "Detractors (0-6)", plots.SHORTFALL),
        ("passives_pct", "Passives (7-8)", "#BBBBBB"),
        ("promoters_pct", "Promoters (9-10)", plots.SURPLUS),
    ]
    values = np.column_stack([data[c].to_numpy(dtype=float) for c, _, _ in parts])
    ends = values.cumsum(axis=1)
    # seaborn draws bars from zero, so the stack is drawn as cumulative bars, longest
    # (all answers) first and shortest (detractors) last, each on top of the previous.
    for j in reversed(range(len(parts))):
        sns.barplot(
            x=ends[:, j],
            y=labels,
            orient="h",
            color=parts[j][2],
            label=parts[j][1],
            errorbar=None,
            ax=ax,
            width=0.6,
        )
    for i in range(len(data)):
        for j, (column, _, _) in enumerate(parts):
            width, start = values[i, j], ends[i, j] - values[i, j]
            if width >= 7:
                ax.text(
                    start + width / 2,
                    i,
                    f"{width:.0f}%",
                    ha="center",
                    va="center",
                    fontsize=8.5,
                    color="black" if column == "passives_pct" else "white",
                )
    for i, (_, row) in enumerate(data.iterrows()):
        ax.text(
            101.5,
            i,
            f"NPS {row['nps']:+.1f}\n(n = {int(row['nps_n']):,})",
            va="center",
            ha="left",
            fontsize=8.5,
            clip_on=False,
        )
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of answers (%)")
    ax.set_ylabel("")
    handles, names = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1],
        names[::-1],
        title=None,
        fontsize=8.5,
        ncols=3,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.3),
        frameon=False,
    )
    return ax


def monthly_trend(months: pd.DataFrame | None, *, ax=None):
    """Draw CSAT top-2-box and NPS by month as lines; return the Axes.

    Parameters
    ----------
    months : DataFrame or None
        :func:`carebook.satisfaction.by_month`.
    """
    import seaborn as sns

    ax = plots.axes(ax, height=3.2)
    if months is None:
        return _nothing(ax, "No survey dates to show a trend")
    rows = []
    for month, row in months.iterrows():
        if "csat_top2_pct" in months.columns and pd.notna(row["csat_top2_pct"]):
            rows.append(
                {
                    "Month": str(month),
                    "Measure": "CSAT top-2-box (%)",
                    "Value": row["csat_top2_pct"],
                }
            )
        if "nps" in months.columns and pd.notna(row["nps"]):
            rows.append({"Month": str(month), "Measure": "NPS", "Value": row["nps"]})
    if not rows:
        return _nothing(ax, "No CSAT or NPS answers to follow over time")
    if len({r["Month"] for r in rows}) < 2:
        # One point is no trend; month_sentence gives its value in words.
        return _nothing(ax, "All dated answers fall in one month")
    frame = pd.DataFrame(rows)
    sns.lineplot(
        data=frame,
        x="Month",
        y="Value",
        hue="Measure",
        style="Measure",
        markers=True,
        dashes=False,
        palette=[plots.ORGANISATION, plots.COMPETITOR][: frame["Measure"].nunique()],
        ax=ax,
        sort=False,
    )
    ax.axhline(0, color="black", linewidth=0.6)
    ticks = sorted(frame["Month"].unique())
    step = max(1, int(np.ceil(len(ticks) / 12)))
    ax.set_xticks(range(0, len(ticks), step), ticks[::step], rotation=45, ha="right")
    ax.set_xlabel("")
    ax.set_ylabel("Per cent (CSAT) / NPS")
    ax.legend(title=None, fontsize=9)
    return ax
