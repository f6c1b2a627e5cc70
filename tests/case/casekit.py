"""Helpers for the case-loader tests: the tiny valid case and ways to edit or break it.

A uniquely named module (not conftest) so that ``from casekit import …`` never picks up
another folder's conftest when the whole suite runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from carebook.case import validate
from carebook.errors import InputError

CASES = Path(__file__).resolve().parents[1] / "data" / "cases"
MINIMAL = CASES / "minimal"
ITEMS = [f"{s}{i}" for s in "EP" for i in range(1, 23)]


def survey_csv(*rows: dict[str, str], columns: list[str] | None = None) -> str:
    """A survey.csv whose item cells default to 4: only the cells a test is about are given."""
    extra = [c for row in rows for c in row if c not in ITEMS and c != "respondent_id"]
    header = columns or ["respondent_id", *dict.fromkeys(extra), *ITEMS]
    lines = [",".join(header)]
    for i, row in enumerate(rows, start=1):
        cells = {"respondent_id": f"r{i}", **{item: "4" for item in ITEMS}, **row}
        lines.append(",".join(cells.get(c, "") for c in header))
    return "\n".join(lines) + "\n"


def edit(case: Path, name: str, old: str, new: str) -> None:
    """Replace *old* (which must occur) with *new* in one case file."""
    path = case / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problem_lines(case: Path) -> list[str]:
    """Validate *case* expecting failure; return the problems as the CLI prints them."""
    with pytest.raises(InputError) as caught:
        validate(case)
    return [str(p) for p in caught.value.problems]
