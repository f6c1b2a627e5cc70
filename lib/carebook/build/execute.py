"""Run section notebooks on a small pool of reused kernels.

Starting a kernel and importing pandas/matplotlib is most of the cost of a small section
notebook (style.md §5), so each worker thread owns one kernel and runs notebook after
notebook in it, clearing the user namespace with ``%reset -f`` in between (the notebooks
call ``carebook.setup(section)`` to reset options). A kernel that died or timed out is
replaced before the worker's next notebook.

Each notebook is driven by nbclient's :class:`~nbclient.NotebookClient` with a cell
timeout, and is verified (:mod:`carebook.build.verify`) in the worker, so a
:class:`SectionRun` is either a complete, checked run or carries a :class:`Failure`.

A per-section cache can slot in through the :class:`SectionCache` protocol (carebook's
is :class:`carebook.build.cache.SectionCache`): a worker asks it for a finished notebook
before running a job and offers it every verified run. A worker whose jobs are all
cached never starts a kernel (kernels start lazily, on the first job that must run).
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from nbformat import NotebookNode

from carebook.build.verify import Failure, failure_at, find_problem

__all__ = ["KernelSettings", "Job", "SectionRun", "SectionCache", "run_sections"]

log = logging.getLogger(__name__)

_REFUSE_EXIT = """
def _carebook_refuse_exit(*args, **kwargs):
    raise RuntimeError("exit() or quit() would stop the kernel the next section needs; remove it")
get_ipython().ask_exit = _carebook_refuse_exit
del _carebook_refuse_exit
"""


@dataclass(frozen=True)
class KernelSettings:
    """How kernels are started and how long cells may run.

    Attributes
    ----------
    env : mapping
        The kernel's complete environment.
    cwd : Path
        The kernel's working folder (the notebooks folder).
    cell_timeout : float
        Seconds one cell may run.
    start_timeout : float
        Seconds a kernel may take to start and answer.
    kernel_name : str
        Kernel spec name.
    """

    env: Mapping[str, str]
    cwd: Path
    cell_timeout: float = 600
    start_timeout: float = 120
    kernel_name: str = "python3"


@dataclass
class Job:
    """One section to run: its parameterized notebook (sentinel appended)."""

    name: str
    nb: NotebookNode
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass
class SectionRun:
    """The outcome of one section.

    Attributes
    ----------
    name : str
        Section file name.
    nb : NotebookNode
        The executed notebook (partly executed when the run failed).
    seconds : float
        Wall time spent on it (0 when cached or skipped).
    status : {"executed", "cached", "failed", "skipped"}
        ``skipped`` means it was not started because another section failed first.
    failure : Failure or None
        What went wrong, when ``status == "failed"``.
    """

    name: str
    nb: NotebookNode
    seconds: float
    status: str
    failure: Failure | None = None


class SectionCache(Protocol):
    """Where finished section notebooks can be looked up and stored."""

    def get(self, job: Job) -> NotebookNode | None:
        """Return the executed notebook of an identical earlier run, or ``None``."""

    def put(self, job: Job, nb: NotebookNode) -> None:
        """Remember a verified executed notebook for *job*."""


class _KernelWorker:
    """One kernel, reused for one notebook after another in one thread's event loop."""

    def __init__(self, settings: KernelSettings):
        self.settings = settings
        self.km: Any = None
        self.kc: Any = None
        self.used = False
        self.socket_dir: str | None = None
        self.started = 0

    async def ensure_kernel(self) -> None:
        if self.km is not None and await self.km.is_alive():
            return
        await self.shutdown()
        from jupyter_client.manager import AsyncKernelManager

        # IPC sockets in a private folder: no TCP ports, no "unencrypted TCP" warning.
        if self.socket_dir is None:
            self.socket_dir = tempfile.mkdtemp(prefix="carebook-kernel-")
        km = AsyncKernelManager(
            kernel_name=self.settings.kernel_name,
            transport="ipc",
            ip=os.path.join(self.socket_dir, f"k{self.started}"),
        )
        self.started += 1
        await km.start_kernel(env=dict(self.settings.env), cwd=str(self.settings.cwd))
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=self.settings.start_timeout)
        except Exception:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
            raise
        # exit()/quit() would end this reused kernel only after its section finished, so
        # the NEXT section would be blamed; make them fail in the cell that calls them.
        await kc.execute_interactive(
            _REFUSE_EXIT, store_history=False, timeout=self.settings.start_timeout
        )
        self.km, self.kc, self.used = km, kc, False

    async def reset_namespace(self) -> None:
        if self.used:
            await self.kc.execute_interactive(
                "%reset -f", store_history=False, timeout=self.settings.start_timeout
            )

    async def shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None:
            try:
                await self.km.shutdown_kernel(now=True)
            except Exception as err:  # a kernel that is already gone
                log.debug("kernel shutdown: %s", err)
        self.km = self.kc = None

    async def close(self) -> None:
        await self.shutdown()
        if self.socket_dir is not None:
            shutil.rmtree(self.socket_dir, ignore_errors=True)
            self.socket_dir = None

    async def run(self, job: Job) -> SectionRun:
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

        nb = job.nb
        started = time.perf_counter()
        current: dict[str, int | None] = {"index": None}

        def on_cell_start(cell: NotebookNode, cell_index: int) -> None:
            current["index"] = cell_index

        try:
            await self.ensure_kernel()
            await self.reset_namespace()
        except Exception as err:
            await self.shutdown()
            failure = Failure(job.name, None, "", "KernelStartError", _one_line(err))
            return SectionRun(job.name, nb, time.perf_counter() - started, "failed", failure)

        self.used = True
        client = NotebookClient(
            nb,
            km=self.km,
            kernel_name=self.settings.kernel_name,
            timeout=self.settings.cell_timeout,
            startup_timeout=int(self.settings.start_timeout),
            record_timing=False,
            allow_errors=False,
            interrupt_on_timeout=False,
            on_cell_start=on_cell_start,
        )
        client.kc = self.kc  # the kernel is ours: nbclient must not shut it down
        failure: Failure | None = None
        try:
            await client.async_execute()
        except CellTimeoutError:
            await self.shutdown()  # still busy with the runaway cell
            failure = failure_at(
                nb,
                job.name,
                current["index"],
                "CellTimeoutError",
                f"the cell ran longer than the cell timeout of {self.settings.cell_timeout:g} s",
            )
        except DeadKernelError:
            await self.shutdown()
            failure = failure_at(
                nb,
                job.name,
                current["index"],
                "DeadKernelError",
                "the kernel stopped while running this cell (the code ended the "
                "process, crashed, or ran out of memory)",
            )
        except CellExecutionError as err:
            failure = failure_at(nb, job.name, current["index"], err.ename, _one_line(err.evalue))
        except Exception as err:  # zmq/kernel trouble: name it, replace the kernel
            await self.shutdown()
            failure = failure_at(nb, job.name, current["index"], type(err).__name__, _one_line(err))
        if failure is None:
            failure = find_problem(nb, job.name)
            if failure is not None and self.km is not None and not await self.km.is_alive():
                await self.shutdown()
        seconds = time.perf_counter() - started
        status = "failed" if failure else "executed"
        return SectionRun(job.name, nb, seconds, status, failure)


