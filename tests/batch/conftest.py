"""Fixtures for the batch tests: one tiny valid case, copied into cohorts as needed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from batchhelpers import HOSTILE_GOOD, add_broken_case, add_case  # noqa: E402


@pytest.fixture(scope="session")
def tiny_case(tmp_path_factory) -> Path:
    """A small valid case (`carebook sample --respondents 200 --contacts 100 --comments 40`)."""
    from carebook.sample import write_sample

    path = tmp_path_factory.mktemp("tiny") / "case"
    write_sample(path, respondents=200, contacts=100, comments=40)
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
