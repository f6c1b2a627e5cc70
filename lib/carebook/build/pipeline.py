"""The build: validate → parameters → execute → verify → assemble → export → publish.

This module only wires the steps together (reliability.md "Build sequence"); each step
lives in its own module of :mod:`carebook.build`.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import fnmatch
import functools
import hashlib
import json
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carebook import paths
from carebook.build import imports
from carebook.errors import ExportError, ParameterError

__all__ = ["BuildResult", "SectionResult", "build", "source_date_epoch", "kernel_environment"]

log = logging.getLogger(__name__)

FORMATS = ("html", "pdf")
_EPOCH_BASE = int(dt.datetime(2020, 1, 1, tzinfo=dt.UTC).timestamp())
_EPOCH_SPAN_DAYS = 5 * 365


@dataclass(frozen=True)
class SectionResult:
    """How one section went.

    Attributes
    ----------
    name : str
        Section file name.
    seconds : float
        Wall time spent running it (0 when cached).
    status : str
        ``executed``, ``cached``, ``failed`` or ``skipped``.
    reason : str
        Why it ran or was reused (``"parameter seed changed"``, ``"unchanged"``, …).
    """

    name: str
    seconds: float
    status: str
    reason: str = ""


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
    up_to_date : bool
        True when nothing the published files depend on had changed and they were left
        as they were (no kernel, no assembly, no export).
    case : Case or None
        The validated case, so that what follows a build (the student checks) need not
        read and validate the case files a second time.
    checks : CheckReport or None
        The student checks of the built report (``build(run_checks=True)``); ``None``
        when not asked for or when nothing was built (an up-to-date build).
    """

    out_dir: Path
    sections: list[SectionResult] = field(default_factory=list)
    formats: tuple[str, ...] = ()
    pdf_engine: str | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    up_to_date: bool = False
    case: Any = field(default=None, repr=False, compare=False)
    checks: Any = field(default=None, repr=False, compare=False)


def source_date_epoch(case: Any) -> int:
    """Return the fixed "build date" the kernels see, never the wall clock (P1-12).

    The submission date (midnight UTC) when ``case.yaml`` gives one; otherwise a
    ``SOURCE_DATE_EPOCH`` the user set (reproducible-builds.org convention); otherwise a
    day between 2020 and 2025 derived from the input files' hashes, so the same case
    always gets the same date.
    """
    submitted = getattr(case.config.report, "submission_date", None)
    if submitted is not None:
        return int(
            dt.datetime(submitted.year, submitted.month, submitted.day, tzinfo=dt.UTC).timestamp()
        )
    given = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if given.isdigit():
        return int(given)
    if given:
        log.warning("SOURCE_DATE_EPOCH=%r is not a whole number of seconds; ignored", given)
    digest = hashlib.sha256()
    for name, info in sorted((getattr(case, "inputs", None) or {}).items()):
        digest.update(f"{name}\0{info.sha256}\n".encode())
    day = int(digest.hexdigest()[:12], 16) % _EPOCH_SPAN_DAYS
    return _EPOCH_BASE + day * 86400


