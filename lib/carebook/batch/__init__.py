"""Build a whole cohort's cases and summarise them (``carebook batch``).

- :mod:`~carebook.batch.cases` lists the case folders and gives each a safe output name;
- :mod:`~carebook.batch.worker` builds one case and turns any outcome into a row;
- :mod:`~carebook.batch.runner` runs the builds in local processes or on a Dask cluster;
- :mod:`~carebook.batch.summary` writes ``summary.html`` and an Excel-safe ``summary.csv``.

Examples
--------
>>> result = run_batch("cohort/", "report/batch", jobs=2)  # doctest: +SKIP
>>> result.ok, result.summary_html  # doctest: +SKIP
(False, PosixPath('report/batch/summary.html'))
"""

from __future__ import annotations

from carebook.batch.cases import CaseFolder, find_cases, safe_folder_names
from carebook.batch.runner import DEFAULT_BATCH_OUT, BatchResult, run_batch
from carebook.batch.summary import key_figures, render_html, summary_frame, write_summary
from carebook.batch.worker import CaseResult, build_case

__all__ = [
    "BatchResult",
    "CaseFolder",
    "CaseResult",
    "DEFAULT_BATCH_OUT",
    "build_case",
    "find_cases",
    "key_figures",
    "render_html",
    "run_batch",
    "safe_folder_names",
    "summary_frame",
    "write_summary",
]
