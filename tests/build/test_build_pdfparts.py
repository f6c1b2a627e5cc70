"""Printing the report a section at a time: the same PDF as one print, and only edits reprinted.

The page is a real report page (assembled and exported by carebook) with a contents list
linking into every section, tables whose cells are tagged with their headers, and a
section long enough to run over two pages. Each Chromium test compares the joined PDF
with one print of the whole page: pages, text and page numbers, links and their
destinations, and a structure tree a screen reader can walk.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import nbformat
import pytest
from buildhelpers import make_case
from hypothesis import given, settings
from hypothesis import strategies as st

from carebook.build import assemble, export, pdf, pdfparts
from carebook.build.browser import Browser
from carebook.build.pdfparts import PartCache, PartsError, print_in_parts, split_report

pikepdf = pytest.importorskip("pikepdf")

CHROMIUM = pdf.find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
EPOCH = 1416528000  # 21 November 2014, 00:00 UTC

PARAGRAPH = (
    "Customer care is how an organisation looks after its customers before, during and "
    "after a purchase, and every member of staff has a part in it. "
)


def _table(rows: int) -> str:
    body = "".join(
        f"<tr><th>row {i}</th><td>{i * 7}</td><td>{i % 5}</td></tr>" for i in range(rows)
    )
    return (
        '<figure class="cb-table" id="table-x"><table class="dataframe cb"><thead><tr>'
        "<th></th><th>Contacts</th><th>Open</th></tr></thead>"
        f"<tbody>{body}</tbody></table></figure>"
    )


def _section(
    number: int, title: str, paragraphs: int, *, table_rows: int = 4
) -> nbformat.NotebookNode:
    cells = [
        nbformat.v4.new_markdown_cell(f"## {number}.0 {title}"),
        nbformat.v4.new_markdown_cell(f"### {number}.1 What it means\n\n" + PARAGRAPH * 3),
    ]
    table = nbformat.v4.new_code_cell("")
    table.outputs = [nbformat.v4.new_output("display_data", data={"text/html": _table(table_rows)})]
    cells.append(table)
    cells += [nbformat.v4.new_markdown_cell(PARAGRAPH * 4) for _ in range(paragraphs)]
    return nbformat.v4.new_notebook(cells=cells)


def _report_page(tmp_path, sections) -> str:
    case = make_case(tmp_path / "case")
    report = assemble.assemble(
        case, [(f"{i}0_s.ipynb", nb) for i, nb in enumerate(sections, 1)],
        parameters={}, version="test",
    )  # fmt: skip
    return export.export_html(
        report, title=report.metadata["title"], transform=assemble.insert_contents
    )


@pytest.fixture(scope="module")
def report_page(tmp_path_factory):
    """A report of a cover and contents and three sections; the second runs over pages."""
    tmp = tmp_path_factory.mktemp("parts")
    return _report_page(
        tmp,
        [_section(1, "Introduction", 1), _section(2, "Strategy", 14, table_rows=30),
         _section(3, "Bibliography", 1)],
    )  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no Chromium on PATH")
    with Browser(CHROMIUM) as running:
        yield running


def _printer(browser, tmp_path):
    path = tmp_path / "part.html"
    printed = []

    def print_page(page: str) -> bytes:
        path.write_text(page, encoding="utf-8")
        printed.append(page)
        return browser.print_bytes(path, timeout=60)

    return print_page, printed


def _whole(browser, tmp_path, page: str) -> bytes:
    path = tmp_path / "whole.html"
    path.write_text(page, encoding="utf-8")
    return pdf.pin_node_ids(browser.print_bytes(path, timeout=60))


# ---------------------------------------------------------------- cutting the page


def test_the_page_is_cut_before_each_section_heading_cell(report_page):
    parts = split_report(report_page)
    assert len(parts.bodies) == 4  # cover and contents, then one per section
    assert "cb-cover" in parts.bodies[0] and "cb-contents" in parts.bodies[0]
    for body, title in zip(
        parts.bodies[1:], ("1.0 Introduction", "2.0 Strategy", "3.0 Bib"), strict=True
    ):
        assert body.lstrip().startswith('<div id="cell-id=') and title in body
    assert parts.head + "".join(parts.bodies) + parts.tail == report_page


def test_a_heading_cell_inside_another_element_does_not_cut_the_page(report_page):
    cell = report_page[report_page.index('<div id="cell-id=report-3"') :]
    cell = cell[: cell.index("</h2>")]
    wrapped = report_page.replace(
        '<main class="cb-report">',
        '<main class="cb-report"><div class="x">' + cell + "</h2></div></div></div></div></div>",
        1,
    )
    assert len(split_report(wrapped).bodies) == len(split_report(report_page).bodies)


def test_a_page_without_the_report_main_element_is_one_part():
    page = "<html><body><h2>Only</h2></body></html>"
    parts = split_report(page)
    assert parts.bodies == ("",) and parts.head == page


def test_links_get_stand_in_targets_only_for_ids_another_part_has(report_page):
    parts = split_report(report_page)
    page, stand_ins = pdfparts.part_page(parts, 0, 1)
    assert "1.0-Introduction" in stand_ins and "2.0-Strategy" in stand_ins
    assert '<span id="1.0-Introduction"></span>' in page
    # A link to an id nowhere in the report is left for Chromium to drop, as it would.
    broken = report_page.replace('href="#1.0-Introduction"', 'href="#nowhere"')
    assert "nowhere" not in pdfparts.part_page(split_report(broken), 0, 1)[1]
    assert pdfparts.part_page(parts, 1, 3)[1] == []  # a section links only to itself


_TOKENS = ['id="', 'href="#', "xlink:", "data-", " ", "\t", "\n", "a", "é", ":", "-", '"', "="]


@given(st.lists(st.sampled_from(_TOKENS), max_size=24).map("".join))
@settings(max_examples=400, deadline=None)
def test_ids_and_links_are_found_as_the_plain_patterns_find_them(text):
    # They are looked for by their literal start and the character before is checked
    # afterwards (fast on the figures' data); the answer must be the patterns' own.
    import re

    ids = re.findall(r'\sid="([^"]+)"', text)
    links = re.findall(r'(?<![\w:-])href="#([^"]+)"', text)
    assert pdfparts._attribute_values(pdfparts._ID, text) == ids
    assert pdfparts._attribute_values(pdfparts._LOCAL_LINK, text) == links


def test_a_later_part_is_numbered_from_its_first_page(report_page):
    parts = split_report(report_page)
    first, _ = pdfparts.part_page(parts, 0, 1)
    later, _ = pdfparts.part_page(parts, 2, 7)
    assert "cb-part-pages" not in first
    assert "counter-increment: page 7;" in later and "content: counter(page)" in later


def test_the_cache_keeps_only_what_the_last_print_used():
    cache = PartCache()
    cache.put("a", b"%PDF-a", 1)
    cache.put("b", b"%PDF-b", 2)
    cache.keep_only(["b"])
    assert cache.get("a") is None and cache.get("b") == (b"%PDF-b", 2) and len(cache) == 1


def test_a_part_that_is_not_a_pdf_cannot_be_joined():
    with pytest.raises(PartsError, match="could not be joined"):
        pdfparts.join_parts([b"%PDF-1.4 not really", b"junk"], [[], []])


def test_subset_tags_count_as_chromium_counts():
    assert [pdfparts._subset_tag(n) for n in (0, 1, 25, 26)] == [
        "AAAAAA", "BAAAAA", "ZAAAAA", "ABAAAA",
    ]  # fmt: skip


def test_every_font_subset_gets_a_tag_of_its_own_direct_fonts_too():
    doc = pikepdf.new()
    fonts = {
        f"/F{n}": pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.TrueType,
            BaseFont=pikepdf.Name("/AAAAAA+LiberationSans"),
        )  # fmt: skip
        for n in (1, 2)
    }
    fonts["/F3"] = doc.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, BaseFont=pikepdf.Name("/Helvetica"))
    )
    doc.add_blank_page().obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(fonts))
    joiner = pdfparts.PdfJoiner()
    try:
        joiner._retag_fonts(doc)
    finally:
        joiner.close()
    names = {key: str(font.BaseFont) for key, font in doc.pages[0].Resources.Font.items()}
    # Two direct font dictionaries (no object number of their own) are two subsets.
    assert names == {
        "/F1": "/AAAAAA+LiberationSans", "/F2": "/BAAAAA+LiberationSans", "/F3": "/Helvetica",
    }  # fmt: skip


# ---------------------------------------------------------------- the joined PDF


def _tree_facts(data: bytes) -> dict:
    """Walk the PDF's structure tree, asserting what a screen reader relies on."""
    with pikepdf.open(io.BytesIO(data)) as doc:
        pages = {page.objgen: n for n, page in enumerate(doc.pages)}
        root = doc.Root.StructTreeRoot

        def number_tree(node):
            pairs = []
            if "/Nums" in node:
                pairs += [int(node.Nums[i]) for i in range(0, len(node.Nums), 2)]
            for kid in node.get("/Kids", []):
                pairs += number_tree(kid)
            return pairs

        def name_tree(node):
            pairs = []
            if "/Names" in node:
                pairs += [(str(node.Names[i]), node.Names[i + 1].objgen)
                          for i in range(0, len(node.Names), 2)]  # fmt: skip
            for kid in node.get("/Kids", []):
                pairs += name_tree(kid)
            return pairs

        keys = number_tree(root.ParentTree)
        assert len(keys) == len(set(keys)), "two parent-tree entries share a key"
        assert int(root.ParentTreeNextKey) > max(keys)
        used = []
        for page in doc.pages:
            used.append(int(page.obj.StructParents))
            used += [
                int(a.StructParent) for a in page.obj.get("/Annots", []) if "/StructParent" in a
            ]
        assert sorted(used) == sorted(keys), "a page or link is missing from the parent tree"

        ids: dict[str, tuple] = {}
        kinds: list[str] = []

        def walk(element, parent):
            assert element.P.objgen == parent.objgen, "an element's /P is not its parent"
            kinds.append(str(element.S))
            if "/Pg" in element:
                assert element.Pg.objgen in pages
            if "/ID" in element:
                assert str(element.ID) not in ids, "two elements share an id"
                ids[str(element.ID)] = element.objgen
            kids = element.get("/K")
            kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
            for kid in kids:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    walk(kid, element)

        walk(root.K, root)
        id_tree = name_tree(root.IDTree) if "/IDTree" in root else []
        assert dict(id_tree) == ids and len(id_tree) == len(ids)
        headers = 0
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") in ("/TH", "/TD"):
                attributes = obj.get("/A")
                for a in attributes if isinstance(attributes, pikepdf.Array) else [attributes]:
                    if isinstance(a, pikepdf.Dictionary) and "/Headers" in a:
                        for header in a.Headers:
                            assert str(header) in ids, "a cell's header is not in the id tree"
                            headers += 1
        destinations = {str(k): pages[v[0].objgen] for k, v in doc.Root.Dests.items()}
        links = []
        for n, page in enumerate(doc.pages):
            for a in page.obj.get("/Annots", []):
                if a.get("/Subtype") == "/Link" and "/Dest" in a:
                    assert str(a.Dest) in destinations, f"link to {a.Dest} goes nowhere"
                    links.append((n, str(a.Dest)))
        return {
            "pages": len(doc.pages),
            "kinds": kinds,
            "ids": len(ids),
            "headers": headers,
            "destinations": destinations,
            "links": links,
            "lang": str(doc.Root.get("/Lang")),
            "tagged": bool(doc.Root.MarkInfo.Marked),
        }


