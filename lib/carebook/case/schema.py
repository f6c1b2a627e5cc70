"""The CSV columns of data-contract.md as data, and pandera schemas built from them.

pandera does the per-cell rules (filled, unique, one of a set, in range, not too long)
lazily, collecting every failure; :func:`run_schema` turns its ``failure_cases`` report
into ``FILE:ROW:COLUMN: message`` problems. Each check carries a key (its ``error``) that
selects the message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pandera.pandas as pa

# pandera is imported by the functions that build and run schemas, not here: a kernel
# that is handed an already validated case (carebook.case.loader.prime) imports
# carebook.case but never validates, and pandera is a third of a second to import.

from carebook.case.model import COMMENT_KINDS, COMMENT_SOURCES, DIMENSIONS
from carebook.case.problems import ProblemLog, did_you_mean

__all__ = ["Col", "SPECS", "WEIGHT_COLUMNS", "LIKERT_COLUMNS", "MAX_TEXT", "text_schema", "typed_schema",
           "run_schema"]

Kind = Literal["id", "text", "int", "number", "bool", "date", "timestamp"]
MAX_TEXT = 10_000


@dataclass(frozen=True)
class Col:
    """One column of a case CSV.

    Attributes
    ----------
    name : str
        Header name.
    kind : str
        ``id`` (unique, filled text), ``text``, ``int``, ``number``, ``bool``, ``date``
        or ``timestamp``.
    required : bool
        Whether the column must be present.
    filled : bool
        Whether every cell must have a value.
    lo, hi : float or None
        Inclusive range of a numeric column.
    choices : tuple of str
        Allowed values of a text column (empty = any).
    max_length : int or None
        Longest allowed text.
    """

    name: str
    kind: Kind
    required: bool = True
    filled: bool = False
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    dtype: str | None = field(default=None, compare=False)


LIKERT_COLUMNS = tuple(f"{s}{i}" for s in "EP" for i in range(1, 23))
WEIGHT_COLUMNS = tuple(f"W_{d}" for d in DIMENSIONS)

SPECS: dict[str, tuple[Col, ...]] = {
    "survey.csv": (
        Col("respondent_id", "id"),
        Col("date", "date", required=False),
        Col("segment", "text", required=False),
        *(Col(name, "int", lo=1, hi=7, dtype="Int8") for name in sorted(LIKERT_COLUMNS, key=lambda c: (c[0] != "E", int(c[1:])))),
        *(Col(name, "number", required=False, lo=0, hi=100) for name in WEIGHT_COLUMNS),
        Col("csat", "int", required=False, lo=1, hi=5, dtype="Int8"),
        Col("nps", "int", required=False, lo=0, hi=10, dtype="Int8"),
        Col("ces", "int", required=False, lo=1, hi=7, dtype="Int8"),
    ),
    "contacts.csv": (
        Col("contact_id", "id"),
        Col("channel", "text", filled=True),
        Col("category", "text", required=False),
        Col("received_at", "timestamp", filled=True),
        Col("first_response_at", "timestamp", required=False),
        Col("resolved_at", "timestamp", required=False),
        Col("first_contact_resolution", "bool", required=False),
    ),
    "comments.csv": (
        Col("comment_id", "id"),
        Col("date", "date", required=False),
        Col("source", "text", filled=True, choices=COMMENT_SOURCES),
        Col("kind", "text", required=False, choices=COMMENT_KINDS),
        Col("text", "text", filled=True, max_length=MAX_TEXT),
        Col("code", "text", required=False),
    ),
    "benchmark.csv": (
        Col("metric", "text", filled=True),
        Col("label", "text", required=False),
        Col("organisation", "text", filled=True),
        Col("value", "number", filled=True),
        Col("unit", "text", required=False),
        Col("higher_is_better", "bool", filled=True),
        Col("period", "text", required=False),
        Col("source", "text", required=False),
    ),
}


def _not_blank(series: pd.Series) -> pd.Series:
    return series.str.strip().str.len() > 0


def text_schema(columns: list[Col], choices: dict[str, tuple[str, ...]]) -> pa.DataFrameSchema:
    """Rules on the text as read: filled, unique, not blank, one of a set, not too long.

    Parameters
    ----------
    columns : list of Col
        The columns present in the file.
    choices : dict
        Allowed values per column known only from the case (e.g. commitment channels);
        they add to :attr:`Col.choices`.
    """
    import pandera.pandas as pa

    schema: dict[str, pa.Column] = {}
    for col in columns:
        checks = []
        if col.kind == "id":
            checks.append(pa.Check(_not_blank, error="blank", ignore_na=True))
        allowed = choices.get(col.name, col.choices)
        if allowed:
            checks.append(pa.Check.isin(list(allowed), error="choice"))
        if col.max_length:
            checks.append(pa.Check.str_length(max_value=col.max_length, error="too_long"))
        nullable, unique = not (col.filled or col.kind == "id"), col.kind == "id"
        if not checks and nullable and not unique:
            # Nothing to check on the text (e.g. the 44 Likert items, checked once
            # typed); leaving the column out spares pandera's per-column overhead.
            continue
        schema[col.name] = pa.Column(
            checks=checks,
            nullable=nullable,
            unique=unique,
            report_duplicates="exclude_first",
            required=False,
        )
    return pa.DataFrameSchema(schema)


def typed_schema(columns: list[Col]) -> pa.DataFrameSchema:
    """Rules on converted values: numbers in their range."""
    import pandera.pandas as pa

    schema = {}
    for col in columns:
        if col.kind in ("int", "number") and (col.lo is not None or col.hi is not None):
            schema[col.name] = pa.Column(checks=[pa.Check.in_range(col.lo, col.hi, error="range")],
                                         nullable=True, required=False)
    return pa.DataFrameSchema(schema)


def _format_number(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return f"{number:g}" if abs(number) < 1e15 else f"{number:.3g}"


def run_schema(
    schema: pa.DataFrameSchema,
    frame: pd.DataFrame,
    file: str,
    problems: ProblemLog,
    specs: dict[str, Col],
    choices: dict[str, tuple[str, ...]],
    choice_hint: dict[str, str],
) -> None:
    """Validate *frame* (index = spreadsheet row) and record every failure as a problem.

    Parameters
    ----------
    schema : DataFrameSchema
        From :func:`text_schema` or :func:`typed_schema`.
    frame : DataFrame
        The columns to check.
    file : str
        The file name for the messages.
    problems : ProblemLog
        Receives the problems.
    specs : dict
        Column name to :class:`Col`.
    choices, choice_hint : dict
        Allowed values per column and a sentence saying where they come from.
    """
    import pandera.pandas as pa

    try:
        schema.validate(frame, lazy=True)
        return
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    cases = cases[cases["index"].notna()]
    for (column, check), group in cases.groupby(["column", "check"], sort=False):
        spec = specs[str(column)]
        rows = group["index"].to_numpy(dtype=np.int64)
        values = group["failure_case"].to_numpy(dtype=object)
        message = _messages(str(check), spec, frame[spec.name], choices.get(spec.name, spec.choices),
                            choice_hint.get(spec.name, ""), rows)
        problems.add_rows(file, spec.name, rows, message, values)


def _messages(
    check: str, spec: Col, column: pd.Series, allowed: tuple[str, ...], hint: str, rows: np.ndarray
) -> Callable[[object], str]:
    if check == "not_nullable":
        if spec.kind == "id":
            return lambda _: f"is empty; every row needs a {spec.name}"
        return lambda _: f"is empty; every row needs a value in {spec.name}"
    if check == "blank":
        return lambda _: f"{spec.name} holds only spaces; every row needs a {spec.name}"
    if check == "field_uniqueness":
        firsts = _first_rows(column, rows)
        return lambda v: f"duplicate {spec.name} {str(v)!r}: first used on row {firsts.get(v, '?')}; ids must be unique"
    if check == "choice":
        listed = ", ".join(allowed)
        return lambda v: f"{str(v)!r} is not one of: {listed}{hint}" + did_you_mean(str(v), allowed)
    if check == "too_long":
        return lambda v: (f"is {len(str(v)):,} characters long; the limit is {spec.max_length:,} "
                          "(split it into several comments)")
    if check == "range":
        scale = f"{_format_number(spec.lo)} to {_format_number(spec.hi)}"
        what = "answers run" if spec.kind == "int" else "values run"
        return lambda v: f"{_format_number(v)} is out of range; {what} from {scale}"
    return lambda v: f"{v!r} fails check {check}"


def _first_rows(column: pd.Series, rows: np.ndarray) -> dict:
    """Map each duplicated value to the row where it first appears."""
    duplicated = set(column.loc[rows].tolist())
    subset = column[column.isin(list(duplicated))]
    firsts = subset[~subset.duplicated(keep="first")]
    return dict(zip(firsts.tolist(), firsts.index.tolist(), strict=True))
