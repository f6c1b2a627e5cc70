import mistune
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carebook.safety import FORMULA_TRIGGERS, html_escape, md_escape, neutralize_formula

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "[x](javascript:alert(3))",
    '"</td></tr></table><svg onload=alert(4)>"',
    '<b onmouseover=alert(6)>h</b>',
    "**bold** _it_ `code` # heading",
    "Great \\input{secret.txt} \\write18{touch pwned} $x$ 100% _a_",
    "&lt;script&gt; already-escaped",
]


def _render(markdown: str) -> str:
    return mistune.html(markdown)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_md_escape_renders_payload_as_literal_text(payload):
    html = _render(md_escape(payload))
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert "href=" not in html and "<strong>" not in html and "<em>" not in html
    # What the reader sees is exactly the payload.
    assert html.strip().removeprefix("<p>").removesuffix("</p>") == html_escape(payload).replace("&#x27;", "'")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=80))
def test_md_escape_never_produces_markup(text):
    html = _render(md_escape(text))
    for tag in ("<a ", "<img", "<script", "<em>", "<strong>", "<code>", "<h1", "<ul", "<ol"):
        assert tag not in html


def test_md_escape_keeps_line_breaks_inside_one_paragraph():
    html = _render(md_escape("Dear team,\n\n    I waited.\nThanks"))
    assert html.count("<p>") == 1 and "<pre>" not in html and html.count("<br") == 3


def test_md_escape_of_none_is_empty():
    assert md_escape(None) == ""


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1"])
def test_formula_triggers_are_neutralised(value):
    assert neutralize_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["normal", -2.5, 3, None, ""])
def test_safe_values_are_unchanged(value):
    assert neutralize_formula(value) == value


@given(st.text())
def test_neutralised_text_never_starts_with_a_trigger(text):
    assert not str(neutralize_formula(text)).startswith(FORMULA_TRIGGERS)
