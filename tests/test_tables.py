from html.parser import HTMLParser

import pandas as pd
import pytest

import carebook
from carebook import tables


@pytest.fixture(autouse=True)
def section_four():
    carebook.setup(4)


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.rows = [], [], 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(name for name, _ in attrs)
        self.rows += tag == "tr"


def test_tables_are_numbered_within_the_section():
    first = tables.show(pd.DataFrame({"a": [1]}), "First")
    second = tables.show(pd.DataFrame({"a": [1]}), "Second")
    assert (first.label, second.label) == ("Table 4.1: First", "Table 4.2: Second")
    carebook.setup(5)
    assert tables.show(pd.DataFrame({"a": [1]}), "Next section").number == "5.1"


def test_cells_headers_index_and_caption_are_escaped():
    frame = pd.DataFrame({"<b onmouseover=alert(6)>h</b>": ["<script>alert(1)</script>"]},
                         index=["<img src=x onerror=alert(2)>"])
    html = tables.show(frame, "<i>caption</i>").to_html()
    scanner = _Scanner()
    scanner.feed(html)
    assert set(scanner.tags) <= {"figure", "figcaption", "table", "thead", "tbody", "tr", "th", "td"}
    assert not [a for a in scanner.attrs if a.startswith("on")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;i&gt;caption&lt;/i&gt;" in html


def test_long_tables_are_never_cut_silently():
    frame = pd.DataFrame({"comment": ["x" * 300] * 100})
    full = tables.show(frame, "All comments").to_html()
    scanner = _Scanner()
    scanner.feed(full)
    assert scanner.rows == 101 and "x" * 300 in full and "..." not in full
    short = tables.show(frame, "Some comments", max_rows=20)
    assert "Showing 20 of 100 rows." in short.to_html() and len(short.shown) == 20


def test_numbers_are_rounded_for_display_but_data_kept():
    frame = pd.DataFrame({"gap": [-1.04567, None], "n": pd.array([50000, 3], dtype="Int64")})
    table = tables.show(frame, "Gaps")
    assert table.shown["gap"].tolist() == ["-1.05", "–"]
    assert table.shown["n"].tolist() == ["50,000", "3"]
    assert table.data["gap"].iloc[0] == pytest.approx(-1.04567)


def test_explicit_formats_and_source_note():
    table = tables.show(pd.DataFrame({"share": [71.234]}), "Share", formats={"share": "{:.1f}%"},
                        source="China Mobile survey")
    assert table.shown["share"].iloc[0] == "71.2%"
    assert "Source: China Mobile survey" in table.to_html()


def test_input_frame_is_not_modified():
    frame = pd.DataFrame({"a": [1.23456]})
    before = frame.copy()
    tables.show(frame, "x")
    pd.testing.assert_frame_equal(frame, before)


# --- no data ------------------------------------------------------------------------------


def test_show_none_shows_nothing_and_takes_no_number():
    carebook.setup(3)
    assert tables.show(None, "Benchmark figures side by side") is None
    assert tables.show(pd.DataFrame({"a": [1]}), "Next").number == "3.1"


def test_show_of_a_frame_without_rows_is_a_sentence_not_an_empty_table():
    carebook.setup(3)
    shown = tables.show(pd.DataFrame(columns=["a"]), "Themes")
    assert "nothing to show" in str(shown) and "Themes" in str(shown)
    assert tables.show(pd.DataFrame({"a": [1]}), "Next").number == "3.1"


def test_index_name_sits_in_the_header_corner_not_a_row_of_its_own():
    frame = pd.DataFrame({"Value": [1, 2]}, index=pd.Index(["a", "b"], name="Metric"))
    html = tables.show(frame, caption="Named index").to_html()
    header = html.split("<thead>")[1].split("</thead>")[0]
    assert header.count("<tr") == 1 and "<th>Metric</th>" in header
