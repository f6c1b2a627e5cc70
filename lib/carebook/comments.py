"""Thematic coding of customer comments with a keyword codebook.

A comment is coded with a theme when its text contains any of the theme's keywords,
case-insensitively, as a plain substring (``data-contract.md``): text and keywords are
compared after ``str.casefold()``, so ``SIGNAL`` matches ``signal`` and the Chinese
keyword ``信号`` matches inside ``信号太差``. A comment may carry several themes or none.
This is the deductive, codebook-driven form of thematic analysis (Braun and Clarke,
2006): the themes are fixed before reading, so the coding is transparent and gives the
same result on every run.

The module turns the coding into the figures of report section 4 (counts per theme,
source, kind, month and SERVQUAL dimension), the ``comments`` block of
``metrics.json``, a per-theme summary with sentiment, and the *bridge* that lines themes
up with the SERVQUAL gaps and missed service standards for section 5. Every function is
pure: the comments frame is never modified.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from carebook.case.model import COMMENT_KINDS, COMMENT_SOURCES, DIMENSIONS, Codebook
from carebook.narrative import Text, join_words, not_supplied, say

__all__ = [
    "SOURCE_NAMES",
    "KIND_NAMES",
    "NO_THEME",
    "Analysis",
    "code_comments",
    "keyword_pattern",
    "comment_metrics",
    "theme_summary",
    "analyse",
    "codebook_table",
    "theme_table",
    "source_table",
    "kind_table",
    "monthly_table",
    "theme_month_table",
    "dimension_table",
    "sentiment_table",
    "coding_sentence",
    "sentiment_sentence",
    "missed_commitments",
    "bridge",
    "bridge_table",
    "bridge_sentences",
]

log = logging.getLogger(__name__)

#: Readable names of the ``source`` values of comments.csv, in data-contract order.
SOURCE_NAMES: dict[str, str] = {
    "comment_card": "Comment card",
    "letter": "Letter",
    "conversation": "Conversation",
    "telephone_poll": "Telephone poll",
    "email": "E-mail",
    "online": "Online",
    "other": "Other",
}
#: Readable names of the ``kind`` values of comments.csv.
KIND_NAMES: dict[str, str] = {
    "complaint": "Complaint",
    "commendation": "Commendation",
    "suggestion": "Suggestion",
    "other": "Other",
}
#: Row label for comments that no theme covers.
NO_THEME = "No theme"
ALL_COMMENTS = "All comments"


# --------------------------------------------------------------------------- coding


def _folded(texts: pd.Series) -> list[str]:
    """Casefolded texts (missing text becomes ``""``)."""
    return [t.casefold() if isinstance(t, str) else "" for t in texts.tolist()]


def keyword_pattern(keywords: Iterable[str]) -> str:
    """An alternation matching any of *keywords* literally.

    Every ASCII punctuation character is backslash-escaped; both RE2 (pyarrow) and
    Python's ``re`` read an escaped punctuation character as itself, so ``c++`` or
    ``4g (lte)`` match only as written.
    """
    return "|".join("".join("\\" + c if c in string.punctuation else c for c in k) for k in keywords)


def _contains_any(folded: list[str], keywords: list[str]) -> np.ndarray:
    """Boolean array: which texts contain at least one of *keywords* (all casefolded)."""
    if not keywords:
        return np.zeros(len(folded), dtype=bool)
    pattern = keyword_pattern(keywords)
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        # One linear-time RE2 scan per theme over all texts: the fast path.
        hits = pc.match_substring_regex(pa.array(folded, type=pa.large_string()), pattern)
        return hits.to_numpy(zero_copy_only=False).astype(bool)
    except (ImportError, ValueError) as err:  # pyarrow missing or RE2 refusing the pattern
        log.debug("falling back to Python re for keywords %r: %s", keywords, err)
        compiled = re.compile(pattern)
        return np.fromiter((compiled.search(t) is not None for t in folded), dtype=bool, count=len(folded))


def code_comments(comments: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Code every comment with the themes whose keywords its text contains.

    Parameters
    ----------
    comments : DataFrame
        Comments with a ``text`` column (``Case.comments``). Not modified.
    codebook : Codebook
        The themes, in the order they are reported.

    Returns
    -------
    DataFrame
        Boolean, indexed like *comments*, one column per theme key in codebook order:
        ``True`` where the casefolded text contains at least one casefolded keyword of
        the theme as a plain substring (no word boundaries; keywords are matched
        literally, whatever punctuation they contain).

    Notes
    -----
    Texts are casefolded once; each theme is then one linear-time scan of all texts
    for any of its keywords (an escaped alternation run by pyarrow's RE2). Coding
    100,000 comments of about 130 characters against the 10-theme built-in codebook
    takes about half a second.

    Examples
    --------
    >>> from carebook.case.model import Codebook, Theme
    >>> book = Codebook(themes=(Theme(key="network", label="Network", keywords=("signal", "信号")),))
    >>> code_comments(pd.DataFrame({"text": ["No SIGNAL at home", "信号太差", "Thanks"]}), book)["network"].tolist()
    [True, True, False]
    """
    folded = _folded(comments["text"])
    columns: dict[str, np.ndarray] = {}
    for theme in codebook.themes:
        keywords = []
        for keyword in dict.fromkeys(k.casefold() for k in theme.keywords):
            if keyword.strip():
                keywords.append(keyword)
            else:
                log.warning("theme %r has an empty keyword; it is ignored", theme.key)
        columns[theme.key] = _contains_any(folded, keywords)
    return pd.DataFrame(columns, index=comments.index, columns=[t.key for t in codebook.themes])


