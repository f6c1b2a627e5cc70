"""Check that an executed section really ran to its end (reliability.md P0-3).

A notebook can "succeed" and still be incomplete: ``sys.exit(0)`` half-way returns
normally in papermill, a dying kernel leaves the last cell looking finished. So every
executed notebook is checked, without relying on papermill's metadata: each non-empty
code cell has an ``execution_count``, no cell has an ``error`` output, and carebook's
sentinel cell (appended before execution) printed its marker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from nbformat import NotebookNode

from carebook.errors import SectionFailed

__all__ = [
    "Failure",
    "SENTINEL_MARK",
    "SENTINEL_SOURCE",
    "add_sentinel",
    "remove_sentinel",
    "is_sentinel",
    "source_index",
    "verify",
]

log = logging.getLogger(__name__)

#: Printed by the sentinel cell; its absence means the notebook stopped early.
SENTINEL_MARK = "carebook: section complete"
SENTINEL_SOURCE = f"print({SENTINEL_MARK!r})"
_CAREBOOK_KEY = "carebook"


@dataclass(frozen=True)
class Failure:
    """What went wrong in one section, in terms a student can act on.

    Attributes
    ----------
    notebook : str
        Section file name.
    cell : int or None
        0-based index of the failing cell in the *source* notebook (carebook's and
        papermill's added cells not counted), when known.
    source_line : str
        First non-blank line of that cell's code.
    ename, evalue : str
        The error's name and message (``ZeroDivisionError``, ``division by zero``).
    """

    notebook: str
    cell: int | None
    source_line: str
    ename: str
    evalue: str

    def message(self, executed_path: str | None = None) -> str:
        """Return one readable paragraph naming notebook, cell, error and kept file."""
        where = self.notebook
        if self.cell is not None:
            where += f", cell {self.cell + 1}"
            if self.source_line:
                where += f" (`{self.source_line}`)"
        text = f"Section {where} failed: {self.ename}"
        if self.evalue:
            text += f": {self.evalue}"
        text = text.rstrip(".") + "."
        if executed_path:
            text += f" The executed notebook was kept for inspection at {executed_path}."
        return text

    def to_error(self, executed_path: str | None = None) -> SectionFailed:
        """Return the :class:`~carebook.errors.SectionFailed` to raise."""
        return SectionFailed(
            self.message(executed_path),
            notebook=self.notebook,
            cell=self.cell,
            executed_path=executed_path,
        )


def is_sentinel(cell: NotebookNode) -> bool:
    """Return True for the sentinel cell carebook appended."""
    return bool(cell.get("metadata", {}).get(_CAREBOOK_KEY, {}).get("sentinel"))


def add_sentinel(nb: NotebookNode) -> NotebookNode:
    """Append the sentinel cell to *nb* (in place) and return *nb*."""
    import nbformat

    cell = nbformat.v4.new_code_cell(SENTINEL_SOURCE)
    cell.metadata[_CAREBOOK_KEY] = {"sentinel": True}
    cell.metadata["tags"] = ["remove-cell"]
    nb.cells.append(cell)
    return nb


def remove_sentinel(nb: NotebookNode) -> NotebookNode:
    """Remove carebook's sentinel cell from *nb* (in place) and return *nb*."""
    nb.cells = [c for c in nb.cells if not is_sentinel(c)]
    return nb


def _is_added(cell: NotebookNode) -> bool:
    tags = cell.get("metadata", {}).get("tags") or []
    return is_sentinel(cell) or "injected-parameters" in tags


def source_index(nb: NotebookNode, index: int) -> int:
    """Map a cell index of the executed notebook to the index in the source notebook."""
    return sum(1 for c in nb.cells[:index] if not _is_added(c))


def first_line(source: str) -> str:
    """Return the first non-blank line of *source*, shortened to 80 characters."""
    for line in source.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= 80 else line[:77] + "..."
    return ""


def failure_at(nb: NotebookNode, name: str, index: int | None, ename: str, evalue: str) -> Failure:
    """Build a :class:`Failure` for cell *index* of the executed notebook *nb*."""
    if index is None or not 0 <= index < len(nb.cells):
        return Failure(name, None, "", ename, evalue)
    cell = nb.cells[index]
    if is_sentinel(cell):
        # The notebook ended early; the sentinel is not something the student wrote.
        return Failure(name, None, "", ename, evalue)
    return Failure(name, source_index(nb, index), first_line(cell.source), ename, evalue)


def find_problem(nb: NotebookNode, name: str) -> Failure | None:
    """Return the first reason *nb* is not a complete run, or ``None``.

    Parameters
    ----------
    nb : NotebookNode
        An executed section notebook, sentinel still in place.
    name : str
        Its file name, for messages.
    """
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return failure_at(
                    nb, name, i, output.get("ename", "Error"), output.get("evalue", "")
                )
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip() or is_sentinel(cell):
            continue
        if cell.get("execution_count") is None:
            return failure_at(
                nb,
                name,
                i,
                "IncompleteRun",
                "this cell never ran; an earlier cell stopped the notebook "
                "(for example sys.exit() or a crashed kernel)",
            )
    sentinels = [c for c in nb.cells if is_sentinel(c)]
    marked = any(
        SENTINEL_MARK in "".join(o.get("text", "")) for c in sentinels for o in c.get("outputs", [])
    )
    if not marked:
        return Failure(
            name,
            None,
            "",
            "IncompleteRun",
            "the notebook stopped before its end (carebook's completion check did not run)",
        )
    meta = nb.get("metadata", {}).get("papermill", {})
    if meta.get("exception") is True:
        return Failure(name, None, "", "IncompleteRun", "papermill recorded an exception")
    return None


def verify(nb: NotebookNode, name: str) -> None:
    """Raise :class:`~carebook.errors.SectionFailed` unless *nb* ran completely.

    The caller usually wants :func:`find_problem` instead, to keep the failed
    notebook before raising.
    """
    problem = find_problem(nb, name)
    if problem is not None:
        raise problem.to_error()
