"""The synthetic customer comments of the sample case (``comments.csv``).

Comments arrive through the methods the sample report names (comment cards, letters of
complaint or commendation, structured conversations, telephone polling) plus e-mail and
online forms, and a few from elsewhere (``other``). Each comment is assembled from the
sentences of :mod:`carebook.sample.phrases`: an opening typical of its source, one or two
theme-carrying sentences of its kind, and a closing. About one in ten is written in
Chinese. Letters are laid out on several lines, some online and e-mail comments end with
an emoji, and a few comment cards say literally ``None``, ``NA``, ``N/A`` or ``null``,
which must stay text.

A random sample of about 60 comments carries a hand code in ``code``: the themes a human
coder gave it (keys separated by ``;``, ``none`` for no theme). It follows the sentences'
human themes, which mostly agree with keyword coding; the coder also misses one theme of
a multi-theme comment now and then, so agreement is high but not perfect.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from carebook.sample._csv import write_quoted
from carebook.sample.phrases import CLOSINGS, LITERAL_TEXTS, OPENINGS, SPECIFIC, THEME_ORDER

__all__ = ["HEADER", "SOURCES", "KINDS", "HAND_CODED", "generate_comments", "write_comments"]

log = logging.getLogger(__name__)

HEADER = ("comment_id", "date", "source", "kind", "text", "code")
SOURCES = ("comment_card", "letter", "conversation", "telephone_poll", "email", "online", "other")
SOURCE_SHARES = (0.17, 0.08, 0.13, 0.15, 0.20, 0.24, 0.03)
KINDS = ("complaint", "commendation", "suggestion", "other")
KIND_SHARES = (0.55, 0.20, 0.18, 0.07)
CHINESE_SHARE = 0.10
SECOND_SENTENCE = 0.30     # share of comments with a second theme-carrying sentence
EMOJI_SHARE = 0.08         # of online and e-mail comments
HAND_CODED = 60            # comments with a hand code
CODER_MISSES = 0.15        # chance the hand coder drops one theme of a multi-theme comment
_EMOJI = {"complaint": " 🙁", "commendation": " 👍", "suggestion": " 🙂", "other": " 🙂"}

FIRST_DAY = np.datetime64("2014-01-01")
DAYS = 324   # 1 January to 20 November 2014


def _pool(lang: str, kind: str) -> list[int]:
    return [i for i, p in enumerate(SPECIFIC) if p.lang == lang and p.kind == kind]


def _hand_code(themes: set[str]) -> str:
    return ";".join(t for t in THEME_ORDER if t in themes) or "none"


def generate_comments(
    seed: np.random.SeedSequence, n: int
) -> tuple[list[tuple[str, ...]], list[frozenset[str]]]:
    """Generate comment rows.

    Parameters
    ----------
    seed : numpy.random.SeedSequence
        The comments' own seed sequence.
    n : int
        Number of comments.

    Returns
    -------
    rows : list of tuple of str
        One tuple per comment in :data:`HEADER` order (``code`` is ``""`` when the
        comment was not hand-coded).
    themes : list of frozenset of str
        The themes a human coder would give each comment (the generator's intent).
    """
    r_meta, r_text, r_code = (np.random.default_rng(s) for s in seed.spawn(3))
    day = np.sort(r_meta.integers(0, DAYS, size=n))
    dates = np.datetime_as_string(FIRST_DAY + day, unit="D")
    source = r_meta.choice(len(SOURCES), size=n, p=SOURCE_SHARES)
    kind = r_meta.choice(len(KINDS), size=n, p=KIND_SHARES)
    chinese = r_meta.random(n) < CHINESE_SHARE
    pools = {(lang, k): _pool(lang, k) for lang in ("en", "zh") for k in KINDS}

    # All random choices are drawn as arrays first: the Python loop below only looks
    # them up, so the text of comment i never depends on how long earlier comments were.
    first, second, opening, closing, extra = r_text.random((5, n))
    two = r_text.random(n) < SECOND_SENTENCE
    emoji = r_text.random(n) < EMOJI_SHARE
    width = max(5, len(str(n)))

    rows: list[tuple[str, ...]] = []
    themes: list[frozenset[str]] = []
    for i in range(n):
        lang = "zh" if chinese[i] else "en"
        k, src = KINDS[kind[i]], SOURCES[source[i]]
        pool = pools[(lang, k)]
        picks = [pool[int(first[i] * len(pool))]]
        if two[i] and len(pool) > 1:
            other = pool[int(second[i] * (len(pool) - 1))]
            picks.append(other if other != picks[0] else pool[-1])
        openings, closings = OPENINGS[lang][src], CLOSINGS[lang][k]
        head = openings[int(opening[i] * len(openings))]
        tail = closings[int(closing[i] * len(closings))]
        joiner = "" if lang == "zh" else " "
        body = joiner.join(SPECIFIC[j].text for j in picks)
        if src == "letter" and lang == "en":
            # Letters keep their layout: salutation, body and sign-off on their own lines.
            parts = [head, body, tail, "Yours faithfully,\nA customer"]
            text = "\n".join(p for p in parts if p)
        elif src in ("conversation", "telephone_poll") and lang == "en" and head:
            # Staff notes quote the customer's words after their own lead-in.
            said = " ".join(p for p in (body, tail) if p)
            text = f'{head} "{said}"'
        elif src == "email" and lang == "en" and head:
            text = head + "\n" + " ".join(p for p in (body, tail) if p)
        else:
            text = joiner.join(p for p in (head, body, tail) if p)
        if emoji[i] and src in ("online", "email"):
            text += _EMOJI[k]
        rows.append((f"K{i + 1:0{width}d}", str(dates[i]), src, k, text, ""))
        themes.append(frozenset(t for j in picks for t in SPECIFIC[j].themes))

    # A handful of comment cards that literally say None, NA, N/A or null: the customer
    # wrote that word; a reader must keep it as text, not treat it as a missing value.
    if n >= 50:
        for word, i in zip(LITERAL_TEXTS, r_code.choice(n, size=len(LITERAL_TEXTS), replace=False),
                           strict=True):
            rows[i] = (rows[i][0], rows[i][1], "comment_card", "other", word, "")
            themes[i] = frozenset()

    coded = r_code.choice(n, size=min(HAND_CODED, n), replace=False)
    misses = r_code.random(len(coded)) < CODER_MISSES
    drop = r_code.random(len(coded))
    for i, miss, which in zip(coded, misses, drop, strict=True):
        given = set(themes[i])
        if miss and len(given) > 1:
            ordered = [t for t in THEME_ORDER if t in given]
            given.discard(ordered[int(which * len(ordered))])
        rows[i] = (*rows[i][:5], _hand_code(given))
    return rows, themes


def write_comments(path: Path, seed: np.random.SeedSequence, n: int) -> Path:
    """Generate *n* comments from *seed* and write them to *path* as ``comments.csv``."""
    rows, _ = generate_comments(seed, n)
    write_quoted(path, HEADER, rows)
    log.debug("wrote %s (%d comments)", path, n)
    return path
