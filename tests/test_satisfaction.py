import json
import math

import numpy as np
import pandas as pd
import pytest

from carebook import satisfaction
from carebook.narrative import Text
from test_servqual import NA, NAN5, make_survey


def scores(values):
    return pd.array(values, dtype="Int8")


# ------------------------------------------------------------------ single measures


def test_csat_top2_and_mean_over_answered():
    # answered 5, 4, 3, 1 (one blank): 2 of 4 at 4-5 -> 50 %; mean 13 / 4
    c = satisfaction.csat_summary(pd.Series(scores([5, 4, 3, NA, 1])))
    assert c == {"n": 4, "top2_pct": 50.0, "mean": 3.25}


def test_nps_boundaries_and_passives_in_the_denominator():
    # 10, 9 promoters; 8, 7 passives; 6, 0 detractors; blank ignored: (2 - 2) / 6
    s = satisfaction.nps_summary(pd.Series(scores([10, 9, 8, 7, 6, 0, NA])))
    assert s["n"] == 6 and s["nps"] == 0.0
    assert s["promoters_pct"] == s["passives_pct"] == s["detractors_pct"] == pytest.approx(100 / 3)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([9, 10, 9], 100.0),
        ([6, 0, 6], -100.0),
        ([7, 8, 7, 8], 0.0),
        ([9, 7, 7, 7], 25.0),
        ([9, 6, 6, 6], -50.0),
    ],
)
def test_nps_edge_cases(values, expected):
    assert satisfaction.nps_summary(pd.Series(scores(values)))["nps"] == pytest.approx(expected)


def test_no_answers_give_none():
    empty = pd.Series(scores([NA, NA]))
    assert satisfaction.csat_summary(empty) == {"n": 0, "top2_pct": None, "mean": None}
    assert satisfaction.nps_summary(empty)["nps"] is None
    assert satisfaction.ces_summary(empty)["mean"] is None


def test_ces_mean_and_easy_share():
    # 7, 5, 4 answered: mean 16/3; 2 of 3 at 5-7
    e = satisfaction.ces_summary(pd.Series(scores([7, 5, 4, NA])))
    assert (
        e["n"] == 3
        and e["mean"] == pytest.approx(16 / 3)
        and e["easy_pct"] == pytest.approx(200 / 3)
    )


# ------------------------------------------------------------------- metrics block


@pytest.fixture
def survey():
    return make_survey(
        n=4,
        overrides={"E1": [7, 6, NA, 6], "P1": [5, 6, 4, 5]},
        weights=[(10, 30, 20, 20, 20), (20, 40, 20, 10, 10), NAN5, (20, 20, 20, 20, 20)],
        csat=scores([5, 4, 2, NA]),
        nps=scores([10, 7, 3, 9]),
        ces=scores([NA, NA, NA, NA]),
        segment=pd.array(["prepaid", "postpaid", "prepaid", None], dtype="str"),
        date=pd.to_datetime(["2014-03-02", "2014-03-28", "2014-04-01", None]),
    )


def test_survey_metrics_has_exactly_the_interface_keys(survey):
    m = satisfaction.survey_metrics(survey)
    assert list(m) == ["respondents", "servqual", "csat_top2_pct", "nps", "ces_mean"]
    assert list(m["servqual"]) == [
        "expectation",
        "perception",
        "gap",
        "overall_gap",
        "weights",
        "weighted_gap",
        "alpha_perception",
    ]
    for key in ("expectation", "perception", "gap", "alpha_perception", "weights"):
        assert list(m["servqual"][key]) == [
            "tangibles",
            "reliability",
            "responsiveness",
            "assurance",
            "empathy",
        ]


def test_survey_metrics_values(survey):
    m = satisfaction.survey_metrics(survey)
    assert m["respondents"] == 4
    assert m["csat_top2_pct"] == pytest.approx(200 / 3)  # 5, 4 of 5, 4, 2
    assert m["nps"] == pytest.approx(25.0)  # (2 promoters - 1 detractor) / 4
    assert m["ces_mean"] is None  # column present, nobody answered
    sq = m["servqual"]
    # E1 = (7 + 6 + 6) / 3 = 19/3 -> tangibles E = (19/3 + 18) / 4
    assert sq["expectation"]["tangibles"] == pytest.approx((19 / 3 + 18) / 4)
    # item 1 gap over the three pairs: (-2 + 0 - 1) / 3 = -1; other items -1
    assert sq["gap"]["tangibles"] == pytest.approx(-1.0)
    assert sq["overall_gap"] == pytest.approx(-1.0)
    # weights over rows 1, 2, 4: tangibles (10 + 20 + 20) / 3 / 100
    assert sq["weights"]["tangibles"] == pytest.approx(50 / 300)
    assert sq["weighted_gap"] == pytest.approx(-1.0)
    # P1 varies (5, 6, 4, 5) but P2-P4 are constant: alpha = 4/3 (1 - v/v) = 0
    assert sq["alpha_perception"]["tangibles"] == pytest.approx(0.0)
    assert sq["alpha_perception"]["empathy"] is None  # no variance at all


def test_survey_metrics_are_plain_json_values(survey):
    m = satisfaction.survey_metrics(survey)
    text = json.dumps(m, allow_nan=False)  # raises on NaN

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        else:
            assert value is None or type(value) in (int, float), type(value)

    walk(json.loads(text))
    walk(m)


