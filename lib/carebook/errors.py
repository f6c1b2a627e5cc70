"""The one exception tree of carebook.

Every error carebook raises on purpose derives from :class:`CarebookError` and carries a
message a student can act on. Input problems are collected as :class:`Problem` records
and raised together in one :class:`InputError`, so a student sees every problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CarebookError",
    "Problem",
    "InputError",
    "ParameterError",
    "CitationError",
    "SectionFailed",
    "ExportError",
    "BuildLocked",
]


class CarebookError(Exception):
    """Base class of every error carebook raises on purpose."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or worth a warning) in one place of a case.

    Attributes
    ----------
    file : str
        The case file's name relative to the case folder, e.g. ``survey.csv``.
    row : int or None
        1-based row as a spreadsheet shows it (the header is row 1); ``None`` where a
        row does not apply.
    column : str
        The column name (CSV) or dotted key path (YAML, e.g.
        ``standards.commitments[1].target_hours``); ``""`` where none applies.
    message : str
        What is wrong and, where it helps, how to fix it.
    """

    file: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        row = "" if self.row is None else str(self.row)
        return f"{self.file}:{row}:{self.column}: {self.message}"


class InputError(CarebookError, ValueError):
    """A case breaks the data contract.

    Parameters
    ----------
    problems : list of Problem or str
        Every problem found. A plain string is accepted for a single problem that has
        no file position.
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...] | Problem | str):
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems: list[Problem] = [
            p if isinstance(p, Problem) else Problem("", None, "", str(p)) for p in problems
        ]
        super().__init__("\n".join(str(p) for p in self.problems))


class ParameterError(CarebookError, ValueError):
    """A build parameter is unknown, mistyped or not a plain identifier."""


class CitationError(CarebookError):
    """A citation ``[@id]`` names no entry of ``references.yaml``."""

    def __init__(self, message: str, *, key: str = "", notebook: str = "", cell: int | None = None):
        self.key, self.notebook, self.cell = key, notebook, cell
        super().__init__(message)


class SectionFailed(CarebookError):
    """A section notebook raised, timed out, stopped early or lost its kernel.

    Attributes
    ----------
    notebook : str
        The section notebook's file name.
    cell : int or None
        0-based index of the failing cell in the notebook, when known.
    executed_path : str or None
        Where the failed executed notebook was kept for inspection.
    """

    def __init__(
        self,
        message: str,
        *,
        notebook: str = "",
        cell: int | None = None,
        executed_path: str | None = None,
    ):
        self.notebook, self.cell, self.executed_path = notebook, cell, executed_path
        super().__init__(message)


class ExportError(CarebookError):
    """The report could not be exported (HTML, PDF) or failed its safety checks."""


class BuildLocked(CarebookError):
    """Another build is writing into the same output folder."""
