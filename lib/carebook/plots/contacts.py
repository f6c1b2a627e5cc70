"""Service-standard charts: elapsed-time distributions, within-target shares, monthly trend.

Each helper takes what :mod:`carebook.standards` returned, draws with seaborn on *ax* (or
a new A4-width Axes) and returns the Axes; with nothing to draw it says so in words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from carebook import plots

__all__ = ["elapsed_ecdf", "within_target_bars", "monthly_within"]

_PALETTE = ["#0072B2", "#E69F00", "#CC79A7", "#56B4E9", "#009E73", "#F0E442", "#000000"]


def _nothing(ax, message: str):
    ax.text(
        0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color=plots.NEUTRAL
    )
    ax.set_axis_off()
    return plots.mark_empty(ax)


def _hours_text(hours: float) -> str:
    return f"{hours:g} h" if hours < 48 or hours % 24 else f"{hours / 24:g} days"


def elapsed_ecdf(distribution: pd.DataFrame, table: pd.DataFrame, *, ax=None):
    """Draw the share of contacts done within *x* hours per commitment; return the Axes.

    Parameters
    ----------
    distribution : DataFrame
        :func:`carebook.standards.elapsed_distribution` (``key``, ``label``, ``hours``,
        ``share_pct``): the share is over all contacts of the channel, so a curve that
        levels off below 100 % shows contacts still open.
    table : DataFrame
        :func:`carebook.standards.commitment_table`, for the targets.

    Notes
    -----
    Hours are on a logarithmic axis (a few slow contacts would otherwise squash the
    rest). Each commitment's target is a marker at (target hours, target %), in the
    curve's colour, with dotted guides: the standard is met when the curve passes on or
    above its marker.
    """
    import seaborn as sns

    ax = plots.axes(ax, height=4.0)
    if distribution.empty:
        return _nothing(ax, "No contact on a committed channel has the timestamp measured")
    labels = list(dict.fromkeys(distribution["label"]))
    palette = dict(zip(labels, _PALETTE * (len(labels) // len(_PALETTE) + 1), strict=False))
    sns.lineplot(
        data=distribution,
        x="hours",
        y="share_pct",
        hue="label",
        hue_order=labels,
        palette=palette,
        drawstyle="steps-post",
        linewidth=1.8,
        ax=ax,
        estimator=None,
    )
    ax.set_xscale("log")
    for _, row in table.iterrows():
        if row["label"] not in palette or row["contacts"] == 0:
            continue
        colour = palette[row["label"]]
        ax.plot(
            [row["target_hours"]] * 2,
            [0, row["target_pct"]],
            linestyle=":",
            color=colour,
            linewidth=1,
        )
        ax.scatter(
            [row["target_hours"]],
            [row["target_pct"]],
            marker="X",
            s=80,
            color=colour,
            edgecolor="black",
            linewidth=0.6,
            zorder=5,
        )
    hours = distribution["hours"]
    # Round, well-spaced ticks; the targets themselves are marked by their markers.
    ticks = [t for t in (1 / 60, 0.25, 1, 4, 24, 168, 720) if hours.min() <= t <= hours.max()]
    names = {
        1 / 60: "1 min",
        0.25: "15 min",
        1: "1 h",
        4: "4 h",
        24: "1 day",
        168: "1 week",
        720: "30 days",
    }
    ax.set_xticks(ticks, [names[t] for t in ticks])
    ax.minorticks_off()
    ax.set_ylim(0, 102)
    ax.set_xlabel("Elapsed time from receipt (log scale)")
    ax.set_ylabel("Contacts done within that time (%)")
    handles, texts = ax.get_legend_handles_labels()
    from matplotlib.lines import Line2D

    handles.append(
        Line2D(
            [],
            [],
            marker="X",
            linestyle="",
            color=plots.NEUTRAL,
            markeredgecolor="black",
            markersize=8,
        )
    )
    texts.append("Target (hours, % of contacts)")
    ax.legend(handles, texts, title=None, fontsize=8.5, loc="upper left")
    return ax


def within_target_bars(table: pd.DataFrame, *, ax=None):
    """Draw each commitment's within-target share against its target; return the Axes.

    Parameters
    ----------
    table : DataFrame
        :func:`carebook.standards.commitment_table`. A bar per commitment (green when the
        standard is met, vermilion when not), a black tick at the target share, and the
        share, target and number of contacts written beside the bar. Commitments whose
        channel had no contacts are listed as "no contacts".
    """
    import seaborn as sns

    ax = plots.axes(ax, height=max(2.0, 0.62 * len(table) + 1.0))
    if table.empty:
        return _nothing(ax, "No service commitments")
    names = [
        f"{r['label']}\n{r['measure']} within {_hours_text(r['target_hours'])}"
        for _, r in table.iterrows()
    ]
    frame = pd.DataFrame(
        {
            "Commitment": names,
            "Within": table["within_target_pct"].fillna(0).to_numpy(dtype=float),
            "Status": [
                "No contacts" if pd.isna(m) else ("Meets standard" if m else "Below standard")
                for m in table["meets_standard"]
            ],
        }
    )
    sns.barplot(
        data=frame,
        y="Commitment",
        x="Within",
        hue="Status",
        orient="h",
        dodge=False,
        palette={
            "Meets standard": plots.SURPLUS,
            "Below standard": plots.SHORTFALL,
            "No contacts": plots.NEUTRAL,
        },
        errorbar=None,
        ax=ax,
        width=0.6,
    )
    for i, (_, row) in enumerate(table.iterrows()):
        ax.plot([row["target_pct"]] * 2, [i - 0.38, i + 0.38], color="black", linewidth=2.2)
        if row["contacts"] == 0:
            text = "no contacts"
        else:
            text = (
                f"{row['within_target_pct']:.1f}% (target {row['target_pct']:g}%)\n"
                f"n = {int(row['contacts']):,}"
            )
        ax.text(101.5, i, text, va="center", ha="left", fontsize=8.5, clip_on=False)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Contacts within the target time (%); black tick = target share")
    ax.set_ylabel("")
    ax.tick_params(axis="y", labelsize=9)
    ax.legend(
        title=None,
        fontsize=8.5,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.32),
        ncols=3,
        frameon=False,
    )
    return ax


def monthly_within(months: pd.DataFrame, *, ax=None):
    """Draw each commitment's within-target share by month with its target; return the Axes.

    Parameters
    ----------
    months : DataFrame
        :func:`carebook.standards.by_month` (indexed by month and commitment key).
    """
    import seaborn as sns

    ax = plots.axes(ax, height=3.4)
    if months is None or months.empty:
        return _nothing(ax, "No contacts to follow month by month")
    flat = months.reset_index()
    labels = list(dict.fromkeys(flat["label"]))
    palette = dict(zip(labels, _PALETTE * (len(labels) // len(_PALETTE) + 1), strict=False))
    month_names = sorted(flat["month"].unique())
    flat["position"] = flat["month"].map({m: i for i, m in enumerate(month_names)})
    sns.lineplot(
        data=flat,
        x="position",
        y="within_target_pct",
        hue="label",
        hue_order=labels,
        palette=palette,
        marker="o",
        ax=ax,
        estimator=None,
    )
    for name in labels:
        target = float(flat.loc[flat["label"] == name, "target_pct"].iloc[0])
        ax.axhline(target, color=palette[name], linestyle=":", linewidth=1)
    step = max(1, int(np.ceil(len(month_names) / 12)))
    ax.set_xticks(range(0, len(month_names), step), month_names[::step], rotation=45, ha="right")
    low = float(np.nanmin(flat["within_target_pct"].to_numpy(dtype=float)))
    ax.set_ylim(max(0.0, min(low, flat["target_pct"].min()) - 5), 101)
    ax.set_xlabel("")
    ax.set_ylabel("Within target (%); dotted = target")
    ax.legend(title=None, fontsize=8.5)
    return ax
