"""Make the exported HTML inert, then prove it (reliability.md P0-1).

Two steps, because neither nbconvert sanitizer is good enough (they escape tables or run
before Markdown is rendered):

1. :func:`clean_body` runs the cells' HTML through nh3 (ammonia) with a table-aware
   allow-list: no ``<script>``, ``<style>``, ``on*`` attributes, links only to
   ``http(s)``/``mailto``/``#fragment``, images only as inline PNG or SVG data.
2. :func:`scan` re-parses the whole page with :mod:`html.parser` and lists anything
   active that is left: event-handler attributes, ``javascript:``/``vbscript:``/
   ``data:text/html`` URLs, frames, objects, forms, ``<base>``, external resources, and
   any ``<script>``/``<style>`` element that the template itself does not have
   (its *baseline*). :func:`check` turns a non-empty list into an ``ExportError``.

A report handed in by a student is untrusted again (P2-16: it can be edited after the
build). :func:`audit_submission` lists why a submitted page cannot be trusted: active
content, scripts or styles beyond the template's, or bytes that differ from the hash the
build's ``manifest.json`` recorded.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from html.parser import HTMLParser

from carebook.errors import ExportError

__all__ = [
    "ALLOWED_TAGS",
    "BODY_START",
    "BODY_END",
    "clean_fragment",
    "clean_body",
    "describe_images",
    "scan",
    "baseline_elements",
    "check",
    "audit_submission",
]

log = logging.getLogger(__name__)

#: Comments the offline template puts around the cells: what lies between is sanitized.
BODY_START = "<!-- carebook:body-start -->"
BODY_END = "<!-- carebook:body-end -->"

ALLOWED_TAGS = frozenset(
    {
        "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code",
        "ul", "ol", "li", "dl", "dt", "dd",
        "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
        "figure", "figcaption", "img", "a",
        "em", "strong", "b", "i", "del", "sup", "sub", "small",
        "span", "div", "section",
    }
)  # fmt: skip

_ATTRIBUTES = {
    "*": {"class", "id"},
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start"},
}
_IMAGE_PREFIXES = ("data:image/png;base64,", "data:image/svg+xml")
_LINK_PREFIXES = ("http://", "https://", "mailto:", "#")
# Browsers ignore ASCII whitespace and control characters inside a URL scheme
# ("java\tscript:" runs); strip them before looking at the scheme.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    # Must never raise: nh3 would report the exception as "unraisable" and drop it.
    if attribute == "src":
        return value if tag == "img" and value.startswith(_IMAGE_PREFIXES) else None
    if attribute == "href":
        plain = _URL_NOISE.sub("", value).lower()
        return value if plain.startswith(_LINK_PREFIXES) else None
    return value


def clean_fragment(html: str) -> str:
    """Return *html* (a fragment) with everything outside the allow-list removed.

    Parameters
    ----------
    html : str
        Untrusted HTML: rendered Markdown and outputs of section notebooks.

    Returns
    -------
    str
        The cleaned fragment; text content is kept (shown as text), script and style
        content is dropped.

    Examples
    --------
    >>> clean_fragment('<p onclick="x()">hi<script>alert(1)</script></p>')
    '<p>hi</p>'
    """
    import nh3

    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style", "template", "noscript", "textarea", "title"},
        attributes={k: set(v) for k, v in _ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto", "data"},
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


#: The text nbconvert gives an image that has no ``alt`` (screen readers say something).
DEFAULT_ALT = "No description has been provided for this image"

# A start tag as nh3 (html5ever) prints it: attribute values always in double quotes,
# with any '"' inside escaped, so a '>' inside a value cannot end the tag here.
_IMG_TAG = re.compile(r'<img((?:\s+[^\s"\'>/=]+(?:="[^"]*")?)*)(\s*/?>)')
_ATTRIBUTE_NAME = re.compile(r'\s+([^\s"\'>/=]+)(?:="[^"]*")?')


def describe_images(fragment: str) -> str:
    """Give every ``<img>`` of a cleaned fragment an ``alt``, as nbconvert's export does.

    Parameters
    ----------
    fragment : str
        Output of :func:`clean_fragment` (its attribute quoting is relied on).

    Examples
    --------
    >>> describe_images('<img src="a.png" title="a>b">')  # doctest: +ELLIPSIS
    '<img src="a.png" title="a>b" alt="No description has been provided...">'
    >>> describe_images('<img alt="" src="x">')
    '<img alt="" src="x">'
    """

    def add_alt(tag: re.Match[str]) -> str:
        names = {name.lower() for name in _ATTRIBUTE_NAME.findall(tag.group(1))}
        if "alt" in names:
            return tag.group(0)
        return f'<img{tag.group(1)} alt="{DEFAULT_ALT}"{tag.group(2)}'

    return _IMG_TAG.sub(add_alt, fragment) if "<img" in fragment else fragment


def clean_body(document: str) -> str:
    """Sanitize the cells of an exported page, leaving the template's own parts alone.

    The part between the template's first :data:`BODY_START` and its last
    :data:`BODY_END` comment is cleaned with :func:`clean_fragment` (cell content cannot
    move these boundaries: anything it contains lies between them), and its images get
    a default ``alt`` when they have none (:func:`describe_images`).

    Raises
    ------
    ExportError
        If the markers are missing (the page was not made by the offline template).
    """
    start = document.find(BODY_START)
    end = document.rfind(BODY_END)
    if start < 0 or end < start:
        raise ExportError(
            "the exported HTML lacks carebook's body markers; the offline template was not used"
        )
    head, body, tail = (
        document[:start],
        document[start + len(BODY_START) : end],
        document[end + len(BODY_END) :],
    )
    return head + describe_images(clean_fragment(body)) + tail


_FORBIDDEN_TAGS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form",
    "input", "button", "textarea", "select", "portal", "meta-refresh",
}  # fmt: skip
_URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "poster", "background", "xlink:href",
    "srcset", "cite", "longdesc", "ping", "manifest", "codebase",
}  # fmt: skip
_BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "data:application/xhtml")
_EXTERNAL = re.compile(r"^(https?:)?//", re.IGNORECASE)
_CSS_EXTERNAL = re.compile(r"@import|url\(\s*['\"]?\s*(https?:)?//", re.IGNORECASE)


class _Scanner(HTMLParser):
    """Collect active content from a whole HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.elements: list[tuple[str, str]] = []  # (tag, attributes + text) of script/style
        self._open: tuple[str, str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)
        if tag in ("script", "style"):
            shown = " ".join(f"{k}={v}" for k, v in sorted((k, v or "") for k, v in attrs))
            self._open = (tag, shown, [])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == self._open[0]:
            kind, shown, text = self._open
            content = "".join(text)
            self.elements.append((kind, f"{shown}|{content}"))
            if kind == "style" and _CSS_EXTERNAL.search(content):
                self.problems.append("<style> imports an external resource")
            self._open = None

    def close(self) -> None:
        super().close()
        if self._open is not None:  # an unterminated <script> still counts
            kind, shown, text = self._open
            self.elements.append((kind, f"{shown}|{''.join(text)}"))
            self._open = None

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        if tag == "meta" and any(k == "http-equiv" for k, _ in attrs):
            self.problems.append("<meta http-equiv> element")
        if tag == "link":
            self.problems.append("<link> element (external resource)")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if name in _URL_ATTRIBUTES or name == "style":
                plain = _URL_NOISE.sub("", value).lower()
                # A URL is active by its scheme; style and srcset hold several URLs.
                anywhere = name in ("style", "srcset")
                if any(
                    (bad in plain) if anywhere else plain.startswith(bad) for bad in _BAD_SCHEMES
                ):
                    self.problems.append(f"<{tag} {name}> with an active URL: {value[:60]!r}")
                if name in ("src", "srcset", "data", "poster", "background") and _EXTERNAL.match(
                    value.strip()
                ):
                    self.problems.append(
                        f"<{tag} {name}> loads an external resource: {value[:60]!r}"
                    )
                if name == "style" and _CSS_EXTERNAL.search(value):
                    self.problems.append(f"<{tag} style> loads an external resource")