def kernel_environment(epoch: int | None, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the kernels' environment: *base* (default ``os.environ``) pinned for repeatability.

    With *epoch* ``None`` the build date is left to be set per section (the pipeline
    starts kernels before it has read the case that decides the date).
    """
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "PYTHONHASHSEED": "0",
            "TZ": "UTC",
            "LC_ALL": "C.UTF-8",
            "LANG": "C.UTF-8",
            "MPLBACKEND": "Agg",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
    )
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(int(epoch))
    return env


def kernel_settings(
    notebooks: str | os.PathLike[str], base: Mapping[str, str] | None = None, **timeouts: float
) -> Any:
    """Return the settings of a build's kernels for the sections in *notebooks*.

    One definition for a build, a watch session's spare kernel and a batch's shared
    zygote: a zygote serves a build only when their settings agree
    (:func:`carebook.build.warm.zygote_key`).

    Parameters
    ----------
    notebooks : path
        The section notebooks' folder (the kernels' working folder).
    base : mapping, optional
        The environment the kernels' is made from (default ``os.environ``), as for
        :func:`kernel_environment` (the build date is set per section).
    **timeouts : float
        ``cell_timeout`` and ``start_timeout`` of :class:`carebook.build.execute.KernelSettings`.
    """
    from carebook.build import execute

    return execute.KernelSettings(
        env=kernel_environment(None, base=base), cwd=Path(notebooks).resolve(), **timeouts
    )


#: The imports every section makes (pandas and matplotlib through carebook's modules),
#: then carebook's plotting set-up: what a kernel should have done before its first
#: section.
_SECTION_IMPORTS = (
    "import carebook, carebook.case, carebook.figures, carebook.tables",
    "carebook.setup()",
)


def preload_code() -> str:
    """Return what the kernels' zygote imports once, before it forks them.

    The sections' imports and ipykernel's own, so a forked kernel starts with them done
    (:mod:`carebook.build.zygote`), seaborn (with ``scipy.stats``, 0.7 s), which only
    the sections that draw charts import, and the bibliography's citation style (citeproc
    and lxml imported, the style and the method references parsed: 0.05-0.1 s of the
    bibliography section's 0.2 s): a zygote serves several kernels, or a batch's whole
    cohort, or every rebuild of a watch, so it does once what one of them is likely to
    need. A single kernel started without a zygote leaves it to the section that needs
    it (:func:`warm_up_code`).
    """
    return "\n".join(
        [
            "import ipykernel.kernelapp",
            "import seaborn",
            *_SECTION_IMPORTS,
            "import carebook.references",
            "carebook.references.warm_up()",
        ]
    )


def prime_code(case_rel: str, shared: str | os.PathLike[str]) -> str:
    """Return the code that gives a kernel the case the build validated (``loader.prime``).

    Parameters
    ----------
    case_rel : str
        The case folder as the sections name it (relative to the notebooks).
    shared : path
        The pickle :func:`carebook.case.loader.share` wrote.
    """
    return "\n".join(
        [
            "import carebook.case.loader as _carebook_loader",
            f"_carebook_loader.prime({case_rel!r}, {str(shared)!r})",
            "del _carebook_loader",
        ]
    )


def warm_up_code(*, yield_to_validation: bool = True, prime: str = "") -> str:
    """Return what a kernel runs while it waits for its first section: the common imports.

    At a lower CPU priority (``os.nice(5)``; see the comment in the code) when
    *yield_to_validation*; not when the case is known to be valid already (kept by the
    last build, :mod:`carebook.build.case_cache`): then the kernel is what the build
    waits for.

    pandas, matplotlib and carebook's case model, so the first section starts where the
    others do; not seaborn, which ``carebook.setup`` does without (:mod:`carebook.theme`).
    The case itself is not read here: the build hands the kernels the case it validated
    (:func:`carebook.case.loader.prime`) before the first section. Errors are left for
    the sections to meet. *prime* (:func:`prime_code`) is run last: a watch session's
    spare kernel reads the case the last build validated while it waits.
    """
    # os.nice: a kernel started this early must not slow down the validation that decides
    # whether it is needed at all (a student's invalid case gets its errors as fast as
    # without it); nothing else competes with the kernels once the sections run.
    # gc.freeze: what is imported by now lives as long as the kernel, so the collections
    # of the %reset between sections need not scan it again (0.15 s each otherwise). A
    # kernel forked from the zygote has most of it frozen already.
    return "\n".join(
        [
            "try:",
            "    import os",
            *(["    os.nice(5)"] if yield_to_validation else []),
            *(f"    {line}" for line in _SECTION_IMPORTS),
            *(f"    {line}" for line in prime.splitlines()),
            "    import gc",
            "    gc.collect()",
            "    gc.freeze()",
            "except Exception:",
            "    pass",
        ]
    )


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
    use_cache: bool = True,
    observer: Callable[[Any], None] | None = None,
    run_checks: bool = False,
    session: Any = None,
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
    use_cache : bool
        Reuse verified runs from ``OUT/.carebook-cache`` for sections whose
        dependencies did not change, and leave the published files alone when nothing
        changed at all (:mod:`carebook.build.cache`). False (``--no-cache``) runs every
        section; its runs are still stored for the next build.
    observer : callable, optional
        Called with a :class:`carebook.build.progress.Event` at each step (the
        command line's progress display); called from worker threads too.
    run_checks : bool
        Also run the student checks (:func:`carebook.checks.run_checks`) on the built
        report, while the PDF prints; the result is ``BuildResult.checks``.
    session : carebook.build.warm.WarmSession, optional
        Kernels' zygote, Chromium, export template and validated case kept from the
        session's earlier builds (``carebook watch``); left running for the next one.

    Returns
    -------
    BuildResult

    Raises
    ------
    InputError
        The case is invalid (raised before any section runs; kernels started early to
        import while the case is validated are shut down unused).
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
    from carebook.build import cache, pdf
    from carebook.build import progress as events

    started = time.perf_counter()
    notify = observer if observer is not None else events.quiet
    case_dir = Path(case_dir) if case_dir is not None else paths.SAMPLE_CASE
    out = Path(out_dir) if out_dir is not None else paths.DEFAULT_OUT
    notebooks = Path(notebooks_dir) if notebooks_dir is not None else paths.NOTEBOOKS_DIR
    chosen = _check_formats(formats)
    chromium = pdf.find_chromium() if "pdf" in chosen else None
    quick = cache.quick_record(case_dir, notebooks, params, chosen, chromium)
    if use_cache:
        unchanged = _unchanged_since_last_build(out, quick, started, notify)
        if unchanged is not None:
            return unchanged

    # Chromium is started once the case is valid and is ready to print by the time the
    # page is (carebook.build.browser).
    with _BrowserSlot(chromium, session) as browser:
        return _build_with_kernels(
            case_dir=case_dir, out=out, notebooks=notebooks, chosen=chosen,
            chromium=chromium, quick=quick, params=params, use_cache=use_cache, jobs=jobs,
            notify=notify, started=started, cell_timeout=cell_timeout,
            start_timeout=start_timeout, browser=browser, run_checks=run_checks,
            session=session,
        )  # fmt: skip


class _BrowserSlot:
    """A Chromium for the PDF: started on demand, once, and closed with the slot.

    With a watch session the session's Chromium is used and left running.
    """

    def __init__(self, chromium: str | None, session: Any = None):
        self.chromium = chromium
        self.session = session
        self.browser: Any = None
        self._tried = chromium is None

    def __enter__(self) -> _BrowserSlot:
        return self

    def __exit__(self, *exc: object) -> None:
        self._tried = True
        if self.browser is not None and self.session is None:
            self.browser.close()

    def start(self) -> None:
        """Start Chromium unless it was started (or failed to start) before."""
        from carebook.build.browser import Browser, BrowserError

        if self._tried:
            return
        self._tried = True
        if self.session is not None:
            self.browser = self.session.browser(self.chromium)
            return
        try:
            self.browser = Browser(self.chromium)
        except BrowserError as err:
            log.info("%s; the PDF will be printed by a new Chromium", err)

    def get(self) -> Any:
        """Return the browser (starting it now if it was not), or ``None``."""
        self.start()
        return self.browser

    def close_soon(self) -> None:
        """Once the PDF is printed: ask this build's own Chromium to quit, not waiting."""
        if self.browser is not None and self.session is None:
            self.browser.close_soon()


