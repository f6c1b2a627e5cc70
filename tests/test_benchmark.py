import json

import pandas as pd
import pytest

from carebook import benchmark
from carebook.metrics import to_json

ORG, COMP = "China Mobile", "China Unicom"


def frame(rows):
    columns = [
        "metric",
        "label",
        "organisation",
        "value",
        "unit",
        "higher_is_better",
        "period",
        "source",
    ]
    return pd.DataFrame(rows, columns=columns)


@pytest.fixture
def bench():
    # Figures from domain.md §6 (Reuters; MIIT Q1 2012).
    return frame(
        [
            ("market_share_pct", "Market share", ORG, 62.2, "%", True, "Dec 2013", "Reuters"),
            ("market_share_pct", "Market share", COMP, 22.8, "%", True, "Dec 2013", "Reuters"),
            (
                "appeals_per_million",
                "Appeals per million users",
                ORG,
                8.6,
                None,
                False,
                "Q1 2012",
                "MIIT",
            ),
            (
                "appeals_per_million",
                "Appeals per million users",
                COMP,
                20.2,
                None,
                False,
                "Q1 2012",
                "MIIT",
            ),
        ]
    )


def test_metrics_block_matches_interface_example(bench):
    block = benchmark.benchmark_metrics(bench, ORG, COMP)
    share = block["market_share_pct"]
    assert set(share) == {
        "organisation",
        "competitor",
        "difference",
        "difference_pct",
        "organisation_better",
    }
    # 62.2 - 22.8 = 39.4; 100 * 39.4 / 22.8 = 172.807...
    assert share["difference"] == pytest.approx(39.4)
    assert share["difference_pct"] == pytest.approx(172.807, abs=1e-3)
    assert share["organisation_better"] is True


def test_lower_is_better_direction(bench):
    appeals = benchmark.benchmark_metrics(bench, ORG, COMP)["appeals_per_million"]
    # 8.6 - 20.2 = -11.6; 100 * -11.6 / 20.2 = -57.426
    assert appeals["difference"] == pytest.approx(-11.6)
    assert appeals["difference_pct"] == pytest.approx(-57.426, abs=1e-3)
    assert appeals["organisation_better"] is True


def test_competitor_zero_gives_null_percentage():
    data = frame(
        [
            ("outages", None, ORG, 3.0, None, False, None, None),
            ("outages", None, COMP, 0.0, None, False, None, None),
        ]
    )
    outages = benchmark.benchmark_metrics(data, ORG, COMP)["outages"]
    assert outages["difference"] == 3.0 and outages["difference_pct"] is None
    assert outages["organisation_better"] is False
    assert json.loads(to_json({"b": outages}))["b"]["difference_pct"] is None


def test_negative_competitor_uses_absolute_value():
    data = frame(
        [
            ("profit", None, ORG, 10.0, None, True, None, None),
            ("profit", None, COMP, -5.0, None, True, None, None),
        ]
    )
    # 100 * (10 - -5) / |-5| = 300
    assert benchmark.benchmark_metrics(data, ORG, COMP)["profit"][
        "difference_pct"
    ] == pytest.approx(300)


@pytest.mark.parametrize("higher", [True, False])
def test_equal_values_are_not_better(higher):
    data = frame(
        [
            ("m", None, ORG, 5.0, None, higher, None, None),
            ("m", None, COMP, 5.0, None, higher, None, None),
        ]
    )
    assert benchmark.benchmark_metrics(data, ORG, COMP)["m"]["organisation_better"] is False


def test_no_benchmark_or_no_competitor_gives_none(bench):
    assert benchmark.benchmark_metrics(None, ORG, COMP) is None
    assert benchmark.benchmark_metrics(bench, ORG, None) is None


def test_latest_shared_period_in_file_order_is_used():
    data = frame(
        [
            ("arpu", None, ORG, 68.0, "RMB", True, "2012", None),
            ("arpu", None, COMP, 47.9, "RMB", True, "2012", None),
            ("arpu", None, ORG, 63.0, "RMB", True, "2013", None),
            ("arpu", None, COMP, 48.0, "RMB", True, "2013", None),
            ("arpu", None, ORG, 62.0, "RMB", True, "Q1 2014", None),  # no competitor value for it
        ]
    )
    arpu = benchmark.benchmark_metrics(data, ORG, COMP)["arpu"]
    assert (arpu["organisation"], arpu["competitor"]) == (63.0, 48.0)
    assert benchmark.comparison_table(data, ORG, COMP)["Period"].tolist() == ["2013"]


def test_names_match_ignoring_case_and_spaces(bench):
    bench = bench.assign(organisation=bench["organisation"].str.upper() + " ")
    assert set(benchmark.benchmark_metrics(bench, ORG, COMP)) == {
        "market_share_pct",
        "appeals_per_million",
    }


def test_keys_are_exactly_the_metric_names_in_file_order(bench):
    assert list(benchmark.benchmark_metrics(bench, ORG, COMP)) == [
        "market_share_pct",
        "appeals_per_million",
    ]


def test_input_is_left_untouched(bench):
    before = bench.copy()
    benchmark.benchmark_metrics(bench, ORG, COMP)
    benchmark.comparison_table(bench, ORG, COMP)
    pd.testing.assert_frame_equal(bench, before)