def _page_texts(data: bytes, tmp_path) -> list[str]:
    path = tmp_path / "text.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    return [" ".join(page.split()) for page in text.split("\f")]


@needs_chromium
@needs_poppler
@pytest.mark.slow
def test_the_joined_pdf_is_the_one_a_single_print_gives(report_page, browser, tmp_path):
    print_page, printed = _printer(browser, tmp_path)
    joined, fresh = print_in_parts(report_page, print_page, epoch=EPOCH)
    whole = _whole(browser, tmp_path, report_page)
    assert fresh == len(printed) == 4

    joined_facts, whole_facts = _tree_facts(joined), _tree_facts(whole)
    assert joined_facts["pages"] == whole_facts["pages"] >= 6  # section 2 runs over pages
    # The same elements in the same order (one Document, one body element) …
    assert joined_facts["kinds"] == whole_facts["kinds"]
    assert joined_facts["ids"] == whole_facts["ids"] and joined_facts["headers"] > 0
    assert joined_facts["headers"] == whole_facts["headers"]
    # … every contents link, each landing on the page its section starts on.
    assert joined_facts["links"] == whole_facts["links"] and len(joined_facts["links"]) >= 6
    assert joined_facts["destinations"] == whole_facts["destinations"]
    assert joined_facts["lang"] == whole_facts["lang"] and joined_facts["tagged"]
    # The same text on every page, page numbers included (none on the cover).
    texts, whole_texts = _page_texts(joined, tmp_path), _page_texts(whole, tmp_path)
    assert texts == whole_texts
    for number, text in enumerate(texts[1 : joined_facts["pages"]], start=2):
        assert text.endswith(f" {number}"), (number, text[-40:])


