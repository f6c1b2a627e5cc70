"""Run a cohort's builds in worker processes, on this machine or on a Dask cluster.

Locally, a :class:`concurrent.futures.ProcessPoolExecutor` with ``jobs`` workers builds
one case per worker, each with one kernel, so ``jobs`` workers run about ``jobs``
kernels. Where the platform has it, the workers are forked from a *forkserver* that has
already imported what a build needs (:data:`WORKER_MODULES`): a fresh interpreter, as
with "spawn", but the 1.5 CPU-seconds of imports are paid once per batch instead of once
per worker, while the other workers are already building. Likewise the kernels: one
zygote (:mod:`carebook.build.zygote`), started by the batch while the workers start,
imports what the sections need once (about 2.4 CPU-seconds and 230 MB) and forks every
worker's kernels.

With a scheduler address each case build is submitted to an existing Dask cluster
through :class:`distributed.Client`; the workers must have carebook installed and see the
cohort and output folders at the same paths (a shared file system). Either way the cases
with the most data start first (:func:`~carebook.batch.cases.largest_first`), every case
gives one :class:`~carebook.batch.worker.CaseResult` row, and the summary is written when
all are in.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carebook import paths
from carebook.batch.cases import CaseFolder, find_cases, largest_first
from carebook.batch.worker import CaseResult, build_case
from carebook.errors import CarebookError, InputError, ParameterError

__all__ = ["BatchResult", "run_batch", "DEFAULT_BATCH_OUT"]

log = logging.getLogger(__name__)

#: Seconds to wait for the Dask scheduler before giving up.
CONNECT_TIMEOUT = 30

#: Where ``carebook batch`` writes when no ``--out`` is given.
DEFAULT_BATCH_OUT = paths.DEFAULT_OUT / "batch"


@dataclass
class BatchResult:
    """What a batch produced.

    Attributes
    ----------
    out_dir : Path
        The batch output folder (one sub-folder per case, ``summary.html``, ``summary.csv``).
    results : list of CaseResult
        One row per sub-folder of the cohort, sorted by name.
    summary_html, summary_csv : Path
        The summary files.
    seconds : float
        Wall time of the whole batch.
    workers : str
        ``"N local processes"`` or the Dask scheduler address.
    """

    out_dir: Path
    results: list[CaseResult] = field(default_factory=list)
    summary_html: Path | None = None
    summary_csv: Path | None = None
    seconds: float = 0.0
    workers: str = ""

    @property
    def ok(self) -> bool:
        """Whether every case folder was built (non-case folders do not count)."""
        return all(r.status in ("built", "not a case") for r in self.results)


def _lost(case: CaseFolder, err: BaseException) -> CaseResult:
    """Return the row of a case whose worker itself failed (died, or lacks carebook)."""
    return CaseResult(
        name=case.name,
        output=case.output,
        status="error",
        message=f"the worker running this case failed: {type(err).__name__}: {err}",
    )


#: What a worker imports to build a case, imported by the forkserver before it forks the
#: workers (a module missing here is imported by each worker when first needed).
WORKER_MODULES = (
    "carebook.batch.worker",
    "carebook.batch.summary",
    "carebook.build.pipeline",
    "carebook.build.execute",
    "carebook.build.export",
    "carebook.build.pdfparts",
    "carebook.build.warm",
    "carebook.case.loader",
    "carebook.checks",
    "carebook.metrics",
    "carebook.references",
    "papermill.iorw",
    "papermill.parameterize",
    "nbconvert",
    "nbclient",
    "jupyter_client",
)


def _worker_context() -> multiprocessing.context.BaseContext:
    """Return how worker processes start: "forkserver" where available, else "spawn".

    Both give a worker that holds nothing of this process (threads, open kernels, a Dask
    client in the same process): "spawn" starts a new interpreter per worker,
    "forkserver" one new interpreter per batch process, which imports
    :data:`WORKER_MODULES` and forks the workers from itself.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Read when the forkserver starts (the first pool of this process); a server
        # already running keeps what it imported.
        context.set_forkserver_preload(list(WORKER_MODULES))
        return context
    return multiprocessing.get_context("spawn")


