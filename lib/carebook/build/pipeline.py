"""The build: validate → parameters → execute → verify → assemble → export → publish.

This module only wires the steps together (reliability.md "Build sequence"); each step
lives in its own module of :mod:`carebook.build`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carebook import paths
from carebook.errors import ExportError, ParameterError

__all__ = ["BuildResult", "SectionResult", "build", "source_date_epoch", "kernel_environment"]

log = logging.getLogger(__name__)

FORMATS = ("html", "pdf")
_EPOCH_BASE = int(dt.datetime(2020, 1, 1, tzinfo=dt.UTC).timestamp())
_EPOCH_SPAN_DAYS = 5 * 365


@dataclass(frozen=True)
class SectionResult:
    """How one section went: ``status`` is executed, cached, failed or skipped."""

    name: str
    seconds: float
    status: str


@dataclass
class BuildResult:
    """What a finished build produced.

    Attributes
    ----------
    out_dir : Path
        The output folder.
    sections : list of SectionResult
        Per section notebook, in report order.
    formats : tuple of str
        The formats written (``html``, ``pdf``).
    pdf_engine : str or None
        ``"chromium"``, ``"weasyprint"`` or ``None`` when no PDF was made.
    warnings : list of str
        Things worth telling the user that did not stop the build.
    seconds : float
        Wall time of the whole build.
    """

    out_dir: Path
    sections: list[SectionResult] = field(default_factory=list)
    formats: tuple[str, ...] = ()
    pdf_engine: str | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def source_date_epoch(case: Any) -> int:
    """Return the fixed "build date" the kernels see, never the wall clock (P1-12).

    The submission date (midnight UTC) when ``case.yaml`` gives one; otherwise a day
    between 2020 and 2025 derived from the input files' hashes, so the same case always
    gets the same date.
    """
    submitted = getattr(case.config.report, "submission_date", None)
    if submitted is not None:
        return int(
            dt.datetime(submitted.year, submitted.month, submitted.day, tzinfo=dt.UTC).timestamp()
        )
    digest = hashlib.sha256()
    for name, info in sorted((getattr(case, "inputs", None) or {}).items()):
        digest.update(f"{name}\0{info.sha256}\n".encode())
    day = int(digest.hexdigest()[:12], 16) % _EPOCH_SPAN_DAYS
    return _EPOCH_BASE + day * 86400


def kernel_environment(epoch: int, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the kernels' environment: *base* (default ``os.environ``) pinned for repeatability."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "PYTHONHASHSEED": "0",
            "TZ": "UTC",
            "LC_ALL": "C.UTF-8",
            "LANG": "C.UTF-8",
            "MPLBACKEND": "Agg",
            "SOURCE_DATE_EPOCH": str(int(epoch)),
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
    )
    return env


def _check_formats(formats: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(formats, str):
        formats = [f for f in formats.split(",") if f.strip()]
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in formats))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ParameterError(f"formats: expected html and/or pdf, got {list(formats)!r}")
    return tuple(f for f in FORMATS if f in chosen)


def _write_notebook(nb: Any, path: Path) -> None:
    import nbformat

    from carebook.build.publish import write_atomic

    write_atomic(path, nbformat.writes(nb).encode("utf-8") + b"\n")


def build(
    case_dir: str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    formats: Sequence[str] = ("html", "pdf"),
    params: Mapping[str, Any] | None = None,
    jobs: int | None = None,
    notebooks_dir: str | os.PathLike[str] | None = None,
    cell_timeout: float = 600,
    start_timeout: float = 120,
) -> BuildResult:
    """Build the report of a case into an output folder.

    Parameters
    ----------
    case_dir : path, optional
        The case folder; default the embedded sample (``data/sample``).
    out_dir : path, optional
        The output folder; default ``report/``.
    formats : sequence of {"html", "pdf"}
        What to publish. The HTML is always made (the PDF is printed from it) but
        ``report.html`` is published only when asked for. An artefact not asked for is
        removed from the output folder on success, so its files all belong to one build.
    params : mapping, optional
        Parameter name → value (text from ``-p NAME VALUE`` or typed from YAML); checked
        against the sections' ``parameters`` cells before anything runs.
    jobs : int, optional
        Kernels run in parallel (default: the number of CPUs, at most one per section).
    notebooks_dir : path, optional
        The section notebooks (default ``notebooks/``).
    cell_timeout : float
        Seconds one cell may run.
    start_timeout : float
        Seconds a kernel may take to start.

    Returns
    -------
    BuildResult

    Raises
    ------
    InputError
        The case is invalid (raised before any kernel starts).
    ParameterError
        A parameter is unknown, not an identifier or of the wrong type; or a section
        does not have exactly one ``parameters`` cell.
    SectionFailed
        A section raised, timed out, stopped early or lost its kernel; the failed
        notebook is kept in ``OUT/failed/``.
    CitationError
        A Markdown cell cites an id missing from ``references.yaml``.
    ExportError
        HTML/PDF export failed or the HTML failed the safety check.
    BuildLocked
        Another build is writing into the output folder.
    """
    import carebook
    from carebook import case as case_package
    from carebook.build import assemble, execute, export, manifest, normalize, pdf, publish
    from carebook.build import sections as sections_module

    started = time.perf_counter()
    case_dir = Path(case_dir) if case_dir is not None else paths.SAMPLE_CASE
    out = Path(out_dir) if out_dir is not None else paths.DEFAULT_OUT
    notebooks = Path(notebooks_dir) if notebooks_dir is not None else paths.NOTEBOOKS_DIR
    chosen = _check_formats(formats)

    case = case_package.validate(case_dir)
    sections = sections_module.discover(notebooks)
    converted = sections_module.check_parameters(params, sections)
    case_rel = sections_module.relative_case_dir(case_dir, notebooks)
    user_params = {k: v for values in converted.values() for k, v in values.items()}
    epoch = source_date_epoch(case)
    settings = execute.KernelSettings(
        env=kernel_environment(epoch),
        cwd=notebooks.resolve(),
        cell_timeout=cell_timeout,
        start_timeout=start_timeout,
    )
    job_list = [
        _prepare(s, sections_module.section_parameters(s, converted, case_rel)) for s in sections
    ]
    workers = max(1, min(int(jobs or os.cpu_count() or 1), len(job_list)))
    replacements = normalize.path_replacements(
        {
            str(notebooks.resolve()): ".",
            str(case_dir.resolve()): case_rel,
            str(out.resolve()): "<out>",
            str(Path(sys.prefix).resolve()): "<venv>",
            str(Path.home()): "~",
        }
    )

    with publish.OutputLock(out):
        publish.remove_stale_staging(out)
        staging = publish.make_staging(out)
        try:
            runs = execute.run_sections(job_list, settings, workers=workers)
            results = [SectionResult(r.name, round(r.seconds, 3), r.status) for r in runs]
            failed = next((r for r in runs if r.failure is not None), None)
            if failed is not None:
                kept = out / publish.FAILED_DIR / failed.name
                _write_notebook(normalize.normalize(failed.nb, replacements=replacements), kept)
                raise failed.failure.to_error(str(kept))

            executed = [
                (r.name, normalize.normalize(r.nb, replacements=replacements)) for r in runs
            ]
            outputs: dict[str, Path] = {}
            for name, nb in executed:
                path = staging / "executed" / name
                _write_notebook(nb, path)
                outputs[f"executed/{name}"] = path

            report_nb = assemble.assemble(
                case, executed, parameters=user_params, version=carebook.__version__
            )
            title = report_nb.metadata["title"]
            page = export.export_html(report_nb, title=title, transform=assemble.insert_contents)
            html_path = staging / "report.html"
            html_path.write_text(page, encoding="utf-8")
            engine = None
            if "pdf" in chosen:
                engine = pdf.print_pdf(html_path, staging / "report.pdf")
                outputs["report.pdf"] = staging / "report.pdf"
            if "html" in chosen:
                outputs["report.html"] = html_path
            else:
                html_path.unlink()

            metrics_path = staging / "metrics.json"
            metrics_path.write_text(_metrics_json(case) + "\n", encoding="utf-8")
            outputs["metrics.json"] = metrics_path
            used = {**user_params, "case_dir": case_rel}
            record = manifest.make_manifest(
                case=case,
                parameters=used,
                sections=[s.name for s in sections],
                outputs=outputs,
                source_date_epoch=epoch,
                pdf_engine=engine,
                carebook_version=carebook.__version__,
            )
            (staging / "manifest.json").write_text(
                json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
                encoding="utf-8",
            )
            publish.publish(staging, out)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    warnings = [str(p) for p in getattr(case, "warnings", ())]
    return BuildResult(
        out_dir=out,
        sections=results,
        formats=chosen,
        pdf_engine=engine,
        warnings=warnings,
        seconds=round(time.perf_counter() - started, 3),
    )


def _prepare(section: Any, parameters: Mapping[str, Any]) -> Any:
    """Load, parameterize and arm one section notebook with the sentinel."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from carebook.build.execute import Job
    from carebook.build.verify import add_sentinel

    nb = parameterize_notebook(load_notebook_node(str(section.path)), dict(parameters))
    return Job(section.name, add_sentinel(nb), dict(parameters))


def _metrics_json(case: Any) -> str:
    from carebook import metrics

    try:
        return json.dumps(metrics.compute(case), indent=2, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ExportError(f"metrics.json could not be written as strict JSON: {err}") from err
