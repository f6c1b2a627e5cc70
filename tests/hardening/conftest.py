"""Fixtures for the hardening tests: reports built once per session, shared by tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hardeninghelpers import ROOT, make_hostile, make_sample  # noqa: E402


@pytest.fixture(scope="session")
def small_case(tmp_path_factory) -> Path:
    """A small copy of the sample case (300 respondents, 200 contacts, 60 comments)."""
    return make_sample(tmp_path_factory.mktemp("small") / "case")


@pytest.fixture(scope="session")
def hostile_case(tmp_path_factory) -> Path:
    """The small sample with script, Markdown and TeX payloads in every text field."""
    return make_hostile(make_sample(tmp_path_factory.mktemp("hostile") / "case"))


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory) -> Path:
    """The embedded sample built once (about 20-35 s); returns the output folder."""
    from carebook.build import build

    out = tmp_path_factory.mktemp("sample-report")
    build(ROOT / "data" / "sample", out)
    return out


@pytest.fixture(scope="session")
def hostile_report(tmp_path_factory, hostile_case) -> Path:
    """The hostile case built once, every coded comment shown as a quote."""
    from carebook.build import build

    out = tmp_path_factory.mktemp("hostile-report")
    build(hostile_case, out, params={"quotes_per_theme": 60})
    return out