def _adopt(environment: dict[str, str], folder: str, zygote: tuple[str, str] | None) -> None:
    """Give a worker the environment, working folder and kernels' zygote of its batch.

    A forkserver outlives one batch (it is started once per process) and its workers
    inherit what the process had when the server started, not what it has now.
    """
    from carebook.batch.worker import share_zygote

    os.environ.clear()
    os.environ.update(environment)
    os.chdir(folder)
    share_zygote(zygote)


def _shared_zygote(environment: dict[str, str], notebooks: str | None) -> Any:
    """Start the kernels' zygote the workers share; return it and its offer, or ``(None, None)``.

    It is started with the kernel settings each worker's builds will have (the
    environment the workers get, the notebooks' folder). A worker whose builds turn out
    to need other settings starts a zygote of its own (:class:`WarmSession`).
    """
    from carebook.build import pipeline, warm, zygote

    if not zygote.supported():
        return None, None
    folder = Path(notebooks) if notebooks is not None else paths.NOTEBOOKS_DIR
    settings = pipeline.kernel_settings(folder, base=environment)
    try:
        shared = zygote.Zygote(settings.env, settings.cwd, pipeline.preload_code(), shared=True)
    except zygote.ZygoteError as err:
        log.info("%s; each worker starts its own", err)
        return None, None
    assert shared.address is not None
    return shared, (shared.address, warm.zygote_key(settings))


def _run_local(
    cases: Sequence[CaseFolder],
    call: Callable[[CaseFolder], tuple[Any, ...]],
    kwargs: dict[str, Any],
    jobs: int,
    report: Callable[[CaseResult], None],
    task: Callable[..., CaseResult] = build_case,
) -> list[CaseResult]:
    results: list[CaseResult] = []
    environment = dict(os.environ)
    # Started first: it imports while the forkserver and the workers start.
    zygote, offer = _shared_zygote(environment, kwargs.get("notebooks_dir"))
    try:
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=_worker_context(),
            initializer=_adopt,
            initargs=(environment, os.getcwd(), offer),
        ) as pool:
            _collect(pool, cases, call, kwargs, report, task, results)
    finally:
        if zygote is not None:
            # Every worker has ended, and with it every kernel; a zygote still importing
            # (every case failed at once) is not waited for.
            zygote.close(timeout=0.5)
    return results


def _collect(
    pool: ProcessPoolExecutor,
    cases: Sequence[CaseFolder],
    call: Callable[[CaseFolder], tuple[Any, ...]],
    kwargs: dict[str, Any],
    report: Callable[[CaseResult], None],
    task: Callable[..., CaseResult],
    results: list[CaseResult],
) -> None:
    """Submit every case to *pool* and add each row to *results* as it comes in."""
    futures: dict[Future[CaseResult], CaseFolder] = {
        pool.submit(task, *call(case), **kwargs): case for case in cases
    }
    try:
        for future in as_completed(futures):
            case = futures[future]
            try:
                row = future.result()
            except Exception as err:  # noqa: BLE001 - a dead worker process (BrokenProcessPool)
                row = _lost(case, err)
            results.append(row)
            report(row)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise


def _run_dask(
    cases: Sequence[CaseFolder],
    call: Callable[[CaseFolder], tuple[Any, ...]],
    kwargs: dict[str, Any],
    scheduler: str,
    report: Callable[[CaseResult], None],
) -> list[CaseResult]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as err:  # pragma: no cover - distributed is a dependency
        raise ParameterError(
            "--scheduler needs the 'distributed' package: pip install distributed"
        ) from err
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as err:
        raise CarebookError(
            f"cannot reach the Dask scheduler at {scheduler}: {err}; check the address "
            "(e.g. tcp://10.0.0.5:8786) and that the scheduler is running"
        ) from err
    results: list[CaseResult] = []
    futures: dict[str, tuple[Any, CaseFolder]] = {}
    try:
        for order, case in enumerate(cases):
            # pure=False: a rebuild of the same folder is new work, never a cached result.
            # priority: the cluster starts them in the order given (largest_first).
            future = client.submit(
                build_case, *call(case), pure=False, priority=len(cases) - order, **kwargs
            )
            futures[future.key] = (future, case)
        for future in dask_completed([f for f, _ in futures.values()]):
            case = futures[future.key][1]
            try:
                row = future.result()
            except Exception as err:  # noqa: BLE001 - worker lost, carebook missing on a worker…
                row = _lost(case, err)
            results.append(row)
            report(row)
    except BaseException:
        client.cancel([f for f, _ in futures.values()])
        raise
    finally:
        client.close()
    return results


