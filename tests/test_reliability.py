import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from carebook.reliability import cronbach_alpha, signed_rank

# --------------------------------------------------------------------- Cronbach's alpha


def test_alpha_of_a_hand_worked_three_by_three_case():
    # Items (columns) 1,2,3 / 2,3,3 / 2,3,4 per respondent (rows):
    # item variances (ddof=1): 1, 1/3, 1  -> sum 7/3
    # totals 5, 8, 10 -> mean 23/3, variance ((8/3)^2 + (1/3)^2 + (7/3)^2) / 2 = 19/3
    # alpha = 3/2 * (1 - (7/3) / (19/3)) = 3/2 * 12/19 = 18/19
    items = np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4]])
    result = cronbach_alpha(items)
    assert result.alpha == pytest.approx(18 / 19)
    assert (result.n, result.k) == (3, 3)


def test_alpha_matches_the_published_listwise_value_with_missing_answers():
    # Real Statistics "Cronbach's alpha with missing data" example, as shipped with
    # pingouin (datasets/cronbach_wide_missing.csv): 12 respondents, 11 dichotomous items,
    # 3 respondents with a blank. Listwise deletion (R psych::alpha(use="complete.obs"),
    # pingouin nan_policy="listwise") gives 0.80 over the 9 complete respondents.
    nan = np.nan
    rows = [
        [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0],
        [nan, 0, 1, 1, nan, 1, 1, 1, 1, 0, 0],
        [1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0],
        [1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0],
        [0, 1, nan, 0, 1, 1, 1, 1, 0, 0, 0],
        [1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
        [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
        [0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 0],
        [1, 0, 0, 1, 0, 1, 0, 0, nan, 0, 0],
        [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        [1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
    ]
    frame = pd.DataFrame(rows, columns=[f"Q{i}" for i in range(1, 12)]).astype("Int8")
    result = cronbach_alpha(frame)
    assert round(result.alpha, 2) == 0.80
    assert result.n == 9 and result.k == 11


def test_alpha_uses_only_respondents_who_answered_every_item():
    items = pd.DataFrame(
        {"a": [1, 2, 3, 7], "b": [2, 3, 3, pd.NA], "c": [2, 3, 4, 1]}, dtype="Int8"
    )
    # The fourth respondent skipped b, so the result is the 3x3 case above.
    assert cronbach_alpha(items).alpha == pytest.approx(18 / 19)
    assert cronbach_alpha(items).n == 3


@pytest.mark.parametrize(
    "items",
    [
        np.array([[1, 2], [1, 2], [1, 2]]),  # no variance in the total
        np.array([[1, 2, 3]]),  # a single respondent
        np.array([[1], [2], [3]]),  # a single item
        np.array([[1, np.nan], [np.nan, 2]]),  # nobody answered everything
    ],
)
def test_alpha_is_none_when_it_cannot_be_computed(items):
    assert cronbach_alpha(items).alpha is None


def test_alpha_can_be_negative():
    # Items 1,2,3 and 3,1,2: item variances 1 and 1; totals 4,3,5 -> variance 1;
    # alpha = 2 * (1 - 2/1) = -2 (a sign that items disagree, not an error).
    assert cronbach_alpha(np.array([[1, 3], [2, 1], [3, 2]])).alpha == pytest.approx(-2.0)


# --------------------------------------------------------------------- signed-rank test

# Hollander and Wolfe (1973, p. 29): Hamilton depression scale, first (x) and second (y)
# visit, the example of R's ?wilcox.test: wilcox.test(x, y, paired = TRUE,
# alternative = "greater") gives V = 40, p-value = 0.01953.
X = np.array([1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30])
Y = np.array([0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29])


def test_signed_rank_reproduces_r_wilcox_test_example():
    # d = x - y = .952 -.147 1.022 .43 .62 .59 .49 -.08 .01
    # ranks of |d|: .01->1 .08->2 .147->3 .43->4 .49->5 .59->6 .62->7 .952->8 1.022->9
    # T- = 2 + 3 = 5, T+ = 45 - 5 = 40 (R's V).
    # Exact: P(T- <= 5) = #subsets of {1..9} with sum <= 5 / 2^9 = 10/512 = 0.01953 (R's
    # one-sided p); two-sided 20/512 = 0.0390625.
    res = signed_rank(X - Y)
    assert res.t_plus == 40 and res.t_minus == 5
    assert res.statistic == 5
    assert res.n == 9 and res.zeros == 0
    assert res.p_value == pytest.approx(20 / 512)
    # rank-biserial (40 - 5) / 45 = 0.7778
    assert res.rank_biserial == pytest.approx(35 / 45)
    # z = (40 - 9*10/4) / sqrt(9*10*19/24) = 17.5 / sqrt(71.25) = 2.0732
    assert res.z == pytest.approx(17.5 / math.sqrt(71.25))


def test_signed_rank_drops_zeros_and_corrects_z_for_ties():
    # d = 1, 1, -2, 3, 0, NaN: the zero and the NaN are dropped (n = 4).
    # |d| = 1, 1, 2, 3 -> ranks 1.5, 1.5, 3, 4; T+ = 1.5 + 1.5 + 4 = 7, T- = 3.
    # var = 4*5*9/24 - (2^3 - 2)/48 = 7.5 - 0.125 = 7.375; z = (7 - 5) / sqrt(7.375)
    res = signed_rank(np.array([1, 1, -2, 3, 0, np.nan]))
    assert (res.n, res.zeros, res.t_plus, res.t_minus) == (4, 1, 7.0, 3.0)
    assert res.rank_biserial == pytest.approx(0.4)
    assert res.z == pytest.approx(2 / math.sqrt(7.375))
    # scipy's own normal approximation (on min(T+, T-)) agrees in size.
    scipy_z = stats.wilcoxon([1, 1, -2, 3], method="asymptotic").zstatistic
    assert abs(scipy_z) == pytest.approx(abs(res.z))


def test_signed_rank_of_a_large_sample_uses_the_normal_approximation():
    rng = np.random.default_rng(7)
    d = rng.normal(-0.3, 1, 500)
    res = signed_rank(d)
    expected = stats.norm.sf(abs(res.z)) * 2
    assert res.p_value == pytest.approx(expected, rel=1e-6)
    assert res.rank_biserial < 0


def test_signed_rank_without_non_zero_differences_has_no_p_value():
    res = signed_rank(pd.Series([0.0, 0.0, np.nan]))
    assert res.n == 0 and res.zeros == 2
    assert res.p_value is None and res.z is None and res.rank_biserial is None
