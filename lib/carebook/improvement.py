"""The improvement plan of report section 5: priorities derived only from the evidence.

Three kinds of evidence qualify an area for the plan:

1. **Importance-performance analysis**: a SERVQUAL dimension in the "Concentrate here"
   quadrant (important to customers, performing below the crosshair).
2. **Service commitments**: a channel whose commitment was missed
   (``meets_standard`` is False).
3. **Comment themes**: a theme whose comments are negative on balance (mean VADER
   compound ≤ −0.05, VADER's own threshold for "negative").

Ordering rule (deterministic)
-----------------------------
Within each kind, candidates are ranked by severity: dimensions by gap (most negative
first), commitments by shortfall (target % − within-target %, largest first), themes by
mean compound (most negative first, then share of negative comments); ties are broken by
name. The plan then takes the first of each kind in the order IPA, commitments, themes,
then the second of each kind, and so on (a round robin), so that one kind of evidence
cannot crowd out the others; it stops at ``max_priorities``.

Suggested actions come from :data:`ACTIONS`, a small table a tutor can edit (or replace
with the ``actions`` argument): per SERVQUAL dimension, per contact channel and per
codebook theme; a theme without its own action borrows its dimension's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pandas as pd

from carebook.narrative import Text, join_words, percent, say, signed

__all__ = ["ACTIONS", "COLUMNS", "NEGATIVE_COMPOUND", "improvement_plan", "plan_summary", "show"]

log = logging.getLogger(__name__)

#: VADER's threshold: a mean compound at or below it counts as negative.
NEGATIVE_COMPOUND = -0.05
#: Columns of the plan, in order.
COLUMNS = ["Area", "Evidence", "Suggested action", "Source"]
_QUADRANT = "concentrate here"

#: Suggested actions, editable: ``dimension``, ``channel`` and ``theme`` keys, each with a
#: ``default`` used when nothing more specific is listed.
ACTIONS: dict[str, dict[str, str]] = {
    "dimension": {
        "tangibles": "Refresh the premises, equipment and printed or online material customers "
        "see, and keep them clean and up to date with a simple checklist.",
        "reliability": "Find the root causes of the errors and failures customers report and "
        "fix them at source; publish and keep a right-first-time standard.",
        "responsiveness": "Staff the channels to forecast demand at peak hours and give "
        "customers a time by which they will hear back.",
        "assurance": "Train staff in product knowledge and courtesy, with a quality check on "
        "a sample of contacts each month.",
        "empathy": "Give advisers room to treat customers as individuals (case ownership, "
        "call-backs, hours that suit the customer).",
        "default": "Agree an owner and a measurable target for this area and review it monthly.",
    },
    "channel": {
        "hotline": "Add agents or call-back slots at peak times and route repeat callers to "
        "senior advisers so cases close within the target.",
        "phone": "Add agents or call-back slots at peak times and route repeat callers to "
        "senior advisers so cases close within the target.",
        "email": "Acknowledge every e-mail automatically with a reference and the promised "
        "reply time; clear the oldest cases first.",
        "online": "Publish answers to the commonest questions and hand unresolved online "
        "queries to a named team with the same time target.",
        "store": "Use a queue ticket system and a floor walker at busy times so customers "
        "are greeted and served within the standard.",
        "default": "Track this channel daily against its target, find where cases wait, and "
        "add capacity or simplify the process there.",
    },
    "theme": {
        "billing": "Audit billing rules behind the complaints and refund errors promptly and "
        "proactively.",
        "data_package": "Explain plan allowances clearly at sale and alert customers before "
        "they exceed them.",
        "network": "Target network investment at the areas named in complaints and tell "
        "affected customers when the fix is due.",
        "waiting": "Promise a response time at first contact and keep it; call customers back "
        "rather than leaving them on hold.",
        "staff_attitude": "Coach staff on tone and patience using real calls, and recognise "
        "advisers whom customers praise.",
        "staff_knowledge": "Give front-line staff a searchable knowledge base and escalation "
        "routes for questions they cannot answer.",
        "privacy": "Stop unsolicited marketing to customers who have not opted in and make "
        "opting out a one-step action.",
    },
}

_SOURCES = {
    "ipa": "Importance-performance analysis (survey)",
    "commitment": "Service commitments (contacts)",
    "theme": "Comment themes (comments)",
}


def _action(
    actions: Mapping[str, Mapping[str, str]], kind: str, key: object, dimension: object = None
) -> str:
    table = actions.get(kind, {})
    key_text = str(key).strip().casefold() if key is not None else ""
    if key_text in table:
        return table[key_text]
    if kind == "theme" and dimension is not None and not pd.isna(dimension):
        dims = actions.get("dimension", {})
        if str(dimension).casefold() in dims:
            return dims[str(dimension).casefold()]
    fallback = table.get("default") or actions.get("dimension", {}).get("default")
    return fallback or "Agree an owner and a measurable target for this area."


def _num(value: object) -> str:
    return f"{float(value):.2f}".replace("-", "\u2212")


def _title(name: object) -> str:
    text = str(name).replace("_", " ")
    return text[:1].upper() + text[1:]


def _ipa_candidates(ipa: pd.DataFrame | None, actions) -> list[dict]:
    if ipa is None or ipa.empty or "quadrant" not in ipa:
        return []
    frame = ipa.set_index("dimension") if "dimension" in ipa.columns else ipa
    chosen = frame[frame["quadrant"].astype(str).str.strip().str.casefold() == _QUADRANT]
    mean_imp = float(frame["importance"].mean())
    mean_perf = float(frame["performance"].mean())
    out = []
    for name, row in chosen.iterrows():
        evidence = (
            f"Importance {_num(row['importance'])} (mean {_num(mean_imp)}) with performance "
            f"{_num(row['performance'])} (mean {_num(mean_perf)}) puts it in 'Concentrate "
            f"here'; its gap is {signed(float(row['gap']))}."
        )
        out.append(
            {
                "Area": _title(name),
                "Evidence": evidence,
                "Suggested action": _action(actions, "dimension", name),
                "Source": _SOURCES["ipa"],
                "_severity": float(row["gap"]),
                "_name": str(name),
            }
        )
    out.sort(key=lambda c: (c["_severity"], c["_name"]))
    return out


def _commitment_candidates(commitments: pd.DataFrame | None, actions) -> list[dict]:
    if commitments is None or commitments.empty or "meets_standard" not in commitments:
        return []
    frame = commitments.reset_index()
    out = []
    for _, row in frame.iterrows():
        if (
            row["meets_standard"] is pd.NA
            or pd.isna(row["meets_standard"])
            or bool(row["meets_standard"])
        ):
            continue
        verb = "answered" if str(row.get("measure", "")) == "response" else "resolved"
        within, target = float(row["within_target_pct"]), float(row["target_pct"])
        label = row.get("label", row.get("channel", ""))
        hours = float(row["target_hours"])
        # The Area column names the commitment, so the evidence need not repeat it.
        text = (
            f"{percent(within)} of its contacts were {verb} within "
            f"{float(row['target_hours']):g} hours against a target of {target:g}%"
        )
        details = []
        if "median_hours" in row and not pd.isna(row["median_hours"]):
            details.append(f"median {float(row['median_hours']):,.1f} h")
        if "p90_hours" in row and not pd.isna(row["p90_hours"]):
            details.append(f"90th percentile {float(row['p90_hours']):,.1f} h")
        if "open" in row and not pd.isna(row["open"]) and int(row["open"]) > 0:
            details.append(f"{int(row['open']):,} still open")
        evidence = text + (" (" + ", ".join(details) + ")" if details else "") + "."
        out.append(
            {
                "Area": f"{label}: {row.get('measure', '')} within {hours:g} h",
                "Evidence": evidence,
                "Suggested action": _action(actions, "channel", row.get("channel")),
                "Source": _SOURCES["commitment"],
                "_severity": within - target,
                "_name": str(row.get("channel", "")),
            }
        )
    out.sort(key=lambda c: (c["_severity"], c["_name"]))
    return out


def _theme_candidates(themes: pd.DataFrame | None, actions) -> list[dict]:
    if themes is None or themes.empty or "mean_compound" not in themes:
        return []
    frame = themes.copy()
    keys = frame["theme"] if "theme" in frame.columns else pd.Series(frame.index, index=frame.index)
    out = []
    for key, (_, row) in zip(keys, frame.iterrows(), strict=True):
        compound = row["mean_compound"]
        comments = row.get("comments", 0)
        if (
            pd.isna(compound)
            or compound > NEGATIVE_COMPOUND
            or pd.isna(comments)
            or int(comments) == 0
        ):
            continue
        negative = row.get("negative_pct")
        evidence = (
            f"{int(comments):,} comment{'s' if int(comments) != 1 else ''} with a mean "
            f"sentiment (VADER compound) of {signed(float(compound))}"
        )
        if negative is not None and not pd.isna(negative):
            evidence += f", {float(negative):.0f}% of them negative"
        dimension = row.get("dimension")
        if dimension is not None and not pd.isna(dimension):
            evidence += f" (SERVQUAL dimension: {dimension})"
        out.append(
            {
                "Area": str(row.get("label", key)),
                "Evidence": evidence + ".",
                "Suggested action": _action(actions, "theme", key, dimension),
                "Source": _SOURCES["theme"],
                "_severity": float(compound),
                "_tiebreak": -float(negative)
                if negative is not None and not pd.isna(negative)
                else 0.0,
                "_name": str(key),
            }
        )
    out.sort(key=lambda c: (c["_severity"], c["_tiebreak"], c["_name"]))
    return out


def improvement_plan(
    ipa: pd.DataFrame | None,
    commitments: pd.DataFrame | None,
    themes: pd.DataFrame | None,
    *,
    max_priorities: int = 6,
    actions: Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """Derive the improvement priorities from the evidence.

    Parameters
    ----------
    ipa : DataFrame or None
        One row per SERVQUAL dimension (index, or a ``dimension`` column) with
        ``importance``, ``performance``, ``gap`` and ``quadrant``.
    commitments : DataFrame or None
        One row per commitment: ``channel``, ``label``, ``measure``, ``target_hours``,
        ``target_pct``, ``within_target_pct``, ``median_hours``, ``p90_hours``, ``open``,
        ``meets_standard``.
    themes : DataFrame or None
        One row per comment theme (index = theme key, or a ``theme`` column): ``label``,
        ``dimension``, ``comments``, ``mean_compound``, ``negative_pct``. ``None`` when
        the case has no comments.
    max_priorities : int, default 6
        The most priorities to list.
    actions : mapping, optional
        Replaces :data:`ACTIONS`.

    Returns
    -------
    DataFrame
        Indexed by ``Priority`` (1, 2, …) with columns ``Area``, ``Evidence`` (a plain-text
        sentence with the figures), ``Suggested action`` and ``Source``. Empty
        (same columns) when nothing qualifies; :func:`plan_summary` then says so. The
        ordering rule is in the module docstring. Inputs are not modified.
    """
    actions = ACTIONS if actions is None else actions
    queues = [
        _ipa_candidates(ipa, actions),
        _commitment_candidates(commitments, actions),
        _theme_candidates(themes, actions),
    ]
    chosen: list[dict] = []
    depth = max((len(q) for q in queues), default=0)
    for rank in range(depth):
        for queue in queues:
            if rank < len(queue) and len(chosen) < max_priorities:
                chosen.append(queue[rank])
    plan = pd.DataFrame([{k: c[k] for k in COLUMNS} for c in chosen], columns=COLUMNS)
    plan.index = pd.RangeIndex(1, len(plan) + 1, name="Priority")
    log.debug("improvement plan: %d of %d candidates", len(plan), sum(len(q) for q in queues))
    return plan


def plan_summary(plan: pd.DataFrame) -> Text:
    """Introduce the plan in one sentence, or say that no evidence called for one."""
    if plan.empty:
        return Text(
            "No SERVQUAL dimension falls in the 'Concentrate here' quadrant, every service "
            "commitment met its standard and no comment theme is negative on balance, so the "
            "evidence calls for no specific improvement priority. The organisation should "
            "keep monitoring the same measures."
        )
    counts = plan["Source"].value_counts()
    parts = []
    for key, label in (
        ("ipa", "from the importance-performance analysis"),
        ("commitment", "from missed service commitments"),
        ("theme", "from negative comment themes"),
    ):
        n = int(counts.get(_SOURCES[key], 0))
        if n:
            parts.append(f"{n} {label}")
    return say(
        "The evidence gives {n} priorit"
        + ("y" if len(plan) == 1 else "ies")
        + ": "
        + join_words(parts)
        + ". Each is listed with the figures behind it.",
        n=len(plan),
    )


def show(plan: pd.DataFrame, caption: str = "Improvement plan: priorities from the evidence"):
    """Return the plan as a numbered table, or the :func:`plan_summary` sentence when empty."""
    if plan.empty:
        return plan_summary(plan)
    from carebook import tables

    return tables.show(plan, caption)
