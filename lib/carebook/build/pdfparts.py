"""Print the report one numbered section at a time, and join the parts into one PDF.

Chromium's print of the sample report is about 0.3 s even when the browser is warm, and
almost all of it is laying out the whole document: a one-paragraph page prints in 5 ms.
When a student edits one section under ``carebook watch``, every other section is laid
out again for nothing. So the page is cut before each ``h2`` heading (each numbered
section starts on a new page anyway: the stylesheet's ``break-before: page``), each part
is printed on its own, and the PDFs are joined. A part printed earlier with exactly the
same page is reused from a :class:`PartCache`; after an edit to one section only that
part is printed again (and those after it, if its page count changed).

Every build prints this way, a cold one too, so a rebuild's PDF has the same bytes as a
cold build's for the same inputs.

What a part needs so that the joined PDF is the one a single print would give:

- **Page numbers.** A part after the first starts at page N: ``@page :first`` gets
  ``counter-increment: page N`` and the page number the stylesheet leaves off the
  report's first page. So a part's page depends on the pages before it, and it is in
  the part's cache key.
- **Links into other parts.** The contents page links to every section; Chromium leaves
  out a link whose target is not in the page. Each part gets empty, hidden targets for
  the ids it links to elsewhere, and the join takes each named destination from the part
  that really has it.
- **Tags** (the structure a screen reader reads). Each part's PDF has its own structure
  tree; the join puts every part's elements under one ``Document`` element and renumbers
  what is numbered per file: the pages' and links' keys into the parent tree
  (``/StructParents``, ``/StructParent``) and the element ids (``nodeNNNNNNNN``; the
  table headers' ``/Headers`` refer to them by value).

The join uses pikepdf (qpdf), which copies each part's pages with everything they refer
to. Anything in a part that the join does not know how to carry over (an outline, a
name tree of destinations) raises :class:`PartsError`, and the caller prints the report
whole instead.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import io
import logging
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from carebook.build.pdf import pdf_date, renumber_node_ids
from carebook.errors import ExportError

__all__ = [
    "PartsError",
    "PartCache",
    "ReportParts",
    "split_report",
    "part_page",
    "PdfJoiner",
    "join_parts",
    "print_in_parts",
]

log = logging.getLogger(__name__)
# pikepdf's import logs "pikepdf C++ to Python logger bridge initialized" at INFO, which
# carebook's command line would show on every build.
logging.getLogger("pikepdf").setLevel(logging.WARNING)

_MAIN_OPEN = '<main class="cb-report">'
_MAIN_CLOSE = "</main>"
# A Markdown cell whose rendered text begins with a level-2 heading, as nbconvert's
# template writes it: only the notebooks' own Markdown makes such a cell (a code cell's
# output is inside a jp-CodeCell).
_SECTION_CELL = re.compile(
    r'<div id="cell-id=[^"]*" class="jp-Cell jp-MarkdownCell[^"]*">\s*'
    r'<div class="jp-Cell-inputWrapper">\s*'
    r'<div class="jp-Collapser[^"]*">\s*</div>\s*'
    r'<div class="jp-InputArea[^"]*">\s*<div class="[^"]*jp-MarkdownOutput[^"]*">\s*'
    r"<h2[\s>]"
)
_DIV_OPEN = re.compile(r"<div[\s>]")
_DIV_CLOSE = re.compile(r"</div\s*>")
# Links within the page and the ids they can point at (attribute text as written). Each
# is looked for by its literal start, which the regex engine skips to quickly, and the
# character before it (none at the text's start) is checked afterwards
# (_attribute_values): a pattern that began with a lookbehind or a class made the
# engine try every character of the figures' data, 0.017 s for section 4.0.
_LOCAL_LINK = (re.compile(r'href="#([^"]+)"'), re.compile(r"[^\w:-]?"))
_ID = (re.compile(r'id="([^"]+)"'), re.compile(r"\s"))
# A font subset's name: a six-letter tag, "+", the font (ISO 32000-1, 9.6.4).
_SUBSET_NAME = re.compile(r"^/[A-Z]{6}\+")


class PartsError(ExportError):
    """The parts could not be joined; the report is printed whole instead."""


@dataclass(frozen=True)
class ReportParts:
    """The report page cut before each numbered section.

    Attributes
    ----------
    head : str
        Everything up to and including ``<main class="cb-report">``.
    bodies : tuple of str
        The content of each part: the cover and contents, then one per section.
    tail : str
        ``</main>`` and what follows it.
    ids : frozenset of str
        Every id in the report's content (attribute text as written).
    """

    head: str
    bodies: tuple[str, ...]
    tail: str
    ids: frozenset[str] = frozenset()


def split_report(page: str) -> ReportParts:
    r"""Cut the report *page* before each section's heading cell.

    Only a heading cell at the top level of ``<main>`` starts a part, so markup inside a
    cell can never cut the page. A page without ``<main class="cb-report">`` is one part.

    Examples
    --------
    >>> parts = split_report('<html><body><main class="cb-report">x</main></body></html>')
    >>> parts.bodies
    ('x',)
    """
    start = page.find(_MAIN_OPEN)
    end = page.rfind(_MAIN_CLOSE)
    if start < 0 or end < start:
        return ReportParts(page, ("",), "")
    start += len(_MAIN_OPEN)
    head, body, tail = page[:start], page[start:end], page[end:]
    cuts = [0]
    depth, counted = 0, 0
    for match in _SECTION_CELL.finditer(body):
        if match.start() == 0:
            continue
        stretch = body[counted : match.start()]
        depth += len(_DIV_OPEN.findall(stretch)) - len(_DIV_CLOSE.findall(stretch))
        counted = match.start()
        if depth == 0:
            cuts.append(match.start())
    cuts.append(len(body))
    bodies = tuple(body[a:b] for a, b in zip(cuts, cuts[1:], strict=False))
    return ReportParts(head, bodies, tail, frozenset(_attribute_values(_ID, body)))


def _attribute_values(kind: tuple[re.Pattern[str], re.Pattern[str]], text: str) -> list[str]:
    r"""Return the values of one kind of attribute in *text* (``_ID`` or ``_LOCAL_LINK``).

    As the patterns ``(?<![\w:-])href="#([^"]+)"`` and ``\sid="([^"]+)"`` find them.

    Examples
    --------
    >>> _attribute_values(_ID, 'id="z"<h2 id="a"><div data-id="b"> id="c"')
    ['a', 'c']
    >>> _attribute_values(_LOCAL_LINK, 'href="#a" xlink:href="#b" <a href="#c">')
    ['a', 'c']
    """
    attribute, before = kind
    values: list[str] = []
    at = 0
    while (found := attribute.search(text, at)) is not None:
        start = found.start()
        if before.fullmatch(text[start - 1 : start] if start else ""):
            values.append(found.group(1))
            at = found.end()
        else:  # as the patterns would, try again from the next character
            at = start + 1
    return values


def links_elsewhere(body: str, ids: Iterable[str]) -> list[str]:
    """Return the ids that *body* links to (``href="#id"``) and that only *ids* has, in order.

    A link to an id the report does not have at all is left alone: Chromium drops it,
    as it would from the whole report.
    """
    present = set(_attribute_values(_ID, body))
    elsewhere = set(ids) - present
    missing: list[str] = []
    for target in _attribute_values(_LOCAL_LINK, body):
        if target in elsewhere and target not in missing:
            missing.append(target)
    return missing


def part_page(parts: ReportParts, index: int, first_page: int) -> tuple[str, list[str]]:
    """Return the page that prints part *index*, and the link targets it holds only for show.

    Parameters
    ----------
    parts : ReportParts
        The cut report.
    index : int
        Which part (0 is the cover and contents).
    first_page : int
        The number of the part's first page in the whole report.

    Returns
    -------
    page : str
        A complete HTML page: the report's head, the part's content, the report's tail.
    placeholders : list of str
        Ids given an empty target so that Chromium keeps the links to them; the join
        takes their destinations from the parts that have them.
    """
    head, body = parts.head, parts.bodies[index]
    if index > 0:
        # The stylesheet leaves the number off the report's first page (the cover); a
        # later part's first page is numbered, and counts on from the parts before it.
        numbering = (
            '<style id="cb-part-pages">@page :first { '
            f"counter-increment: page {int(first_page)}; "
            "@bottom-center { content: counter(page); } }</style>\n"
        )
        marker = head.rfind("</head>")
        if marker >= 0:
            head = head[:marker] + numbering + head[marker:]
    placeholders = links_elsewhere(body, parts.ids)
    if placeholders:
        targets = "".join(f'<span id="{target}"></span>' for target in placeholders)
        body = (
            '<div class="cb-link-targets" aria-hidden="true" '
            f'style="height:0;overflow:hidden">{targets}</div>' + body
        )
    return head + body + parts.tail, placeholders


class PartCache:
    """Printed parts, and their page counts, by the digest of the page that printed them.

    A watch session keeps one for all its builds. :meth:`keep_only` drops what the
    latest build did not use, so it holds at most one report's parts.
    """

    def __init__(self) -> None:
        self._printed: dict[str, tuple[bytes, int]] = {}
        #: The last joined PDF, under the digest of what it was joined from.
        self.joined: tuple[str, bytes] | None = None

    def __len__(self) -> int:
        return len(self._printed)

    def get(self, key: str) -> tuple[bytes, int] | None:
        """Return the PDF printed for *key* and its page count, or ``None``."""
        return self._printed.get(key)

    def put(self, key: str, data: bytes, pages: int) -> None:
        """Remember *data*, the PDF of *pages* pages printed for *key*."""
        self._printed[key] = (data, pages)

    def keep_only(self, keys: Iterable[str]) -> None:
        """Forget every part not in *keys*."""
        wanted = set(keys)
        self._printed = {k: v for k, v in self._printed.items() if k in wanted}


def _subset_tag(number: int) -> str:
    """Return the font subset tag for *number*: 0 ``AAAAAA``, 1 ``BAAAAA`` … as Chromium counts."""
    letters = []
    for _ in range(6):
        number, digit = divmod(number, 26)
        letters.append(chr(ord("A") + digit))
    return "".join(letters)


def _tree_pairs(node: Any, entries: str) -> list[tuple[Any, Any]]:
    """Return a number tree's (``/Nums``) or name tree's (``/Names``) pairs, kids' included."""
    pairs: list[tuple[Any, Any]] = []
    flat = node.get(entries)
    if flat is not None:
        pairs += [(flat[i], flat[i + 1]) for i in range(0, len(flat) - 1, 2)]
    for kid in node.get("/Kids", []):
        pairs += _tree_pairs(kid, entries)
    return pairs


def _copy(out: Any, source: Any, value: Any) -> Any:
    """Copy *value* from the part *source* into *out*, its page references mapped."""
    if not value.is_indirect:  # qpdf copies only indirect objects across files
        value = source.make_indirect(value)
    return out.copy_foreign(value)


def _as_list(value: Any) -> list[Any]:
    import pikepdf

    if value is None:
        return []
    if isinstance(value, pikepdf.Array):
        return list(value)
    return [value]


def _fuse_wrappers(kids: Sequence[Sequence[Any]]) -> list[Any]:
    """Return the joined Document's elements, each part's wrapper fused into one.

    In one print of the report the Document holds a single element for the page's body,
    which holds everything else. Each part has its own: when every part has exactly one,
    of the same type, holding only elements, the first takes all their elements, so the
    joined tree has the shape of the whole print's.
    """
    import pikepdf

    wrappers = [part[0] for part in kids if part]
    shapes = {str(w.get("/S")) for w in wrappers if isinstance(w, pikepdf.Dictionary)}
    fusable = (
        len(wrappers) == len(kids) > 1
        and all(len(part) == 1 for part in kids)
        and len(shapes) == 1
        and all(
            isinstance(c, pikepdf.Dictionary) and "/S" in c
            for w in wrappers
            for c in _as_list(w.get("/K"))
        )
    )
    if not fusable:
        return [element for part in kids for element in part]
    first = wrappers[0]
    inner = [c for w in wrappers for c in _as_list(w.get("/K"))]
    for child in inner:
        child.P = first
    first.K = pikepdf.Array(inner)
    return [first]


class PdfJoiner:
    """Joins the parts' PDFs, in order, into one tagged PDF with working links.

    :meth:`add` each part as it is printed, then :meth:`finish`. One joiner is used by
    one thread at a time (:func:`print_in_parts` runs it beside the browser's prints).

    Parameters
    ----------
    epoch : int, optional
        The creation and modification date to write (seconds since 1970, UTC); else
        the first part's dates are kept.
    """

    def __init__(self, *, epoch: int | None = None):
        import pikepdf

        self.epoch = epoch
        self._out = pikepdf.new()
        self._sources: list[Any] = []  # kept open until the joined file is written
        self._kids: list[list[Any]] = []  # each part's elements under its Document
        self._parent_tree: list[tuple[int, Any]] = []
        self._ids: list[tuple[str, Any]] = []
        self._destinations: dict[str, Any] = {}
        self._next_key, self._id_base, self._version = 0, 0, "1.4"
        self._lang: Any = None
        self._root_entries: dict[str, Any] = {}
        self._subsets = 0  # font subsets tagged so far (_retag_fonts)

    def add(self, data: bytes, placeholders: Iterable[str] = ()) -> None:
        """Append the part printed as *data*.

        Parameters
        ----------
        data : bytes
            The part's PDF as Chromium printed it.
        placeholders : iterable of str
            The named destinations that are only stand-ins in this part
            (:func:`part_page`); the part that really has the id gives its destination.

        Raises
        ------
        PartsError
            The part cannot be read, or has something the join cannot carry over.
        """
        try:
            self._add(data, set(placeholders))
        except PartsError:
            raise
        except Exception as err:  # pikepdf raises several kinds on a damaged or odd file
            raise PartsError(
                f"the PDF parts could not be joined: {type(err).__name__}: {err}"
            ) from err

    def _add(self, data: bytes, skip: set[str]) -> None:
        import pikepdf

        out, index = self._out, len(self._sources)
        try:  # numbered on from the parts before, as one print would number them
            data, count = renumber_node_ids(data, start=self._id_base)
        except ValueError as err:
            raise PartsError(f"too many tagged elements to join the parts: {err}") from err
        self._id_base += count
        source = pikepdf.open(io.BytesIO(data))
        self._sources.append(source)
        root = source.Root
        for unknown in ("/Outlines", "/Names", "/AcroForm", "/PageLabels"):
            if unknown in root:
                raise PartsError(f"part {index + 1} has {unknown}, which the join drops")
        self._version = max(self._version, source.pdf_version)
        self._retag_fonts(source)
        first_page = len(out.pages)
        with warnings.catch_warnings():  # "named destinations not kept": done below
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            out.pages.extend(source.pages)
        if index == 0:
            self._lang = root.get("/Lang")
            for entry in ("/MarkInfo", "/ViewerPreferences"):
                if entry in root:
                    self._root_entries[entry] = _copy(out, source, root[entry])
            out.docinfo = _copy(out, source, source.docinfo)
            if self.epoch is not None:
                stamp = pikepdf.String(pdf_date(self.epoch))
                out.docinfo.CreationDate = stamp
                out.docinfo.ModDate = stamp
        tree = root.get("/StructTreeRoot")
        offset = self._next_key
        if tree is not None:
            if "/RoleMap" in tree or "/ClassMap" in tree:
                raise PartsError(f"part {index + 1} has a role or class map")
            tree = out.copy_foreign(tree)
            part_kids: list[Any] = []
            for element in _as_list(tree.get("/K")):
                if element.get("/S") == "/Document":
                    part_kids += _as_list(element.get("/K"))
                else:
                    part_kids.append(element)
            self._kids.append(part_kids)
            self._parent_tree += [
                (int(key) + offset, value) for key, value in _tree_pairs(tree.ParentTree, "/Nums")
            ]
            self._next_key = offset + int(tree.get("/ParentTreeNextKey", 0))
            if "/IDTree" in tree:
                self._ids += [(str(k), v) for k, v in _tree_pairs(tree.IDTree, "/Names")]
        for page in out.pages[first_page:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        for name, destination in (root.get("/Dests") or {}).items():
            if name.lstrip("/") not in skip:
                self._destinations[name] = _copy(out, source, destination)

    def _retag_fonts(self, source: Any) -> None:
        """Give every font subset of the part *source* a tag no other part's subset has.

        Chromium tags each PDF's subsets ``AAAAAA+``, ``BAAAAA+`` …, so two parts have
        different subsets of one font under one name, which the PDF standard forbids
        (ISO 32000-1, 9.6.4) and which can make a viewer draw one part's text with
        another part's glyphs. The subsets are numbered on across the parts instead.
        """
        import pikepdf

        seen: set[tuple[int, int]] = set()

        def visit_font(font: Any) -> None:
            if not isinstance(font, pikepdf.Dictionary):
                return
            if font.is_indirect:  # a direct one has no number of its own, (0, 0)
                if font.objgen in seen:
                    return
                seen.add(font.objgen)
            # The font, its CID fonts (a Type 0 font's) and their descriptors carry one
            # subset's name each: they get one new tag together.
            named = [(font, "/BaseFont")]
            for descendant in font.get("/DescendantFonts", []):
                named.append((descendant, "/BaseFont"))
                if "/FontDescriptor" in descendant:
                    named.append((descendant.FontDescriptor, "/FontName"))
            if "/FontDescriptor" in font:
                named.append((font.FontDescriptor, "/FontName"))
            tagged = [(obj, key) for obj, key in named if _SUBSET_NAME.match(str(obj.get(key, "")))]
            if tagged:
                tag = _subset_tag(self._subsets)
                self._subsets += 1
                for obj, key in tagged:
                    obj[key] = pikepdf.Name(f"/{tag}{str(obj[key])[7:]}")
            if "/Resources" in font:  # a Type 3 font's glyphs may use other fonts
                visit_resources(font.Resources)

        def visit_resources(resources: Any) -> None:
            if not isinstance(resources, pikepdf.Dictionary):
                return
            if resources.is_indirect:
                if resources.objgen in seen:
                    return
                seen.add(resources.objgen)
            for font in (resources.get("/Font") or {}).values():
                visit_font(font)
            for xobject in (resources.get("/XObject") or {}).values():
                if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                    seen.add(xobject.objgen)
                    visit_resources(xobject.get("/Resources"))

        for page in source.pages:
            visit_resources(page.obj.get("/Resources"))

    def finish(self) -> bytes:
        """Return the joined PDF.

        Its objects are compressed into object streams (it is smaller than one print of
        the whole report, though each part brings its own font subsets). Its element
        ids are already pinned: ``node00000001`` … in order, as
        :func:`carebook.build.pdf.pin_node_ids` would make them.

        Raises
        ------
        PartsError
            The joined file could not be written.
        """
        import pikepdf

        out = self._out
        try:
            out.Root.Dests = pikepdf.Dictionary(self._destinations)
            lang = pikepdf.String(str(self._lang)) if self._lang is not None else None
            if lang is not None:
                out.Root.Lang = lang
            for entry, value in self._root_entries.items():
                out.Root[entry] = value
            if self._kids:
                out.Root.StructTreeRoot = self._structure(lang)
            buffer = io.BytesIO()
            out.save(
                buffer,
                min_version=self._version,
                deterministic_id=True,
                object_stream_mode=pikepdf.ObjectStreamMode.generate,
            )
            return buffer.getvalue()
        except Exception as err:
            raise PartsError(
                f"the PDF parts could not be joined: {type(err).__name__}: {err}"
            ) from err

    def _structure(self, lang: Any) -> Any:
        """Make the joined structure tree: one Document, one parent tree, one id tree."""
        import pikepdf

        out = self._out
        structure = out.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot, ParentTreeNextKey=self._next_key)
        )
        document = out.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document, P=structure)
        )
        if lang is not None:
            document.Lang = lang
        joined = _fuse_wrappers(self._kids)
        for kid in joined:
            if isinstance(kid, pikepdf.Dictionary) and "/P" in kid:
                kid.P = document
        document.K = pikepdf.Array(joined)
        structure.K = document
        structure.ParentTree = out.make_indirect(
            pikepdf.Dictionary(Nums=pikepdf.Array([x for pair in self._parent_tree for x in pair]))
        )
        if self._ids:
            ids = sorted(self._ids, key=lambda pair: pair[0])
            structure.IDTree = out.make_indirect(
                pikepdf.Dictionary(
                    Names=pikepdf.Array(
                        [x for name, elem in ids for x in (pikepdf.String(name), elem)]
                    )
                )
            )
        return structure

    def close(self) -> None:
        """Release the parts and the joined file; safe to call twice."""
        for source in self._sources:
            source.close()
        self._sources = []
        self._out.close()


