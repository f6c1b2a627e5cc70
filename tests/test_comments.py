from html.parser import HTMLParser

import mistune
import pandas as pd
import pytest
import yaml

from carebook import comments
from carebook.case.model import Codebook, Theme
from carebook.paths import PACKAGE_DATA

BOOK = Codebook(
    themes=(
        Theme(key="network", label="Network", dimension="reliability", keywords=("signal", "dropped call", "信号", "掉线")),
        Theme(key="waiting", label="Waiting", dimension="responsiveness", keywords=("wait", "on hold")),
        Theme(key="thanks", label="Thanks", keywords=("thank", "谢谢")),
    )
)


def _comments(texts, **columns):
    n = len(texts)
    frame = pd.DataFrame({"comment_id": [f"c{i}" for i in range(1, n + 1)], "source": ["email"] * n, "text": texts})
    for name, values in columns.items():
        frame[name] = values
    return frame


def _builtin() -> Codebook:
    raw = yaml.safe_load((PACKAGE_DATA / "codebook.yaml").read_text(encoding="utf-8"))
    return Codebook(themes=tuple(Theme(key=k, **v) for k, v in raw["themes"].items()), is_default=True)


# ------------------------------------------------------------------ matching


def test_matching_ignores_case():
    coded = comments.code_comments(_comments(["NO SIGNAL", "Signal ok", "sIgNaL"]), BOOK)
    assert coded["network"].tolist() == [True, True, True]


def test_chinese_keywords_match_as_substrings():
    coded = comments.code_comments(_comments(["今天信号太差", "经常掉线了", "谢谢你们", "网速慢"]), BOOK)
    assert coded["network"].tolist() == [True, True, False, False]
    assert coded["thanks"].tolist() == [False, False, True, False]


def test_a_comment_can_carry_several_themes():
    coded = comments.code_comments(_comments(["Dropped call, then I waited on hold. Thanks anyway"]), BOOK)
    assert coded.iloc[0].tolist() == [True, True, True]


def test_a_comment_can_carry_no_theme():
    coded = comments.code_comments(_comments(["The shop was clean", "None", "NA", "😀"]), BOOK)
    assert not coded.to_numpy().any()


def test_matching_is_plain_substring_not_word_or_regex():
    # "wait" inside "awaiting" counts (plain substring); regex metacharacters are literal.
    book = Codebook(themes=(Theme(key="x", label="X", keywords=("c++", "4g (lte)", "a.b")),))
    coded = comments.code_comments(_comments(["awaiting reply", "I use C++", "4G (LTE) is fine", "axb", "4g lte"]),
                                   Codebook(themes=BOOK.themes + book.themes))
    assert coded["waiting"].tolist() == [True, False, False, False, False]
    assert coded["x"].tolist() == [False, True, True, False, False]


@pytest.mark.parametrize("fast_path", [True, False], ids=["pyarrow-re2", "python-re"])
def test_keywords_with_punctuation_match_literally_on_both_paths(fast_path, monkeypatch):
    if not fast_path:
        import pyarrow.compute

        def refuse(*args, **kwargs):
            raise ValueError("forced fallback")

        monkeypatch.setattr(pyarrow.compute, "match_substring_regex", refuse)
    book = Codebook(themes=(Theme(key="x", label="X", keywords=("a|b", "x\\y", "didn't know", "$5", "[vip]")),))
    coded = comments.code_comments(
        _comments(["a|b", "a", "b", "x\\y", "xy", "He DIDN'T KNOW", "only $5", "5", "[VIP] line", "vip"]), book
    )
    assert coded["x"].tolist() == [True, False, False, True, False, True, True, False, True, False]


def test_casefold_not_just_lower():
    # casefold maps the German sharp s to "ss"; str.lower would not match.
    book = Codebook(themes=(Theme(key="street", label="Street", keywords=("STRASSE",)),))
    assert comments.code_comments(_comments(["Hauptstraße 5"]), book)["street"].tolist() == [True]


def test_coding_keeps_index_and_codebook_order_and_leaves_input_untouched():
    frame = _comments(["thanks", "signal"]).set_index(pd.Index([10, 20]))
    before = frame.copy()
    coded = comments.code_comments(frame, BOOK)
    assert list(coded.columns) == ["network", "waiting", "thanks"] and list(coded.index) == [10, 20]
    assert coded.dtypes.eq(bool).all()
    pd.testing.assert_frame_equal(frame, before)


def test_builtin_codebook_codes_domain_examples():
    book = _builtin()
    coded = comments.code_comments(_comments([
        "I was overcharged and want a refund",
        "我的流量套餐太贵",
        "The agent was rude and I waited for 2 hours",
    ]), book)
    themes = [set(coded.columns[row]) for row in coded.to_numpy()]
    assert themes == [{"billing"}, {"data_package"}, {"staff_attitude", "waiting"}]


