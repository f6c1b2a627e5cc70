r"""Fast, byte-exact CSV writing for the generated sample files.

The survey and contact files reach a million rows when the generator is asked for a large
case, so they are written column-wise with NumPy instead of row by row: every column is
turned into a fixed-width byte array padded with NUL bytes, the columns are laid side by
side with the separators, and the NUL padding is dropped. The result is exactly the text
a CSV writer would produce for fields that never need quoting (ids, dates, timestamps,
small integers, plain words), with ``\n`` line endings and UTF-8 bytes, and it does not
depend on any library's float or quoting conventions. Comments, which do need quoting,
are written with :mod:`csv` instead (see :func:`write_quoted`).
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Coded", "id_column", "small_int_table", "write_columns", "write_quoted", "atomic_path"]

log = logging.getLogger(__name__)

#: Rows converted to text at a time: bounds memory at about 200 bytes x this many rows.
CHUNK_ROWS = 200_000


@dataclass(frozen=True)
class Coded:
    """A column stored as integer codes into a small table of byte strings.

    ``table[codes[i]]`` is the text of row *i*; ``b""`` in the table writes an empty
    cell (a missing value).
    """

    codes: np.ndarray
    table: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)

    def bytes(self, start: int, stop: int) -> np.ndarray:
        """Return rows ``start:stop`` as a fixed-width ``S`` array."""
        return self.table[self.codes[start:stop]]


def small_int_table(low: int, high: int) -> np.ndarray:
    """Return the byte strings ``[b"", b"<low>", …, b"<high>"]`` for a :class:`Coded` column.

    Code 0 is the empty cell, code ``v - low + 1`` is the value ``v``.
    """
    return np.array([b""] + [str(v).encode("ascii") for v in range(low, high + 1)])


def id_column(prefix: str, n: int, width: int) -> np.ndarray:
    """Return ``prefix`` followed by 1..n zero-padded to *width* digits, as an ``S`` array.

    Digits are computed arithmetically (no Python string per row), which keeps a
    million ids well under a second.
    """
    head = prefix.encode("ascii")
    numbers = np.arange(1, n + 1, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    out = np.empty((n, len(head) + width), dtype=np.uint8)
    out[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
    out[:, len(head) :] = (numbers[:, None] // powers) % 10 + ord("0")
    return out.view(f"S{len(head) + width}").ravel()


def _as_matrix(column: np.ndarray | Coded, start: int, stop: int) -> np.ndarray:
    part = column.bytes(start, stop) if isinstance(column, Coded) else column[start:stop]
    part = np.ascontiguousarray(part)
    if part.dtype.kind != "S":
        raise TypeError(f"columns must be byte strings (dtype S), got {part.dtype}")
    return part.view(np.uint8).reshape(len(part), part.dtype.itemsize)


def write_columns(
    path: Path, header: Sequence[str], columns: Sequence[np.ndarray | Coded]
) -> None:
    """Write equally long byte columns as a CSV file with a header row.

    Parameters
    ----------
    path : Path
        The file to write (replaced if it exists).
    header : sequence of str
        Column names; none may need quoting.
    columns : sequence of ndarray or Coded
        One ``S``-dtype array (or :class:`Coded`) per header name. Cell text must not
        contain commas, quotes, line breaks or NUL bytes: this writer never quotes.
    """
    if len(header) != len(columns):
        raise ValueError("one column per header name is needed")
    n = len(columns[0])
    if any(len(c) != n for c in columns):
        raise ValueError("columns differ in length")
    comma = np.full((1, 1), ord(","), dtype=np.uint8)
    newline = np.full((1, 1), ord("\n"), dtype=np.uint8)
    with open(path, "wb") as out:
        out.write((",".join(header) + "\n").encode("utf-8"))
        for start in range(0, n, CHUNK_ROWS):
            stop = min(n, start + CHUNK_ROWS)
            rows = stop - start
            pieces: list[np.ndarray] = []
            for i, column in enumerate(columns):
                pieces.append(_as_matrix(column, start, stop))
                sep = newline if i == len(columns) - 1 else comma
                pieces.append(np.broadcast_to(sep, (rows, 1)))
            block = np.hstack(pieces)
            # NUL bytes are only padding of the fixed-width columns: dropping them
            # leaves each cell's text followed by its separator.
            out.write(block[block != 0].tobytes())


def write_quoted(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    r"""Write text rows as CSV, quoting only where needed, with ``\n`` line endings.

    A row with a bare carriage return in a cell is written fully quoted: Python before
    3.11.9 leaves such a cell unquoted when the line ending is ``\n`` (CPython gh-67044),
    and a reader would then see two rows.
    """
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        quote_all = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(header)
        for row in rows:
            (quote_all if any("\r" in cell for cell in row) else writer).writerow(row)


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield ``<target>.partial`` to write to; move it over *target* only on success.

    An error while writing leaves the previous file (if any) untouched and no
    half-written file under the real name.
    """
    partial = target.with_name(target.name + ".partial")
    try:
        yield partial
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
