"""Fixtures for the case loader: a tiny valid case copied into tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from casekit import MINIMAL

from carebook.case import clear_cache


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    """A writable copy of tests/data/cases/minimal (4 respondents, 4 contacts, 3 comments)."""
    target = tmp_path / "case"
    shutil.copytree(MINIMAL, target)
    clear_cache()
    return target
