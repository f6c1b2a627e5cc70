"""Assembly: cover, contents, what from each section reaches the report, citations."""

from __future__ import annotations

import nbformat
import pytest
from buildhelpers import FIXTURES, REFERENCES, make_case
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from carebook.build.assemble import (
    CONTENTS_MARKER,
    assemble,
    cover_fields,
    insert_contents,
    section_cells,
)
from carebook.errors import CitationError


def test_missing_cover_fields_stay_blank_and_nothing_is_invented(tmp_path):
    case = make_case(tmp_path / "case", candidate_name="", student_id="", submission_date=None)
    fields = dict(cover_fields(case))
    assert fields["Candidate name"] == fields["Student ID"] == fields["Submission date"] == ""
    assert fields["Grade and class"] == ""
    assert fields["Unit code"] == "DJ4234" and fields["Outcome"] == "Outcome 3"
    assert fields["Organisation"] == "Example Mobile"


def test_only_reader_facing_outputs_are_kept(stand_ins):
    nb = nbformat.read(FIXTURES / "xss_outputs.ipynb", as_version=4)
    tagged = new_code_cell("x")
    tagged.metadata["tags"] = ["remove-output"]
    tagged.outputs = [new_output("display_data", data={"text/html": "<p>hidden output</p>"})]
    removed = new_code_cell("y")
    removed.metadata["tags"] = ["remove-cell"]
    removed.outputs = [new_output("display_data", data={"text/html": "<p>hidden cell</p>"})]
    plain = new_code_cell("z")
    plain.outputs = [new_output("execute_result", data={"text/plain": "42"}, execution_count=3)]
    nb.cells += [tagged, removed, plain]
    cells = section_cells(nb, "40_hostile.ipynb", ())
    kinds = [sorted(o["data"]) for c in cells if c.cell_type == "code" for o in c.outputs]
    assert kinds == [["text/html"], ["text/markdown"], ["image/svg+xml"]]
    assert all(c.source == "" for c in cells if c.cell_type == "code")  # no code
    assert cells[0].cell_type == "markdown"


def test_citations_are_resolved_in_markdown_cells(stand_ins):
    nb = nbformat.read(FIXTURES / "intro.ipynb", as_version=4)
    cells = section_cells(nb, "10_intro.ipynb", REFERENCES)
    assert "(Parasuraman et al., 1988)" in cells[0].source


def test_unknown_citation_names_notebook_and_cell(stand_ins):
    nb = new_notebook(
        cells=[
            new_markdown_cell("## 4 Analysis"),
            new_code_cell("case_dir = None", metadata={"tags": ["parameters"]}),
            new_markdown_cell("As shown by [@smith2020]."),
        ]
    )
    with pytest.raises(CitationError) as info:
        section_cells(nb, "40_analysis.ipynb", ())
    assert str(info.value) == (
        "40_analysis.ipynb, cell 3: unknown reference '@smith2020' — add it to "
        "references.yaml or fix the id"
    )
    assert info.value.notebook == "40_analysis.ipynb" and info.value.cell == 2


def test_report_has_cover_contents_sections_and_footer(tmp_path, stand_ins):
    nb = nbformat.read(FIXTURES / "intro.ipynb", as_version=4)
    report = assemble(
        make_case(tmp_path / "case"),
        [("10_intro.ipynb", nb)],
        parameters={"seed": 7},
        version="9.9",
    )
    html = [
        c.outputs[0]["data"]["text/html"]
        for c in report.cells
        if c.cell_type == "code" and c.outputs
    ]
    assert 'class="cb-cover"' in html[0] and "Li Wei" in html[0]
    assert html[1] == CONTENTS_MARKER
    footer = html[-1]
    assert "carebook 9.9" in footer and "seed = 7" in footer and "synthetic" in footer
    assert "case.yaml" in footer
    assert report.metadata["title"] == "Customer care at Example Mobile"


def test_contents_lists_the_pages_headings_with_their_ids():
    page = (
        f"<h1 class='cb-cover-title'>T</h1>{CONTENTS_MARKER}"
        '<h2 id="1-Intro">1 Intro<a class="anchor-link" href="#1-Intro"></a></h2>'
        '<h3 id="1.1-Scope">1.1 Scope</h3><h2 id="2-&lt;b&gt;">2 &lt;b&gt;</h2>'
    )
    filled = insert_contents(page)
    assert CONTENTS_MARKER not in filled
    contents = filled.split('<section class="cb-contents"', 1)[1].split("</section>", 1)[0]
    assert '<a href="#1-Intro">1 Intro</a>' in contents
    assert '<li><a href="#1.1-Scope">1.1 Scope</a></li>' in contents
    assert "2 &lt;b&gt;" in contents  # heading text stays text


def test_warm_up_builds_the_citation_engine_the_first_assembly_needs(tmp_path):
    from carebook import references
    from carebook.build.assemble import warm_up

    references._cached_engine.cache_clear()
    warm_up(make_case(tmp_path / "case"))
    assert references._cached_engine.cache_info().currsize == 1


def test_warm_up_never_fails_a_build(caplog):
    import logging

    from carebook.build.assemble import warm_up

    with caplog.at_level(logging.DEBUG, logger="carebook.build.assemble"):
        warm_up(object())  # not a case: assembling it later reports the problem
    assert "assembly warm-up failed" in caplog.text


def test_the_assembled_report_is_a_valid_notebook(tmp_path, stand_ins):
    # Its cells are not validated one by one as they are made (only the exporter
    # validates the report notebook): the whole must still be valid nbformat 4.
    section = new_notebook(
        cells=[
            new_markdown_cell("## 1.0 Introduction\n\nText."),
            new_code_cell(
                "x",
                outputs=[
                    new_output(
                        "execute_result",
                        data={"text/html": "<p>t</p>", "text/plain": "t"},
                        metadata={"text/html": {"isolated": False}},
                        execution_count=1,
                    ),
                    new_output("stream", text="dropped"),
                ],
            ),
        ]
    )
    report = assemble(
        make_case(tmp_path / "case"), [("10_i.ipynb", section)], parameters={}, version="1"
    )
    nbformat.validate(report)
    kept = report.cells[3].outputs
    assert [o.output_type for o in kept] == ["display_data"]
    assert kept[0].data == {"text/html": "<p>t</p>"}
    assert kept[0].metadata == {"text/html": {"isolated": False}}
