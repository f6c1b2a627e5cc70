import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from carebook import standards  # noqa: E402
from carebook.case.model import Commitment  # noqa: E402
from carebook.plots import contacts as plots  # noqa: E402


@pytest.fixture
def commitments():
    return [
        Commitment(
            channel="hotline",
            label="10086 hotline",
            measure="resolution",
            target_hours=24,
            target_pct=95,
        ),
        Commitment(
            channel="email", label="E-mail", measure="response", target_hours=48, target_pct=50
        ),
        Commitment(channel="store", label="Store", measure="resolution", target_hours=1),
    ]


@pytest.fixture
def contacts():
    received = pd.Series(
        pd.to_datetime(
            ["2014-03-01 00:00", "2014-03-01 10:00", "2014-04-02 00:00", "2014-03-02 00:00"],
            utc=True,
        )
    )
    return pd.DataFrame(
        {
            "contact_id": ["c1", "c2", "c3", "c4"],
            "channel": ["hotline", "hotline", "hotline", "email"],
            "received_at": received,
            "first_response_at": received + pd.to_timedelta([0.5, 1, None, 40], unit="h"),
            "resolved_at": received + pd.to_timedelta([2, 30, None, 50], unit="h"),
        }
    )


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_within_target_bars(contacts, commitments):
    table = standards.commitment_table(contacts, commitments, "UTC")
    ax = plots.within_target_bars(table)
    texts = [t.get_text() for t in ax.texts]
    # hotline: 1 of 3 within 24 h
    assert "33.3% (target 95%)\nn = 3" in texts and "no contacts" in texts
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Below standard",
        "Meets standard",
        "No contacts",
    ]
    assert ax.get_xlim() == (0, 100)


def test_elapsed_ecdf_marks_each_target(contacts, commitments):
    table = standards.commitment_table(contacts, commitments, "UTC")
    dist = standards.elapsed_distribution(contacts, commitments, "UTC")
    ax = plots.elapsed_ecdf(dist, table)
    assert ax.get_xscale() == "log"
    offsets = [tuple(c.get_offsets()[0]) for c in ax.collections if len(c.get_offsets()) == 1]
    assert (24.0, 95.0) in offsets and (48.0, 50.0) in offsets
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["10086 hotline", "E-mail"] and labels[-1].startswith("Target")


def test_monthly_within(contacts, commitments):
    months = standards.by_month(contacts, commitments, "UTC")
    ax = plots.monthly_within(months)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2014-03", "2014-04"]


def test_nothing_to_draw_says_so(commitments):
    empty = pd.DataFrame(columns=["key", "label", "hours", "share_pct"])
    ax = plots.elapsed_ecdf(empty, pd.DataFrame())
    assert not ax.axison and ax.texts[0].get_text().startswith("No ")
    assert not plots.monthly_within(pd.DataFrame()).axison
