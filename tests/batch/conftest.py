"""Fixtures for the batch tests: one tiny valid case, copied into cohorts as needed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

#: A good case under a name a student could give it: markup, a formula, spaces.
HOSTILE_GOOD = "<img src=x onerror=alert(1)> =1+1"


@pytest.fixture(scope="session")
def tiny_case(tmp_path_factory) -> Path:
    """A small valid case (`carebook sample --respondents 200 --contacts 100 --comments 40`)."""
    from carebook.sample import write_sample

    path = tmp_path_factory.mktemp("tiny") / "case"
    write_sample(path, respondents=200, contacts=100, comments=40)
    return path


def add_case(cohort: Path, name: str, source: Path) -> Path:
    """Copy *source* into the cohort as sub-folder *name*."""
    return Path(shutil.copytree(source, cohort / name))


def add_broken_case(cohort: Path, name: str, source: Path) -> Path:
    """A copy whose survey.csv has a header and no rows: invalid before any kernel starts."""
    path = add_case(cohort, name, source)
    header = (path / "survey.csv").read_text(encoding="utf-8").splitlines()[0]
    (path / "survey.csv").write_text(header + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cohort(tmp_path_factory, tiny_case) -> Path:
    """A good case with a hostile name, a broken case, and a folder that is not a case."""
    root = tmp_path_factory.mktemp("cohort")
    add_case(root, HOSTILE_GOOD, tiny_case)
    add_broken_case(root, "broken", tiny_case)
    (root / "notes").mkdir()
    (root / "notes" / "readme.txt").write_text("not a case", encoding="utf-8")
    return root
