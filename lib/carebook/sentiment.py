"""Sentiment of English comments with VADER and carebook's small telecom supplement.

VADER (Hutto and Gilbert, 2014; PyPI ``vaderSentiment`` 3.3.2, MIT) is a rule-based
lexicon model that runs offline: its lexicon ships in the wheel. It was built for social
media and misses several words customers use about telecom service (``waited`` and
``overcharged`` are absent; ``solved`` is weak), so carebook adds a short, documented
supplement, ``carebook/data/sentiment_supplement.csv`` (word, valence, why), to the
lexicon of one analyser.

Only English comments are scored. A comment counts as English when it contains no CJK
character (Chinese, Japanese, Korean) and at least 80% of its letters are the ASCII
letters a-z; a comment with no letter at all (digits, emoji only) is not English.
Every other comment is marked ``"not scored"`` with a missing compound: it is never
counted as neutral. Sentiment is supplementary evidence, below the thematic coding.
"""

from __future__ import annotations

import csv
import logging
import math
import re
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from carebook.paths import PACKAGE_DATA

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

__all__ = [
    "POSITIVE",
    "NEGATIVE",
    "ENGLISH_SHARE",
    "SUPPLEMENT_PATH",
    "LABELS",
    "supplement",
    "analyser",
    "language",
    "score",
    "label",
]

log = logging.getLogger(__name__)

#: Compound score at or above which a comment is positive (Hutto and Gilbert's threshold).
POSITIVE = 0.05
#: Compound score at or below which a comment is negative.
NEGATIVE = -0.05
#: Share of a comment's letters that must be ASCII a-z for it to count as English.
ENGLISH_SHARE = 0.8
SUPPLEMENT_PATH = PACKAGE_DATA / "sentiment_supplement.csv"
#: Sentiment labels in display order.
LABELS = ("negative", "neutral", "positive", "not scored")

# Han (incl. extension A and the supplementary planes), kana, Hangul, CJK punctuation
# and full-width forms: any of these means the comment is not English.
_CJK = re.compile(
    "[\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]"
)
_LETTER = re.compile(r"[^\W\d_]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def supplement(path=SUPPLEMENT_PATH) -> dict[str, float]:
    """Return the telecom supplement as ``{word: valence}``.

    Parameters
    ----------
    path : path-like, optional
        A CSV with columns ``word``, ``valence`` (VADER scale, -4 to +4) and ``why``.
    """
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    words = {}
    for row in rows:
        valence = float(row["valence"])
        if not -4 <= valence <= 4:
            raise ValueError(f"{path}: valence of {row['word']!r} must be between -4 and 4")
        words[row["word"].strip().lower()] = valence
    return words


@lru_cache(maxsize=2)
def analyser(with_supplement: bool = True) -> SentimentIntensityAnalyzer:
    """Return the one shared VADER analyser (built once per process).

    Parameters
    ----------
    with_supplement : bool, default True
        Whether the telecom supplement is applied (``lexicon.update``). ``False`` gives
        plain VADER, for showing what the supplement changes.
    """
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    model = SentimentIntensityAnalyzer()
    if with_supplement:
        model.lexicon.update(supplement())
    return model


def language(text: object) -> str:
    """Return ``"en"`` when *text* counts as English (see the module docstring), else ``"other"``.

    Examples
    --------
    >>> language("The signal keeps dropping."), language("信号太差"), language("👍")
    ('en', 'other', 'other')
    """
    if not isinstance(text, str) or _CJK.search(text):
        return "other"
    letters = len(_LETTER.findall(text))
    if letters == 0:
        return "other"
    return "en" if len(_ASCII_LETTER.findall(text)) >= ENGLISH_SHARE * letters else "other"


def label(compound: float) -> str:
    """Return ``"positive"``, ``"neutral"``, ``"negative"`` or ``"not scored"`` (NaN)."""
    if compound is None or (isinstance(compound, float) and math.isnan(compound)):
        return "not scored"
    if compound >= POSITIVE:
        return "positive"
    if compound <= NEGATIVE:
        return "negative"
    return "neutral"


def score(texts: pd.Series, *, with_supplement: bool = True) -> pd.DataFrame:
    """Score each English text with VADER; mark the others as not scored.

    Parameters
    ----------
    texts : Series of str
        Comment texts; missing values are not scored. Not modified.
    with_supplement : bool, default True
        Apply carebook's telecom supplement (the report always does).

    Returns
    -------
    DataFrame
        Indexed like *texts*: ``language`` (``"en"`` or ``"other"``), ``compound``
        (VADER's normalised score in [-1, 1]; NaN when not scored) and ``label``
        (``"positive"`` at compound >= 0.05, ``"negative"`` at <= -0.05, else
        ``"neutral"``; ``"not scored"`` for non-English text).

    Examples
    --------
    >>> s = score(pd.Series(["I waited 40 minutes on hold.", "信号太差"]))
    >>> s["label"].tolist()
    ['negative', 'not scored']
    """
    model = analyser(with_supplement)
    values = texts.tolist()
    languages = [language(t) for t in values]
    compounds = [
        model.polarity_scores(t)["compound"] if lang == "en" else math.nan
        for t, lang in zip(values, languages)
    ]
    out = pd.DataFrame(
        {"language": languages, "compound": np.asarray(compounds, dtype="float64")},
        index=texts.index,
    )
    out["label"] = [label(c) for c in compounds]
    return out
