import re
import warnings

import matplotlib.pyplot as plt
import mistune
import pytest

import carebook
from carebook import figures, narrative, plots


@pytest.fixture(autouse=True)
def section_four():
    carebook.setup(4)


def _chart(title="Gaps"):
    ax = plots.axes()
    ax.bar(["a", "b"], [1, 2])
    ax.set_title(title)
    return ax


def test_figures_are_numbered_escaped_and_closed():
    fig = figures.show(_chart(), "Gap <b>bars</b>")
    assert fig.label == "Figure 4.1: Gap <b>bars</b>"
    assert "Gap &lt;b&gt;bars&lt;/b&gt;" in fig.to_html()
    assert fig.mimetype == "image/svg+xml" and fig.image.lstrip().startswith(b"<?xml")
    assert plt.get_fignums() == []  # closed: the kernel does not show it a second time


def test_same_chart_gives_same_bytes():
    first = figures.show(_chart(), "x").image
    assert figures.show(_chart(), "x").image == first


def test_svg_holds_outlines_not_text_dates_or_scripts():
    svg = figures.show(_chart("Hotline <script>"), "x").image.decode("utf-8")
    # The title is drawn as glyph outlines (no font needed to view it); its text is left
    # only in an escaped XML comment.
    assert "<text" not in svg and "<script" not in svg
    assert "<!-- Hotline &lt;script&gt; -->" in svg
    assert "<dc:date>" not in svg


def test_svg_is_shown_as_wide_as_a_200_dpi_png_would_be():
    fig = figures.show(_chart(), "x")
    points = float(re.search(rb'width="([0-9.]+)pt"', fig.image).group(1))
    assert fig.width == round(points / 72 * 200)
    assert f'width="{fig.width}"' in fig.to_html()
    assert 'src="data:image/svg+xml;base64,' in fig.to_html()


def test_too_dense_a_chart_is_embedded_as_png(monkeypatch):
    monkeypatch.setattr(figures, "MAX_SVG_BYTES", 1000)
    fig = figures.show(_chart(), "dense")
    assert fig.mimetype == "image/png" and fig.image.startswith(b"\x89PNG")
    assert fig.width is None and 'src="data:image/png;base64,' in fig.to_html()
    assert b"Software" not in fig.image  # no version stamp: same bytes on every rebuild
    assert plt.get_fignums() == []


def test_chinese_titles_draw_without_missing_glyphs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures.show(_chart("客户满意度"), "Chinese title")


def test_say_escapes_values_but_not_the_template():
    text = narrative.say("**{name}** gap {gap:+.2f}", name="[x](javascript:alert(1))", gap=-1.05)
    html = mistune.html(str(text))
    assert "<strong>" in html and "href" not in html and "\u22121.05" in html


def test_not_supplied_is_a_plain_sentence():
    text = str(narrative.not_supplied("comments.csv", "so no comments were coded"))
    assert mistune.html(text).strip() == "<p>No comments.csv was supplied with this case, so no comments were coded.</p>"


def test_paragraphs_keep_case_text_literal():
    html = mistune.html(str(narrative.paragraphs("First <b>para</b>.\n\nSecond [link](http://x).")))
    assert html.count("<p>") == 2 and "<b>" not in html and "href" not in html


def test_bullets_and_number_formatting():
    assert str(narrative.bullets(["a", "b"], numbered=True)) == "1. a\n2. b"
    assert narrative.join_words(["a", "b", "c"]) == "a, b and c"
    assert narrative.signed(-0.5) == "\u22120.50" and narrative.percent(None) == "n/a"


def test_show_none_or_a_nothing_to_draw_chart_gives_nothing():
    carebook.setup(4)
    assert figures.show(None, "Sentiment by theme") is None
    _, ax = plt.subplots()
    ax.text(0.5, 0.5, "No benchmark data to compare")
    plots.mark_empty(ax)
    assert figures.show(ax, "Benchmark metrics") is None
    assert not plt.fignum_exists(ax.figure.number)  # closed, not leaked
    _, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    assert figures.show(ax, "A real chart").number == "4.1"  # no number was used up
