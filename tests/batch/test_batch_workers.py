"""How local batch workers start: forked with the build imported, in the caller's setting."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
from batchhelpers import worker_probe

from carebook.batch import runner
from carebook.batch.cases import CaseFolder


def _probe(tmp_path: Path, jobs: int) -> list[dict]:
    """Run :func:`worker_probe` for three cases with *jobs* workers; return what each saw."""
    cases = [CaseFolder(f"case-{k}", tmp_path / f"case-{k}", True, f"case-{k}") for k in range(3)]
    rows = runner._run_local(
        cases, lambda case: (case.name,), {}, jobs, lambda row: None, task=worker_probe
    )
    assert sorted(row.name for row in rows) == ["case-0", "case-1", "case-2"]
    return [json.loads(row.message) for row in rows]


@pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="no forkserver here"
)
def test_workers_are_forked_with_the_build_already_imported():
    assert runner._worker_context().get_start_method() == "forkserver"
    assert "carebook.build.pipeline" in runner.WORKER_MODULES


def test_workers_see_the_environment_and_folder_of_each_batch_not_the_first(tmp_path, monkeypatch):
    # The first batch of this process starts the forkserver; the second must not inherit
    # the setting the server started with.
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    monkeypatch.chdir(first)
    monkeypatch.setenv("CAREBOOK_PROBE", "one")
    seen = _probe(tmp_path, jobs=2)
    assert {(s["probe"], s["cwd"]) for s in seen} == {("one", str(first))}

    monkeypatch.chdir(second)
    monkeypatch.setenv("CAREBOOK_PROBE", "two")
    seen = _probe(tmp_path, jobs=2)
    assert {(s["probe"], s["cwd"]) for s in seen} == {("two", str(second))}
    if runner._worker_context().get_start_method() == "forkserver":
        assert all(s["preloaded"] for s in seen)
