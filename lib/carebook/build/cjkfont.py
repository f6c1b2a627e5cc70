"""Embed the report's Chinese, Japanese and Korean characters as a small font subset.

Why: Debian's Noto CJK fonts are 20-26 MB collections with CFF outlines. Chromium cannot
embed those as real fonts, so it writes a Type 3 font for every block of 256 glyph ids
that the text touches. The sample's 92 distinct Chinese characters lie in 61 such
blocks: 61 fonts, and 0.2-0.3 s of every print spent on them (0.52-0.66 s against
0.33-0.38 s for the same page without them, measured on the sample report).

So the build prints a copy of the page that carries a subset of Noto Sans CJK SC
Regular with only the CJK characters the report uses (18 KB for the sample), as an
``@font-face`` named :data:`FAMILY`, which the stylesheet puts before the system's CJK
fonts. Chromium then writes one small font (print 0.34 s instead of 0.50 s). report.html
itself is left as the export made it: its styles are the template's, which the
submission audit checks (:mod:`carebook.build.sanitize`). One face serves the serif
and sans-serif text alike (Chinese set in a sans-serif face beside a serif Latin face
is common practice); bold is synthesised from it.

The subset is made with fontTools (which matplotlib already depends on) in a helper
process (:class:`Subsetter`), started when the first section with CJK text finishes,
so that it runs beside the assembly and export instead of after them, outside this
process's GIL. A character the subset lacks is still drawn, from the system font the
stylesheet names next; the subset only makes the print faster. The same characters
give the same bytes (no timestamps), so reproducible builds stay reproducible.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "FAMILY",
    "FONT_QUERY",
    "MAX_CHARACTERS",
    "characters",
    "notebook_characters",
    "find_font",
    "font_identity",
    "subset_font",
    "font_face_css",
    "embed",
    "Subsetter",
]

log = logging.getLogger(__name__)

#: The ``font-family`` the stylesheet (``carebook.css``) lists before the system CJK fonts.
FAMILY = "carebook CJK"
#: The face subset, as fontconfig names it (Debian's fonts-noto-cjk).
FONT_QUERY = "Noto Sans CJK SC:style=Regular"
#: Above this many distinct characters, nothing is embedded: a long Chinese text would
#: make a large subset (about 0.3 KB and 1.5 ms of subsetting a glyph) for a print that
#: the system font does as well.
MAX_CHARACTERS = 3000
#: Seconds to wait for a subset (the sample's takes 0.3 s) before using the system font.
TIMEOUT = 60.0

# Ideographs (with extension A, compatibility and the supplementary planes), kana,
# hangul, bopomofo, CJK symbols and punctuation, full-width forms: what the Latin fonts
# of the stylesheet do not have and Chromium takes from a CJK font.
_CJK = re.compile(
    "[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
    "\U00020000-\U0003134f]"
)


def characters(text: str) -> str:
    """Return the distinct CJK characters of *text*, sorted."""
    return "".join(sorted(set(_CJK.findall(text))))


def notebook_characters(notebooks: Iterable[Any]) -> str:
    """Return the distinct CJK characters anywhere in *notebooks* (sources, outputs, metadata).

    A little more than the report shows (code is hidden in the report), never less: the
    page is made from these notebooks, the stylesheet and carebook's English strings.
    """
    found: set[str] = set()
    # Every key and string of the JSON tree; the ASCII ones (code, numbers, and the
    # figures' base64 data, nearly all of the bytes) are passed over at C speed.
    waiting: list[Any] = list(notebooks)
    while waiting:
        value = waiting.pop()
        if isinstance(value, str):
            if not value.isascii():
                found.update(_CJK.findall(value))
        elif isinstance(value, Mapping):
            waiting.extend(value.keys())
            waiting.extend(value.values())
        elif isinstance(value, (list, tuple)):
            waiting.extend(value)
    return "".join(sorted(found))


@functools.lru_cache(maxsize=4)
def find_font(query: str = FONT_QUERY) -> tuple[str, int] | None:
    """Return the (file, index in the collection) fontconfig gives for *query*, or ``None``.

    ``None`` when fontconfig is missing or its best match is not a CJK font (it falls
    back to any font rather than failing).
    """
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        found = subprocess.run(
            [fc_match, "-f", "%{file}\t%{index}\t%{family}", query],
            capture_output=True, text=True, timeout=10, check=True,
        )  # fmt: skip
        path, index, family = found.stdout.split("\t", 2)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    if "CJK" not in family or not Path(path).is_file():
        log.debug("no CJK font for %r (fontconfig gave %s)", query, family)
        return None
    return path, int(index or 0)


def font_identity() -> list[Any] | None:
    """Return what identifies the font subset from (file, index, size, mtime), or ``None``."""
    found = find_font()
    if found is None:
        return None
    try:
        stat = Path(found[0]).stat()
    except OSError:
        return None
    return [found[0], found[1], stat.st_size, stat.st_mtime_ns]


def subset_font(path: str, index: int, chars: str, *, reuse_tables: bool = True) -> bytes:
    """Return an OpenType (CFF) subset of the font *path* (face *index*) with *chars*.

    Layout tables and hints are dropped (horizontal text needs neither), the name
    table keeps the family and style, and no timestamp is renewed: the same characters
    always give the same bytes.

    With *reuse_tables* (the default), the font's character map and glyph order are
    decoded once per process and file version (:func:`_unicode_tables`) and the
    subsetter is handed a character map of *chars* alone; the bytes are the same as
    without (tested). Noto CJK maps 44,810 characters: decoding them is a third of a
    subset's time, and a watch session's or a batch worker's helper makes one subset
    per build.
    """
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, lazy=True, recalcTimestamp=False)
    if reuse_tables:
        stat = os.stat(path)
        tables = _unicode_tables(path, index, stat.st_size, stat.st_mtime_ns)
        font["cmap"] = _cmap_of(tables.cmap, {ord(c) for c in chars})
        font.setGlyphOrder(list(tables.glyph_order))
    dropped = ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx"]
    # Removed before the subsetter sees them, not only listed in drop_tables: it would
    # first parse the layout tables (0.03 of 0.2 CPU-seconds) to drop them after.
    for tag in dropped:
        if tag in font:
            del font[tag]
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += dropped
    options.hinting = False
    # Outlines without subroutines: made faster (0.04 s less) and, for a few hundred
    # glyphs, smaller than keeping the whole font's subroutines and pruning them.
    options.desubroutinize = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.name_languages = [0x409]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    data = io.BytesIO()
    font.save(data)
    return data.getvalue()


@dataclasses.dataclass(frozen=True)
class _UnicodeTables:
    """A font's decoded ``cmap`` table and glyph order (read-only once made)."""

    cmap: Any
    glyph_order: tuple[str, ...]


