"""The synthetic SERVQUAL survey of the sample case (``survey.csv``).

Each respondent answers the 22 SERVQUAL items twice, as expectation (``E``) and
perception (``P``), on a 7-point scale, allocates 100 points of importance across the five
dimensions, and gives an overall CSAT (1-5), a likelihood to recommend (NPS, 0-10) and a
customer effort score (CES 2.0, 1-7, higher = easier).

Items are drawn from latent factors, as carebook's domain brief recommends (section 3.2):
independent random items would give a Cronbach's alpha near zero, which a tutor would
notice. Per respondent there is one general factor for expectations and one for
perceptions; each dimension's factor mixes the general one with its own, and each item
loads on its dimension's factor::

    f_d   = sqrt(RHO) * g + sqrt(1 - RHO) * u_d
    z_i   = LOADING * f_d + sqrt(1 - LOADING**2) * e_i + shift(segment, date)
    item  = clip(round(mu_i + SD * z_i), 1, 7)

``mu_i`` is solved so that the *rounded and clipped* item has the target mean exactly (in
expectation), so the dimension gaps land on the targets of the brief rather than being
pulled towards the middle by the ceiling at 7. With ``LOADING`` 0.78 the per-dimension
alpha of both E and P items lands between 0.75 and 0.90 (ceiling effects lower it for the
expectation items). CSAT, NPS and CES are ordinal cuts of a score correlated with the
respondent's general perception factor, so satisfied respondents rate the items higher.
"""

from __future__ import annotations

import logging
from pathlib import Path
from statistics import NormalDist

import numpy as np

from carebook.sample._csv import Coded, id_column, small_int_table, write_columns

__all__ = [
    "DIMENSIONS",
    "ITEM_DIMENSION",
    "EXPECTATION_MEANS",
    "ITEM_GAPS",
    "HEADER",
    "generate_survey",
    "write_survey",
]

log = logging.getLogger(__name__)

DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
#: Items per dimension (Parasuraman, Zeithaml and Berry, 1988): 4 / 5 / 4 / 4 / 5.
ITEM_DIMENSION = {
    **{i: "tangibles" for i in range(1, 5)},
    **{i: "reliability" for i in range(5, 10)},
    **{i: "responsiveness" for i in range(10, 14)},
    **{i: "assurance" for i in range(14, 18)},
    **{i: "empathy" for i in range(18, 23)},
}

# Target item means. Dimension means (the mean of the item means) follow the usual
# telecom pattern of the domain brief: expectations 6.0-6.6, reliability expected most;
# gaps T -0.35, Rel -1.05, Resp -0.95, A -0.55, E -0.75. Offsets within a dimension sum
# to zero so that items differ (useful for the item-level table and the IPA chart)
# without moving the dimension figure.
_DIM_E = {"tangibles": 6.05, "reliability": 6.55, "responsiveness": 6.40, "assurance": 6.30,
          "empathy": 6.15}
_DIM_GAP = {"tangibles": -0.35, "reliability": -1.05, "responsiveness": -0.95,
            "assurance": -0.55, "empathy": -0.75}
_E_OFFSETS = {
    "tangibles": (0.10, -0.15, 0.05, 0.00),
    "reliability": (0.05, 0.00, 0.10, -0.05, -0.10),
    "responsiveness": (0.05, 0.05, 0.00, -0.10),
    "assurance": (0.10, 0.00, -0.05, -0.05),
    "empathy": (0.00, 0.10, -0.10, 0.05, -0.05),
}
_GAP_OFFSETS = {
    "tangibles": (-0.10, 0.10, 0.05, -0.05),
    "reliability": (-0.15, 0.05, -0.05, -0.05, 0.20),
    "responsiveness": (0.10, -0.15, 0.10, -0.05),
    "assurance": (-0.05, 0.10, 0.05, -0.10),
    "empathy": (0.10, -0.20, 0.00, 0.05, 0.05),
}


def _per_item(
    dim_values: dict[str, float], offsets: dict[str, tuple[float, ...]]
) -> dict[int, float]:
    out: dict[int, float] = {}
    for dim in DIMENSIONS:
        items = [i for i, d in ITEM_DIMENSION.items() if d == dim]
        for item, offset in zip(items, offsets[dim], strict=True):
            out[item] = round(dim_values[dim] + offset, 4)
    return out


#: Target mean of each expectation item after rounding and clipping.
EXPECTATION_MEANS: dict[int, float] = _per_item(_DIM_E, _E_OFFSETS)
#: Target gap (P - E) of each item.
ITEM_GAPS: dict[int, float] = _per_item(_DIM_GAP, _GAP_OFFSETS)

