"""SERVQUAL against a hand-worked three-respondent survey.

The fixture: every E item is 6 and every P item 5 (gap -1) except
  E1 = 7, 6, <NA>    P1 = 5, 6, 4
  P2 = 7, 7, 7       P3 = 5, 6, 4
  P5 = <NA> for everyone (item answered by nobody)
Weights: respondent 1 allocates 10/30/20/20/20, respondent 2 20/40/20/10/10,
respondent 3 gave none.
"""

import math

import numpy as np
import pandas as pd
import pytest

from carebook import servqual
from carebook.errors import InputError
from carebook.narrative import Text

NA = pd.NA


def make_survey(n=3, e=6, p=5, overrides=None, weights=None, **extra):
    cols = {"respondent_id": pd.array([f"R{i}" for i in range(1, n + 1)], dtype="str")}
    for i in range(1, 23):
        cols[f"E{i}"] = pd.array([e] * n, dtype="Int8")
        cols[f"P{i}"] = pd.array([p] * n, dtype="Int8")
    for name, values in (overrides or {}).items():
        cols[name] = pd.array(values, dtype="Int8")
    if weights is not None:
        for d, values in zip(servqual.DIMENSIONS, zip(*weights, strict=True), strict=True):
            cols[f"W_{d}"] = np.array(values, dtype="float64")
    for name, values in extra.items():
        cols[name] = values
    return pd.DataFrame(cols)


NAN5 = (math.nan,) * 5


@pytest.fixture
def tiny():
    return make_survey(
        overrides={
            "E1": [7, 6, NA],
            "P1": [5, 6, 4],
            "P2": [7, 7, 7],
            "P3": [5, 6, 4],
            "P5": [NA, NA, NA],
        },
        weights=[(10, 30, 20, 20, 20), (20, 40, 20, 10, 10), NAN5],
    )


def test_item_means_use_respondents_who_answered(tiny):
    items = servqual.item_summary(tiny)
    # E1 over the two who answered: (7 + 6) / 2; P1 over all three: (5 + 6 + 4) / 3
    assert items.loc[1, "expectation"] == pytest.approx(6.5)
    assert items.loc[1, "perception"] == pytest.approx(5.0)
    # gap over respondents with both: (5 - 7) and (6 - 6) -> -1, not 5 - 6.5
    assert items.loc[1, "gap"] == pytest.approx(-1.0)
    assert items.loc[1, ["n_expectation", "n_perception", "n_pairs"]].tolist() == [2, 3, 2]
    assert items.loc[2, "gap"] == pytest.approx(1.0)
    assert math.isnan(items.loc[5, "perception"]) and math.isnan(items.loc[5, "gap"])
    assert items.loc[5, "n_pairs"] == 0
    assert items.loc[7, "dimension"] == "reliability"
    assert list(items.index) == list(range(1, 23))


def test_dimension_figures_are_means_of_item_figures(tiny):
    summary = servqual.dimension_summary(tiny)
    assert list(summary.index) == list(servqual.DIMENSIONS)
    # tangibles E: (6.5 + 6 + 6 + 6) / 4; P: (5 + 7 + 5 + 5) / 4; gap: (-1 + 1 - 1 - 1) / 4
    assert summary.loc["tangibles", "expectation"] == pytest.approx(6.125)
    assert summary.loc["tangibles", "perception"] == pytest.approx(5.5)
    assert summary.loc["tangibles", "gap"] == pytest.approx(-0.5)
    assert summary.loc["tangibles", "servperf"] == summary.loc["tangibles", "perception"]
    # reliability: item 5 has no perception, so P and gap are over items 6-9 only
    assert summary.loc["reliability", "perception"] == pytest.approx(5.0)
    assert summary.loc["reliability", "gap"] == pytest.approx(-1.0)
    assert summary.loc["reliability", "expectation"] == pytest.approx(6.0)
    assert summary.loc["empathy", "items"] == 5
    assert summary.loc["tangibles", "respondents"] == 3


def test_weights_are_mean_allocation_over_rows_with_weights(tiny):
    # (10 + 20) / 2 / 100, (30 + 40) / 2 / 100, ...; respondent 3 has none
    assert servqual.weights(tiny) == pytest.approx(
        {
            "tangibles": 0.15,
            "reliability": 0.35,
            "responsiveness": 0.20,
            "assurance": 0.15,
            "empathy": 0.15,
        }
    )


def test_overall_weighted_and_servperf_scores(tiny):
    s = servqual.scores(tiny)
    # (-0.5 - 1 - 1 - 1 - 1) / 5
    assert s["overall_gap"] == pytest.approx(-0.9)
    # 0.15 * -0.5 + (0.35 + 0.20 + 0.15 + 0.15) * -1 = -0.075 - 0.85
    assert s["weighted_gap"] == pytest.approx(-0.925)
    # Per respondent: R1 tangibles gaps -2, +1, -1, -1 -> -0.75, others -1:
    #   0.10 * -0.75 + 0.90 * -1 = -0.975
    # R2 tangibles gaps 0, +1, 0, -1 -> 0, others -1: 0.20 * 0 + 0.80 * -1 = -0.8
    # mean (-0.975 - 0.8) / 2 = -0.8875 over 2 respondents
    assert s["respondent_weighted_gap"] == pytest.approx(-0.8875)
    assert s["respondent_weighted_n"] == 2 and s["weighted_rows"] == 2
    # SERVPERF (5.5 + 5 + 5 + 5 + 5) / 5
    assert s["servperf"] == pytest.approx(5.1)
    quick = servqual.scores(tiny, per_respondent=False)
    assert quick["respondent_weighted_gap"] is None and quick["weighted_gap"] == s["weighted_gap"]


def test_item_summary_built_elsewhere_still_gives_respondent_counts(tiny):
    items = servqual.item_summary(tiny)
    items.attrs.clear()
    assert servqual.dimension_summary(tiny, items)["respondents"].tolist() == [3] * 5


def test_without_weights_the_weighted_scores_are_none(tiny):
    plain = tiny.drop(columns=[c for c in tiny.columns if c.startswith("W_")])
    assert servqual.weights(plain) is None
    s = servqual.scores(plain)
    assert s["weighted_gap"] is None and s["respondent_weighted_gap"] is None
    assert servqual.dimension_summary(plain)["weight"].isna().all()
    assert "Weight" not in servqual.dimension_table(servqual.dimension_summary(plain)).columns
    assert "Weighted SERVQUAL (P − E)" not in servqual.score_table(plain).index
    assert "did not ask" in str(servqual.weights_sentence(plain))


def test_weight_columns_present_but_empty_count_as_no_weights():
    survey = make_survey(weights=[NAN5, NAN5, NAN5])
    assert servqual.weights(survey) is None


def test_alpha_per_dimension(tiny):
    alphas = servqual.alpha_table(tiny)
    # tangibles P: P1 = P3 = 5,6,4 (var 1 each), P2, P4 constant; totals 22, 24, 20 (var 4)
    # alpha = 4/3 * (1 - 2/4) = 2/3
    assert alphas.loc["tangibles", "alpha_perception"] == pytest.approx(2 / 3)
    assert alphas.loc["tangibles", "n_perception"] == 3
    # E1 missing for R3: alpha over the two complete respondents (totals 25, 24;
    # item variances 0.5, 0, 0, 0; total variance 0.5) = 4/3 * (1 - 1) = 0
    assert alphas.loc["tangibles", "n_expectation"] == 2
    assert alphas.loc["tangibles", "alpha_expectation"] == pytest.approx(0.0)
    # reliability P5 answered by nobody: no complete respondent, no alpha
    assert alphas.loc["reliability", "n_perception"] == 0
    assert math.isnan(alphas.loc["reliability", "alpha_perception"])
    # constant answers: no variance, no alpha
    assert math.isnan(alphas.loc["empathy", "alpha_perception"])
    only_p = servqual.alpha_table(tiny, kinds=("perception",))
    assert list(only_p.columns) == ["items", "alpha_perception", "n_perception"]


def test_signed_rank_per_dimension_on_respondent_means(tiny):
    tests = servqual.significance(tiny)
    # tangibles respondent gaps: R1 -0.75, R2 0 (dropped), R3 (1 - 2 - 1) / 3 = -2/3
    # ranks: 2/3 -> 1, 0.75 -> 2; T+ = 0, T- = 3; exact two-sided p (n = 2) = 2/4
    row = tests.loc["tangibles"]
    assert row["respondents"] == 3 and row["zeros"] == 1 and row["n"] == 2
    assert (row["t_plus"], row["t_minus"]) == (0, 3)
    assert row["p_value"] == pytest.approx(0.5)
    assert row["rank_biserial"] == pytest.approx(-1.0)
    assert row["mean_difference"] == pytest.approx((-0.75 + 0 - 2 / 3) / 3)
    assert not row["significant"]
    # z = (0 - 2*3/4) / sqrt(2*3*5/24)
    assert row["z"] == pytest.approx(-1.5 / math.sqrt(1.25))


def test_signed_rank_with_no_differences_is_not_testable():
    survey = make_survey(e=5, p=5)
    tests = servqual.significance(survey)
    assert tests["n"].eq(0).all()
    assert tests["p_value"].isna().all() and tests["significant"].isna().all()


