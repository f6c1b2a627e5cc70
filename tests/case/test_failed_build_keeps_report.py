"""A build of a broken case fails with exit 2 and leaves the previous report untouched.

interface.md: a failed build "leaves the previous report.html, report.pdf and
metrics.json in --out exactly as they were"; data-contract.md: a broken case is refused
"before any notebook runs, and without touching the last good report". The build tests
cover a failing *notebook*; these cover an invalid *case*, through the real validator.

One good build of the minimal case (two small fixture sections) is made per module and
copied for each test; each test then breaks the case in one way, builds again through
the command line and compares every file and folder of --out, hidden ones included.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from casekit import MINIMAL, edit, survey_csv

from carebook import cli

pytestmark = pytest.mark.slow

NOTEBOOKS = Path(__file__).resolve().parents[1] / "data" / "notebooks"


def tree(folder: Path) -> dict[str, str]:
    """Every entry under *folder*: a file's SHA-256, or ``"dir"``."""
    return {
        path.relative_to(folder).as_posix(): "dir"
        if path.is_dir()
        else hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
    }


@pytest.fixture(scope="module")
def good_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(notebooks folder, --out folder of one successful build of the minimal case)."""
    base = tmp_path_factory.mktemp("good")
    notebooks = base / "notebooks"
    notebooks.mkdir()
    shutil.copy(NOTEBOOKS / "intro.ipynb", notebooks / "10_intro.ipynb")
    shutil.copy(NOTEBOOKS / "findings.ipynb", notebooks / "20_findings.ipynb")
    case, out = base / "case", base / "out"
    shutil.copytree(MINIMAL, case)
    assert cli.main(["build", str(case), "--out", str(out), "--notebooks", str(notebooks)]) == 0
    for name in ("report.html", "report.pdf", "metrics.json"):
        assert (out / name).stat().st_size > 0, name
    return notebooks, out


def likert_out_of_range(case: Path) -> None:
    (case / "survey.csv").write_text(survey_csv({"P1": "9"}), encoding="utf-8")


def yaml_syntax_error(case: Path) -> None:
    edit(case, "case.yaml", "  course: Creating", "  course: Creating: a")


def contacts_missing(case: Path) -> None:
    (case / "contacts.csv").unlink()


def survey_garbage(case: Path) -> None:
    (case / "survey.csv").write_bytes(b"\xff\xfe\x00\x00garbage")


BREAKS: list[tuple[Callable[[Path], None], str]] = [
    (likert_out_of_range, "survey.csv:2:P1: 9 is out of range; answers run from 1 to 7"),
    (yaml_syntax_error, "case.yaml:4:: YAML syntax error: mapping values are not allowed here"),
    (contacts_missing, "contacts.csv::: required file is missing from the case folder"),
    (survey_garbage, "survey.csv::: starts with a UTF-32 mark"),
]


@pytest.mark.parametrize(("break_case", "expected"), BREAKS, ids=[b.__name__ for b, _ in BREAKS])
def test_a_broken_case_leaves_the_previous_report_byte_identical(
    good_build, tmp_path, capsys, break_case, expected
):
    notebooks, previous = good_build
    out, case = tmp_path / "out", tmp_path / "case"
    shutil.copytree(previous, out)
    shutil.copytree(MINIMAL, case)
    break_case(case)
    before, around = tree(out), sorted(p.name for p in tmp_path.iterdir())
    capsys.readouterr()

    assert cli.main(["build", str(case), "--out", str(out), "--notebooks", str(notebooks)]) == 2

    assert any(line.startswith(expected) for line in capsys.readouterr().err.splitlines()), expected
    # Nothing in --out changed, appeared or vanished (report.html, report.pdf,
    # metrics.json, executed/, the manifest, hidden lock and cache files) ...
    assert tree(out) == before
    # ... and no staging or temporary folder was left beside it.
    assert sorted(p.name for p in tmp_path.iterdir()) == around
