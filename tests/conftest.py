"""Shared test set-up: a non-interactive matplotlib backend and the repository root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# The command-line builds the tests start run in their own process, as they always did;
# tests/server starts build servers on purpose, each in a folder of its own.
os.environ["CAREBOOK_SERVER"] = "0"

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root() -> Path:
    """The repository root."""
    return ROOT
