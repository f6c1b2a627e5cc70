"""Vectorised conversion of text columns to typed columns, naming every bad cell.

Each function takes a ``str`` column indexed by spreadsheet row and returns a new typed
column (a cell that cannot be converted becomes missing) after recording one problem per
bad cell. Nothing loops in Python over valid data: the per-row work happens only for
the rows that are reported.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from carebook.case.problems import ProblemLog

__all__ = [
    "TRUE_WORDS",
    "FALSE_WORDS",
    "ISO_TIMESTAMP",
    "ISO_DATE",
    "to_integers",
    "to_numbers",
    "to_booleans",
    "to_dates",
    "to_timestamps",
]

TRUE_WORDS = ("true", "yes", "1", "y")
FALSE_WORDS = ("false", "no", "0", "n")
#: ISO 8601 as data-contract.md allows it: a date, optionally a time (``T`` or a space),
#: optionally seconds and fractions, optionally ``Z`` or an offset.
ISO_TIMESTAMP = (
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)
_HAS_OFFSET = r"[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


def _arrow(column: pd.Series) -> pa.ChunkedArray:
    array = pa.array(column.array, type=pa.string())
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def _rows(column: pd.Series, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return column.index.to_numpy()[mask], column.to_numpy(dtype=object)[mask]


def _cell(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def to_integers(
    column: pd.Series, file: str, problems: ProblemLog, *, scale: str
) -> pd.Series:
    """Convert a text column to whole numbers (nullable ``Int64``).

    A cell that is not a number, or not a whole one, is a problem; ``5.0`` counts as 5.
    Ranges are checked afterwards by the schema. *scale* (e.g. ``"1 to 7"``) is named in
    the messages.
    """
    try:
        # Fast path: every filled cell is plain digits.
        values = pc.cast(_arrow(column), pa.int64())
        # Stay at 64 bits: pandas does element-wise sums in the column's own width, so an
        # Int8 Likert column would silently wrap past 127 (100 + 100 == -56).
        data = pc.fill_null(values, 0).to_numpy()
        missing = pc.is_null(values).to_numpy(zero_copy_only=False)
        return pd.Series(pd.arrays.IntegerArray(data, missing), index=column.index, name=column.name)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    numbers = pd.to_numeric(column, errors="coerce").astype("float64")
    filled = column.notna().to_numpy()
    finite = np.isfinite(numbers.to_numpy())
    not_number = filled & ~finite
    with np.errstate(invalid="ignore"):
        not_whole = finite & (np.mod(numbers.to_numpy(), 1) != 0)
    name = str(column.name)
    if not_number.any():
        rows, values = _rows(column, not_number)
        problems.add_rows(file, name, rows, lambda v: f"{_cell(v)} is not a number; enter a whole number from {scale} "
                          "or leave the cell empty", values)
    if not_whole.any():
        rows, values = _rows(column, not_whole)
        problems.add_rows(file, name, rows, lambda v: f"{_cell(v)} is not a whole number; answers run from {scale}",
                          values)
    numbers[~finite | not_whole] = np.nan
    # Values beyond int64 cannot be answers anyway; clip so the cast is safe (the
    # schema then reports them as out of range).
    numbers = numbers.clip(-(2.0**62), 2.0**62)
    return numbers.astype("Int64")


def to_numbers(column: pd.Series, file: str, problems: ProblemLog) -> pd.Series:
    """Convert a text column to ``float64`` (missing = ``NaN``); non-numbers are problems."""
    try:
        # Fast path: every filled cell is a plain decimal number.
        values = pc.cast(_arrow(column), pa.float64()).to_numpy(zero_copy_only=False)
        missing = column.isna().to_numpy()
        # The text "nan" or "inf" also casts; only empty cells may become NaN.
        if np.array_equal(np.isnan(values), missing) and np.isfinite(values[~missing]).all():
            return pd.Series(values, index=column.index, name=column.name, dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    numbers = pd.to_numeric(column, errors="coerce").astype("float64")
    bad = column.notna().to_numpy() & ~np.isfinite(numbers.to_numpy())
    if bad.any():
        rows, values = _rows(column, bad)
        problems.add_rows(file, str(column.name), rows,
                          lambda v: f"{_cell(v)} is not a number; write digits with a decimal point, "
                          "no thousands separators or units", values)
        numbers[bad] = np.nan
    return numbers


def to_booleans(column: pd.Series, file: str, problems: ProblemLog) -> pd.Series:
    """Convert yes/no spellings to nullable ``boolean`` (any case, surrounding spaces ignored)."""
    words = pc.utf8_lower(pc.utf8_trim_whitespace(_arrow(column)))
    is_true = pc.is_in(words, value_set=pa.array(TRUE_WORDS)).to_numpy(zero_copy_only=False)
    is_false = pc.is_in(words, value_set=pa.array(FALSE_WORDS)).to_numpy(zero_copy_only=False)
    filled = column.notna().to_numpy()
    bad = filled & ~is_true & ~is_false
    if bad.any():
        rows, values = _rows(column, bad)
        problems.add_rows(file, str(column.name), rows,
                          lambda v: f"{_cell(v)} is not a yes/no value; use true/false, yes/no, 1/0 or y/n", values)
    result = pd.array(np.where(is_true, True, False), dtype="boolean")
    result[~(is_true | is_false)] = pd.NA
    return pd.Series(result, index=column.index, name=column.name)


def _matches(column: pd.Series, pattern: str) -> np.ndarray:
    matched = pc.match_substring_regex(_arrow(column), pattern=pattern)
    return pc.fill_null(matched, False).to_numpy(zero_copy_only=False)


def to_dates(column: pd.Series, file: str, problems: ProblemLog) -> pd.Series:
    """Convert ISO dates (``YYYY-MM-DD``) to naive ``datetime64``; anything else is a problem."""
    filled = column.notna().to_numpy()
    iso = _matches(column, ISO_DATE)
    parsed = pd.to_datetime(column.where(iso), format="%Y-%m-%d", errors="coerce")
    bad_form = filled & ~iso
    impossible = iso & parsed.isna().to_numpy()
    name = str(column.name)
    if bad_form.any():
        rows, values = _rows(column, bad_form)
        problems.add_rows(file, name, rows, lambda v: f"{_cell(v)} is not an ISO date; write dates as YYYY-MM-DD "
                          "(e.g. 2014-03-01)", values)
    if impossible.any():
        rows, values = _rows(column, impossible)
        problems.add_rows(file, name, rows, lambda v: f"{_cell(v)} is not a real date", values)
    return parsed.rename(column.name)


def to_timestamps(column: pd.Series, file: str, problems: ProblemLog, *, timezone: str) -> pd.Series:
    """Convert ISO 8601 timestamps to time-zone-aware UTC ``datetime64``.

    A value with ``Z`` or an offset is exact; a naive one is local time in *timezone*.
    A naive local time that the clocks skip (spring forward) or pass twice (fall back)
    is a problem naming the row, with the two possible offsets as the fix.
    """
    name = str(column.name)
    filled = column.notna().to_numpy()
    iso = _matches(column, ISO_TIMESTAMP)
    has_offset = iso & _matches(column, _HAS_OFFSET)
    naive = iso & ~has_offset
    result = pd.Series(pd.NaT, index=column.index, dtype="datetime64[us, UTC]", name=column.name)
    if has_offset.any():
        result[has_offset] = pd.to_datetime(column[has_offset], format="ISO8601", utc=True,
                                            errors="coerce").astype("datetime64[us, UTC]")
    unplaced = np.zeros(len(column), dtype=bool)
    if naive.any():
        local = pd.to_datetime(column[naive], format="ISO8601", errors="coerce").astype("datetime64[us]")
        placed = local.dt.tz_localize(timezone, nonexistent="NaT", ambiguous="NaT")
        result[naive] = placed.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
        unplaced[naive] = (local.notna() & placed.isna()).to_numpy()
    impossible = iso & result.isna().to_numpy() & ~unplaced
    bad_form = filled & ~iso
    if bad_form.any():
        rows, values = _rows(column, bad_form)
        problems.add_rows(file, name, rows, lambda v: f"{_cell(v)} is not an ISO 8601 timestamp; write "
                          "YYYY-MM-DD HH:MM, optionally with seconds and a UTC offset (e.g. 2014-03-01 09:30 "
                          "or 2014-03-01T09:30:00+08:00)", values)
    if impossible.any():
        rows, values = _rows(column, impossible)
        problems.add_rows(file, name, rows, lambda v: f"{_cell(v)} is not a real date and time", values)
    if unplaced.any():
        rows, values = _rows(column, unplaced)
        zone = zoneinfo.ZoneInfo(timezone)
        problems.add_rows(file, name, rows, lambda v: _dst_message(str(v), zone, timezone), values)
    return result


def _dst_message(value: str, zone: zoneinfo.ZoneInfo, timezone: str) -> str:
    local = dt.datetime.fromisoformat(value)
    before, after = (local.replace(fold=fold, tzinfo=zone).utcoffset() for fold in (0, 1))
    # At a spring-forward gap fold=0 gives the offset before the change; the time never
    # happens. At a fall-back overlap the two offsets are the two real instants.
    gap = local.replace(tzinfo=zone).astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != local
    offsets = " or ".join(_offset(o) for o in (before, after))
    if gap:
        return (f"{_cell(value)} does not exist in {timezone}: the clocks skip that hour; "
                f"check the time, or add the UTC offset it was recorded in ({offsets})")
    return (f"{_cell(value)} happens twice in {timezone}: the clocks go back over that hour; "
            f"add the UTC offset to say which ({offsets})")


def _offset(delta: dt.timedelta | None) -> str:
    minutes = int((delta or dt.timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
