"""Build one case of a batch and describe the outcome as one summary row.

:func:`build_case` is what a worker process (local pool or Dask worker) runs. It never
raises for a case that fails: every outcome, including an unexpected exception, becomes
a :class:`CaseResult`, so one broken case cannot stop a cohort.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from carebook.errors import (
    BuildLocked,
    CarebookError,
    CitationError,
    ExportError,
    InputError,
    ParameterError,
    SectionFailed,
)

__all__ = ["CaseResult", "build_case", "STATUSES"]

log = logging.getLogger(__name__)

#: Row statuses: built; failed (carebook refused or a section failed: the student can
#: act on the message); error (something unexpected: worth telling the lead); not a case.
STATUSES = ("built", "failed", "error", "not a case")
_MAX_PROBLEMS = 5
_MAX_MESSAGE = 2000


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case folder of a batch (one row of the summary).

    Attributes
    ----------
    name : str
        The case folder's name, as shown to the tutor.
    output : str
        The output folder's name inside the batch folder (``""`` for a non-case).
    status : str
        One of :data:`STATUSES`.
    section : str
        Where it failed: a section notebook's name, ``case validation``,
        ``parameters``, ``export``…; ``""`` when built.
    message : str
        What went wrong, in carebook's words (the first problems of an invalid case).
    seconds : float
        Wall time of the build, failure included.
    figures : dict
        Key figures from ``metrics.json`` (see :func:`carebook.batch.summary.key_figures`).
    words : int or None
        Prose word count of the report (as ``carebook check`` counts it).
    word_limit : int or None
        ``report.word_limit`` of the case.
    evidence : str
        Outcome 3 checklist items met, e.g. ``"7/7"``.
    html, pdf : str
        Paths of the report files relative to the batch folder (``""`` if not made).
    notes : tuple of str
        Things worth knowing that did not fail the build.
    """

    name: str
    output: str = ""
    status: str = "not a case"
    section: str = ""
    message: str = ""
    seconds: float = 0.0
    figures: dict[str, Any] = field(default_factory=dict)
    words: int | None = None
    word_limit: int | None = None
    evidence: str = ""
    html: str = ""
    pdf: str = ""
    notes: tuple[str, ...] = ()


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _problems(err: InputError) -> str:
    lines = [str(p) for p in err.problems[:_MAX_PROBLEMS]]
    more = len(err.problems) - _MAX_PROBLEMS
    if more > 0:
        lines.append(f"… and {more} more (run: carebook validate on this case)")
    return "\n".join(lines)


_local = threading.local()

#: The kernels' zygote a local batch shares among its workers: its address and key
#: (:func:`carebook.build.warm.zygote_key`), set in each worker by the batch
#: (:func:`share_zygote`); ``None`` on a Dask worker, which starts its own.
_shared_zygote: tuple[str, str] | None = None


def share_zygote(offer: tuple[str, str] | None) -> None:
    """Have this process's builds fork their kernels from the batch's zygote *offer*."""
    global _shared_zygote
    _shared_zygote = offer


def _warm_session() -> Any:
    """Return this worker thread's :class:`carebook.build.warm.WarmSession`.

    A worker builds case after case: the kernels' zygote (imports done once), Chromium
    and the export template are kept from one case to the next instead of started for
    each; in a local batch the zygote is the one all workers share (:func:`share_zygote`).
    One per thread (a Dask worker may run several builds at once, and a session runs one
    at a time); ended when the worker process exits.
    """
    session = getattr(_local, "session", None)
    if session is None:
        import multiprocessing.util

        from carebook.build.warm import WarmSession

        session = _local.session = WarmSession(shared_zygote=_shared_zygote)
        # Worker processes end through multiprocessing, which runs its finalizers (not
        # atexit's handlers); in a main process it runs them at exit too.
        multiprocessing.util.Finalize(session, session.close, exitpriority=10)
    return session


def _failure(err: Exception) -> tuple[str, str, str]:
    """Return (status, section, message) for an exception raised by a build."""
    if isinstance(err, InputError):
        return "failed", "case validation", _problems(err)
    if isinstance(err, SectionFailed):
        return "failed", err.notebook or "section", _clip(str(err))
    if isinstance(err, CitationError):
        return "failed", err.notebook or "references", _clip(str(err))
    named = {ParameterError: "parameters", ExportError: "export", BuildLocked: "output folder"}
    for kind, section in named.items():
        if isinstance(err, kind):
            return "failed", section, _clip(str(err))
    if isinstance(err, CarebookError):
        return "failed", "build", _clip(str(err))
    return "error", "", _clip(f"unexpected {type(err).__name__}: {err}")