def _build_with_kernels(
    *,
    case_dir: Path,
    out: Path,
    notebooks: Path,
    chosen: tuple[str, ...],
    chromium: str | None,
    quick: Mapping[str, Any],
    params: Mapping[str, Any] | None,
    use_cache: bool,
    jobs: int | None,
    notify: Callable[[Any], None],
    started: float,
    cell_timeout: float,
    start_timeout: float,
    browser: Any,
    run_checks: bool,
    session: Any,
) -> BuildResult:
    """Check the parameters, start the kernels and go on (see :func:`build`)."""
    # Heavy imports (pandas, pandera, nbconvert) only once there is work to do.
    from carebook.build import cache, case_cache, execute
    from carebook.build import sections as sections_module

    # The build date comes from the case, so it is set in the kernel before each section
    # (section_env) rather than at kernel start: that lets the kernels start early.
    settings = kernel_settings(
        notebooks,
        base=session.environment if session is not None else None,
        cell_timeout=cell_timeout,
        start_timeout=start_timeout,
    )
    warm_zygote = (
        session.zygote(settings, {"source": quick["source"], "versions": quick["versions"]})
        if session is not None
        else None
    )
    pool = execute.KernelPool(settings, zygote=warm_zygote)
    rows: int | None = None
    # With the case the last build validated kept, no validation will run for an early
    # kernel to yield to (warm_up_code).
    case_kept = use_cache and case_cache.holds(out / cache.CACHE_DIR, case_cache.case_key(quick))
    try:
        if warm_zygote is None and _everything_will_run(out, quick, use_cache):
            rows = _estimated_rows(case_dir)
            sections_found = len(list(notebooks.glob(sections_module.SECTION_GLOB)))
            if default_workers(jobs, os.cpu_count(), rows, sections_found) > 1:
                # The kernels' zygote only imports (no case, no parameters): it can start
                # importing now, before the notebooks are read and their parameters
                # checked. Only for two kernels or more: it saves each kernel the imports.
                pool.start_zygote(preload_code())
        elif session is None and _code_edited(out, notebooks, quick, use_cache):
            # A rebuild after a notebook's code was edited: the kernel it will need starts
            # now, not after papermill is imported and the notebooks are parsed (0.3 s
            # later). If the guess is wrong (a section the cache still reuses), the
            # kernel is shut down unused.
            pool.start(1, warm_up=warm_up_code(yield_to_validation=not case_kept))
        # Parameters are checked before any kernel starts (reliability.md P0-6).
        sections = sections_module.discover(notebooks)
        converted = sections_module.check_parameters(params, sections)
        case_rel = sections_module.relative_case_dir(case_dir, notebooks)
        user_params = {k: v for values in converted.values() for k, v in values.items()}
        job_list = [
            _prepare(s, sections_module.section_parameters(s, converted, case_rel))
            for s in sections
        ]
        code_keys = {j.name: cache.record_key(cache.code_record(j.nb)) for j in job_list}
        # Kernels start and import while this process validates the case; no section
        # runs before the case is valid, and an invalid case shuts them down unused.
        expected = _expected_to_run(out, quick, code_keys, use_cache)
        if expected:
            spare = session.take_spare(settings, warm_zygote) if session is not None else None
            if spare is not None:  # a watch session's kernel, forked and warmed up already
                pool.close()  # it started nothing
                pool = spare
            if rows is None:  # a watch session's case, if unchanged, knows its rows
                kept = session.case(case_cache.case_key(quick)) if session is not None else None
                rows = _case_rows(kept) if kept is not None else _estimated_rows(case_dir)
            count = default_workers(jobs, os.cpu_count(), rows, len(expected))
            pool.start(
                count - pool.size,
                warm_up=warm_up_code(yield_to_validation=not case_kept),
                preload=preload_code() if count > 1 else None,
            )
        return _build_after_start(
            case_dir=case_dir, out=out, notebooks=notebooks, chosen=chosen,
            chromium=chromium, quick=quick, use_cache=use_cache, jobs=jobs, notify=notify,
            started=started, sections=sections, job_list=job_list, case_rel=case_rel,
            user_params=user_params, code_keys=code_keys, settings=settings, pool=pool,
            browser=browser, run_checks=run_checks, session=session,
        )  # fmt: skip
    finally:
        pool.close()


