from html.parser import HTMLParser

import mistune
import pandas as pd
import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune

import carebook
from carebook import comments, quotes, tables
from carebook.case.model import Codebook, Theme
from payloads import SCRIPT_PAYLOADS

NETWORK = Theme(key="network", label="Network", keywords=("signal", "信号"))
BOOK = Codebook(themes=(NETWORK, Theme(key="waiting", label="Waiting", keywords=("wait",))))

LONG_LETTER = (
    "Dear Sir or Madam,\r\n\r\n"
    + "My bill was wrong again this month and nobody answered my e-mails. " * 12
    + "\n    <script>alert('letter')</script>\n\n# Not a heading\n- not a list\n1. not a list either\n\nYours faithfully,\nA. Customer"
)

# reliability.md P0-1 and P0-2 payloads plus the list of hostile comments.
PAYLOADS = [
    *SCRIPT_PAYLOADS,
    "<table><tr><td>raw cell</td></tr></table>",
    "[a Markdown link](http://evil.example/phish) and ![img](http://evil.example/x.png)",
    '<a href="javascript:alert(7)">click</a> <iframe src="data:text/html,<script>alert(8)</script>"></iframe>',
    r"Great \input{secret.txt} \write18{touch pwned} $x$ 100% _a_",
    "&lt;script&gt; is how you write it; &amp; so on",
    "None",
    "NA",
    "Loved it 😀👍🏽 信号很好",
    "`code` **bold** <!-- comment --> ---",
    LONG_LETTER,
]


def _frame(texts, sources=None):
    n = len(texts)
    return pd.DataFrame(
        {"comment_id": [f"c{i}" for i in range(1, n + 1)], "source": sources or ["letter"] * n, "text": texts}
    )


# ------------------------------------------------------------------ the selection rule


def test_highest_density_then_shortest_then_id():
    frame = _frame([
        "The signal is bad in my flat",  # c1: 1 hit / 7 words
        "No signal here at all today",  # c2: 1 / 6, 27 characters
        "signal signal signal is bad today",  # c3: 3 / 6 = 0.5
        "signal gone",  # c4: only 2 words, not preferred
        "My signal is bad at home",  # c5: 1 / 6, 24 characters: shorter than c2
    ])
    chosen = quotes.representative(frame, comments.code_comments(frame, BOOK), BOOK, per_theme=3)
    assert chosen["comment_id"].tolist() == ["c3", "c5", "c2"]


def test_ties_are_broken_by_comment_id():
    frame = _frame(["Weak signal at night, again", "Weak signal at noon, again"]).assign(comment_id=["b", "a"])
    chosen = quotes.representative(frame, comments.code_comments(frame, BOOK), BOOK, per_theme=1)
    assert chosen["comment_id"].tolist() == ["a"]


def test_short_comments_are_used_when_there_is_nothing_else():
    frame = _frame(["signal?", "wait"])
    chosen = quotes.representative(frame, comments.code_comments(frame, BOOK), BOOK)
    assert chosen["comment_id"].tolist() == ["c1", "c2"]


def test_chinese_characters_count_two_to_a_word():
    # 6 Han characters = 3 words; "信号" twice -> 2 / 3.
    assert quotes.density("信号太差信号", NETWORK.keywords) == pytest.approx(2 / 3)
    # Longest keyword first and no overlaps: "waited" once, not also "wait".
    assert quotes.density("I waited", ("wait", "waited")) == pytest.approx(1 / 2)


def test_a_comment_is_not_quoted_twice_while_others_exist():
    frame = _frame(["signal and wait, signal and wait", "I had to wait for a long time", "wait wait wait wait wait"])
    chosen = quotes.representative(frame, comments.code_comments(frame, BOOK), BOOK, per_theme=1)
    assert chosen.set_index("theme")["comment_id"].to_dict() == {"network": "c1", "waiting": "c3"}