def scan(document: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Return the active-content problems of *document* and its script/style elements.

    Returns
    -------
    problems : list of str
        One line per finding (empty when the page is inert, scripts and styles aside).
    elements : list of (str, str)
        Every ``<script>`` and ``<style>`` element as (tag, attributes|content), in
        page order, for comparison with the template's baseline.
    """
    scanner = _Scanner()
    scanner.feed(document)
    scanner.close()
    return scanner.problems, scanner.elements


def baseline_elements(document: str) -> list[tuple[str, str]]:
    """Return the script/style elements of *document* (a page from an empty notebook)."""
    return scan(document)[1]


def check(document: str, baseline: Iterable[tuple[str, str]]) -> None:
    """Raise :class:`~carebook.errors.ExportError` unless *document* is inert.

    Parameters
    ----------
    document : str
        The sanitized page.
    baseline : iterable of (str, str)
        The script/style elements the template produces for an empty notebook.
    """
    problems, elements = scan(document)
    expected = sorted(baseline)
    if sorted(elements) != expected:
        extra = len(elements) - len(expected)
        problems.append(
            "the page's <script>/<style> elements differ from the template's "
            f"({len(elements)} found, {len(expected)} expected, {extra:+d})"
        )
    if problems:
        listed = "; ".join(dict.fromkeys(problems))
        raise ExportError(
            f"the report HTML failed carebook's safety check and was not published: {listed}"
        )


def audit_submission(
    document: bytes | str,
    baseline: Iterable[tuple[str, str]],
    *,
    expected_sha256: str | None = None,
) -> list[str]:
    """Return the reasons a submitted ``report.html`` cannot be trusted (empty if none).

    Parameters
    ----------
    document : bytes or str
        The submitted page (bytes as handed in, so the hash is exact).
    baseline : iterable of (str, str)
        The template's script/style elements (:func:`carebook.build.export.baseline`).
    expected_sha256 : str, optional
        The page's hash from the build's ``manifest.json`` (``outputs["report.html"]``),
        or from a rebuild of the same case by the tutor.

    Returns
    -------
    list of str
        One line per finding.
    """
    import hashlib

    data = document.encode("utf-8") if isinstance(document, str) else document
    findings: list[str] = []
    if expected_sha256 is not None:
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected_sha256.lower():
            findings.append(
                "the page differs from the one the build produced "
                f"(sha256 {actual[:12]}…, manifest {expected_sha256[:12]}…)"
            )
    problems, elements = scan(data.decode("utf-8", errors="replace"))
    findings.extend(dict.fromkeys(problems))
    expected = sorted(baseline)
    if sorted(elements) != expected:
        added = [e for e in elements if e not in expected]
        findings.append(
            f"the page has {len(added)} <script>/<style> element(s) the template does not make"
            if added
            else "the page lacks <script>/<style> elements the template makes"
        )
    return findings
