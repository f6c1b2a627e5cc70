"""What the build decides before the case is read: kernels to start, the order of sections."""

from __future__ import annotations

import os

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from carebook.build import cache, pipeline
from carebook.build.execute import Job, longest_first


def _quick(**changes):
    record = {
        "case_dir": "/c",
        "case": {"survey.csv": "file:1"},
        "notebooks_dir": "/n",
        "notebooks": {"10_a.ipynb": "file:1", "20_b.ipynb": "file:2"},
        "parameters": "{}",
        "formats": ["html"],
        "source": {},
        "versions": {},
        "environment": {},
        "chromium": None,
    }
    record.update(changes)
    return record


def test_every_section_is_expected_to_run_without_a_last_build(tmp_path):
    keys = {"10_a.ipynb": "k1", "20_b.ipynb": "k2"}
    assert pipeline._expected_to_run(tmp_path, _quick(), keys, True) == list(keys)


def test_after_a_build_only_sections_whose_code_changed_are_expected(tmp_path):
    quick = _quick()
    cache.write_quick(tmp_path, quick, context=cache.context_key(quick), code={
        "10_a.ipynb": "k1", "20_b.ipynb": "k2"})  # fmt: skip
    # A notebook's bytes changed (its Markdown, or its code): the context is unchanged.
    edited = _quick(notebooks={"10_a.ipynb": "file:1", "20_b.ipynb": "file:3"})
    assert pipeline._expected_to_run(tmp_path, edited, {"10_a.ipynb": "k1", "20_b.ipynb": "k2"}, True) == []
    assert pipeline._expected_to_run(tmp_path, edited, {"10_a.ipynb": "k1", "20_b.ipynb": "k9"}, True) == [
        "20_b.ipynb"]  # fmt: skip
    # Anything every section depends on changed: all of them.
    new_case = _quick(case={"survey.csv": "file:2"})
    keys = {"10_a.ipynb": "k1", "20_b.ipynb": "k2"}
    assert pipeline._expected_to_run(tmp_path, new_case, keys, True) == list(keys)
    # --no-cache runs everything.
    assert pipeline._expected_to_run(tmp_path, quick, keys, False) == list(keys)


def test_rows_are_estimated_from_regular_files_only(tmp_path):
    (tmp_path / "survey.csv").write_bytes(b"id\n1\n2\n3\n")
    os.mkfifo(tmp_path / "contacts.csv")  # would block a reader forever
    assert pipeline._estimated_rows(tmp_path) == 4
    (tmp_path / "survey.csv").unlink()
    (tmp_path / "survey.csv").symlink_to("/dev/zero")  # a link is the loader's to refuse
    assert pipeline._estimated_rows(tmp_path) == 0


def test_the_section_with_the_most_code_is_handed_out_first():
    def job(name, *sources):
        cells = [new_markdown_cell("x" * 5000)] + [new_code_cell(s) for s in sources]
        return Job(name, new_notebook(cells=cells))

    jobs = [job("10", "a = 1"), job("20", "b = 2\n" * 50), job("30", "c = 3"), job("40", "d\n" * 20)]
    assert longest_first(jobs) == [1, 3, 0, 2]  # Markdown does not count; ties keep report order


def test_the_kernel_environment_leaves_the_build_date_to_each_section():
    env = pipeline.kernel_environment(None, base={"SOURCE_DATE_EPOCH": "5", "HOME": "/h"})
    assert env["SOURCE_DATE_EPOCH"] == "5"  # inherited, replaced before every section
    assert "SOURCE_DATE_EPOCH" not in pipeline.kernel_environment(None, base={})
    assert pipeline.kernel_environment(7, base={})["SOURCE_DATE_EPOCH"] == "7"


def _notebook_file(path, code, markdown="## A"):
    cells = [new_markdown_cell(markdown), new_code_cell(code)]
    path.write_text(__import__("nbformat").writes(new_notebook(cells=cells)), encoding="utf-8")
    return path


def test_a_notebook_code_digest_sees_code_and_tags_not_markdown(tmp_path):
    path = _notebook_file(tmp_path / "10_a.ipynb", "x = 1")
    digest = cache.notebook_code_digest(path)
    _notebook_file(path, "x = 1", markdown="## Another heading")
    assert cache.notebook_code_digest(path) == digest
    _notebook_file(path, "x = 1\n# a comment")
    assert cache.notebook_code_digest(path) != digest
    (tmp_path / "broken.ipynb").write_text("{not json", encoding="utf-8")
    assert cache.notebook_code_digest(tmp_path / "broken.ipynb") is None
    assert cache.notebook_code_digest(tmp_path / "missing.ipynb") is None


def test_a_kernel_is_started_at_once_only_after_a_code_edit(tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    a = _notebook_file(nbs / "10_a.ipynb", "x = 1")
    b = _notebook_file(nbs / "20_b.ipynb", "y = 2")
    out = tmp_path / "out"

    def quick():
        return _quick(notebooks=cache.folder_record(nbs, "*.ipynb"))

    before = quick()
    cache.write_quick(out, before, context=cache.context_key(before),
                      notebooks=before["notebooks"],
                      notebook_code={p.name: cache.notebook_code_digest(p) for p in (a, b)})  # fmt: skip
    assert not pipeline._code_edited(out, nbs, quick(), True)  # nothing changed
    _notebook_file(b, "y = 2", markdown="## Only the words changed")
    assert not pipeline._code_edited(out, nbs, quick(), True)
    (nbs / "scratch.ipynb").write_text("{}", encoding="utf-8")  # not a section
    assert not pipeline._code_edited(out, nbs, quick(), True)
    _notebook_file(b, "y = 3")
    assert pipeline._code_edited(out, nbs, quick(), True)
    assert not pipeline._code_edited(out, nbs, quick(), False)  # --no-cache: all will run
    # Another context (here the case): every section runs; the zygote path decides.
    assert not pipeline._code_edited(out, nbs, {**quick(), "case": {"survey.csv": "file:2"}}, True)
    _notebook_file(b, "y = 2")
    _notebook_file(nbs / "30_c.ipynb", "z = 1")  # a new section
    assert pipeline._code_edited(out, nbs, quick(), True)
