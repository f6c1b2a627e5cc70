import datetime as dt
import re

import pytest

from carebook.case.model import Reference
from carebook.errors import CitationError
from carebook.narrative import Text
from carebook.references import (
    References,
    bibliography,
    bibliography_block,
    find_citations,
    resolve_citations,
)

CAMP = Reference(
    id="camp1989",
    type="book",
    authors=["Camp, R.C."],
    year=1989,
    title="Benchmarking: the search for industry best practices that lead to superior performance",
    publisher="ASQC Quality Press",
    place="Milwaukee, WI",
)
PZB1988 = Reference(
    id="parasuraman1988",
    type="article",
    authors=["Parasuraman, A.", "Zeithaml, V.A.", "Berry, L.L."],
    year=1988,
    title="SERVQUAL: a multiple-item scale for measuring consumer perceptions of service quality",
    journal="Journal of Retailing",
    volume="64",
    issue="1",
    pages="12-40",
)
CMCC = Reference(
    id="chinamobile2014",
    type="web",
    authors=["China Mobile Limited"],
    year=2014,
    title="Annual report 2013",
    url="https://www.chinamobileltd.com/en/ir/reports/ar2013.pdf",
    accessed=dt.date(2014, 5, 20),
)
ZPB1990 = Reference(
    id="zeithaml1990",
    type="book",
    authors=["Zeithaml, V.A.", "Parasuraman, A.", "Berry, L.L."],
    year=1990,
    title="Delivering quality service",
    publisher="Free Press",
    place="New York",
)
PZB1985 = Reference(
    id="parasuraman1985",
    type="article",
    authors=["Parasuraman, A.", "Zeithaml, V.A.", "Berry, L.L."],
    year=1985,
    title="A conceptual model of service quality and its implications for future research",
    journal="Journal of Marketing",
    volume="49",
    issue="4",
    pages="41-50",
)
REFS = (ZPB1990, CMCC, PZB1988, CAMP, PZB1985)


