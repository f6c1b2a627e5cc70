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

A build that knows it will run sections can start the kernels early with a
:class:`KernelPool`: each kernel starts and runs a warm-up (imports, the case read into
the kernel's own cache) while the build process is still validating the case, and no
section runs until :meth:`KernelPool.run` is called. Longer sections are handed out
first (:func:`longest_first`), so the longest one does not start last.
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

from carebook.build import imports
from carebook.build.verify import Failure, failure_at, find_problem

__all__ = [
    "KernelSettings",
    "Job",
    "SectionRun",
    "SectionCache",
    "KernelPool",
    "longest_first",
    "run_sections",
]

log = logging.getLogger(__name__)

#: The kernels' settings (command-line options of the kernel application). No input
#: history: a build's cells are in its executed notebooks, and kernels running side by
#: side would otherwise all write to one SQLite file in the user's IPython folder.
KERNEL_OPTIONS = ("--HistoryManager.enabled=False",)

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


class _KernelGone(Exception):
    """The kernel died between sections (not while one of the section's cells ran)."""


class _KernelWorker:
    """One kernel, reused for one notebook after another in one thread's event loop.

    Parameters
    ----------
    settings : KernelSettings
        Environment, working folder and timeouts.
    zygote : callable, optional
        Returns the :class:`carebook.build.zygote.Zygote` to fork kernels from, or
        ``None`` to start them the usual way.
    """

    def __init__(self, settings: KernelSettings, zygote: Callable[[], Any] | None = None):
        self.settings = settings
        self.zygote = zygote
        self.km: Any = None
        self.kc: Any = None
        self.used = False
        self.socket_dir: str | None = None
        self.started = 0

    def _manager(self) -> Any:
        imports.serially("jupyter_client.manager")
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
        return km

    async def _start(self) -> Any:
        """Start a kernel: forked by the zygote when there is one, else a new process."""
        from carebook.build import zygote as zygotes

        zygote = self.zygote() if self.zygote is not None else None
        how = {
            "env": dict(self.settings.env),
            "cwd": str(self.settings.cwd),
            "extra_arguments": list(KERNEL_OPTIONS),
        }
        km = self._manager()
        if zygote is not None and zygote.alive:
            km.provisioner = zygotes.provisioner_for(km, zygote)
            try:
                await km.start_kernel(**how)
                return km
            except zygotes.ZygoteError as err:
                log.info("%s; starting the kernel the usual way", err)
                km.cleanup_connection_file()
                km = self._manager()
        await km.start_kernel(**how)
        return km

    async def ensure_kernel(self) -> None:
        if self.km is not None and await self.km.is_alive():
            return
        await self.shutdown()
        km = await self._start()
        kc = km.client()
        kc.start_channels()
        try:
            await _wait_until_ready(km, kc, self.settings.start_timeout)
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

    async def warm_up(self, code: str) -> None:
        """Start the kernel and send it *code* without waiting for the code to finish.

        The kernel works through it while the build goes on; the first section's cells
        queue behind it. Its output is never read (replies are matched by message id).
        """
        await self.ensure_kernel()
        self.kc.execute(code, silent=True, store_history=False)
        self.used = True  # the warm-up's names are cleared before the first section

    async def reset_namespace(self, section_env: Mapping[str, str], prelude: str = "") -> None:
        """Clear the user namespace, set *section_env*, run *prelude* (before a section)."""
        lines = ["%reset -f"] if self.used else []
        if section_env:
            lines += [
                "import os as _carebook_os",
                f"_carebook_os.environ.update({dict(section_env)!r})",
                "del _carebook_os",
            ]
        if prelude:
            lines.append(prelude)
        if lines:
            # After a warm-up this waits for it to finish (it queues behind it).
            timeout = self.settings.start_timeout + self.settings.cell_timeout
            await self._execute_quietly("\n".join(lines), timeout)

    async def _execute_quietly(self, code: str, timeout: float) -> None:
        """Run *code* outside any notebook and wait for it, noticing a kernel that died.

        Raises
        ------
        _KernelGone
            The kernel stopped (a warm-up or the previous section ended it).
        RuntimeError
            The code raised, or did not finish within *timeout* seconds.
        """
        msg_id = self.kc.execute(code, store_history=False)
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = await self.kc.get_shell_msg(timeout=0.5)
            except queue.Empty:
                if not await self.km.is_alive():
                    raise _KernelGone("the kernel stopped before the section started") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the kernel was not ready within {timeout:g} s") from None
                continue
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue  # the warm-up's reply
            content = reply.get("content", {})
            if content.get("status") != "ok":
                raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}")
            return

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

    async def run(
        self, job: Job, section_env: Mapping[str, str] | None = None, prelude: str = ""
    ) -> SectionRun:
        imports.serially("nbclient", "nbclient.exceptions")
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

        nb = job.nb
        started = time.perf_counter()
        current: dict[str, int | None] = {"index": None}

        def on_cell_start(cell: NotebookNode, cell_index: int) -> None:
            current["index"] = cell_index

        try:
            await self.ensure_kernel()
            try:
                await self.reset_namespace(section_env or {}, prelude)
            except _KernelGone:  # e.g. the warm-up ended it: a fresh kernel needs no reset
                log.info("%s: kernel stopped before the section; starting a new one", job.name)
                await self.shutdown()
                await self.ensure_kernel()
                await self.reset_namespace(section_env or {}, prelude)
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