@needs_chromium
@pytest.mark.slow
def test_the_joined_pdf_has_one_name_per_font_subset(report_page, browser, tmp_path):
    joined, _ = print_in_parts(report_page, _printer(browser, tmp_path)[0], epoch=EPOCH)
    names = []
    with pikepdf.open(io.BytesIO(joined)) as doc:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                names.append(str(obj.FontName))
    assert len(names) > 4  # each part brings its own subsets …
    assert len(set(names)) == len(names)  # … each under a name of its own


@needs_chromium
@pytest.mark.slow
def test_the_build_date_is_the_pdfs_date(report_page, browser, tmp_path):
    joined, _ = print_in_parts(report_page, _printer(browser, tmp_path)[0], epoch=EPOCH)
    with pikepdf.open(io.BytesIO(joined)) as doc:
        assert str(doc.docinfo.CreationDate) == "D:20141121000000+00'00'"
        assert str(doc.docinfo.ModDate) == "D:20141121000000+00'00'"
    stamp = dt.datetime.fromtimestamp(EPOCH, tz=dt.UTC)
    assert pdf.pdf_date(EPOCH) == stamp.strftime("D:%Y%m%d%H%M%S+00'00'")


@needs_chromium
@pytest.mark.slow
def test_only_the_edited_section_is_printed_again_and_the_pdf_is_a_cold_prints(
    report_page, browser, tmp_path
):
    cache = PartCache()
    print_page, printed = _printer(browser, tmp_path)
    first, fresh = print_in_parts(report_page, print_page, cache=cache, epoch=EPOCH)
    assert fresh == 4 and len(cache) == 4
    again, fresh = print_in_parts(report_page, print_page, cache=cache, epoch=EPOCH)
    assert fresh == 0 and again == first

    edited = report_page.replace("3.0 Bibliography", "3.0 Bibliography and sources", 1)
    edited = edited.replace("3.1 What it means", "3.1 What it means here")
    printed.clear()
    rebuilt, fresh = print_in_parts(edited, print_page, cache=cache, epoch=EPOCH)
    # The contents list names the new heading (part 1) and section 3 changed: two parts.
    assert fresh == 2 and len(printed) == 2 and "3.1 What it means here" in printed[1]
    assert len(cache) == 4  # what the edit replaced is gone
    cold, _ = print_in_parts(edited, _printer(browser, tmp_path)[0], epoch=EPOCH)
    assert rebuilt == cold  # a rebuild gives the bytes a cold build gives