@functools.lru_cache(maxsize=2)
def _unicode_tables(path: str, index: int, size: int, mtime_ns: int) -> _UnicodeTables:
    """Decode the ``cmap`` table and glyph order of *path* (face *index*), once.

    *size* and *mtime_ns* are part of the cache key only: a font file replaced on disk
    (a fonts package upgraded during a watch session) is decoded anew.
    """
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=index, lazy=True) as font:
        cmap = font["cmap"]
        for table in cmap.tables:  # decoded now, while the file is open
            table.ensureDecompiled()
            # A decoded subtable no longer reads from its font; kept, that reference
            # would hold the whole parsed font in the cache too (35 MiB against 20).
            table.ttFont = None
        return _UnicodeTables(cmap, tuple(font.getGlyphOrder()))


def _cmap_of(full: Any, codes: set[int]) -> Any:
    """Return a new ``cmap`` table with *full*'s subtables, each cut down to *codes*.

    Same subtables, in the same order, with the same formats, platforms and languages:
    the subsetter then keeps and writes exactly what it would have kept of *full*.
    """
    from fontTools.ttLib import newTable
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    cut = newTable("cmap")
    cut.tableVersion = full.tableVersion
    cut.tables = []
    for table in full.tables:
        new = CmapSubtable.newSubtable(table.format)
        new.platformID, new.platEncID = table.platformID, table.platEncID
        new.language = table.language
        if table.format == 14:  # variation sequences: (base character, glyph) pairs
            new.cmap = {}
            new.uvsDict = {
                selector: [pair for pair in pairs if pair[0] in codes]
                for selector, pairs in table.uvsDict.items()
            }
        else:
            new.cmap = {code: table.cmap[code] for code in codes if code in table.cmap}
        cut.tables.append(new)
    return cut


def font_face_css(font: bytes) -> str:
    """Return the ``@font-face`` rule for *font* as :data:`FAMILY`, inline (a data URL)."""
    encoded = base64.b64encode(font).decode("ascii")
    return (
        f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: 400; '
        f'src: url(data:font/otf;base64,{encoded}) format("opentype"); }}'
    )


def embed(page: str, css: str) -> str:
    """Return *page* with a ``<style>`` holding *css* added at the end of its ``<head>``."""
    marker = page.find("</head>")
    if marker < 0:
        raise ValueError("the page has no </head> to add the CJK font to")
    return f'{page[:marker]}<style id="cb-cjk-font">{css}</style>\n{page[marker:]}'


# --- the helper process ------------------------------------------------------------------


