"""Fixtures for the build tests: a tiny validated case, fixture notebooks, stand-ins.

``carebook.case.validate``, ``carebook.references.resolve_citations`` and
``carebook.metrics.compute`` belong to other modules; the build only relies on their
documented contracts, so these tests give it small stand-ins that honour them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import sys
import types
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest

import carebook.case
from carebook.case.model import Case, CaseConfig, InputFile, Reference
from carebook.errors import CitationError

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "notebooks"

CASE_YAML = {
    "report": {
        "title": "Customer care at Example Mobile",
        "course": "HND Business",
        "unit_code": "DJ4234",
        "outcome": 3,
        "candidate_name": "Li Wei",
        "grade_and_class": "",
        "student_id": "007",
        "submission_date": dt.date(2025, 5, 6),
    },
    "organisation": {"name": "Example Mobile"},
    "strategies": [{"name": "Listen", "description": "Survey customers", "benefit": "Loyalty"}],
    "standards": {
        "commitments": [{"channel": "hotline", "label": "Hotline", "measure": "response", "target_hours": 1}]
    },
    "data_collection": {"synthetic": True},
}

REFERENCES = (
    Reference(
        id="parasuraman1988",
        type="article",
        authors=["Parasuraman, A.", "Zeithaml, V.A.", "Berry, L.L."],
        year=1988,
        title="SERVQUAL",
    ),
)


def make_case(root: Path, **report_overrides) -> Case:
    """Return a small valid Case rooted at *root* (which gets a case.yaml)."""
    root.mkdir(parents=True, exist_ok=True)
    text = "# stand-in case file for build tests\n"
    (root / "case.yaml").write_text(text, encoding="utf-8")
    data = {**CASE_YAML, "report": {**CASE_YAML["report"], **report_overrides}}
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Case(
        root=root,
        config=CaseConfig.model_validate(data),
        survey=pd.DataFrame(),
        contacts=pd.DataFrame(),
        comments=None,
        benchmark=None,
        codebook=None,  # type: ignore[arg-type]  # the build never reads it
        references=REFERENCES,
        inputs={"case.yaml": InputFile("case.yaml", digest, len(text), "utf-8", None)},
    )


_CITATION = re.compile(r"\[@([^\]\s]+)\]")


def fake_resolve_citations(text: str, references: Sequence[Reference]) -> tuple[str, set[str]]:
    """Stand-in honouring references.resolve_citations' contract."""
    by_id = {r.id: r for r in references}
    cited: set[str] = set()

    def replace(match: re.Match) -> str:
        key = match.group(1)
        if key not in by_id:
            raise CitationError(f"unknown reference '@{key}'", key=key)
        cited.add(key)
        ref = by_id[key]
        return f"({ref.authors[0].split(',')[0]} et al., {ref.year})"

    return _CITATION.sub(replace, text), cited


def fake_metrics(case: Case) -> dict:
    return {"organisation": case.organisation, "competitor": None, "survey": {"respondents": 3}}


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


def notebooks_from(folder: Path, *names: str) -> Path:
    """Copy fixture notebooks into *folder* as sections 10_, 20_, … in the given order."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, name in enumerate(names, start=1):
        stem = Path(name).stem
        shutil.copy(FIXTURES / name, folder / f"{number * 10}_{stem}.ipynb")
    return folder


def sha256_tree(out: Path) -> dict[str, str]:
    """Hash every published artefact (files under executed/ included)."""
    names = ["report.html", "report.pdf", "metrics.json", "manifest.json"]
    hashes = {n: hashlib.sha256((out / n).read_bytes()).hexdigest() for n in names if (out / n).exists()}
    for path in sorted((out / "executed").glob("*.ipynb")) if (out / "executed").exists() else []:
        hashes[f"executed/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes
