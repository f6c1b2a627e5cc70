import pandas as pd
import pytest

from carebook import ipa
from test_servqual import NA, NAN5, make_survey


@pytest.fixture
def weighted():
    # Same survey as test_servqual's fixture: performance (mean P) T 5.5, others 5;
    # weights x 100 = T 15, Rel 35, Resp 20, A 15, E 15 (grand mean 20, P mean 5.1).
    return make_survey(
        overrides={
            "E1": [7, 6, NA],
            "P1": [5, 6, 4],
            "P2": [7, 7, 7],
            "P3": [5, 6, 4],
            "P5": [NA, NA, NA],
        },
        weights=[(10, 30, 20, 20, 20), (20, 40, 20, 10, 10), NAN5],
    )


def test_quadrants_from_weights(weighted):
    table = ipa.ipa_table(weighted)
    assert list(table.columns) == [
        "importance",
        "performance",
        "gap",
        "quadrant",
        "importance_basis",
    ]
    assert table["importance"].tolist() == pytest.approx([15, 35, 20, 15, 15])
    assert table.attrs["importance_mean"] == pytest.approx(20)
    assert table.attrs["performance_mean"] == pytest.approx(5.1)
    assert table["quadrant"].to_dict() == {
        "tangibles": "Possible overkill",  # 15 < 20, 5.5 >= 5.1
        "reliability": "Concentrate here",  # 35 >= 20, 5.0 < 5.1
        "responsiveness": "Concentrate here",  # exactly on the importance crosshair: high
        "assurance": "Low priority",  # 15 < 20, 5.0 < 5.1
        "empathy": "Low priority",
    }
    assert set(table["importance_basis"]) == {"weights"}
    assert ipa.importance_basis(weighted) == "weights"


def test_without_weights_importance_is_mean_expectation(weighted):
    survey = weighted.drop(columns=[c for c in weighted.columns if c.startswith("W_")])
    table = ipa.ipa_table(survey)
    # mean E: T (6.5 + 6 + 6 + 6) / 4 = 6.125, others 6; grand mean 6.025
    assert table.loc["tangibles", "importance"] == pytest.approx(6.125)
    assert table.attrs["importance_mean"] == pytest.approx(6.025)
    assert table.loc["tangibles", "quadrant"] == "Keep up the good work"
    assert (table.drop(index="tangibles")["quadrant"] == "Low priority").all()
    assert set(table["importance_basis"]) == {"mean expectation"}
    assert "mean expectation" in ipa.ipa_caption(table)
    assert "crosshairs at the grand means" in ipa.ipa_caption(table)


def test_display_and_sentence(weighted):
    table = ipa.ipa_table(weighted)
    shown = ipa.ipa_display(table)
    assert list(shown.columns) == [
        "Importance (weight, points)",
        "Performance (mean P)",
        "Gap",
        "Quadrant",
    ]
    assert shown.index[1] == "Reliability"
    plain = str(ipa.ipa_sentence(table)).replace("\\", "")
    assert (
        "Reliability and Responsiveness are important to customers but performing below average"
        in plain
    )
    assert "Tangibles may be getting more effort than its importance warrants" in plain
    assert "Assurance and Empathy are low priority" in plain


def test_input_untouched(weighted):
    before = weighted.copy()
    ipa.ipa_table(weighted)
    pd.testing.assert_frame_equal(weighted, before)
