"""The CJK font subset the PDF is printed with (carebook.build.cjkfont)."""

from __future__ import annotations

import dataclasses
import io
import logging
from pathlib import Path

import nbformat
import pytest
from buildhelpers import make_case, write_notebook

import carebook.case
from carebook.build import build, cjkfont
from carebook.build.pdf import find_chromium
from carebook.case.model import Reference

needs_font = pytest.mark.skipif(
    cjkfont.find_font() is None, reason="needs fontconfig and Debian's fonts-noto-cjk"
)


def test_characters_are_the_distinct_cjk_ones_sorted():
    text = "Signal 很差，信号很差! カタカナ 한국 ＡＢ café ½"
    assert cjkfont.characters(text) == "".join(sorted(set("很差，信号カタナ한국ＡＢ")))
    assert cjkfont.characters("plain English, café, naïve") == ""


def test_notebook_characters_cover_markdown_outputs_and_metadata():
    nb = nbformat.v4.new_notebook(metadata={"title": "中国移动"})
    nb.cells = [
        nbformat.v4.new_markdown_cell("引用"),
        nbformat.v4.new_code_cell(
            "x = 1", outputs=[nbformat.v4.new_output("display_data", {"text/html": "<p>好用</p>"})]
        ),
    ]
    assert cjkfont.notebook_characters([nb]) == "".join(sorted(set("中国移动引用好用")))
    plain = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("hi")])
    assert cjkfont.notebook_characters([plain]) == ""
    # Anywhere in the tree, keys and lists included, as a JSON dump of it would show.
    nested = {"metadata": {"标签": ["a", ("b", {"x": ["深"]})], "n": 3, "ok": None}}
    assert cjkfont.notebook_characters([plain, nested]) == "".join(sorted("标签深"))


def test_the_font_face_goes_at_the_end_of_the_head():
    page = "<html><head><style>p{}</style></head><body>中</body></html>"
    embedded = cjkfont.embed(page, cjkfont.font_face_css(b"OTTO"))
    head, body = embedded.split("</head>")
    assert head.endswith(
        '<style id="cb-cjk-font">@font-face { font-family: "carebook CJK"; '
        "font-style: normal; font-weight: 400; src: url(data:font/otf;base64,"
        'T1RUTw==) format("opentype"); }</style>\n'
    )
    assert body == "<body>中</body></html>"
    with pytest.raises(ValueError, match="</head>"):
        cjkfont.embed("<p>no head</p>", "x")


@needs_font
def test_the_subset_holds_exactly_the_characters_and_is_the_same_every_time():
    from fontTools.ttLib import TTFont

    chars = cjkfont.characters("手机营业厅很好用，谢谢。")
    font = cjkfont.subset_font(*cjkfont.find_font(), chars)
    assert font == cjkfont.subset_font(*cjkfont.find_font(), chars)  # reproducible builds
    loaded = TTFont(io.BytesIO(font))
    assert {chr(c) for c in loaded.getBestCmap()} == set(chars)
    assert loaded["name"].getDebugName(1) == "Noto Sans CJK SC"
    assert len(font) < 20_000  # against 19 MB for the whole collection


@needs_font
def test_a_subset_from_the_font_tables_decoded_once_has_the_same_bytes():
    path, index = cjkfont.find_font()
    samples = [
        cjkfont.characters("中国移动的手机营业厅很好用，谢谢。"),  # Chinese and punctuation
        cjkfont.characters("カタカナ ひらがな 한국어 ＡＢ〇"),  # kana, hangul, full-width
        cjkfont.characters("𠀋𡈽 丽"),  # supplementary plane, compatibility ideograph
    ]
    for chars in samples:
        assert cjkfont.subset_font(path, index, chars) == cjkfont.subset_font(
            path, index, chars, reuse_tables=False
        ), chars
    # Decoded once for all those subsets, and kept without the parsed font around them.
    assert cjkfont._unicode_tables.cache_info().currsize >= 1
    stat = Path(path).stat()
    kept = cjkfont._unicode_tables(path, index, stat.st_size, stat.st_mtime_ns)
    assert all(table.ttFont is None for table in kept.cmap.tables)


@needs_font
def test_a_font_file_replaced_on_disk_is_decoded_anew(tmp_path):
    import os
    import shutil

    path, index = cjkfont.find_font()
    copy = tmp_path / Path(path).name
    shutil.copyfile(path, copy)
    misses = cjkfont._unicode_tables.cache_info().misses
    first = cjkfont.subset_font(str(copy), index, "好用")
    assert cjkfont.subset_font(str(copy), index, "中国") != first
    assert cjkfont._unicode_tables.cache_info().misses == misses + 1  # decoded once
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # "upgraded"
    assert cjkfont.subset_font(str(copy), index, "好用") == first
    assert cjkfont._unicode_tables.cache_info().misses == misses + 2


@needs_font
def test_the_helper_makes_the_subset_once_and_remembers_it():
    subsetter = cjkfont.Subsetter()
    try:
        subsetter.request("好用")
        css = subsetter.css("好用")
        assert css is not None and css.startswith('@font-face { font-family: "carebook CJK"')
        subsetter.close()  # remembered: no helper needed for the same characters again
        assert subsetter.css("好用") is css
        # An unread answer does not get mixed up with the next request's.
        subsetter.request("中国")
        assert subsetter.css("移动") != subsetter.css("中国")
    finally:
        subsetter.close()


