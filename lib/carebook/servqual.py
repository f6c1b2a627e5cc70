"""SERVQUAL: expectations, perceptions and gaps per item and dimension, weights, SERVPERF.

Definitions follow ``interface.md`` exactly, so that the report's tables agree with
``metrics.json``:

- an item's expectation (perception) is the mean over the respondents who answered it;
- an item's gap is the mean of ``P_i - E_i`` over the respondents who answered both;
- a dimension's expectation, perception and gap are the means of its items' figures
  (items nobody answered are left out of that mean);
- the overall (unweighted) SERVQUAL score is the mean of the five dimension gaps;
- the importance weights are the mean ``W_<dimension>`` over the rows that have weights,
  divided by 100, and the weighted score is ``sum(weight * dimension gap)``;
- SERVPERF (Cronin and Taylor, 1992) is perception only: a dimension's SERVPERF score is
  its mean perception, the overall score the mean of the five.

Sources that weight per respondent (each respondent's own weights times their own
gaps, averaged) generally give a different number; :func:`scores` reports that form
too, under its own name (domain.md §3.1.3).

For the significance test and Cronbach's alpha a respondent's dimension score is the
mean of the items they answered: the gap test (P against E) uses, for each respondent
who answered at least one pair of the dimension, the mean of ``P_i - E_i`` over the
pairs they answered.

Every function takes the survey frame of a :class:`~carebook.case.Case` (items nullable
``Int8``), leaves it untouched, and converts one dimension's columns at a time to
floats, so a million respondents fit comfortably in memory.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from carebook.case.model import DIMENSION_ITEMS, DIMENSIONS
from carebook.errors import InputError, Problem
from carebook.narrative import Text, say
from carebook.reliability import cronbach_alpha, signed_rank

__all__ = [
    "DIMENSIONS",
    "DIMENSION_ITEMS",
    "ITEM_WORDING",
    "WEIGHT_COLUMNS",
    "SIGNIFICANCE_LEVEL",
    "item_summary",
    "dimension_summary",
    "weights",
    "scores",
    "respondent_gaps",
    "alpha_table",
    "significance",
    "dimension_table",
    "item_table",
    "alpha_display",
    "significance_display",
    "score_table",
    "gap_sentence",
    "alpha_sentence",
    "weights_sentence",
    "label",
    "format_p",
]

log = logging.getLogger(__name__)

#: Weight columns of the optional 100-point allocation, by dimension.
WEIGHT_COLUMNS: dict[str, str] = {d: f"W_{d}" for d in DIMENSIONS}
#: Gaps with a two-sided p-value below this are called significant.
SIGNIFICANCE_LEVEL = 0.05
#: Short wording of the 22 items of the 1991 revision (Parasuraman, Berry and Zeithaml,
#: 1991), used to label tables and charts; telecom studies adapt the full wording.
ITEM_WORDING: dict[int, str] = {
    1: "Up-to-date equipment",
    2: "Visually appealing facilities",
    3: "Neat employees",
    4: "Appealing materials",
    5: "Keeps promises by the promised time",
    6: "Sincere interest in solving problems",
    7: "Right the first time",
    8: "Service at the promised time",
    9: "Error-free records",
    10: "Says exactly when service happens",
    11: "Prompt service",
    12: "Always willing to help",
    13: "Never too busy to respond",
    14: "Behaviour instils confidence",
    15: "Customers feel safe",
    16: "Consistently courteous",
    17: "Knowledge to answer questions",
    18: "Individual attention",
    19: "Convenient operating hours",
    20: "Personal attention",
    21: "Customer's best interests at heart",
    22: "Understands specific needs",
}
_ITEM_DIMENSION = {i: d for d, items in DIMENSION_ITEMS.items() for i in items}


def label(dimension: str) -> str:
    """Return a dimension's display name (``"reliability"`` → ``"Reliability"``)."""
    return dimension.capitalize()


