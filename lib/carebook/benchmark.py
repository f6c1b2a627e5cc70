"""Competitive benchmarking: the organisation against its chosen competitor, per metric.

``benchmark.csv`` has one row per metric, organisation and (optionally) period. For each
metric this module pairs the organisation's value with the competitor's, computes the
difference and says who leads in the metric's direction (``higher_is_better``). It also
holds, as data, the benchmarking process after Camp (1989) and its benefits, for the
tables of report section 3.3.

Which row is used when a metric has several periods
---------------------------------------------------
Exactly one comparison per metric, so that ``metrics.json`` keys stay the metric names.
Among the periods in which *both* the organisation and the competitor have a value, the
one that appears **last in the file** is used (students list periods in time order; the
file order is the only order a free-text period such as "Q3 2012" or "Dec 2013" reliably
has). Without a ``period`` column, or when periods are blank, the last row of each
organisation for the metric is used. The period chosen is shown in the comparison table.
Organisation names are matched ignoring case and surrounding spaces.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from carebook.narrative import Text, join_words, not_supplied, say

__all__ = [
    "benchmark_metrics",
    "comparisons",
    "comparison_table",
    "lead_sentence",
    "sources",
    "camp_steps",
    "benchmarking_benefits",
    "benchmarking_types",
]

log = logging.getLogger(__name__)

#: The lead sentence names the metrics a side leads on only up to this many.
MAX_NAMED = 4


def _norm(name: object) -> str:
    return str(name).strip().casefold()


def _period_key(value: object) -> str:
    return "" if _is_blank(value) else str(value).strip()


def _is_blank(value: object) -> bool:
    return (
        value is None or (not isinstance(value, str) and pd.isna(value)) or str(value).strip() == ""
    )


def comparisons(
    benchmark: pd.DataFrame | None, organisation: str, competitor: str | None
) -> pd.DataFrame:
    """Return one row per metric pairing the organisation with the competitor.

    Parameters
    ----------
    benchmark : DataFrame or None
        ``case.benchmark``: ``metric``, ``organisation``, ``value``, ``higher_is_better``
        and optionally ``label``, ``unit``, ``period``, ``source``. Not modified.
    organisation, competitor : str
        The case's organisation and its benchmark competitor.

    Returns
    -------
    DataFrame
        Indexed by ``metric`` in order of first appearance, with columns ``label``,
        ``unit``, ``period``, ``source``, ``higher_is_better``, ``organisation``,
        ``competitor``, ``difference``, ``difference_pct`` (NaN when the competitor's
        value is 0) and ``organisation_better`` (strictly better; equal is False). Empty
        without a benchmark or competitor. The period rule is in the module docstring.
    """
    columns = [
        "label",
        "unit",
        "period",
        "source",
        "higher_is_better",
        "organisation",
        "competitor",
        "difference",
        "difference_pct",
        "organisation_better",
    ]
    if benchmark is None or competitor is None or benchmark.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="metric"))
    # Plain records, not a mask and a lookup per metric: a benchmark has tens of rows,
    # and pandas' per-call overhead made this 25 ms of every build's metrics (and of
    # each of the sections' calls) against under 2 ms.
    records = benchmark.to_dict("records")
    org_key, comp_key = _norm(organisation), _norm(competitor)
    # metric -> (position in the file, row) of each side's rows, in file order
    org_rows: dict[Any, list[tuple[int, dict[str, Any]]]] = {}
    comp_rows: dict[Any, list[tuple[int, dict[str, Any]]]] = {}
    metrics: dict[Any, None] = {}  # in order of first appearance
    for position, record in enumerate(records):
        metrics.setdefault(record["metric"], None)
        who = _norm(record["organisation"])
        if who == org_key:
            org_rows.setdefault(record["metric"], []).append((position, record))
        if who == comp_key:
            comp_rows.setdefault(record["metric"], []).append((position, record))
    rows: dict[str, dict[str, Any]] = {}
    for metric in metrics:
        mine, theirs = org_rows.get(metric, []), comp_rows.get(metric, [])
        if not mine or not theirs:
            log.warning(
                "benchmark metric %r lacks a value for %s or %s; skipped",
                metric,
                organisation,
                competitor,
            )
            continue
        # Each side's last row per period (rows are in file order, so later ones win).
        org_last = {_period_key(r.get("period")): (i, r) for i, r in mine}
        comp_last = {_period_key(r.get("period")): (i, r) for i, r in theirs}
        shared = org_last.keys() & comp_last.keys()
        if shared:
            # The shared period whose last row comes last in the file.
            period = max(shared, key=lambda p: max(org_last[p][0], comp_last[p][0]))
            org_row, comp_row = org_last[period][1], comp_last[period][1]
        else:
            log.warning(
                "benchmark metric %r has no period shared by both organisations; "
                "using each one's last row",
                metric,
            )
            org_row, comp_row = mine[-1][1], theirs[-1][1]
            period = None
        org_value, comp_value = float(org_row["value"]), float(comp_row["value"])
        higher = bool(org_row["higher_is_better"])
        difference = org_value - comp_value
        better = org_value > comp_value if higher else org_value < comp_value
        rows[str(metric)] = {
            "label": None if _is_blank(org_row.get("label")) else str(org_row["label"]),
            "unit": None if _is_blank(org_row.get("unit")) else str(org_row["unit"]),
            "period": period or None,
            "source": _join_sources([org_row.get("source"), comp_row.get("source")]),
            "higher_is_better": higher,
            "organisation": org_value,
            "competitor": comp_value,
            "difference": difference,
            "difference_pct": float("nan")
            if comp_value == 0
            else 100 * difference / abs(comp_value),
            "organisation_better": bool(better),
        }
    out = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    out.index.name = "metric"
    return out


def _join_sources(values: list[object]) -> str | None:
    seen: dict[str, None] = {}
    for value in values:
        if not _is_blank(value):
            seen.setdefault(str(value).strip(), None)
    return "; ".join(seen) or None


def benchmark_metrics(
    benchmark: pd.DataFrame | None, organisation: str, competitor: str | None
) -> dict[str, dict[str, Any]] | None:
    """Return the ``benchmark`` block of ``metrics.json`` (interface.md).

    Parameters
    ----------
    benchmark : DataFrame or None
        ``case.benchmark``; ``None`` when benchmark.csv was not supplied.
    organisation, competitor : str
        The case's organisation and competitor (``None`` without a ``benchmark`` block).

    Returns
    -------
    dict or None
        ``{metric: {"organisation", "competitor", "difference", "difference_pct",
        "organisation_better"}}`` with ``difference`` = organisation − competitor,
        ``difference_pct`` = 100 × difference / |competitor| (``None`` when the
        competitor's value is 0) and ``organisation_better`` strictly better in the
        metric's direction. ``None`` when there is no benchmark.

    Examples
    --------
    Market share 62.2 vs 22.8 (higher is better) gives difference 39.4,
    difference_pct 100 × 39.4 / 22.8 = 172.8 and organisation_better True.
    """
    if benchmark is None or competitor is None:
        return None
    table = comparisons(benchmark, organisation, competitor)
    block: dict[str, dict[str, Any]] = {}
    for metric, row in table.iterrows():
        pct = row["difference_pct"]
        block[str(metric)] = {
            "organisation": float(row["organisation"]),
            "competitor": float(row["competitor"]),
            "difference": float(row["difference"]),
            "difference_pct": None if pd.isna(pct) else float(pct),
            "organisation_better": bool(row["organisation_better"]),
        }
    return block


def _metric_name(metric: str, label: object) -> str:
    if not _is_blank(label):
        return str(label)
    return str(metric).replace("_", " ").capitalize()


def comparison_table(
    benchmark: pd.DataFrame | None, organisation: str, competitor: str | None
) -> pd.DataFrame | None:
    """Return the side-by-side comparison for ``tables.show``.

    Returns
    -------
    DataFrame
        Indexed by metric label ("Metric"); columns ``Period`` (when the file has
        periods), the organisation's name, the competitor's name, ``Difference``,
        ``Difference (%)``, ``Better when`` ("higher"/"lower") and ``Leads``. ``None``
        without a benchmark.csv or without a metric both have (``tables.show`` then
        shows nothing: :func:`lead_sentence`, just before it, says why).
    """
    if benchmark is None or competitor is None:
        return None
    table = comparisons(benchmark, organisation, competitor)
    if table.empty:
        return None
    out = pd.DataFrame(
        index=pd.Index(
            [_metric_name(m, lab) for m, lab in zip(table.index, table["label"], strict=True)],
            name="Metric",
        )
    )
    if table["period"].notna().any():
        out["Period"] = table["period"].fillna("–").to_numpy()
    if table["unit"].notna().any():
        out["Unit"] = table["unit"].fillna("").to_numpy()
    # The two names as headers; if they were identical the columns would collide.
    org_col = (
        organisation
        if _norm(organisation) != _norm(competitor)
        else f"{organisation} (organisation)"
    )
    out[org_col] = table["organisation"].to_numpy(dtype=float)
    out[str(competitor)] = table["competitor"].to_numpy(dtype=float)
    out["Difference"] = table["difference"].to_numpy(dtype=float)
    out["Difference (%)"] = table["difference_pct"].to_numpy(dtype=float)
    out["Better when"] = ["higher" if h else "lower" for h in table["higher_is_better"]]
    leads = []
    for row in table.itertuples():
        if row.organisation == row.competitor:
            leads.append("level")
        else:
            leads.append(organisation if row.organisation_better else str(competitor))
    out["Leads"] = leads
    return out


def sources(benchmark: pd.DataFrame | None) -> str | None:
    """Return the distinct ``source`` values of benchmark.csv, joined for a table note."""
    if benchmark is None or "source" not in benchmark:
        return None
    return _join_sources(list(benchmark["source"]))


def lead_sentence(
    benchmark: pd.DataFrame | None, organisation: str, competitor: str | None
) -> Text:
    """Say who leads on how many metrics, naming them (or that nothing was supplied).

    Examples
    --------
    "China Mobile leads China Unicom on 3 of 4 benchmark metrics (market share, revenue
    and net profit); China Unicom leads on monthly ARPU."
    """
    if benchmark is None or competitor is None:
        return not_supplied(
            "benchmark.csv", "so the organisation is not compared with a competitor"
        )
    table = comparisons(benchmark, organisation, competitor)
    if table.empty:
        return say(
            "benchmark.csv has no metric with values for both {org} and {comp}, so no "
            "comparison can be made.",
            org=organisation,
            comp=competitor,
        )
    names = [_metric_name(m, lab) for m, lab in zip(table.index, table["label"], strict=True)]
    ours = [n for n, b in zip(names, table["organisation_better"], strict=True) if b]
    level = [
        n
        for n, a, b in zip(names, table["organisation"], table["competitor"], strict=True)
        if a == b
    ]
    theirs = [n for n in names if n not in ours and n not in level]
    total = len(names)

    def listed(items: list[str]) -> str:
        words = [i[:1].lower() + i[1:] if not i[:2].isupper() else i for i in items]
        if any("," in w for w in words) and len(words) > 1:
            # Labels with commas ("market share, Dec 2013") need semicolons between them.
            return "; ".join(words[:-1]) + " and " + words[-1]
        return join_words(words)

    if ours:
        # Past a handful, naming every metric makes an unreadable sentence; the table
        # beside it lists them all.
        which = " ({which})" if len(ours) <= MAX_NAMED else ""
        text = say(
            "{org} leads {comp} on {n} of {total} benchmark metric"
            + ("s" if total > 1 else "")
            + which,
            org=organisation,
            comp=competitor,
            n=len(ours),
            total=total,
            which=listed(ours),
        )
    else:
        text = say(
            "{org} leads {comp} on none of the {total} benchmark metric"
            + ("s" if total > 1 else ""),
            org=organisation,
            comp=competitor,
            total=total,
        )
    parts = [text.markdown]
    if theirs:
        parts.append(say("{comp} leads on {which}", comp=competitor, which=listed(theirs)).markdown)
    if level:
        parts.append(say("the two are level on {which}", which=listed(level)).markdown)
    return Text("; ".join(parts) + ".")


def camp_steps() -> pd.DataFrame:
    """Return the benchmarking process after Camp (1989) as a table: phase, step.

    The ten steps of Xerox's process in four phases, plus the maturity the process aims
    at. Cite ``[@camp1989]`` beside the table.
    """
    steps = [
        ("Planning", "Decide what to benchmark: the process, service or standard to compare."),
        (
            "Planning",
            "Choose whom to benchmark against: a competitor, another unit or a leader elsewhere.",
        ),
        ("Planning", "Choose how to collect the data, then collect it."),
        ("Analysis", "Measure the current gap in performance."),
        ("Analysis", "Project where performance will be if nothing changes."),
        ("Integration", "Communicate the findings and win acceptance for them."),
        ("Integration", "Set functional goals from the findings."),
        ("Action", "Draw up action plans."),
        ("Action", "Put the plans into practice and monitor progress."),
        ("Action", "Recalibrate the benchmarks as others improve too."),
        ("Maturity", "Best practice is built into everyday processes and leadership is held."),
    ]
    frame = pd.DataFrame(steps, columns=["Phase", "Step"])
    frame.index = pd.Index([str(i) for i in range(1, 11)] + ["–"], name="No.")
    return frame


def benchmarking_benefits() -> pd.DataFrame:
    """Return the benefits of benchmarking, each with why it matters for customer care."""
    rows = [
        (
            "Reveals performance gaps",
            "Shows where customers of a rival receive a better service, in figures rather "
            "than impressions.",
        ),
        (
            "Sets evidence-based targets",
            "Standards are set from what has been achieved elsewhere, so they are demanding "
            "yet attainable.",
        ),
        (
            "Brings in outside best practice",
            "Ideas come from organisations that already do something well, not only from inside.",
        ),
        (
            "Breaks complacency",
            "A market leader sees where it is overtaken, which gives staff a reason to change.",
        ),
        (
            "Ties standards to customers' options",
            "Customers compare providers; benchmarking compares the same things they do.",
        ),
    ]
    return pd.DataFrame(rows, columns=["Benefit", "Why it matters"]).set_index("Benefit")


def benchmarking_types() -> pd.DataFrame:
    """Return the four types of benchmarking with what each compares against."""
    rows = [
        ("Internal", "Other branches, regions or teams of the same organisation."),
        ("Competitive", "A direct competitor offering the same services to the same customers."),
        (
            "Functional",
            "Organisations in other sectors that perform the same function (e.g. a call centre).",
        ),
        ("Generic", "Any organisation recognised as best at a process, whatever its business."),
    ]
    return pd.DataFrame(rows, columns=["Type", "Compared with"]).set_index("Type")
