"""The command line maps the API's outcomes to the exit codes interface.md promises."""

import shutil

import pytest

from carebook import cli
from carebook.paths import SAMPLE_CASE


@pytest.fixture
def broken_case(tmp_path):
    case = tmp_path / "broken"
    shutil.copytree(SAMPLE_CASE, case, ignore=shutil.ignore_patterns("survey.csv", "contacts.csv", "comments.csv"))
    (case / "survey.csv").write_text("respondent_id\nR1\n", encoding="utf-8")
    (case / "contacts.csv").write_text(
        "contact_id,channel,received_at,first_response_at,resolved_at\nC1,fax,2014-01-01 09:00,,\n", encoding="utf-8")
    return case


def test_validate_accepts_the_sample(capsys):
    assert cli.main(["validate", str(SAMPLE_CASE)]) == 0
    assert "valid case for China Mobile" in capsys.readouterr().out


def test_validate_refuses_a_broken_case_with_exit_2_and_located_lines(broken_case, capsys):
    assert cli.main(["validate", str(broken_case)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert any(line.startswith("survey.csv:1:E1:") or line.startswith("survey.csv::E1") or
               line.startswith("survey.csv:") and "E1" in line for line in lines)
    assert any(line.startswith("contacts.csv:2:channel:") and "fax" in line for line in lines)


def test_build_of_a_broken_case_stops_before_any_notebook(broken_case, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["build", str(broken_case), "--out", str(out), "--format", "html"]) == 2
    assert not (out / "report.html").exists() and not (out / "executed").exists()


def test_unknown_format_is_refused(capsys):
    assert cli.main(["build", "--format", "docx"]) == 2
    assert "--format" in capsys.readouterr().err


def test_unknown_parameter_is_refused_before_any_kernel(tmp_path, capsys):
    assert cli.main(["build", "--out", str(tmp_path), "-p", "quotes_per_them", "3"]) == 2
    assert "quotes_per_theme" in capsys.readouterr().err


def test_check_runs_on_the_source_notebooks(tmp_path, capsys):
    code = cli.main(["check", str(SAMPLE_CASE), "--out", str(tmp_path)])
    text = capsys.readouterr().out
    assert code in (0, 1) and "Outcome 3 evidence" in text and "Checks:" in text


def test_sample_writes_a_small_case_that_validates(tmp_path):
    out = tmp_path / "small"
    assert cli.main(["sample", str(out), "--respondents", "40", "--contacts", "30", "--comments", "20"]) == 0
    assert cli.main(["validate", str(out)]) == 0
