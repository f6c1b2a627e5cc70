"""Service standards measured in contacts.csv, and the ``contacts`` block of metrics.json.

Each commitment in case.yaml (``standards.commitments``) promises, for one channel, a
first response or a resolution within ``target_hours``, for at least ``target_pct`` % of
contacts. For every commitment this module reports, following ``interface.md``:

- ``contacts``: contacts of the commitment's channel;
- ``within_target_pct``: 100 × contacts whose elapsed time (``received_at`` to
  ``first_response_at`` or ``resolved_at``) is at most ``target_hours``, over **all**
  contacts of the channel; a contact without the timestamp (still open) counts as not
  within, so open contacts past their target are breaches;
- ``median_hours`` and ``p90_hours``: over the contacts that have the timestamp
  (the 90th percentile by linear interpolation, as ``numpy.percentile``);
- ``open``: contacts of the channel without the timestamp;
- ``meets_standard``: ``within_target_pct >= target_pct``.

A commitment whose channel has **no contacts** gets ``within_target_pct``,
``median_hours``, ``p90_hours`` and ``meets_standard`` of ``None``: nothing was measured,
so the standard is neither met nor missed.

Elapsed times are differences of time-zone-aware instants (the case loader stores UTC;
naive timestamps passed in directly are taken as local time of the organisation), so
a daylight-saving change never adds or removes an hour. Months are calendar months of
``received_at`` in the organisation's time zone.

In ``metrics.json`` the ``channels`` block is keyed by channel. When two commitments
share a channel (say a response and a resolution target for e-mail), the first keeps the
channel as its key and each later one is keyed ``"<channel>:<measure>"`` (and
``"<channel>:<measure>:2"`` … should that repeat too); :func:`commitment_table` uses the
same keys as its index.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from carebook.case.model import Commitment
from carebook.errors import InputError, Problem
from carebook.narrative import Text, join_words, not_supplied, say

__all__ = [
    "TIMESTAMP",
    "commitment_keys",
    "elapsed_hours",
    "commitment_table",
    "contact_metrics",
    "fcr_summary",
    "fcr_table",
    "by_category",
    "by_month",
    "elapsed_distribution",
    "standards_table",
    "category_table",
    "month_table",
    "standards_sentence",
    "duration",
    "fcr_sentence",
    "show_by_category",
    "show_fcr",
]

log = logging.getLogger(__name__)

#: The timestamp column each measure reads.
TIMESTAMP = {"response": "first_response_at", "resolution": "resolved_at"}
_VERB = {"response": "answered", "resolution": "resolved"}


# ------------------------------------------------------------------------ helpers


def commitment_keys(commitments: Sequence[Commitment]) -> list[str]:
    """Return the metrics.json key of each commitment (channel, or ``channel:measure``)."""
    keys: list[str] = []
    for c in commitments:
        key = c.channel
        if key in keys:
            key = f"{c.channel}:{c.measure}"
            base, i = key, 2
            while key in keys:
                key, i = f"{base}:{i}", i + 1
        keys.append(key)
    return keys


def _aware(series: pd.Series, timezone: str, column: str) -> pd.Series:
    """*series* as time-zone-aware UTC instants; naive values are local to *timezone*."""
    if not pd.api.types.is_datetime64_any_dtype(series):
        raise InputError(
            Problem(
                "contacts.csv",
                None,
                column,
                "expected timestamps (ISO 8601, e.g. 2014-03-01 09:30); "
                f"got values of type {series.dtype}",
            )
        )
    if getattr(series.dt, "tz", None) is None:
        try:
            series = series.dt.tz_localize(timezone)
        except Exception as err:  # unknown zone, or a local time that does not exist
            raise InputError(
                Problem(
                    "case.yaml",
                    None,
                    "organisation.timezone",
                    f"cannot read naive {column} times as {timezone!r}: {err}",
                )
            ) from err
    return series.dt.tz_convert("UTC")


def elapsed_hours(contacts: pd.DataFrame, measure: str, timezone: str = "UTC") -> pd.Series:
    """Return hours from ``received_at`` to the measure's timestamp (NaN where missing).

    Parameters
    ----------
    contacts : DataFrame
        The case's contacts; not modified.
    measure : {"response", "resolution"}
    timezone : str
        IANA zone of naive timestamps (the case loader already makes them UTC).
    """
    if measure not in TIMESTAMP:
        raise ValueError(f"measure must be 'response' or 'resolution', not {measure!r}")
    column = TIMESTAMP[measure]
    if column not in contacts.columns:
        return pd.Series(np.nan, index=contacts.index, dtype="float64")
    start = _aware(contacts["received_at"], timezone, "received_at")
    end = _aware(contacts[column], timezone, column)
    return ((end - start).dt.total_seconds() / 3600.0).astype("float64")


def _stats(elapsed: np.ndarray, target_hours: float, target_pct: float) -> dict[str, Any]:
    """Figures of one commitment over one set of contacts (*elapsed* NaN = open)."""
    n = int(elapsed.size)
    timed = elapsed[~np.isnan(elapsed)]
    if n == 0:
        return {
            "contacts": 0,
            "within_target_pct": None,
            "median_hours": None,
            "p90_hours": None,
            "open": 0,
            "meets_standard": None,
        }
    within = 100.0 * int((timed <= target_hours).sum()) / n
    return {
        "contacts": n,
        "within_target_pct": within,
        "median_hours": float(np.median(timed)) if timed.size else None,
        "p90_hours": float(np.percentile(timed, 90)) if timed.size else None,
        "open": int(n - timed.size),
        "meets_standard": bool(within >= target_pct),
    }


def _channel_codes(contacts: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    codes, uniques = pd.factorize(contacts["channel"], use_na_sentinel=True)
    return codes, pd.Index(uniques)


# ---------------------------------------------------------------------- analyses


def commitment_table(
    contacts: pd.DataFrame, commitments: Sequence[Commitment], timezone: str = "UTC"
) -> pd.DataFrame:
    """Return one row per commitment with its measured performance.

    Parameters
    ----------
    contacts : DataFrame
        The case's contacts (``channel``, ``received_at``, optional
        ``first_response_at``/``resolved_at``); not modified.
    commitments : list of Commitment
        ``case.commitments``.
    timezone : str
        The organisation's IANA time zone (``case.timezone``).

    Returns
    -------
    DataFrame
        Indexed by the metrics key (see module docstring), columns ``channel``,
        ``label``, ``measure``, ``target_hours``, ``target_pct``, ``contacts``,
        ``within_target_pct``, ``median_hours``, ``p90_hours``, ``open``,
        ``meets_standard`` (nullable boolean; NA for a channel with no contacts).
    """
    codes, uniques = _channel_codes(contacts)
    elapsed = {
        m: elapsed_hours(contacts, m, timezone).to_numpy() for m in {c.measure for c in commitments}
    }
    rows = []
    for key, c in zip(commitment_keys(commitments), commitments, strict=True):
        where = uniques.get_indexer([c.channel])[0]
        values = elapsed[c.measure][codes == where] if where >= 0 else np.empty(0)
        rows.append(
            {
                "key": key,
                "channel": c.channel,
                "label": c.label,
                "measure": c.measure,
                "target_hours": float(c.target_hours),
                "target_pct": float(c.target_pct),
                **_stats(values, c.target_hours, c.target_pct),
            }
        )
    return _typed(pd.DataFrame(rows, columns=_COLUMNS)).set_index("key")


_COLUMNS = [
    "key",
    "channel",
    "label",
    "measure",
    "target_hours",
    "target_pct",
    "contacts",
    "within_target_pct",
    "median_hours",
    "p90_hours",
    "open",
    "meets_standard",
]


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("within_target_pct", "median_hours", "p90_hours"):
        frame[column] = frame[column].astype("float64")
    for column in ("contacts", "open"):
        frame[column] = frame[column].astype("int64")
    frame["meets_standard"] = frame["meets_standard"].astype("boolean")
    return frame


def fcr_summary(contacts: pd.DataFrame) -> dict[str, Any]:
    """Return ``n`` (answered) and ``fcr_pct`` (100 × share true), ``None`` without answers."""
    if "first_contact_resolution" not in contacts.columns:
        return {"n": 0, "fcr_pct": None}
    values = contacts["first_contact_resolution"].astype("boolean")
    n = int(values.notna().sum())
    return {"n": n, "fcr_pct": 100.0 * int(values.sum()) / n if n else None}


def contact_metrics(
    contacts: pd.DataFrame, commitments: Sequence[Commitment], timezone: str = "UTC"
) -> dict[str, Any]:
    """Return the ``contacts`` block of metrics.json, exactly as interface.md defines it.

    Returns
    -------
    dict
        ``contacts`` (rows of contacts.csv), ``fcr_pct`` (None without the column or
        answers) and ``channels``: per commitment key, ``contacts``, ``measure``,
        ``target_hours``, ``target_pct``, ``within_target_pct``, ``median_hours``,
        ``meets_standard``. Plain Python values; None for what cannot be computed.
    """
    table = commitment_table(contacts, commitments, timezone)
    channels = {}
    for key, row in table.iterrows():  # one row per commitment: a handful at most
        channels[str(key)] = {
            "contacts": int(row["contacts"]),
            "measure": str(row["measure"]),
            "target_hours": _number(row["target_hours"]),
            "target_pct": _number(row["target_pct"]),
            "within_target_pct": _plain(row["within_target_pct"]),
            "median_hours": _plain(row["median_hours"]),
            "meets_standard": None
            if pd.isna(row["meets_standard"])
            else bool(row["meets_standard"]),
        }
    return {
        "contacts": int(len(contacts)),
        "fcr_pct": fcr_summary(contacts)["fcr_pct"],
        "channels": channels,
    }


def _plain(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _number(value: float) -> int | float:
    """24.0 → 24 (as written in case.yaml), 0.5 stays 0.5."""
    value = float(value)
    return int(value) if value.is_integer() else value


def _grouped(
    contacts: pd.DataFrame,
    commitments: Sequence[Commitment],
    timezone: str,
    groups: np.ndarray,
    group_name: str,
) -> pd.DataFrame:
    """Return commitment figures per group (*groups* aligned with *contacts*), long format."""
    codes, uniques = _channel_codes(contacts)
    elapsed = {
        m: elapsed_hours(contacts, m, timezone).to_numpy() for m in {c.measure for c in commitments}
    }
    parts = []
    for key, c in zip(commitment_keys(commitments), commitments, strict=True):
        where = uniques.get_indexer([c.channel])[0]
        mask = codes == where if where >= 0 else np.zeros(len(contacts), dtype=bool)
        values = elapsed[c.measure][mask]
        frame = pd.DataFrame({group_name: groups[mask], "elapsed": values})
        frame["within"] = (values <= c.target_hours) * 100.0  # NaN (open) compares False
        g = frame.groupby(group_name, sort=True)
        part = pd.DataFrame(
            {
                "contacts": g.size(),
                "within_target_pct": g["within"].mean(),
                "median_hours": g["elapsed"].median(),
                "p90_hours": g["elapsed"].quantile(0.9),
                "open": g.size() - g["elapsed"].count(),
            }
        )
        part["meets_standard"] = part["within_target_pct"] >= c.target_pct
        part.insert(0, "key", key)
        part.insert(1, "label", c.label)
        part.insert(2, "target_pct", float(c.target_pct))
        parts.append(part.reset_index())
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    for column in ("contacts", "open"):
        out[column] = out[column].astype("int64")
    out["meets_standard"] = out["meets_standard"].astype("boolean")
    return out.set_index([group_name, "key"]).sort_index(level=0, sort_remaining=False)


def by_category(
    contacts: pd.DataFrame, commitments: Sequence[Commitment], timezone: str = "UTC"
) -> pd.DataFrame | None:
    """Return each commitment's figures per contact ``category``, or ``None`` without it.

    Indexed by (``category``, commitment key); columns ``label``, ``target_pct``,
    ``contacts``, ``within_target_pct``, ``median_hours``, ``p90_hours``, ``open``,
    ``meets_standard``. Only category/commitment pairs with contacts appear; an empty
    category cell is grouped as ``"Not stated"``.
    """
    if "category" not in contacts.columns:
        return None
    groups = contacts["category"].astype("object").where(contacts["category"].notna(), "Not stated")
    return _grouped(contacts, commitments, timezone, groups.to_numpy(), "category")


def by_month(
    contacts: pd.DataFrame, commitments: Sequence[Commitment], timezone: str = "UTC"
) -> pd.DataFrame:
    """Return each commitment's figures per calendar month of ``received_at``.

    Months are calendar months in the organisation's time zone: a contact received at
    00:30 on 1 February in Shanghai (16:30 UTC on 31 January) counts for February.
    Indexed by (``month`` as ``"2014-03"``, commitment key); columns as
    :func:`by_category`.
    """
    received = _aware(contacts["received_at"], timezone, "received_at")
    try:
        local = received.dt.tz_convert(timezone)
    except Exception as err:
        raise InputError(
            Problem(
                "case.yaml", None, "organisation.timezone", f"unknown time zone {timezone!r}: {err}"
            )
        ) from err
    code = (local.dt.year * 12 + local.dt.month - 1).to_numpy()
    unique = np.unique(code)
    names = {int(u): f"{int(u) // 12:04d}-{int(u) % 12 + 1:02d}" for u in unique}
    groups = pd.Series(code).map(names).to_numpy(dtype=object)
    return _grouped(contacts, commitments, timezone, groups, "month")


def fcr_table(contacts: pd.DataFrame, by: str = "channel") -> pd.DataFrame | None:
    """Return first-contact resolution per *by* (``channel`` or ``category``), or ``None``.

    Columns ``Contacts``, ``Answered`` (contacts with a recorded FCR), ``FCR (%)``
    (share of answered resolved at first contact). ``None`` without the FCR column or
    the *by* column.
    """
    if "first_contact_resolution" not in contacts.columns or by not in contacts.columns:
        return None
    values = contacts["first_contact_resolution"].astype("boolean")
    key = contacts[by].astype("object").where(contacts[by].notna(), "Not stated")
    frame = pd.DataFrame(
        {
            "key": key.to_numpy(),
            "answered": values.notna().to_numpy(),
            "yes": values.fillna(False).to_numpy(dtype=bool),
        }
    )
    g = frame.groupby("key", sort=True)
    out = pd.DataFrame(
        {"Contacts": g.size().astype("int64"), "Answered": g["answered"].sum().astype("int64")}
    )
    yes = g["yes"].sum()
    out["FCR (%)"] = (100.0 * yes / out["Answered"].where(out["Answered"] > 0)).astype("float64")
    out.index.name = by.capitalize()
    return out


def elapsed_distribution(
    contacts: pd.DataFrame,
    commitments: Sequence[Commitment],
    timezone: str = "UTC",
    *,
    points: int = 300,
) -> pd.DataFrame:
    """Return each commitment's cumulative share of contacts done by elapsed hours.

    The share at *x* hours is contacts done within *x* hours over **all** contacts of
    the channel (open ones never count), so at the target it equals
    ``within_target_pct``. Evaluated on a logarithmic grid of *points* values (plus each
    target), which keeps the chart light for a million contacts.

    Returns
    -------
    DataFrame
        Long format: ``key``, ``label``, ``hours``, ``share_pct``. Empty for
        commitments whose channel has no timed contacts.
    """
    codes, uniques = _channel_codes(contacts)
    parts = []
    for key, c in zip(commitment_keys(commitments), commitments, strict=True):
        where = uniques.get_indexer([c.channel])[0]
        if where < 0:
            continue
        values = elapsed_hours(contacts.loc[codes == where], c.measure, timezone).to_numpy()
        timed = np.sort(values[~np.isnan(values)])
        if timed.size == 0:
            continue
        floor = max(float(timed[timed > 0].min()) if (timed > 0).any() else 1 / 60, 1 / 60)
        top = max(float(timed[-1]), c.target_hours) * 1.05
        grid = np.unique(np.concatenate([np.geomspace(floor, top, points), [c.target_hours]]))
        share = 100.0 * np.searchsorted(timed, grid, side="right") / values.size
        parts.append(
            pd.DataFrame({"key": key, "label": c.label, "hours": grid, "share_pct": share})
        )
    if not parts:
        return pd.DataFrame(columns=["key", "label", "hours", "share_pct"])
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------- display helpers


def _target_text(row: pd.Series) -> str:
    hours = _number(row["target_hours"])
    return f"{row['measure'].capitalize()} within {hours:g} h"


def _yes_no(value: object) -> str:
    return "–" if value is None or pd.isna(value) else ("Yes" if value else "No")


def standards_table(table: pd.DataFrame) -> pd.DataFrame:
    """Return :func:`commitment_table` with readable columns, for ``tables.show``."""
    out = pd.DataFrame(
        {
            "Commitment": table["label"].to_numpy(dtype=object),
            "Standard": [_target_text(r) for _, r in table.iterrows()],
            "Target (%)": table["target_pct"].to_numpy(),
            "Contacts": table["contacts"].to_numpy(),
            "Within target (%)": table["within_target_pct"].to_numpy(),
            "Median (h)": table["median_hours"].to_numpy(),
            "90th pct (h)": table["p90_hours"].to_numpy(),
            "Open": table["open"].to_numpy(),
            "Meets standard": [_yes_no(v) for v in table["meets_standard"]],
        }
    )
    return out.set_index("Commitment")


def category_table(grouped: pd.DataFrame) -> pd.DataFrame:
    """Return :func:`by_category` with readable labels, for ``tables.show``."""
    out = grouped.reset_index()
    out = pd.DataFrame(
        {
            "Category": out["category"].astype(str).to_numpy(dtype=object),
            "Commitment": out["label"].to_numpy(dtype=object),
            "Contacts": out["contacts"].to_numpy(),
            "Within target (%)": out["within_target_pct"].to_numpy(),
            "Target (%)": out["target_pct"].to_numpy(),
            "Median (h)": out["median_hours"].to_numpy(),
            "90th pct (h)": out["p90_hours"].to_numpy(),
            "Open": out["open"].to_numpy(),
        }
    )
    return out.set_index(["Category", "Commitment"])


def month_table(grouped: pd.DataFrame) -> pd.DataFrame:
    """Return :func:`by_month` as one row per month: within-target % and n per commitment."""
    flat = grouped.reset_index()
    labels = list(dict.fromkeys(flat["label"]))
    within = flat.pivot(index="month", columns="label", values="within_target_pct")
    counts = flat.pivot(index="month", columns="label", values="contacts")
    out = pd.DataFrame(index=within.index)
    for name in labels:
        out[f"{name}: within (%)"] = within[name].astype("float64")
        out[f"{name}: n"] = counts[name].fillna(0).astype("int64")
    out.index.name = "Month"
    return out


# ------------------------------------------------------------------ sentences


def standards_sentence(table: pd.DataFrame) -> Text:
    """Say how many commitments are met and which falls furthest short of its target."""
    measured = table[table["contacts"] > 0]
    unmeasured = table[table["contacts"] == 0]
    parts = []
    if measured.empty:
        return Text(
            "No contacts were recorded on any committed channel, so no service "
            "standard can be measured."
        )
    met, n = int(measured["meets_standard"].sum()), len(measured)
    if n == 1:
        lead = "The one service commitment measured was met." if met else "The one service commitment measured was not met."
    elif met == 0:
        lead = say("None of the {n} service commitments measured was met.", n=n).markdown
    elif met == n:
        lead = say("All {n} service commitments measured were met.", n=n).markdown
    else:
        lead = say("{met} of the {n} service commitments measured {verb} met.", met=met, n=n,
                   verb="was" if met == 1 else "were").markdown
    parts.append(lead)
    shortfall = measured["within_target_pct"] - measured["target_pct"]
    worst = shortfall.idxmin()
    row = measured.loc[worst]
    template = (
        "{label} {verb_} {within:.1f}% of {n:,} contacts within {hours:g} hours "
        "against a target of {target:g}% ({diff:+.1f} points); the median contact took "
        "{median} and one in ten took longer than {p90}."
    )
    parts.append(
        say(
            template,
            label=row["label"],
            verb_=_VERB[row["measure"]],
            within=float(row["within_target_pct"]),
            n=int(row["contacts"]),
            hours=float(row["target_hours"]),
            target=float(row["target_pct"]),
            diff=float(shortfall[worst]),
            median=duration(row["median_hours"]),
            p90=duration(row["p90_hours"]),
        ).markdown
    )
    open_total = int(measured["open"].sum())
    if open_total:
        parts.append(
            say(
                "{n:,} " + ("contact still had" if open_total == 1 else "contacts still had")
                + " no recorded response or resolution and "
                + ("is" if open_total == 1 else "are") + " counted as outside the target.",
                n=open_total,
            ).markdown
        )
    if not unmeasured.empty:
        parts.append(
            say(
                "No contacts were recorded for {names}, so {it} cannot be judged.",
                names=join_words(list(unmeasured["label"])),
                it="that commitment" if len(unmeasured) == 1 else "those commitments",
            ).markdown
        )
    return Text(" ".join(parts))


def duration(hours: float | None) -> str:
    """Say a duration in words: ``"10 minutes"`` below an hour, else ``"14.4 hours"`` (plain text)."""
    if hours is None or pd.isna(hours):
        return "n/a"
    hours = float(hours)
    if hours < 1:
        minutes = round(hours * 60)
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    return f"{hours:.1f} hours"


def fcr_sentence(contacts: pd.DataFrame) -> Text:
    """Say what share of contacts were resolved at first contact, or that FCR was not recorded."""
    s = fcr_summary(contacts)
    if "first_contact_resolution" not in contacts.columns:
        return not_supplied(
            "first-contact-resolution flag in contacts.csv",
            "so first-contact resolution is not reported",
        )
    if not s["n"]:
        return Text(
            "The first-contact-resolution column is empty, so first-contact resolution "
            "is not reported."
        )
    return say(
        "{pct:.1f}% of the {n:,} contacts with a recorded outcome were resolved at the "
        "first contact.",
        pct=s["fcr_pct"],
        n=s["n"],
    )


def show_by_category(
    contacts: pd.DataFrame,
    commitments: Sequence[Commitment],
    timezone: str,
    caption: str,
    **show_options: Any,
):
    """Return the by-category table via ``tables.show``, or a plain sentence without categories."""
    from carebook import tables

    grouped = by_category(contacts, commitments, timezone)
    if grouped is None:
        return not_supplied("contact category", "so the standards are not broken down by category")
    show_options.setdefault("decimals", 1)
    return tables.show(category_table(grouped), caption, **show_options)


def show_fcr(contacts: pd.DataFrame, caption: str, by: str = "channel", **show_options: Any):
    """Return first-contact resolution per *by* via ``tables.show``, or a plain sentence.

    ``None`` when contacts.csv has no first-contact-resolution column (or it is empty):
    :func:`fcr_sentence`, given just before in the report, already says so.
    """
    from carebook import tables

    table = fcr_table(contacts, by)
    if table is None:
        if "first_contact_resolution" not in contacts.columns or not fcr_summary(contacts)["n"]:
            return None
        return not_supplied(f"contact {by}", f"so first-contact resolution is not shown by {by}")
    show_options.setdefault("decimals", 1)
    return tables.show(table, caption, **show_options)
