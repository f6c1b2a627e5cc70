"""Headline satisfaction (CSAT, NPS, CES) and the ``survey`` block of metrics.json.

- **CSAT** (1-5): top-2-box = 100 × share of answered scores that are 4 or 5, with the
  mean beside it.
- **NPS** (0-10): % promoters (9-10) minus % detractors (0-6) of the answered scores;
  passives (7-8) count in the denominator (Reichheld, 2003).
- **CES** (1-7, CES 2.0 agreement "made it easy"): the mean, with the share at 5-7.

Every figure comes with the number of answers behind it; unanswered cells are left out
of both numerator and denominator. Breakdowns are by ``segment`` and by calendar month
of ``date`` when those optional columns exist; without them the helpers say so in a
plain sentence.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from carebook import servqual
from carebook.case.model import DIMENSIONS
from carebook.narrative import Text, join_words, not_supplied, say

__all__ = [
    "csat_summary",
    "nps_summary",
    "ces_summary",
    "headline",
    "by_segment",
    "by_month",
    "segment_table",
    "month_table",
    "survey_metrics",
    "headline_sentence",
    "segment_sentence",
    "month_sentence",
    "show_by_segment",
    "show_by_month",
    "NOT_STATED",
]

log = logging.getLogger(__name__)

#: Label of respondents whose segment cell is empty.
NOT_STATED = "Not stated"


def _values(values: pd.Series | np.ndarray | None) -> np.ndarray:
    """Answered values as float64 (missing dropped)."""
    if values is None:
        return np.empty(0)
    if isinstance(values, pd.Series):
        array = values.to_numpy(dtype="float64", na_value=np.nan)
    else:
        array = np.asarray(values, dtype="float64")
    return array[~np.isnan(array)]


def _pct(part: int | float, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def csat_summary(values: pd.Series | np.ndarray | None) -> dict[str, Any]:
    """Return ``n``, ``top2_pct`` (share of answers at 4-5, in %) and ``mean`` of CSAT scores.

    Unanswered entries are ignored; with no answers both figures are ``None``.
    """
    v = _values(values)
    n = int(v.size)
    return {
        "n": n,
        "top2_pct": _pct(int((v >= 4).sum()), n),
        "mean": float(v.mean()) if n else None,
    }


def nps_summary(values: pd.Series | np.ndarray | None) -> dict[str, Any]:
    """Return ``n``, ``promoters_pct``, ``passives_pct``, ``detractors_pct`` and ``nps``.

    ``nps`` = % promoters (9-10) − % detractors (0-6) of the answered scores.
    """
    v = _values(values)
    n = int(v.size)
    promoters, detractors = int((v >= 9).sum()), int((v <= 6).sum())
    passives = n - promoters - detractors
    return {
        "n": n,
        "promoters_pct": _pct(promoters, n),
        "passives_pct": _pct(passives, n),
        "detractors_pct": _pct(detractors, n),
        "nps": _pct(promoters - detractors, n),
    }


def ces_summary(values: pd.Series | np.ndarray | None) -> dict[str, Any]:
    """Return ``n``, ``mean`` and ``easy_pct`` (share at 5-7, in %) of CES scores."""
    v = _values(values)
    n = int(v.size)
    return {
        "n": n,
        "mean": float(v.mean()) if n else None,
        "easy_pct": _pct(int((v >= 5).sum()), n),
    }


def headline(survey: pd.DataFrame) -> pd.DataFrame | None:
    """Return the headline satisfaction figures with the answers behind each.

    Returns
    -------
    DataFrame or None
        Indexed by ``Measure``, columns ``Value`` and ``n`` (answers). Rows only for the
        optional columns the survey has (``csat``, ``nps``, ``ces``); ``None`` when it has
        none of them (:func:`headline_sentence` then says so, and ``tables.show``
        shows nothing).
    """
    rows: list[tuple[str, float | None, int]] = []
    if "csat" in survey.columns:
        c = csat_summary(survey["csat"])
        rows += [
            ("CSAT top-2-box (% scoring 4–5)", c["top2_pct"], c["n"]),
            ("CSAT mean (1–5)", c["mean"], c["n"]),
        ]
    if "nps" in survey.columns:
        s = nps_summary(survey["nps"])
        rows += [
            ("NPS (% promoters − % detractors)", s["nps"], s["n"]),
            ("Promoters, 9–10 (%)", s["promoters_pct"], s["n"]),
            ("Passives, 7–8 (%)", s["passives_pct"], s["n"]),
            ("Detractors, 0–6 (%)", s["detractors_pct"], s["n"]),
        ]
    if "ces" in survey.columns:
        e = ces_summary(survey["ces"])
        rows += [
            ("CES mean (1–7, higher = easier)", e["mean"], e["n"]),
            ("CES share finding it easy, 5–7 (%)", e["easy_pct"], e["n"]),
        ]
    if not rows:
        return None
    out = pd.DataFrame(rows, columns=["Measure", "Value", "n"])
    out["Value"] = out["Value"].astype("float64")
    out["n"] = out["n"].astype("int64")
    return out.set_index("Measure")


def _grouped(survey: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    """CSAT/NPS/CES figures per value of *key* (aligned with *survey*), vectorised."""
    frame = pd.DataFrame({"key": key.to_numpy()}, index=survey.index)
    aggregations: dict[str, tuple[str, str]] = {"respondents": ("key", "size")}
    if "csat" in survey.columns:
        v = survey["csat"].to_numpy(dtype="float64", na_value=np.nan)
        frame["csat"] = v
        frame["csat_top2"] = np.where(np.isnan(v), np.nan, (v >= 4) * 100.0)
        aggregations |= {
            "csat_n": ("csat", "count"),
            "csat_top2_pct": ("csat_top2", "mean"),
            "csat_mean": ("csat", "mean"),
        }
    if "nps" in survey.columns:
        v = survey["nps"].to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(v)
        frame["promoter"] = np.where(missing, np.nan, (v >= 9) * 100.0)
        frame["passive"] = np.where(missing, np.nan, ((v >= 7) & (v <= 8)) * 100.0)
        frame["detractor"] = np.where(missing, np.nan, (v <= 6) * 100.0)
        frame["nps_score"] = frame["promoter"] - frame["detractor"]
        aggregations |= {
            "nps_n": ("nps_score", "count"),
            "nps": ("nps_score", "mean"),
            "promoters_pct": ("promoter", "mean"),
            "passives_pct": ("passive", "mean"),
            "detractors_pct": ("detractor", "mean"),
        }
    if "ces" in survey.columns:
        frame["ces"] = survey["ces"].to_numpy(dtype="float64", na_value=np.nan)
        aggregations |= {"ces_n": ("ces", "count"), "ces_mean": ("ces", "mean")}
    out = frame.groupby("key", sort=True, dropna=False).agg(**aggregations)
    for column in out.columns:
        if column == "respondents" or column.endswith("_n"):
            out[column] = out[column].astype("int64")
    return out


def by_segment(survey: pd.DataFrame) -> pd.DataFrame | None:
    """Return CSAT, NPS and CES per segment with the answers behind each, or ``None``.

    Returns
    -------
    DataFrame or None
        Indexed by ``segment`` (empty cells as ``"Not stated"``, listed last): columns
        ``respondents`` and, for each optional score the survey has, ``csat_n``,
        ``csat_top2_pct``, ``csat_mean``; ``nps_n``, ``nps``, ``promoters_pct``,
        ``passives_pct``, ``detractors_pct``; ``ces_n``, ``ces_mean``. ``None`` when the
        survey has no ``segment`` column. A figure with no answers is NaN.
    """
    if "segment" not in survey.columns:
        return None
    key = survey["segment"].astype("object").where(survey["segment"].notna(), NOT_STATED)
    out = _grouped(survey, key)
    order = sorted(k for k in out.index if k != NOT_STATED) + [
        k for k in out.index if k == NOT_STATED
    ]
    out = out.reindex(order)
    out.index.name = "segment"
    return out


def by_month(survey: pd.DataFrame) -> pd.DataFrame | None:
    """Return CSAT, NPS and CES per calendar month of ``date``, or ``None`` without dates.

    Respondents without a date are left out (their number is in ``attrs["undated"]``).
    Indexed by ``month`` (``"2014-03"``), same columns as :func:`by_segment`.
    """
    if "date" not in survey.columns:
        return None
    dates = survey["date"]
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    dated = dates.notna().to_numpy()
    if not dated.any():
        return None
    kept = survey.loc[dated]
    kept_dates = dates[dated]
    # Month numbers, named once per distinct month: strftime on every row is slow.
    code = (kept_dates.dt.year * 12 + kept_dates.dt.month - 1).to_numpy()
    names = {int(u): f"{int(u) // 12:04d}-{int(u) % 12 + 1:02d}" for u in np.unique(code)}
    months = pd.Series(code, index=kept.index).map(names)
    out = _grouped(kept, months)
    out.index.name = "month"
    out.attrs["undated"] = int((~dated).sum())
    return out


_DISPLAY = {
    "respondents": "Respondents",
    "csat_top2_pct": "CSAT top-2 (%)",
    "csat_mean": "CSAT mean",
    "csat_n": "n CSAT",
    "nps": "NPS",
    "promoters_pct": "Promoters (%)",
    "passives_pct": "Passives (%)",
    "detractors_pct": "Detractors (%)",
    "nps_n": "n NPS",
    "ces_mean": "CES mean",
    "ces_n": "n CES",
}


def _display(frame: pd.DataFrame, index_name: str) -> pd.DataFrame:
    columns = [c for c in _DISPLAY if c in frame.columns]
    out = frame[columns].rename(columns=_DISPLAY)
    out.index = out.index.astype(str)
    out.index.name = index_name
    return out


def segment_table(segments: pd.DataFrame) -> pd.DataFrame:
    """Return :func:`by_segment` with readable column names, for ``tables.show``."""
    return _display(segments, "Segment")


def month_table(months: pd.DataFrame) -> pd.DataFrame:
    """Return :func:`by_month` with readable column names, for ``tables.show``."""
    return _display(months, "Month")


def survey_metrics(survey: pd.DataFrame) -> dict[str, Any]:
    """Return the ``survey`` block of metrics.json, exactly as interface.md defines it.

    Returns
    -------
    dict
        ``respondents``; ``servqual`` with ``expectation``, ``perception``, ``gap`` (each
        a dict over the five dimensions in order), ``overall_gap``, ``weights`` (dict or
        None), ``weighted_gap`` (or None), ``alpha_perception`` (dict; None for a
        dimension with fewer than two complete respondents or no variance);
        ``csat_top2_pct``, ``nps``, ``ces_mean`` (None when the column is absent or has
        no answers). Plain Python numbers, never NaN.
    """
    summary = servqual.dimension_summary(survey)
    overall = servqual.scores(survey, summary, per_respondent=False)
    alphas = servqual.alpha_table(survey, kinds=("perception",))

    def per_dimension(column: pd.Series) -> dict[str, float | None]:
        return {d: _plain(column[d]) for d in DIMENSIONS}

    return {
        "respondents": int(len(survey)),
        "servqual": {
            "expectation": per_dimension(summary["expectation"]),
            "perception": per_dimension(summary["perception"]),
            "gap": per_dimension(summary["gap"]),
            "overall_gap": overall["overall_gap"],
            "weights": servqual.weights(survey),
            "weighted_gap": overall["weighted_gap"],
            "alpha_perception": per_dimension(alphas["alpha_perception"]),
        },
        "csat_top2_pct": csat_summary(survey["csat"])["top2_pct"]
        if "csat" in survey.columns
        else None,
        "nps": nps_summary(survey["nps"])["nps"] if "nps" in survey.columns else None,
        "ces_mean": ces_summary(survey["ces"])["mean"] if "ces" in survey.columns else None,
    }


def _plain(value: object) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


# ------------------------------------------------------------------- sentences


def headline_sentence(survey: pd.DataFrame) -> Text:
    """Summarise CSAT, NPS and CES in one or two sentences, with the answers behind each."""
    parts = []
    if "csat" in survey.columns:
        c = csat_summary(survey["csat"])
        if c["n"]:
            parts.append(
                say(
                    "{top2:.1f}% of {n:,} respondents rated their overall satisfaction "
                    "4 or 5 out of 5 (mean {mean:.2f})",
                    top2=c["top2_pct"],
                    n=c["n"],
                    mean=c["mean"],
                ).markdown
            )
    if "nps" in survey.columns:
        s = nps_summary(survey["nps"])
        if s["n"]:
            parts.append(
                say(
                    "the Net Promoter Score is {nps:+.1f} ({p:.1f}% promoters, "
                    "{d:.1f}% detractors, n = {n:,})",
                    nps=s["nps"],
                    p=s["promoters_pct"],
                    d=s["detractors_pct"],
                    n=s["n"],
                ).markdown
            )
    if "ces" in survey.columns:
        e = ces_summary(survey["ces"])
        if e["n"]:
            parts.append(
                say(
                    "customers rate the effort of dealing with the organisation "
                    "{mean:.2f} out of 7, where 7 is easiest (n = {n:,})",
                    mean=e["mean"],
                    n=e["n"],
                ).markdown
            )
    if not parts:
        return not_supplied(
            "headline satisfaction question (CSAT, NPS or CES)",
            "so only the SERVQUAL scores describe satisfaction",
        )
    text = join_words(parts, "and")
    missing = [m for m in ("csat", "nps", "ces") if m not in survey.columns]
    sentence = text[0].upper() + text[1:] + "."
    if missing:
        sentence += (
            " "
            + say(
                "The survey did not include {what}.",
                what=join_words([m.upper() for m in missing], "or"),
            ).markdown
        )
    return Text(sentence)


def segment_sentence(segments: pd.DataFrame | None) -> Text:
    """Say which segment is most and least satisfied (by NPS, else CSAT top-2, else CES)."""
    if segments is None:
        return not_supplied("customer segment", "so satisfaction is not broken down by segment")
    measures = (
        ("nps", "nps_n", "NPS", "+.1f", ""),
        ("csat_top2_pct", "csat_n", "CSAT top-2-box", ".1f", "%"),
        ("ces_mean", "ces_n", "CES", ".2f", ""),
    )
    for column, n_column, what, spec, unit in measures:
        if column not in segments.columns or not segments[column].notna().any():
            continue
        values = segments[column].dropna()
        hi, lo = values.idxmax(), values.idxmin()
        if hi == lo:
            return say(
                "Only one segment, {seg}, has "
                + what
                + " answers: {v:"
                + spec
                + "}"
                + unit
                + " (n = {n:,}).",
                seg=str(hi),
                v=float(values[hi]),
                n=int(segments.loc[hi, n_column]),
            )
        return say(
            "By "
            + what
            + ", {hi} customers are the most satisfied ({vh:"
            + spec
            + "}"
            + unit
            + ", n = {nh:,}) and {lo} customers the least ({vl:"
            + spec
            + "}"
            + unit
            + ", n = {nl:,}).",
            hi=str(hi),
            lo=str(lo),
            vh=float(values[hi]),
            vl=float(values[lo]),
            nh=int(segments.loc[hi, n_column]),
            nl=int(segments.loc[lo, n_column]),
        )
    return Text("The survey has segments but no CSAT, NPS or CES answers to compare them by.")


def month_sentence(months: pd.DataFrame | None) -> Text:
    """Say how CSAT top-2-box (else NPS) moved from the first to the last month."""
    if months is None:
        return not_supplied("survey date", "so satisfaction is not shown month by month")
    for column, what, spec in (
        ("csat_top2_pct", "CSAT top-2-box (%)", ".1f"),
        ("nps", "NPS", "+.1f"),
    ):
        if column not in months.columns or not months[column].notna().any():
            continue
        values = months[column].dropna()
        first, last = values.index[0], values.index[-1]
        if first == last:
            text = say(
                "All dated answers fall in one month, {m} (" + what + " {v:" + spec + "}), "
                "so there is no trend to follow.",
                m=str(first),
                v=float(values[first]),
            ).markdown
        else:
            text = say(
                what + " moved from {a:" + spec + "} in {m1} to {b:" + spec + "} in {m2} "
                "({d:+.1f} points, {k} months with answers).",
                a=float(values[first]),
                m1=str(first),
                b=float(values[last]),
                m2=str(last),
                d=float(values[last] - values[first]),
                k=len(values),
            ).markdown
        undated = months.attrs.get("undated", 0)
        if undated:
            text += (
                " "
                + say(
                    "{n:,} " + ("respondent" if undated == 1 else "respondents")
                    + " without a date " + ("is" if undated == 1 else "are")
                    + " left out of the monthly figures.",
                    n=undated,
                ).markdown
            )
        return Text(text)
    return Text("The survey has dates but no CSAT or NPS answers to follow over time.")


# ------------------------------------------------- table or plain sentence, for notebooks


def show_by_segment(survey: pd.DataFrame, caption: str, **show_options: Any):
    """Return the by-segment table via ``tables.show``; ``None`` without segments.

    Without a ``segment`` column nothing is shown: :func:`segment_sentence`, which the
    report gives just before, already says so.
    """
    from carebook import tables

    segments = by_segment(survey)
    if segments is None:
        return None
    show_options.setdefault("decimals", 1)
    return tables.show(segment_table(segments), caption, **show_options)


def show_by_month(survey: pd.DataFrame, caption: str, **show_options: Any):
    """Return the by-month table via ``tables.show``; ``None`` without dates.

    :func:`month_sentence` says that the survey has no dates.
    """
    from carebook import tables

    months = by_month(survey)
    if months is None:
        return None
    show_options.setdefault("decimals", 1)
    return tables.show(month_table(months), caption, **show_options)
