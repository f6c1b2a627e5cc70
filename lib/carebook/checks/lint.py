"""Pre-submission lint: what a student should fix before handing the report in.

Rules (severity in brackets):

* ``placeholder`` [error]: TODO, FIXME, XXX, "lorem ipsum", "[placeholder]", "your text
  here", "insert … here" or "TBC"/"TBD" left in prose (code is not checked).
* ``empty-section`` [error]: a heading followed by nothing before the next heading of the
  same or a higher level (a sub-heading directly under a heading is fine). In a source
  notebook a visible code cell counts as content; in an executed one only its visible
  outputs do.
* ``no-caption`` [error]: an HTML ``<figure>`` without ``<figcaption>``, a ``<table>``
  or ``<img>`` outside a captioned figure, a bare image output, a Markdown image, or a
  Markdown pipe table without a "Table …" line next to it. Use ``tables.show`` and
  ``figures.show``, which number and caption.
* ``unknown-citation`` [error]: ``[@id]`` naming no entry of references.yaml.
* ``uncited-reference`` [warning]: an entry of references.yaml nothing cites (it is still
  listed, as reading).
* ``error-output`` [error]: an ``error`` output, or "Traceback" in any output.
* ``stderr`` [warning]: a stderr stream in an executed notebook (warnings the report
  drops, but which often mean something is wrong, e.g. a missing font glyph).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from carebook.case.model import Reference
from carebook.checks.document import Block, Document
from carebook.references import find_citations, with_methods

__all__ = ["Finding", "lint", "PLACEHOLDER_RE"]

#: Placeholder text in prose; upper-case markers must be whole words in capitals.
PLACEHOLDER_RE = re.compile(
    r"\b(?:TODO|FIXME|XXX+|TBD|TBC)\b"
    r"|(?i:lorem ipsum|\[placeholder\]|\bplaceholder text\b|your text here"
    r"|\binsert [^.\n]{0,40}? here\b)"
)
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
_FENCED = re.compile(
    r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}\1[ \t]*$|\Z)", re.DOTALL | re.MULTILINE
)
_FIGURE_START = re.compile(r"<figure\b")
_FIGURE_END = "</figure>"
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_CAPTION = re.compile(r"^\W*table\s+\d", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One lint finding."""

    severity: str  # "error" or "warning"
    notebook: str
    cell: int | None
    message: str
    rule: str = ""

    def __str__(self) -> str:
        cell = f" cell {self.cell}" if self.cell is not None else ""
        where = f"{self.notebook}{cell}: " if self.notebook else ""
        return f"{self.severity}: {where}{self.message}"


def _without_code(markdown: str) -> str:
    return _CODE_SPAN.sub(" ", _FENCED.sub(" ", markdown))


def _placeholders(doc: Document) -> list[Finding]:
    out = []
    for block in doc.of_kind("prose", "markdown_output", "heading"):
        for match in PLACEHOLDER_RE.finditer(_without_code(block.text)):
            out.append(
                Finding(
                    "error",
                    block.notebook,
                    block.cell,
                    f"placeholder text '{match.group(0)}' left in the report",
                    "placeholder",
                )
            )
    return out


def _is_content(block: Block, executed: bool) -> bool:
    if block.kind in ("prose", "markdown_output", "html", "image"):
        return True
    return block.kind == "code" and not executed


def _empty_sections(doc: Document) -> list[Finding]:
    out = []
    blocks = list(doc.blocks)
    for i, block in enumerate(blocks):
        if block.kind != "heading":
            continue
        has_content = False
        for nxt in blocks[i + 1 :]:
            if nxt.notebook != block.notebook:
                break
            if nxt.kind == "heading":
                if nxt.level > block.level:
                    has_content = True  # a sub-heading: the sub-section is checked itself
                break
            if _is_content(nxt, doc.executed):
                has_content = True
                break
        if not has_content:
            out.append(
                Finding(
                    "error",
                    block.notebook,
                    block.cell,
                    f"section '{block.text}' is empty",
                    "empty-section",
                )
            )
    return out


def _figure_spans(lowered: str) -> list[tuple[int, int]]:
    r"""Return where each ``<figure>…</figure>`` of lower-cased HTML starts and ends.

    What ``re.finditer(r"<figure\b.*?</figure>", lowered, re.DOTALL)`` finds, found with
    ``str.find``: the lazy pattern tried every character of a figure's image data (0.02 s
    of the checks on the sample, run on every build).

    Examples
    --------
    >>> _figure_spans("<figure><img></figure> <figures> <figure x>y</figure>")
    [(0, 22), (33, 53)]
    """
    spans: list[tuple[int, int]] = []
    at = 0
    while (start := _FIGURE_START.search(lowered, at)) is not None:
        end = lowered.find(_FIGURE_END, start.end())
        if end < 0:  # nor after any later start
            break
        at = end + len(_FIGURE_END)
        spans.append((start.start(), at))
    return spans


