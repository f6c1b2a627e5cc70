"""Keep untrusted text inert: escaping for Markdown and HTML, and formula neutralising.

Every string that comes from a case file (comments, names, labels, descriptions, cover
fields) is untrusted. It reaches the report only through these helpers, through
``tables.show`` (which escapes cells and headers) or through the autoescaping cover
template, so that ``<script>``, ``onerror=`` or ``[x](javascript:…)`` are shown as the
literal text the customer wrote and never become markup (reliability.md P0-1, P0-2).
"""

from __future__ import annotations

import html
import re
import string

__all__ = ["md_escape", "html_escape", "neutralize_formula", "FORMULA_TRIGGERS"]

# CommonMark allows a backslash before any ASCII punctuation character and then shows
# the character literally; escaping all of them leaves no way to open a link, an
# emphasis, an HTML tag or an entity.
_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")

#: First characters that make a spreadsheet treat a cell as a formula (OWASP ASVS 5.0
#: §1.2.10, plus carriage return).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def md_escape(text: object) -> str:
    """Return *text* as Markdown that renders to exactly the same characters.

    Every ASCII punctuation character is backslash-escaped, so no Markdown or HTML
    construct can be formed; line breaks are kept as hard breaks so a letter keeps its
    shape without starting a new block (a blank line would end the paragraph and let
    indentation start a code block).

    Parameters
    ----------
    text : object
        Any value; ``None`` becomes the empty string, others are converted with ``str``.

    Returns
    -------
    str
        Markdown source.

    Examples
    --------
    >>> md_escape("<b>hi</b> [x](javascript:alert(1))")
    '\\\\<b\\\\>hi\\\\<\\\\/b\\\\> \\\\[x\\\\]\\\\(javascript\\\\:alert\\\\(1\\\\)\\\\)'
    """
    if text is None:
        return ""
    escaped = _MD_SPECIAL.sub(r"\\\1", str(text))
    lines = escaped.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # Leading spaces could start an indented code block after a hard break; a non-
    # breaking space keeps the indent visible without Markdown meaning.
    lines = [ln.lstrip(" ").rjust(len(ln), "\u00a0") if ln.startswith(" ") else ln for ln in lines]
    return "\\\n".join(lines)


def html_escape(text: object) -> str:
    """Return *text* escaped for HTML text and attribute values (quotes included)."""
    return "" if text is None else html.escape(str(text), quote=True)


def neutralize_formula(value: object) -> object:
    """Make a text cell safe to open in a spreadsheet.

    A string starting with ``=``, ``+``, ``-``, ``@``, tab, carriage return or NUL gets a
    leading apostrophe, so Excel and LibreOffice show it as text instead of evaluating it
    (reliability.md P1-9). Numbers and missing values are returned unchanged.

    Examples
    --------
    >>> neutralize_formula('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralize_formula(-2.5)
    -2.5
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