def test_comparison_table_side_by_side_with_leader(bench):
    table = benchmark.comparison_table(bench, ORG, COMP)
    assert list(table.columns) == [
        "Period",
        "Unit",
        ORG,
        COMP,
        "Difference",
        "Difference (%)",
        "Better when",
        "Leads",
    ]
    assert table.index.tolist() == ["Market share", "Appeals per million users"]
    assert table["Better when"].tolist() == ["higher", "lower"]
    assert table["Leads"].tolist() == [ORG, ORG]


def test_comparison_table_says_level_on_a_tie():
    data = frame(
        [
            ("m", None, ORG, 5.0, None, True, None, None),
            ("m", None, COMP, 5.0, None, True, None, None),
        ]
    )
    assert benchmark.comparison_table(data, ORG, COMP)["Leads"].tolist() == ["level"]


def test_lead_sentence_names_the_leader_per_metric(bench):
    data = pd.concat(
        [
            bench,
            frame(
                [
                    ("profit_bn", "Net profit", ORG, 5.0, None, True, None, None),
                    ("profit_bn", "Net profit", COMP, 10.4, None, True, None, None),
                ]
            ),
        ]
    )
    text = benchmark.lead_sentence(data, ORG, COMP).markdown.replace("\\", "")
    assert text == (
        "China Mobile leads China Unicom on 2 of 3 benchmark metrics (market share and appeals per "
        "million users); China Unicom leads on net profit."
    )


def test_lead_sentence_without_benchmark_says_so():
    assert "No benchmark" in benchmark.lead_sentence(None, ORG, COMP).markdown.replace("\\", "")


def test_sources_are_listed_once(bench):
    assert benchmark.sources(bench) == "Reuters; MIIT"


def test_camp_steps_are_ten_steps_in_four_phases_plus_maturity():
    steps = benchmark.camp_steps()
    assert len(steps) == 11 and list(steps.columns) == ["Phase", "Step"]
    assert steps["Phase"].drop_duplicates().tolist() == [
        "Planning",
        "Analysis",
        "Integration",
        "Action",
        "Maturity",
    ]
    assert (steps["Phase"] == "Planning").sum() == 3


def test_benefits_and_types_are_tables():
    assert len(benchmark.benchmarking_benefits()) >= 2
    assert "Competitive" in benchmark.benchmarking_types().index


def test_lead_sentence_stops_naming_metrics_past_a_handful():
    rows = []
    for i in range(6):
        rows += [
            (f"m{i}", f"Metric {i}", ORG, 2.0, None, True, None, None),
            (f"m{i}", f"Metric {i}", COMP, 1.0, None, True, None, None),
        ]
    text = benchmark.lead_sentence(frame(rows), ORG, COMP).markdown.replace("\\", "")
    assert text == "China Mobile leads China Unicom on 6 of 6 benchmark metrics."


def test_comparison_table_is_none_without_benchmark_data():
    assert benchmark.comparison_table(None, ORG, COMP) is None
    assert benchmark.comparison_table(None, ORG, None) is None


def test_a_metric_without_both_sides_is_skipped_and_said(caplog):
    data = frame(
        [
            ("nps", None, ORG, 31.0, None, True, None, None),
            ("arpu", None, ORG, 68.0, "RMB", True, None, None),
            ("arpu", None, COMP, 47.9, "RMB", True, None, None),
        ]
    )
    with caplog.at_level("WARNING", logger="carebook.benchmark"):
        table = benchmark.comparisons(data, ORG, COMP)
    assert list(table.index) == ["arpu"]
    assert "'nps' lacks a value" in caplog.text


def test_without_a_shared_period_each_side_last_row_is_used_and_said(caplog):
    data = frame(
        [
            ("arpu", None, ORG, 68.0, "RMB", True, "2012", None),
            ("arpu", None, ORG, 63.0, "RMB", True, "2013", None),
            ("arpu", None, COMP, 47.9, "RMB", True, "Q4 2012", None),
            ("arpu", None, COMP, 48.0, "RMB", True, "Q4 2013", None),
        ]
    )
    with caplog.at_level("WARNING", logger="carebook.benchmark"):
        row = benchmark.comparisons(data, ORG, COMP).loc["arpu"]
    assert (row["organisation"], row["competitor"], row["period"]) == (63.0, 48.0, None)
    assert row["difference"] == pytest.approx(15.0)
    assert "no period shared" in caplog.text


def test_a_period_given_twice_uses_its_last_rows_and_no_period_column_is_fine():
    data = frame(
        [
            ("arpu", None, COMP, 47.0, "RMB", True, "2013", None),
            ("arpu", None, ORG, 60.0, "RMB", True, "2013", None),
            ("arpu", None, ORG, 63.0, "RMB", True, "2013", None),  # a correction, later
            ("arpu", None, COMP, 48.0, "RMB", True, "2013", None),
        ]
    )
    row = benchmark.comparisons(data, ORG, COMP).loc["arpu"]
    assert (row["organisation"], row["competitor"], row["period"]) == (63.0, 48.0, "2013")
    # No period column at all: each side's last row, no warning needed.
    row = benchmark.comparisons(data.drop(columns="period"), ORG, COMP).loc["arpu"]
    assert (row["organisation"], row["competitor"], row["period"]) == (63.0, 48.0, None)
    assert row["difference_pct"] == pytest.approx(100 * 15 / 48)
