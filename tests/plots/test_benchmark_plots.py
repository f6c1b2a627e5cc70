import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import carebook
from carebook.plots.benchmark import comparison_bars

ORG, COMP = "China Mobile", "中国联通"


@pytest.fixture(autouse=True)
def _setup():
    carebook.setup(3)  # turns missing-glyph warnings into errors
    yield
    plt.close("all")


def bench():
    return pd.DataFrame(
        {
            "metric": ["share", "share", "appeals", "appeals", "profit", "profit"],
            "label": [
                "Market share",
                "Market share",
                "Appeals per million",
                "Appeals per million",
                pd.NA,
                pd.NA,
            ],
            "organisation": [ORG, COMP] * 3,
            "value": [62.2, 22.8, 8.6, 20.2, -5.0, 10.4],
            "unit": ["%", "%", pd.NA, pd.NA, "RMB bn", "RMB bn"],
            "higher_is_better": [True, True, False, False, True, True],
        }
    )


def test_paired_bars_are_scaled_to_the_larger_value():
    ax = comparison_bars(bench(), ORG, COMP)
    org_bars, comp_bars = ax.containers[0], ax.containers[1]
    assert len(org_bars) == len(comp_bars) == 3
    # share: 62.2 is the larger → 100; 22.8 → 100 * 22.8 / 62.2 = 36.66
    assert org_bars[0].get_width() == pytest.approx(100)
    assert comp_bars[0].get_width() == pytest.approx(36.656, abs=1e-3)
    # profit: -5 vs 10.4 → -48.08 and 100
    assert org_bars[2].get_width() == pytest.approx(-48.077, abs=1e-3)
    labels = [t.get_text() for t in ax.texts]
    assert "62.2% (leads)" in labels and "20.2" in labels and "10.4 RMB bn (leads)" in labels


def test_chart_draws_cjk_names_without_glyph_warnings(tmp_path):
    ax = comparison_bars(bench(), ORG, COMP)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax.figure.savefig(tmp_path / "b.png", dpi=50)
    assert ax.figure.get_figwidth() == pytest.approx(6.4)


def test_without_benchmark_the_axes_says_so():
    ax = comparison_bars(None, ORG, COMP)
    assert not ax.axison and ax.texts[0].get_text() == "No benchmark data to compare"


def test_draws_on_a_given_axes():
    _, ax = plt.subplots()
    assert comparison_bars(bench(), ORG, COMP, ax=ax) is ax


def test_no_benchmark_chart_is_marked_so_the_report_leaves_it_out():
    from carebook import figures, plots

    ax = comparison_bars(None, ORG, COMP)
    assert plots.is_empty(ax.figure)
    assert figures.show(ax, "Benchmark metrics") is None