def _one_line(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 300 else text[:297] + "..."


def run_sections(
    jobs: Sequence[Job],
    settings: KernelSettings,
    *,
    workers: int,
    cache: SectionCache | None = None,
    progress: Callable[[SectionRun], None] | None = None,
    on_start: Callable[[Job], None] | None = None,
) -> list[SectionRun]:
    """Run *jobs* on ``min(workers, len(jobs))`` reused kernels.

    Parameters
    ----------
    jobs : sequence of Job
        Sections in report order.
    settings : KernelSettings
        Kernel environment, working folder and timeouts.
    workers : int
        Most kernels to run at once (at least 1).
    cache : SectionCache, optional
        Consulted before running a job; given every verified run.
    progress : callable, optional
        Called with each :class:`SectionRun` as it finishes (from a worker thread).
    on_start : callable, optional
        Called with each :class:`Job` about to run in a kernel (not for cached ones),
        from a worker thread.

    Returns
    -------
    list of SectionRun
        In the order of *jobs*. After the first failure no new section is started; the
        ones not started are ``skipped``.
    """
    results: list[SectionRun | None] = [None] * len(jobs)
    todo: queue.Queue[int] = queue.Queue()
    for i in range(len(jobs)):
        todo.put(i)
    stop = threading.Event()
    n_workers = max(1, min(int(workers), len(jobs)))

    async def work() -> None:
        worker = _KernelWorker(settings)
        try:
            while not stop.is_set():
                try:
                    i = todo.get_nowait()
                except queue.Empty:
                    return
                job = jobs[i]
                cached = cache.get(job) if cache is not None else None
                if cached is not None:
                    run = SectionRun(job.name, cached, 0.0, "cached")
                else:
                    if on_start is not None:
                        on_start(job)
                    run = await worker.run(job)
                    if run.failure is None and cache is not None:
                        cache.put(job, run.nb)
                results[i] = run
                if run.failure is not None:
                    stop.set()
                log.info("%s: %s in %.1f s", job.name, run.status, run.seconds)
                if progress is not None:
                    progress(run)
        finally:
            await worker.close()

    errors: list[BaseException] = []

    def thread_main() -> None:
        try:
            asyncio.run(work())
        except BaseException as err:  # surfaced below; a thread must not die silently
            errors.append(err)
            stop.set()

    threads = [
        threading.Thread(target=thread_main, name=f"carebook-kernel-{n}", daemon=True)
        for n in range(n_workers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return [
        r if r is not None else SectionRun(job.name, job.nb, 0.0, "skipped")
        for r, job in zip(results, jobs, strict=True)
    ]