# ------------------------------------------------------------------ metrics block


def test_comment_metrics_shape_and_plain_ints():
    frame = _comments(["signal and wait", "signal", "nothing here", "谢谢"])
    metrics = comments.comment_metrics(frame, BOOK)
    assert metrics == {"comments": 4, "themes": {"network": 2, "waiting": 1, "thanks": 1}, "uncoded": 1}
    assert list(metrics["themes"]) == ["network", "waiting", "thanks"]
    assert all(type(v) is int for v in [metrics["comments"], metrics["uncoded"], *metrics["themes"].values()])


def test_comment_metrics_is_none_without_comments():
    assert comments.comment_metrics(None, BOOK) is None


# ------------------------------------------------------------------ summary and tables


@pytest.fixture
def qa():
    texts = [
        "I waited on hold for an hour",  # waiting, negative (waited -1.2)
        "The signal is terrible",  # network, negative
        "Thank you, great service",  # thanks, positive
        "信号太差",  # network, not scored
        "Nothing to report",  # no theme, neutral
    ]
    frame = _comments(
        texts,
        source=["letter", "email", "email", "online", "letter"],
        kind=["complaint", "complaint", "commendation", "complaint", "other"],
        date=pd.to_datetime(["2014-01-05", "2014-01-20", "2014-02-01", None, "2014-03-31"]),
    )
    return comments.analyse(frame, BOOK)


def test_theme_summary_counts_shares_and_sentiment(qa):
    s = qa.summary
    assert list(s.index) == ["network", "waiting", "thanks"]
    assert s.loc["network", "comments"] == 2 and s.loc["network", "share_pct"] == pytest.approx(40.0)  # 2 of 5
    # Network: one English comment scored, the Chinese one is not scored (not neutral).
    assert s.loc["network", "scored"] == 1 and s.loc["network", "negative_pct"] == pytest.approx(100.0)
    assert s.loc["thanks", "positive_pct"] == pytest.approx(100.0)
    assert s.loc["thanks", "dimension"] is None
    assert list(s.columns) == ["label", "dimension", "comments", "share_pct", "scored", "mean_compound",
                               "negative_pct", "positive_pct"]


def test_theme_summary_computes_coding_and_scores_when_not_given(qa):
    pd.testing.assert_frame_equal(comments.theme_summary(qa.comments, BOOK), qa.summary)


def test_theme_table_adds_the_uncovered_share(qa):
    table = comments.theme_table(qa)
    assert table.loc["No theme", "Comments"] == 1 and table.loc["No theme", "Share (%)"] == pytest.approx(20.0)
    assert table.loc["Network", "SERVQUAL dimension"] == "Reliability"


def test_source_table_counts_each_theme_per_source(qa):
    table = comments.source_table(qa)
    assert list(table.columns) == ["Letter", "E-mail", "Online", "Total"]  # data-contract order, present only
    assert table.loc["Network"].tolist() == [0, 1, 1, 2]
    assert table.loc["No theme"].tolist() == [1, 0, 0, 1]
    assert table.loc["All comments"].tolist() == [2, 2, 1, 5]


def test_kind_table_and_its_absence(qa):
    table = comments.kind_table(qa)
    assert table.loc["Network", "Complaint"] == 2 and table.loc["Thanks", "Commendation"] == 1
    assert comments.kind_table(comments.analyse(qa.comments.drop(columns="kind"), BOOK)) is None


def test_monthly_tables_leave_out_undated_comments(qa):
    monthly = comments.monthly_table(qa)
    assert list(monthly.index) == ["2014-01", "2014-02", "2014-03"]
    assert monthly["All comments"].tolist() == [2, 1, 1]  # the undated comment is left out
    assert monthly.loc["2014-01", "Complaint"] == 2
    by_theme = comments.theme_month_table(qa)
    assert by_theme.loc["2014-01", "Network"] == 1 and by_theme.loc["2014-01", "Waiting"] == 1
    assert comments.monthly_table(comments.analyse(qa.comments.drop(columns="date"), BOOK)) is None


def test_dimension_table_counts_each_comment_once_per_dimension():
    book = Codebook(themes=(
        Theme(key="a", label="A", dimension="reliability", keywords=("bill",)),
        Theme(key="b", label="B", dimension="reliability", keywords=("signal",)),
    ))
    qa = comments.analyse(_comments(["bill and signal", "bill", "other"]), book)
    table = comments.dimension_table(qa)
    assert table.loc["Reliability", "Comments"] == 2  # not 3: the first comment counts once
    assert table.loc["Tangibles", "Comments"] == 0 and table.loc["Tangibles", "Themes"] == "–"
    assert "No dimension" not in table.index


def test_sentiment_table_has_an_all_comments_row(qa):
    table = comments.sentiment_table(qa)
    assert table.loc["All comments", "Comments"] == 5 and table.loc["All comments", "Scored (English)"] == 4