def format_p(p: float | None) -> str:
    """Format a p-value for the report: ``p < 0.001``, ``p = 0.012`` or ``p n/a`` (plain text)."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


# --------------------------------------------------------------------------- helpers


def _check(survey: pd.DataFrame) -> None:
    """Raise InputError naming every SERVQUAL item column the survey lacks."""
    missing = [f"{s}{i}" for i in range(1, 23) for s in "EP" if f"{s}{i}" not in survey.columns]
    if missing:
        raise InputError(
            Problem(
                "survey.csv",
                None,
                ", ".join(missing),
                "SERVQUAL item column(s) missing; survey.csv needs E1-E22 and P1-P22 "
                "(cells may be empty, columns may not).",
            )
        )


def _column(survey: pd.DataFrame, name: str) -> np.ndarray:
    """One column as float64 with NaN for missing (fast path for masked Int8)."""
    return survey[name].to_numpy(dtype="float64", na_value=np.nan)


def _block(survey: pd.DataFrame, prefix: str, items: tuple[int, ...]) -> np.ndarray:
    """Return the columns ``<prefix><item>`` as an (n, k) float64 array, NaN for missing."""
    out = np.empty((len(survey), len(items)), dtype="float64")
    for j, item in enumerate(items):
        out[:, j] = _column(survey, f"{prefix}{item}")
    return out


def _row_mean(values: np.ndarray) -> np.ndarray:
    """Mean of each row over its non-missing entries; NaN for rows with none (no warning)."""
    answered = ~np.isnan(values)
    count = answered.sum(axis=1)
    total = np.where(answered, values, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _mean(values: np.ndarray) -> float:
    """Mean over non-missing entries, NaN when there are none (no warning)."""
    kept = values[~np.isnan(values)]
    return float(kept.mean()) if kept.size else math.nan


def _none(value: float) -> float | None:
    """NaN → None, numpy float → Python float."""
    return None if value is None or math.isnan(value) else float(value)


def _weight_rows(survey: pd.DataFrame) -> np.ndarray | None:
    """Return the (m, 5) weights of rows that have all five; None without weight columns."""
    columns = list(WEIGHT_COLUMNS.values())
    if not all(c in survey.columns for c in columns):
        return None
    values = np.column_stack([_column(survey, c) for c in columns])
    return values[~np.isnan(values).any(axis=1)]


# ---------------------------------------------------------------------- the analyses


def item_summary(survey: pd.DataFrame) -> pd.DataFrame:
    """Return expectation, perception and gap for each of the 22 items.

    Parameters
    ----------
    survey : DataFrame
        The case's survey (items ``E1``..``E22``, ``P1``..``P22``, nullable integers).
        Not modified.

    Returns
    -------
    DataFrame
        Indexed by item number 1..22 (``item``), columns ``dimension``, ``wording``,
        ``expectation`` and ``perception`` (means over respondents who answered the
        item), ``gap`` (mean of ``P - E`` over respondents who answered both),
        ``n_expectation``, ``n_perception``, ``n_pairs``. Means are NaN for an item
        nobody answered.

    Raises
    ------
    InputError
        If item columns are missing; the message lists them all.
    """
    _check(survey)
    rows = []
    # Respondents with at least one E/P pair per dimension, gathered in the same pass
    # (dimension_summary reports them) so a large survey is read only once.
    paired = {d: np.zeros(len(survey), dtype=bool) for d in DIMENSIONS}
    for item in range(1, 23):
        e = _column(survey, f"E{item}")
        p = _column(survey, f"P{item}")
        d = p - e
        paired[_ITEM_DIMENSION[item]] |= ~np.isnan(d)
        rows.append(
            {
                "item": item,
                "dimension": _ITEM_DIMENSION[item],
                "wording": ITEM_WORDING[item],
                "expectation": _mean(e),
                "perception": _mean(p),
                "gap": _mean(d),
                "n_expectation": int((~np.isnan(e)).sum()),
                "n_perception": int((~np.isnan(p)).sum()),
                "n_pairs": int((~np.isnan(d)).sum()),
            }
        )
    out = pd.DataFrame(rows).set_index("item")
    out.attrs["respondents"] = {d: int(mask.sum()) for d, mask in paired.items()}
    return out


def dimension_summary(survey: pd.DataFrame, items: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return expectation, perception, gap and SERVPERF for the five dimensions.

    Parameters
    ----------
    survey : DataFrame
        The case's survey; not modified.
    items : DataFrame, optional
        The result of :func:`item_summary`, if already computed (saves a pass).

    Returns
    -------
    DataFrame
        Indexed by dimension (the five, in order): ``expectation``, ``perception``,
        ``gap`` (each the mean of the dimension's item figures), ``servperf`` (=
        ``perception``), ``weight`` (mean 100-point weight / 100, NaN without
        weights), ``weighted_gap`` (``weight * gap``), ``items`` (number of items),
        ``respondents`` (respondents who answered at least one E/P pair of the
        dimension).
    """
    if items is None:
        items = item_summary(survey)
    w = weights(survey)
    means = items.groupby("dimension", sort=False)[["expectation", "perception", "gap"]].mean()
    out = means.reindex(list(DIMENSIONS))
    out["servperf"] = out["perception"]
    out["weight"] = [w[d] if w else math.nan for d in DIMENSIONS]
    out["weighted_gap"] = out["weight"] * out["gap"]
    out["items"] = [len(DIMENSION_ITEMS[d]) for d in DIMENSIONS]
    counts = items.attrs.get("respondents")
    if counts is None:  # an item summary built elsewhere: count again
        counts = {}
        for d, its in DIMENSION_ITEMS.items():
            pairs = _block(survey, "P", its) - _block(survey, "E", its)
            counts[d] = int((~np.isnan(pairs)).any(axis=1).sum())
    out["respondents"] = [counts[d] for d in DIMENSIONS]
    out.index.name = "dimension"
    return out


