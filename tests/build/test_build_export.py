"""The exported HTML is offline and inert (reliability.md P0-1, P1-13)."""

from __future__ import annotations

import html as htmllib
import re

import nbformat
import pytest
from buildhelpers import FIXTURES, make_case
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from carebook.build.assemble import assemble, insert_contents
from carebook.build.export import baseline, export_html, render_html
from carebook.build.sanitize import check, clean_fragment, scan
from carebook.errors import ExportError
from payloads import SCRIPT_PAYLOADS

PAYLOADS = list(SCRIPT_PAYLOADS)


@pytest.fixture
def hostile():
    return nbformat.read(FIXTURES / "xss_outputs.ipynb", as_version=4)


def _escaped_table_cell():
    # What carebook.tables.show makes of the payloads: escaped cells and header.
    rows = "".join(f"<tr><td>{htmllib.escape(p)}</td></tr>" for p in PAYLOADS)
    head = htmllib.escape(PAYLOADS[-1])
    cell = new_code_cell("")
    table = f'<table class="cb"><thead><tr><th>{head}</th></tr></thead>'
    table += f"<tbody>{rows}</tbody></table>"
    cell.outputs = [new_output("display_data", data={"text/html": table})]
    return cell


def _page(tmp_path, nb, **case_fields):
    report = assemble(
        make_case(tmp_path / "case", **case_fields),
        [("40_hostile.ipynb", nb)],
        parameters={},
        version="test",
    )
    return export_html(report, title="Hostile", transform=insert_contents)


def test_hostile_outputs_are_inert_and_escaped_text_stays_visible(tmp_path, hostile, stand_ins):
    hostile.cells.append(_escaped_table_cell())
    page = _page(tmp_path, hostile)
    problems, elements = scan(page)
    assert problems == []
    assert elements == baseline()  # the template's own <style>, nothing else
    assert not re.search(r"<[^>]+\son\w+\s*=", page, re.IGNORECASE)
    assert "javascript:" not in page.split("<body", 1)[1].replace("javascript:alert(3)", "")
    for payload in PAYLOADS:
        assert htmllib.escape(payload, quote=False) in page  # shown as the text it is


def test_mermaid_injection_is_neutralised_by_the_post_sanitizer(hostile):
    # CVE-2026-6658: nbconvert's stock template puts a mermaid output in raw HTML.
    stock = render_html(hostile, exporter=__import__("nbconvert").HTMLExporter(template_name="lab"))
    body = stock.split("<main>", 1)[1].rsplit("</main>", 1)[0]
    assert 'onerror="alert(11)"' in body  # the stock output really is live
    cleaned = clean_fragment(body)
    assert scan(cleaned)[0] == []
    assert "onerror" not in cleaned


@pytest.mark.filterwarnings("ignore:Your element with mimetype")
def test_check_refuses_an_unsanitized_page(hostile):
    raw = render_html(hostile)  # carebook's template, before nh3
    with pytest.raises(ExportError, match="safety check") as info:
        check(raw, baseline())
    message = str(info.value)
    for finding in ("onerror", "iframe", "javascript", "<script>/<style>"):
        assert finding in message


def test_template_loads_nothing_from_outside(tmp_path, stand_ins):
    nb = new_notebook(cells=[new_markdown_cell("## 1 Intro\n\nText $x^2$ with maths.")])
    page = _page(tmp_path, nb)
    assert "<script" not in page
    assert not re.search(r"<link\b", page)
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page)
    assert "cdnjs" not in page and "mathjax" not in page.lower()
    assert "@page" in page and "size: A4" in page  # carebook's print CSS is inlined


def test_cover_shows_hostile_fields_as_text(tmp_path, stand_ins):
    page = _page(
        tmp_path,
        new_notebook(),
        candidate_name="<script>alert('cover')</script>",
        title='Care "quoted" & <b>bold</b>',
    )
    assert "&lt;script&gt;alert('cover')&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert scan(page)[0] == []


def test_links_keep_only_safe_schemes():
    cleaned = clean_fragment(
        '<a href="https://ok.example/">a</a><a href="#sec">b</a><a href="mailto:x@y.example">c</a>'
        '<a href=" JaVa\\tScRiPt:alert(1)">d</a><a href="relative/page.html">e</a>'
        '<img src="data:image/png;base64,AAAA" alt="ok"><img src="../secret.txt" alt="no">'
        '<img src="data:text/html;base64,AAAA" alt="no2">'
    )
    assert 'href="https://ok.example/"' in cleaned and 'href="#sec"' in cleaned
    assert 'href="mailto:x@y.example"' in cleaned
    assert cleaned.count("href=") == 3
    assert cleaned.count("src=") == 1 and 'src="data:image/png;base64,AAAA"' in cleaned