def test_long_quotes_are_shortened_and_say_so():
    frame = _frame([LONG_LETTER.replace("bill", "signal")])
    chosen = quotes.representative(frame, comments.code_comments(frame, BOOK), BOOK)
    row = chosen.iloc[0]
    assert row["shortened"] and row["text"].endswith("\u2026") and len(row["text"]) <= quotes.MAX_CHARS + 1
    assert LONG_LETTER.replace("bill", "signal").startswith(row["text"][:-1])
    assert "shortened" in str(quotes.as_text(chosen))


def test_quotes_keep_the_text_exactly_and_leave_input_untouched():
    frame = _frame(["  The  signal\tis <b>weak</b>  ", "信号太差，经常掉线。"])
    before = frame.copy()
    chosen = quotes.representative(frame, comments.code_comments(frame, BOOK), BOOK, min_words=0)
    assert sorted(chosen["text"]) == sorted(frame["text"])
    pd.testing.assert_frame_equal(frame, before)


# ------------------------------------------------------------------ hostile comments


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = set(), [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += attrs

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.tags.add("<!--")


def _squash(text):
    return " ".join(text.replace("\xa0", " ").split())


def _scan(html):
    scanner = _Scanner()
    scanner.feed(html)
    return scanner, "".join(scanner.text)


@pytest.fixture
def hostile():
    frame = _frame(PAYLOADS, sources=["online"] * len(PAYLOADS))
    coded = pd.DataFrame({"network": True, "waiting": False}, index=frame.index)
    chosen = quotes.representative(frame, coded, BOOK, per_theme=len(PAYLOADS), max_chars=100_000,
                                    min_words=0)
    return frame, chosen


def test_hostile_texts_are_selected_unchanged(hostile):
    frame, chosen = hostile
    assert sorted(chosen["text"]) == sorted(t.strip("\r\n") for t in PAYLOADS)


@pytest.mark.parametrize("render", [mistune.html, markdown2html_mistune], ids=["mistune", "nbconvert"])
def test_hostile_quotes_render_as_literal_inert_text(hostile, render):
    _, chosen = hostile
    html = render(str(quotes.as_text(chosen)))
    scanner, text = _scan(html)
    assert scanner.tags <= {"p", "strong", "blockquote", "br"}, scanner.tags
    assert scanner.attrs == []  # no href, src, on*, style: nothing live at all
    for payload in PAYLOADS:
        for line in payload.splitlines():
            assert line.strip() in text, line
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\\input{secret.txt}" in text and "$x$" in text


def test_hostile_quotes_in_a_table_are_escaped(hostile):
    carebook.setup(4)
    _, chosen = hostile
    html = tables.show(quotes.quote_table(chosen), "Representative quotes").to_html()
    scanner, text = _scan(html)
    assert scanner.tags <= {"figure", "figcaption", "table", "thead", "tbody", "tr", "th", "td"}
    assert not [name for name, _ in scanner.attrs if name.startswith("on") or name in ("href", "src")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "javascript:alert(3)" in text
    for payload in PAYLOADS:  # compared as a browser shows them: runs of white space as one space
        assert _squash(payload) in _squash(text)


def test_hostile_comment_ids_and_labels_are_escaped_too():
    book = Codebook(themes=(Theme(key="x", label="**<i>label</i>**", keywords=("signal",)),))
    frame = _frame(["my signal is gone again today"]).assign(comment_id=["[id](javascript:alert(1))"])
    chosen = quotes.representative(frame, comments.code_comments(frame, book), book)
    scanner, text = _scan(mistune.html(str(quotes.as_text(chosen))))
    assert scanner.tags <= {"p", "strong", "blockquote", "br"} and scanner.attrs == []
    assert "**<i>label</i>**" in text and "[id](javascript:alert(1))" in text


def test_no_quotes_gives_a_sentence():
    empty = quotes.representative(_frame(["nothing"]), pd.DataFrame({"network": [False], "waiting": [False]}), BOOK)
    assert empty.empty and "no quotes" in str(quotes.as_text(empty))


def test_without_comments_there_are_no_quotes_and_one_plain_sentence():
    book = Codebook(themes=(Theme(key="a", label="A", keywords=("x",)),))
    assert quotes.representative(None, None, book) is None
    assert "no quotes to show" in str(quotes.as_text(None))