def weights(survey: pd.DataFrame) -> dict[str, float] | None:
    """Return the importance weights (mean 100-point allocation / 100) per dimension.

    Rows with any weight missing are left out. ``None`` when the survey has no weight
    columns, or no row has weights.
    """
    rows = _weight_rows(survey)
    if rows is None or len(rows) == 0:
        return None
    means = rows.mean(axis=0) / 100.0
    return {d: float(m) for d, m in zip(DIMENSIONS, means, strict=True)}


def respondent_gaps(survey: pd.DataFrame, kind: str = "gap") -> pd.DataFrame:
    """Return each respondent's dimension scores (mean over the items they answered).

    Parameters
    ----------
    survey : DataFrame
        The case's survey; not modified.
    kind : {"gap", "expectation", "perception"}
        ``gap``: mean of ``P_i - E_i`` over the pairs answered; otherwise the mean of
        the E (or P) items answered.

    Returns
    -------
    DataFrame
        Same index as *survey*, one float column per dimension, NaN where the
        respondent answered none of the dimension's items (or pairs).
    """
    _check(survey)
    if kind not in ("gap", "expectation", "perception"):
        raise ValueError(f"kind must be 'gap', 'expectation' or 'perception', not {kind!r}")
    columns = {}
    for d, its in DIMENSION_ITEMS.items():
        if kind == "gap":
            values = _block(survey, "P", its) - _block(survey, "E", its)
        else:
            values = _block(survey, "E" if kind == "expectation" else "P", its)
        columns[d] = _row_mean(values)
    return pd.DataFrame(columns, index=survey.index)


