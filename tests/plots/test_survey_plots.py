import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from carebook import ipa, satisfaction, servqual  # noqa: E402
from carebook.plots import survey as plots  # noqa: E402
from test_servqual import NA, NAN5, make_survey  # noqa: E402


@pytest.fixture
def survey():
    return make_survey(
        n=4,
        overrides={"E1": [7, 6, NA, 6], "P1": [5, 6, 4, 5], "P2": [7, 7, 7, 7]},
        weights=[(10, 30, 20, 20, 20), (20, 40, 20, 10, 10), NAN5, (20, 20, 20, 20, 20)],
        csat=pd.array([5, 4, 2, NA], dtype="Int8"),
        nps=pd.array([10, 7, 3, 9], dtype="Int8"),
        segment=pd.array(["prepaid", "postpaid", "prepaid", "business"], dtype="str"),
        date=pd.to_datetime(["2014-03-02", "2014-03-28", "2014-04-01", "2014-05-01"]),
    )


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_gap_dumbbell_writes_each_gap(survey):
    summary = servqual.dimension_summary(survey)
    ax = plots.gap_dumbbell(summary)
    # tangibles gap: items -1 (pairs -2, 0, -1), +1, -1, -1 -> -0.5
    assert "-0.50" in texts(ax) and texts(ax).count("-1.00") == 4
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Tangibles",
        "Reliability",
        "Responsiveness",
        "Assurance",
        "Empathy",
    ]
    assert ax.figure.get_size_inches()[0] == pytest.approx(6.4)


def test_item_gaps_draws_22_bars(survey):
    ax = plots.item_gaps(servqual.item_summary(survey))
    bars = [p for c in ax.containers for p in c if p.get_width() != 0]
    assert len(bars) == 22
    assert "+1.00" in texts(ax)


def test_ipa_grid_has_crosshairs_at_grand_means_and_quadrant_names(survey):
    table = ipa.ipa_table(survey)
    ax = plots.ipa_grid(table)
    vertical = [
        line.get_xdata()[0] for line in ax.lines if line.get_xdata()[0] == line.get_xdata()[-1]
    ]
    horizontal = [
        line.get_ydata()[0] for line in ax.lines if line.get_ydata()[0] == line.get_ydata()[-1]
    ]
    assert table.attrs["performance_mean"] in vertical
    assert table.attrs["importance_mean"] in horizontal
    for name in ipa.QUADRANTS:
        assert name in texts(ax)
    assert {"Tangibles", "Reliability"} <= set(texts(ax))
    assert "weight" in ax.get_ylabel()


def test_segment_and_nps_charts(survey):
    seg = satisfaction.by_segment(survey)
    ax = plots.segment_scores(seg)
    assert any("n = 2" in t.get_text() for t in ax.get_yticklabels())
    ax = plots.nps_split(seg)
    # prepaid: 10 promoter, 3 detractor -> 50 % / 0 % / 50 %
    assert "NPS +0.0\n(n = 2)" in texts(ax)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Detractors (0-6)",
        "Passives (7-8)",
        "Promoters (9-10)",
    ]


def test_monthly_trend(survey):
    ax = plots.monthly_trend(satisfaction.by_month(survey))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2014-03", "2014-04", "2014-05"]
    assert len(ax.lines) >= 2


@pytest.mark.parametrize("draw", [plots.segment_scores, plots.nps_split, plots.monthly_trend])
def test_missing_optional_data_gives_words_not_an_empty_chart(draw):
    ax = draw(None)
    assert not ax.axison and ax.texts and ax.texts[0].get_text().startswith("No ")


def test_drawing_on_a_given_axes_returns_it(survey):
    _, ax = plt.subplots()
    assert plots.gap_dumbbell(servqual.dimension_summary(survey), ax=ax) is ax