def _check(result: Any, case_dir: Path) -> tuple[int | None, int | None, str]:
    """Word count and Outcome 3 evidence of a built report, as ``carebook check`` finds them.

    From the build's own checks (run while Chromium printed), or from the report an
    up-to-date build left (:func:`carebook.checks.checks_of_build`).
    """
    from carebook.checks import checks_of_build

    checks = checks_of_build(result, case_dir)
    met = sum(row.met for row in checks.coverage)
    return checks.words.total, checks.words.limit, f"{met}/{len(checks.coverage)}"


def _describe_build(row: CaseResult, case_dir: Path, out: Path, built: Any) -> CaseResult:
    """Add to *row* what the build *built* (a :class:`BuildResult`) made: figures, words, links."""
    from carebook.batch.summary import key_figures

    notes: list[str] = []
    figures: dict[str, Any] = {}
    try:
        figures = key_figures(json.loads((out / "metrics.json").read_text(encoding="utf-8")))
    except (OSError, ValueError) as err:
        notes.append(f"metrics.json could not be read: {err}")
    words = limit = None
    evidence = ""
    try:
        words, limit, evidence = _check(built, case_dir)
    except Exception as err:  # noqa: BLE001 - checks are extra information, never a failure
        log.debug("checks failed for %s", case_dir, exc_info=True)
        notes.append(f"word count not available: {type(err).__name__}: {err}")
    links = {
        kind: f"{row.output}/report.{kind}"
        for kind in ("html", "pdf")
        if kind in built.formats and (out / f"report.{kind}").is_file()
    }
    return replace(
        row,
        figures=figures,
        words=words,
        word_limit=limit,
        evidence=evidence,
        html=links.get("html", ""),
        pdf=links.get("pdf", ""),
        notes=row.notes + tuple(notes),
    )


def build_case(
    name: str,
    case_dir: str | os.PathLike[str],
    batch_dir: str | os.PathLike[str],
    output: str,
    *,
    formats: Sequence[str] = ("html", "pdf"),
    notebooks_dir: str | os.PathLike[str] | None = None,
    cell_timeout: float = 600,
) -> CaseResult:
    """Build one case into ``batch_dir/output`` with one kernel and describe the outcome.

    Parameters
    ----------
    name : str
        The case folder's display name (for the row).
    case_dir : path
        The case folder.
    batch_dir : path
        The batch output folder.
    output : str
        The case's output folder name inside *batch_dir* (already made safe by
        :func:`carebook.batch.cases.safe_folder_names`).
    formats : sequence of {"html", "pdf"}
        What each build publishes.
    notebooks_dir : path, optional
        Section notebooks (default: carebook's).
    cell_timeout : float
        Seconds one cell may run.

    Returns
    -------
    CaseResult
        Never raises for a failing case: carebook errors give status ``failed`` with the
        failing section and message, anything else status ``error``.
    """
    from carebook.build import build

    started = time.perf_counter()
    case_path = Path(case_dir)
    batch = Path(batch_dir).resolve()
    out = (batch / output).resolve()
    row = CaseResult(name=name, output=output, status="built")
    if out.parent != batch:
        # safe_folder_names never produces such a name; refuse rather than trust it.
        return replace(
            row, status="error", message=f"output folder {output!r} is not inside {batch}"
        )
    try:
        result = build(
            case_path,
            out,
            formats=tuple(formats),
            jobs=1,  # one kernel per case: N batch workers are N kernels
            notebooks_dir=notebooks_dir,
            cell_timeout=cell_timeout,
            session=_warm_session(),
            run_checks=True,  # while Chromium prints, with the case it validated
        )
    except Exception as err:  # noqa: BLE001 - every failure becomes a row, never stops the batch
        status, section, message = _failure(err)
        if status == "error":
            log.error("%s: unexpected error", name, exc_info=True)
        return replace(
            row,
            status=status,
            section=section,
            message=message,
            seconds=round(time.perf_counter() - started, 3),
        )
    described = _describe_build(replace(row, notes=tuple(result.warnings)), case_path, out, result)
    return replace(described, seconds=round(time.perf_counter() - started, 3))