def test_tables_and_figures_survive_sanitizing():
    fragment = (
        '<figure class="cb-table" id="table-4-1"><figcaption>Table 4.1: Gaps</figcaption>'
        '<table class="cb"><thead><tr><th colspan="2">Dimension</th></tr></thead>'
        '<tbody><tr><td rowspan="2">Empathy</td><td>-0.4</td></tr></tbody></table>'
        '<p class="cb-note">Note.</p></figure>'
        '<figure class="cb-figure" id="figure-4-1">'
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="Gaps">'
        "<figcaption>Figure 4.1: Gaps</figcaption></figure>"
    )
    assert clean_fragment(fragment) == fragment


def _as_parsed(page: str):
    """Return the sanitized *page* as lxml reads it: a tree of (tag, attributes, text)."""
    import lxml.html

    from carebook.build.sanitize import clean_body

    def tree(element):
        attributes = sorted(
            (k, " ".join(v.split()) if k == "class" else v) for k, v in element.attrib.items()
        )
        children = [tree(child) for child in element if isinstance(child.tag, str)]
        text = " ".join((element.text or "").split())
        tail = " ".join((element.tail or "").split())
        return (element.tag, attributes, text, tail, children)

    return tree(lxml.html.document_fromstring(clean_body(page)))


def test_report_exporter_reads_like_nbconvert(tmp_path, hostile):
    # carebook skips the BeautifulSoup re-print that ends HTMLExporter.from_notebook_node
    # (for speed); once sanitized, the page must read exactly like nbconvert's own.
    from nbconvert import HTMLExporter

    from carebook.build.export import exporter_options, make_exporter

    hostile.cells.append(_escaped_table_cell())
    hostile.cells += [
        new_markdown_cell("## 2 A heading with <em></em> an empty element"),
        new_markdown_cell('A figure: <img src="data:image/png;base64,iVBORw0KGgo=">'),
        new_markdown_cell("A raw empty block <div/> then text."),
    ]
    report = assemble(make_case(tmp_path / "case"), [("40_mixed.ipynb", hostile)],
                      parameters={}, version="test")  # fmt: skip
    ours = render_html(nbformat.from_dict(report), title="Same", exporter=make_exporter())
    theirs = render_html(
        nbformat.from_dict(report), title="Same", exporter=HTMLExporter(**exporter_options())
    )
    assert ours != theirs  # the re-print really is skipped
    assert "/>" not in re.sub(r"<(img|br|hr|meta|link|input)\b[^>]*>", "", ours)
    assert _as_parsed(ours) == _as_parsed(theirs)


def test_images_without_alt_get_nbconvert_default_text(tmp_path):
    nb = new_notebook(cells=[
        new_markdown_cell('<img src="data:image/png;base64,iVBORw0KGgo=" width="20">'),
        new_markdown_cell('<img alt="Kept" src="data:image/png;base64,iVBORw0KGgo=">'),
    ])  # fmt: skip
    page = _page(tmp_path, nb)
    body = page.split("<body", 1)[1]
    images = re.findall(r"<img[^>]*>", body)
    assert len(images) == 2
    assert 'alt="No description has been provided for this image"' in images[0]
    assert 'alt="Kept"' in images[1] and "No description" not in images[1]
    assert check(page, baseline()) is None


def test_markdown_the_last_export_rendered_is_not_rendered_again(tmp_path, monkeypatch):
    # A watch exports after every save with one exporter: unchanged Markdown is taken
    # from the last export, and the page is the same as a fresh exporter's.
    from nbconvert import HTMLExporter

    from carebook.build.export import make_exporter

    def report(second: str):
        section = new_notebook(
            cells=[
                new_markdown_cell("## 1.0 Intro\n\nUnchanged *text*."),
                new_markdown_cell(second),
                new_markdown_cell("With an attachment: ![x](attachment:x.png)"),
            ]
        )
        nb = assemble(make_case(tmp_path / "case"), [("10_intro.ipynb", section)],
                      parameters={}, version="test")  # fmt: skip
        nb.cells[-2]["attachments"] = {"x.png": {"image/png": "iVBORw0KGgo="}}
        return nb

    rendered: list[str] = []
    real = HTMLExporter.markdown2html

    def counted(self, context, source):
        rendered.append(source)
        return real(self, context, source)

    monkeypatch.setattr(HTMLExporter, "markdown2html", counted)
    exporter = make_exporter()
    render_html(report("First version."), exporter=exporter)
    first = list(rendered)
    rendered.clear()
    again = render_html(report("Second version."), exporter=exporter)
    assert rendered == ["Second version.", first[-1]]  # the edit and the attachment's cell
    assert again == render_html(report("Second version."), exporter=make_exporter())