def _coded(comments: pd.DataFrame, codebook: Codebook, coded: pd.DataFrame | None) -> pd.DataFrame:
    return code_comments(comments, codebook) if coded is None else coded


def comment_metrics(comments: pd.DataFrame | None, codebook: Codebook) -> dict | None:
    """Return the ``comments`` block of ``metrics.json`` (interface.md).

    Parameters
    ----------
    comments : DataFrame or None
        ``Case.comments``; ``None`` when the case has no comments.csv.
    codebook : Codebook
        The case's codebook (or the built-in one).

    Returns
    -------
    dict or None
        ``{"comments": N, "themes": {key: count, ...}, "uncoded": M}`` with plain ints,
        themes in codebook order; ``uncoded`` counts comments no theme covers. ``None``
        without comments.
    """
    if comments is None:
        return None
    coded = code_comments(comments, codebook)
    return {
        "comments": int(len(comments)),
        "themes": {key: int(coded[key].sum()) for key in coded.columns},
        "uncoded": int((~coded.any(axis=1)).sum()),
    }


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else float("nan")


def theme_summary(
    comments: pd.DataFrame,
    codebook: Codebook,
    coded: pd.DataFrame | None = None,
    scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Summarise each theme: how often it occurs and how customers felt.

    Parameters
    ----------
    comments : DataFrame
        ``Case.comments``. Not modified.
    codebook : Codebook
        The themes.
    coded : DataFrame, optional
        The result of :func:`code_comments`; computed when not given.
    scores : DataFrame, optional
        The result of ``sentiment.score(comments["text"])``; computed when not given.

    Returns
    -------
    DataFrame
        Indexed by theme key (codebook order): ``label``, ``dimension`` (``None`` when
        the theme has none), ``comments`` (int), ``share_pct`` (of all comments; a
        comment can count for several themes), ``scored`` (English comments of the
        theme that were scored), ``mean_compound`` (mean VADER compound of those),
        ``negative_pct`` and ``positive_pct`` (share of the scored comments at
        compound <= -0.05 and >= 0.05). Sentiment figures are NaN when nothing was
        scored.
    """
    from carebook import sentiment

    coded = _coded(comments, codebook, coded)
    if scores is None:
        scores = sentiment.score(comments["text"])
    compound = scores["compound"].to_numpy(dtype=float)
    is_scored = ~np.isnan(compound)
    total = len(comments)
    rows = []
    for theme in codebook.themes:
        mask = coded[theme.key].to_numpy(dtype=bool)
        values = compound[mask & is_scored]
        n_scored = len(values)
        rows.append(
            {
                "theme": theme.key,
                "label": theme.label,
                "dimension": theme.dimension,
                "comments": int(mask.sum()),
                "share_pct": _pct(mask.sum(), total),
                "scored": int(n_scored),
                "mean_compound": float(values.mean()) if n_scored else float("nan"),
                "negative_pct": _pct((values <= sentiment.NEGATIVE).sum(), n_scored),
                "positive_pct": _pct((values >= sentiment.POSITIVE).sum(), n_scored),
            }
        )
    frame = pd.DataFrame(rows).set_index("theme")
    frame["dimension"] = frame["dimension"].astype(object).where(frame["dimension"].notna(), None)
    return frame


# ---------------------------------------------------------------- the analysis bundle


@dataclass(frozen=True)
class Analysis:
    """Coding and sentiment of one case's comments, computed once for a whole section.

    Attributes
    ----------
    comments : DataFrame
        ``Case.comments`` (not modified).
    codebook : Codebook
        The codebook used.
    coded : DataFrame
        :func:`code_comments` of the comments.
    scores : DataFrame
        ``sentiment.score`` of the comment texts.
    summary : DataFrame
        :func:`theme_summary`.
    """

    comments: pd.DataFrame
    codebook: Codebook
    coded: pd.DataFrame
    scores: pd.DataFrame
    summary: pd.DataFrame

    @property
    def n(self) -> int:
        """Number of comments."""
        return int(len(self.comments))

    @property
    def uncoded(self) -> pd.Series:
        """Boolean Series: comments that no theme covers."""
        return ~self.coded.any(axis=1)

    def labels(self) -> dict[str, str]:
        """Theme key → label, in codebook order."""
        return {t.key: t.label for t in self.codebook.themes}


def analyse(comments: pd.DataFrame | None, codebook: Codebook) -> Analysis | None:
    """Code and score the comments once; ``None`` when the case has no comments.csv.

    Examples
    --------
    >>> analyse(None, Codebook(themes=())) is None
    True
    """
    if comments is None:
        return None
    from carebook import sentiment

    coded = code_comments(comments, codebook)
    scores = sentiment.score(comments["text"])
    summary = theme_summary(comments, codebook, coded=coded, scores=scores)
    return Analysis(comments=comments, codebook=codebook, coded=coded, scores=scores, summary=summary)


# ---------------------------------------------------------------- tables for the report


def _dimension_name(dimension: str | None) -> str:
    return dimension.capitalize() if dimension else "–"


def codebook_table(codebook: Codebook) -> pd.DataFrame:
    """Return the codebook as a table: theme, SERVQUAL dimension and keywords.

    Keywords are shown as written in the codebook, separated by commas.
    """
    rows = [
        {"Theme": t.label, "SERVQUAL dimension": _dimension_name(t.dimension), "Keywords": ", ".join(t.keywords)}
        for t in codebook.themes
    ]
    return pd.DataFrame(rows, columns=["Theme", "SERVQUAL dimension", "Keywords"]).set_index("Theme")


def theme_table(qa: Analysis | None) -> pd.DataFrame | None:
    """Return comments per theme, with a last row for comments no theme covers.

    Columns ``SERVQUAL dimension``, ``Comments`` and ``Share (%)`` (of all comments);
    indexed by theme label. Shares add up to more than 100% when comments carry
    several themes. ``None`` without comments (:func:`coding_sentence` says so).
    """
    if qa is None:
        return None
    s = qa.summary
    table = pd.DataFrame(
        {
            "SERVQUAL dimension": [_dimension_name(d) for d in s["dimension"]],
            "Comments": s["comments"].astype("int64").to_numpy(),
            "Share (%)": s["share_pct"].to_numpy(),
        },
        index=pd.Index(s["label"].tolist(), name="Theme"),
    )
    uncoded = int(qa.uncoded.sum())
    table.loc[NO_THEME] = ["–", uncoded, _pct(uncoded, qa.n)]
    table["Comments"] = table["Comments"].astype("int64")
    return table


def _crosstab(qa: Analysis, column: str, names: Mapping[str, str], order: Iterable[str]) -> pd.DataFrame:
    """Themes (rows, plus "No theme" and "All comments") × values of *column*."""
    values = qa.comments[column].astype(object).where(qa.comments[column].notna(), "other")
    present = [v for v in order if (values == v).any()]
    present += sorted(v for v in values.unique() if v not in present)  # beyond the contract
    rows = {}
    groups = {v: (values == v).to_numpy() for v in present}
    for theme in qa.codebook.themes:
        mask = qa.coded[theme.key].to_numpy(dtype=bool)
        rows[theme.label] = [int((mask & g).sum()) for g in groups.values()]
    none = qa.uncoded.to_numpy()
    rows[NO_THEME] = [int((none & g).sum()) for g in groups.values()]
    rows[ALL_COMMENTS] = [int(g.sum()) for g in groups.values()]
    table = pd.DataFrame.from_dict(
        rows, orient="index", columns=[names.get(v, str(v).replace("_", " ").capitalize()) for v in present]
    )
    table.index.name = "Theme"
    table["Total"] = [int(qa.coded[t.key].sum()) for t in qa.codebook.themes] + [int(none.sum()), qa.n]
    return table.astype("int64")


def source_table(qa: Analysis | None) -> pd.DataFrame | None:
    """Return the theme × source cross-tab: comments per theme from each source.

    Rows are theme labels, then ``No theme`` and ``All comments``; columns are the
    sources that occur (data-contract order, readable names) and ``Total``. A comment
    with several themes counts once in each theme's row. ``None`` without comments.
    """
    if qa is None:
        return None
    return _crosstab(qa, "source", SOURCE_NAMES, COMMENT_SOURCES)


def kind_table(qa: Analysis) -> pd.DataFrame | None:
    """Return the theme × kind cross-tab (complaint, commendation, suggestion, other).

    Same layout as :func:`source_table`; ``None`` when comments.csv has no ``kind``
    column.
    """
    if "kind" not in qa.comments:
        return None
    return _crosstab(qa, "kind", KIND_NAMES, COMMENT_KINDS)


def _months(comments: pd.DataFrame) -> pd.Series | None:
    if "date" not in comments:
        return None
    dates = comments["date"]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        dates = pd.to_datetime(dates, errors="coerce", format="ISO8601")
    return dates.dt.strftime("%Y-%m")


def monthly_table(qa: Analysis) -> pd.DataFrame | None:
    """Return comments per month (``YYYY-MM``), by kind when comments.csv has ``kind``.

    Columns: one per kind that occurs (when the column exists) and ``All comments``;
    comments without a date are left out (and counted in the log). ``None`` when
    comments.csv has no ``date`` column or no comment has a date.
    """
    months = _months(qa.comments)
    if months is None or months.notna().sum() == 0:
        return None
    dated = months.notna()
    if (~dated).any():
        log.info("%d comments have no date and are left out of the monthly counts", int((~dated).sum()))
    frame = pd.DataFrame({"month": months[dated]})
    if "kind" in qa.comments:
        kinds = qa.comments.loc[dated, "kind"].astype(object).where(qa.comments.loc[dated, "kind"].notna(), "other")
        frame["kind"] = kinds.map(lambda k: KIND_NAMES.get(k, str(k).capitalize()))
        table = pd.crosstab(frame["month"], frame["kind"])
        order = [KIND_NAMES[k] for k in COMMENT_KINDS if KIND_NAMES[k] in table.columns]
        table = table[order + [c for c in table.columns if c not in order]]
        table[ALL_COMMENTS] = table.sum(axis=1)
    else:
        table = frame.groupby("month").size().to_frame(ALL_COMMENTS)
    table.index.name = "Month"
    table.columns.name = None
    return table.sort_index().astype("int64")


def theme_month_table(qa: Analysis) -> pd.DataFrame | None:
    """Return comments per theme per month: rows ``YYYY-MM``, columns theme labels.

    ``None`` when comments.csv has no ``date`` column or no comment has a date.
    """
    months = _months(qa.comments)
    if months is None or months.notna().sum() == 0:
        return None
    dated = months.notna().to_numpy()
    coded = qa.coded.loc[dated].astype("int64")
    coded.columns = [qa.labels()[k] for k in coded.columns]
    table = coded.groupby(months[dated].to_numpy()).sum()
    table[ALL_COMMENTS] = pd.Series(months[dated].to_numpy()).value_counts()
    table.index.name = "Month"
    return table.sort_index().astype("int64")


def dimension_table(qa: Analysis) -> pd.DataFrame:
    """Return the theme × SERVQUAL dimension summary.

    One row per dimension (the five in SERVQUAL order, then ``No dimension`` for themes
    without one, when there are such themes): the themes mapped to it, the number of
    comments coded with at least one of them (a comment counts once per dimension) and
    their share of all comments. Dimensions without a theme show no themes and zero.
    """
    rows = {}
    groups = list(DIMENSIONS) + (["No dimension"] if any(t.dimension is None for t in qa.codebook.themes) else [])
    for dim in groups:
        themes = [t for t in qa.codebook.themes if (t.dimension or "No dimension") == dim]
        if themes:
            any_theme = qa.coded[[t.key for t in themes]].any(axis=1)
            count = int(any_theme.sum())
        else:
            count = 0
        rows[_dimension_name(dim) if dim in DIMENSIONS else dim] = {
            "Themes": ", ".join(t.label for t in themes) or "–",
            "Comments": count,
            "Share (%)": _pct(count, qa.n),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "SERVQUAL dimension"
    table["Comments"] = table["Comments"].astype("int64")
    return table


def sentiment_table(qa: Analysis) -> pd.DataFrame:
    """Return sentiment by theme for the English comments VADER scored.

    Indexed by theme label: ``Comments``, ``Scored (English)``, ``Mean compound``,
    ``Negative (%)`` and ``Positive (%)`` (of the scored comments), then a row for all
    comments together. Themes with no English comment show dashes.
    """
    s = qa.summary
    table = pd.DataFrame(
        {
            "Comments": s["comments"].to_numpy(),
            "Scored (English)": s["scored"].to_numpy(),
            "Mean compound": s["mean_compound"].to_numpy(),
            "Negative (%)": s["negative_pct"].to_numpy(),
            "Positive (%)": s["positive_pct"].to_numpy(),
        },
        index=pd.Index(s["label"].tolist(), name="Theme"),
    )
    compound = qa.scores["compound"].dropna()
    table.loc[ALL_COMMENTS] = [
        qa.n,
        len(compound),
        compound.mean() if len(compound) else float("nan"),
        _pct((qa.scores["label"] == "negative").sum(), len(compound)),
        _pct((qa.scores["label"] == "positive").sum(), len(compound)),
    ]
    for column in ("Comments", "Scored (English)"):
        table[column] = table[column].astype("int64")
    return table


# ---------------------------------------------------------------- sentences


def _plural(n: int, word: str) -> str:
    return word if int(n) == 1 else word + "s"


def _missing_comments() -> Text:
    return not_supplied("comments.csv", "so no customer comments could be coded or quoted")


def coding_sentence(qa: Analysis | None, *, top: int = 3) -> Text:
    """Say which codebook was used, how many comments it covered and the leading themes.

    Parameters
    ----------
    qa : Analysis or None
        From :func:`analyse`; ``None`` gives the plain "not supplied" sentence.
    top : int, default 3
        How many of the most frequent themes to name.
    """
    if qa is None:
        return _missing_comments()
    book = (
        "the built-in telecom codebook ({k} themes), because the case has no codebook.yaml"
        if qa.codebook.is_default
        else "the case's own codebook ({k} themes)"
    )
    uncoded = int(qa.uncoded.sum())
    text = say(
        "The {n:,} " + _plural(qa.n, "comment") + (" was" if qa.n == 1 else " were")
        + " coded with " + book + ". "
        "At least one theme was found in {coded:,} comments ({coded_pct:.1f}%); "
        "{uncoded:,} ({uncoded_pct:.1f}%) matched no theme.",
        n=qa.n,
        k=len(qa.codebook.themes),
        coded=qa.n - uncoded,
        coded_pct=_pct(qa.n - uncoded, qa.n),
        uncoded=uncoded,
        uncoded_pct=_pct(uncoded, qa.n),
    )
    ranked = qa.summary[qa.summary["comments"] > 0].sort_values("comments", ascending=False, kind="stable")
    if ranked.empty:
        return text
    parts = [
        say(
            "{label} ({n:,} " + _plural(row.comments, "comment") + ", {pct:.1f}%)",
            label=row.label, n=int(row.comments), pct=row.share_pct,
        ).markdown
        for row in ranked.head(top).itertuples()
    ]
    lead = "The most frequent theme was " if len(parts) == 1 else "The most frequent themes were "
    return Text(text.markdown + " " + lead + join_words(parts) + ".")


def sentiment_sentence(qa: Analysis | None) -> Text | None:
    """Say how many comments VADER scored, which were not, and the most negative theme.

    ``None`` without comments: :func:`coding_sentence`, just before it in the report,
    already says that none were supplied.
    """
    if qa is None:
        return None
    scored = int(qa.scores["compound"].notna().sum())
    other = qa.n - scored
    if scored == 0:
        return say(
            "None of the {n:,} comments is in English, so none was scored for sentiment; "
            "the thematic coding above is the only qualitative evidence.",
            n=qa.n,
        )
    labels = qa.scores["label"]
    text = say(
        "VADER, with carebook's small supplement of customer-service words, scored the "
        "{scored:,} English " + _plural(scored, "comment") + ": "
        "{neg:.1f}% negative, {neu:.1f}% neutral and {pos:.1f}% positive.",
        scored=scored,
        neg=_pct((labels == "negative").sum(), scored),
        neu=_pct((labels == "neutral").sum(), scored),
        pos=_pct((labels == "positive").sum(), scored),
    )
    if other:
        text = Text(
            text.markdown
            + " "
            + say(
                "{other:,} " + _plural(other, "comment") + " in other languages "
                + ("was" if other == 1 else "were") + " not scored (not counted as neutral).",
                other=other,
            ).markdown
        )
    themed = qa.summary[qa.summary["scored"] > 0]
    if len(themed) >= 2:
        worst = themed.sort_values(["mean_compound", "comments"], ascending=[True, False], kind="stable").iloc[0]
        best = themed.sort_values(["mean_compound", "comments"], ascending=[False, False], kind="stable").iloc[0]
    if len(themed) >= 2 and worst["mean_compound"] == best["mean_compound"]:
        text = Text(
            text.markdown
            + " "
            + say("Every theme's comments have the same mean compound score ({c:+.2f}), so no theme "
                  "stands out as more negative than another.", c=worst["mean_compound"]).markdown
        )
    elif len(themed) >= 2:
        text = Text(
            text.markdown
            + " "
            + say(
                "{worst} drew the most negative comments (mean compound {wc:+.2f}, {wn:.0f}% negative); "
                "{best} the most positive (mean compound {bc:+.2f}).",
                worst=worst["label"],
                wc=worst["mean_compound"],
                wn=worst["negative_pct"],
                best=best["label"],
                bc=best["mean_compound"],
            ).markdown
        )
    return text


# ---------------------------------------------------------------- bridge to the numbers


def missed_commitments(contacts_metrics: Mapping | None, commitments: Iterable) -> list[str]:
    """Return the labels of the service commitments that missed their standard.

    Parameters
    ----------
    contacts_metrics : mapping or None
        The ``contacts`` block of metrics.json (``standards.contact_metrics``), with
        ``channels[channel]["meets_standard"]``.
    commitments : iterable of Commitment
        ``case.commitments`` (for the labels shown in the report), in case.yaml order.

    Examples
    --------
    >>> from carebook.case.model import Commitment
    >>> c = [Commitment(channel="hotline", label="10086 hotline", measure="resolution", target_hours=24)]
    >>> missed_commitments({"channels": {"hotline": {"meets_standard": False}}}, c)
    ['10086 hotline']
    """
    channels = (contacts_metrics or {}).get("channels") or {}
    return [
        c.label for c in commitments
        if channels.get(c.channel, {}).get("meets_standard") is False
    ]


def bridge(
    theme_summary: pd.DataFrame | None,
    dimension_gaps: pd.Series,
    missed_channels: list[str],
    *,
    commitment_dimension: str = "responsiveness",
) -> pd.DataFrame:
    """Line up each theme that has a SERVQUAL dimension with that dimension's gap.

    Parameters
    ----------
    theme_summary : DataFrame or None
        From :func:`theme_summary` (``Analysis.summary``); ``None`` without comments
        gives ``None``.
    dimension_gaps : Series
        SERVQUAL gap (perception − expectation) per dimension, indexed by dimension
        name (``"reliability"`` …), e.g. the ``gap`` column of the SERVQUAL results.
    missed_channels : list of str
        Labels of the service commitments that missed their standard (contacts.csv).
    commitment_dimension : str, default "responsiveness"
        The dimension the service commitments speak to: they are response and
        resolution times, i.e. prompt service.

    Returns
    -------
    DataFrame
        Indexed by theme key, for themes with a dimension (codebook order): ``label``,
        ``dimension``, ``comments``, ``share_pct``, ``negative_pct``, ``positive_pct``,
        ``gap``, ``missed`` (the missed commitments that relate to the theme, a list),
        ``comments_concern``, ``scores_concern`` (bool) and ``verdict``.

    Notes
    -----
    The rule, stated so a reader can check it:

    - *Comments raise a concern* about a theme when it is mentioned at least as often
      as the average theme in this table **and** its scored comments are at least as
      often negative as positive (or none could be scored).
    - *Scores raise a concern* when the dimension's gap is at or below the mean of the
      gaps given, or when the theme belongs to *commitment_dimension* and a service
      commitment was missed.
    - ``verdict``: ``"agree: concern"`` (both), ``"agree: no concern"`` (neither),
      ``"comments only"`` or ``"scores only"``; ``"no gap"`` when the dimension has no
      gap.
    """
    if theme_summary is None:
        return None
    table = theme_summary[theme_summary["dimension"].notna()].copy()
    gaps = pd.to_numeric(pd.Series(dimension_gaps), errors="coerce")
    mean_gap = gaps.dropna().mean() if gaps.notna().any() else float("nan")
    table["gap"] = [float(gaps.get(d, float("nan"))) for d in table["dimension"]]
    missed = list(missed_channels)
    table["missed"] = [missed if d == commitment_dimension else [] for d in table["dimension"]]
    mean_mentions = table["comments"].mean() if len(table) else 0.0
    negative = table["negative_pct"].to_numpy(dtype=float)
    positive = table["positive_pct"].to_numpy(dtype=float)
    leaning_negative = np.isnan(negative) | (negative >= positive)
    table["comments_concern"] = (table["comments"].to_numpy(dtype=float) >= mean_mentions) & leaning_negative
    gap = table["gap"].to_numpy(dtype=float)
    table["scores_concern"] = (~np.isnan(gap) & (gap <= mean_gap)) | (table["missed"].map(len) > 0).to_numpy()
    verdicts = []
    for c, s, g in zip(table["comments_concern"], table["scores_concern"], gap):
        if np.isnan(g):
            verdicts.append("no gap")
        elif c and s:
            verdicts.append("agree: concern")
        elif not c and not s:
            verdicts.append("agree: no concern")
        else:
            verdicts.append("comments only" if c else "scores only")
    table["verdict"] = verdicts
    return table[
        ["label", "dimension", "comments", "share_pct", "negative_pct", "positive_pct", "gap", "missed",
         "comments_concern", "scores_concern", "verdict"]
    ]


def bridge_table(bridged: pd.DataFrame | None) -> pd.DataFrame | None:
    """Return :func:`bridge` as a report table with readable column names (``None`` for ``None``)."""
    if bridged is None:
        return None
    return pd.DataFrame(
        {
            "SERVQUAL dimension": [_dimension_name(d) for d in bridged["dimension"]],
            "Comments": bridged["comments"].astype("int64").to_numpy(),
            "Negative (%)": bridged["negative_pct"].to_numpy(),
            "Dimension gap": bridged["gap"].to_numpy(),
            "Missed standards": [", ".join(m) or "–" for m in bridged["missed"]],
            "Comments and scores": bridged["verdict"].to_numpy(),
        },
        index=pd.Index(bridged["label"].tolist(), name="Theme"),
    )


def bridge_sentences(bridged: pd.DataFrame | None) -> Text:
    """Say where comments and scores agree and where they disagree (from :func:`bridge`)."""
    if bridged is None:
        return not_supplied("comments.csv", "so comment themes cannot be set beside the survey gaps; "
                            "the review in section 5.0 rests on the scores alone")
    if bridged.empty:
        return Text("No theme of the codebook is linked to a SERVQUAL dimension, so comments and scores cannot be compared.")

    def describe(rows: pd.DataFrame) -> str:
        parts = []
        for row in rows.itertuples():
            parts.append(
                say(
                    "{label} ({dim}, gap {gap:+.2f}, {n:,} " + _plural(row.comments, "comment") + ")",
                    label=row.label,
                    dim=_dimension_name(row.dimension).lower(),
                    gap=row.gap,
                    n=int(row.comments),
                ).markdown
            )
        return join_words(parts)

    sentences = []
    both = bridged[bridged["verdict"] == "agree: concern"]
    if len(both):
        sentences.append("Comments and scores agree that " + describe(both) + (" needs" if len(both) == 1 else " need") + " attention.")
    comments_only = bridged[bridged["verdict"] == "comments only"]
    if len(comments_only):
        sentences.append(
            "Customers often complain about " + describe(comments_only)
            + ", although the survey gap there is smaller than average."
        )
    scores_only = bridged[bridged["verdict"] == "scores only"]
    if len(scores_only):
        sentences.append(
            "The scores point to " + describe(scores_only)
            + ", which customers mention less often or less negatively in their comments."
        )
    missed = sorted({m for ms in bridged["missed"] for m in ms})
    if missed:
        sentences.append(
            say("Service standards were missed for {channels}.", channels=join_words(missed)).markdown
        )
    if not (len(both) or len(comments_only) or len(scores_only)):
        sentences.append("No theme stands out in both comments and scores.")
    return Text(" ".join(sentences))
