"""Agreement between the keyword coding and a human coder: Cohen's kappa per theme.

The student hand-codes a sample of comments in the ``code`` column of comments.csv
(empty = not hand-coded; ``none`` = read and given no theme; otherwise theme keys
separated by ``;``). The keyword coder is the second coder. Because a comment can carry
several themes, agreement is measured per theme, as present or absent (Cohen, 1960),
and labelled with the bands of Landis and Koch (1977).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from carebook.case.model import Codebook
from carebook.narrative import Text, join_words, not_supplied, say

__all__ = [
    "NONE_CODE",
    "cohen_kappa",
    "landis_koch",
    "human_codes",
    "unknown_codes",
    "kappa_by_theme",
    "agreement_sentence",
]

log = logging.getLogger(__name__)

#: The ``code`` value a human coder writes for a comment that has no theme.
NONE_CODE = "none"

# Upper bounds (inclusive) of Landis and Koch's bands; below 0 is "poor".
_BANDS = ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"), (1.00, "almost perfect"))


def _agreement(a: Sequence, b: Sequence) -> tuple[int, float, float, float]:
    """Return n, observed agreement p_o, chance agreement p_e and kappa."""
    x = pd.Series(list(a), dtype=object)
    y = pd.Series(list(b), dtype=object)
    if len(x) != len(y):
        raise ValueError(f"the two codings have different lengths ({len(x)} and {len(y)})")
    keep = x.notna().to_numpy() & y.notna().to_numpy()
    x, y = x[keep].to_numpy(), y[keep].to_numpy()
    n = len(x)
    if n == 0:
        return 0, math.nan, math.nan, math.nan
    p_o = float(np.mean(x == y))
    # p_e = sum over categories k of (n_1k / N) * (n_2k / N)
    categories = pd.unique(np.concatenate([x, y]))
    p_e = float(sum(np.mean(x == k) * np.mean(y == k) for k in categories))
    kappa = math.nan if math.isclose(p_e, 1.0) else (p_o - p_e) / (1.0 - p_e)
    return n, p_o, p_e, kappa


def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """Return Cohen's kappa for two codings of the same items.

    Parameters
    ----------
    a, b : sequence
        The two coders' categories for each item (booleans for present/absent, or any
        nominal labels), in the same order. Items missing in either are left out.

    Returns
    -------
    float
        ``(p_o - p_e) / (1 - p_e)``, where ``p_o`` is the share of items on which the
        coders agree and ``p_e = Σ_k (n_1k / N)(n_2k / N)`` the agreement expected by
        chance. NaN when ``p_e = 1`` (both coders used one and the same category for
        every item, so agreement beyond chance is undefined) or there are no items.

    Raises
    ------
    ValueError
        If *a* and *b* have different lengths.

    Examples
    --------
    >>> cohen_kappa([True, True, False, False], [True, False, False, False])
    0.5
    """
    return _agreement(a, b)[3]


def landis_koch(kappa: float) -> str:
    """Return the Landis and Koch (1977) label of *kappa*.

    Bands: below 0 ``poor``; 0-0.20 ``slight``; over 0.20 to 0.40 ``fair``; to 0.60
    ``moderate``; to 0.80 ``substantial``; to 1 ``almost perfect`` (upper bounds
    inclusive). NaN gives ``undefined``.

    Examples
    --------
    >>> landis_koch(0.4), landis_koch(0.41), landis_koch(-0.1)
    ('fair', 'moderate', 'poor')
    """
    if kappa is None or math.isnan(kappa):
        return "undefined"
    value = round(float(kappa), 10)  # 0.4 computed as 0.39999999999 is still "fair"
    if value < 0:
        return "poor"
    for upper, name in _BANDS:
        if value <= upper:
            return name
    return "almost perfect"


def _parse(code: object) -> list[str] | None:
    """Theme tokens of one ``code`` cell; ``None`` when the comment was not hand-coded."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return None
    tokens = [t.strip() for t in str(code).split(";") if t.strip()]
    return tokens or None


def human_codes(comments: pd.DataFrame, codebook: Codebook) -> pd.DataFrame | None:
    """Return the human coder's themes as a boolean frame over the hand-coded comments.

    Parameters
    ----------
    comments : DataFrame
        ``Case.comments``; the ``code`` column holds the human coding. Not modified.
    codebook : Codebook
        The themes; keys are matched case-insensitively.

    Returns
    -------
    DataFrame or None
        Indexed by the hand-coded comments' index, one boolean column per theme key.
        ``none`` means no theme (and is ignored when written next to theme keys); keys
        not in the codebook are ignored (see :func:`unknown_codes`). ``None`` when there
        is no ``code`` column or no comment was hand-coded.
    """
    if "code" not in comments:
        return None
    keys = {t.key.casefold(): t.key for t in codebook.themes}
    rows = {}
    for index, code in comments["code"].items():
        tokens = _parse(code)
        if tokens is None:
            continue
        chosen = {keys[t.casefold()] for t in tokens if t.casefold() in keys}
        rows[index] = [t.key in chosen for t in codebook.themes]
    if not rows:
        return None
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=[t.key for t in codebook.themes])
    return frame.astype(bool)


