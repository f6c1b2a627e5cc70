"""Validating and typing the four case CSV files.

Each file goes through the same steps: the header against the contract (missing columns
are problems with the closest header as a hint, extra ones are warnings), the text rules
(pandera), conversion to types (:mod:`carebook.case.convert`), the range rules (pandera),
then the rules that span columns or files (weights summing to 100, resolution after
receipt, channels of the commitments, theme keys of the codebook, the competitor in every
benchmark metric). The returned frame has the column types documented on
:class:`carebook.case.model.Case` and a fresh 0-based index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from carebook.case import convert
from carebook.case.problems import ProblemLog, close_match, did_you_mean
from carebook.case.schema import SPECS, WEIGHT_COLUMNS, Col, run_schema, text_schema, typed_schema

__all__ = ["Context", "check_table", "not_supplied_columns"]


@dataclass(frozen=True)
class Context:
    """What the CSV rules need from the YAML files."""

    timezone: str = "UTC"
    channels: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    organisation: str | None = None
    competitor: str | None = None
    #: ``None`` when the codebook could not be read: codes are then not checked.
    theme_keys: tuple[str, ...] | None = ()


def not_supplied_columns(file: str, frame: pd.DataFrame) -> list[str]:
    """List the optional columns of *file* that *frame* lacks, as ``"survey.csv: csat"`` lines."""
    missing = [c.name for c in SPECS[file] if not c.required and c.name not in frame.columns]
    weights = [c for c in missing if c in WEIGHT_COLUMNS]
    lines = [f"{file}: {c}" for c in missing if c not in WEIGHT_COLUMNS]
    if len(weights) == len(WEIGHT_COLUMNS):
        lines.append(f"{file}: importance weights (W_*)")
    return lines


def check_table(file: str, frame: pd.DataFrame, context: Context, problems: ProblemLog) -> pd.DataFrame | None:
    """Validate one CSV's text frame and return it typed.

    Parameters
    ----------
    file : str
        One of ``survey.csv``, ``contacts.csv``, ``comments.csv``, ``benchmark.csv``.
    frame : DataFrame
        Text columns indexed by spreadsheet row, from :func:`carebook.case.csvfile.read_table`.
    context : Context
        Facts from case.yaml and the codebook.
    problems : ProblemLog
        Receives problems and warnings.

    Returns
    -------
    DataFrame or None
        The typed frame (0-based index), or ``None`` if any problem was found in it. An
        optional column whose every cell is empty is dropped, as if it were absent (a
        blank case from ``carebook new`` has every column).
    """
    before = len(problems.problems)
    specs = {c.name: c for c in SPECS[file]}
    if not _header(file, frame, specs, context, problems):
        return None
    present = [specs[c] for c in frame.columns if c in specs]
    choices, hints = {}, {}
    if file == "contacts.csv":
        choices["channel"] = context.channels
        hints["channel"] = " (the channels of the commitments in case.yaml)"
    # Columns missing from choices (no commitments) cannot be checked; case.yaml reports that.
    choices = {k: v for k, v in choices.items() if v}
    run_schema(text_schema(present, choices), frame[[c.name for c in present]], file, problems,
               specs, choices, hints)
    typed = {}
    for col in present:
        typed[col.name] = _convert(file, frame[col.name], col, context, problems)
    numeric = [c for c in present if c.kind in ("int", "number")]
    if numeric:
        run_schema(typed_schema(numeric), pd.DataFrame({c.name: typed[c.name] for c in numeric}, copy=False),
                   file, problems, specs, {}, {})
    cross = {"survey.csv": _survey_rules, "contacts.csv": _contacts_rules, "comments.csv": _comments_rules,
             "benchmark.csv": _benchmark_rules}[file]
    cross(file, typed, context, problems)
    if len(problems.problems) != before:
        return None
    out = {}
    empty_weights = all(c in typed and typed[c].isna().all() for c in WEIGHT_COLUMNS)
    for column in frame.columns:
        series = typed.get(column, frame[column])
        spec = specs.get(column)
        if spec is not None and not spec.required and (
            (column in WEIGHT_COLUMNS and empty_weights) or (column not in WEIGHT_COLUMNS and series.isna().all())
        ):
            continue  # an optional column left wholly empty counts as not supplied
        if spec is not None and spec.dtype:
            series = series.astype(spec.dtype)
        elif spec is not None and file == "benchmark.csv" and column == "higher_is_better":
            series = series.astype(bool)
        out[column] = series.reset_index(drop=True)
    return pd.DataFrame(out, copy=False)


def _header(file: str, frame: pd.DataFrame, specs: dict[str, Col], context: Context, problems: ProblemLog) -> bool:
    columns = list(frame.columns)
    extras = [c for c in columns if c not in specs]
    missing = [c.name for c in specs.values() if c.required and c.name not in columns]
    if file == "contacts.csv":
        needed = {"response": "first_response_at", "resolution": "resolved_at"}
        for measure in context.measures:
            if needed[measure] not in columns:
                missing.append(needed[measure])
    ok = True
    for name in missing:
        near = close_match(name, extras, cutoff=0.7)
        hint = f"; did you mean `{near}`? (rename that column)" if near else ""
        why = ""
        if name in ("first_response_at", "resolved_at") and not specs[name].required:
            measure = "response" if name == "first_response_at" else "resolution"
            why = f" (a commitment in case.yaml measures {measure})"
        problems.add(file, 1, name, f"required column is missing{why}{hint}")
        ok = False
    weights = [c for c in WEIGHT_COLUMNS if c in columns]
    if weights and len(weights) < len(WEIGHT_COLUMNS):
        lacking = [c for c in WEIGHT_COLUMNS if c not in columns]
        problems.add(file, 1, "W_*", f"weights need all five columns or none; missing {', '.join(lacking)}")
        ok = False
    for name in extras:
        problems.warn(file, 1, name, "unknown column kept but not used" + did_you_mean(name, list(specs)))
    return ok


def _convert(file: str, column: pd.Series, col: Col, context: Context, problems: ProblemLog) -> pd.Series:
    if col.kind == "int":
        scale = f"{int(col.lo)} to {int(col.hi)}" if col.lo is not None and col.hi is not None else "a whole number"
        return convert.to_integers(column, file, problems, scale=scale)
    if col.kind == "number":
        return convert.to_numbers(column, file, problems)
    if col.kind == "bool":
        return convert.to_booleans(column, file, problems)
    if col.kind == "date":
        return convert.to_dates(column, file, problems)
    if col.kind == "timestamp":
        return convert.to_timestamps(column, file, problems, timezone=context.timezone)
    return column


def _survey_rules(file: str, typed: dict[str, pd.Series], context: Context, problems: ProblemLog) -> None:
    if not all(c in typed for c in WEIGHT_COLUMNS):
        return
    weights = pd.DataFrame({c: typed[c] for c in WEIGHT_COLUMNS})
    count = weights.notna().sum(axis=1).to_numpy()
    partial = (count > 0) & (count < len(WEIGHT_COLUMNS))
    if partial.any():
        problems.add_rows(file, "W_*", weights.index[partial],
                          lambda n: f"weights are given for {n} of the 5 dimensions; fill all five or none",
                          count[partial])
    total = weights.sum(axis=1, min_count=len(WEIGHT_COLUMNS)).to_numpy()
    with np.errstate(invalid="ignore"):
        wrong = (count == len(WEIGHT_COLUMNS)) & ~(np.abs(total - 100) <= 0.5)
    if wrong.any():
        problems.add_rows(file, "W_*", weights.index[wrong],
                          lambda t: f"weights sum to {t:g}, not 100 (±0.5); share 100 points across the five "
                          "dimensions", total[wrong])


def _contacts_rules(file: str, typed: dict[str, pd.Series], context: Context, problems: ProblemLog) -> None:
    received = typed.get("received_at")
    for name in ("first_response_at", "resolved_at"):
        later = typed.get(name)
        if later is None or received is None:
            continue
        early = (later < received).fillna(False).to_numpy(dtype=bool)
        if early.any():
            gaps = (received[early] - later[early]).to_numpy()
            verb = "answered" if name == "first_response_at" else "resolved"
            problems.add_rows(file, name, later.index[early],
                              lambda gap, verb=verb: f"is {_duration(gap)} before received_at; a contact cannot "
                              f"be {verb} before it is received (check the date, time and time zone)", gaps)


def _duration(gap: np.timedelta64) -> str:
    minutes = int(pd.Timedelta(gap).total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} minute(s)"
    return f"{minutes / 60:.1f} hours"


def _comments_rules(file: str, typed: dict[str, pd.Series], context: Context, problems: ProblemLog) -> None:
    codes = typed.get("code")
    if codes is None or context.theme_keys is None:
        return
    keys = set(context.theme_keys)
    verdicts: dict[str, str | None] = {}
    for value in codes.dropna().unique():
        verdicts[value] = _code_problem(str(value), keys, context.theme_keys)
    bad_values = [v for v, msg in verdicts.items() if msg]
    if not bad_values:
        return
    bad = codes.isin(bad_values).to_numpy(dtype=bool)
    problems.add_rows(file, "code", codes.index[bad], lambda v: verdicts[v] or "", codes[bad].to_numpy(dtype=object))


def _code_problem(value: str, keys: set[str], ordered: tuple[str, ...]) -> str | None:
    """Why a ``code`` cell is wrong, or ``None``: empty, ``none`` or ``key;key``."""
    parts = [p.strip() for p in value.split(";")]
    if parts == ["none"]:
        return None
    if "none" in parts:
        return f"{value!r} mixes `none` with themes; write `none` alone, or only theme keys"
    for part in parts:
        if not part:
            return f"{value!r} has an empty theme between `;`; separate theme keys with one `;`"
        if part not in keys:
            return (f"unknown theme {part!r} in {value!r}{did_you_mean(part, ordered)}; use codebook theme keys "
                    "separated by `;`, or `none` for a comment coded with no theme")
    return None


def _benchmark_rules(file: str, typed: dict[str, pd.Series], context: Context, problems: ProblemLog) -> None:
    metric, organisation = typed.get("metric"), typed.get("organisation")
    if metric is None or organisation is None:
        return
    frame = pd.DataFrame({"metric": metric, "organisation": organisation}).dropna()
    duplicated = frame.duplicated(keep="first").to_numpy()
    if duplicated.any():
        pairs = list(zip(frame["metric"][duplicated], frame["organisation"][duplicated], strict=True))
        problems.add_rows(file, "organisation", frame.index[duplicated],
                          lambda p: f"a second row for metric {p[0]!r} and {p[1]!r}; keep one", pairs)
    better = typed.get("higher_is_better")
    if better is not None:
        per_metric = pd.DataFrame({"metric": metric, "better": better}).dropna().groupby("metric")["better"]
        mixed = per_metric.nunique()
        for name in mixed[mixed > 1].index:
            row = int(metric[metric == name].index[0])
            problems.add(file, row, "higher_is_better",
                         f"metric {name!r} says both true and false; give each metric one direction")
    wanted = [("organisation", context.organisation), ("competitor", context.competitor)]
    for name, rows in frame.groupby("metric", sort=False).groups.items():
        names = set(frame.loc[rows, "organisation"])
        for role, who in wanted:
            if who is None or who in names:
                continue
            near = close_match(who, names, cutoff=0.6)
            hint = f"; `{near}` is close: write it exactly as in case.yaml" if near else ""
            problems.add(file, int(rows[0]), "organisation",
                         f"metric {name!r} has no row for the {role} {who!r}{hint}")
