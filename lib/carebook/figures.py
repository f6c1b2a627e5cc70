"""Numbered, captioned figures, embedded as PNG in the notebook and the report."""

from __future__ import annotations

import base64
import io
import logging
from dataclasses import dataclass

from carebook import session
from carebook.safety import html_escape

__all__ = ["Figure", "show"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figure:
    """A rendered, numbered figure.

    Attributes
    ----------
    png : bytes
        The image (200 dpi, no timestamp metadata, so rebuilds are byte-identical).
    number : str
        ``"4.1"`` for the first figure of section 4.
    caption : str
        Caption text (escaped when rendered).
    alt : str
        Alternative text for screen readers.
    """

    png: bytes
    number: str
    caption: str
    alt: str

    @property
    def label(self) -> str:
        """``"Figure 4.1: caption"``."""
        return f"Figure {self.number}: {self.caption}"

    def to_html(self) -> str:
        """Return an ``<figure class="cb-figure">`` element with the PNG inline."""
        anchor = "figure-" + self.number.replace(".", "-")
        data = base64.b64encode(self.png).decode("ascii")
        return (
            f'<figure class="cb-figure" id="{anchor}">'
            f'<img src="data:image/png;base64,{data}" alt="{html_escape(self.alt)}">'
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
    buffer = io.BytesIO()
    # No Software/Date metadata: the same data gives the same bytes (reliability P1-12).
    fig.savefig(buffer, format="png", dpi=200, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return Figure(
        png=buffer.getvalue(),
        number=session.next_number("figure"),
        caption=caption,
        alt=alt or caption,
    )
