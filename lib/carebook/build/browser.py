"""A headless Chromium started early and driven over the DevTools protocol, to print the PDF.

``chromium --print-to-pdf`` starts a browser, prints and quits: on a 2-core machine that
is about 2 s for the sample, of which the start-up is a third and is spent while nothing
else can happen. A build that will print starts this browser at its beginning instead,
while the sections run, and sends it the finished page at the end.

The protocol runs over a pair of pipes (``--remote-debugging-pipe``: commands on the
browser's file descriptor 3, replies on 4, each a JSON message ending in a NUL byte), so
no port is opened and no other process can reach the browser. It is started with
:data:`carebook.build.pdf.CHROMIUM_FLAGS`, the same flags as the one-shot print except
``--no-pdf-header-footer`` (a switch of the one-shot print itself: with it, Chromium's
page process crashes on the first navigation), and prints with the same settings (CSS
page size, backgrounds, tagged PDF, no header or footer); the tests check both give the
same PDF.

Anything that goes wrong raises :class:`BrowserError`; :func:`carebook.build.pdf.print_pdf`
then falls back to the one-shot print.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from carebook.errors import ExportError

__all__ = ["Browser", "BrowserError"]

log = logging.getLogger(__name__)

#: What ``--print-to-pdf --no-pdf-header-footer`` uses (Chromium's headless command handler).
PRINT_SETTINGS = {
    "printBackground": True,
    "preferCSSPageSize": True,
    "displayHeaderFooter": False,
    "generateTaggedPDF": True,
}


#: Flags of the one-shot ``--print-to-pdf`` only (see the module's docstring).
_ONE_SHOT_FLAGS = ("--no-pdf-header-footer",)


class BrowserError(ExportError):
    """The early-started browser could not print (the one-shot print is tried next)."""


class Browser:
    """One headless Chromium, started now, printing later.

    Parameters
    ----------
    chromium : str
        The Chromium executable (:func:`carebook.build.pdf.find_chromium`).

    Notes
    -----
    Starting returns at once; the browser gets ready in the background. Use as a
    context manager or call :meth:`close`, which ends the browser and all its helper
    processes and removes its profile folder.
    """

    def __init__(self, chromium: str):
        from carebook.build.pdf import CHROMIUM_FLAGS

        #: The executable: what it prints depends on it (carebook.build.pdfparts' keys).
        self.executable = chromium
        self.profile = tempfile.mkdtemp(prefix="carebook-chromium-")
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()

        def child_fds() -> None:  # in the child, before exec: the protocol's fds 3 and 4
            read_end, write_end = os.dup(commands_read), os.dup(replies_write)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        try:
            self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [
                    chromium,
                    *(f for f in CHROMIUM_FLAGS if f not in _ONE_SHOT_FLAGS),
                    f"--user-data-dir={self.profile}",
                    "--remote-debugging-pipe",
                    "about:blank",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                close_fds=False,  # fds 3 and 4 must reach Chromium; the rest are CLOEXEC
                preexec_fn=child_fds,  # noqa: PLW1509 - only dup2, no locks taken
                start_new_session=True,  # its helpers can be ended as one group
            )
        except OSError as err:
            self._close_fds()
            shutil.rmtree(self.profile, ignore_errors=True)
            raise BrowserError(f"Chromium could not be started ({chromium}): {err}") from err
        finally:
            os.close(commands_read)
            os.close(replies_write)
        self._buffer = b""
        self._next_id = 0
        self._session: str | None = None
        self._events: list[dict[str, Any]] = []
        self._quitting = False  # Browser.close sent (close_soon); close() waits for the exit

    @property
    def alive(self) -> bool:
        """Whether the browser process is running."""
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the protocol --------------------------------------------------------------

    def _send(self, method: str, params: dict[str, Any] | None, session: str | None) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        data = json.dumps(message).encode("utf-8") + b"\0"
        try:
            while data:
                data = data[os.write(self._commands, data) :]
        except OSError as err:
            raise BrowserError(f"Chromium stopped listening ({err})") from err
        return self._next_id

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("Chromium did not answer in time")
            ready, _, _ = select.select([self._replies], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium closed the connection (it may have crashed)")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        try:
            return json.loads(message)
        except ValueError as err:
            raise BrowserError(f"Chromium sent an unreadable message: {err}") from err

    def _command(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        deadline: float,
        page: bool = True,
    ) -> dict[str, Any]:
        """Send one command (to the page's session, or to the browser) and return its result.

        Events that arrive meanwhile are kept for :meth:`_wait_for_load`.
        """
        number = self._send(method, params, self._session if page else None)
        while True:
            message = self._receive(deadline)
            if message.get("id") == number:
                if "error" in message:
                    raise BrowserError(f"Chromium refused {method}: {message['error']}")
                return message.get("result") or {}
            self._events.append(message)

    def _attach(self, deadline: float) -> None:
        if self._session is not None:
            return
        targets = self._command("Target.getTargets", deadline=deadline, page=False)
        page = next(
            (t["targetId"] for t in targets.get("targetInfos", []) if t.get("type") == "page"),
            None,
        )
        if page is None:
            page = self._command(
                "Target.createTarget", {"url": "about:blank"}, deadline=deadline, page=False
            )["targetId"]
        attached = self._command(
            "Target.attachToTarget",
            {"targetId": page, "flatten": True},
            deadline=deadline,
            page=False,
        )
        self._session = attached["sessionId"]
        self._command("Page.enable", deadline=deadline)

    def _wait_for_load(self, deadline: float) -> None:
        def loaded(event: dict[str, Any]) -> bool:
            return event.get("method") == "Page.loadEventFired"

        while not any(loaded(e) for e in self._events):
            self._events.append(self._receive(deadline))
        self._events.clear()

    # --- what the build uses -------------------------------------------------------

    def print_pdf(self, html_path: Path, pdf_path: Path, *, timeout: float = 120) -> None:
        """Load *html_path* and print it to *pdf_path*, as ``--print-to-pdf`` would.

        Raises
        ------
        BrowserError
            The browser is gone, refused, or did not finish within *timeout* seconds.
        """
        Path(pdf_path).write_bytes(self.print_bytes(html_path, timeout=timeout))

    def print_bytes(self, html_path: Path, *, timeout: float = 120) -> bytes:
        """Load *html_path*, print it as ``--print-to-pdf`` would, and return the PDF.

        Raises
        ------
        BrowserError
            The browser is gone, refused, or did not finish within *timeout* seconds.
        """
        if not self.alive or self._quitting:
            raise BrowserError("Chromium is not running")
        deadline = time.monotonic() + timeout
        self._attach(deadline)
        self._events.clear()
        url = Path(html_path).resolve().as_uri()
        self._command("Page.navigate", {"url": url}, deadline=deadline)
        self._wait_for_load(deadline)
        result = self._command("Page.printToPDF", dict(PRINT_SETTINGS), deadline=deadline)
        try:
            data = base64.b64decode(result["data"], validate=True)
        except (KeyError, ValueError) as err:
            raise BrowserError("Chromium's PDF could not be read") from err
        if not data.startswith(b"%PDF-"):
            raise BrowserError("Chromium's answer is not a PDF")
        return data

    def close_soon(self) -> None:
        """Ask Chromium to quit, and return at once: :meth:`close` then only waits for it.

        A build that has its PDF calls this before its last steps, which then overlap
        Chromium's own shutdown (about 0.1 s). Nothing can be printed afterwards.
        """
        process = self.process
        if self._quitting or process is None or process.poll() is not None:
            return
        if self._session is None:  # never attached: nothing to ask, close() kills it
            return
        try:
            self._send("Browser.close", None, None)
            self._quitting = True
        except BrowserError:
            pass

    def close(self) -> None:
        """End the browser and its helpers, and remove its profile; safe to call twice."""
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None and self._session is not None:
                # Asked to close, Chromium ends and reaps its helpers (about 0.1 s); killed,
                # they would be left to init as zombies.
                try:
                    if not self._quitting:
                        self._command("Browser.close", deadline=time.monotonic() + 2, page=False)
                    process.wait(timeout=2)
                except (BrowserError, subprocess.TimeoutExpired):
                    pass
            try:  # whatever is left of it (helpers share its process group)
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                log.warning("Chromium (pid %d) did not exit", process.pid)
        self._close_fds()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _close_fds(self) -> None:
        for name in ("_commands", "_replies"):
            fd = getattr(self, name, None)
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
                setattr(self, name, None)
