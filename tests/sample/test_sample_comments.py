"""comments.csv of the committed sample and the sentences it is built from."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from carebook.paths import PACKAGE_DATA, SAMPLE_CASE
from carebook.sample.comments import generate_comments, write_comments
from carebook.sample.phrases import CLOSINGS, LITERAL_TEXTS, OPENINGS, SPECIFIC, THEME_ORDER

SOURCES = {"comment_card", "letter", "conversation", "telephone_poll", "email", "online", "other"}


@pytest.fixture(scope="module")
def codebook() -> dict[str, list[str]]:
    themes = yaml.safe_load((PACKAGE_DATA / "codebook.yaml").read_text(encoding="utf-8"))["themes"]
    return {key: [str(k).lower() for k in theme["keywords"]] for key, theme in themes.items()}


def keyword_themes(text: str, codebook: dict[str, list[str]]) -> set[str]:
    """The contract's coding rule: any keyword as a case-insensitive substring."""
    low = text.lower()
    return {key for key, words in codebook.items() if any(w in low for w in words)}


@pytest.fixture(scope="module")
def comments() -> pd.DataFrame:
    return pd.read_csv(SAMPLE_CASE / "comments.csv", dtype=str, keep_default_na=False)


def test_theme_order_is_the_codebooks(codebook):
    assert tuple(codebook) == THEME_ORDER


@pytest.mark.parametrize("phrase", SPECIFIC, ids=lambda p: p.text[:40])
def test_each_sentence_is_coded_as_declared(phrase, codebook):
    found = keyword_themes(phrase.text, codebook)
    if phrase.subtle:
        assert found != set(phrase.themes), "a subtle sentence must fool the keyword coder"
    else:
        assert found == set(phrase.themes)


def test_openings_and_closings_carry_no_theme(codebook):
    texts = {t for by_source in OPENINGS.values() for ts in by_source.values() for t in ts}
    texts |= {t for by_kind in CLOSINGS.values() for ts in by_kind.values() for t in ts}
    texts |= {"Yours faithfully,\nA customer", *LITERAL_TEXTS}
    for text in texts:
        assert keyword_themes(text, codebook) == set(), text


def test_every_theme_and_kind_has_sentences_in_english():
    english = [p for p in SPECIFIC if p.lang == "en"]
    assert {t for p in english for t in p.themes} == set(THEME_ORDER)
    assert {p.kind for p in english} == {"complaint", "commendation", "suggestion", "other"}


def test_layout_ids_and_size(comments):
    assert list(comments.columns) == ["comment_id", "date", "source", "kind", "text", "code"]
    assert len(comments) == 2_000
    assert comments["comment_id"].is_unique
    assert comments["comment_id"].str.fullmatch(r"K\d{5}").all()
    dates = pd.to_datetime(comments["date"], format="%Y-%m-%d")
    assert dates.dt.year.eq(2014).all()


def test_all_seven_sources_and_four_kinds(comments):
    assert set(comments["source"]) == SOURCES
    assert comments["source"].value_counts(normalize=True)["other"] < 0.06
    kinds = comments["kind"].value_counts(normalize=True)
    assert set(kinds.index) == {"complaint", "commendation", "suggestion", "other"}
    assert kinds.idxmax() == "complaint"


def test_mostly_english_with_about_a_tenth_chinese(comments):
    chinese = comments["text"].str.contains(r"[\u4e00-\u9fff]")
    assert 0.07 <= chinese.mean() <= 0.13


def test_texts_exercise_csv_quoting_and_unicode(comments):
    text = comments["text"]
    assert (text.str.len() > 0).all()
    assert text.str.contains("\n").sum() > 20
    assert text.str.contains('"').sum() > 20
    assert text.str.contains(",").sum() > 100
    assert text.str.contains("[\U0001F300-\U0001FAFF]").sum() > 5
    assert text.str.contains("<em>").any() and text.str.contains(r"\*\*").any()


def test_literal_none_and_na_comments_stay_text(comments):
    for word in LITERAL_TEXTS:
        assert (comments["text"] == word).sum() == 1


def test_several_hundred_distinct_texts(comments):
    assert comments["text"].nunique() >= 300


def test_csv_reads_back_exactly_with_the_csv_module(tmp_path: Path):
    rows, _ = generate_comments(np.random.SeedSequence(5), 300)
    write_comments(tmp_path / "comments.csv", np.random.SeedSequence(5), 300)
    with open(tmp_path / "comments.csv", encoding="utf-8", newline="") as fh:
        back = [tuple(r) for r in csv.reader(fh)]
    assert back[1:] == rows


def test_most_comments_carry_a_theme_but_some_none(comments, codebook):
    coded = comments["text"].map(lambda t: keyword_themes(t, codebook))
    uncoded = coded.map(len).eq(0).mean()
    assert 0.03 < uncoded < 0.25
    counts = {key: coded.map(lambda s, k=key: k in s).sum() for key in THEME_ORDER}
    assert min(counts.values()) > 20


def test_about_sixty_hand_codes_that_mostly_agree_with_keywords(comments, codebook):
    hand = comments[comments["code"] != ""]
    assert len(hand) == 60
    for code in hand["code"]:
        keys = code.split(";")
        assert code == "none" or set(keys) <= set(THEME_ORDER)
    keyword = hand["text"].map(
        lambda t: ";".join(k for k in THEME_ORDER if k in keyword_themes(t, codebook)) or "none")
    agreement = (keyword == hand["code"]).mean()
    assert 0.6 <= agreement < 1.0


def test_human_themes_equal_keyword_themes_unless_a_subtle_sentence_is_used(codebook):
    rows, themes = generate_comments(np.random.SeedSequence(11), 500)
    subtle = [p.text for p in SPECIFIC if p.subtle]
    for row, intended in zip(rows, themes, strict=True):
        text = row[4]
        if not any(s in text for s in subtle):
            assert keyword_themes(text, codebook) == set(intended), text
