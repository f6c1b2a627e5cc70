"""Numbered, captioned figures, embedded in the notebook and the report as SVG.

A figure is drawn as SVG with its text turned into outlines: the page shows the same
glyphs on any machine (the report is one self-contained file), the PDF keeps the chart
as vectors (sharp at any zoom, about half the size of a 200 dpi PNG), and drawing it
takes about half the time of rasterising and compressing a PNG. A chart so dense that
its SVG would be heavier than :data:`MAX_SVG_BYTES` (a student's scatter of every
respondent) is embedded as a PNG instead.
"""

from __future__ import annotations

import base64
import io
import logging
import re
from dataclasses import dataclass

from carebook import session
from carebook.safety import html_escape

__all__ = ["Figure", "show", "MAX_SVG_BYTES"]

log = logging.getLogger(__name__)

#: Largest SVG embedded as it is; a heavier chart is embedded as a 200 dpi PNG.
MAX_SVG_BYTES = 1_500_000

#: Pixels per inch of the page's figures: a PNG's own resolution, and the size an SVG is
#: shown at, so both kinds take the same room on the page.
DPI = 200

_SVG_WIDTH = re.compile(rb'<svg[^>]*?\swidth="([0-9.]+)pt"')


@dataclass(frozen=True)
class Figure:
    """A rendered, numbered figure.

    Attributes
    ----------
    image : bytes
        The picture: SVG (no date, fixed ids) or, for a very dense chart, a PNG (no
        timestamp metadata); either way rebuilds give the same bytes.
    mimetype : {"image/svg+xml", "image/png"}
        What *image* is.
    number : str
        ``"4.1"`` for the first figure of section 4.
    caption : str
        Caption text (escaped when rendered).
    alt : str
        Alternative text for screen readers.
    width : int or None
        Width to show it at, in CSS pixels (an SVG's; a PNG has its own).
    """

    image: bytes
    mimetype: str
    number: str
    caption: str
    alt: str
    width: int | None = None

    @property
    def label(self) -> str:
        """``"Figure 4.1: caption"``."""
        return f"Figure {self.number}: {self.caption}"

    def to_html(self) -> str:
        """Return an ``<figure class="cb-figure">`` element with the image inline."""
        anchor = "figure-" + self.number.replace(".", "-")
        data = base64.b64encode(self.image).decode("ascii")
        width = f' width="{self.width}"' if self.width else ""
        return (
            f'<figure class="cb-figure" id="{anchor}">'
            f'<img src="data:{self.mimetype};base64,{data}"{width} alt="{html_escape(self.alt)}">'
            f"<figcaption>{html_escape(self.label)}</figcaption></figure>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None):  # noqa: D401 - IPython hook
        return {"text/html": self.to_html(), "text/plain": self.label}


def _figure_of(obj):
    """Return the matplotlib Figure behind an Axes, Figure, seaborn grid or array of Axes."""
    if hasattr(obj, "savefig") and hasattr(obj, "axes"):
        return obj  # a Figure
    if hasattr(obj, "figure") and obj.figure is not None:
        return obj.figure  # Axes or seaborn FacetGrid / JointGrid
    if hasattr(obj, "flat"):
        return next(iter(obj.flat)).figure  # numpy array of Axes from plt.subplots
    raise TypeError(f"figures.show needs a matplotlib Axes or Figure, not {type(obj).__name__}")


def show(obj, caption: str, *, alt: str | None = None) -> Figure | None:
    """Render a chart as a numbered figure and close it.

    Parameters
    ----------
    obj : Axes, Figure, seaborn grid, array of Axes or None
        The chart, usually what a ``carebook.plots`` helper returned. ``None`` (the
        helper had no data to draw, and the sentence before it says so) shows nothing
        and takes no figure number.
    caption : str
        What the figure shows; numbered automatically (``Figure 4.1: …``).
    alt : str, optional
        Alternative text; defaults to the caption.

    Returns
    -------
    Figure or None
        Displays as HTML in a notebook and in the exported report; ``None`` for ``None``.
    """
    if obj is None:
        log.debug("no figure for %r: nothing to show", caption)
        return None
    import matplotlib.pyplot as plt

    from carebook import plots

    fig = _figure_of(obj)
    if plots.is_empty(fig):
        # A chart that only says "no data" adds nothing to the report: the sentence
        # before it already says what was not supplied.
        plt.close(fig)
        log.debug("no figure for %r: the chart has nothing to draw", caption)
        return None
    try:
        image, mimetype, width = _render(fig)
    finally:
        plt.close(fig)
    return Figure(
        image=image,
        mimetype=mimetype,
        number=session.next_number("figure"),
        caption=caption,
        alt=alt or caption,
        width=width,
    )


def _render(fig) -> tuple[bytes, str, int | None]:
    """Return *fig* as (bytes, mimetype, display width): SVG unless it is too heavy."""
    import matplotlib

    buffer = io.BytesIO()
    # Text as outlines: no font needed to view it. No date and fixed ids ("svg.hashsalt",
    # set by carebook.setup): the same data gives the same bytes (reliability P1-12).
    with matplotlib.rc_context({"svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    if len(svg) <= MAX_SVG_BYTES:
        found = _SVG_WIDTH.search(svg[:2000])
        width = round(float(found.group(1)) / 72 * DPI) if found else None
        return svg, "image/svg+xml", width
    log.info("chart too dense for SVG (%d bytes): embedded as PNG", len(svg))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue(), "image/png", None