def _between(spans: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Return the stretches of a text of *length* that lie outside *spans* (in order)."""
    edges = [0, *(edge for span in spans for edge in span), length]
    return list(zip(edges[::2], edges[1::2], strict=True))


def _missing_captions(doc: Document) -> list[Finding]:
    out = []

    def add(block: Block, what: str) -> None:
        out.append(
            Finding(
                "error",
                block.notebook,
                block.cell,
                f"{what} without a caption: show it with tables.show or figures.show",
                "no-caption",
            )
        )

    for block in doc.blocks:
        if block.kind == "image":
            add(block, "image")
        elif block.kind == "html":
            lowered = block.text.lower()
            spans = _figure_spans(lowered)
            if any("<figcaption" not in lowered[a:b] for a, b in spans):
                add(block, "figure")
            rest = " ".join(lowered[a:b] for a, b in _between(spans, len(lowered)))
            if "<table" in rest:
                add(block, "table")
            if "<img" in rest:
                add(block, "image")
        elif block.kind in ("prose", "markdown_output"):
            text = _without_code(block.text)
            if _MD_IMAGE.search(text):
                add(block, "Markdown image")
            lines = text.splitlines()
            rows = [i for i, line in enumerate(lines) if _TABLE_ROW.match(line)]
            if rows:
                first, last = rows[0], rows[-1]
                near = [
                    lines[j]
                    for j in (first - 2, first - 1, last + 1, last + 2)
                    if 0 <= j < len(lines)
                ]
                if not any(_TABLE_CAPTION.match(line) for line in near):
                    add(block, "Markdown table")
    return out


def _citations(doc: Document, references: Sequence[Reference]) -> list[Finding]:
    # The built-in method references (SERVQUAL, alpha, kappa …) resolve in every case, as
    # they do in the build; only the case's own entries are checked for being cited.
    ids = [r.id for r in with_methods(references)]
    known = set(ids)
    cited: set[str] = set()
    out = []
    for block in doc.of_kind("prose", "markdown_output"):
        for citation in find_citations(block.text):
            for key in citation.keys:
                cited.add(key)
                if key not in known:
                    close = difflib.get_close_matches(key, ids, n=1, cutoff=0.6)
                    hint = f" (did you mean '@{close[0]}'?)" if close else ""
                    out.append(
                        Finding(
                            "error",
                            block.notebook,
                            block.cell,
                            f"citation '@{key}' has no entry in references.yaml{hint}",
                            "unknown-citation",
                        )
                    )
    for ref in references:
        if ref.id not in cited:
            out.append(
                Finding(
                    "warning",
                    "references.yaml",
                    None,
                    f"reference '{ref.id}' is never cited (it is still listed)",
                    "uncited-reference",
                )
            )
    return out


def _outputs(doc: Document) -> list[Finding]:
    out = []
    for block in doc.blocks:
        if block.kind == "error":
            first = block.text.splitlines()[0] if block.text else "error"
            out.append(
                Finding(
                    "error",
                    block.notebook,
                    block.cell,
                    f"error output in the report: {first.strip()}",
                    "error-output",
                )
            )
        elif (
            block.kind in ("stream", "markdown_output", "html", "plain_output")
            and "Traceback" in block.text
        ):
            out.append(
                Finding(
                    "error",
                    block.notebook,
                    block.cell,
                    "a Traceback slipped into the output",
                    "error-output",
                )
            )
        elif block.kind == "stderr":
            if "Traceback" in block.text:
                out.append(
                    Finding(
                        "error",
                        block.notebook,
                        block.cell,
                        "a Traceback slipped into the output",
                        "error-output",
                    )
                )
            else:
                first = next((ln.strip() for ln in block.text.splitlines() if ln.strip()), "")
                out.append(
                    Finding(
                        "warning",
                        block.notebook,
                        block.cell,
                        f"stderr output: {first[:120]}",
                        "stderr",
                    )
                )
    return out


def lint(document: Document, references: Sequence[Reference]) -> list[Finding]:
    """Return every finding, errors first, then in report order.

    Parameters
    ----------
    document : Document
        The report, from :func:`carebook.checks.document.read`.
    references : sequence of Reference
        The case's references.yaml entries.
    """
    findings = (
        _placeholders(document)
        + _empty_sections(document)
        + _missing_captions(document)
        + _citations(document, references)
        + _outputs(document)
    )
    order = {name: i for i, name in enumerate(document.notebooks)}
    return sorted(
        findings,
        key=lambda f: (f.severity != "error", order.get(f.notebook, len(order)), f.cell or 0),
    )
