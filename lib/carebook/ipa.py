"""Importance-performance analysis of the five SERVQUAL dimensions (Martilla and James, 1977).

Each dimension is placed by its **importance** and its **performance**:

- importance = the mean 100-point weight respondents gave the dimension (in points out
  of 100) when the survey has weights, otherwise its mean expectation (1-7): what
  customers expect most is taken as what matters most;
- performance = its mean perception (1-7), the SERVPERF score.

The crosshairs that divide the grid are the **grand means** of the five importances and
of the five performances (not the scale midpoints, which would put every dimension of a
typical survey in the same quadrant). A dimension exactly on a crosshair counts as high
on that axis. The quadrants carry Martilla and James's names:

=====================  ====================  =========================
quadrant               importance            performance
=====================  ====================  =========================
Concentrate here       high                  low
Keep up the good work  high                  high
Low priority           low                   low
Possible overkill      low                   high
=====================  ====================  =========================
"""

from __future__ import annotations

import logging

import pandas as pd

from carebook import servqual
from carebook.case.model import DIMENSIONS
from carebook.narrative import Text, join_words, say

__all__ = [
    "QUADRANTS",
    "ipa_table",
    "importance_basis",
    "ipa_display",
    "ipa_sentence",
    "ipa_caption",
]

log = logging.getLogger(__name__)

#: Quadrant names in Martilla and James's numbering (I to IV).
QUADRANTS = ("Concentrate here", "Keep up the good work", "Low priority", "Possible overkill")


def importance_basis(survey: pd.DataFrame) -> str:
    """Return ``"weights"`` when the survey has usable weights, else ``"mean expectation"``."""
    return "weights" if servqual.weights(survey) else "mean expectation"


def ipa_table(survey: pd.DataFrame, summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return importance, performance and quadrant for each SERVQUAL dimension.

    Parameters
    ----------
    survey : DataFrame
        The case's survey; not modified.
    summary : DataFrame, optional
        :func:`carebook.servqual.dimension_summary` of *survey*, if already computed.

    Returns
    -------
    DataFrame
        Indexed by dimension (the five, in order): ``importance`` (mean weight in points
        out of 100, or mean expectation 1-7), ``performance`` (mean perception),
        ``gap`` (SERVQUAL gap), ``quadrant`` (one of :data:`QUADRANTS`),
        ``importance_basis`` (``"weights"`` or ``"mean expectation"``, the same on every
        row). The crosshairs, at the grand means of importance and performance, are in
        ``attrs["importance_mean"]`` and ``attrs["performance_mean"]``, the basis also
        in ``attrs["importance_basis"]``.
    """
    if summary is None:
        summary = servqual.dimension_summary(survey)
    basis = "weights" if summary["weight"].notna().all() else "mean expectation"
    importance = summary["weight"] * 100.0 if basis == "weights" else summary["expectation"]
    out = pd.DataFrame(
        {
            "importance": importance.astype("float64"),
            "performance": summary["perception"].astype("float64"),
            "gap": summary["gap"].astype("float64"),
        },
        index=pd.Index(list(DIMENSIONS), name="dimension"),
    )
    imp_mean, perf_mean = float(out["importance"].mean()), float(out["performance"].mean())
    high_imp = out["importance"] >= imp_mean
    high_perf = out["performance"] >= perf_mean
    quadrant = pd.Series(QUADRANTS[2], index=out.index, dtype=object)
    quadrant[high_imp & ~high_perf] = QUADRANTS[0]
    quadrant[high_imp & high_perf] = QUADRANTS[1]
    quadrant[~high_imp & high_perf] = QUADRANTS[3]
    # A dimension without figures (nobody answered it) has no place on the grid.
    quadrant[out["importance"].isna() | out["performance"].isna()] = None
    out["quadrant"] = quadrant
    out["importance_basis"] = basis
    out.attrs.update(importance_mean=imp_mean, performance_mean=perf_mean, importance_basis=basis)
    return out


def ipa_display(table: pd.DataFrame) -> pd.DataFrame:
    """Return :func:`ipa_table` with readable labels, for ``tables.show``."""
    basis = table.attrs.get("importance_basis", table["importance_basis"].iloc[0])
    importance = "Importance (weight, points)" if basis == "weights" else "Importance (mean E)"
    out = pd.DataFrame(
        {
            importance: table["importance"].to_numpy(),
            "Performance (mean P)": table["performance"].to_numpy(),
            "Gap": table["gap"].to_numpy(),
            "Quadrant": table["quadrant"].to_numpy(dtype=object),
        },
        index=pd.Index([servqual.label(d) for d in table.index], name="Dimension"),
    )
    return out


def ipa_caption(table: pd.DataFrame) -> str:
    """Return a caption that says what importance is and where the crosshairs are (plain text)."""
    basis = table.attrs.get("importance_basis", table["importance_basis"].iloc[0])
    what = (
        "mean 100-point weight"
        if basis == "weights"
        else "mean expectation (no importance weights were collected)"
    )
    return (
        f"Importance-performance grid of the five SERVQUAL dimensions: importance = {what}, "
        "performance = mean perception; crosshairs at the grand means"
    )


def ipa_sentence(table: pd.DataFrame) -> Text:
    """Say which dimensions to concentrate on and which to keep up, from the grid."""
    by = {q: [servqual.label(d) for d in table.index[table["quadrant"] == q]] for q in QUADRANTS}
    basis = table.attrs.get("importance_basis", table["importance_basis"].iloc[0])
    basis_text = (
        "the weights respondents gave each dimension"
        if basis == "weights"
        else "mean expectation, since the survey collected no importance weights"
    )
    parts = [
        say(
            "Importance is measured by {basis}; the crosshairs sit at the average "
            "importance ({i:.2f}) and the average performance ({p:.2f}).",
            basis=basis_text,
            i=table.attrs.get("importance_mean", float(table["importance"].mean())),
            p=table.attrs.get("performance_mean", float(table["performance"].mean())),
        ).markdown
    ]
    if by[QUADRANTS[0]]:
        parts.append(
            say(
                "{names} {verb} important to customers but performing below average: "
                "concentrate improvement here.",
                names=join_words(by[QUADRANTS[0]]),
                verb="are" if len(by[QUADRANTS[0]]) > 1 else "is",
            ).markdown
        )
    else:
        parts.append(
            "No dimension is both above-average in importance and below-average in "
            "performance, so there is no urgent priority on this grid."
        )
    if by[QUADRANTS[1]]:
        parts.append(
            say("Keep up the good work on {names}.", names=join_words(by[QUADRANTS[1]])).markdown
        )
    if by[QUADRANTS[3]]:
        parts.append(
            say(
                "{names} may be getting more effort than {their} importance warrants "
                "(possible overkill).",
                names=join_words(by[QUADRANTS[3]]),
                their="their" if len(by[QUADRANTS[3]]) > 1 else "its",
            ).markdown
        )
    if by[QUADRANTS[2]]:
        parts.append(
            say(
                "{names} {verb} low priority: below average on both axes.",
                names=join_words(by[QUADRANTS[2]]),
                verb="are" if len(by[QUADRANTS[2]]) > 1 else "is",
            ).markdown
        )
    return Text(" ".join(parts))
