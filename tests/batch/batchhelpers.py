"""Helpers for the batch tests: copy the tiny case into a cohort, whole or broken."""

from __future__ import annotations

import shutil
from pathlib import Path

#: A good case under a name a student could give it: markup, a formula, spaces.
HOSTILE_GOOD = "<img src=x onerror=alert(1)> =1+1"


def add_case(cohort: Path, name: str, source: Path) -> Path:
    """Copy *source* into the cohort as sub-folder *name*."""
    return Path(shutil.copytree(source, cohort / name))


def add_broken_case(cohort: Path, name: str, source: Path) -> Path:
    """Copy *source* with a header-only survey.csv: invalid before any kernel starts."""
    path = add_case(cohort, name, source)
    header = (path / "survey.csv").read_text(encoding="utf-8").splitlines()[0]
    (path / "survey.csv").write_text(header + "\n", encoding="utf-8")
    return path


def worker_probe(name: str, *args: object, **kwargs: object):
    """A stand-in for ``build_case`` that reports what the worker process started with.

    The row's message is the JSON of: whether the build pipeline was imported before the
    task ran, the worker's ``CAREBOOK_PROBE`` variable, and its working folder.
    """
    import json
    import os
    import sys

    from carebook.batch.worker import CaseResult

    seen = {
        "preloaded": "carebook.build.pipeline" in sys.modules,
        "probe": os.environ.get("CAREBOOK_PROBE"),
        "cwd": os.getcwd(),
    }
    return CaseResult(name=name, status="built", message=json.dumps(seen))