LOADING = 0.78        # item loading on its dimension factor (domain brief: 0.75-0.8)
RHO = 0.45            # share of a dimension factor that is the general factor
E_SD, P_SD = 0.85, 1.25   # latent spread: expectations are high and tight, perceptions wider
MISSING_ITEM = 0.015  # share of item cells left unanswered
NO_WEIGHTS = 0.03     # share of respondents who skipped the 100-point allocation

SEGMENTS = ("prepaid", "postpaid", "business")
SEGMENT_SHARES = (0.62, 0.30, 0.08)   # most Chinese mobile users were prepaid in 2013-14
# Latent shifts (in SD units) by segment: business users expect more and perceive less,
# postpaid users are a little happier. Centred on the segment mix so the overall gaps
# stay on target.
_E_SHIFT = np.array([-0.03, 0.05, 0.15])
_P_SHIFT = np.array([0.00, 0.12, -0.18])
# Perceptions improve a little over the year (± 0.10 SD from January to November), so
# that a monthly chart has something to show.
_P_TREND = 0.20

#: Mean importance points per dimension (Zeithaml, Parasuraman and Berry, 1990).
WEIGHT_MEANS = {"tangibles": 11, "reliability": 32, "responsiveness": 22, "assurance": 19,
                "empathy": 16}
_WEIGHT_CONCENTRATION = 25.0   # Dirichlet concentration: about 9 points SD for reliability

# Ordinal answer shares (the marginal distribution each score is cut to).
CSAT_SHARES = (0.05, 0.08, 0.18, 0.44, 0.25)        # 1-5: top-2 box about 69%
NPS_SHARES = (0.02, 0.01, 0.02, 0.03, 0.04, 0.08, 0.08, 0.16, 0.24, 0.16, 0.16)  # 0-10: NPS ~ +4
CES_SHARES = (0.04, 0.07, 0.12, 0.17, 0.25, 0.22, 0.13)  # 1-7 agreement "made it easy"
# Correlation of each score with the general perception factor, and missing shares.
_SCORE_LINKS = {"csat": 0.70, "nps": 0.65, "ces": 0.55}
_SCORE_MISSING = {"csat": 0.005, "nps": 0.02, "ces": 0.01}

FIRST_DAY = np.datetime64("2014-01-01")
LAST_DAY = np.datetime64("2014-11-20")   # the eve of the report's submission date

HEADER: tuple[str, ...] = (
    "respondent_id", "date", "segment",
    *(f"E{i}" for i in range(1, 23)),
    *(f"P{i}" for i in range(1, 23)),
    *(f"W_{d}" for d in DIMENSIONS),
    "csat", "nps", "ces",
)


def _rounded_clipped_mean(mu: float, sd: float) -> float:
    """Mean of ``clip(round(mu + sd * Z), 1, 7)`` for standard normal ``Z``."""
    dist = NormalDist(mu, sd)
    below = [0.0] + [dist.cdf(k + 0.5) for k in range(1, 7)] + [1.0]
    return sum(k * (below[k] - below[k - 1]) for k in range(1, 8))


def latent_mean(target: float, sd: float) -> float:
    """Return the latent mean whose rounded, clipped 1-7 answers average *target*.

    Bisection works because the clipped mean rises monotonically with ``mu``.
    """
    if not 1.0 < target < 7.0:
        raise ValueError(f"target mean must lie strictly between 1 and 7, got {target}")
    low, high = -10.0, 20.0
    for _ in range(80):
        mid = (low + high) / 2
        if _rounded_clipped_mean(mid, sd) < target:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _cut(latent: np.ndarray, shares: tuple[float, ...], lowest: int) -> np.ndarray:
    """Cut a standard normal score into ordinal answers with the given shares."""
    cuts = [NormalDist().inv_cdf(c) for c in np.cumsum(shares)[:-1]]
    return (np.searchsorted(np.asarray(cuts), latent) + lowest).astype(np.int8)