def longest_first(jobs: Sequence[Job]) -> list[int]:
    """Return the indices of *jobs*, the most code first (ties in report order).

    With a few kernels and one long section, handing the long one out last leaves the
    other kernels idle while it runs; the amount of code is a fair guess at the cost of a
    section before it has ever run (in the sample, 40_analysis has the most code and
    takes longest).
    """

    def code_size(job: Job) -> int:
        return sum(len(c.source) for c in job.nb.cells if c.cell_type == "code")

    return sorted(range(len(jobs)), key=lambda i: (-code_size(jobs[i]), i))


async def _wait_until_ready(km: Any, kc: Any, timeout: float) -> None:
    """Return once the kernel answers on its shell channel and its iopub reaches *kc*.

    ``KernelClient.wait_for_ready`` does the same, then reads iopub until it has been
    quiet for 0.2 s: a fixed 0.2 s of idle machine per kernel start, paid on the critical
    path of every cold build and of every case of a batch. Here the first iopub message
    after a ``kernel_info`` reply ends the wait: it proves the subscription is live. Until
    it is (zmq's slow joiner drops what is published before), the kernel's status
    messages are lost, so the request is repeated every 50 ms. Messages left on iopub
    are harmless: every reader matches replies to its own request by message id.

    Raises
    ------
    RuntimeError
        The kernel died, or did not answer within *timeout* seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        request = kc.kernel_info()
        if await _shell_reply(kc, request, 1.0):
            try:
                await kc.get_iopub_msg(timeout=0.05)
                return
            except queue.Empty:
                pass
        if not await km.is_alive():
            raise RuntimeError("the kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the kernel did not answer within {timeout:g} seconds")


async def _shell_reply(kc: Any, request: str, wait: float) -> bool:
    """Whether the shell reply to *request* arrives within *wait* seconds."""
    end = time.monotonic() + wait
    while (left := end - time.monotonic()) > 0:
        try:
            msg = await kc.get_shell_msg(timeout=left)
        except queue.Empty:
            return False
        if msg.get("parent_header", {}).get("msg_id") == request:
            return True
    return False


class KernelPool:
    """Worker threads, each owning one kernel, that can start before there is work.

    Parameters
    ----------
    settings : KernelSettings
        Kernel environment, working folder and timeouts.
    zygote : carebook.build.zygote.Zygote, optional
        A running zygote to fork the kernels from, borrowed (not closed with the pool);
        without it the pool may start its own (:meth:`start_zygote`).

    Notes
    -----
    A kernel is bound to the event loop of the thread that started it, so each thread
    lives from :meth:`start` to the end of :meth:`run` (or :meth:`close`) and runs the
    sections it takes from a shared queue. Use as a context manager, or call
    :meth:`close`: a pool closed before :meth:`run` shuts its kernels down without
    running anything.
    """

    def __init__(self, settings: KernelSettings, zygote: Any = None):
        self.settings = settings
        self._threads: list[threading.Thread] = []
        self._go = threading.Event()
        self._stop = threading.Event()
        self._closed = False
        self._todo: queue.Queue[int] = queue.Queue()
        self._jobs: Sequence[Job] = ()
        self._results: list[SectionRun | None] = []
        self._errors: list[BaseException] = []
        self._active = 0
        self._cache: SectionCache | None = None
        self._progress: Callable[[SectionRun], None] | None = None
        self._on_start: Callable[[Job], None] | None = None
        self._section_env: dict[str, str] = {}
        self._prelude = ""
        self._private: str | None = None
        # A zygote handed in (a watch session's) is borrowed: used, never closed here.
        self._zygote: Any = zygote
        self._owns_zygote = zygote is None
        self._drained = threading.Event()
        self._lock = threading.Lock()
        self._workers_done = 0
        self._kernels_closed = 0
        self._workers: list[_KernelWorker] = []

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def private_dir(self) -> str:
        """Return a folder only this user can read, removed when the pool closes.

        For what the build hands to its kernels (the validated case).
        """
        if self._private is None:
            self._private = tempfile.mkdtemp(prefix="carebook-build-")
        return self._private

    def borrows(self, zygote: Any) -> bool:
        """Whether this pool forks its kernels from *zygote*, which it does not own."""
        return zygote is not None and self._zygote is zygote and not self._owns_zygote

    @property
    def size(self) -> int:
        """Number of worker threads (one kernel each) started so far."""
        return len(self._threads)

    def start(self, count: int, warm_up: str | None = None, preload: str | None = None) -> None:
        """Start *count* more kernels now, each running *warm_up* (if given) while it waits.

        Parameters
        ----------
        count : int
            Kernels to start (0 starts none).
        warm_up : str, optional
            Python code sent to each kernel as soon as it is up (imports, reading the
            case); its errors are ignored, the sections will meet them again.
        preload : str, optional
            Python code (imports) run once by a zygote that the kernels are forked from
            (:mod:`carebook.build.zygote`), so each kernel does not import it again.
            Without it, or where forking is not supported, each kernel is a new process.
        """
        if self._closed or self._go.is_set():
            raise RuntimeError("kernels can only be started before run()")
        count = max(0, int(count))
        if count and preload is not None:
            self.start_zygote(preload)
        for _ in range(count):
            self._spawn(warm_up)

    def start_zygote(self, preload: str) -> None:
        """Start the process kernels will be forked from, running *preload* (imports).

        Nothing runs in a kernel until :meth:`start`; a pool closed first just ends the
        zygote. Does nothing if it is already started, or forking is not supported.
        """
        if self._closed or self._go.is_set():
            raise RuntimeError("kernels can only be started before run()")
        if self._zygote is None:
            self._zygote = new_zygote(self.settings, preload)
            self._owns_zygote = True

    def _spawn(self, warm_up: str | None) -> None:
        number = len(self._threads)
        thread = threading.Thread(
            target=self._thread_main, args=(number, warm_up),
            name=f"carebook-kernel-{number}", daemon=True,
        )  # fmt: skip
        self._threads.append(thread)
        thread.start()

    def _thread_main(self, number: int, warm_up: str | None) -> None:
        try:
            asyncio.run(self._work(number, warm_up))
        except BaseException as err:  # surfaced by run(); a thread must not die silently
            self._errors.append(err)
            self._stop.set()
            self._drained.set()

    def _kernel_closed(self) -> None:
        """Once every kernel of the run is shut down, let a zygote of this pool's own exit.

        No kernel is forked after :meth:`run`; the zygote's exit (about 0.07 s) then
        overlaps the rest of the build, and :meth:`close` only reaps it.
        """
        with self._lock:
            self._kernels_closed += 1
            last = self._go.is_set() and self._kernels_closed >= len(self._threads)
        zygote = self._zygote
        if last and self._owns_zygote and zygote is not None:
            zygote.close_soon()

    def _worker_done(self) -> None:
        with self._lock:
            self._workers_done += 1
            if self._workers_done >= self._active:
                self._drained.set()

    async def _work(self, number: int, warm_up: str | None) -> None:
        worker = _KernelWorker(self.settings, zygote=lambda: self._zygote)
        self._workers.append(worker)
        try:
            if warm_up is not None:
                try:
                    await worker.warm_up(warm_up)
                except Exception as err:  # the first section starts a kernel again
                    log.debug("kernel %d: warm-up failed: %s", number, err)
                    await worker.shutdown()
            # Woken as soon as run() or close() is called, without polling: a watch
            # session's spare kernel may wait here for minutes. In slices of a second,
            # so an interpreter that exits meanwhile never waits for this thread.
            loop = asyncio.get_running_loop()
            while not await loop.run_in_executor(None, self._go.wait, 1.0):
                pass
            if self._closed or number >= self._active:
                return
            try:
                while not self._stop.is_set():
                    try:
                        i = self._todo.get_nowait()
                    except queue.Empty:
                        return
                    run = await self._run_one(worker, self._jobs[i])
                    self._results[i] = run
                    if run.failure is not None:
                        self._stop.set()
                    log.info("%s: %s in %.1f s", run.name, run.status, run.seconds)
                    if self._progress is not None:
                        self._progress(run)
            finally:
                # run() returns now; this kernel is shut down while the build goes on.
                self._worker_done()
        finally:
            await worker.close()
            self._kernel_closed()

    async def _run_one(self, worker: _KernelWorker, job: Job) -> SectionRun:
        cached = self._cache.get(job) if self._cache is not None else None
        if cached is not None:
            return SectionRun(job.name, cached, 0.0, "cached")
        if self._on_start is not None:
            self._on_start(job)
        run = await worker.run(job, self._section_env, self._prelude)
        if run.failure is None and self._cache is not None:
            self._cache.put(job, run.nb)
        return run

    def run(
        self,
        jobs: Sequence[Job],
        *,
        workers: int,
        cache: SectionCache | None = None,
        progress: Callable[[SectionRun], None] | None = None,
        on_start: Callable[[Job], None] | None = None,
        section_env: Mapping[str, str] | None = None,
        prelude: str = "",
    ) -> list[SectionRun]:
        """Run *jobs* on at most *workers* kernels (see :func:`run_sections`); once only.

        Kernels already started beyond *workers* are shut down unused; fewer are topped
        up (they start without a warm-up).
        """
        if self._closed or self._go.is_set():
            raise RuntimeError("a KernelPool runs one set of jobs")
        self._jobs = list(jobs)
        self._results = [None] * len(self._jobs)
        self._cache, self._progress, self._on_start = cache, progress, on_start
        self._section_env = dict(section_env or {})
        self._prelude = prelude
        for i in longest_first(self._jobs):
            self._todo.put(i)
        self._active = max(1, min(int(workers), len(self._jobs))) if self._jobs else 0
        while len(self._threads) < self._active:
            self._spawn(None)
        if self._active == 0:
            self._drained.set()
        self._go.set()
        # Not joined: the workers shut their kernels down while the caller goes on
        # (close() waits for them).
        try:
            self._drained.wait()
        except BaseException:
            # Ctrl+C reaches this process only (each kernel has a session of its own):
            # end the kernels now, or close() would wait for their cells to finish.
            self._stop.set()
            self._kill_kernels()
            raise
        if self._errors:
            raise self._errors[0]
        return [
            r if r is not None else SectionRun(job.name, job.nb, 0.0, "skipped")
            for r, job in zip(self._results, self._jobs, strict=True)
        ]

    def _kill_kernels(self) -> None:
        for worker in list(self._workers):
            process = getattr(getattr(worker.km, "provisioner", None), "process", None)
            if process is not None:
                try:
                    process.kill()
                except (OSError, ValueError) as err:  # it ended meanwhile
                    log.debug("kernel kill: %s", err)

    def close(self) -> None:
        """Shut every kernel down (after :meth:`run`, they already are)."""
        if not self._go.is_set():
            self._closed = True
            self._go.set()
        self._join()
        if self._zygote is not None and self._owns_zygote:
            self._zygote.close()
        self._zygote = None
        if self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = None

    def _join(self) -> None:
        for thread in self._threads:
            thread.join()


def new_zygote(settings: KernelSettings, preload: str) -> Any:
    """Return a zygote for kernels of *settings*, or ``None`` where one cannot be used."""
    from carebook.build import zygote

    if not zygote.supported():
        return None
    try:
        return zygote.Zygote(settings.env, settings.cwd, preload)
    except zygote.ZygoteError as err:
        log.info("%s; kernels start the usual way", err)
        return None


def run_sections(
    jobs: Sequence[Job],
    settings: KernelSettings,
    *,
    workers: int,
    cache: SectionCache | None = None,
    progress: Callable[[SectionRun], None] | None = None,
    on_start: Callable[[Job], None] | None = None,
    section_env: Mapping[str, str] | None = None,
    prelude: str = "",
    pool: KernelPool | None = None,
) -> list[SectionRun]:
    """Run *jobs* on ``min(workers, len(jobs))`` reused kernels.

    Parameters
    ----------
    jobs : sequence of Job
        Sections in report order. They are handed out longest first
        (:func:`longest_first`).
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
    section_env : mapping, optional
        Variables set in the kernel's ``os.environ`` before each section, on top of
        ``settings.env``. The build's date (``SOURCE_DATE_EPOCH``) goes here: it comes
        from the case, and the kernels may have started before the case was read.
    prelude : str, optional
        Code run in the kernel (after the reset) before each section, outside the
        notebook: the pipeline hands the validated case to the kernel with it.
    pool : KernelPool, optional
        Kernels started earlier (with *settings*). Its kernels are shut down in the
        background once the sections are done, and the caller closes it (which waits for
        them). Without it, a new pool is made and closed before this returns.

    Returns
    -------
    list of SectionRun
        In the order of *jobs*. After the first failure no new section is started; the
        ones not started are ``skipped``.
    """
    owned = pool is None
    pool = pool if pool is not None else KernelPool(settings)
    try:
        return pool.run(
            jobs, workers=workers, cache=cache, progress=progress, on_start=on_start,
            section_env=section_env, prelude=prelude,
        )  # fmt: skip
    finally:
        if owned:
            pool.close()