@needs_chromium
@pytest.mark.slow
def test_nothing_is_joined_again_when_every_part_is_the_last_prints(
    report_page, browser, tmp_path, monkeypatch
):
    cache = PartCache()
    print_page, printed = _printer(browser, tmp_path)
    first, _ = print_in_parts(report_page, print_page, cache=cache, epoch=EPOCH)
    joined = []
    real_add = pdfparts.PdfJoiner.add
    monkeypatch.setattr(
        pdfparts.PdfJoiner, "add", lambda self, *a: (joined.append(1), real_add(self, *a))[1]
    )
    again, fresh = print_in_parts(report_page, print_page, cache=cache, epoch=EPOCH)
    assert (fresh, joined, again) == (0, [], first)
    # Another build date is another PDF: joined again, from the same printed parts.
    other, fresh = print_in_parts(report_page, print_page, cache=cache, epoch=EPOCH + 86400)
    assert fresh == 0 and len(joined) == 4 and other != first


@needs_chromium
@pytest.mark.slow
def test_a_section_that_grows_a_page_renumbers_the_sections_after_it(
    report_page, browser, tmp_path
):
    cache = PartCache()
    print_page, printed = _printer(browser, tmp_path)
    print_in_parts(report_page, print_page, cache=cache, epoch=EPOCH)
    at = report_page.index("</h3>", report_page.index('id="2.1-What-it-means"')) + len("</h3>")
    longer = report_page[:at] + f"<p>{PARAGRAPH * 40}</p>" + report_page[at:]
    printed.clear()
    joined, fresh = print_in_parts(longer, print_page, cache=cache, epoch=EPOCH)
    assert fresh == 2  # section 2, and section 3 whose first page number moved
    whole = _whole(browser, tmp_path, longer)
    assert _tree_facts(joined)["destinations"] == _tree_facts(whole)["destinations"]


@needs_chromium
@pytest.mark.slow
def test_a_join_that_fails_prints_the_report_whole(
    report_page, browser, tmp_path, monkeypatch, caplog
):
    html = tmp_path / "report.html"
    html.write_text(report_page, encoding="utf-8")

    def refuse(*args, **kwargs):
        raise PartsError("the PDF parts could not be joined: test")

    monkeypatch.setattr(pdfparts.PdfJoiner, "finish", refuse)
    with caplog.at_level("INFO"):
        engine = pdf.print_pdf(
            html, tmp_path / "report.pdf", source_date_epoch=EPOCH, browser=browser
        )
    assert engine == "chromium"
    assert "printing the report whole" in caplog.text
    data = (tmp_path / "report.pdf").read_bytes()
    assert (
        _tree_facts(data)["pages"] == _tree_facts(_whole(browser, tmp_path, report_page))["pages"]
    )
    assert not list(tmp_path.glob(".*.part.html"))  # the part page is removed