# ------------------------------------------------------------------ sentences


def test_sentences_say_plainly_when_comments_are_missing():
    assert "No comments.csv was supplied" in mistune.html(str(comments.coding_sentence(None)))
    # Said once per subsection: the sentiment sentence adds nothing after the coding one.
    assert comments.sentiment_sentence(None) is None
    assert "No comments.csv was supplied" in mistune.html(str(comments.bridge_sentences(None)))


def test_tables_and_bridge_are_none_without_comments():
    assert comments.theme_table(None) is None and comments.source_table(None) is None
    assert comments.bridge(None, pd.Series({"reliability": -1.0}), []) is None
    assert comments.bridge_table(None) is None


def test_coding_sentence_is_generated_from_the_data(qa):
    html = mistune.html(str(comments.coding_sentence(qa)))
    assert "The 5 comments were coded with the case's own codebook (3 themes)." in html
    assert "4 comments (80.0%); 1 (20.0%) matched no theme" in html
    assert "The most frequent themes were Network (2 comments, 40.0%)" in html


def test_sentiment_sentence_counts_unscored_comments(qa):
    html = mistune.html(str(comments.sentiment_sentence(qa)))
    assert "scored the 4 English comments" in html
    assert "1 comment in other languages was not scored" in html


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += attrs


def test_hostile_theme_labels_stay_literal_in_sentences():
    book = Codebook(themes=(Theme(key="x", label="<img src=x onerror=alert(1)> [a](javascript:alert(2))",
                                  dimension="reliability", keywords=("bill",)),))
    qa = comments.analyse(_comments(["my bill"]), book)
    bridged = comments.bridge(qa.summary, pd.Series({"reliability": -1.0}), ["<script>alert(3)</script>"])
    for text in (comments.coding_sentence(qa), comments.sentiment_sentence(qa), comments.bridge_sentences(bridged)):
        html = mistune.html(str(text))
        scanner = _Tags()
        scanner.feed(html)
        assert scanner.tags <= {"p", "strong", "em"} and scanner.attrs == []
    assert "&lt;img src=x onerror=alert(1)&gt;" in mistune.html(str(comments.coding_sentence(qa)))


# ------------------------------------------------------------------ the bridge


def test_bridge_rule_and_sentences():
    summary = pd.DataFrame(
        {
            "label": ["Network", "Waiting", "Shops", "Thanks"],
            "dimension": ["reliability", "responsiveness", "tangibles", None],
            "comments": [40, 30, 5, 25],
            "share_pct": [40.0, 30.0, 5.0, 25.0],
            "scored": [40, 30, 5, 25],
            "mean_compound": [-0.5, -0.4, 0.3, 0.8],
            "negative_pct": [80.0, 70.0, 20.0, 0.0],
            "positive_pct": [10.0, 20.0, 60.0, 100.0],
        },
        index=["network", "waiting", "shops", "thanks"],
    )
    gaps = pd.Series({"tangibles": -0.2, "reliability": -1.2, "responsiveness": -0.4})
    bridged = comments.bridge(summary, gaps, ["10086 hotline"])
    # Mean mentions over the three themes with a dimension = 25; mean gap = -0.6.
    assert list(bridged.index) == ["network", "waiting", "shops"]  # "thanks" has no dimension
    assert bridged.loc["network", "verdict"] == "agree: concern"  # 40 >= 25, negative; -1.2 <= -0.6
    # Waiting: gap -0.4 is better than the mean, but a commitment was missed.
    assert bridged.loc["waiting", "missed"] == ["10086 hotline"] and bridged.loc["waiting", "verdict"] == "agree: concern"
    assert bridged.loc["shops", "verdict"] == "agree: no concern"
    text = mistune.html(str(comments.bridge_sentences(bridged)))
    assert "Comments and scores agree that Network (reliability, gap \u22121.20, 40 comments) and Waiting" in text
    assert "Service standards were missed for 10086 hotline." in text
    table = comments.bridge_table(bridged)
    assert table.loc["Waiting", "Missed standards"] == "10086 hotline" and table.loc["Shops", "Missed standards"] == "–"


def test_bridge_says_comments_only_and_scores_only():
    summary = pd.DataFrame(
        {"label": ["A", "B"], "dimension": ["reliability", "empathy"], "comments": [50, 2],
         "share_pct": [50.0, 2.0], "scored": [50, 2], "mean_compound": [-0.5, 0.2],
         "negative_pct": [90.0, 0.0], "positive_pct": [5.0, 100.0]},
        index=["a", "b"],
    )
    bridged = comments.bridge(summary, pd.Series({"reliability": -0.1, "empathy": -1.5}), [])
    assert bridged["verdict"].tolist() == ["comments only", "scores only"]