@needs_font
def test_told_to_end_soon_the_helper_exits_by_itself_and_a_new_one_serves_later():
    subsetter = cjkfont.Subsetter()
    try:
        assert subsetter.css("好用") is not None
        helper = subsetter._process
        subsetter.close_soon()  # returns at once: the helper exits while the build prints
        assert helper.wait(timeout=30) == 0
        subsetter.close_soon()  # nothing left to tell: harmless
        # A later build of the same session asks again: a new helper answers.
        assert subsetter.css("中国").startswith('@font-face { font-family: "carebook CJK"')
        assert subsetter._process is not helper
    finally:
        subsetter.close()
    assert subsetter._process is None and not subsetter._exiting


@needs_font
def test_a_helper_with_an_answer_unread_is_not_told_to_end():
    subsetter = cjkfont.Subsetter()
    try:
        subsetter.request("好用")
        subsetter.close_soon()  # the answer is still to be read: the helper stays
        assert subsetter.css("好用") is not None
    finally:
        subsetter.close()


def test_no_cjk_or_too_many_characters_ask_for_nothing():
    subsetter = cjkfont.Subsetter()
    assert subsetter.css("") is None
    assert subsetter.css("中" * (cjkfont.MAX_CHARACTERS + 1)) is None
    assert subsetter._process is None  # nothing was started for them


@needs_font
def test_a_failing_helper_leaves_the_system_font_and_says_why(monkeypatch, tmp_path, caplog):
    not_a_font = tmp_path / "broken.ttc"
    not_a_font.write_bytes(b"not a font")
    monkeypatch.setattr(cjkfont, "find_font", lambda query=cjkfont.FONT_QUERY: (str(not_a_font), 0))
    subsetter = cjkfont.Subsetter()
    try:
        with caplog.at_level(logging.INFO, logger="carebook.build.cjkfont"):
            assert subsetter.css("好用") is None
        assert "no CJK font subset" in caplog.text and "the system font is used" in caplog.text
        # A failure is not remembered: once the font is readable, the next build gets it.
        monkeypatch.undo()
        assert subsetter.css("好用").startswith('@font-face { font-family: "carebook CJK"')
    finally:
        subsetter.close()


def test_without_a_cjk_font_nothing_is_started(monkeypatch):
    monkeypatch.setattr(cjkfont, "find_font", lambda query=cjkfont.FONT_QUERY: None)
    subsetter = cjkfont.Subsetter()
    subsetter.start()
    assert subsetter.css("好用") is None and subsetter._process is None


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium on PATH")
def test_the_build_asks_early_for_sections_and_cover_and_again_for_what_assembly_adds(
    tmp_path, monkeypatch, stand_ins
):
    # The subset is asked for before assembling (so it is made while the page is
    # assembled and exported): the sections' characters and the cover's. A citation
    # resolved while assembling can add more; then it is asked for again, with all.
    case = dataclasses.replace(
        make_case(tmp_path / "case", candidate_name="李伟"),
        references=(Reference(id="cm2023", type="report", authors=["中国移动"], year=2023,
                              title="Annual report"),),
    )  # fmt: skip
    monkeypatch.setattr(carebook.case, "validate", lambda case_dir: case, raising=False)
    asked: list[tuple[str, str]] = []
    monkeypatch.setattr(cjkfont.Subsetter, "request", lambda self, c: asked.append(("request", c)))
    monkeypatch.setattr(cjkfont.Subsetter, "css", lambda self, c: asked.append(("css", c)))
    notebooks = tmp_path / "notebooks"
    citing = "## 1 A\n\nAs [@cm2023] says."
    write_notebook(notebooks / "10_a.ipynb", "print('很好')", markdown=citing)

    build(tmp_path / "case", tmp_path / "out", notebooks_dir=notebooks, formats=["pdf"])

    early = "".join(sorted("很好李伟"))
    everything = "".join(sorted("很好李伟中国移动"))
    assert asked == [("request", early), ("request", everything), ("css", everything)]


@needs_font
@pytest.mark.skipif(find_chromium() is None, reason="no Chromium on PATH")
def test_a_build_tells_its_helper_and_chromium_to_end_once_they_are_done(
    tmp_path, monkeypatch, case_factory
):
    # The font is in hand before the print, and the PDF before the last steps: both
    # processes are told then, so their exits overlap the build instead of following it.
    from carebook.build.browser import Browser

    told: list[str] = []
    real_subsetter, real_browser = cjkfont.Subsetter.close_soon, Browser.close_soon
    monkeypatch.setattr(
        cjkfont.Subsetter, "close_soon", lambda self: (told.append("helper"), real_subsetter(self))
    )
    monkeypatch.setattr(
        Browser, "close_soon", lambda self: (told.append("chromium"), real_browser(self))
    )
    real_print = Browser.print_bytes
    monkeypatch.setattr(
        Browser,
        "print_bytes",
        lambda self, *a, **k: (told.append("print"), real_print(self, *a, **k))[1],
    )
    notebooks = tmp_path / "notebooks"
    write_notebook(notebooks / "10_a.ipynb", "print('很好')", markdown="## 1 A\n\nText.")

    build(case_factory(), tmp_path / "out", notebooks_dir=notebooks, formats=["pdf"])

    # The report is printed a section at a time (carebook.build.pdfparts): one or more prints.
    assert told[0] == "helper" and told[-1] == "chromium" and set(told[1:-1]) == {"print"}
    assert (tmp_path / "out" / "report.pdf").read_bytes().startswith(b"%PDF-")
