"""Reliability and significance: Cronbach's alpha and the Wilcoxon signed-rank test.

Both work on plain numeric arrays so that they can be checked against published
examples; :mod:`carebook.servqual` applies them to the SERVQUAL dimensions.

Cronbach's alpha (Cronbach, 1951) is computed over the respondents who answered *every*
item of the scale (listwise deletion, as R ``psych::alpha(use = "complete.obs")``), with
sample variances (``ddof = 1``).

The signed-rank test takes paired differences, drops the zero differences (Wilcoxon's
own convention, ``zero_method="wilcox"``), and gets its p-value from
:func:`scipy.stats.wilcoxon` (exact for small samples, the normal approximation with a
tie correction for large ones). The effect size is the **matched-pairs rank-biserial
correlation** ``r_rb = (T+ - T-) / (T+ + T-)`` (Kerby, 2014): the share of the ranked
evidence favouring a positive difference minus the share favouring a negative one, from
-1 (every non-zero difference negative) to +1.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Alpha", "SignedRank", "cronbach_alpha", "signed_rank"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alpha:
    """Cronbach's alpha of one scale.

    Attributes
    ----------
    alpha : float or None
        The coefficient; ``None`` when it cannot be computed (fewer than two items,
        fewer than two complete respondents, or no variance in the total score).
    n : int
        Respondents who answered every item (the ones alpha is computed over).
    k : int
        Number of items.
    """

    alpha: float | None
    n: int
    k: int


@dataclass(frozen=True)
class SignedRank:
    """Result of a Wilcoxon signed-rank test on paired differences.

    Attributes
    ----------
    n : int
        Pairs with a non-zero difference (the pairs the test ranks).
    zeros : int
        Pairs with a zero difference, dropped before ranking.
    t_plus, t_minus : float
        Sums of the ranks of the positive and of the negative differences.
    statistic : float
        ``min(T+, T-)``, the two-sided statistic (R's ``V`` is ``T+``).
    z : float or None
        Normal approximation ``(T+ - n(n+1)/4) / sd`` with the tie correction and no
        continuity correction; ``None`` when ``n == 0``.
    p_value : float or None
        Two-sided p-value from :func:`scipy.stats.wilcoxon` (``method="auto"``);
        ``None`` when ``n == 0``.
    rank_biserial : float or None
        ``(T+ - T-) / (T+ + T-)``; ``None`` when ``n == 0``.
    """

    n: int
    zeros: int
    t_plus: float
    t_minus: float
    statistic: float
    z: float | None
    p_value: float | None
    rank_biserial: float | None


def cronbach_alpha(items: pd.DataFrame | np.ndarray) -> Alpha:
    """Return Cronbach's alpha of a set of items (one column per item).

    Parameters
    ----------
    items : DataFrame or 2-D array
        One row per respondent, one column per item; missing answers as ``NaN`` or
        ``<NA>``. Not modified.

    Returns
    -------
    Alpha
        Alpha with the number of complete respondents and of items.

    Notes
    -----
    ``alpha = k / (k - 1) * (1 - sum(var(item)) / var(total))`` over the respondents who
    answered all *k* items, each variance with ``ddof = 1``. This is the value R's
    ``psych::alpha(x, use = "complete.obs")`` reports as ``raw_alpha``.

    Examples
    --------
    >>> round(cronbach_alpha(np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4]])).alpha, 4)
    0.9474
    """
    values = _as_float(items)
    if values.ndim == 1:  # a single item
        values = values.reshape(-1, 1)
    k = values.shape[1]
    incomplete = np.isnan(values).any(axis=1)
    complete = values[~incomplete] if incomplete.any() else values
    n = int(complete.shape[0])
    if k < 2 or n < 2:
        return Alpha(alpha=None, n=n, k=k)
    item_variance = complete.var(axis=0, ddof=1).sum()
    total_variance = complete.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        log.debug("alpha undefined: the total score does not vary over %d respondents", n)
        return Alpha(alpha=None, n=n, k=k)
    alpha = k / (k - 1) * (1.0 - item_variance / total_variance)
    return Alpha(alpha=float(alpha), n=n, k=k)


def signed_rank(differences: pd.Series | np.ndarray) -> SignedRank:
    """Run a two-sided Wilcoxon signed-rank test on paired differences.

    Parameters
    ----------
    differences : Series or 1-D array
        One difference per pair (for SERVQUAL, ``P - E``); ``NaN`` entries are ignored.

    Returns
    -------
    SignedRank
        Ranks sums, the two-sided p-value, the normal-approximation *z* and the
        matched-pairs rank-biserial correlation.

    Notes
    -----
    Zero differences are dropped before ranking; tied absolute differences get their
    mean rank. *z* uses ``var = n(n+1)(2n+1)/24 - sum(t^3 - t)/48`` over the tie groups
    *t*. The p-value is scipy's: exact when there are at most 50 pairs and no ties,
    an exhaustive permutation for at most 13 tied pairs, the tie-corrected normal
    approximation otherwise.

    Examples
    --------
    Hollander and Wolfe's depression-scale example from R's ``wilcox.test`` help page
    (``V = 40``):

    >>> x = np.array([1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30])
    >>> y = np.array([0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29])
    >>> res = signed_rank(x - y)
    >>> res.t_plus, round(res.p_value, 5), round(res.rank_biserial, 3)
    (40.0, 0.03906, 0.778)
    """
    from scipy import stats

    d = _as_float(differences).ravel()
    d = d[~np.isnan(d)]
    nonzero = d[d != 0]
    zeros = int(d.size - nonzero.size)
    n = int(nonzero.size)
    if n == 0:
        return SignedRank(
            n=0,
            zeros=zeros,
            t_plus=0.0,
            t_minus=0.0,
            statistic=0.0,
            z=None,
            p_value=None,
            rank_biserial=None,
        )
    ranks = stats.rankdata(np.abs(nonzero))
    t_plus = float(ranks[nonzero > 0].sum())
    t_minus = float(ranks[nonzero < 0].sum())
    _, tie_counts = np.unique(ranks, return_counts=True)
    tie_term = float(((tie_counts.astype(float) ** 3) - tie_counts).sum()) / 48.0
    variance = n * (n + 1) * (2 * n + 1) / 24.0 - tie_term
    z = (t_plus - n * (n + 1) / 4.0) / math.sqrt(variance) if variance > 0 else None
    result = stats.wilcoxon(nonzero, zero_method="wilcox", alternative="two-sided")
    return SignedRank(
        n=n,
        zeros=zeros,
        t_plus=t_plus,
        t_minus=t_minus,
        statistic=min(t_plus, t_minus),
        z=float(z) if z is not None else None,
        p_value=float(result.pvalue),
        rank_biserial=(t_plus - t_minus) / (t_plus + t_minus),
    )


def _as_float(values: pd.DataFrame | pd.Series | np.ndarray) -> np.ndarray:
    """Return *values* as a float array with ``NaN`` for every missing value."""
    if isinstance(values, (pd.DataFrame, pd.Series)):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    array = np.asarray(values, dtype="float64")
    return array if array.ndim else array.reshape(1)
