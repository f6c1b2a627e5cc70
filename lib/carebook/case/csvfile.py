"""Reading a case CSV into a frame of text columns, checking its structure.

Every cell is read as text (nothing is guessed: ``007`` stays ``007``, ``NA`` stays
``NA``); only an empty cell is missing. The frame's index is the row number a spreadsheet
shows (the header is row 1), so every later check can name the row. The structure is
checked before any value: an empty file, a header without rows, duplicated or unnamed
columns, a semicolon- or tab-separated file, and rows with more or fewer fields than the
header are problems. Parsing uses pyarrow's multi-threaded CSV reader, which keeps text
compactly in Arrow buffers (a million-row file stays a few hundred megabytes).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from carebook.case.problems import ProblemLog
from carebook.case.source import RawFile

__all__ = ["read_table"]

log = logging.getLogger(__name__)

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_BLOCK_SIZE = 16 << 20  # one value may be long (a 10,000-character comment); 16 MiB is ample


def read_table(raw: RawFile, required: tuple[str, ...], problems: ProblemLog) -> pd.DataFrame | None:
    """Parse a decoded CSV file into text columns indexed by spreadsheet row.

    Parameters
    ----------
    raw : RawFile
        The file as read and decoded.
    required : tuple of str
        The columns the contract requires (used to recognise a semicolon-separated file).
    problems : ProblemLog
        Receives every structural problem.

    Returns
    -------
    DataFrame or None
        One ``str`` column per header name (empty cell = missing), index = spreadsheet
        row number; ``None`` when the structure is too broken to check values. Rows whose
        every cell is empty are dropped with a warning.
    """
    name = raw.name
    delimiter = ","
    if raw.encoding.startswith("utf-16"):
        # Excel's "Unicode Text" is UTF-16 and tab-separated; accept either separator.
        first = raw.text.split("\n", 1)[0]
        if "\t" in first and "," not in first:
            delimiter = "\t"
    header = _header(raw.text, delimiter)
    if header is None:
        problems.add(name, None, "", "the file is empty; it needs a header row and at least one data row")
        return None
    if not _header_ok(name, header, required, delimiter, problems):
        return None
    if raw.encoding in ("utf-8", "utf-8-sig"):
        data = raw.data[3:] if raw.encoding == "utf-8-sig" else raw.data
    else:
        data = raw.text.encode("utf-8")
    invalid: list[int] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        invalid.append(row.actual_columns)
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(block_size=_BLOCK_SIZE),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid_row,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={column: pa.string() for column in header},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException) as err:
        problems.add(name, None, "", f"cannot be read as CSV: {_arrow_message(err)}")
        return None
    if invalid:
        rows = _record_rows(raw.text, delimiter, len(header), name, problems)
        if rows is None:
            return None
        if len(rows) != table.num_rows:
            # The two readers disagree on where records start (stray quotes); a row
            # number would be wrong, so refuse rather than guess.
            problems.add(name, None, "", "cannot be read as CSV: check for a stray double quote (\") in an "
                         "unquoted value; a value containing quotes must itself be in quotes, with each quote doubled")
            return None
    else:
        rows = np.arange(2, table.num_rows + 2, dtype=np.int64)
    if table.num_rows == 0:
        problems.add(name, None, "", "has a header row but no data rows; add the data, or delete the file if it is optional")
        return None
    frame = _to_frame(table, header, rows)
    empty = np.logical_and.reduce([pc.is_null(column).to_numpy(zero_copy_only=False) for column in table.columns])
    if empty.any():
        first = int(frame.index[empty][0])
        problems.warn(name, first, "", f"{int(empty.sum()):,} row(s) with every cell empty ignored, from this row on")
        frame = frame.loc[~empty]
        if frame.empty:
            problems.add(name, None, "", "has a header row but no data rows")
            return None
    return frame


def _lines(text: str) -> Iterator[str]:
    """Yield the lines of *text* with their endings, without copying it whole.

    A line ends with CRLF, LF or a lone CR (what Excel for Mac's older "CSV (Macintosh)"
    saves), as in pyarrow's reader, so both readers number rows alike.
    """
    for match in _LINE.finditer(text):
        line = match.group()
        if not line:  # the empty match at the end of the text
            return
        yield line


def _header(text: str, delimiter: str) -> list[str] | None:
    if not text.strip():
        return None
    try:
        return next(csv.reader(_lines(text), delimiter=delimiter, strict=False))
    except (csv.Error, StopIteration):
        return None


def _header_ok(
    name: str, header: list[str], required: tuple[str, ...], delimiter: str, problems: ProblemLog
) -> bool:
    ok = True
    if len(header) == 1 and required:
        for other, label in ((";", "semicolons"), ("\t", "tabs"), (",", "commas")):
            if other != delimiter and other in header[0]:
                problems.add(
                    name,
                    1,
                    "",
                    f"expected columns {list(required)}, got {header!r}: the file is separated by "
                    f'{label}, not commas; save it as "CSV UTF-8 (comma delimited)"',
                )
                return False
    seen: dict[str, int] = {}
    for position, column in enumerate(header, start=1):
        if column == "":
            problems.add(name, 1, "", f"column {position} has no name in the header row; name it or delete the column")
            ok = False
        elif column in seen:
            problems.add(
                name, 1, column, f"column `{column}` appears twice (columns {seen[column]} and {position}); keep one"
            )
            ok = False
        else:
            seen[column] = position
    return ok


def _record_rows(
    text: str, delimiter: str, width: int, name: str, problems: ProblemLog
) -> np.ndarray | None:
    """Find each record's spreadsheet row and report ragged rows (the slow, error path).

    pyarrow skipped the rows whose field count differs from the header; the standard
    ``csv`` module, which follows the same quoting rules, walks the file again to number
    every record as a spreadsheet would (a quoted line break stays inside one row).

    Returns
    -------
    ndarray or None
        The spreadsheet row of each record pyarrow kept, or ``None`` if rows were ragged.
    """
    kept: list[int] = []
    ragged_rows: list[int] = []
    ragged_counts: list[int] = []
    reader = csv.reader(_lines(text), delimiter=delimiter, strict=False)
    try:
        next(reader)
        for row_number, record in enumerate(reader, start=2):
            if len(record) == width or not record:
                # pyarrow keeps a wholly empty line as a row of empty cells (dropped later
                # with the other empty rows), so it is numbered here as well.
                kept.append(row_number)
            elif len(record) == 1 and not record[0].strip():
                # A blank line, or one holding only spaces (an editor's leftover): a
                # spreadsheet shows an empty row; nothing to check.
                continue
            else:
                ragged_rows.append(row_number)
                ragged_counts.append(len(record))
    except csv.Error as err:
        problems.add(name, None, "", f"cannot be read as CSV: {err}")
        return None
    if ragged_rows:
        problems.add_rows(
            name,
            "",
            ragged_rows,
            lambda count: f"row has {count} field(s) but the header has {width}; "
            "check for a stray comma or an unquoted comma inside a value",
            ragged_counts,
        )
        return None
    return np.asarray(kept, dtype=np.int64)


def _to_frame(table: pa.Table, header: list[str], rows: np.ndarray) -> pd.DataFrame:
    index = pd.Index(rows, name="row")
    columns = {}
    for position, column in enumerate(header):
        chunked = table.column(position)
        # pyarrow gives an empty table column type null when the file has no values there.
        if chunked.type != pa.string():
            chunked = pc.cast(chunked, pa.string())
        columns[column] = pd.Series(pd.array(chunked, dtype="str"), index=index, name=column, copy=False)
    return pd.DataFrame(columns, index=index, copy=False)


def _arrow_message(err: Exception) -> str:
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return text.replace("CSV parse error: ", "")