def scores(
    survey: pd.DataFrame,
    summary: pd.DataFrame | None = None,
    *,
    per_respondent: bool = True,
) -> dict[str, float | int | None]:
    """Return the overall SERVQUAL and SERVPERF scores.

    Parameters
    ----------
    survey : DataFrame
        The case's survey; not modified.
    summary : DataFrame, optional
        :func:`dimension_summary` of *survey*, if already computed.
    per_respondent : bool, default True
        Also compute the per-respondent weighted score (one more pass over the items;
        ``metrics.json`` does not need it).

    Returns
    -------
    dict
        ``overall_gap`` (mean of the five dimension gaps), ``weighted_gap``
        (Σ mean weight × dimension gap, as ``metrics.json``; None without weights),
        ``respondent_weighted_gap`` (the mean over respondents of Σ own weight × own
        dimension gap, over respondents with weights and a gap in all five dimensions;
        None without weights), ``respondent_weighted_n`` (those respondents),
        ``weighted_rows`` (rows with weights), ``servperf`` (mean of the five dimension
        perceptions), ``overall_expectation``.
    """
    if summary is None:
        summary = dimension_summary(survey)
    gaps = summary["gap"].to_numpy(dtype=float)
    overall = float(gaps.mean()) if not np.isnan(gaps).any() else math.nan
    w = weights(survey)
    weighted = float(np.sum(summary["weight"].to_numpy() * gaps)) if w else math.nan
    respondent_score, n_resp, rows = math.nan, 0, 0
    weight_rows = _weight_rows(survey)
    if w and weight_rows is not None:
        rows = len(weight_rows)
    if w and per_respondent:
        own_w = np.column_stack([_column(survey, c) for c in WEIGHT_COLUMNS.values()]) / 100.0
        own_g = respondent_gaps(survey).to_numpy()
        ok = ~(np.isnan(own_w).any(axis=1) | np.isnan(own_g).any(axis=1))
        n_resp = int(ok.sum())
        if n_resp:
            respondent_score = float((own_w[ok] * own_g[ok]).sum(axis=1).mean())
    perception = summary["perception"].to_numpy(dtype=float)
    expectation = summary["expectation"].to_numpy(dtype=float)
    return {
        "overall_gap": _none(overall),
        "weighted_gap": _none(weighted),
        "respondent_weighted_gap": _none(respondent_score),
        "respondent_weighted_n": n_resp,
        "weighted_rows": rows,
        "servperf": _none(float(perception.mean())),
        "overall_expectation": _none(float(expectation.mean())),
    }


def alpha_table(
    survey: pd.DataFrame, kinds: tuple[str, ...] = ("expectation", "perception", "gap")
) -> pd.DataFrame:
    """Return Cronbach's alpha per dimension for expectations, perceptions and gaps.

    Parameters
    ----------
    survey : DataFrame
        The case's survey; not modified.
    kinds : tuple of str
        Which of ``"expectation"``, ``"perception"``, ``"gap"`` to compute (all three
        by default; ``metrics.json`` needs only perception).

    Returns
    -------
    DataFrame
        Indexed by dimension: ``items``, ``alpha_expectation``, ``n_expectation``,
        ``alpha_perception``, ``n_perception``, ``alpha_gap``, ``n_gap``. Each alpha is
        over the respondents who answered all of the dimension's items (for gaps: all
        pairs), with ``ddof = 1``; NaN with fewer than two such respondents.
    """
    _check(survey)
    rows = []
    for d, its in DIMENSION_ITEMS.items():
        e = _block(survey, "E", its) if {"expectation", "gap"} & set(kinds) else None
        p = _block(survey, "P", its) if {"perception", "gap"} & set(kinds) else None
        row = {"dimension": d, "items": len(its)}
        for name in kinds:
            values = {"expectation": e, "perception": p}.get(name)
            a = cronbach_alpha(p - e if name == "gap" else values)
            row[f"alpha_{name}"] = math.nan if a.alpha is None else a.alpha
            row[f"n_{name}"] = a.n
        rows.append(row)
    return pd.DataFrame(rows).set_index("dimension")


