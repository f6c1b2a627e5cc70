"""Fixtures for the build tests (helpers live in ``buildhelpers``)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from buildhelpers import fake_metrics, fake_resolve_citations, make_case  # noqa: E402

import carebook.case  # noqa: E402


@pytest.fixture
def stand_ins(monkeypatch):
    """Patch the three collaborators; returns a dict of call records."""
    calls: dict[str, list] = {"validate": []}
    try:
        import carebook.references as references
    except ImportError:
        references = types.ModuleType("carebook.references")
        monkeypatch.setitem(sys.modules, "carebook.references", references)
        monkeypatch.setattr(carebook, "references", references, raising=False)
    monkeypatch.setattr(references, "resolve_citations", fake_resolve_citations, raising=False)
    import carebook.metrics as metrics

    monkeypatch.setattr(metrics, "compute", fake_metrics)
    return calls


@pytest.fixture
def case_factory(tmp_path, monkeypatch, stand_ins):
    """Return a function making a case folder and patching validate() to load it."""

    def factory(name: str = "case", **overrides) -> Path:
        root = tmp_path / name
        case = make_case(root, **overrides)

        def validate(case_dir):
            stand_ins["validate"].append(Path(case_dir))
            return case

        monkeypatch.setattr(carebook.case, "validate", validate, raising=False)
        return root

    return factory
