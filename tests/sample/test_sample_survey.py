"""survey.csv of the committed sample: layout, SERVQUAL reliability and gaps, scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carebook.paths import SAMPLE_CASE
from carebook.sample.survey import (
    DIMENSIONS,
    EXPECTATION_MEANS,
    ITEM_DIMENSION,
    ITEM_GAPS,
    _rounded_clipped_mean,
    latent_mean,
)

TARGET_GAPS = {"tangibles": -0.35, "reliability": -1.05, "responsiveness": -0.95,
               "assurance": -0.55, "empathy": -0.75}
WEIGHTS = ["W_tangibles", "W_reliability", "W_responsiveness", "W_assurance", "W_empathy"]


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return pd.read_csv(SAMPLE_CASE / "survey.csv", dtype={"respondent_id": str, "date": str,
                                                          "segment": str})


def alpha(items: pd.DataFrame) -> float:
    """Cronbach's alpha, k/(k-1) * (1 - sum of item variances / variance of the total)."""
    complete = items.dropna()
    k = complete.shape[1]
    return k / (k - 1) * (1 - complete.var(ddof=1).sum() / complete.sum(axis=1).var(ddof=1))


def items_of(dim: str, prefix: str) -> list[str]:
    return [f"{prefix}{i}" for i, d in ITEM_DIMENSION.items() if d == dim]


def test_alpha_helper_matches_a_hand_computed_value():
    # Items (1,2,3) and (2,3,5): variances 1 and 7/3; totals (3,5,8) have variance 19/3.
    # alpha = 2 * (1 - (1 + 7/3) / (19/3)) = 2 * 9/19 = 18/19.
    assert alpha(pd.DataFrame({"a": [1, 2, 3], "b": [2, 3, 5]})) == pytest.approx(18 / 19)


def test_columns_in_contract_order(survey):
    expected = (["respondent_id", "date", "segment"] + [f"E{i}" for i in range(1, 23)]
                + [f"P{i}" for i in range(1, 23)] + WEIGHTS + ["csat", "nps", "ces"])
    assert list(survey.columns) == expected
    assert len(survey) == 50_000


def test_ids_are_unique_and_formatted(survey):
    assert survey["respondent_id"].is_unique
    assert survey["respondent_id"].str.fullmatch(r"R\d{6}").all()


def test_dates_spread_over_january_to_november_2014(survey):
    dates = pd.to_datetime(survey["date"], format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp("2014-01-01") and dates.max() <= pd.Timestamp("2014-11-21")
    assert sorted(dates.dt.month.unique()) == list(range(1, 12))


def test_segments_have_sensible_shares(survey):
    shares = survey["segment"].value_counts(normalize=True)
    assert set(shares.index) == {"prepaid", "postpaid", "business"}
    assert shares["prepaid"] > shares["postpaid"] > shares["business"] > 0.03


def test_items_are_whole_numbers_1_to_7_with_a_few_unanswered(survey):
    items = survey[[f"{s}{i}" for s in "EP" for i in range(1, 23)]]
    values = items.to_numpy()
    answered = values[~np.isnan(values)]
    assert ((answered >= 1) & (answered <= 7)).all() and (answered == np.round(answered)).all()
    assert 0.01 <= items.isna().to_numpy().mean() <= 0.02


@pytest.mark.parametrize("dim", DIMENSIONS)
@pytest.mark.parametrize("prefix", ["E", "P"])
def test_alpha_per_dimension_is_between_075_and_090(survey, dim, prefix):
    assert 0.75 <= alpha(survey[items_of(dim, prefix)]) <= 0.90


@pytest.mark.parametrize("dim", DIMENSIONS)
def test_dimension_gap_is_within_015_of_target(survey, dim):
    # interface.md: item gap = mean of P_i - E_i over respondents who answered both;
    # dimension gap = mean of its item gaps.
    gaps = [(survey[f"P{i}"] - survey[f"E{i}"]).mean() for i in
            (int(c[1:]) for c in items_of(dim, "E"))]
    assert np.mean(gaps) == pytest.approx(TARGET_GAPS[dim], abs=0.15)


@pytest.mark.parametrize("dim", DIMENSIONS)
def test_expectations_and_perceptions_in_the_telecom_range(survey, dim):
    e = survey[items_of(dim, "E")].mean().mean()
    p = survey[items_of(dim, "P")].mean().mean()
    assert 6.0 <= e <= 6.6
    assert 4.8 <= p <= 5.9


def test_reliability_and_responsiveness_have_the_widest_gaps(survey):
    gap = {d: (survey[items_of(d, "P")].to_numpy() - survey[items_of(d, "E")].to_numpy())
           for d in DIMENSIONS}
    order = sorted(DIMENSIONS, key=lambda d: np.nanmean(gap[d]))
    assert set(order[:2]) == {"reliability", "responsiveness"} and order[-1] == "tangibles"


def test_weights_sum_to_exactly_100_and_average_the_benchmark_allocation(survey):
    w = survey[WEIGHTS]
    given = w.dropna()
    assert 0 < w.isna().all(axis=1).mean() < 0.06
    assert w.isna().any(axis=1).sum() == w.isna().all(axis=1).sum()  # all five or none
    assert (given.sum(axis=1) == 100).all() and (given >= 0).all().all()
    assert (given == given.round()).all().all()
    means = given.mean()
    for col, target in zip(WEIGHTS, [11, 32, 22, 19, 16], strict=True):
        assert means[col] == pytest.approx(target, abs=1.0)


def test_scores_are_in_range_and_plausible(survey):
    csat, nps, ces = survey["csat"].dropna(), survey["nps"].dropna(), survey["ces"].dropna()
    assert csat.between(1, 5).all() and nps.between(0, 10).all() and ces.between(1, 7).all()
    assert 60 <= 100 * (csat >= 4).mean() <= 75
    net = 100 * ((nps >= 9).mean() - (nps <= 6).mean())
    assert -10 <= net <= 15
    assert survey["nps"].isna().sum() > 0


def test_scores_follow_the_respondents_perceptions(survey):
    level = survey[[f"P{i}" for i in range(1, 23)]].mean(axis=1)
    for score in ("csat", "nps", "ces"):
        assert level.corr(survey[score]) > 0.3


def test_item_targets_average_to_the_dimension_targets():
    for dim in DIMENSIONS:
        items = [i for i, d in ITEM_DIMENSION.items() if d == dim]
        assert np.mean([ITEM_GAPS[i] for i in items]) == pytest.approx(TARGET_GAPS[dim])
        assert 6.0 <= np.mean([EXPECTATION_MEANS[i] for i in items]) <= 6.6


def test_latent_mean_undoes_rounding_and_clipping():
    # A latent mean in the middle of the scale is symmetric about 4, so it is its own answer.
    assert latent_mean(4.0, 1.0) == pytest.approx(4.0, abs=1e-9)
    # Near the ceiling the latent mean must sit above the target to make up for clipping.
    mu = latent_mean(6.5, 0.85)
    assert mu > 6.5
    assert _rounded_clipped_mean(mu, 0.85) == pytest.approx(6.5, abs=1e-9)
    with pytest.raises(ValueError):
        latent_mean(7.0, 1.0)