def significance(survey: pd.DataFrame) -> pd.DataFrame:
    """Test perception against expectation per dimension (Wilcoxon signed-rank).

    Each respondent who answered at least one E/P pair of a dimension contributes one
    difference: the mean of ``P_i - E_i`` over the pairs they answered. Zero
    differences are dropped (Wilcoxon's convention); the effect size is the
    matched-pairs rank-biserial correlation (negative: perceptions mostly below
    expectations). See :mod:`carebook.reliability`.

    Returns
    -------
    DataFrame
        Indexed by dimension: ``respondents`` (with at least one pair),
        ``mean_difference``, ``median_difference``, ``zeros``, ``n`` (non-zero
        differences ranked), ``t_plus``, ``t_minus``, ``statistic``, ``z``, ``p_value``,
        ``rank_biserial``, ``significant`` (``p < 0.05``; NA when untestable).
    """
    gaps = respondent_gaps(survey)
    rows = []
    for d in DIMENSIONS:
        diffs = gaps[d].to_numpy()
        diffs = diffs[~np.isnan(diffs)]
        res = signed_rank(diffs)
        rows.append(
            {
                "dimension": d,
                "respondents": int(diffs.size),
                "mean_difference": float(diffs.mean()) if diffs.size else math.nan,
                "median_difference": float(np.median(diffs)) if diffs.size else math.nan,
                "zeros": res.zeros,
                "n": res.n,
                "t_plus": res.t_plus,
                "t_minus": res.t_minus,
                "statistic": res.statistic,
                "z": math.nan if res.z is None else res.z,
                "p_value": math.nan if res.p_value is None else res.p_value,
                "rank_biserial": math.nan if res.rank_biserial is None else res.rank_biserial,
                "significant": pd.NA
                if res.p_value is None
                else bool(res.p_value < SIGNIFICANCE_LEVEL),
            }
        )
    out = pd.DataFrame(rows).set_index("dimension")
    out["significant"] = out["significant"].astype("boolean")
    return out


# ---------------------------------------------------------------- display helpers