def run_batch(
    cohort_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    formats: Sequence[str] = ("html", "pdf"),
    notebooks_dir: str | os.PathLike[str] | None = None,
    cell_timeout: float = 600,
) -> BatchResult:
    """Build every case folder of a cohort and write the summary.

    Parameters
    ----------
    cohort_dir : path
        A folder whose sub-folders are case folders.
    out_dir : path, optional
        The batch output folder (default ``report/batch``). Case ``X`` is built into
        ``out_dir/<safe name of X>/``.
    jobs : int, optional
        Local worker processes, each building one case with one kernel (default: the
        number of CPUs). Ignored with *scheduler*.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); each case build is
        submitted to the cluster instead of local processes.
    formats : sequence of {"html", "pdf"}
        What each build publishes.
    notebooks_dir : path, optional
        Section notebooks (default: carebook's).
    cell_timeout : float
        Seconds one cell may run.

    Returns
    -------
    BatchResult
        ``ok`` is False when any case failed; the batch never stops for one case.

    Raises
    ------
    InputError
        *cohort_dir* is not a folder or holds no case folder.
    ParameterError
        *jobs* is not a positive number.
    CarebookError
        The Dask scheduler cannot be reached.
    """
    from carebook.batch.summary import write_summary

    started = time.perf_counter()
    cohort = Path(cohort_dir)
    out = Path(out_dir) if out_dir is not None else DEFAULT_BATCH_OUT
    if jobs is not None and jobs < 1:
        raise ParameterError(f"--jobs: expected a whole number of at least 1, got {jobs}")
    # An output folder inside the cohort would otherwise be listed as a "not a case" row.
    folders = find_cases(cohort, exclude=[out])
    # Most data first: a large case must not be the last one started (largest_first).
    cases = largest_first([f for f in folders if f.is_case])
    if not cases:
        raise InputError(
            f"{cohort}: no case folders found (a case folder holds case.yaml); "
            f"{len(folders)} sub-folder(s) looked at"
        )
    out.mkdir(parents=True, exist_ok=True)
    batch_dir = out.resolve()
    # Workers may run elsewhere (Dask) or in another working folder: absolute paths only.
    notebooks = str(Path(notebooks_dir).resolve()) if notebooks_dir is not None else None
    kwargs = {"formats": tuple(formats), "notebooks_dir": notebooks, "cell_timeout": cell_timeout}

    def call(case: CaseFolder) -> tuple[Any, ...]:
        return (case.name, str(case.path.resolve()), str(batch_dir), case.output)

    done = 0

    def report(row: CaseResult) -> None:
        nonlocal done
        done += 1
        where = f" in {row.section}" if row.section else ""
        log.info(
            "[%d/%d] %s: %s%s (%.1f s)", done, len(cases), row.name, row.status, where, row.seconds
        )

    if scheduler:
        workers = scheduler
        log.info("Building %d case(s) on the Dask cluster at %s", len(cases), scheduler)
        built = _run_dask(cases, call, kwargs, scheduler, report)
    else:
        n = max(1, min(int(jobs or os.cpu_count() or 1), len(cases)))
        workers = f"{n} local process{'es' if n != 1 else ''}"
        log.info("Building %d case(s) with %s", len(cases), workers)
        built = _run_local(cases, call, kwargs, n, report)

    rows = built + [CaseResult(name=f.name) for f in folders if not f.is_case]
    rows.sort(key=lambda r: (r.name, r.output))
    html_path, csv_path = write_summary(rows, batch_dir)
    return BatchResult(
        out_dir=out,
        results=rows,
        summary_html=html_path,
        summary_csv=csv_path,
        seconds=round(time.perf_counter() - started, 3),
        workers=workers,
    )
