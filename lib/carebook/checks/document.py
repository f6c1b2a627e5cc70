"""Read section notebooks (source or executed) into a flat list of report blocks.

The checks look at what a reader of the report sees, in order: headings, prose
(markdown cells and ``text/markdown`` outputs), captioned tables and figures
(``text/html`` outputs), bare images, code, errors and streams. Each block remembers its
notebook, its cell (0-based index) and the section it belongs to.

A *section* is opened by a heading of the shallowest level used in the report (``##`` in
the carebook notebooks: ``## 2.0 Customer care strategy``); text before the first such
heading belongs to a section named after the notebook.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Block", "Document", "read", "HEADING_RE"]

HEADING_RE = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FIGCAPTION_RE = re.compile(r"<figcaption[^>]*>(.*?)</figcaption>", re.DOTALL | re.IGNORECASE)
_TAGS_RE = re.compile(r"<[^>]+>")
#: Cells tagged with these are not part of the report's body.
HIDDEN_TAGS = {"remove-cell", "parameters", "injected-parameters"}


@dataclass(frozen=True)
class Block:
    """One thing the report shows.

    Attributes
    ----------
    kind : str
        ``heading``, ``prose`` (markdown cell text), ``markdown_output``, ``html``
        (a ``text/html`` output), ``image`` (an ``image/*`` output without HTML),
        ``code`` (a visible code cell's source), ``error``, ``stream`` (stdout) or
        ``stderr``.
    text : str
        The heading text, Markdown, HTML, code or stream text.
    notebook : str
        The notebook's name as given to :func:`read`.
    cell : int
        0-based cell index.
    section : str
        The section heading this block falls under.
    level : int
        Heading level (1-6) for headings, else 0.
    """

    kind: str
    text: str
    notebook: str
    cell: int
    section: str
    level: int = 0

    @property
    def where(self) -> str:
        """``"30_standards.ipynb cell 7"``."""
        return f"{self.notebook} cell {self.cell}"

    @property
    def captions(self) -> list[str]:
        """Plain-text ``<figcaption>`` contents of an HTML block."""
        if self.kind != "html":
            return []
        return [_plain(c) for c in _FIGCAPTION_RE.findall(self.text)]


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(_TAGS_RE.sub(" ", fragment)).split())


@dataclass(frozen=True)
class Document:
    """All blocks of the report, in order, and whether any notebook was executed."""

    blocks: tuple[Block, ...]
    executed: bool
    notebooks: tuple[str, ...]

    def of_kind(self, *kinds: str) -> list[Block]:
        """Return the blocks of the given kinds, in order."""
        return [b for b in self.blocks if b.kind in kinds]

    @property
    def headings(self) -> list[Block]:
        """Every heading in order."""
        return self.of_kind("heading")

    def in_section(self, prefix: str) -> list[Block]:
        """Blocks whose section heading starts with *prefix* (e.g. ``"3"`` or ``"3.0"``)."""
        pattern = re.compile(r"^" + re.escape(prefix) + r"(?![0-9])")
        return [b for b in self.blocks if pattern.match(b.section)]


def _split_markdown(source: str) -> list[tuple[str, str, int]]:
    """Split a markdown cell into ``(kind, text, level)`` parts: headings and prose."""
    parts: list[tuple[str, str, int]] = []
    buffer: list[str] = []
    fence = None
    for line in source.splitlines():
        match = _FENCE_RE.match(line)
        if fence is None and match:
            fence = match.group(1)[0]
        elif (
            fence is not None
            and line.strip().startswith(fence * 3)
            and not line.strip().strip(fence)
        ):
            fence = None
            buffer.append(line)
            continue
        heading = HEADING_RE.match(line) if fence is None else None
        if heading:
            if "".join(buffer).strip():
                parts.append(("prose", "\n".join(buffer).strip("\n"), 0))
            buffer = []
            parts.append(("heading", heading.group(2).strip(), len(heading.group(1))))
        else:
            buffer.append(line)
    if "".join(buffer).strip():
        parts.append(("prose", "\n".join(buffer).strip("\n"), 0))
    return parts


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _cell_parts(cell) -> list[tuple[str, str, int]]:
    tags = set(cell.get("metadata", {}).get("tags", []) or [])
    if cell.get("cell_type") == "markdown":
        return _split_markdown(_source(cell))
    if cell.get("cell_type") != "code" or tags & HIDDEN_TAGS:
        # Hidden cells still matter for errors: a failing import cell breaks the report.
        if cell.get("cell_type") == "code":
            return [p for p in _output_parts(cell) if p[0] in ("error", "stderr")]
        return []
    parts: list[tuple[str, str, int]] = []
    if _source(cell).strip():
        parts.append(("code", _source(cell), 0))
    parts.extend(_output_parts(cell))
    return parts


def _output_parts(cell) -> list[tuple[str, str, int]]:
    parts: list[tuple[str, str, int]] = []
    for output in cell.get("outputs", []) or []:
        kind = output.get("output_type")
        if kind == "error":
            trace = "\n".join(_text(t) for t in output.get("traceback", []))
            parts.append(
                ("error", f"{output.get('ename', '')}: {output.get('evalue', '')}\n{trace}", 0)
            )
        elif kind == "stream":
            name = "stderr" if output.get("name") == "stderr" else "stream"
            parts.append((name, _text(output.get("text", "")), 0))
        elif kind in ("display_data", "execute_result"):
            data = output.get("data", {})
            if "text/markdown" in data:
                parts.append(("markdown_output", _text(data["text/markdown"]), 0))
            elif "text/html" in data:
                parts.append(("html", _text(data["text/html"]), 0))
            elif any(k.startswith("image/") for k in data):
                parts.append(("image", "", 0))
            elif "text/plain" in data:
                parts.append(("plain_output", _text(data["text/plain"]), 0))
    return parts


def read(notebooks: Sequence[tuple[str, object]]) -> Document:
    """Flatten *notebooks* (``(name, NotebookNode)`` pairs, in report order) into blocks."""
    raw: list[tuple[str, int, str, str, int]] = []
    executed = False
    for name, nb in notebooks:
        for index, cell in enumerate(nb.get("cells", [])):  # type: ignore[attr-defined]
            if cell.get("cell_type") == "code" and (
                cell.get("execution_count") is not None or cell.get("outputs")
            ):
                executed = True
            for kind, text, level in _cell_parts(cell):
                raw.append((name, index, kind, text, level))
    levels = [level for _, _, kind, _, level in raw if kind == "heading"]
    top = min(levels) if levels else 0
    blocks: list[Block] = []
    section = ""
    current_notebook = None
    for name, index, kind, text, level in raw:
        if name != current_notebook:
            current_notebook = name
            section = f"({name})"  # until the notebook's first top-level heading
        if kind == "heading" and level == top:
            section = text
        blocks.append(Block(kind, text, name, index, section, level))
    return Document(tuple(blocks), executed, tuple(name for name, _ in notebooks))
