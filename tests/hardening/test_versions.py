"""Dependency floors from reliability.md P1-11 (and P0-4, P2-15): installed and pinned.

Each floor is the first release without a known advisory that touches carebook's use:

- nbconvert 7.17.1: CVE-2026-39378 (``embed_images`` read arbitrary files into data
  URIs, 6.5.0-7.17.0) and CVE-2026-39377; earlier CVE-2021-32862 (6.5.1) and
  CVE-2025-53000 (7.17.0).
- mistune 2.0.3: CVE-2022-34749 (nbconvert's Markdown renderer).
- PyYAML 5.4: CVE-2020-14343 and CVE-2020-1747 (full_load / FullLoader code execution).
- jupyter_server 2.20.0, only where reports are served through it: CVE-2026-44727.
- Python 3.11.9: before it, ``csv`` writes a field with a bare carriage return unquoted
  when the line terminator is ``\\n`` (CPython gh-67044), so a comment breaks its row.
"""

from __future__ import annotations

import csv
import io
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]

#: distribution → (floor, where pyproject.toml must pin it: "dependencies" or an extra)
FLOORS = {
    "nbconvert": ("7.17.1", "dependencies"),
    "mistune": ("2.0.3", "dependencies"),
    "pyyaml": ("5.4", "dependencies"),
    "jupyter-server": ("2.20.0", "authoring"),
}
PYTHON_FLOOR = Version("3.11.9")


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _pinned_floor(requirements: list[str], name: str) -> Version | None:
    """Return the lowest version *requirements* allow for *name* (None if unpinned)."""
    for line in requirements:
        requirement = Requirement(line)
        if canonicalize_name(requirement.name) != canonicalize_name(name):
            continue
        lows = [
            Version(s.version) for s in requirement.specifier if s.operator in (">=", "==", "~=")
        ]
        lows += [Version(s.version) for s in requirement.specifier if s.operator == ">"]
        return min(lows) if lows else None
    return None


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_installed_version_meets_its_floor(name):
    floor, _ = FLOORS[name]
    try:
        installed = metadata.version(name)
    except metadata.PackageNotFoundError:
        if name == "jupyter-server":
            pytest.skip("jupyter_server is not installed (reports are not served through it)")
        raise
    assert Version(installed) >= Version(floor), f"{name} {installed} < {floor}"


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_pyproject_pins_each_floor(project, name):
    floor, where = FLOORS[name]
    requirements = (
        project["dependencies"]
        if where == "dependencies"
        else project["optional-dependencies"][where]
    )
    pinned = _pinned_floor(requirements, name)
    assert pinned is not None, f"pyproject.toml has no lower bound for {name}"
    assert pinned >= Version(floor), f"pyproject.toml allows {name} {pinned} < {floor}"


def test_pinned_floor_reads_the_lowest_allowed_version():
    # The helper the two tests above rely on, on made-up requirement lines.
    lines = ["nbconvert>=7.17.1,<8", "MiStune==3.0.2", "jinja2", "pyyaml>5.4"]
    assert _pinned_floor(lines, "nbconvert") == Version("7.17.1")
    assert _pinned_floor(lines, "mistune") == Version("3.0.2")
    assert _pinned_floor(lines, "jinja2") is None
    assert _pinned_floor(lines, "PyYAML") == Version("5.4")
    assert _pinned_floor(lines, "absent") is None


def test_the_sample_writer_quotes_a_bare_carriage_return_on_any_python(tmp_path):
    # reliability.md asks for Python >= 3.11.9 because of gh-67044. This machine's (and
    # CI's) interpreter is 3.11.7 and requires-python cannot exclude it without making
    # carebook uninstallable there, so every carebook CSV writer guards against the bug
    # itself; this test and the Excel one below fail if that guard is removed.
    from carebook.sample._csv import write_quoted

    path = tmp_path / "comments.csv"
    write_quoted(path, ["comment_id", "text"], [["1", "line one\rline two"], ["2", "plain"]])
    with open(path, encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle)) == [["comment_id", "text"], ["1", "line one\rline two"], ["2", "plain"]]


@pytest.mark.xfail(
    sys.version_info < (3, 11, 9),
    strict=True,
    reason=f"this interpreter is {sys.version.split()[0]}, older than the 3.11.9 floor",
)
def test_running_python_quotes_a_bare_carriage_return():
    # Behaviour, not just the number: the bug the floor exists for.
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(["line one\rline two", "x"])
    assert buffer.getvalue() == '"line one\rline two",x\n'
    assert Version(".".join(map(str, sys.version_info[:3]))) >= PYTHON_FLOOR


def test_carebooks_own_csv_writer_quotes_a_bare_carriage_return_on_any_python(tmp_path):
    # carebook.excel writes CRLF rows, so a cell holding "\r" is quoted whatever the
    # interpreter: the spreadsheet sees one cell, not two rows.
    import pandas as pd

    from carebook.excel import write_csv

    path = write_csv(pd.DataFrame({"comment": ["one\rtwo", "=1+1"]}), tmp_path / "out.csv")
    text = path.read_bytes().decode("utf-8-sig")  # no newline translation
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["comment"], ["one\rtwo"], ["'=1+1"]]


def test_embed_images_cannot_read_a_file_named_by_markdown(tmp_path):
    # CVE-2026-39378: ![x](../secret.txt) with embed_images=True once put the file's
    # bytes into the page. carebook's exporter never embeds, and this nbconvert does
    # not either even when asked.
    import base64

    import nbconvert
    from nbformat.v4 import new_markdown_cell, new_notebook

    from carebook.build.export import make_exporter

    secret = b"TOP-SECRET-TOKEN-42"
    (tmp_path / "secret.txt").write_bytes(secret)
    (tmp_path / "nb").mkdir()
    nb = new_notebook(cells=[new_markdown_cell("![x](../secret.txt) ![y](/etc/hostname)")])
    encoded = base64.b64encode(secret).decode()
    resources = {"metadata": {"path": str(tmp_path / "nb")}}
    ours = make_exporter()
    assert ours.embed_images is False
    body, _ = ours.from_notebook_node(nb, resources=dict(resources))
    stock, _ = nbconvert.HTMLExporter(embed_images=True).from_notebook_node(
        nb, resources=dict(resources)
    )
    for page in (body, stock):
        assert encoded not in page and "TOP-SECRET" not in page
