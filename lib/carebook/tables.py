"""Numbered, captioned, escaped tables for the report.

Every table in a section goes through :func:`show`: it rounds numbers for display, never
lets pandas' display limits cut rows or text silently (reliability.md P2-14), says
"Showing N of M rows" when it shortens a table on purpose, and escapes every cell *and*
header, so text from a case file cannot become markup (P0-1).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from carebook import session
from carebook.safety import html_escape

__all__ = ["Table", "show", "format_frame"]

log = logging.getLogger(__name__)

NA_TEXT = "–"
#: From this many columns (the index included) a table is printed in smaller type.
WIDE_COLUMNS = 9


@dataclass(frozen=True)
class Table:
    """A numbered table ready for display in a notebook and in the report.

    Attributes
    ----------
    data : DataFrame
        The table as computed (unrounded, all rows).
    shown : DataFrame
        The rows and text actually displayed.
    number : str
        ``"4.2"`` for the second table of section 4.
    caption : str
        Caption text (plain, escaped when rendered).
    notes : tuple of str
        Lines printed under the table (source, "Showing N of M rows").
    """

    data: pd.DataFrame
    shown: pd.DataFrame
    number: str
    caption: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    index: bool = True

    @property
    def label(self) -> str:
        """``"Table 4.2: caption"``."""
        return f"Table {self.number}: {self.caption}"

    def to_html(self) -> str:
        """Return the table as an escaped ``<figure class="cb-table">`` element."""
        anchor = "table-" + self.number.replace(".", "-")
        shown = self.shown
        if (
            self.index
            and shown.index.nlevels == 1
            and shown.columns.nlevels == 1
            and shown.index.name is not None
            and shown.columns.name is None
        ):
            # Put the index's name in the header's corner cell instead of a header row
            # of its own, which reads like an empty row at the top of the table.
            shown = shown.rename_axis(index=None, columns=shown.index.name)
        # A table of many columns gets smaller print type (the stylesheet's cb-wide): one
        # wider than the page would make Chromium shrink its whole document to fit it.
        columns = len(shown.columns) + (shown.index.nlevels if self.index else 0)
        classes = "cb cb-wide" if columns >= WIDE_COLUMNS else "cb"
        with pd.option_context(
            "display.max_rows", None, "display.max_columns", None, "display.max_colwidth", None
        ):
            body = shown.to_html(
                escape=True, border=0, classes=classes, index=self.index, na_rep=NA_TEXT,
                render_links=False, notebook=False,
            )
        notes = "".join(f'<p class="cb-note">{html_escape(n)}</p>' for n in self.notes)
        return (
            f'<figure class="cb-table" id="{anchor}">'
            f"<figcaption>{html_escape(self.label)}</figcaption>{body}{notes}</figure>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None):  # noqa: D401 - IPython hook
        return {"text/html": self.to_html(), "text/plain": self.label}


def _formatter(spec: str | Callable[[object], str]) -> Callable[[object], str]:
    if callable(spec):
        return spec

    def fmt(value: object) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return NA_TEXT
        return spec.format(value)

    return fmt


def format_frame(
    frame: pd.DataFrame,
    *,
    decimals: int = 2,
    formats: Mapping[str, str | Callable[[object], str]] | None = None,
) -> pd.DataFrame:
    """Return a copy of *frame* with numbers turned into display text.

    Floats are rounded to *decimals*, whole numbers get thousands separators, missing
    values become an en dash; text is left as it is (it is escaped when rendered).

    Parameters
    ----------
    frame : DataFrame
        The table to format; not modified.
    decimals : int, default 2
        Decimal places for float columns without an explicit format.
    formats : mapping, optional
        Column → format string (``"{:.1f}%"``) or callable, overriding the defaults.
    """
    formats = dict(formats or {})
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if column in formats:
            fmt = _formatter(formats[column])
        elif pd.api.types.is_bool_dtype(values):
            fmt = _formatter("{}")
        elif pd.api.types.is_integer_dtype(values):
            fmt = _formatter("{:,}")
        elif pd.api.types.is_float_dtype(values):
            whole = values.dropna()
            if len(whole) and (whole == whole.round()).all() and whole.abs().max() >= 1000:
                fmt = _formatter("{:,.0f}")
            else:
                fmt = _formatter("{:,.%df}" % decimals)
        else:
            fmt = _formatter("{}")
        out[column] = [fmt(v) for v in values.tolist()]
    out.columns = frame.columns
    out.index = frame.index
    return out


def show(
    frame: pd.DataFrame | None,
    caption: str,
    *,
    max_rows: int | None = None,
    index: bool = True,
    decimals: int = 2,
    formats: Mapping[str, str | Callable[[object], str]] | None = None,
    source: str | None = None,
    note: str | None = None,
) -> Table:
    """Number, caption and format *frame* for the report.

    Parameters
    ----------
    frame : DataFrame or None
        The table; not modified. ``None`` (a helper had no data, and its sentence says
        so) shows nothing and takes no table number.
    caption : str
        What the table shows (``"SERVQUAL gaps by dimension"``); numbered automatically.
    max_rows : int, optional
        Show only the first *max_rows* rows and say so under the table.
    index : bool, default True
        Whether to show the index as the first column.
    decimals, formats
        Passed to :func:`format_frame`.
    source : str, optional
        A "Source: …" line under the table.
    note : str, optional
        Any other line under the table.

    Returns
    -------
    Table, Text or None
        A ``Table`` displays as HTML in a notebook and in the exported report; a frame
        without rows gives one plain sentence instead of an empty numbered table;
        ``None`` for ``None``.
    """
    if frame is None:
        log.debug("no table for %r: nothing to show", caption)
        return None
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    total = len(frame)
    if total == 0:
        from carebook.narrative import say

        return say("There is nothing to show for “{caption}”: the data have no rows for it.", caption=caption)
    shown = frame if max_rows is None or total <= max_rows else frame.head(max_rows)
    notes = []
    if shown is not frame:
        notes.append(f"Showing {len(shown):,} of {total:,} rows.")
    if note:
        notes.append(note)
    if source:
        notes.append(f"Source: {source}")
    return Table(
        data=frame.copy(),
        shown=format_frame(shown, decimals=decimals, formats=formats),
        number=session.next_number("table"),
        caption=caption,
        notes=tuple(notes),
        index=index,
    )
