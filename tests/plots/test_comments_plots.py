import matplotlib.pyplot as plt
import pandas as pd
import pytest

import carebook
from carebook import comments, figures
from carebook.case.model import Codebook, Theme
from carebook.plots import SHORTFALL, SURPLUS
from carebook.plots import comments as comment_plots

BOOK = Codebook(
    themes=(
        Theme(key="network", label="网络 signal", dimension="reliability", keywords=("signal",)),
        Theme(key="price", label="Price $5 and $x$", keywords=("price",)),
        Theme(key="shops", label="Shops", dimension="tangibles", keywords=("store",)),
    )
)


@pytest.fixture(autouse=True)
def section_four():
    carebook.setup(4)  # also turns missing-glyph warnings into errors
    yield
    plt.close("all")


@pytest.fixture
def qa():
    frame = pd.DataFrame(
        {
            "comment_id": ["c1", "c2", "c3", "c4", "c5"],
            "source": ["letter", "email", "email", "online", "letter"],
            "kind": ["complaint", "complaint", "suggestion", "commendation", "other"],
            "date": pd.to_datetime(
                ["2014-01-05", "2014-01-20", "2014-02-01", "2014-02-03", "2014-03-31"]
            ),
            "text": [
                "bad signal",
                "signal gone, price too high",
                "the price is terrible",
                "great signal, thank you",
                "nothing",
            ],
        }
    )
    return comments.analyse(frame, BOOK)


def test_themes_by_source_stacks_sources_per_theme(qa):
    ax = comment_plots.themes_by_source(comments.source_table(qa))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["网络 signal", r"Price \$5 and \$x\$", "Shops", "No theme"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Letter", "E-mail", "Online"]
    # 4 rows x 3 sources; the network bar is 1 letter + 1 e-mail + 1 online = 3 long.
    assert len(ax.patches) == 12
    network = [p for p in ax.patches if abs(p.get_y() + p.get_height() / 2) < 1e-9]
    assert sum(p.get_width() for p in network) == 3
    figures.show(ax, "Themes by source")  # draws: no mathtext error, no missing glyph


def test_themes_by_source_can_leave_out_uncovered_comments(qa):
    ax = comment_plots.themes_by_source(comments.source_table(qa), include_no_theme=False)
    assert "No theme" not in [t.get_text() for t in ax.get_yticklabels()]


def test_sentiment_by_theme_diverges_and_marks_unscored_themes(qa):
    _, given = plt.subplots()
    ax = comment_plots.sentiment_by_theme(qa.summary, ax=given)
    assert ax is given
    negative = [p for p in ax.patches if p.get_width() < 0]
    positive = [p for p in ax.patches if p.get_width() > 0]
    assert negative and all(
        p.get_facecolor()[:3] == pytest.approx(plt.matplotlib.colors.to_rgb(SHORTFALL))
        for p in negative
    )
    assert positive and all(
        p.get_facecolor()[:3] == pytest.approx(plt.matplotlib.colors.to_rgb(SURPLUS))
        for p in positive
    )
    notes = [t.get_text() for t in ax.texts]
    assert "not scored" in notes  # "Shops" has no comment at all
    figures.show(ax, "Sentiment by theme")


def test_monthly_volume_with_and_without_kinds(qa):
    ax = comment_plots.monthly_volume(comments.monthly_table(qa))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Complaint",
        "Commendation",
        "Suggestion",
        "Other",
    ]
    heights = {}
    for p in ax.patches:
        heights[round(p.get_x() + p.get_width() / 2)] = (
            heights.get(round(p.get_x() + p.get_width() / 2), 0) + p.get_height()
        )
    assert sorted(heights.values()) == [1, 2, 2]  # March 1; January 2; February 2
    plain = comments.analyse(qa.comments.drop(columns="kind"), BOOK)
    ax = comment_plots.monthly_volume(comments.monthly_table(plain))
    assert ax.get_legend() is None and sum(p.get_height() for p in ax.patches) == 5


def test_no_comments_draw_no_chart():
    assert comment_plots.themes_by_source(None) is None
    assert comment_plots.sentiment_by_theme(None) is None
