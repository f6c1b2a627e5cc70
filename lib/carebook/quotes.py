"""Representative customer quotes per theme, chosen by a stated, deterministic rule.

Quotes are shown exactly as the customer wrote them. A comment is untrusted text: it
may contain HTML, Markdown or script, and the report must show that as literal
characters (reliability.md P0-1, P0-2). The display helpers here therefore build
Markdown only from ``safety.md_escape``-d text, and :func:`quote_table` returns a plain
DataFrame for ``tables.show``, which escapes every cell; nothing here produces HTML.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from carebook.case.model import Codebook
from carebook.narrative import Text, say
from carebook.safety import md_escape

__all__ = ["MAX_CHARS", "MIN_WORDS", "ELLIPSIS", "density", "representative", "as_text", "quote_table"]

log = logging.getLogger(__name__)

#: Quotes longer than this many characters are shortened, and the report says so.
MAX_CHARS = 400
#: Comments with at least this many words are preferred as quotes.
MIN_WORDS = 5
ELLIPSIS = "\u2026"

# Han, kana and Hangul characters (Chinese has no spaces between words).
_CJK_CHAR = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003ffff]")
_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> float:
    """Words in *text*: runs of letters or digits, plus one word per two CJK characters."""
    cjk = len(_CJK_CHAR.findall(text))
    return len(_WORD.findall(_CJK_CHAR.sub(" ", text))) + cjk / 2


def _ordered(keywords: tuple[str, ...]) -> list[str]:
    # Longest keywords first, so "waited" counts once, not also as "wait".
    return sorted({k.casefold() for k in keywords if k.strip()}, key=lambda k: (-len(k), k))


def _count_matches(folded: list[str], keywords: tuple[str, ...]) -> np.ndarray:
    """Non-overlapping keyword matches in each casefolded text (longest keyword first)."""
    from carebook.comments import keyword_pattern

    ordered = _ordered(keywords)
    if not ordered or not folded:
        return np.zeros(len(folded))
    pattern = keyword_pattern(ordered)
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        counts = pc.count_substring_regex(pa.array(folded, type=pa.large_string()), pattern)
        return counts.to_numpy(zero_copy_only=False).astype(float)
    except (ImportError, ValueError):
        compiled = re.compile(pattern)
        return np.array([len(compiled.findall(t)) for t in folded], dtype=float)


def density(text: str, keywords: tuple[str, ...]) -> float:
    """Return keyword matches per word of *text* (0 when it has no word).

    Matches are counted on the casefolded text, without overlaps, longest keyword
    first; words are as in :func:`representative`.

    Examples
    --------
    >>> density("I waited and waited for a reply", ("wait", "waited", "reply"))
    0.42857142857142855
    """
    words = _words(text)
    return float(_count_matches([text.casefold()], keywords)[0] / words) if words else 0.0


def _shorten(text: str, max_chars: int) -> tuple[str, bool]:
    text = text.strip("\r\n")
    if len(text) <= max_chars:
        return text, False
    return text[:max_chars].rstrip() + ELLIPSIS, True


def representative(
    comments: pd.DataFrame | None,
    coded: pd.DataFrame | None,
    codebook: Codebook,
    per_theme: int = 2,
    *,
    max_chars: int = MAX_CHARS,
    min_words: int = MIN_WORDS,
) -> pd.DataFrame:
    """Choose up to *per_theme* quotes for each theme.

    The rule, applied to each theme in codebook order:

    1. The candidates are the comments coded with the theme; those with at least
       *min_words* words are used when the theme has any.
    2. They are ranked by **keyword density** (matches of the theme's keywords per
       word; a word is a run of letters or digits, and every two Chinese, Japanese or
       Korean characters count as one word, since those scripts have no spaces), highest
       first; then by length in characters, shortest first; then by ``comment_id``.
    3. A comment already quoted for an earlier theme is skipped while the theme has
       other candidates, so the quotes show different comments.
    4. A quote longer than *max_chars* characters is cut there and ends with "…";
       ``shortened`` says so. Otherwise the text is exactly as written (leading and
       trailing line breaks aside).

    Parameters
    ----------
    comments : DataFrame
        ``Case.comments`` (``comment_id``, ``source``, ``text``). Not modified.
    coded : DataFrame
        ``comments.code_comments`` of the same comments.
    codebook : Codebook
        The themes.
    per_theme : int, default 2
        Quotes per theme at most.
    max_chars : int, default 400
        Longest quote shown in full.
    min_words : int, default 5
        Preferred minimum length of a quote in words.

    Returns
    -------
    DataFrame or None
        Columns ``theme`` (key), ``label``, ``comment_id``, ``source``, ``text`` and
        ``shortened``, in codebook order; themes without comments have no rows.
        ``None`` when there are no comments (*comments* or *coded* is ``None``).
    """
    if comments is None or coded is None:
        return None
    texts = [t if isinstance(t, str) else "" for t in comments["text"].tolist()]
    folded = [t.casefold() for t in texts]
    words = np.array([_words(t) for t in texts], dtype=float)
    lengths = np.array([len(t) for t in texts])
    ids = np.array([str(i) for i in comments["comment_id"].tolist()], dtype=object)
    used: set[int] = set()
    rows = []
    for theme in codebook.themes:
        candidates = np.flatnonzero(coded[theme.key].to_numpy(dtype=bool))
        if len(candidates) == 0:
            continue
        long_enough = candidates[words[candidates] >= min_words]
        pool = long_enough if len(long_enough) else candidates
        hits = _count_matches([folded[i] for i in pool], theme.keywords)
        with np.errstate(divide="ignore", invalid="ignore"):
            dens = np.where(words[pool] > 0, hits / words[pool], 0.0)
        # np.lexsort sorts by the last key first: density (high first), length, id.
        ranked = pool[np.lexsort((ids[pool], lengths[pool], -dens))]
        fresh = [i for i in ranked if i not in used]
        chosen = (fresh[:per_theme] + [i for i in ranked if i in used])[:per_theme]
        for i in chosen:
            used.add(int(i))
            text, shortened = _shorten(texts[i], max_chars)
            rows.append(
                {
                    "theme": theme.key,
                    "label": theme.label,
                    "comment_id": comments["comment_id"].iloc[i],
                    "source": comments["source"].iloc[i],
                    "text": text,
                    "shortened": shortened,
                }
            )
    return pd.DataFrame(rows, columns=["theme", "label", "comment_id", "source", "text", "shortened"])


def _source_name(source: object) -> str:
    from carebook.comments import SOURCE_NAMES

    return SOURCE_NAMES.get(str(source), str(source)).lower()


def _blockquote(text: str) -> str:
    """A Markdown blockquote showing *text* literally, line breaks kept."""
    return "\n".join("> " + line for line in md_escape(text).split("\n"))


def as_text(quotes: pd.DataFrame | None) -> Text:
    """Render quotes as Markdown: the theme label, then each quote as a blockquote.

    Every piece of case text (theme label, comment id, quote) is escaped with
    ``safety.md_escape``, so HTML, Markdown links or script in a comment appear as the
    literal characters and never as markup; line breaks are kept as hard breaks. A
    shortened quote says so after the comment id.

    Parameters
    ----------
    quotes : DataFrame
        From :func:`representative`.
    """
    if quotes is None:
        return Text("With no customer comments in this case, there are no quotes to show.")
    if quotes.empty:
        return Text("No comment was coded with any theme, so there are no quotes to show.")
    blocks = []
    for theme, group in quotes.groupby("theme", sort=False):
        blocks.append(say("**{label}**", label=group["label"].iloc[0]).markdown)
        for row in group.itertuples():
            tail = ", shortened" if row.shortened else ""
            attribution = say(
                "\u2014 comment {cid}, {source}" + tail, cid=row.comment_id, source=_source_name(row.source)
            ).markdown
            blocks.append(_blockquote(row.text) + "\n>\n> " + attribution)
    return Text("\n\n".join(blocks))


def quote_table(quotes: pd.DataFrame) -> pd.DataFrame:
    """Return the quotes as a table for ``tables.show`` (which escapes every cell).

    Indexed by theme label; columns ``Comment``, ``Source`` and ``Quote`` (with "…"
    where shortened). Line breaks in a quote become single spaces, which is how HTML
    shows them in a table cell (pandas would otherwise print a literal ``\\n``); use
    :func:`as_text` to keep a letter's line breaks.
    """
    return pd.DataFrame(
        {
            "Comment": quotes["comment_id"].tolist(),
            "Source": [_source_name(s).capitalize() for s in quotes["source"]],
            "Quote": [" ".join(str(t).splitlines()) for t in quotes["text"]],
        },
        index=pd.Index(quotes["label"].tolist(), name="Theme"),
    )
