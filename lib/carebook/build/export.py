"""Export the assembled report notebook to one self-contained, inert HTML page.

nbconvert's :class:`~nbconvert.HTMLExporter` runs in-process (about 0.1 s) with
carebook's offline template (``carebook/templates/offline``): no code, no prompts, no
CDN scripts, carebook's CSS inlined, images inline. Only the output kinds a report shows
are rendered (``text/html``, ``text/markdown``, SVG, PNG).

The exporter is nbconvert's own except for one step it skips: re-parsing the finished
page with BeautifulSoup to add ``tabindex`` (which sanitizing removes again) and a
default ``alt`` (which :func:`carebook.build.sanitize.clean_body` adds instead). That
step took half of every export (0.09 of 0.2 s on the sample), on the path of every
build. It also mended the headings' ``<a ... />`` anchors, which
:func:`close_empty_elements` now does.

The page is then sanitized and checked (:mod:`carebook.build.sanitize`) against the
template's baseline: the script/style elements an empty notebook gets from the same
exporter. Its figures' payloads are set aside meanwhile (:mod:`carebook.build.inline_images`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nbformat import NotebookNode

from carebook import paths
from carebook.build import imports, inline_images, sanitize

__all__ = [
    "REPORT_MIMETYPES",
    "Prepared",
    "prepare",
    "make_exporter",
    "exporter_options",
    "close_empty_elements",
    "export_html",
    "render_html",
    "baseline",
]

log = logging.getLogger(__name__)

#: Output kinds shown in the report, in order of preference.
REPORT_MIMETYPES = ("text/html", "text/markdown", "image/svg+xml", "image/png")
TEMPLATE_NAME = "offline"


#: Elements that have no end tag in HTML: "<br />" is already complete.
_VOID_ELEMENTS = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)
_SELF_CLOSED = re.compile(
    r"<([A-Za-z][A-Za-z0-9-]*)"
    r"((?:\s+[^\s\"'>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)\s*/>"
)


def close_empty_elements(html: str) -> str:
    """Write XML-style empty elements (``<a href="#x" />``) as start and end tag.

    HTML ignores the slash on elements that are not void, so ``<a ... />`` opens a
    link that never ends; nbconvert's page used to be re-parsed by BeautifulSoup, which
    read it the XML way. Void elements (``<br />``) are left alone.

    Examples
    --------
    >>> close_empty_elements('<h2 id="x">X<a class="anchor-link" href="#x" /></h2><br />')
    '<h2 id="x">X<a class="anchor-link" href="#x"></a></h2><br />'
    """
    if "/>" not in html:
        return html

    def close(tag: re.Match[str]) -> str:
        name = tag.group(1)
        if name.lower() in _VOID_ELEMENTS:
            return tag.group(0)
        return f"<{name}{tag.group(2)}></{name}>"

    return _SELF_CLOSED.sub(close, html)


def _report_exporter_class() -> type:
    """Return nbconvert's HTMLExporter without its final BeautifulSoup pass.

    The class is made here, not at import, because importing nbconvert takes 0.3 s and
    the build does it in a side thread (:func:`prepare`).
    """
    from jinja2 import pass_context

    imports.serially(
        "nbconvert",
        "nbconvert.exporters.templateexporter",
        "nbconvert.filters.highlight",
        "nbconvert.filters.widgetsdatatypefilter",
    )
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        """HTMLExporter whose page is the template's output, not BeautifulSoup's re-print.

        ``HTMLExporter.from_notebook_node`` (nbconvert 7.17) registers two filters, renders
        the template, then parses the page to add ``alt`` to images lacking one and
        ``tabindex`` to cells. This does the first two steps only; the test
        ``test_report_exporter_reads_like_nbconvert`` checks that the page reads the same as
        nbconvert's, so an nbconvert upgrade that changes the method is noticed.
        """

        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            # Markdown rendered by the last export and by this one: a watch exports
            # after every save, and most of the report's Markdown is what it was
            # (mistune took 0.02 s of each export of the sample). Only these two, so
            # nothing piles up.
            self._last_markdown: dict[tuple[str, str], str] = {}
            self._this_markdown: dict[tuple[str, str], str] = {}

        @pass_context  # a Jinja filter that gets the template context, like nbconvert's
        def markdown2html(self, context, source):  # type: ignore[override]
            # The HTML depends on the source, the cell's attachments, the page's path and
            # the exporter's settings; a cell with attachments is not remembered.
            path = context.get("resources", {}).get("metadata", {}).get("path", "")
            key = (source, path)
            remembered = not context.get("cell", {}).get("attachments")
            html = self._last_markdown.get(key) if remembered else None
            if html is None:
                # nbconvert gives each heading its anchor with ElementTree, which writes
                # an empty link as "<a ... />"; browsers read that as an open link running
                # on to the end of the page. BeautifulSoup used to close it; this does.
                html = close_empty_elements(super().markdown2html(context, source))
            if remembered:
                self._this_markdown[key] = html
            return html

        def from_notebook_node(self, nb, resources=None, **kw):  # type: ignore[override]
            self._this_markdown = {}
            try:
                return self._render(nb, resources, **kw)
            finally:
                self._last_markdown, self._this_markdown = self._this_markdown, {}

        def _render(self, nb, resources=None, **kw):
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name", None))
            highlight = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            data_types = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight)
            self.register_filter("filter_data_type", data_types)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportExporter


def exporter_options() -> dict[str, Any]:
    """Return the keyword arguments of the report's HTMLExporter (config and template)."""
    from traitlets.config import Config

    config = Config()
    config.NbConvertBase.display_data_priority = list(REPORT_MIMETYPES)
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.HTMLExporter.anchor_link_text = ""
    config.HTMLExporter.embed_images = False  # never read files named by Markdown (P1-11)
    config.HTMLExporter.sanitize_html = False  # nh3 does it properly afterwards
    config.HTMLExporter.skip_svg_encoding = False  # SVG as <img> data: scripts never run
    # Validate the notebook once after all preprocessors, not after each of the twelve
    # (0.03 s of every export); the notebook was assembled by carebook from valid parts.
    config.HTMLExporter.optimistic_validation = True
    return {
        "config": config,
        "template_name": TEMPLATE_NAME,
        "extra_template_basedirs": [str(paths.TEMPLATES_DIR)],
    }


