"""Helpers for the build tests: a tiny validated case, fixture notebooks, stand-ins.

``carebook.case.validate``, ``carebook.references.resolve_citations`` and
``carebook.metrics.compute`` belong to other modules; the build only relies on their
documented contracts, so these tests give it small stand-ins that honour them.
(A uniquely named module: every test folder may have a ``conftest``.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

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
        "commitments": [
            {"channel": "hotline", "label": "Hotline", "measure": "response", "target_hours": 1}
        ]
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
    hashes = {
        n: hashlib.sha256((out / n).read_bytes()).hexdigest() for n in names if (out / n).exists()
    }
    for path in sorted((out / "executed").glob("*.ipynb")) if (out / "executed").exists() else []:
        hashes[f"executed/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def write_notebook(path: Path, *sources: str, markdown: str = "## Section") -> Path:
    """Write a small section notebook: heading, parameters cell, then code cells."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    cells = [
        new_markdown_cell(markdown),
        new_code_cell("case_dir = None", metadata={"tags": ["parameters"]}),
    ]
    cells += [new_code_cell(src) for src in sources]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def previous_report(out: Path) -> dict[str, str]:
    """Fill *out* with a stand-in earlier report; return its hashes."""
    (out / "executed").mkdir(parents=True, exist_ok=True)
    (out / "report.html").write_text("<p>earlier report</p>", encoding="utf-8")
    (out / "report.pdf").write_bytes(b"%PDF-1.4 earlier")
    (out / "metrics.json").write_text('{"earlier": true}', encoding="utf-8")
    (out / "manifest.json").write_text("{}", encoding="utf-8")
    (out / "executed" / "10_earlier.ipynb").write_text("{}", encoding="utf-8")
    return sha256_tree(out)


def kernel_settings(cwd: Path, *, cell_timeout: float = 30, **extra_env: str):
    """Settings for a :class:`carebook.build.execute.KernelPool` working in *cwd*."""
    from carebook.build.execute import KernelSettings
    from carebook.build.pipeline import kernel_environment

    env = {**kernel_environment(None), **extra_env}
    return KernelSettings(env=env, cwd=cwd, cell_timeout=cell_timeout)


def section_job(name: str, *sources: str):
    """A :class:`carebook.build.execute.Job`: one code cell per source, sentinel added."""
    from nbformat.v4 import new_code_cell, new_notebook

    from carebook.build.execute import Job
    from carebook.build.verify import add_sentinel

    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return Job(name, add_sentinel(nb))