def _build_after_start(
    *,
    case_dir: Path,
    out: Path,
    notebooks: Path,
    chosen: tuple[str, ...],
    chromium: str | None,
    quick: Mapping[str, Any],
    use_cache: bool,
    jobs: int | None,
    notify: Callable[[Any], None],
    started: float,
    sections: Sequence[Any],
    job_list: Sequence[Any],
    case_rel: str,
    user_params: Mapping[str, Any],
    code_keys: Mapping[str, str],
    settings: Any,
    pool: Any,
    browser: Any,
    run_checks: bool,
    session: Any = None,
) -> BuildResult:
    """Validate the case, run the sections on *pool*, export and publish (see :func:`build`)."""
    import carebook
    from carebook import case as case_package
    from carebook.build import (
        assemble,
        cache,
        case_cache,
        cjkfont,
        execute,
        export,
        manifest,
        normalize,
        pdf,
        publish,
    )
    from carebook.build import progress as events

    # Validated once here and handed to the kernels (case.loader.share/prime), so the
    # kernels do not read and validate the same files again.
    state = case_package.loader.folder_state(case_dir)
    # The case validated last, under the key of its files' bytes (read at the build's
    # start), source, versions and environment: held by a watch session, else kept on
    # disk by the last build into this folder (carebook.build.case_cache).
    case_key = case_cache.case_key(quick)
    case = session.case(case_key) if session is not None else None
    validated = False
    if case is None and use_cache:
        case = case_cache.load(out / cache.CACHE_DIR, case_key)
        if case is not None:
            case_package.loader.replay_warnings(case)
    if case is None:
        case = case_package.validate(case_dir)
        validated = True
    # Not before: a student's invalid case gets its errors without waiting for Chromium.
    browser.start()
    if session is not None:  # written once per case, and read by its spare kernel early
        shared = session.share_case(case_key, case, case_dir, state, case_rel)
    else:
        shared = Path(pool.private_dir()) / "case.pickle"
        if not case_package.loader.share(case, case_dir, state, shared):
            shared = None
    shared_ok = shared is not None
    # A case just validated is remembered and kept under the key only if it was read
    # from the files the key was read from (the share above already refused a folder
    # that changed while it was validated).
    keep = validated and shared_ok and cache.folder_record(case_dir) == quick["case"]
    if session is not None and (keep or not validated):
        session.remember_case(case_key, case)
    prelude = prime_code(case_rel, shared) if shared is not None else ""
    epoch = source_date_epoch(case)
    section_env = {"SOURCE_DATE_EPOCH": str(epoch)}
    replacements = normalize.path_replacements(
        {
            str(notebooks.resolve()): ".",
            str(case_dir.resolve()): case_rel,
            str(out.resolve()): "<out>",
            str(Path(sys.prefix).resolve()): "<venv>",
            str(Path.home()): "~",
        }
    )
    dependencies = {
        "inputs": cache.input_hashes(case),
        # Computed once, for the quick check above: hashing the source again costs time.
        "source": quick["source"],
        "versions": quick["versions"],
        "environment": cache.environment_record({**settings.env, **section_env}),
    }
    store = cache.SectionCache(
        out,
        {j.name: cache.section_record(j.nb, j.parameters, **dependencies) for j in job_list},
        normalize=lambda nb: normalize.normalize(nb, replacements=replacements),
        read=use_cache,
    )
    key = cache.build_key(
        [(j.name, store.keys[j.name]) for j in job_list],
        {s.name: manifest.sha256_file(s.path) for s in sections},
        formats=chosen,
        extra={
            "case": case.root.name if getattr(case, "root", None) else None,
            "chromium": chromium,
            # The report embeds a subset of this font (carebook.build.cjkfont).
            "cjk_font": cjkfont.font_identity(),
        },
    )
    quick_facts = {
        "context": cache.context_key(quick),
        "code": dict(code_keys),
        "sections": [j.name for j in job_list],
        # For the next build's early guess (_code_edited): which files, whose code.
        "notebooks": dict(quick["notebooks"]),
        "notebook_code": {s.name: cache.notebook_code_digest(s.path) for s in sections},
    }
    warnings = [str(p) for p in getattr(case, "warnings", ())]
    total = len(job_list)

    with publish.OutputLock(out):
        # Announced once the lock is held: a locked-out build never starts a display.
        notify(events.Event(events.BUILD_STARTED, total=total))
        publish.remove_stale_staging(out)
        if keep:
            case_cache.save(out / cache.CACHE_DIR, case_key, shared)
        previous = _previous_manifest(out) if use_cache else None
        if previous is not None and previous.get("build_key") == key:
            if cache.files_match(out, previous.get("outputs") or {}):
                # "A build with nothing changed does almost nothing" (issue 7).
                cache.write_quick(
                    out, quick, build_key=key, warnings=warnings,
                    pdf_engine=previous.get("pdf_engine"), **quick_facts,
                )  # fmt: skip
                return _left_as_it_was(
                    out, [j.name for j in job_list], formats=chosen,
                    pdf_engine=previous.get("pdf_engine"), warnings=warnings,
                    started=started, notify=notify, case=case,
                )  # fmt: skip
            log.info("published files differ from the last build's manifest; rebuilding")

        decisions = {j.name: store.decide(j) for j in job_list}
        for j in job_list:
            log.debug("%s: %s", j.name, decisions[j.name].reason)
        # Kernels for the sections that will run: a reused one needs none (one kernel
        # hands all of them over at once), and a kernel started for it would only cost.
        to_run = sum(not d.reuse for d in decisions.values())
        workers = default_workers(jobs, os.cpu_count(), _case_rows(case), max(1, to_run))
        finished = _Counter()

        def on_start(job: Any) -> None:
            notify(events.Event(events.SECTION_STARTED, job.name, done=finished.value, total=total))

        # nbconvert's import and template compiling are most of the export's time; they
        # are done in a side thread as soon as a CPU is free of kernels: when a kernel
        # has no section left to take (with one kernel, at once).
        # The first assembly's one-time work (imports, templates, citation engine) is
        # done there first.
        side = concurrent.futures.ThreadPoolExecutor(1, "carebook-side")
        # metrics.json needs only the case: worked out first, while the sections run (a
        # watch session works it out once per case).
        metrics_of_case = functools.partial(_metrics_json, case)
        if session is not None:
            metrics_text = side.submit(session.metrics_text, case_key, metrics_of_case)
        else:
            metrics_text = side.submit(metrics_of_case)
        assembly = _Later(side, functools.partial(assemble.warm_up, case))
        exporter = _Later(side, session.prepared if session is not None else export.prepare)
        # pikepdf joins the PDF's parts (carebook.build.pdfparts); its import, 0.06-0.1 s,
        # is done there too rather than while Chromium waits to print.
        joiner = _Later(
            side, functools.partial(imports.serially, "carebook.build.pdfparts", "pikepdf")
        )
        idle_after = total - workers + 1 if workers > 1 else 0
        if idle_after <= 0:
            assembly.start()
            exporter.start()
            if "pdf" in chosen:
                joiner.start()

        # The CJK font subset is made in a helper process beside the assembly and export;
        # the helper starts (imports fontTools) once a finished section shows CJK text.
        subsetter = session.subsetter if session is not None else cjkfont.Subsetter()
        section_cjk: dict[str, str] = {}  # each finished section's CJK characters

        # Each section that finishes well is written to executed/ at once, in a thread
        # of its own, while the others run: after an edit, the sections reused from the
        # cache are written while the edited one runs, not after it (0.04 s).
        stager = concurrent.futures.ThreadPoolExecutor(1, "carebook-stage")
        staged: dict[str, concurrent.futures.Future[Any]] = {}

        def stage(run: Any) -> Any:
            nb = normalize.normalize(run.nb, replacements=replacements)
            _write_notebook(nb, staging / "executed" / run.name)
            return nb

        def on_finish(run: Any) -> None:
            done = finished.add()
            if run.failure is None and run.nb is not None:
                staged[run.name] = stager.submit(stage, run)
            if done >= idle_after:
                assembly.start()
                exporter.start()
                if "pdf" in chosen:
                    joiner.start()
            if "pdf" in chosen and run.nb is not None:
                shown = cjkfont.notebook_characters([run.nb])
                if shown:
                    section_cjk[run.name] = shown
                    subsetter.start()
            notify(events.Event(events.SECTION_FINISHED, run.name, run.status, done, total))

        staging = publish.make_staging(out)
        step = _Steps(notify)
        try:
            try:
                runs = execute.run_sections(
                    job_list, settings, workers=workers, cache=store,
                    progress=on_finish, on_start=on_start, section_env=section_env,
                    prelude=prelude, pool=pool,
                )  # fmt: skip
            except BaseException:
                notify(events.Event(events.BUILD_FINISHED, status="failed", total=total))
                raise
            results = [
                SectionResult(r.name, round(r.seconds, 3), r.status, _reason(r, decisions))
                for r in runs
            ]
            failed = next((r for r in runs if r.failure is not None), None)
            if failed is not None:
                notify(events.Event(events.BUILD_FINISHED, status="failed", total=total))
                kept = out / publish.FAILED_DIR / failed.name
                _write_notebook(normalize.normalize(failed.nb, replacements=replacements), kept)
                raise failed.failure.to_error(str(kept))

            executed = [
                (r.name, staged[r.name].result() if r.name in staged else stage(r)) for r in runs
            ]
            # The student checks need only the case and the executed sections: they run
            # beside the assembly, the export and the print.
            checked = side.submit(_checks, case, executed) if run_checks else None
            outputs = {f"executed/{name}": staging / "executed" / name for name, _ in executed}

            # The PDF gets the report's CJK characters as a font subset, made in a helper
            # process while the page is assembled and exported (carebook.build.cjkfont):
            # the sections' characters and those of the cover and footer assembling adds.
            assembly.result()
            cjk = ""
            if "pdf" in chosen:
                added_cjk = cjkfont.characters(
                    assemble.render_cover(case)
                    + assemble.render_provenance(case, user_params, carebook.__version__)
                )
                cjk = "".join(sorted(set("".join(section_cjk.values()) + added_cjk)))
                subsetter.request(cjk)
            with step("assemble"):
                report_nb = assemble.assemble(
                    case, executed, parameters=user_params, version=carebook.__version__
                )
            title = report_nb.metadata["title"]
            if "pdf" in chosen:  # anything else assembling added (a citation's author)
                shown = cjkfont.notebook_characters([report_nb])
                if not set(shown) <= set(cjk):
                    cjk = "".join(sorted(set(cjk) | set(shown)))
                    subsetter.request(cjk)
            with step("export html"):
                page = export.export_html(
                    report_nb, title=title, transform=assemble.insert_contents,
                    prepared=exporter.result(),
                )  # fmt: skip
                html_path = staging / "report.html"
                html_path.write_text(page, encoding="utf-8")
            engine = None
            if "pdf" in chosen:
                with step("print pdf"):
                    # report.html itself stays exactly what the export made (its styles
                    # are the template's: carebook.build.sanitize); the font goes into
                    # a copy that only Chromium reads.
                    font_face = subsetter.css(cjk)
                    if session is None:  # its exit overlaps the print (cjkfont.Subsetter)
                        subsetter.close_soon()
                    printed = html_path
                    if font_face is not None:
                        printed = staging / "print.html"
                        printed.write_text(cjkfont.embed(page, font_face), encoding="utf-8")
                    engine = pdf.print_pdf(
                        printed, staging / "report.pdf", source_date_epoch=epoch,
                        browser=browser.get(),
                        parts=session.pdf_parts if session is not None else None,
                    )  # fmt: skip
                    browser.close_soon()  # Chromium quits while the build publishes
                    if printed != html_path:
                        printed.unlink()
                outputs["report.pdf"] = staging / "report.pdf"
            metrics_text = metrics_text.result()
            checks = checked.result() if checked is not None else None
            if "html" in chosen:
                outputs["report.html"] = html_path
            else:
                html_path.unlink()

            with step("publish"):
                metrics_path = staging / "metrics.json"
                metrics_path.write_text(metrics_text + "\n", encoding="utf-8")
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
                    build_key=key,
                )
                (staging / "manifest.json").write_text(
                    json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
                    encoding="utf-8",
                )
                publish.publish(staging, out)
                cache.write_quick(
                    out, quick, build_key=key, warnings=warnings, pdf_engine=engine,
                    **quick_facts,
                )  # fmt: skip
            notify(events.Event(events.BUILD_FINISHED, status="built", done=total, total=total))
        finally:
            stager.shutdown(wait=True, cancel_futures=True)
            side.shutdown(wait=True, cancel_futures=True)
            if session is None:
                subsetter.close()
            shutil.rmtree(staging, ignore_errors=True)

    return BuildResult(
        out_dir=out,
        sections=results,
        formats=chosen,
        pdf_engine=engine,
        warnings=warnings,
        seconds=round(time.perf_counter() - started, 3),
        case=case,
        checks=checks,
    )


