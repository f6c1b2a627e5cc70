import math

import mistune
import pandas as pd
import pytest

from carebook import agreement, comments
from carebook.case.model import Codebook, Theme

BOOK = Codebook(
    themes=(
        Theme(key="network", label="Network", keywords=("signal",)),
        Theme(key="waiting", label="Waiting", keywords=("on hold", "waited")),
        Theme(key="thanks", label="Thanks", keywords=("thank",)),
        Theme(key="shops", label="Shops", keywords=("store",)),
    )
)


def test_kappa_hand_worked_two_by_two():
    # 50 items: both yes 20, A yes / B no 5, A no / B yes 10, both no 15.
    # p_o = (20 + 15) / 50 = 0.70; A says yes 25/50 = 0.5, B 30/50 = 0.6;
    # p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.50; kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40.
    a = [True] * 20 + [True] * 5 + [False] * 10 + [False] * 15
    b = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    kappa = agreement.cohen_kappa(a, b)
    assert kappa == pytest.approx(0.40)
    assert agreement.landis_koch(kappa) == "fair"  # 0.40 is the top of "fair" even as 0.3999999...


def test_kappa_hand_worked_nominal():
    # p_o = 7/10; A: a 4, b 3, c 3; B: a 4, b 3, c 3;
    # p_e = 0.4*0.4 + 0.3*0.3 + 0.3*0.3 = 0.34; kappa = (0.70 - 0.34) / 0.66 = 0.5454...
    a = list("aaaabbbccc")
    b = list("aaabbbccca")
    assert agreement.cohen_kappa(a, b) == pytest.approx(0.36 / 0.66)


def test_kappa_extremes_and_errors():
    assert agreement.cohen_kappa([1, 0, 1, 0], [1, 0, 1, 0]) == pytest.approx(1.0)
    # Total disagreement on a balanced pair: p_o = 0, p_e = 0.5 -> kappa = -1.
    assert agreement.cohen_kappa([1, 0, 1, 0], [0, 1, 0, 1]) == pytest.approx(-1.0)
    # One category only for both coders: p_e = 1, agreement beyond chance is undefined.
    assert math.isnan(agreement.cohen_kappa([0, 0, 0], [0, 0, 0]))
    # Pairs with a missing value are left out: the remaining two agree on both categories.
    assert agreement.cohen_kappa([1, 0, None], [1, 0, 1]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="different lengths"):
        agreement.cohen_kappa([1, 0], [1])


@pytest.mark.parametrize(
    ("kappa", "label"),
    [(-0.01, "poor"), (0.0, "slight"), (0.20, "slight"), (0.21, "fair"), (0.40, "fair"), (0.41, "moderate"),
     (0.60, "moderate"), (0.61, "substantial"), (0.80, "substantial"), (0.81, "almost perfect"),
     (1.0, "almost perfect"), (float("nan"), "undefined")],
)
def test_landis_koch_bands(kappa, label):
    assert agreement.landis_koch(kappa) == label


@pytest.fixture
def hand_coded():
    return pd.DataFrame(
        {
            "comment_id": [f"c{i}" for i in range(1, 8)],
            "source": ["email"] * 7,
            "text": ["signal bad", "thank you", "waited", "lovely day", "signal, and thanks", "on hold", "hi"],
            "code": ["network", "thanks", pd.NA, "none", "network; thanks", "NETWORK", "billing"],
        }
    )


def test_kappa_by_theme_against_hand_arithmetic(hand_coded):
    coded = comments.code_comments(hand_coded, BOOK)
    table = agreement.kappa_by_theme(hand_coded, coded, BOOK)
    assert list(table.index) == ["network", "waiting", "thanks", "shops"]
    # Six rows were hand-coded (c3 has an empty code).
    assert table["n"].tolist() == [6, 6, 6, 6]
    # Network: human 1,0,0,1,1,0 vs keywords 1,0,0,1,0,0 -> p_o = 5/6;
    # p_e = (3/6)(2/6) + (3/6)(4/6) = 1/2; kappa = (5/6 - 1/2) / (1/2) = 2/3.
    net = table.loc["network"]
    assert (net["Human coder"], net["Keyword coder"]) == (3, 2)
    assert net["Observed agreement"] == pytest.approx(5 / 6) and net["Expected agreement"] == pytest.approx(0.5)
    assert net["Kappa"] == pytest.approx(2 / 3) and net["Landis and Koch"] == "substantial"
    # Waiting: human never, keywords once (c6) -> p_o = 5/6, p_e = 1 * 5/6 -> kappa = 0.
    assert table.loc["waiting", "Kappa"] == pytest.approx(0.0) and table.loc["waiting", "Landis and Koch"] == "slight"
    # Thanks: identical codings, p_e = (2/6)^2 + (4/6)^2 = 5/9 -> kappa = 1.
    assert table.loc["thanks", "Kappa"] == pytest.approx(1.0)
    # Shops: nobody coded it -> undefined.
    assert math.isnan(table.loc["shops", "Kappa"]) and table.loc["shops", "Landis and Koch"] == "undefined"


def test_unknown_codes_are_listed(hand_coded):
    assert agreement.unknown_codes(hand_coded, BOOK) == ["billing"]
    text = mistune.html(str(agreement.agreement_sentence(
        agreement.kappa_by_theme(hand_coded, comments.code_comments(hand_coded, BOOK), BOOK), ["billing"])))
    assert "A human coder coded 6 comments by hand" in text
    assert "from 0.00 for Waiting (slight) to 1.00 for Thanks (almost perfect)" in text
    assert "Kappa is undefined for Shops" in text and "billing, which is not in the codebook" in text


def test_no_agreement_without_a_code_column_or_hand_coded_rows(hand_coded):
    coded = comments.code_comments(hand_coded, BOOK)
    assert agreement.kappa_by_theme(hand_coded.drop(columns="code"), coded, BOOK) is None
    blank = hand_coded.assign(code=[pd.NA, "", "  ", pd.NA, pd.NA, pd.NA, pd.NA])
    assert agreement.kappa_by_theme(blank, coded, BOOK) is None
    assert "could not be measured" in str(agreement.agreement_sentence(None))


def test_input_is_left_untouched(hand_coded):
    before = hand_coded.copy()
    agreement.kappa_by_theme(hand_coded, comments.code_comments(hand_coded, BOOK), BOOK)
    pd.testing.assert_frame_equal(hand_coded, before)


def test_without_comments_kappa_is_none_and_the_sentence_says_none_were_supplied():
    book = Codebook(themes=(Theme(key="a", label="A", keywords=("x",)),))
    assert agreement.kappa_by_theme(None, None, book) is None
    text = mistune.html(str(agreement.agreement_sentence(None, supplied=False)))
    assert "No comments.csv was supplied" in text and "hand-coded" not in text


def test_equal_kappas_are_not_reported_as_a_range():
    table = pd.DataFrame(
        {"Theme": ["Network", "Waiting"], "n": [2, 2], "Kappa": [1.0, 1.0],
         "Landis and Koch": ["almost perfect", "almost perfect"]},
        index=["network", "waiting"],
    )
    text = mistune.html(str(agreement.agreement_sentence(table)))
    assert "ranged" not in text and "1.00 (almost perfect) for both Network and Waiting" in text
    assert "coded 2 comments by hand" in text