def dimension_table(summary: pd.DataFrame, tests: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the dimension summary with readable column names, for ``tables.show``.

    Columns: Expectation, Perception (= SERVPERF), Gap, Weight (only with weights),
    and with *tests*: p (Wilcoxon), r (rank-biserial), n (respondents with a pair).
    """
    out = pd.DataFrame(index=[label(d) for d in summary.index])
    out.index.name = "Dimension"
    out["Expectation"] = summary["expectation"].to_numpy()
    out["Perception"] = summary["perception"].to_numpy()
    out["Gap"] = summary["gap"].to_numpy()
    if summary["weight"].notna().any():
        out["Weight"] = summary["weight"].to_numpy()
    if tests is not None:
        t = tests.reindex(summary.index)
        out["p (Wilcoxon)"] = [_p_cell(p) for p in t["p_value"]]
        out["Effect size r"] = t["rank_biserial"].to_numpy()
        out["n"] = t["respondents"].to_numpy()
    return out


def item_table(items: pd.DataFrame) -> pd.DataFrame:
    """Return the item summary with readable labels (``Rel5 Keeps promises …``) for display."""
    out = pd.DataFrame(
        {
            "Item": [_item_label(i) for i in items.index],
            "Dimension": [label(d) for d in items["dimension"]],
            "Expectation": items["expectation"].to_numpy(),
            "Perception": items["perception"].to_numpy(),
            "Gap": items["gap"].to_numpy(),
            "n (pairs)": items["n_pairs"].to_numpy(),
        }
    )
    return out.set_index("Item")


def alpha_display(alphas: pd.DataFrame) -> pd.DataFrame:
    """Return Cronbach's alpha per dimension with readable column names."""
    out = pd.DataFrame(index=[label(d) for d in alphas.index])
    out.index.name = "Dimension"
    out["Items"] = alphas["items"].to_numpy()
    out["α expectation"] = alphas["alpha_expectation"].to_numpy()
    out["α perception"] = alphas["alpha_perception"].to_numpy()
    out["α gap"] = alphas["alpha_gap"].to_numpy()
    out["n (complete)"] = alphas["n_perception"].to_numpy()
    return out


def significance_display(tests: pd.DataFrame) -> pd.DataFrame:
    """Return the signed-rank results per dimension with readable column names."""
    out = pd.DataFrame(index=[label(d) for d in tests.index])
    out.index.name = "Dimension"
    out["Mean P − E"] = tests["mean_difference"].to_numpy()
    out["Median P − E"] = tests["median_difference"].to_numpy()
    out["n"] = tests["respondents"].to_numpy()
    out["Ties at zero"] = tests["zeros"].to_numpy()
    out["z"] = tests["z"].to_numpy()
    out["p"] = [_p_cell(p) for p in tests["p_value"]]
    out["Effect size r"] = tests["rank_biserial"].to_numpy()
    return out


def score_table(survey: pd.DataFrame, summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the overall scores side by side, saying how each is computed.

    Rows: unweighted SERVQUAL, weighted SERVQUAL as in metrics.json (mean weights ×
    dimension gaps), weighted SERVQUAL per respondent (averaged), SERVPERF. Weighted rows
    are present only with weights. Columns ``Score``, ``n``, ``How it is computed``.
    """
    if summary is None:
        summary = dimension_summary(survey)
    s = scores(survey, summary)
    respondents = int(len(survey))
    rows = [
        (
            "Unweighted SERVQUAL (P − E)",
            s["overall_gap"],
            respondents,
            "Mean of the five dimension gaps",
        ),
    ]
    if s["weighted_gap"] is not None:
        rows.append(
            (
                "Weighted SERVQUAL (P − E)",
                s["weighted_gap"],
                s["weighted_rows"],
                "Mean importance weights × dimension gaps (as in metrics.json)",
            )
        )
        rows.append(
            (
                "Weighted SERVQUAL per respondent",
                s["respondent_weighted_gap"],
                s["respondent_weighted_n"],
                "Each respondent's weights × own gaps, averaged over respondents",
            )
        )
    rows.append(
        (
            "SERVPERF (P only, 1–7)",
            s["servperf"],
            respondents,
            "Mean of the five dimension perceptions",
        )
    )
    out = pd.DataFrame(rows, columns=["Score", "Value", "n", "How it is computed"])
    out["Value"] = out["Value"].astype("float64")
    return out.set_index("Score")


def _p_cell(p: float) -> str:
    """Format a p-value for a table cell: ``< 0.001``, ``0.012`` or ``n/a``."""
    return format_p(p).removeprefix("p ").removeprefix("= ")


def _item_label(item: int) -> str:
    prefix = {
        "tangibles": "T",
        "reliability": "Rel",
        "responsiveness": "Resp",
        "assurance": "A",
        "empathy": "Emp",
    }[_ITEM_DIMENSION[item]]
    return f"{prefix}{item} {ITEM_WORDING[item]}"


# ------------------------------------------------------------------ sentence helpers


def gap_sentence(summary: pd.DataFrame, tests: pd.DataFrame | None = None) -> Text:
    """Say which dimension has the widest and the narrowest gap, with significance.

    Example: "Reliability has the widest gap, −1.05 points, significant at p < 0.001
    (Wilcoxon signed-rank, r = −0.62, n = 300). Tangibles has the narrowest, −0.35
    points. Perceptions fall short of expectations in all five dimensions."
    """
    gaps = summary["gap"].dropna()
    if gaps.empty:
        return Text(
            "No respondent answered both an expectation and a perception item, "
            "so no SERVQUAL gap can be computed."
        )
    widest, narrowest = gaps.idxmin(), gaps.idxmax()
    if gaps[widest] >= 0:
        # No shortfall anywhere: the smallest surplus is the one to watch.
        first = say(
            "No dimension falls short: the smallest gap is {name}'s, {gap:+.2f} points",
            name=label(widest),
            gap=float(gaps[widest]),
        )
    else:
        first = say(
            "{name} has the widest gap, {gap:+.2f} points",
            name=label(widest),
            gap=float(gaps[widest]),
        )
    parts = [first.markdown + _test_clause(tests, widest) + "."]
    if narrowest != widest:
        parts.append(
            say(
                "{name} has the narrowest, {gap:+.2f} points.",
                name=label(narrowest),
                gap=float(gaps[narrowest]),
            ).markdown
        )
    short = int((gaps < 0).sum())
    if short == len(gaps) == 5:
        parts.append("Perceptions fall short of expectations in all five dimensions.")
    elif short == 0:
        parts.append("Perceptions meet or exceed expectations in every dimension.")
    else:
        names = [label(d) for d in gaps.index if gaps[d] >= 0]
        parts.append(
            say(
                "Perceptions meet or exceed expectations only for {names}.", names=_join(names)
            ).markdown
        )
    return Text(" ".join(parts))


def _test_clause(tests: pd.DataFrame | None, dimension: str) -> str:
    if tests is None or dimension not in tests.index:
        return ""
    row = tests.loc[dimension]
    if pd.isna(row["p_value"]):
        return " (too few differing pairs to test)"
    verdict = "significant at" if row["p_value"] < SIGNIFICANCE_LEVEL else "not significant,"
    return say(
        ", " + verdict + " {p} (Wilcoxon signed-rank, r = {r:+.2f}, n = {n:,})",
        p=format_p(float(row["p_value"])),
        r=float(row["rank_biserial"]),
        n=int(row["respondents"]),
    ).markdown


def alpha_sentence(alphas: pd.DataFrame, column: str = "alpha_perception") -> Text:
    """Say how internally consistent the dimensions are (Nunnally's 0.70 rule of thumb)."""
    values = alphas[column].dropna()
    kind = column.removeprefix("alpha_")
    if values.empty:
        return say(
            "Cronbach's alpha could not be computed for the {kind} items: fewer than "
            "two respondents answered every item of any dimension.",
            kind=kind,
        )
    low = [label(d) for d in values.index if values[d] < 0.70]
    if values.min() == values.max():
        text = say(
            "Cronbach's alpha of the {kind} items is {a:.2f} for "
            + ("every dimension" if len(values) == len(alphas) else "each dimension with a value")
            + ".",
            kind=kind, a=float(values.min()),
        ).markdown
    else:
        text = say(
            "Cronbach's alpha of the {kind} items ranges from {lo:.2f} ({lo_name}) to {hi:.2f} "
            "({hi_name}).",
            kind=kind,
            lo=float(values.min()),
            lo_name=label(values.idxmin()),
            hi=float(values.max()),
            hi_name=label(values.idxmax()),
        ).markdown
    if values.min() == values.max() and values.min() >= 0.95:
        # Identical, near-perfect alphas mean the items repeat one another (or the sample
        # is tiny), not that the scale is excellent.
        text += (" Alphas this high usually mean the items repeat each other or the sample is "
                 "very small, so they say little about the scale.")
    elif low:
        text += say(
            " {names} fall{s} below the usual 0.70 threshold, so {them} should be "
            "read with caution.",
            names=_join(low),
            s="" if len(low) > 1 else "s",
            them="those scores" if len(low) > 1 else "that score",
        ).markdown
    else:
        text += " Every dimension reaches the usual 0.70 threshold for internal consistency."
    missing = [label(d) for d in alphas.index if d not in values.index]
    if missing:
        text += say(
            " No alpha could be computed for {names} (fewer than two complete respondents).",
            names=_join(missing),
        ).markdown
    return Text(text)


def weights_sentence(survey: pd.DataFrame, summary: pd.DataFrame | None = None) -> Text:
    """Say which weighted score is which, or plainly that no weights were supplied."""
    if summary is None:
        summary = dimension_summary(survey)
    s = scores(survey, summary)
    if s["weighted_gap"] is None:
        return Text(
            "The survey did not ask respondents to weight the five dimensions, so "
            "no weighted SERVQUAL score is reported; the unweighted score treats "
            "the dimensions as equally important."
        )
    top = summary["weight"].idxmax()
    return say(
        "Respondents gave {top} the most weight ({w:.0%} of their 100 points on average). "
        "Multiplying the mean weights by the dimension gaps gives a weighted SERVQUAL score "
        "of {wg:+.2f} (the figure in metrics.json); weighting each respondent's own gaps by "
        "their own weights and averaging gives {rg:+.2f} over {n:,} respondents. The two "
        "differ because respondents who stress a dimension may also judge it differently.",
        top=label(top),
        w=float(summary.loc[top, "weight"]),
        wg=s["weighted_gap"],
        rg=s["respondent_weighted_gap"] if s["respondent_weighted_gap"] is not None else math.nan,
        n=s["respondent_weighted_n"],
    )


def _join(names: list[str]) -> str:
    from carebook.narrative import join_words

    return join_words(names)
