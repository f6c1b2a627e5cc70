"""Collecting problems and warnings while a case is read.

Every check adds to one :class:`ProblemLog`; the loader raises all problems together at
the end. A check that fails on many rows of one column reports the first
:data:`ROWS_PER_PROBLEM` of them and then one line ``... and N more rows with the same
problem``, so a wholly broken million-row file does not print a million lines.
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from carebook.errors import Problem

__all__ = ["FILE_ORDER", "ROWS_PER_PROBLEM", "ProblemLog", "close_match", "did_you_mean", "sort_key"]

log = logging.getLogger(__name__)

#: Problems are listed file by file in this order (the order of data-contract.md), then
#: by row; files outside the contract come last, alphabetically.
FILE_ORDER: tuple[str, ...] = (
    "case.yaml",
    "survey.csv",
    "contacts.csv",
    "comments.csv",
    "benchmark.csv",
    "codebook.yaml",
    "references.yaml",
)
#: Rows reported per (file, column, kind of problem) before the rest are summarised.
ROWS_PER_PROBLEM = 20


def sort_key(problem: Problem) -> tuple[int, str, int]:
    """Order problems by file (contract order), then row (file-wide problems first)."""
    rank = FILE_ORDER.index(problem.file) if problem.file in FILE_ORDER else len(FILE_ORDER)
    return (rank, problem.file, problem.row or 0)


def close_match(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """Return the choice closest to *word* (ignoring case), or ``None`` if none is close.

    Closeness is difflib's similarity ratio plus a small bonus per leading character in
    common, because a student's slip usually comes after a correct start (``resolve``
    is nearer ``resolution`` than ``response``).
    """
    choices = [str(c) for c in choices]
    target = str(word).lower()
    best, best_score = None, cutoff
    for choice in choices:
        lowered = choice.lower()
        if lowered == target:
            return choice
        prefix = len(os.path.commonprefix([lowered, target]))
        score = difflib.SequenceMatcher(None, target, lowered).ratio() + 0.05 * prefix
        if score >= best_score:
            best, best_score = choice, score
    return best


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``"; did you mean `X`?"`` for a close choice, else ``""``."""
    match = close_match(word, choices)
    return f"; did you mean `{match}`?" if match is not None and match != word else ""


class ProblemLog:
    """Problems (which stop the build) and warnings (which do not) found in a case.

    Parameters
    ----------
    rows_per_problem : int
        How many rows one kind of problem in one column lists before summarising.
    """

    def __init__(self, rows_per_problem: int = ROWS_PER_PROBLEM):
        self.rows_per_problem = rows_per_problem
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(self, file: str, row: int | None, column: str, message: str) -> None:
        """Record one problem."""
        self.problems.append(Problem(file, row, column, message))

    def warn(self, file: str, row: int | None, column: str, message: str) -> None:
        """Record one warning and log it."""
        warning = Problem(file, row, column, message)
        self.warnings.append(warning)
        log.warning("%s", warning)

    def add_rows(
        self,
        file: str,
        column: str,
        rows: Sequence[int] | np.ndarray,
        message: Callable[[object], str],
        values: Sequence[object] | np.ndarray | None = None,
    ) -> None:
        """Record one kind of problem found on several rows of one column.

        Parameters
        ----------
        file, column : str
            Where the problem is.
        rows : sequence of int
            Spreadsheet row numbers (header = 1) of every offending cell.
        message : callable
            ``message(value)`` is the text for one row; it is called only for the rows
            actually listed, so it may be slow.
        values : sequence, optional
            The offending value of each row, aligned with *rows* (``None`` if unused).
        """
        rows = np.asarray(rows, dtype=np.int64)
        order = np.argsort(rows, kind="stable")
        shown = order[: self.rows_per_problem]
        for i in shown:
            value = None if values is None else values[int(i)]
            self.add(file, int(rows[i]), column, message(value))
        hidden = len(order) - len(shown)
        if hidden:
            self.add(
                file,
                int(rows[order[len(shown)]]),
                column,
                f"... and {hidden:,} more row(s) with the same problem, from this row on",
            )

    @property
    def ok(self) -> bool:
        """True while no problem has been recorded."""
        return not self.problems

    def sorted_problems(self) -> list[Problem]:
        """Every problem, sorted by file then row (a stable sort keeps column order)."""
        return sorted(self.problems, key=sort_key)