def join_parts(
    printed: Sequence[bytes], placeholders: Sequence[Sequence[str]], *, epoch: int | None = None
) -> bytes:
    """Join the parts' PDFs, in order, into one tagged PDF with working links.

    Parameters
    ----------
    printed : sequence of bytes
        Each part's PDF as Chromium printed it.
    placeholders : sequence of sequence of str
        For each part, the named destinations that are only stand-ins (see
        :meth:`PdfJoiner.add`).
    epoch : int, optional
        The creation and modification date to write (seconds since 1970, UTC).

    Returns
    -------
    bytes
        The joined PDF (:meth:`PdfJoiner.finish`).

    Raises
    ------
    PartsError
        A part cannot be read, or has something the join cannot carry over.
    """
    joiner = PdfJoiner(epoch=epoch)
    try:
        for data, stand_ins in zip(printed, placeholders, strict=True):
            joiner.add(data, stand_ins)
        return joiner.finish()
    finally:
        joiner.close()


def _page_count(data: bytes) -> int:
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return len(pdf.pages)
    except Exception as err:
        raise PartsError(f"a printed part is not a readable PDF: {err}") from err


def print_in_parts(
    page: str,
    print_page: Callable[[str], bytes],
    *,
    cache: PartCache | None = None,
    salt: str = "",
    epoch: int | None = None,
) -> tuple[bytes, int]:
    """Print the report *page* part by part and return the joined PDF and how many parts printed.

    Parameters
    ----------
    page : str
        The report page as it would be printed whole.
    print_page : callable
        Prints one complete HTML page and returns its PDF (the browser's print).
    cache : PartCache, optional
        Parts printed earlier; what this call prints is added, and what it did not use
        is dropped.
    salt : str
        Anything else the printed bytes depend on (the browser), put in every key.
    epoch : int, optional
        The build date (seconds since 1970, UTC) written as the PDF's creation and
        modification date; else they are the first part's.

    Raises
    ------
    PartsError
        The parts could not be joined.
    carebook.build.browser.BrowserError
        The browser could not print.
    """
    parts = split_report(page)
    if len(parts.bodies) == 1 and not part_page(parts, 0, 1)[1]:
        return print_page(page), 1
    used: list[str] = []
    first_page, fresh = 1, 0
    # The join runs in a thread of its own, each part as soon as it is known, while
    # this one waits for the browser to print the next. It starts with the first part
    # that has to be printed: until then, every part may be the last build's, and so
    # may the joined PDF (an edit that changed no output of its section).
    joining = concurrent.futures.ThreadPoolExecutor(1, "carebook-pdf-join")
    joiner: PdfJoiner | None = None
    try:
        joiner = joining.submit(PdfJoiner, epoch=epoch).result()
        waiting: list[tuple[bytes, list[str]]] = []
        added: list[concurrent.futures.Future[None]] = []

        def join_waiting() -> None:
            added.extend(joining.submit(joiner.add, *part) for part in waiting)
            waiting.clear()

        for index in range(len(parts.bodies)):
            html, placeholders = part_page(parts, index, first_page)
            key = hashlib.sha256(f"{salt}\0{html}".encode()).hexdigest()
            known = cache.get(key) if cache is not None else None
            if known is None:
                join_waiting()
                data = print_page(html)
                known = (data, _page_count(data))
                fresh += 1
                if cache is not None:
                    cache.put(key, *known)
            used.append(key)
            waiting.append((known[0], placeholders))
            if fresh:
                join_waiting()
            first_page += known[1]
        whole_key = hashlib.sha256(f"{epoch}\0{'/'.join(used)}".encode()).hexdigest()
        if not fresh and cache is not None and cache.joined and cache.joined[0] == whole_key:
            joined = cache.joined[1]
        else:
            join_waiting()
            for future in added:
                future.result()  # a part the join refused raises here
            joined = joining.submit(joiner.finish).result()
            if cache is not None:
                cache.joined = (whole_key, joined)
    finally:
        if joiner is not None:
            joining.submit(joiner.close)
        joining.shutdown(wait=True)
    if cache is not None:
        cache.keep_only(used)
    return joined, fresh