def make_exporter() -> Any:
    """Return an HTMLExporter configured for reports (no input, no prompts, offline)."""
    return _report_exporter_class()(**exporter_options())


def render_html(nb: NotebookNode, *, title: str = "Report", exporter: Any = None) -> str:
    """Return the raw (not yet sanitized) HTML page of *nb*."""
    exporter = exporter or make_exporter()
    nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def baseline(exporter: Any = None) -> list[tuple[str, str]]:
    """Return the script/style elements the template gives an empty notebook."""
    import nbformat

    empty = nbformat.v4.new_notebook()
    return sanitize.baseline_elements(render_html(empty, title="baseline", exporter=exporter))


@dataclass(frozen=True)
class Prepared:
    """An exporter with its template compiled, and the template's baseline elements."""

    exporter: Any
    baseline: list[tuple[str, str]]


def prepare() -> Prepared:
    """Import nbconvert, compile the template and render the baseline, ahead of time.

    Most of an export's time on a small report (about 0.7 s of 1 s); the build does it in
    a side thread while the sections run, and passes the result to :func:`export_html`.
    """
    exporter = make_exporter()
    return Prepared(exporter, baseline(exporter))


def export_html(
    nb: NotebookNode,
    *,
    title: str = "Report",
    transform: Callable[[str], str] | None = None,
    prepared: Prepared | None = None,
) -> str:
    """Export *nb* to a sanitized, checked HTML page.

    Parameters
    ----------
    nb : NotebookNode
        The assembled report notebook (no code cells with input worth showing).
    title : str
        The page title.
    transform : callable, optional
        Applied to the raw page before sanitizing (carebook fills in the contents list
        here, so that list is sanitized and checked like everything else).
    prepared : Prepared, optional
        From :func:`prepare`; made here when not given.

    Returns
    -------
    str
        The page, ready to write as ``report.html``.

    Raises
    ------
    ExportError
        If anything active survived sanitizing.
    """
    prepared = prepared if prepared is not None else prepare()
    page = render_html(nb, title=title, exporter=prepared.exporter)
    # The figures' payloads are most of the page and change nothing below: set aside.
    page, images = inline_images.set_aside(page)
    if transform is not None:
        page = transform(page)
    page = sanitize.clean_body(page)
    sanitize.check(page, prepared.baseline)
    return inline_images.put_back(page, images)
