"""overview: case.yaml content, with plain sentences where optional keys are absent."""

import pytest

from carebook import overview
from carebook.case import load_case
from carebook.paths import ROOT

CASES = ROOT / "tests" / "data" / "cases"


@pytest.fixture(scope="module")
def bare():
    """Only the required files and keys (Harbour Water)."""
    return load_case(CASES / "required_only")


@pytest.fixture(scope="module")
def buses():
    return load_case(CASES / "other_org")


def test_one_strategy_is_singular(bare):
    text = str(overview.strategies_sentence(bare))
    assert text.startswith("Harbour Water pursues one specific customer care strategy.")


def test_several_strategies_are_counted_in_words(buses):
    assert str(overview.strategies_sentence(buses)).startswith(
        "Clyde Valley Buses pursues four specific customer care strategies."
    )


@pytest.mark.parametrize("aspect", ["internal_structure", "measures_and_policy", "feedback_changes"])
def test_missing_development_names_the_key_without_escapes(bare, aspect):
    text = str(overview.development(bare, aspect))
    # The key sits in a code span, where a Markdown escape would show as a backslash.
    assert f"`strategy_development.{aspect}`" in text


def test_unknown_development_aspect_is_refused(bare):
    with pytest.raises(ValueError, match="internal_structure"):
        overview.development(bare, "structure")


def test_inputs_table_counts_stay_whole_numbers_when_files_are_missing(bare):
    table = overview.inputs_table(bare)
    assert table.loc["survey.csv", "Records"] == 40
    assert str(table["Records"].dtype) == "Int64"
    assert table.loc["comments.csv", "Supplied"] == "no"


def test_under_a_million_customers_are_given_in_thousands(buses):
    # customers_millions: 0.41 -> 410,000
    assert "serves about 410,000 customers" in str(overview.profile(buses)).replace("\\", "")
