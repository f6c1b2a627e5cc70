r"""Harvard (Cite Them Right) references and ``[@id]`` citations, rendered by citeproc-py.

Students cite in Markdown the way pandoc does: ``[@camp1989]``, ``[@a; @b]``,
``[@camp1989, p. 17]``, ``[see @camp1989]``, ``[-@camp1989]`` (year only) and the narrative
form ``@camp1989`` ("Camp (1989)") or ``@camp1989 [p. 17]`` ("Camp (1989, p. 17)").
:func:`resolve_citations` replaces them with in-text citations and :func:`bibliography`
renders the reference list, both through citeproc-py 0.11.1 and its bundled
``harvard-cite-them-right`` CSL style with the ``en-GB`` locale.

Every field of ``references.yaml`` is untrusted text. citeproc-py's HTML formatter does
*not* escape titles, names or any other variable (only a few generated strings), so each
value is HTML-escaped before it is handed to citeproc; citeproc never escapes again, so
nothing is escaped twice. In-text citations are turned back into Markdown with every
character of case text backslash-escaped (``safety.md_escape``).

Notes
-----
* citeproc-py lower-cases citation keys, so entries are registered under private keys
  (``r0``, ``r1`` …) and ids stay case-sensitive, as in pandoc.
* citeproc-py does not add the "a"/"b" year suffixes Cite Them Right needs when one
  author has two works in a year; they are assigned here, in title order.
* Code spans and fenced code blocks are left alone, as are ``@`` signs inside words
  (e-mail addresses) and escaped ``\@``.
* The works the section notebooks cite for their methods ship with carebook
  (``carebook/data/method_references.yaml``) and are merged under the case's own entries
  (:func:`with_methods`; the case's entry wins on the same id), so a case made with
  ``carebook new`` builds without copying them. In the bibliography the case's entries
  are always listed (a reading list); a built-in one only when the report cites it.
* An ``article`` with a ``publisher`` is a paper in published conference proceedings
  (CSL ``paper-conference``): Cite Them Right then gives the proceedings' place and
  publisher instead of treating it as an unpublished "[Preprint]".
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import html
import json
import logging
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from carebook import paths
from carebook.case.model import Reference
from carebook.errors import CitationError
from carebook.safety import md_escape

__all__ = [
    "STYLE",
    "LOCALE",
    "Citation",
    "CitationItem",
    "References",
    "find_citations",
    "resolve_citations",
    "render_citation",
    "bibliography",
    "bibliography_block",
    "to_csl_json",
    "METHOD_REFERENCES",
    "method_references",
    "with_methods",
    "cited_in_notebooks",
    "warm_up",
]

log = logging.getLogger(__name__)

#: The bundled CSL style of citeproc-py 0.11.1 (Cite Them Right, 12th edition).
STYLE = "harvard-cite-them-right"
#: British English: "Accessed: 20 May 2014", "2nd edn".
LOCALE = "en-GB"

_CSL_TYPES = {"book": "book", "article": "article-journal", "web": "webpage", "report": "report"}

#: carebook's built-in references for the methods the section notebooks cite.
METHOD_REFERENCES = paths.PACKAGE_DATA / "method_references.yaml"

# Pandoc's locator terms (the common ones) → CSL locator labels.
_LOCATORS = {
    "p.": "page",
    "pp.": "page",
    "p": "page",
    "pp": "page",
    "page": "page",
    "pages": "page",
    "ch.": "chapter",
    "chap.": "chapter",
    "chapter": "chapter",
    "chapters": "chapter",
    "sec.": "section",
    "section": "section",
    "sections": "section",
    "§": "section",
    "para.": "paragraph",
    "paragraph": "paragraph",
    "paragraphs": "paragraph",
    "fig.": "figure",
    "figure": "figure",
    "figures": "figure",
    "vol.": "volume",
    "volume": "volume",
    "n.": "note",
    "note": "note",
    "notes": "note",
    "l.": "line",
    "line": "line",
    "lines": "line",
    "col.": "column",
    "column": "column",
}
# A locator value: page numbers and ranges ("12", "12-14", "3, 7-9", "xii").
_NUMBER = r"(?:\d+[a-z]?|[ivxlcdm]+)(?:\s*[-\u2013]\s*(?:\d+[a-z]?|[ivxlcdm]+))?"
_NUMBERS = _NUMBER + r"(?:\s*,\s*" + _NUMBER + r"(?![\w]))*"
_LOCATOR_VALUE = _NUMBERS + r"|\w+"
_LOCATOR_RE = re.compile(
    r"^(?P<label>"
    + "|".join(re.escape(k) for k in sorted(_LOCATORS, key=len, reverse=True))
    + r")(?:(?<=[.§])\s*|\s+)(?P<value>"
    + _LOCATOR_VALUE
    + r")(?![\w])(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_BARE_PAGES_RE = re.compile(
    r"^(?P<value>\d+(?:\s*[-\u2013]\s*\d+)?(?:\s*,\s*\d+(?:\s*[-\u2013]\s*\d+)?)*)(?![\w])(?P<rest>.*)$",
    re.DOTALL,
)

# A citation key as pandoc defines it: starts with a letter, digit or underscore; internal
# punctuation allowed, trailing punctuation not (so "@camp1989." ends a sentence).
_KEY = r"[\w](?:[\w:.#$%&+?<>~/\-]*[\w])?"
_BRACKET_RE = re.compile(r"(?<!\\)\[(?P<body>[^\[\]]*?@[^\[\]]*?)\](?![(\[])")
_ITEM_RE = re.compile(
    r"^(?P<prefix>.*?)(?P<minus>-?)@(?P<key>" + _KEY + r")(?P<suffix>.*)$", re.DOTALL
)
# Narrative citation: @ not preceded by a word character, a backslash or another @ (so
# e-mail addresses and escaped \@ are not citations); an optional [locator] right after.
_NARRATIVE_RE = re.compile(r"(?<![\w\\@])@(?P<key>" + _KEY + r")(?:\s?\[(?P<loc>[^\[\]@]*)\])?")
_FENCE_RE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})")
_CODE_SPAN_RE = re.compile(r"(?<!`)(?P<ticks>`+)(?!`).*?(?<!`)(?P=ticks)(?!`)", re.DOTALL)
_URL_RE = re.compile(
    r"\]\([^)\s]*(?:\s[^)]*)?\)|<[A-Za-z][\w+.-]*:[^<>\s]*>|\b(?:https?|mailto):[^\s<>()\[\]]+"
)
_TAG_RE = re.compile(r"</?(i|b|span|sup|sub|u|l)(?: [^>]*)?>")


@dataclass(frozen=True)
class CitationItem:
    """One cited work inside a citation, as written by the student."""

    key: str
    prefix: str = ""
    locator_label: str | None = None
    locator: str | None = None
    suffix: str = ""
    suppress_author: bool = False


@dataclass(frozen=True)
class Citation:
    """One citation found in Markdown: its position, its items and its form."""

    start: int
    end: int
    items: tuple[CitationItem, ...]
    narrative: bool = False

    @property
    def keys(self) -> list[str]:
        """The cited ids, in the order written."""
        return [item.key for item in self.items]


# --------------------------------------------------------------------------- parsing


def _code_ranges(text: str) -> list[tuple[int, int]]:
    """Return character ranges of fenced code blocks and code spans (never citations)."""
    ranges: list[tuple[int, int]] = []
    pos, fence, fence_start = 0, None, 0
    for line in text.splitlines(keepends=True):
        match = _FENCE_RE.match(line)
        if fence is None and match:
            fence, fence_start = match.group("fence"), pos
        elif (
            fence is not None
            and line.strip().startswith(fence[0] * len(fence))
            and (line.strip().strip(fence[0]) == "")
        ):
            ranges.append((fence_start, pos + len(line)))
            fence = None
        pos += len(line)
    if fence is not None:  # an unclosed fence runs to the end, as in CommonMark
        ranges.append((fence_start, len(text)))
    for match in _CODE_SPAN_RE.finditer(text):
        if not any(a <= match.start() < b for a, b in ranges):
            ranges.append(match.span())
    # Link destinations, autolinks and bare URLs may contain "@" (mailto:, /@user).
    ranges.extend(m.span() for m in _URL_RE.finditer(text))
    return sorted(ranges)


def _in(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a < end and start < b for a, b in ranges)


def _parse_suffix(text: str) -> tuple[str | None, str | None, str]:
    """Split what follows a key into a locator (label, value) and a free suffix."""
    text = text.strip()
    if text.startswith(","):
        text = text[1:].strip()
    if not text:
        return None, None, ""
    match = _LOCATOR_RE.match(text)
    if match:
        label = _LOCATORS[match.group("label").lower()]
        return label, match.group("value").strip(), match.group("rest").strip()
    match = _BARE_PAGES_RE.match(text)
    if match:  # pandoc: a bare number is a page
        return "page", match.group("value").strip(), (match.group("rest") or "").strip()
    return None, None, text


def _parse_item(text: str) -> CitationItem | None:
    match = _ITEM_RE.match(text.strip())
    if not match or re.search(r"[\w\\]$", match.group("prefix")):
        return None
    label, value, suffix = _parse_suffix(match.group("suffix"))
    return CitationItem(
        key=match.group("key"),
        prefix=match.group("prefix").strip(),
        locator_label=label,
        locator=value,
        suffix=suffix,
        suppress_author=bool(match.group("minus")),
    )


def find_citations(text: str) -> list[Citation]:
    """Return every pandoc-style citation in Markdown *text*, in order.

    Parameters
    ----------
    text : str
        Markdown source (a notebook's markdown cell, or a ``text/markdown`` output).

    Returns
    -------
    list of Citation
        Bracketed citations (``[@a; @b, p. 3]``) and narrative ones (``@a``, ``@a [p. 3]``);
        nothing inside code spans or fenced code, and no e-mail addresses.
    """
    code = _code_ranges(text)
    found: list[Citation] = []
    taken: list[tuple[int, int]] = []
    for match in _BRACKET_RE.finditer(text):
        if _in(code, *match.span()):
            continue
        items = [_parse_item(part) for part in match.group("body").split(";")]
        if items and all(items):
            found.append(Citation(match.start(), match.end(), tuple(items)))  # type: ignore[arg-type]
            taken.append(match.span())
    for match in _NARRATIVE_RE.finditer(text):
        if _in(code, *match.span()) or _in(taken, *match.span()):
            continue
        label, value, suffix = _parse_suffix(match.group("loc") or "")
        item = CitationItem(match.group("key"), locator_label=label, locator=value, suffix=suffix)
        found.append(Citation(match.start(), match.end(), (item,), narrative=True))
    return sorted(found, key=lambda c: c.start)


# --------------------------------------------------------------------------- rendering


def _escape(value: object) -> str:
    # Escaped once here; citeproc's HTML formatter never escapes variables itself.
    return html.escape(str(value), quote=False)


def _names(authors: Sequence[str]) -> list[dict[str, str]]:
    names = []
    for author in authors:
        family, comma, given = str(author).partition(",")
        if comma and given.strip():
            names.append({"family": _escape(family.strip()), "given": _escape(given.strip())})
        else:  # an organisation, written as its plain name
            names.append({"literal": _escape(str(author).strip())})
    return names


def _year(value: int | str) -> tuple[dict | None, str]:
    """Return the CSL ``issued`` date and an explicit year suffix (``2014a``)."""
    text = str(value).strip()
    match = re.fullmatch(r"(\d{3,4})([a-z]?)", text)
    if match:
        return {"date-parts": [[int(match.group(1))]]}, match.group(2)
    if text.lower().rstrip(".") in {"", "n.d", "nd", "no date"}:
        return None, ""
    return {"literal": _escape(text)}, ""


def _author_key(ref: Reference) -> tuple[str, ...]:
    return tuple(a.strip().casefold() for a in ref.authors)


def _csl_type(ref: Reference) -> str:
    # Journals have no publisher; proceedings do. Without this, CTR prints a paper in
    # proceedings (no volume or pages) as "[Preprint]".
    if ref.type == "article" and ref.publisher:
        return "paper-conference"
    return _CSL_TYPES[ref.type]


@functools.lru_cache(maxsize=1)
def method_references() -> tuple[Reference, ...]:
    """Return carebook's built-in method references (``data/method_references.yaml``).

    Returns
    -------
    tuple of Reference
        The works the section notebooks cite for their methods, e.g. ``parasuraman1988``,
        ``camp1989``, ``cronbach1951``, ``hutto2014``.
    """
    import yaml

    entries = yaml.safe_load(METHOD_REFERENCES.read_text(encoding="utf-8")) or []
    return tuple(Reference.model_validate(entry) for entry in entries)


def with_methods(references: Sequence[Reference]) -> tuple[Reference, ...]:
    """Return the case's *references* followed by the built-in ones they do not replace.

    Parameters
    ----------
    references : sequence of Reference
        The case's ``references.yaml`` entries (may be empty).

    Returns
    -------
    tuple of Reference
        Every case entry, then each built-in method reference whose id the case does not
        use; the case's entry wins on the same id. *references* is not modified.
    """
    own = {ref.id for ref in references}
    return tuple(references) + tuple(ref for ref in method_references() if ref.id not in own)


def cited_in_notebooks(notebooks_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """Return the ids cited in the Markdown cells of the section notebooks.

    Parameters
    ----------
    notebooks_dir : path, optional
        Folder of the ``NN_name.ipynb`` section notebooks. By default the current
        folder when it holds section notebooks (a build runs each notebook there, as
        JupyterLab does), otherwise carebook's ``notebooks/``.

    Returns
    -------
    list of str
        Cited ids in order of first citation, so the bibliography can list the built-in
        method references the report actually uses.
    """
    if notebooks_dir is None:
        here = Path.cwd()
        notebooks_dir = here if any(here.glob("[0-9][0-9]_*.ipynb")) else paths.NOTEBOOKS_DIR
    texts = []
    for path in sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError) as err:
            log.warning("could not read %s for its citations: %s", path.name, err)
            continue
        for cell in cells:
            if cell.get("cell_type") == "markdown":
                source = cell.get("source", "")
                texts.append("".join(source) if isinstance(source, list) else str(source))
    return cited_keys(texts)


def to_csl_json(references: Sequence[Reference]) -> list[dict]:
    """Return *references* as CSL-JSON items keyed ``r0``, ``r1`` …, every text escaped.

    Works by the same first authors and year get year suffixes ``a``, ``b`` … in title
    order (Cite Them Right), unless the year was written with one (``2014a``).
    """
    items: list[dict] = []
    for i, ref in enumerate(references):
        issued, suffix = _year(ref.year)
        item: dict = {
            "id": f"r{i}",
            "type": _csl_type(ref),
            "author": _names(ref.authors),
            "title": _escape(ref.title),
        }
        if issued is not None:
            item["issued"] = issued
        if suffix:
            item["year-suffix"] = suffix
        for field, csl in (
            ("publisher", "publisher"),
            ("place", "publisher-place"),
            ("edition", "edition"),
            ("journal", "container-title"),
            ("volume", "volume"),
            ("issue", "issue"),
            ("pages", "page"),
            ("url", "URL"),
            ("doi", "DOI"),
        ):
            value = getattr(ref, field)
            if value not in (None, ""):
                item[csl] = _escape(value)
        if isinstance(ref.accessed, dt.date):
            a = ref.accessed
            item["accessed"] = {"date-parts": [[a.year, a.month, a.day]]}
        items.append(item)
    groups: dict[tuple, list[int]] = {}
    for i, ref in enumerate(references):
        if "year-suffix" not in items[i]:
            groups.setdefault((_author_key(ref), str(ref.year).strip()), []).append(i)
    for members in groups.values():
        if len(members) > 1:
            members.sort(key=lambda i: (references[i].title.casefold(), i))
            for n, i in enumerate(members):
                items[i]["year-suffix"] = chr(ord("a") + n) if n < 26 else f"{n + 1}"
    return items


def warm_up() -> None:
    """Import citeproc and parse the citation style and the method references now.

    All three are kept for the life of the process, so the first bibliography or
    citation does not pay for them. The build's kernels' zygote calls this once
    (:func:`carebook.build.pipeline.preload_code`), and every kernel forked from it has
    them ready.
    """
    _style()
    method_references()


@functools.lru_cache(maxsize=1)
def _style():
    from citeproc import CitationStylesStyle

    # validate=False: the bundled style needs no RNG validation (and lxml's is slow).
    return CitationStylesStyle(STYLE, locale=LOCALE, validate=False)


class _Engine:
    """One citeproc bibliography over a set of references (built once per set)."""

    def __init__(self, references: Sequence[Reference]):
        from citeproc import CitationStylesBibliography, formatter
        from citeproc.source.json import CiteProcJSON

        self.references = tuple(references)
        self.key_of = {ref.id: f"r{i}" for i, ref in enumerate(self.references)}
        self.csl = to_csl_json(self.references)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # citeproc warns about unused CSL fields
            source = CiteProcJSON(self.csl)
        self.bib = CitationStylesBibliography(_style(), source, formatter.html)

    def cite_html(self, item: CitationItem) -> str:
        """Return the parenthetical HTML citation of one item, ``(Camp, 1989, p. 17)``."""
        from citeproc import Citation as CslCitation
        from citeproc import CitationItem as CslItem
        from citeproc.source import Locator

        kwargs = {}
        if item.locator:
            kwargs["locator"] = Locator(item.locator_label or "page", _escape(item.locator))
        citation = CslCitation([CslItem(self.key_of[item.key], **kwargs)])
        self.bib.register(citation)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return str(self.bib.cite(citation, lambda _: None))

    def entries(self) -> list[str]:
        from citeproc import Citation as CslCitation
        from citeproc import CitationItem as CslItem

        # Register every entry: the reference list includes works nothing cites.
        for key in self.key_of.values():
            self.bib.register(CslCitation([CslItem(key)]))
        self.bib.sort()  # without it entries stay in registration order
        return [str(entry) for entry in self.bib.bibliography()]


def _engine(references: Sequence[Reference]) -> _Engine:
    return _cached_engine(json.dumps([r.model_dump(mode="json") for r in references]))


@functools.lru_cache(maxsize=8)
def _cached_engine(dumped: str) -> _Engine:
    return _Engine([Reference.model_validate(r) for r in json.loads(dumped)])


def _html_to_markdown(fragment: str) -> str:
    """Turn citeproc's HTML (on pre-escaped text) into Markdown, case text escaped."""
    out, pos = [], 0
    for match in _TAG_RE.finditer(fragment):
        out.append(md_escape(html.unescape(fragment[pos : match.start()])))
        if match.group(1) in ("i", "b"):
            out.append("*" if match.group(1) == "i" else "**")
        pos = match.end()
    out.append(md_escape(html.unescape(fragment[pos:])))
    return "".join(out)


def _split_author(inner: str, year_html: str) -> tuple[str, str]:
    """Split ``Camp, 1989, p. 17`` into ``Camp`` and ``1989, p. 17``."""
    index = inner.find(", " + year_html)
    if index < 0:
        return "", inner
    return inner[:index], inner[index + 2 :]


def _year_html(engine: _Engine, key: str) -> str:
    item = engine.csl[int(engine.key_of[key][1:])]
    issued = item.get("issued")
    if issued is None:
        return "no date" + (" " + item["year-suffix"] if item.get("year-suffix") else "")
    if "literal" in issued:
        year = issued["literal"]
    else:
        year = str(issued["date-parts"][0][0])
    return year + item.get("year-suffix", "")


def _render_item(engine: _Engine, item: CitationItem, *, narrative: bool) -> str:
    """Return one item as HTML without the outer parentheses (or narrative)."""
    inner = engine.cite_html(item)
    inner = inner[1:-1] if inner.startswith("(") and inner.endswith(")") else inner
    author, rest = _split_author(inner, _year_html(engine, item.key))
    suffix = (
        f", {_escape(item.suffix)}"
        if item.suffix and not item.suffix.startswith(",")
        else (_escape(item.suffix) if item.suffix else "")
    )
    if narrative:
        return f"{author} ({rest}{suffix})" if author else f"({rest}{suffix})"
    body = rest if item.suppress_author or not author else inner
    prefix = f"{_escape(item.prefix)} " if item.prefix else ""
    return f"{prefix}{body}{suffix}"


def _unknown(key: str, references: Sequence[Reference]) -> CitationError:
    ids = [ref.id for ref in references]
    hint = ""
    folded = {i.casefold(): i for i in ids}
    close = (
        [folded[key.casefold()]]
        if key.casefold() in folded
        else difflib.get_close_matches(key, ids, n=1, cutoff=0.6)
    )
    if close:
        hint = f" (did you mean '@{close[0]}'?)"
    elif not ids:
        hint = " (the case has no references.yaml entries)"
    message = (
        f"unknown reference '@{key}': add it to references.yaml or fix the id{hint}; "
        "to write a literal @, type \\@"
    )
    return CitationError(message, key=key)


def render_citation(citation: Citation, references: Sequence[Reference]) -> str:
    """Return *citation* as Markdown, e.g. ``(Parasuraman, Zeithaml and Berry, 1988)``.

    Raises
    ------
    CitationError
        If an item names no reference; the message suggests the nearest id.

    Notes
    -----
    Ids are looked up in the case's *references* and then in carebook's built-in method
    references (:func:`with_methods`).
    """
    references = with_methods(references)
    known = {ref.id for ref in references}
    for key in citation.keys:
        if key not in known:
            raise _unknown(key, references)
    engine = _engine(references)
    if citation.narrative:
        return _html_to_markdown(_render_item(engine, citation.items[0], narrative=True))
    parts = [_render_item(engine, item, narrative=False) for item in citation.items]
    return _html_to_markdown("(" + "; ".join(parts) + ")")


def resolve_citations(text: str, references: Sequence[Reference]) -> tuple[str, set[str]]:
    r"""Replace pandoc-style citations in Markdown with Harvard in-text citations.

    Parameters
    ----------
    text : str
        Markdown, e.g. a notebook's markdown cell. ``[@id]``, ``[@a; @b]``,
        ``[@id, p. 17]``, ``[see @id]``, ``[-@id]``, ``@id`` and ``@id [p. 17]`` are
        citations; code spans, fenced code, e-mail addresses and ``\@`` are not.
    references : sequence of Reference
        The case's ``references.yaml`` entries; carebook's built-in method references
        resolve too, unless the case has its own entry with the same id.

    Returns
    -------
    text : str
        The Markdown with each citation replaced by its rendered form, e.g.
        "(Parasuraman, Zeithaml and Berry, 1988)", "Camp (1989, p. 17)"; inserted case
        text is Markdown-escaped.
    cited : set of str
        The ids cited.

    Raises
    ------
    CitationError
        For the first unknown id, with ``key`` set; the build adds notebook and cell.

    Examples
    --------
    ``"Quality has five dimensions [@parasuraman1988]."`` becomes
    ``"Quality has five dimensions (Parasuraman, Zeithaml and Berry, 1988)."`` (with
    its punctuation backslash-escaped).
    """
    citations = find_citations(text)
    if not citations:
        return text, set()
    out, pos, cited = [], 0, set()
    for citation in citations:
        out.append(text[pos : citation.start])
        out.append(render_citation(citation, references))
        cited.update(citation.keys)
        pos = citation.end
    out.append(text[pos:])
    return "".join(out), cited


def _listed(references: Sequence[Reference], cited: Iterable[str] | None) -> tuple[Reference, ...]:
    """Return the case's entries, plus the built-in method references that are *cited*."""
    if cited is None:
        return tuple(references)
    wanted = set(cited)
    own = {ref.id for ref in references}
    extra = tuple(r for r in method_references() if r.id in wanted and r.id not in own)
    return tuple(references) + extra


def bibliography(references: Sequence[Reference], cited: Iterable[str] | None = None) -> list[str]:
    """Return the reference list as HTML strings in Harvard (Cite Them Right) order.

    Entries are sorted by author, then year, then title (the style's sort keys); every
    entry of *references* is listed whether cited or not. Case text is escaped; the only
    markup is citeproc's ``<i>`` for titles and journals.

    Parameters
    ----------
    references : sequence of Reference
        The case's ``references.yaml`` entries.
    cited : iterable of str, optional
        Ids the report cites (e.g. :func:`cited_in_notebooks`); each built-in method
        reference among them that the case does not replace is listed too.

    Examples
    --------
    A book entry renders as ``Camp, R.C. (1989) <i>Benchmarking: …</i>. Milwaukee, WI:
    ASQC Quality Press.``; a web page ends ``Available at: URL (Accessed: 20 May 2014).``
    """
    listed = _listed(references, cited)
    if not listed:
        return []
    return _engine(listed).entries()


@dataclass(frozen=True)
class References:
    """The reference list as a display object (an ``<ol class="cb-references">``)."""

    entries: tuple[str, ...]

    def to_html(self) -> str:
        """Return the list; the report CSS gives ``cb-references`` a hanging indent."""
        items = "".join(f"<li>{entry}</li>" for entry in self.entries)
        return f'<ol class="cb-references">{items}</ol>'

    def to_text(self) -> str:
        """Return the entries as plain text, one per line."""
        return "\n".join(html.unescape(re.sub(r"<[^>]+>", "", e)) for e in self.entries)

    def _repr_mimebundle_(self, include=None, exclude=None):  # noqa: D401 - IPython hook
        return {"text/html": self.to_html(), "text/plain": self.to_text()}


def bibliography_block(references: Sequence[Reference], cited: Iterable[str] | None = None):
    """Return the bibliography for a notebook, or a plain sentence when there is none.

    Parameters
    ----------
    references : sequence of Reference
        The case's ``references.yaml`` entries.
    cited : iterable of str, optional
        Ids the report cites; the built-in method references among them are listed too
        (see :func:`bibliography`).

    Returns
    -------
    References or narrative.Text
        ``References`` displays as an ordered list with class ``cb-references``;
        without entries, a sentence saying no references.yaml was supplied.
    """
    entries = bibliography(references, cited)
    if not entries:
        from carebook.narrative import not_supplied

        return not_supplied(
            "references.yaml", "and the report cites no sources, so the reference list is empty"
        )
    return References(tuple(entries))


def cited_keys(texts: Iterable[str]) -> list[str]:
    """Return every id cited in *texts*, in order of first citation (for the checks)."""
    seen: dict[str, None] = {}
    for text in texts:
        for citation in find_citations(text):
            for key in citation.keys:
                seen.setdefault(key, None)
    return list(seen)
