"""``carebook watch``: build, then build again whenever a case file or notebook is saved.

The builds share a :class:`carebook.build.warm.WarmSession`, so after the first one a
student who edits one section waits for that section, the export and the print, not for
new processes and imports. Changes are noticed with watchfiles (inotify on Linux), and
the saves of one editor action are taken together (``debounce``). A build that fails
(an invalid case, a section that raises) is reported like ``carebook build`` reports
it, the last good report stays as it was, and watching goes on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carebook import paths
from carebook.errors import CarebookError

__all__ = ["Rebuild", "watch"]

log = logging.getLogger(__name__)


@dataclass
class Rebuild:
    """One build of a watch.

    Attributes
    ----------
    number : int
        1 for the first build, then 2, 3 …
    result : BuildResult or None
        The build's result, ``None`` when it failed.
    error : CarebookError or None
        What stopped it (the last good report was left as it was).
    changed : list of str
        The saved files that started it (empty for the first build).
    seconds : float
        Wall time of the build.
    """

    number: int
    result: Any = None
    error: CarebookError | None = None
    changed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _relevant_filter(roots: Sequence[Path], files: Sequence[Path], out: Path) -> Any:
    """Return a watchfiles filter: files under *roots* or in *files*, never under *out*."""
    import watchfiles

    class Relevant(watchfiles.DefaultFilter):
        def __init__(self) -> None:
            super().__init__(
                ignore_dirs=(*watchfiles.DefaultFilter.ignore_dirs, ".ipynb_checkpoints")
            )

        def __call__(self, change: Any, path: str) -> bool:
            if not super().__call__(change, path):
                return False
            where = Path(path)
            if where == out or out in where.parents:
                return False  # the build's own output
            return where in files or any(root in where.parents for root in roots)

    return Relevant()


def watch(
    case_dir: str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    notebooks_dir: str | os.PathLike[str] | None = None,
    formats: Sequence[str] = ("html", "pdf"),
    params: Callable[[], Mapping[str, Any]] | None = None,
    params_file: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    cell_timeout: float = 600,
    on_build: Callable[[Rebuild], None],
    on_start: Callable[[Sequence[Path]], None] | None = None,
    stop: threading.Event | None = None,
    debounce_ms: int = 200,
) -> int:
    """Build the report, then again after every save, until *stop* is set, Ctrl+C or SIGTERM.

    Parameters
    ----------
    case_dir, out_dir, notebooks_dir, formats, jobs, cell_timeout
        As for :func:`carebook.build.build`.
    params : callable, optional
        Returns the parameters for each build (read again each time, so an edited
        parameters file applies); its :class:`CarebookError` fails that build only.
    params_file : path, optional
        A parameters file to watch as well.
    on_build : callable
        Called with each :class:`Rebuild`.
    on_start : callable, optional
        Called once with the folders and files being watched, before the first build.
    stop : threading.Event, optional
        Set it (from another thread) to end the watch. SIGTERM and SIGHUP set it too
        (when called from the main thread).
    debounce_ms : int
        Saves within this many milliseconds of each other start one build.

    Returns
    -------
    int
        The number of builds.
    """
    import watchfiles

    from carebook.build.pdf import find_chromium
    from carebook.build.pipeline import build
    from carebook.build.warm import WarmSession

    case_path = Path(case_dir) if case_dir is not None else paths.SAMPLE_CASE
    out = Path(out_dir) if out_dir is not None else paths.DEFAULT_OUT
    notebooks = Path(notebooks_dir) if notebooks_dir is not None else paths.NOTEBOOKS_DIR
    roots = [case_path.resolve(), notebooks.resolve()]
    files = [Path(params_file).resolve()] if params_file is not None else []
    watched = [*roots, *(f.parent for f in files)]
    if on_start is not None:
        on_start([*roots, *files])
    stop = stop if stop is not None else threading.Event()
    count = 0

    def once(changed: list[str]) -> None:
        nonlocal count
        count += 1
        started = time.perf_counter()
        try:
            result = build(
                case_path, out, formats=formats, params=params() if params else None,
                jobs=jobs, notebooks_dir=notebooks, cell_timeout=cell_timeout,
                run_checks=True, session=session,
            )  # fmt: skip
            rebuild = Rebuild(count, result=result, changed=changed)
        except CarebookError as err:
            rebuild = Rebuild(count, error=err, changed=changed)
        rebuild.seconds = time.perf_counter() - started
        on_build(rebuild)
        # While the student reads the report: a spare kernel for the next build (the
        # first build may also have found nothing to do and started nothing).
        session.warm_up(notebooks, chromium)

    chromium = find_chromium() if "pdf" in formats else None
    with WarmSession() as session, _stopped_by_signals(stop):
        once([])
        for changes in watchfiles.watch(
            *watched,
            watch_filter=_relevant_filter(roots, files, out.resolve()),
            debounce=debounce_ms,
            step=50,
            stop_event=stop,
            raise_interrupt=True,
        ):
            changed = sorted({_shown(Path(p), roots) for _, p in changes})
            log.debug("changed: %s", ", ".join(changed))
            once(changed)
    return count


@contextlib.contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """Make SIGTERM and SIGHUP (a closed terminal) end the watch like Ctrl+C does.

    Killed outright, the watch would leave Chromium's profile and the kernels' folders
    behind. The first signal sets *stop* (the build under way finishes first); a second
    one acts as it normally would. Only from the main thread, where Python takes signals.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def handle(signum: int, frame: object) -> None:
        log.info("stopping after the current build (%s)", signal.Signals(signum).name)
        stop.set()
        signal.signal(signum, previous[signum])

    for signum in (signal.SIGTERM, signal.SIGHUP):
        previous[signum] = signal.signal(signum, handle)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _shown(path: Path, roots: Sequence[Path]) -> str:
    """*path* relative to the watched folder it is in (the file name otherwise)."""
    for root in roots:
        if root in path.parents:
            return str(path.relative_to(root))
    return path.name
