"""Print the sanitized report HTML to an A4 PDF (reliability.md P0-2).

Chromium's ``--print-to-pdf`` honours the stylesheet's ``@page`` rules (A4, margins,
page numbers in the bottom margin box) and draws Chinese with the Noto CJK fonts; it is
used when one is found (``CAREBOOK_CHROMIUM``, else ``chromium``, ``chromium-browser``,
``google-chrome`` on ``PATH``). Without a browser, WeasyPrint renders the same file and
the build says so in one log line. Only the sanitized file is ever printed, and neither
route may fetch anything from the network.

Chromium stamps the PDF with the wall-clock time (``/CreationDate``, ``/ModDate``), the
only bytes that differ between two prints of the same page. With a build date
(``SOURCE_DATE_EPOCH``) both stamps are rewritten to it, in place and at the same length
so the file's cross-reference offsets stay valid, and the same report gives the same PDF.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from carebook.errors import ExportError

__all__ = [
    "CHROMIUM_NAMES",
    "find_chromium",
    "print_pdf",
    "chromium_pdf",
    "weasyprint_pdf",
    "pdf_date",
    "pin_pdf_dates",
    "pin_node_ids",
    "renumber_node_ids",
]

log = logging.getLogger(__name__)

#: Looked for in this order. The headless shells first: Chromium's old headless mode as a
#: program of its own (Debian's ``chromium-headless-shell``, Google's
#: ``chrome-headless-shell``) has the same Blink and prints the same PDF, without the
#: full browser's start-up. Measured on the sample report (2 cores, Chromium 156):
#: start, load and print in 0.7 s and 0.7 s of CPU, against 1.4 s and 1.85 s of CPU for
#: ``chromium --headless``; a cold build 0.5 s shorter, a one-section rebuild 0.7 s.
CHROMIUM_NAMES = (
    "chromium-headless-shell",
    "chrome-headless-shell",
    "chromium",
    "chromium-browser",
    "google-chrome",
)
#: Flags that keep a headless Chromium from stalling on network or first-run work, and
#: ``--disable-threaded-compositing``: a print needs no compositor thread, and without
#: one the GPU process's display compositor gets no frames either. Seven parts of a
#: sample-sized report then cost Chromium 0.69-0.79 CPU-s instead of 0.83-0.93 (the GPU
#: process 0.013 instead of 0.05), in the same time; the PDF is the same (tested). That
#: CPU ran beside the build, so it is what a batch's second worker was short of.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-threaded-compositing",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-extensions",
    "--no-pdf-header-footer",
)


def find_chromium() -> str | None:
    """Return the Chromium executable to use, or ``None``.

    ``CAREBOOK_CHROMIUM`` wins when set: a path or a command name; set to an empty
    string it hides every browser (WeasyPrint is then used).
    """
    configured = os.environ.get("CAREBOOK_CHROMIUM")
    if configured is not None:
        if not configured.strip():
            return None
        found = shutil.which(configured)
        if found is None:
            log.warning("CAREBOOK_CHROMIUM=%s is not an executable; ignoring it", configured)
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _is_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(5) == b"%PDF-"
    except OSError:
        return False


def chromium_pdf(html_path: Path, pdf_path: Path, *, chromium: str, timeout: float = 120) -> None:
    """Print *html_path* to *pdf_path* with headless Chromium.

    Raises
    ------
    ExportError
        If Chromium fails, times out or writes no PDF.
    """
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    profile = tempfile.mkdtemp(prefix="carebook-chromium-")
    command = [
        chromium,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        f"--print-to-pdf={pdf_path}",
        html_path.as_uri(),
    ]
    try:
        result = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise ExportError(f"Chromium did not finish the PDF within {timeout:g} s") from err
    except OSError as err:
        raise ExportError(f"Chromium could not be started ({chromium}): {err}") from err
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if result.returncode != 0 or not _is_pdf(pdf_path):
        tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise ExportError(
            f"Chromium failed to print the PDF (exit {result.returncode}): " + " / ".join(tail)
        )


# A PDF date as Chromium (Skia) writes it: D:YYYYMMDDHHmmSS then an offset ("+00'00'").
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) ?\((D:\d{14}[^)]{0,8})\)")


def _epoch_from_environment() -> int | None:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    try:
        return int(value) if value else None
    except ValueError:
        log.warning("SOURCE_DATE_EPOCH=%r is not a whole number; PDF dates left as printed", value)
        return None


def pdf_date(epoch: int) -> str:
    """Return *epoch* (seconds since 1970) as a PDF date in UTC, as Chromium writes one.

    Examples
    --------
    >>> pdf_date(1416528000)
    "D:20141121000000+00'00'"
    """
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).strftime("D:%Y%m%d%H%M%S+00'00'")


def pin_pdf_dates(data: bytes, epoch: int) -> bytes:
    """Return PDF *data* with its creation and modification dates set to *epoch* (UTC).

    Each date string is replaced by one of exactly the same length, so no object moves
    and the cross-reference table stays correct; a date of another shape is left alone.

    Examples
    --------
    >>> pin_pdf_dates(b"/CreationDate (D:20261124194156+00'00')", 0)
    b"/CreationDate (D:19700101000000+00'00')"
    """
    stamp = pdf_date(epoch)

    def replace(match: re.Match[bytes]) -> bytes:
        old = match.group(2)
        new = stamp.encode("ascii")
        if len(new) != len(old):
            new = stamp[: -len("+00'00'")].encode("ascii") + b"Z"
        if len(new) != len(old):  # an unusual shape: keep it rather than corrupt the file
            return match.group(0)
        return match.group(0).replace(old, new)

    return _PDF_DATE.sub(replace, data)


# Chromium names the tagged PDF's structure elements after DOM node ids ("node00000024"),
# and which ids a page's nodes get can shift by one between two loads of the same page.
_NODE_ID = re.compile(rb"\(node(\d{8})\)")


def pin_node_ids(data: bytes) -> bytes:
    """Return PDF *data* with Chromium's structure-element ids renumbered 1, 2, 3 … in order.

    The k-th smallest id becomes ``node`` + k (8 digits), so the ids keep their order (the
    PDF's name tree stays sorted) and their length (no object moves), and two prints of the
    same page get the same ids.

    Examples
    --------
    >>> pin_node_ids(b"/ID (node00000025) [(node00000025) (node00000031)]")
    b'/ID (node00000001) [(node00000001) (node00000002)]'
    """
    try:
        return renumber_node_ids(data)[0]
    except ValueError:  # more ids than 8 digits hold: leave them as printed
        return data


def renumber_node_ids(data: bytes, start: int = 0) -> tuple[bytes, int]:
    """Renumber the structure-element ids in *data* start+1, start+2 … in their order.

    Returns the new bytes and how many distinct ids there are. Each id keeps its length,
    so nothing moves. :mod:`carebook.build.pdfparts` numbers each part on from the last.

    Raises
    ------
    ValueError
        If the numbers would need more than 8 digits.

    Examples
    --------
    >>> renumber_node_ids(b"(node00000025) (node00000031) (node00000025)", start=10)
    (b'(node00000011) (node00000012) (node00000011)', 2)
    """
    found = sorted({int(m.group(1)) for m in _NODE_ID.finditer(data)})
    if start + len(found) >= 10**8:
        raise ValueError("more structure-element ids than 8 digits can number")
    rank = {old: start + new for new, old in enumerate(found, start=1)}
    return _NODE_ID.sub(lambda m: b"(node%08d)" % rank[int(m.group(1))], data), len(found)


def _pin_file_dates(pdf_path: Path, epoch: int | None) -> None:
    data = Path(pdf_path).read_bytes()
    pinned = pin_node_ids(data)
    if epoch is not None:
        pinned = pin_pdf_dates(pinned, epoch)
    if pinned != data:
        Path(pdf_path).write_bytes(pinned)


def weasyprint_pdf(html_path: Path, pdf_path: Path) -> None:
    """Render *html_path* to *pdf_path* with WeasyPrint, fetching only ``data:`` URLs.

    Raises
    ------
    ExportError
        If WeasyPrint is missing or fails.
    """
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)  # hundreds of CSS notices otherwise
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except ImportError as err:
        raise ExportError(
            "no PDF engine: install Chromium (or set CAREBOOK_CHROMIUM) or WeasyPrint, "
            "or build with --format html"
        ) from err
    try:
        HTML(
            filename=str(html_path),
            url_fetcher=URLFetcher(allowed_protocols={"data"}),
        ).write_pdf(str(pdf_path))
    except Exception as err:  # WeasyPrint raises many kinds; name it for the student
        raise ExportError(
            f"WeasyPrint failed to render the PDF: {type(err).__name__}: {err}"
        ) from err
    if not _is_pdf(Path(pdf_path)):
        raise ExportError("WeasyPrint wrote no PDF")


def print_pdf(
    html_path: Path,
    pdf_path: Path,
    *,
    timeout: float = 120,
    source_date_epoch: int | None = None,
    browser: Any = None,
    parts: Any = None,
) -> str:
    """Print the sanitized HTML page to an A4 PDF and return the engine used.

    Parameters
    ----------
    html_path : Path
        The sanitized ``report.html``.
    pdf_path : Path
        Where to write the PDF.
    timeout : float
        Seconds Chromium may take.
    source_date_epoch : int, optional
        The build date (seconds since 1970, UTC) written as the PDF's creation and
        modification date; default ``SOURCE_DATE_EPOCH`` from the environment, else the
        dates stay as the engine wrote them.
    browser : carebook.build.browser.Browser, optional
        A Chromium started earlier in the build; it prints the report one section at a
        time (:mod:`carebook.build.pdfparts`), and if it cannot, the one-shot
        ``--print-to-pdf`` prints it whole.
    parts : carebook.build.pdfparts.PartCache, optional
        Sections printed by earlier builds (a watch session's): only the others are
        printed again.

    Returns
    -------
    str
        ``"chromium"`` or ``"weasyprint"``.

    Raises
    ------
    ExportError
        If no engine produced a PDF (a failing Chromium falls back to WeasyPrint).
    """
    chromium = find_chromium()
    epoch = source_date_epoch if source_date_epoch is not None else _epoch_from_environment()
    if chromium is None:
        log.warning("No Chromium found: the PDF is rendered with WeasyPrint instead.")
    else:
        try:
            printed = False
            if browser is not None:
                from carebook.build.browser import BrowserError

                try:
                    _print_in_parts(browser, html_path, pdf_path, timeout, epoch, parts)
                    printed = _is_pdf(Path(pdf_path))
                except BrowserError as err:
                    log.info("%s; printing with a new Chromium instead", err)
            if not printed:
                chromium_pdf(html_path, pdf_path, chromium=chromium, timeout=timeout)
            _pin_file_dates(pdf_path, epoch)
            return "chromium"
        except ExportError as err:
            log.warning("%s; the PDF is rendered with WeasyPrint instead.", err)
    weasyprint_pdf(html_path, pdf_path)
    _pin_file_dates(pdf_path, epoch)
    return "weasyprint"


def _print_in_parts(
    browser: Any, html_path: Path, pdf_path: Path, timeout: float, epoch: int | None, parts: Any
) -> None:
    """Print with the DevTools *browser*, a section at a time, whole if the parts cannot join.

    Raises
    ------
    carebook.build.browser.BrowserError
        The browser could not print.
    """
    import time

    from carebook.build import pdfparts

    html_path, pdf_path = Path(html_path), Path(pdf_path)
    deadline = time.monotonic() + timeout
    part_path = html_path.with_name(f".{html_path.stem}.part.html")

    def print_page(page: str) -> bytes:
        part_path.write_text(page, encoding="utf-8")
        return browser.print_bytes(part_path, timeout=max(deadline - time.monotonic(), 1.0))

    try:
        page = html_path.read_text(encoding="utf-8")
        data, fresh = pdfparts.print_in_parts(
            page, print_page, cache=parts, salt=str(getattr(browser, "executable", "")),
            epoch=epoch,
        )  # fmt: skip
        log.debug("PDF printed in parts: %d printed, the others reused", fresh)
    except pdfparts.PartsError as err:
        log.info("%s; printing the report whole", err)
        data = browser.print_bytes(html_path, timeout=max(deadline - time.monotonic(), 1.0))
    finally:
        part_path.unlink(missing_ok=True)
    pdf_path.write_bytes(data)