def _items(
    rng: np.random.Generator, n: int, means: dict[int, float], sd: float, shift: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Draw the 22 items of one questionnaire; return (items, general factor)."""
    general = rng.standard_normal(n)
    out = np.empty((n, 22), dtype=np.int8)
    for dim in DIMENSIONS:
        cols = [i for i, d in ITEM_DIMENSION.items() if d == dim]
        factor = np.sqrt(RHO) * general + np.sqrt(1 - RHO) * rng.standard_normal(n)
        noise = rng.standard_normal((n, len(cols)))
        z = LOADING * factor[:, None] + np.sqrt(1 - LOADING**2) * noise + shift[:, None]
        mu = np.array([latent_mean(means[i], sd) for i in cols])
        out[:, [i - 1 for i in cols]] = np.clip(np.rint(mu + sd * z), 1, 7)
    return out, general


def _weights(rng: np.random.Generator, n: int) -> np.ndarray:
    """Whole-number 100-point allocations; every row sums to exactly 100."""
    alpha = _WEIGHT_CONCENTRATION * np.array([WEIGHT_MEANS[d] for d in DIMENSIONS]) / 100
    raw = rng.dirichlet(alpha, size=n) * 100
    floor = np.floor(raw)
    short = (100 - floor.sum(axis=1)).astype(int)
    # Largest-remainder rounding: the `short` dimensions with the biggest fractional
    # parts get one more point (ties broken by column order, deterministically).
    order = np.argsort(-(raw - floor), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(5)[None, :].repeat(n, axis=0), axis=1)
    return (floor + (rank < short[:, None])).astype(np.int8)


def generate_survey(seed: np.random.SeedSequence, n: int) -> dict[str, np.ndarray]:
    """Generate the survey as arrays, one per column.

    Parameters
    ----------
    seed : numpy.random.SeedSequence
        The survey's own seed sequence; it is split into independent streams for dates,
        segments, expectations, perceptions, missing answers, weights and scores.
    n : int
        Number of respondents.

    Returns
    -------
    dict of ndarray
        ``date`` (datetime64[D], ascending), ``segment`` (codes into :data:`SEGMENTS`),
        ``E1``..``P22``, ``W_<dimension>``, ``csat``, ``nps``, ``ces`` as int8 with
        ``-1`` for an empty cell.
    """
    r_date, r_segment, r_expect, r_perceive, r_missing, r_weights, r_scores = (
        np.random.default_rng(s) for s in seed.spawn(7)
    )
    span = int((LAST_DAY - FIRST_DAY).astype(int)) + 1
    day = np.sort(r_date.integers(0, span, size=n))
    segment = r_segment.choice(len(SEGMENTS), size=n, p=SEGMENT_SHARES).astype(np.int8)
    shares = np.array(SEGMENT_SHARES)

    e_shift = _E_SHIFT[segment] - shares @ _E_SHIFT
    p_shift = _P_SHIFT[segment] - shares @ _P_SHIFT + _P_TREND * (day / max(span - 1, 1) - 0.5)
    p_means = {i: EXPECTATION_MEANS[i] + ITEM_GAPS[i] for i in EXPECTATION_MEANS}
    expect, _ = _items(r_expect, n, EXPECTATION_MEANS, E_SD, e_shift)
    perceive, general = _items(r_perceive, n, p_means, P_SD, p_shift)

    items = np.hstack([expect, perceive])
    items[r_missing.random(items.shape) < MISSING_ITEM] = -1

    weights = _weights(r_weights, n)
    weights[r_weights.random(n) < NO_WEIGHTS] = -1

    # The respondent's perception level: the general factor plus the segment and date
    # shift, scaled back to unit variance for the ordinal cuts.
    level = general + p_shift
    level = (level - level.mean()) / (level.std() or 1.0)
    scores: dict[str, np.ndarray] = {}
    for name, shares_, lowest in (("csat", CSAT_SHARES, 1), ("nps", NPS_SHARES, 0),
                                  ("ces", CES_SHARES, 1)):
        link = _SCORE_LINKS[name]
        latent = link * level + np.sqrt(1 - link**2) * r_scores.standard_normal(n)
        values = _cut(latent, shares_, lowest)
        values[r_scores.random(n) < _SCORE_MISSING[name]] = -1
        scores[name] = values

    columns: dict[str, np.ndarray] = {"date": FIRST_DAY + day, "segment": segment}
    for j, name in enumerate(HEADER[3:47]):
        columns[name] = np.ascontiguousarray(items[:, j])
    for j, dim in enumerate(DIMENSIONS):
        columns[f"W_{dim}"] = np.ascontiguousarray(weights[:, j])
    columns.update(scores)
    return columns


def _coded(values: np.ndarray, low: int, high: int) -> Coded:
    codes = np.where(values < 0, 0, values.astype(np.int16) - low + 1)
    return Coded(codes, small_int_table(low, high))


def write_survey(path: Path, seed: np.random.SeedSequence, n: int) -> Path:
    """Generate *n* respondents from *seed* and write them to *path* as ``survey.csv``."""
    data = generate_survey(seed, n)
    ranges = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
    columns: list[np.ndarray | Coded] = [
        id_column("R", n, max(6, len(str(n)))),
        np.datetime_as_string(data["date"], unit="D").astype("S10"),
        Coded(data["segment"], np.array([s.encode() for s in SEGMENTS])),
    ]
    for name in HEADER[3:]:
        low, high = ranges.get(name, (0, 100) if name.startswith("W_") else (1, 7))
        columns.append(_coded(data[name], low, high))
    write_columns(path, HEADER, columns)
    log.debug("wrote %s (%d respondents)", path, n)
    return path