def _unchanged_since_last_build(
    out: Path, quick: Mapping[str, Any], started: float, notify: Any
) -> BuildResult | None:
    """Return an up-to-date result when nothing at all changed since the last build.

    "Nothing" means the quick record (case files and notebooks by content, parameters,
    formats, carebook source, versions, environment) equals the stored one, the published
    manifest is the one that build wrote, and every published file still has its
    recorded SHA-256. Then the case validated last time is the case on disk, and no
    module that parses it needs importing. Otherwise ``None``: the full build decides.
    """
    from carebook.build import cache, publish
    from carebook.build import progress as events

    stored = cache.read_quick(out)
    if stored is None or stored.get("key") != cache.record_key(dict(quick)):
        return None
    with publish.OutputLock(out):
        previous = _previous_manifest(out)
        if previous is None or previous.get("build_key") != stored.get("build_key"):
            return None
        if not cache.files_match(out, previous.get("outputs") or {}):
            return None
        names = [str(n) for n in stored.get("sections") or previous.get("sections") or []]
        notify(events.Event(events.BUILD_STARTED, total=len(names)))
        return _left_as_it_was(
            out, names, formats=tuple(quick.get("formats") or ()),
            pdf_engine=stored.get("pdf_engine"),
            warnings=[str(w) for w in stored.get("warnings") or []],
            started=started, notify=notify, case=None,
        )  # fmt: skip


