"""Export the assembled report notebook to one self-contained, inert HTML page.

nbconvert's :class:`~nbconvert.HTMLExporter` runs in-process (about 0.1 s) with
carebook's offline template (``carebook/templates/offline``): no code, no prompts, no
CDN scripts, carebook's CSS inlined, images inline. Only the output kinds a report shows
are rendered (``text/html``, ``text/markdown``, SVG, PNG). The page is then sanitized and
checked (:mod:`carebook.build.sanitize`) against the template's baseline: the
script/style elements an empty notebook gets from the same exporter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nbformat import NotebookNode

from carebook import paths
from carebook.build import sanitize

__all__ = [
    "REPORT_MIMETYPES",
    "Prepared",
    "prepare",
    "make_exporter",
    "export_html",
    "render_html",
    "baseline",
]

log = logging.getLogger(__name__)

#: Output kinds shown in the report, in order of preference.
REPORT_MIMETYPES = ("text/html", "text/markdown", "image/svg+xml", "image/png")
TEMPLATE_NAME = "offline"


def make_exporter() -> Any:
    """Return an HTMLExporter configured for reports (no input, no prompts, offline)."""
    from nbconvert import HTMLExporter
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
    return HTMLExporter(
        config=config,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(paths.TEMPLATES_DIR)],
    )


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
    if transform is not None:
        page = transform(page)
    page = sanitize.clean_body(page)
    sanitize.check(page, prepared.baseline)
    return page
