"""Build progress: events the pipeline reports, and a terminal display driven by them.

The pipeline never draws anything. It calls an *observer* — any callable taking a
:class:`Event` — at each step, so tests and batch tools can watch a build without a
terminal. :func:`terminal_display` returns the observer the command line uses: a `rich`
progress bar on stderr (sections done / total, the sections running, elapsed time, then
assembly, HTML export and PDF printing) when stderr is a terminal, and a silent observer
otherwise (CI logs, pipes, batch workers) or under ``--quiet``.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

__all__ = [
    "Event",
    "Observer",
    "BUILD_STARTED",
    "SECTION_STARTED",
    "SECTION_FINISHED",
    "STEP_STARTED",
    "STEP_FINISHED",
    "BUILD_FINISHED",
    "quiet",
    "RichDisplay",
    "terminal_display",
]

log = logging.getLogger(__name__)

BUILD_STARTED = "build-started"
SECTION_STARTED = "section-started"
SECTION_FINISHED = "section-finished"
STEP_STARTED = "step-started"
STEP_FINISHED = "step-finished"
BUILD_FINISHED = "build-finished"


@dataclass(frozen=True)
class Event:
    """One thing that happened in a build.

    Attributes
    ----------
    kind : str
        One of the ``*_STARTED`` / ``*_FINISHED`` constants of this module.
    name : str
        The section file name, or the step (``assemble``, ``export html``,
        ``print pdf``, ``publish``); empty for build events.
    status : str
        For finished sections: ``executed``, ``cached``, ``failed`` or ``skipped``; for
        a finished build: ``built``, ``up to date`` or ``failed``.
    done : int
        Sections finished so far.
    total : int
        Sections in the build.
    """

    kind: str
    name: str = ""
    status: str = ""
    done: int = 0
    total: int = 0


Observer = Callable[[Event], None]


def quiet(event: Event) -> None:
    """Ignore *event*: the observer of a build nobody watches."""


class RichDisplay:
    """A `rich` progress display on a terminal stream, fed with :class:`Event` objects.

    While the display is live, log records that would go to the same terminal are routed
    above it (through rich's stderr redirection), so they do not tear the bar.

    Parameters
    ----------
    stream : file
        The terminal to draw on (``sys.stderr``).
    """

    def __init__(self, stream: IO[str]):
        from rich.console import Console

        # A build server's relay of a client's terminal says how wide that terminal is;
        # the server's own standard streams are not terminals.
        self.console = Console(file=stream, width=getattr(stream, "columns", None))
        self._stream = stream
        self._lock = threading.Lock()
        self._progress: Any = None
        self._sections: Any = None
        self._steps: Any = None
        self._running: list[str] = []
        self._handlers: list[tuple[logging.StreamHandler, Any]] = []

    def __call__(self, event: Event) -> None:
        """Update the display for *event* (called from worker threads too)."""
        with self._lock:
            handler = getattr(self, "_on_" + event.kind.replace("-", "_"), None)
            if handler is not None:
                handler(event)

    def _on_build_started(self, event: Event) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self._sections = self._progress.add_task("Sections", total=event.total)
        self._progress.start()
        self._route_logging()

    def _describe(self) -> str:
        if not self._running:
            return "Sections"
        return "Sections · running " + ", ".join(self._running)

    def _on_section_started(self, event: Event) -> None:
        if self._progress is None:
            return
        self._running.append(event.name)
        self._progress.update(self._sections, description=self._describe())

    def _on_section_finished(self, event: Event) -> None:
        if self._progress is None:
            return
        if event.name in self._running:
            self._running.remove(event.name)
        self._progress.update(self._sections, completed=event.done, description=self._describe())

    def _on_step_started(self, event: Event) -> None:
        if self._progress is None:
            return
        label = event.name[:1].upper() + event.name[1:]
        if self._steps is None:
            self._steps = self._progress.add_task(label, total=None)
        else:
            self._progress.update(self._steps, description=label)

    def _on_step_finished(self, event: Event) -> None:
        """Nothing to draw: the next step (or the end of the build) replaces the label."""

    def _on_build_finished(self, event: Event) -> None:
        if self._progress is None:
            return
        if self._steps is not None:
            done = "Report up to date" if event.status == "up to date" else "Report"
            self._progress.update(self._steps, description=done, total=1, completed=1)
        self._progress.update(self._sections, description="Sections")
        self._progress.stop()
        self._progress = None
        self._restore_logging()

    def _route_logging(self) -> None:
        # Progress(redirect_stderr=True) has replaced sys.stderr with a proxy that prints
        # above the bar; handlers still writing to the real terminal are pointed at it.
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is self._stream:
                old = handler.setStream(sys.stderr)
                self._handlers.append((handler, old))

    def _restore_logging(self) -> None:
        for handler, old in self._handlers:
            handler.setStream(old)
        self._handlers.clear()


def terminal_display(*, quiet_mode: bool = False, stream: IO[str] | None = None) -> Observer:
    """Return the observer for a command-line build.

    Parameters
    ----------
    quiet_mode : bool
        ``--quiet``: no display.
    stream : file, optional
        Where to draw (default ``sys.stderr``).

    Returns
    -------
    callable
        A :class:`RichDisplay` when *stream* is a terminal and not *quiet_mode*;
        otherwise :func:`quiet`, so logs and pipes get no control characters.
    """
    stream = sys.stderr if stream is None else stream
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):  # a closed or file-like stream
        interactive = False
    if quiet_mode or not interactive:
        return quiet
    return RichDisplay(stream)
