"""carebook.batch.worker: every outcome of one build becomes a row, nothing escapes."""

from __future__ import annotations

import pytest

import carebook.build
from carebook.batch.runner import BatchResult, run_batch
from carebook.batch.worker import CaseResult, build_case
from carebook.errors import (
    BuildLocked,
    CitationError,
    ExportError,
    InputError,
    ParameterError,
    Problem,
    SectionFailed,
)


def _raising(err: BaseException):
    def build(*args, **kwargs):
        raise err

    return build


@pytest.mark.parametrize(
    ("err", "status", "section", "message"),
    [
        (SectionFailed("cell 3 raised ZeroDivisionError", notebook="30_survey.ipynb", cell=3),
         "failed", "30_survey.ipynb", "cell 3 raised ZeroDivisionError"),
        (CitationError("[@nobody] is not in references.yaml", notebook="20_x.ipynb"),
         "failed", "20_x.ipynb", "[@nobody]"),
        (ParameterError("unknown parameter 'sead'"), "failed", "parameters", "sead"),
        (ExportError("Chromium failed"), "failed", "export", "Chromium"),
        (BuildLocked("another build is writing"), "failed", "output folder", "another build"),
        (RuntimeError("kaboom"), "error", "", "unexpected RuntimeError: kaboom"),
    ],
    ids=["section", "citation", "parameter", "export", "locked", "unexpected"],
)
def test_failures_become_rows(monkeypatch, tmp_path, err, status, section, message):
    monkeypatch.setattr(carebook.build, "build", _raising(err))
    row = build_case("x", tmp_path / "case", tmp_path / "batch", "x")
    assert (row.status, row.section) == (status, section)
    assert message in row.message
    assert row.html == row.pdf == "" and row.figures == {}
    assert row.seconds >= 0


def test_an_invalid_case_shows_its_first_problems(monkeypatch, tmp_path):
    problems = [Problem("survey.csv", i + 2, "P1", f"value {i} out of range") for i in range(8)]
    monkeypatch.setattr(carebook.build, "build", _raising(InputError(problems)))
    row = build_case("x", tmp_path / "case", tmp_path / "batch", "x")
    assert (row.status, row.section) == ("failed", "case validation")
    lines = row.message.splitlines()
    assert lines[0] == "survey.csv:2:P1: value 0 out of range"
    assert len(lines) == 6 and lines[-1].startswith("… and 3 more")


def test_an_output_name_outside_the_batch_folder_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(carebook.build, "build", _raising(AssertionError("must not build")))
    row = build_case("x", tmp_path / "case", tmp_path / "batch", "../escape")
    assert row.status == "error" and "not inside" in row.message
    assert not (tmp_path / "escape").exists()


def test_batch_is_ok_only_when_every_case_built(tmp_path):
    built, other = CaseResult("a", "a", "built"), CaseResult("n")
    assert BatchResult(tmp_path, [built, other]).ok
    assert not BatchResult(tmp_path, [built, CaseResult("b", "b", "failed")]).ok


def test_a_cohort_without_cases_is_an_input_error(tmp_path):
    (tmp_path / "notes").mkdir()
    with pytest.raises(InputError, match="no case folders found"):
        run_batch(tmp_path, tmp_path / "out")


def test_jobs_must_be_positive(tmp_path):
    with pytest.raises(ParameterError, match="--jobs"):
        run_batch(tmp_path, tmp_path / "out", jobs=0)
