"""Every broken case of the catalogue is refused with exactly the expected lines and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from broken_cases import CATALOGUE
from casekit import problem_lines

from carebook import cli


def test_catalogue_is_large_enough():
    assert len(CATALOGUE) >= 40
    assert len({name for name, _, _ in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize(("setup", "expected"), [(s, e) for _, s, e in CATALOGUE],
                         ids=[name for name, _, _ in CATALOGUE])
def test_broken_case_is_refused_with_exact_problems(case_dir: Path, monkeypatch, capsys, setup, expected):
    # setenv first so that monkeypatch records the variable and restores it afterwards,
    # even when a setup step (the size cap) writes to os.environ itself.
    monkeypatch.setenv("CAREBOOK_MAX_FILE_BYTES", "")
    monkeypatch.delenv("CAREBOOK_MAX_FILE_BYTES")
    monkeypatch.chdir(case_dir.parent)  # a YAML tag that tried to run a command would write here
    setup(case_dir)
    assert problem_lines(case_dir) == expected
    assert cli.main(["validate", str(case_dir)]) == 2
    stderr = capsys.readouterr().err.splitlines()
    assert [line for line in stderr if line in expected] == expected
    assert not (case_dir.parent / "pwned").exists()