def _left_as_it_was(
    out: Path,
    names: Sequence[str],
    *,
    formats: tuple[str, ...],
    pdf_engine: str | None,
    warnings: list[str],
    started: float,
    notify: Any,
    case: Any,
) -> BuildResult:
    """Report an up-to-date build: every section reused, the published files untouched.

    Called with the output lock held, by the quick check (*case* ``None``: nothing was
    validated) and by the full one (after validation, when the build key matched).
    """
    from carebook.build import progress as events
    from carebook.build import publish

    shutil.rmtree(out / publish.FAILED_DIR, ignore_errors=True)
    reason = "nothing changed since the last build"
    results = [SectionResult(name, 0.0, "cached", reason) for name in names]
    total = len(results)
    for done, r in enumerate(results, start=1):
        notify(events.Event(events.SECTION_FINISHED, r.name, r.status, done, total))
    notify(events.Event(events.BUILD_FINISHED, "", "up to date", total, total))
    log.info("Nothing changed since the last build; %s left as it was", out)
    return BuildResult(
        out_dir=out,
        sections=results,
        formats=formats,
        pdf_engine=pdf_engine,
        warnings=warnings,
        seconds=round(time.perf_counter() - started, 3),
        up_to_date=True,
        case=case,
    )


# Each kernel holds its own copy of the case and the analyses' long tables: measured with
# `make bench`, a kernel peaks at about 2.3 GiB for 1,000,000 respondents plus 1,000,000
# contacts, so two kernels and the build process passed 4 GiB (5.65 GiB) where one stayed
# under it (3.37 GiB) and was faster too (47.9 s against 71.2 s: the two kernels fought
# over memory bandwidth). Past this many survey + contact rows one kernel is the default.
LARGE_CASE_ROWS = 500_000


