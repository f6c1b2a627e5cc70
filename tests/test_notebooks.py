"""Notebook hygiene: thin, parameterised, committed without outputs (style.md §4)."""

import re

import nbformat
import pytest
from papermill import inspect_notebook

from carebook.paths import NOTEBOOKS_DIR

SECTIONS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
DEFINITION = re.compile(r"^\s*(def|class|async\s+def)\s", re.MULTILINE)
FILE_READING = re.compile(r"\b(open|read_csv|read_excel|read_json|read_parquet|yaml\.safe_load)\s*\(")


def test_every_section_of_the_outline_has_a_notebook():
    numbers = [p.name[:2] for p in SECTIONS]
    assert numbers == ["10", "20", "30", "40", "50", "60"], numbers


@pytest.mark.parametrize("path", SECTIONS, ids=lambda p: p.name)
def test_section_is_thin_and_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    tags = [c.metadata.get("tags", []) for c in code]
    assert sum("parameters" in t for t in tags) == 1, "exactly one cell tagged 'parameters'"
    assert any("remove-cell" in t for t in tags), "tag the import cell remove-cell"
    for cell in code:
        assert not cell.outputs and cell.execution_count is None, "strip outputs"
        assert not DEFINITION.search(cell.source), "move definitions into lib/carebook"
        assert not FILE_READING.search(cell.source), "read case files only through carebook.case"
        assert len(cell.source.splitlines()) <= 12, "long cell: move logic into lib/carebook"


@pytest.mark.parametrize("path", SECTIONS, ids=lambda p: p.name)
def test_parameters_default_to_the_sample_case_and_have_help(path):
    params = inspect_notebook(str(path))
    assert params["case_dir"]["default"] == "None"
    assert all(p["help"] for p in params.values()), "document each parameter in a comment"


@pytest.mark.parametrize("path", SECTIONS, ids=lambda p: p.name)
def test_section_starts_with_its_numbered_heading(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown"
    assert re.match(rf"## {int(path.name[0])}\.0 \S", first.source)


@pytest.mark.parametrize("path", SECTIONS, ids=lambda p: p.name)
def test_setup_uses_the_section_number(path):
    sources = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    assert f"carebook.setup({int(path.name[0])})" in sources
