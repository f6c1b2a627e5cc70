"""Merge the executed sections into one report notebook: cover, contents, sections, footer.

The report shows no code. From each section it keeps the Markdown cells (citations
resolved) and, from code cells, only outputs a reader should see: ``text/html``,
``text/markdown``, ``image/svg+xml`` and ``image/png``. Streams, plain-text-only
results, JavaScript, widgets and mermaid diagrams are dropped (they stay in
``executed/``), as are cells tagged ``remove-cell`` and outputs of cells tagged
``remove-output``.

The cover and footer are rendered from ``case.yaml`` through autoescaping Jinja
templates (``carebook/templates/report``); the contents list is filled in after export
from the page's own ``h2``/``h3`` headings (:func:`insert_contents`), so its links use
exactly the ids the exporter gave them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from nbformat import NotebookNode

from carebook import paths
from carebook.errors import CitationError

__all__ = [
    "CONTENTS_MARKER",
    "cover_fields",
    "render_cover",
    "render_provenance",
    "section_cells",
    "assemble",
    "warm_up",
    "insert_contents",
]

log = logging.getLogger(__name__)

#: Stands where the contents list goes until the page's headings are known.
CONTENTS_MARKER = "<!-- carebook:contents -->"
#: Output kinds kept in the report, in order of preference (one per output).
KEPT_MIMETYPES = ("text/html", "text/markdown", "image/svg+xml", "image/png")


def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(paths.TEMPLATES_DIR / "report")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    return str(value).strip()


def cover_fields(case: Any) -> list[tuple[str, str]]:
    """Return the cover page's (label, value) rows; a missing value is ``""``.

    Nothing is invented: a field the case does not fill stays blank for the student to
    complete by hand.
    """
    report = case.config.report
    organisation = case.config.organisation
    outcome = _text(getattr(report, "outcome", None))
    return [
        ("Course", _text(getattr(report, "course", None))),
        ("Unit code", _text(getattr(report, "unit_code", None))),
        ("Outcome", f"Outcome {outcome}" if outcome else ""),
        ("Organisation", _text(getattr(organisation, "name", None))),
        ("Candidate name", _text(getattr(report, "candidate_name", None))),
        ("Grade and class", _text(getattr(report, "grade_and_class", None))),
        ("Student ID", _text(getattr(report, "student_id", None))),
        ("Submission date", _text(getattr(report, "submission_date", None))),
    ]


def render_cover(case: Any) -> str:
    """Return the cover page HTML (autoescaped)."""
    report = case.config.report
    return (
        _environment()
        .get_template("cover.html.j2")
        .render(
            title=_text(getattr(report, "title", None)),
            subtitle=_text(getattr(case.config.organisation, "name", None)),
            fields=cover_fields(case),
        )
    )


def render_provenance(case: Any, parameters: Mapping[str, Any], version: str) -> str:
    """Return the provenance footer HTML (autoescaped).

    Parameters
    ----------
    case : Case
        Supplies the case folder name, the input files' SHA-256 and the synthetic flag.
    parameters : mapping
        The user parameters used (after conversion), ``case_dir`` excluded.
    version : str
        carebook's version.
    """
    inputs = sorted((name, f.sha256[:12]) for name, f in (case.inputs or {}).items())
    data_collection = getattr(case.config, "data_collection", None)
    return (
        _environment()
        .get_template("provenance.html.j2")
        .render(
            version=version,
            case_name=case.root.name if getattr(case, "root", None) else "",
            inputs=inputs,
            parameters=sorted((k, repr(v)) for k, v in parameters.items()),
            synthetic=bool(getattr(data_collection, "synthetic", False)),
        )
    )


# The report's cells and outputs are made the way nbformat.v4's new_code_cell,
# new_markdown_cell and new_output make them, but not validated one by one (nor the
# notebook as a whole here): the exporter validates the report notebook once
# (export.exporter_options), and a few hundred validations took a third of assembling.


def _code_cell(cell_id: str, outputs: list[NotebookNode]) -> NotebookNode:
    return NotebookNode(
        id=cell_id, cell_type="code", metadata=NotebookNode(), execution_count=None,
        source="", outputs=outputs,
    )  # fmt: skip


def _markdown_cell(cell_id: str, source: str) -> NotebookNode:
    return NotebookNode(id=cell_id, cell_type="markdown", source=source, metadata=NotebookNode())


def _display_data(data: dict[str, Any], metadata: dict[str, Any]) -> NotebookNode:
    return NotebookNode(output_type="display_data", metadata=metadata, data=data)


def _html_cell(html: str, cell_id: str) -> NotebookNode:
    return _code_cell(cell_id, [_display_data({"text/html": html}, NotebookNode())])


def _keep_output(output: NotebookNode) -> NotebookNode | None:
    if output.get("output_type") not in ("display_data", "execute_result"):
        return None  # streams and errors never reach the report
    data = output.get("data", {})
    for mimetype in KEPT_MIMETYPES:
        if mimetype in data:
            metadata = output.get("metadata", {})
            kept_meta = {mimetype: metadata[mimetype]} if mimetype in metadata else {}
            return _display_data({mimetype: data[mimetype]}, kept_meta)
    return None


def _tags(cell: NotebookNode) -> set[str]:
    return set(cell.get("metadata", {}).get("tags") or [])


@dataclass
class _Counter:
    n: int = 0
    cited: set[str] = field(default_factory=set)

    def next_id(self) -> str:
        self.n += 1
        return f"report-{self.n}"


def section_cells(
    nb: NotebookNode,
    name: str,
    references: Sequence[Any],
    counter: _Counter | None = None,
) -> list[NotebookNode]:
    """Return the report cells of one executed section.

    Parameters
    ----------
    nb : NotebookNode
        The executed, verified section notebook.
    name : str
        Its file name, for error messages.
    references : sequence of Reference
        The case's references, for ``[@id]`` citations in Markdown cells.
    counter : optional
        Shared cell-id counter across sections.

    Raises
    ------
    CitationError
        Naming notebook and cell, for a citation that is not in ``references.yaml``.
    """
    from carebook.build.verify import source_index
    from carebook.references import resolve_citations

    counter = counter or _Counter()
    cells: list[NotebookNode] = []
    for index, cell in enumerate(nb.cells):
        tags = _tags(cell)
        if "remove-cell" in tags:
            continue
        if cell.cell_type == "markdown":
            try:
                text, cited = resolve_citations(cell.source, references)
            except CitationError as err:
                number = source_index(nb, index) + 1
                key = err.key or "?"
                raise CitationError(
                    f"{name}, cell {number}: unknown reference '@{key.lstrip('@')}' — add it "
                    "to references.yaml or fix the id",
                    key=key,
                    notebook=name,
                    cell=number - 1,
                ) from err
            counter.cited.update(cited)
            cells.append(_markdown_cell(counter.next_id(), text))
        elif cell.cell_type == "code" and "remove-output" not in tags:
            outputs = [o for o in (_keep_output(o) for o in cell.get("outputs", [])) if o]
            if outputs:
                cells.append(_code_cell(counter.next_id(), outputs))
    return cells


def assemble(
    case: Any,
    sections: Sequence[tuple[str, NotebookNode]],
    *,
    parameters: Mapping[str, Any],
    version: str,
) -> NotebookNode:
    """Return the report notebook: cover, contents marker, sections, provenance footer.

    Parameters
    ----------
    case : Case
        The validated case (cover fields, references, inputs).
    sections : sequence of (str, NotebookNode)
        Section file names and executed notebooks, in report order.
    parameters : mapping
        The user parameters used, for the footer.
    version : str
        carebook's version, for the footer.

    Raises
    ------
    CitationError
        For an unknown citation (naming notebook and cell).
    """
    import nbformat

    counter = _Counter()
    cells = [
        _html_cell(render_cover(case), counter.next_id()),
        _html_cell(CONTENTS_MARKER, counter.next_id()),
    ]
    references = tuple(getattr(case, "references", ()) or ())
    for name, nb in sections:
        cells.extend(section_cells(nb, name, references, counter))
    cells.append(_html_cell(render_provenance(case, parameters, version), counter.next_id()))
    report = NotebookNode(
        nbformat=nbformat.v4.nbformat, nbformat_minor=nbformat.v4.nbformat_minor,
        metadata=NotebookNode(), cells=cells,
    )  # fmt: skip
    report.metadata["title"] = _text(case.config.report.title) or "Report"
    report.metadata["language_info"] = {"name": "python"}
    return report


def warm_up(case: Any) -> None:
    """Do the first :func:`assemble` call's one-time work now, off the build's path.

    Importing Jinja and citeproc, compiling the cover and footer templates, building the
    citation engine for *case*'s references and nbformat's validator take 0.15-0.2 s the
    first time in a process, and next to nothing after. The build calls this in its side
    thread while the sections run, and waits for it before assembling (the citation
    engine is not shared between threads at once). Never raises: a problem here shows
    again, with its proper message, when the report is assembled.
    """
    from carebook.references import resolve_citations

    try:
        assemble(case, [], parameters={}, version="warm-up")
        references = tuple(getattr(case, "references", ()) or ())
        if references:
            resolve_citations(f"[@{references[0].id}]", references)
    except Exception as err:  # noqa: BLE001 - assemble() reports it properly later
        log.debug("assembly warm-up failed: %s", err)


@dataclass
class _Heading:
    level: int
    id: str
    text: str
    children: list[_Heading] = field(default_factory=list)


class _HeadingParser(HTMLParser):
    """Collect h2/h3 headings that have an id and are not carebook's own."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[_Heading] = []
        self._current: _Heading | None = None
        self._tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h2", "h3") and self._current is None:
            values = dict(attrs)
            classes = (values.get("class") or "").split()
            if values.get("id") and not any(c.startswith("cb-") for c in classes):
                self._current = _Heading(int(tag[1]), values["id"] or "", "")
                self._tag = tag

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.text += data

    def handle_endtag(self, tag: str) -> None:
        if self._current is not None and tag == self._tag:
            self._current.text = " ".join(self._current.text.split())
            if self._current.text:
                self.headings.append(self._current)
            self._current = None


def insert_contents(page: str) -> str:
    """Replace the contents marker in *page* with a list of its h2/h3 headings.

    Only headings after the marker are listed (the cover's and the contents' own
    headings carry ``cb-`` classes and are skipped anyway). A page without the marker
    is returned unchanged.
    """
    at = page.find(CONTENTS_MARKER)
    if at < 0:
        return page
    parser = _HeadingParser()
    parser.feed(page[at + len(CONTENTS_MARKER) :])
    parser.close()
    entries: list[_Heading] = []
    for heading in parser.headings:
        if heading.level == 3 and entries:
            entries[-1].children.append(heading)
        else:
            entries.append(heading)
    html = _environment().get_template("contents.html.j2").render(entries=entries)
    return page[:at] + html + page[at + len(CONTENTS_MARKER) :]