def test_survey_metrics_without_optional_columns():
    m = satisfaction.survey_metrics(make_survey())
    assert m["csat_top2_pct"] is None and m["nps"] is None and m["ces_mean"] is None
    assert m["servqual"]["weights"] is None and m["servqual"]["weighted_gap"] is None


# ------------------------------------------------------------------------ breakdowns


def test_by_segment_counts_answers_behind_every_figure(survey):
    seg = satisfaction.by_segment(survey)
    assert list(seg.index) == ["postpaid", "prepaid", "Not stated"]
    prepaid = seg.loc["prepaid"]
    # prepaid: csat 5, 2 -> top-2 50 %, mean 3.5; nps 10, 3 -> (1 - 1) / 2 = 0
    assert prepaid["respondents"] == 2 and prepaid["csat_n"] == 2
    assert prepaid["csat_top2_pct"] == pytest.approx(50.0) and prepaid[
        "csat_mean"
    ] == pytest.approx(3.5)
    assert prepaid["nps"] == pytest.approx(0.0) and prepaid["nps_n"] == 2
    assert prepaid["promoters_pct"] == pytest.approx(50.0)
    assert seg.loc["postpaid", "passives_pct"] == pytest.approx(100.0)
    # "Not stated": csat blank -> no figure, n 0
    assert seg.loc["Not stated", "csat_n"] == 0 and math.isnan(
        seg.loc["Not stated", "csat_top2_pct"]
    )
    assert seg.loc["Not stated", "nps"] == pytest.approx(100.0)
    assert seg["ces_n"].eq(0).all()
    shown = satisfaction.segment_table(seg)
    assert shown.index.name == "Segment" and "n CSAT" in shown.columns and "NPS" in shown.columns


def test_by_month_leaves_out_undated_respondents(survey):
    months = satisfaction.by_month(survey)
    assert list(months.index) == ["2014-03", "2014-04"]
    assert months.loc["2014-03", "respondents"] == 2 and months.attrs["undated"] == 1
    # March: csat 5, 4 -> 100 %; nps 10, 7 -> 50
    assert months.loc["2014-03", "csat_top2_pct"] == pytest.approx(100.0)
    assert months.loc["2014-03", "nps"] == pytest.approx(50.0)
    plain = str(satisfaction.month_sentence(months)).replace("\\", "")
    assert "from 100.0 in 2014-03 to 0.0 in 2014-04" in plain
    assert "1 respondent without a date is left out" in plain


def test_breakdowns_without_the_optional_columns_say_so_plainly():
    bare = make_survey()
    assert satisfaction.by_segment(bare) is None and satisfaction.by_month(bare) is None
    for text in (
        satisfaction.segment_sentence(None),
        satisfaction.month_sentence(None),
        satisfaction.headline_sentence(bare),
    ):
        assert isinstance(text, Text) and str(text).startswith("No ")
    # The sentence says it once; the table helpers then show nothing rather than repeat it.
    assert satisfaction.show_by_segment(bare, "x") is None
    assert satisfaction.show_by_month(bare, "x") is None
    assert satisfaction.headline(bare) is None


def test_headline_table_and_sentence(survey):
    table = satisfaction.headline(survey)
    assert table.loc["CSAT top-2-box (% scoring 4–5)", "Value"] == pytest.approx(200 / 3)
    assert table.loc["CSAT top-2-box (% scoring 4–5)", "n"] == 3
    assert table.loc["NPS (% promoters − % detractors)", "n"] == 4
    assert math.isnan(table.loc["CES mean (1–7, higher = easier)", "Value"])
    plain = str(satisfaction.headline_sentence(survey)).replace("\\", "")
    assert plain.startswith("66.7% of 3 respondents rated their overall satisfaction 4 or 5")
    assert "Net Promoter Score is +25.0" in plain


def test_segment_sentence_names_most_and_least_satisfied(survey):
    plain = str(satisfaction.segment_sentence(satisfaction.by_segment(survey))).replace("\\", "")
    assert "By NPS, Not stated customers are the most satisfied (+100.0, n = 1)" in plain
    # postpaid (7 -> 0) and prepaid (10, 3 -> 0) tie; the first in table order is named
    assert "postpaid customers the least (+0.0, n = 1)" in plain


def test_show_by_segment_returns_a_numbered_table(survey):
    import carebook

    carebook.setup(4)
    table = satisfaction.show_by_segment(survey, "Satisfaction by segment")
    assert table.label == "Table 4.1: Satisfaction by segment"


def test_input_untouched(survey):
    before = survey.copy()
    satisfaction.survey_metrics(survey)
    satisfaction.by_segment(survey)
    satisfaction.by_month(survey)
    pd.testing.assert_frame_equal(survey, before)


def test_tz_aware_survey_dates_are_grouped_by_their_own_month():
    survey = make_survey(
        n=2,
        csat=scores([5, 1]),
        date=pd.to_datetime(["2014-03-31 23:00", "2014-04-01 01:00"]).tz_localize("UTC"),
    )
    assert list(satisfaction.by_month(survey).index) == ["2014-03", "2014-04"]
    assert np.isfinite(satisfaction.by_month(survey)["csat_mean"]).all()