def plain_md(markdown: str) -> str:
    """What the reader sees: Markdown with its backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def cite(text: str, refs=REFS) -> str:
    return plain_md(resolve_citations(text, refs)[0])


# --- reference list: the known Harvard (Cite Them Right) strings of domain.md §7 ---------


def test_book_entry_matches_cite_them_right():
    assert bibliography([CAMP]) == [
        "Camp, R.C. (1989) <i>Benchmarking: the search for industry best practices that lead to "
        "superior performance</i>. Milwaukee, WI: ASQC Quality Press."
    ]


def test_article_entry_matches_cite_them_right():
    # The 12th-edition CSL puts article titles in typographic single quotes.
    assert bibliography([PZB1988]) == [
        "Parasuraman, A., Zeithaml, V.A. and Berry, L.L. (1988) \u2018SERVQUAL: a multiple-item "
        "scale for measuring consumer perceptions of service quality\u2019, <i>Journal of "
        "Retailing</i>, 64(1), pp. 12\u201340."
    ]


def test_web_entry_has_available_at_and_british_accessed_date():
    assert bibliography([CMCC]) == [
        "China Mobile Limited (2014) <i>Annual report 2013</i>. Available at: "
        "https://www.chinamobileltd.com/en/ir/reports/ar2013.pdf (Accessed: 20 May 2014)."
    ]


def test_book_edition_is_abbreviated():
    second = CAMP.model_copy(update={"edition": "2"})
    assert ". 2nd edn. Milwaukee, WI" in bibliography([second])[0]


def test_entries_are_ordered_by_author_then_year_and_uncited_ones_listed():
    entries = bibliography(REFS)
    authors = [re.sub(r"<[^>]+>", "", e).split(" (")[0] for e in entries]
    assert authors == [
        "Camp, R.C.",
        "China Mobile Limited",
        "Parasuraman, A., Zeithaml, V.A. and Berry, L.L.",
        "Parasuraman, A., Zeithaml, V.A. and Berry, L.L.",
        "Zeithaml, V.A., Parasuraman, A. and Berry, L.L.",
    ]
    assert len(entries) == 5
    years = [re.search(r"\((\d{4})", e).group(1) for e in entries]
    assert years == ["1989", "2014", "1985", "1988", "1990"]


def test_same_author_same_year_gets_a_and_b_in_title_order():
    other = CMCC.model_copy(update={"id": "cm2014s", "title": "Sustainability report 2013"})
    entries = bibliography([other, CMCC])
    assert entries[0].startswith("China Mobile Limited (2014a) <i>Annual report")
    assert entries[1].startswith("China Mobile Limited (2014b) <i>Sustainability")
    assert cite("[@cm2014s]", [other, CMCC]) == "(China Mobile Limited, 2014b)"


def test_missing_year_reads_no_date():
    undated = CAMP.model_copy(update={"year": "n.d."})
    assert bibliography([undated])[0].startswith("Camp, R.C. (no date)")
    assert cite("[@camp1989]", [undated]) == "(Camp, no date)"


# --- untrusted text ----------------------------------------------------------------------


def test_script_in_a_title_is_escaped_not_live():
    evil = CAMP.model_copy(
        update={"title": "Care <script>alert(1)</script> <img src=x onerror=alert(2)>"}
    )
    entry = bibliography([evil])[0]
    assert "<script" not in entry and "<img" not in entry
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in entry


def test_ampersands_are_escaped_exactly_once():
    amp = CAMP.model_copy(update={"publisher": "AT&T Press", "title": "Already &amp; escaped"})
    entry = bibliography([amp])[0]
    assert "AT&amp;T Press" in entry
    # The author's literal "&amp;" is shown as typed: its & is escaped once.
    assert "Already &amp;amp; escaped" in entry


def test_untrusted_author_cannot_make_markdown_in_text():
    evil = Reference(
        id="evil", type="web", authors=["[x](javascript:alert(1))"], year=2020, title="t"
    )
    markdown, _ = resolve_citations("See [@evil].", [evil])
    assert "](" not in markdown and "\\[x\\]" in markdown
    assert plain_md(markdown) == "See ([x](javascript:alert(1)), 2020)."


# --- in-text citations -------------------------------------------------------------------


def test_bracketed_citation_renders_harvard_in_text():
    text, cited = resolve_citations("Quality has five dimensions [@parasuraman1988].", REFS)
    assert plain_md(text) == "Quality has five dimensions (Parasuraman, Zeithaml and Berry, 1988)."
    assert cited == {"parasuraman1988"}


def test_page_locators():
    assert cite("[@camp1989, p. 17]") == "(Camp, 1989, p. 17)"
    assert cite("[@camp1989, pp. 17-19]") == "(Camp, 1989, pp. 17\u201319)"
    assert cite("[@camp1989, 33]") == "(Camp, 1989, p. 33)"  # pandoc: a bare number is a page
    assert cite("[@camp1989, chapter 3]") == "(Camp, 1989, ch. 3)"


def test_several_works_prefix_and_suffix():
    assert cite("[see @camp1989; @parasuraman1988, p. 12, emphasis added]") == (
        "(see Camp, 1989; Parasuraman, Zeithaml and Berry, 1988, p. 12, emphasis added)"
    )


def test_narrative_and_year_only_forms():
    assert cite("As @camp1989 shows.") == "As Camp (1989) shows."
    assert cite("As @camp1989 [p. 17] shows.") == "As Camp (1989, p. 17) shows."
    assert cite("Camp [-@camp1989] shows.") == "Camp (1989) shows."
    assert cite("@parasuraman1988.") == "Parasuraman, Zeithaml and Berry (1988)."


def test_four_or_more_authors_use_et_al_in_italics():
    many = Reference(
        id="zhang2010",
        type="book",
        authors=["Zhang, W.", "Li, X.", "Wang, Y.", "Chen, Z."],
        year=2010,
        title="Service",
        publisher="P",
    )
    markdown, _ = resolve_citations("[@zhang2010]", [many])
    assert markdown == "\\(Zhang *et al\\.*\\, 2010\\)"


def test_email_code_and_escaped_at_are_not_citations():
    text = (
        "Write to care@example.com or `@camp1989`, literally \\@camp1989.\n\n```\n[@nobody]\n```\n"
    )
    out, cited = resolve_citations(text, REFS)
    assert out == text and cited == set()


def test_links_and_urls_are_not_citations():
    assert find_citations("[see the site](https://x.example/@camp1989)") == []
    assert find_citations("<mailto:care@camp1989.example> and https://x.example/@camp1989") == []


def test_unknown_id_raises_with_key_message_and_suggestion():
    with pytest.raises(CitationError) as info:
        resolve_citations("As shown [@camp1998].", REFS)
    assert info.value.key == "camp1998"
    message = str(info.value)
    assert message.startswith(
        "unknown reference '@camp1998': add it to references.yaml or fix the id"
    )
    assert "did you mean '@camp1989'" in message


def test_unknown_id_without_close_match_still_names_it():
    with pytest.raises(CitationError, match="unknown reference '@smith2020'"):
        resolve_citations("@smith2020 argues", REFS)


def test_ids_are_case_sensitive_and_suggested():
    with pytest.raises(CitationError, match="did you mean '@camp1989'"):
        resolve_citations("[@Camp1989]", REFS)


def test_text_without_citations_is_returned_unchanged():
    assert resolve_citations("No citations here (50%).", REFS) == (
        "No citations here (50%).",
        set(),
    )


# --- display block -----------------------------------------------------------------------


def test_bibliography_block_is_an_ordered_list_with_the_class():
    block = bibliography_block(REFS)
    assert isinstance(block, References)
    html = block._repr_mimebundle_()["text/html"]
    assert html.startswith('<ol class="cb-references"><li>Camp, R.C. (1989)')
    assert html.count("<li>") == 5
    assert "Camp, R.C. (1989) Benchmarking" in block.to_text()


def test_bibliography_block_without_references_says_so():
    block = bibliography_block(())
    assert isinstance(block, Text) and "references" in block.markdown
    assert bibliography(()) == []


# --- built-in method references -------------------------------------------------------------

from carebook import references  # noqa: E402


def test_built_in_method_references_cover_every_notebook_citation():
    built_in = {ref.id for ref in references.method_references()}
    cited = set(references.cited_in_notebooks())
    assert cited and cited <= built_in


def test_a_case_without_references_still_resolves_method_citations():
    text, cited = resolve_citations("Five dimensions [@parasuraman1988].", ())
    assert cited == {"parasuraman1988"}
    assert "(Parasuraman, Zeithaml and Berry, 1988)" in text.replace("\\", "")


def test_the_case_entry_wins_over_the_built_in_one():
    mine = Reference(id="camp1989", type="book", authors=["Camp, R.C."], year=1995,
                     title="Business process benchmarking", publisher="ASQC Quality Press")
    merged = references.with_methods([mine])
    assert [r for r in merged if r.id == "camp1989"] == [mine]
    assert "(Camp, 1995)" in resolve_citations("[@camp1989]", [mine])[0].replace("\\", "")


def test_bibliography_lists_built_in_entries_only_when_cited():
    entries = bibliography([CMCC], cited=["cronbach1951", "nowhere2020"])
    assert len(entries) == 2
    assert entries[0].startswith("China Mobile") and entries[1].startswith("Cronbach, L.J. (1951)")
    assert bibliography([CMCC]) == bibliography([CMCC], cited=[])  # uncited: case entries only
    block = bibliography_block((), cited=["camp1989"])
    assert isinstance(block, References) and block.entries[0].startswith("Camp, R.C. (1989)")


def test_nothing_cited_and_no_references_says_so():
    block = bibliography_block((), cited=[])
    assert isinstance(block, Text) and "No references.yaml was supplied" in block.markdown.replace("\\", "")


def test_paper_in_proceedings_renders_as_a_conference_paper_not_a_preprint():
    hutto = next(r for r in references.method_references() if r.id == "hutto2014")
    assert bibliography([hutto]) == [
        "Hutto, C.J. and Gilbert, E. (2014) \u2018VADER: a parsimonious rule-based model for sentiment "
        "analysis of social media text\u2019, <i>Proceedings of the Eighth International AAAI Conference "
        "on Weblogs and Social Media (ICWSM-14)</i>. Palo Alto, CA: AAAI Press, pp. 216\u2013225."
    ]


def test_cited_in_notebooks_reads_markdown_cells_only(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("As @camp1989 says [@cohen1960; @camp1989]."),
        nbformat.v4.new_code_cell("x = '[@landis1977]'"),
    ])
    nbformat.write(nb, tmp_path / "10_intro.ipynb")
    nbformat.write(nb, tmp_path / "scratch.ipynb")  # not a section notebook
    assert references.cited_in_notebooks(tmp_path) == ["camp1989", "cohen1960"]


def test_warm_up_parses_the_style_and_method_references_once_for_the_process():
    references._style.cache_clear()
    references.method_references.cache_clear()
    references.warm_up()
    assert references._style.cache_info().currsize == 1
    assert references.method_references.cache_info().currsize == 1
    style = references._style()
    references.warm_up()
    assert references._style() is style
