"""Sentences and paragraphs for the report, generated from data, always escaped.

Markdown cells in a notebook are the student's own prose; anything that depends on the
data comes from a call into this module, which returns Markdown in which every value is
escaped (``safety.md_escape``), so a value from a case file is shown as the literal text
it is and never becomes a link, emphasis or HTML.
"""

from __future__ import annotations

import math
import string
from collections.abc import Iterable
from dataclasses import dataclass

from carebook.safety import md_escape

__all__ = [
    "Text",
    "say",
    "paragraphs",
    "bullets",
    "not_supplied",
    "join_words",
    "number",
    "signed",
    "percent",
]


@dataclass(frozen=True)
class Text:
    """Markdown produced by carebook; displays as ``text/markdown``."""

    markdown: str

    def __str__(self) -> str:
        return self.markdown

    def __add__(self, other: Text) -> Text:
        return Text(self.markdown + "\n\n" + str(other))

    def _repr_markdown_(self) -> str:
        return self.markdown

    def _repr_mimebundle_(self, include=None, exclude=None):  # noqa: D401 - IPython hook
        return {"text/markdown": self.markdown, "text/plain": self.markdown}


class _EscapingFormatter(string.Formatter):
    """``str.format`` that escapes every substituted value for Markdown."""

    def format_field(self, value: object, format_spec: str) -> str:
        if isinstance(value, Text):  # already safe Markdown from carebook
            return value.markdown
        if isinstance(value, float) and math.isnan(value):
            return "n/a"
        text = format(value, format_spec)
        # A typographic minus reads better than a hyphen before a number.
        if isinstance(value, (int, float)) and text.startswith("-"):
            text = "\u2212" + text[1:]
        return md_escape(text)


_FORMATTER = _EscapingFormatter()


def say(template: str, /, **values: object) -> Text:
    """Fill *template* with *values*, escaping each value, and return Markdown.

    Parameters
    ----------
    template : str
        Trusted Markdown written by carebook or the student, with ``str.format`` fields
        (``"{gap:+.2f}"``, ``"{n:,}"``).
    **values
        The values; strings from case files are escaped, numbers formatted by the field's
        format spec (negative numbers get a typographic minus).

    Examples
    --------
    >>> str(say("{name} has the widest gap, {gap:+.2f} points.", name="Reliability", gap=-1.05))
    'Reliability has the widest gap, −1\\\\.05 points.'
    """
    return Text(_FORMATTER.format(template, **values))


def paragraphs(text: str | None) -> Text:
    """Show free text from a case file as paragraphs, literally (blank lines split them)."""
    if not text:
        return Text("")
    blocks = [b.strip() for b in str(text).replace("\r\n", "\n").split("\n\n")]
    return Text("\n\n".join(md_escape(b) for b in blocks if b))


def bullets(items: Iterable[object], *, numbered: bool = False) -> Text:
    """Return a Markdown list of *items*, each escaped."""
    lines = []
    for i, item in enumerate(items, start=1):
        marker = f"{i}." if numbered else "-"
        lines.append(f"{marker} {md_escape(item).replace(chr(92) + chr(10), ' ')}")
    return Text("\n".join(lines))


def not_supplied(what: str, consequence: str = "") -> Text:
    """Say plainly that a piece of optional data was not supplied.

    Examples
    --------
    >>> str(not_supplied("comments.csv", "so no comments were coded"))
    'No comments\\\\.csv was supplied with this case, so no comments were coded.'
    """
    tail = f", {consequence}" if consequence else ""
    return say("No {what} was supplied with this case" + tail.replace("{", "{{").replace("}", "}}") + ".", what=what)


def join_words(words: Iterable[str], conjunction: str = "and") -> str:
    """Join words as English does: ``a``, ``a and b``, ``a, b and c`` (plain text)."""
    words = [str(w) for w in words]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1]


def number(value: float | int | None, decimals: int = 0) -> str:
    """Format a number with thousands separators, or ``n/a`` when missing (plain text)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{decimals}f}"


def signed(value: float | None, decimals: int = 2) -> str:
    """Format a difference with an explicit sign and a typographic minus (plain text)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    text = f"{value:+.{decimals}f}"
    return text.replace("-", "\u2212")


def percent(value: float | None, decimals: int = 1) -> str:
    """Format a 0-100 percentage as ``71.2%`` (plain text), or ``n/a``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{decimals}f}%"
