"""Write CSV files that are safe to open in Excel (reliability.md P1-8, P1-9).

Every CSV carebook writes for people (batch summaries, exported tables) goes through
:func:`write_csv`:

- text cells and column names starting with ``=``, ``+``, ``-``, ``@``, tab, carriage
  return or NUL get a leading apostrophe (:func:`carebook.safety.neutralize_formula`), so
  a spreadsheet shows them instead of evaluating them; real numbers (``-2.5`` stored as a
  number) are left alone and stay numbers in the spreadsheet;
- the file is UTF-8 with a byte-order mark, which is how Excel recognises UTF-8 (without
  it Chinese text opens as mojibake);
- the file is written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from carebook.safety import neutralize_formula

__all__ = ["write_csv", "neutralize_frame", "ENCODING"]

log = logging.getLogger(__name__)

#: UTF-8 with a byte-order mark: Excel's signal that a CSV is UTF-8.
ENCODING = "utf-8-sig"


def _neutral_cell(value: Any) -> Any:
    # Only genuine text is touched: a float -2.5 stays a number, "-2.5" as text is a
    # string a spreadsheet would evaluate, so it gets the apostrophe like any other.
    return neutralize_formula(value) if isinstance(value, str) else value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of *frame* with every text cell and column name neutralised.

    Parameters
    ----------
    frame : DataFrame
        Any table. It is not modified.

    Returns
    -------
    DataFrame
        Same shape and index; text cells (in object or string columns) and column names
        that start with a formula trigger gain a leading ``'``. Numeric, boolean and
        datetime columns are returned unchanged.

    Examples
    --------
    >>> neutralize_frame(pd.DataFrame({"c": ["=1+1", "ok"], "n": [-2.5, 1.0]}))
           c    n
    0  '=1+1 -2.5
    1     ok  1.0
    """
    out = frame.copy()
    for position, dtype in enumerate(out.dtypes):
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            column = out.iloc[:, position]
            # Built as object, not through Series.map, which would re-infer the dtype and
            # turn a column of 1 and None into 1.0 and NaN.
            cells = [_neutral_cell(v) for v in column.tolist()]
            out.isetitem(position, pd.Series(cells, index=out.index, dtype=object))
    out.columns = [_neutral_cell(c) for c in out.columns]
    return out


def _as_frame(
    data: pd.DataFrame | Iterable[Mapping[str, Any]], columns: Sequence[str] | None
) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data if columns is None else data.loc[:, list(columns)]
    rows = list(data)
    # Rows may hold mixed types per column (a number or a note); object keeps each
    # cell's own type so numbers are written as numbers and text is neutralised.
    return pd.DataFrame.from_records(
        rows, columns=list(columns) if columns is not None else None
    ).astype(object)


def write_csv(
    data: pd.DataFrame | Iterable[Mapping[str, Any]],
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str] | None = None,
    index: bool = False,
) -> Path:
    """Write *data* as an Excel-safe CSV file, atomically.

    Parameters
    ----------
    data : DataFrame or iterable of mappings
        The table, or rows as dicts (column name → value).
    path : path
        Where to write; parent folders are created.
    columns : sequence of str, optional
        Columns to write, in order (default: all, in the data's order).
    index : bool
        Whether to write a DataFrame's index as the first column.

    Returns
    -------
    Path
        *path*.

    Notes
    -----
    Missing values are written as empty cells. Floats are written with full precision
    (rounding is a presentation choice the reader makes in the spreadsheet).
    """
    path = Path(path)
    frame = _as_frame(data, columns)
    if index:
        frame = frame.reset_index()
    safe = neutralize_frame(frame)
    buffer = io.StringIO()
    # CRLF is what RFC 4180 and Excel expect; QUOTE_MINIMAL quotes cells with commas,
    # quotes or line breaks so a multi-line comment stays in one cell.
    safe.to_csv(buffer, index=False, lineterminator="\r\n")
    # A file name that was not valid UTF-8 reaches us as lone surrogates; "?" keeps the
    # row instead of failing the whole summary.
    payload = buffer.getvalue().encode(ENCODING, errors="replace")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        # mkstemp makes the file private (0600); a summary is meant to be shared.
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.debug("wrote %s (%d rows)", path, len(safe))
    return path