def default_workers(jobs: int | None, cpus: int | None, rows: int, sections: int) -> int:
    """Return how many kernels to run: *jobs* if given, else one per CPU (one for a large case).

    Parameters
    ----------
    jobs : int or None
        What the user asked for (``--jobs``); always honoured.
    cpus : int or None
        CPUs of the machine (``os.cpu_count()``).
    rows : int
        Survey plus contact rows of the case.
    sections : int
        Number of sections (never more kernels than sections).
    """
    if jobs:
        wanted = int(jobs)
    elif rows > LARGE_CASE_ROWS:
        log.info("%s survey and contact rows: one kernel (--jobs N to change)", f"{rows:,}")
        wanted = 1
    else:
        wanted = cpus or 1
    return max(1, min(wanted, sections))


def _everything_will_run(out: Path, quick: Mapping[str, Any], use_cache: bool) -> bool:
    """Whether every section will run (see :func:`_expected_to_run`), known before reading them."""
    from carebook.build import cache

    stored = cache.read_quick(out) if use_cache else None
    return stored is None or stored.get("context") != cache.context_key(quick)


def _expected_to_run(
    out: Path, quick: Mapping[str, Any], code_keys: Mapping[str, str], use_cache: bool
) -> list[str]:
    """Guess which sections will run, before the case is read: how many kernels to start.

    Every section, unless the last build had the same context (case files, parameters,
    source, versions, environment); then the sections whose code changed since. The
    section cache still decides; a wrong guess costs only time.
    """
    from carebook.build import cache

    if _everything_will_run(out, quick, use_cache):
        return list(code_keys)
    before = cache.read_quick(out).get("code")
    before = before if isinstance(before, dict) else {}
    return [name for name, key in code_keys.items() if before.get(name) != key]