def test_respondent_who_answered_no_pair_is_left_out_of_the_test():
    # R3 answers no tangibles E item: no tangibles pair.
    survey = make_survey(overrides={f"E{i}": [6, 6, NA] for i in (1, 2, 3, 4)})
    gaps = servqual.respondent_gaps(survey)
    assert math.isnan(gaps.loc[2, "tangibles"])
    assert servqual.significance(survey).loc["tangibles", "respondents"] == 2


def test_missing_item_columns_are_all_named():
    survey = make_survey().drop(columns=["P7", "E22"])
    with pytest.raises(InputError, match="E22.*P7|P7.*E22"):
        servqual.item_summary(survey)


def test_input_is_left_untouched(tiny):
    before = tiny.copy()
    servqual.dimension_summary(tiny)
    servqual.significance(tiny)
    servqual.alpha_table(tiny)
    servqual.scores(tiny)
    pd.testing.assert_frame_equal(tiny, before)


def test_display_tables_have_readable_labels(tiny):
    summary = servqual.dimension_summary(tiny)
    table = servqual.dimension_table(summary, servqual.significance(tiny))
    assert list(table.index) == [
        "Tangibles",
        "Reliability",
        "Responsiveness",
        "Assurance",
        "Empathy",
    ]
    assert {"Expectation", "Perception", "Gap", "Weight", "p (Wilcoxon)", "n"} <= set(table.columns)
    assert table.loc["Tangibles", "p (Wilcoxon)"] == "0.500"
    items = servqual.item_table(servqual.item_summary(tiny))
    assert items.index[0] == "T1 Up-to-date equipment" and len(items) == 22
    assert list(servqual.alpha_display(servqual.alpha_table(tiny)).columns)[:2] == [
        "Items",
        "α expectation",
    ]
    scores = servqual.score_table(tiny)
    assert scores.loc["Weighted SERVQUAL (P − E)", "Value"] == pytest.approx(-0.925)
    assert scores.loc["Weighted SERVQUAL per respondent", "n"] == 2


def test_gap_sentence_names_the_widest_gap_and_its_test():
    summary = pd.DataFrame(
        {"gap": [-0.35, -1.05, -0.95, -0.55, -0.75]}, index=list(servqual.DIMENSIONS)
    )
    tests = pd.DataFrame(
        {
            "p_value": [0.2, 0.0001, 0.01, 0.03, 0.02],
            "rank_biserial": [-0.1, -0.41, -0.3, -0.2, -0.2],
            "respondents": [300] * 5,
        },
        index=list(servqual.DIMENSIONS),
    )
    text = servqual.gap_sentence(summary, tests)
    assert isinstance(text, Text)
    plain = str(text).replace("\\", "")
    assert plain.startswith(
        "Reliability has the widest gap, −1.05 points, significant at p < 0.001"
    )
    assert "r = −0.41, n = 300" in plain
    assert "Tangibles has the narrowest, −0.35 points" in plain
    assert "all five dimensions" in plain


def test_gap_sentence_for_surpluses_and_non_significance():
    summary = pd.DataFrame({"gap": [0.2, 0.1, 0.3, 0.4, 0.5]}, index=["tangibles", "reliability", "responsiveness", "assurance", "empathy"])
    tests = pd.DataFrame(
        {"p_value": [0.5] * 5, "rank_biserial": [0.1] * 5, "respondents": [4] * 5},
        index=list(servqual.DIMENSIONS),
    )
    plain = str(servqual.gap_sentence(summary, tests)).replace("\\", "")
    assert "No dimension falls short" in plain and "not significant, p = 0.500" in plain
    assert "meet or exceed expectations in every dimension" in plain


def test_alpha_sentence_flags_low_alphas():
    alphas = pd.DataFrame(
        {"alpha_perception": [0.65, 0.85, 0.9, 0.8, math.nan]}, index=list(servqual.DIMENSIONS)
    )
    plain = str(servqual.alpha_sentence(alphas)).replace("\\", "")
    assert "from 0.65 (Tangibles) to 0.90 (Responsiveness)" in plain
    assert "Tangibles falls below the usual 0.70" in plain
    assert "No alpha could be computed for Empathy" in plain


def test_format_p():
    assert servqual.format_p(0.0004) == "p < 0.001"
    assert servqual.format_p(0.0123) == "p = 0.012"
    assert servqual.format_p(None) == "p n/a"


def test_alpha_sentence_with_equal_alphas_names_no_range():
    alphas = pd.DataFrame({"alpha_perception": [1.0] * 5}, index=["tangibles", "reliability", "responsiveness", "assurance", "empathy"])
    text = str(servqual.alpha_sentence(alphas)).replace("\\", "")
    assert "ranges from" not in text
    assert "is 1.00 for every dimension" in text and "repeat each other" in text