class Subsetter:
    """Makes subsets in a helper process, one request at a time, and remembers them.

    :meth:`start` launches the helper (it imports fontTools and waits);
    :meth:`request` sends it the characters and returns at once; :meth:`css` waits for
    the answer. A failing helper is logged and gives ``None`` (the report then uses the
    system font). A watch session keeps one for all its builds; :meth:`close` ends it.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._pending: str | None = None
        self._done: dict[str, str] = {}
        self._exiting: list[subprocess.Popen[str]] = []  # told to end by close_soon()

    def start(self) -> None:
        """Start the helper unless it runs (or there is no CJK font to subset)."""
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                return
            if find_font() is None:
                return
            self._process = subprocess.Popen(
                [sys.executable, "-m", "carebook.build.cjkfont"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                text=True, encoding="utf-8",
            )  # fmt: skip

    def request(self, chars: str) -> None:
        """Ask for the subset of *chars* (does not wait); the helper is started if need be."""
        if not chars or len(chars) > MAX_CHARACTERS or chars in self._done:
            return
        font = find_font()
        if font is None:
            return
        self.start()
        with self._lock:
            process = self._process
            if process is None or self._pending is not None:
                return
            try:
                assert process.stdin is not None
                request = {"file": font[0], "index": font[1], "chars": chars}
                process.stdin.write(json.dumps(request) + "\n")
                process.stdin.flush()
                self._pending = chars
            except OSError as err:
                log.info("the CJK font helper stopped (%s); the system font is used", err)

    def css(self, chars: str) -> str | None:
        """Return the ``@font-face`` rule for *chars*, waiting for the helper; ``None`` if none."""
        if not chars or len(chars) > MAX_CHARACTERS:
            return None
        if chars in self._done:
            return self._done[chars]
        with self._lock:
            if self._pending is not None and self._pending != chars:  # an answer unread
                self._remember(self._pending, self._answer())
        self.request(chars)
        with self._lock:
            result = self._answer() if self._pending == chars else None
            self._remember(chars, result)
        return result

    def _remember(self, chars: str, result: str | None) -> None:
        """Keep a subset made (not a failure: the next build asks again); clear the request."""
        self._pending = None
        if result is None:
            return
        self._done[chars] = result
        while len(self._done) > 8:  # a watch session rebuilds the same report: a few
            self._done.pop(next(iter(self._done)))

    def _answer(self) -> str | None:
        """Read the helper's answer to the pending request (at most :data:`TIMEOUT` s)."""
        import select

        process = self._process
        line = ""
        if process is not None and process.stdout is not None:
            ready, _, _ = select.select([process.stdout], [], [], TIMEOUT)
            line = process.stdout.readline() if ready else ""
        try:
            answer = json.loads(line)
            return font_face_css(base64.b64decode(answer["font"]))
        except (ValueError, KeyError, TypeError):
            log.info("no CJK font subset (%s); the system font is used",
                     (line.strip() or "no answer from the helper")[:200])  # fmt: skip
            if not line:
                self._stop()  # it may be stuck: the next request starts a new one
            return None

    def close_soon(self) -> None:
        """Tell the helper to end (it exits once its input is closed); do not wait for it.

        A build that started the helper itself calls this once it has the font: the
        helper's exit overlaps the print, and :meth:`close` then only reaps it. A later
        :meth:`request` starts a new helper. Not while an answer is still to be read.
        """
        with self._lock:
            process = self._process
            if process is None or self._pending is not None:
                return
            self._process = None
            self._exiting.append(process)
            try:
                if process.stdin is not None:
                    process.stdin.close()
            except OSError:
                pass

    def close(self) -> None:
        """End the helper; safe to call twice."""
        with self._lock:
            self._stop()
            while self._exiting:
                self._reap(self._exiting.pop())

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            self._reap(process)

    @staticmethod
    def _reap(process: subprocess.Popen[str]) -> None:
        """Close the helper's input and wait for it to exit (killed after 5 s)."""
        try:
            if process.stdin is not None and not process.stdin.closed:
                process.stdin.close()
            process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        finally:
            if process.stdout is not None:
                process.stdout.close()


def _serve() -> None:
    """Serve as the helper: one JSON request per line in, one JSON answer per line out."""
    from fontTools import subset  # noqa: F401  (imported now, while the build runs)
    from fontTools.ttLib import TTFont  # noqa: F401

    for line in sys.stdin:
        try:
            request = json.loads(line)
            font = subset_font(str(request["file"]), int(request["index"]), str(request["chars"]))
            answer = {"font": base64.b64encode(font).decode("ascii")}
        except Exception as err:  # reported to the build, which then uses the system font
            answer = {"error": f"{type(err).__name__}: {err}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve()
    # Every answer is flushed; tearing down fontTools and the parsed font would only
    # cost CPU while the build prints (it is told to end just before: Subsetter.close_soon).
    os._exit(0)