def _code_edited(out: Path, notebooks: Path, quick: Mapping[str, Any], use_cache: bool) -> bool:
    """Whether a section notebook's code changed since the last build, read from bytes only.

    For a rebuild whose context (case, parameters, source, versions, environment) is the
    last build's: a notebook whose file changed is read as plain JSON and its code cells
    compared with the last build's (:func:`carebook.build.cache.notebook_code_digest`);
    an edit of Markdown alone needs no kernel. A new notebook counts as edited.
    """
    from carebook.build import cache
    from carebook.build import sections as sections_module

    if _everything_will_run(out, quick, use_cache):  # then the zygote starts instead
        return False
    stored = cache.read_quick(out) or {}
    files = stored.get("notebooks")
    code = stored.get("notebook_code")
    if not isinstance(files, dict) or not isinstance(code, dict):
        return False
    for name, record in (quick.get("notebooks") or {}).items():
        if files.get(name) == record or not fnmatch.fnmatch(name, sections_module.SECTION_GLOB):
            continue
        digest = cache.notebook_code_digest(Path(notebooks) / name)
        if digest is None or digest != code.get(name):
            return True
    return False


def _estimated_rows(case_dir: Path) -> int:
    """Return the line count of ``survey.csv`` plus ``contacts.csv``: rows before reading.

    Only regular files are read (a FIFO would block, a link is the loader's to refuse).
    """
    import stat

    total = 0
    for name in ("survey.csv", "contacts.csv"):
        path = Path(case_dir) / name
        try:
            if not stat.S_ISREG(path.lstat().st_mode):
                continue
            with open(path, "rb") as handle:
                blocks = iter(lambda: handle.read(1 << 20), b"")
                total += sum(block.count(b"\n") for block in blocks)
        except OSError:
            continue
    return total


def _case_rows(case: Any) -> int:
    return sum(
        len(frame)
        for frame in (getattr(case, "survey", None), getattr(case, "contacts", None))
        if frame is not None
    )


def _reason(run: Any, decisions: Mapping[str, Any]) -> str:
    decision = decisions.get(run.name)
    if run.status == "skipped":
        return "not started: an earlier section failed"
    return decision.reason if decision is not None else ""


def _previous_manifest(out: Path) -> dict[str, Any] | None:
    """Return the last published manifest, or ``None`` if there is none or it is unreadable."""
    try:
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        log.info("manifest.json of the last build unreadable (%s); rebuilding", err)
        return None
    return data if isinstance(data, dict) else None


class _Later:
    """A function to run once in *executor*, started by whichever caller comes first."""

    def __init__(self, executor: concurrent.futures.Executor, function: Callable[[], Any]):
        self._executor, self._function = executor, function
        self._future: concurrent.futures.Future[Any] | None = None
        self._lock = threading.Lock()

    def start(self) -> concurrent.futures.Future[Any]:
        with self._lock:
            if self._future is None:
                self._future = self._executor.submit(self._function)
            return self._future

    def result(self) -> Any:
        return self.start().result()


class _Counter:
    """A thread-safe count of finished sections (workers report from their threads)."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def add(self) -> int:
        with self._lock:
            self.value += 1
            return self.value


class _Steps:
    """Report the start and end of each step after the sections (assemble, export …)."""

    def __init__(self, notify: Callable[[Any], None]):
        self.notify = notify

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        from carebook.build import progress as events

        self.notify(events.Event(events.STEP_STARTED, name))
        started = time.perf_counter()
        try:
            yield
        except BaseException:
            self.notify(events.Event(events.BUILD_FINISHED, status="failed"))
            raise
        log.debug("%s took %.2f s", name, time.perf_counter() - started)
        self.notify(events.Event(events.STEP_FINISHED, name))


def _prepare(section: Any, parameters: Mapping[str, Any]) -> Any:
    """Load, parameterize and arm one section notebook with the sentinel."""
    imports.serially("papermill.iorw", "papermill.parameterize")
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from carebook.build.execute import Job
    from carebook.build.verify import add_sentinel

    nb = parameterize_notebook(load_notebook_node(str(section.path)), dict(parameters))
    return Job(section.name, add_sentinel(nb), dict(parameters))


def _checks(case: Any, executed: Sequence[tuple[str, Any]]) -> Any:
    """Run the student checks on the executed sections.

    Not on copies: the checks only read the notebooks (tested), and deep-copying a
    section's figures cost more than the checks themselves.
    """
    from carebook.checks import run_checks

    return run_checks(case, executed)


def _metrics_json(case: Any) -> str:
    from carebook import metrics

    try:
        return json.dumps(metrics.compute(case), indent=2, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ExportError(f"metrics.json could not be written as strict JSON: {err}") from err
