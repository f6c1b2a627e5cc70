"""Word count of the report's prose, per section and in total.

What counts: the text of markdown cells and of ``text/markdown`` outputs (the data
sentences carebook writes), because both are prose the reader reads.

What does not count:

* headings;
* tables (Markdown pipe tables, and every ``text/html`` output: carebook's tables and
  figures are HTML), figure and table captions (also lines that start "Figure 2.1:" or
  "Table 2.1:"), images;
* code (code cells, fenced code blocks and code spans), HTML tags in Markdown;
* citations (``[@id]``, ``@id``) and the bibliography section (a section whose heading
  contains "Bibliography", "References" or "Reference list");
* link targets (the link text counts).

How words are counted: a word is a run of letters or digits, which may contain internal
apostrophes, hyphens, full stops or commas ("don't", "e-mail", "2,431", "1.05"). Chinese,
Japanese and Korean ideographs and kana are counted one per character, since those
scripts do not separate words by spaces (a common convention of word processors).
"""

from __future__ import annotations

import re

from carebook.checks.document import Document
from carebook.references import find_citations

__all__ = ["count_words", "prose_text", "section_words", "is_bibliography", "declaration"]

_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_WORD = re.compile(r"[^\W_](?:[\w'’.,\-\u2212]*[^\W_])?")
_FENCED = re.compile(
    r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}\1[ \t]*$|\Z)", re.DOTALL | re.MULTILINE
)
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
_HTML_TAG = re.compile(r"<[^>\n]+>")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$|^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$")
_CAPTION_LINE = re.compile(r"^\W*(figure|table|fig\.)\s+\d+(\.\d+)*\s*[:.]", re.IGNORECASE)
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]")
_ESCAPE = re.compile(r"\\(.)")
_BIBLIOGRAPHY = re.compile(r"bibliograph|\breferences\b|reference list", re.IGNORECASE)


def prose_text(markdown: str) -> str:
    """Return the countable prose of a Markdown fragment (see the module docstring)."""
    text = markdown
    for citation in reversed(find_citations(markdown)):
        text = text[: citation.start] + " " + text[citation.end :]
    text = _FENCED.sub(" ", text)
    text = _HTML_COMMENT.sub(" ", text)
    lines = []
    for line in text.splitlines():
        if _TABLE_ROW.match(line) or _CAPTION_LINE.match(line) or _HEADING.match(line):
            continue
        lines.append(line)
    text = "\n".join(lines)
    text = _CODE_SPAN.sub(" ", text)
    text = _IMAGE.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _HTML_TAG.sub(" ", text)
    return _ESCAPE.sub(r"\1", text)


def count_words(text: str) -> int:
    """Count words in plain text: word runs, plus one per CJK character.

    Examples
    --------
    >>> count_words("Word count: 2,431 of 2,500.")
    5
    >>> count_words("客户满意度 is high")
    7
    """
    cjk = len(_CJK.findall(text))
    return cjk + len(_WORD.findall(_CJK.sub(" ", text)))


def is_bibliography(section: str) -> bool:
    """Whether a section heading names the bibliography (excluded from counts)."""
    return bool(_BIBLIOGRAPHY.search(section))


def section_words(document: Document) -> dict[str, int]:
    """Return words per section, in report order, bibliography sections left out."""
    counts: dict[str, int] = {}
    for block in document.blocks:
        if is_bibliography(block.section):
            continue
        counts.setdefault(block.section, 0)
        if block.kind in ("prose", "markdown_output"):
            counts[block.section] += count_words(prose_text(block.text))
    return counts


def declaration(total: int, limit: int | None = None) -> str:
    """Return the declaration line, "Word count: 2,431 of 2,500" (plain text)."""
    return f"Word count: {total:,}" + (f" of {limit:,}" if limit else "")
