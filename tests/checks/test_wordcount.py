from checkkit import html_out, md_out, nb, table_html

from carebook.checks.document import read
from carebook.checks.wordcount import count_words, declaration, prose_text, section_words


def test_count_words_rules():
    assert count_words("Word count: 2,431 of 2,500.") == 5
    assert count_words("Don't e-mail us; the gap is \u22121.05 points.") == 8
    # CJK: one word per character; 客户满意度 is five characters.
    assert count_words("客户满意度 is high") == 7
    assert count_words("") == 0


def test_prose_excludes_tables_code_captions_images_and_citations():
    markdown = (
        "Quality matters [@parasuraman1988; @camp1989, p. 3] as @camp1989 says. Run `x = 1`.\n\n"
        "| a | b |\n|---|---|\n| one two | three |\n\n"
        "Table 2.1: Strategies and benefits\n"
        "![chart](chart.png) See [the site](https://example.org).\n"
        "```python\nprint('not prose')\n```\n"
        "<span>kept</span>"
    )
    text = prose_text(markdown)
    # Counted: Quality matters as says Run See the site kept = 9
    assert count_words(text) == 9
    assert "one two" not in text and "print" not in text and "Strategies" not in text


def test_words_per_section_count_prose_and_markdown_outputs_only():
    doc = read(
        [
            (
                "10_intro.ipynb",
                nb(
                    "## 1.0 Introduction\n\nOne two three.",
                    (
                        "tables.show(df, 'x')",
                        [
                            html_out(
                                table_html(
                                    "Table 1.1: Ten words of caption here are not counted at all"
                                )
                            )
                        ],
                    ),
                    ("narrative.say(...)", [md_out("Four five\\.")]),
                    "### 1.1 Scope\n\nSix seven.",
                ),
            ),
            ("60_bib.ipynb", nb("## 6.0 Bibliography\n\nThese words are in the bibliography.")),
        ]
    )
    # Section 1.0: "One two three" (3) + "Four five" (2) + "Six seven" (2) = 7; headings excluded.
    assert section_words(doc) == {"1.0 Introduction": 7}


def test_text_before_the_first_heading_gets_the_notebook_name():
    doc = read([("10_intro.ipynb", nb("Loose words here.", "## 1.0 Introduction\n\nMore."))])
    assert section_words(doc) == {"(10_intro.ipynb)": 3, "1.0 Introduction": 1}


def test_declaration_line():
    assert declaration(2431, 2500) == "Word count: 2,431 of 2,500"
    assert declaration(2431) == "Word count: 2,431"