def unknown_codes(comments: pd.DataFrame, codebook: Codebook) -> list[str]:
    """Return the codes in the ``code`` column that are neither a theme key nor ``none``.

    Sorted, each once; empty when there is no ``code`` column.
    """
    if "code" not in comments:
        return []
    keys = {t.key.casefold() for t in codebook.themes} | {NONE_CODE}
    found = set()
    for code in comments["code"].tolist():
        for token in _parse(code) or []:
            if token.casefold() not in keys:
                found.add(token)
    return sorted(found)


def kappa_by_theme(
    comments: pd.DataFrame | None, coded: pd.DataFrame | None, codebook: Codebook
) -> pd.DataFrame | None:
    """Return Cohen's kappa between the human and the keyword coder for each theme.

    Parameters
    ----------
    comments : DataFrame
        ``Case.comments`` with a ``code`` column. Not modified.
    coded : DataFrame
        The keyword coding (``comments.code_comments``) of the same comments.
    codebook : Codebook
        The themes.

    Returns
    -------
    DataFrame or None
        Indexed by theme key (codebook order): ``Theme`` (label), ``n`` (hand-coded
        comments), ``Human coder`` and ``Keyword coder`` (comments each gave the theme),
        ``Observed agreement``, ``Expected agreement`` (by chance), ``Kappa`` and
        ``Landis and Koch``. Kappa is NaN ("undefined") for a theme that neither coder
        gave, or both gave to every comment. ``None`` when there are no comments, when
        comments.csv has no ``code`` column or when no comment was hand-coded.
    """
    if comments is None or coded is None:
        return None
    human = human_codes(comments, codebook)
    if human is None:
        return None
    auto = coded.loc[human.index]
    rows = []
    for theme in codebook.themes:
        n, p_o, p_e, kappa = _agreement(human[theme.key].tolist(), auto[theme.key].astype(bool).tolist())
        rows.append(
            {
                "theme": theme.key,
                "Theme": theme.label,
                "n": n,
                "Human coder": int(human[theme.key].sum()),
                "Keyword coder": int(auto[theme.key].sum()),
                "Observed agreement": p_o,
                "Expected agreement": p_e,
                "Kappa": kappa,
                "Landis and Koch": landis_koch(kappa),
            }
        )
    return pd.DataFrame(rows).set_index("theme")


def agreement_sentence(
    table: pd.DataFrame | None, unknown: Sequence[str] = (), *, supplied: bool = True
) -> Text:
    """Summarise :func:`kappa_by_theme` in a sentence or two.

    Parameters
    ----------
    table : DataFrame or None
        From :func:`kappa_by_theme`; ``None`` says that no comment was hand-coded.
    unknown : sequence of str
        From :func:`unknown_codes`; named so the student can correct them.
    supplied : bool, default True
        False when the case has no comments.csv at all, which the sentence then says.
    """
    if not supplied:
        return not_supplied("comments.csv", "so there was nothing to code by hand and no agreement to measure")
    if table is None:
        return Text(
            "No comment in comments.csv was hand-coded (there is no filled-in code column), "
            "so agreement between a human coder and the keyword coding could not be measured."
        )
    defined = table[table["Kappa"].notna()]
    n = int(table["n"].iloc[0]) if len(table) else 0
    parts = [
        say(
            "A human coder coded {n:,} " + ("comment" if n == 1 else "comments") + " by hand. "
            "Cohen's kappa could be computed for "
            "{k} of {total} themes",
            n=n,
            k=len(defined),
            total=len(table),
        ).markdown
    ]
    if len(defined):
        best = defined.sort_values("Kappa", ascending=False, kind="stable").iloc[0]
        worst = defined.sort_values("Kappa", ascending=True, kind="stable").iloc[0]
    if len(defined) and best["Kappa"] == worst["Kappa"]:
        names = join_words(defined["Theme"].tolist())
        parts.append(
            say("; it was {k:.2f} ({label}) for " + ("both " if len(defined) == 2 else "")
                + "{names}.", k=best["Kappa"], label=best["Landis and Koch"], names=names).markdown
            if len(defined) > 1
            else say(", {name}: {k:.2f} ({label}).", name=best["Theme"], k=best["Kappa"],
                     label=best["Landis and Koch"]).markdown
        )
    elif len(defined):
        parts.append(
            say(
                "; it ranged from {wk:.2f} for {worst} ({wl}) to {bk:.2f} for {best} ({bl}), "
                "median {median:.2f}.",
                wk=worst["Kappa"], worst=worst["Theme"], wl=worst["Landis and Koch"],
                bk=best["Kappa"], best=best["Theme"], bl=best["Landis and Koch"],
                median=float(defined["Kappa"].median()),
            ).markdown
        )
    else:
        parts.append(".")
    undefined = table[table["Kappa"].isna()]
    if len(undefined):
        parts.append(
            " "
            + say("Kappa is undefined for {names}: both coders gave the same answer for every comment "
                  "(usually neither gave the theme), so there is no variation to compare.",
                  names=join_words(undefined["Theme"].tolist())).markdown
        )
    if unknown:
        parts.append(
            " "
            + say("The code column also contains {codes}, which {verb} not in the codebook and "
                  "{verb2} ignored.", codes=join_words(list(unknown)),
                  verb="is" if len(unknown) == 1 else "are",
                  verb2="was" if len(unknown) == 1 else "were").markdown
        )
    return Text("".join(parts))
