"""Service standards against hand-worked contacts.

Commitments: hotline resolution within 24 h for 50 %, e-mail response within 48 h for
50 %, store resolution within 1 h (no store contacts at all).
Contacts (UTC):
  c1 hotline  received 2014-03-01 00:00  response +0.5 h  resolved +2 h    FCR true
  c2 hotline  received 2014-03-01 10:00  response +1 h    resolved +30 h   FCR false
  c3 hotline  received 2014-03-31 17:00  (= 1 April 01:00 in Shanghai)  still open
  c4 email    received 2014-03-02 00:00  response +48 h (exactly the target), resolved +50 h
  c5 email    received 2014-03-05 00:00  no response yet                   FCR true
"""

import json

import pandas as pd
import pytest

from carebook import standards
from carebook.case.model import Commitment
from carebook.errors import InputError
from carebook.narrative import Text

H = pd.Timedelta(hours=1)


def ts(*values):
    return pd.Series(pd.to_datetime(list(values), utc=True))


@pytest.fixture
def commitments():
    return [
        Commitment(
            channel="hotline",
            label="10086 hotline",
            measure="resolution",
            target_hours=24,
            target_pct=50,
        ),
        Commitment(
            channel="email", label="E-mail", measure="response", target_hours=48, target_pct=50
        ),
        Commitment(
            channel="store", label="Store", measure="resolution", target_hours=1, target_pct=90
        ),
    ]


@pytest.fixture
def contacts():
    received = ts(
        "2014-03-01 00:00",
        "2014-03-01 10:00",
        "2014-03-31 17:00",
        "2014-03-02 00:00",
        "2014-03-05 00:00",
    )
    return pd.DataFrame(
        {
            "contact_id": pd.array(["c1", "c2", "c3", "c4", "c5"], dtype="str"),
            "channel": pd.array(["hotline", "hotline", "hotline", "email", "email"], dtype="str"),
            "category": pd.array(["billing", "network", "billing", "billing", None], dtype="str"),
            "received_at": received,
            "first_response_at": received + pd.to_timedelta([0.5, 1, None, 48, None], unit="h"),
            "resolved_at": received + pd.to_timedelta([2, 30, None, 50, None], unit="h"),
            "first_contact_resolution": pd.array([True, False, None, None, True], dtype="boolean"),
        }
    )


def test_commitment_table_hand_worked(contacts, commitments):
    table = standards.commitment_table(contacts, commitments, "Asia/Shanghai")
    assert list(table.columns) == [
        "channel",
        "label",
        "measure",
        "target_hours",
        "target_pct",
        "contacts",
        "within_target_pct",
        "median_hours",
        "p90_hours",
        "open",
        "meets_standard",
    ]
    assert list(table.index) == ["hotline", "email", "store"]
    hot = table.loc["hotline"]
    # 1 of 3 resolved within 24 h (c1: 2 h); c3 open counts as not within
    assert hot["contacts"] == 3 and hot["within_target_pct"] == pytest.approx(100 / 3)
    # median of the timed 2 and 30 h = 16; p90 by interpolation = 2 + 0.9 * 28 = 27.2
    assert hot["median_hours"] == pytest.approx(16.0) and hot["p90_hours"] == pytest.approx(27.2)
    assert hot["open"] == 1
    assert hot["meets_standard"] is not pd.NA and not hot["meets_standard"]  # 33.3 < 50
    mail = table.loc["email"]
    # c4 answered in exactly 48 h: within (<=); c5 unanswered: 1 of 2 = 50 % >= 50 % target
    assert mail["within_target_pct"] == pytest.approx(50.0) and bool(mail["meets_standard"])
    assert mail["median_hours"] == pytest.approx(48.0) and mail["open"] == 1
    store = table.loc["store"]
    # no contacts: nothing measured, neither met nor missed
    assert store["contacts"] == 0 and store["open"] == 0
    assert pd.isna(store["within_target_pct"]) and pd.isna(store["median_hours"])
    assert pd.isna(store["meets_standard"])


def test_contact_metrics_block(contacts, commitments):
    m = standards.contact_metrics(contacts, commitments, "Asia/Shanghai")
    assert list(m) == ["contacts", "fcr_pct", "channels"]
    assert m["contacts"] == 5
    assert m["fcr_pct"] == pytest.approx(200 / 3)  # true, false, true of 3 answered
    assert list(m["channels"]["hotline"]) == [
        "contacts",
        "measure",
        "target_hours",
        "target_pct",
        "within_target_pct",
        "median_hours",
        "meets_standard",
    ]
    assert (
        m["channels"]["hotline"]["target_hours"] == 24
        and type(m["channels"]["hotline"]["target_hours"]) is int
    )
    assert m["channels"]["hotline"]["meets_standard"] is False
    assert m["channels"]["email"]["meets_standard"] is True
    assert m["channels"]["store"] == {
        "contacts": 0,
        "measure": "resolution",
        "target_hours": 1,
        "target_pct": 90,
        "within_target_pct": None,
        "median_hours": None,
        "meets_standard": None,
    }
    json.dumps(m, allow_nan=False)


def test_fcr_is_none_without_the_column_or_answers(contacts, commitments):
    assert (
        standards.contact_metrics(
            contacts.drop(columns="first_contact_resolution"), commitments, "UTC"
        )["fcr_pct"]
        is None
    )
    blank = contacts.assign(first_contact_resolution=pd.array([None] * 5, dtype="boolean"))
    assert standards.fcr_summary(blank) == {"n": 0, "fcr_pct": None}
    assert "not reported" in str(standards.fcr_sentence(blank))
    assert str(
        standards.fcr_sentence(contacts.drop(columns="first_contact_resolution"))
    ).startswith("No ")


def test_two_commitments_on_one_channel_get_distinct_keys(contacts):
    both = [
        Commitment(channel="email", label="E-mail reply", measure="response", target_hours=48),
        Commitment(channel="email", label="E-mail fix", measure="resolution", target_hours=72),
    ]
    assert standards.commitment_keys(both) == ["email", "email:resolution"]
    m = standards.contact_metrics(contacts, both, "UTC")
    assert list(m["channels"]) == ["email", "email:resolution"]
    # resolution: c4 50 h <= 72 h, c5 open -> 50 %; default target 100 % not met
    assert m["channels"]["email:resolution"]["within_target_pct"] == pytest.approx(50.0)
    assert m["channels"]["email:resolution"]["meets_standard"] is False
    assert standards.commitment_keys(both + both[1:]) == [
        "email",
        "email:resolution",
        "email:resolution:2",
    ]


def test_months_are_taken_in_the_organisation_time_zone(contacts, commitments):
    months = standards.by_month(contacts, commitments, "Asia/Shanghai")
    # c3 was received 17:00 UTC on 31 March = 01:00 on 1 April in Shanghai
    assert months.loc[("2014-03", "hotline"), "contacts"] == 2
    assert months.loc[("2014-03", "hotline"), "within_target_pct"] == pytest.approx(50.0)
    assert months.loc[("2014-04", "hotline"), "contacts"] == 1
    assert months.loc[("2014-04", "hotline"), "within_target_pct"] == pytest.approx(0.0)
    assert months.loc[("2014-04", "hotline"), "open"] == 1
    in_utc = standards.by_month(contacts, commitments, "UTC")
    assert in_utc.loc[("2014-03", "hotline"), "contacts"] == 3
    wide = standards.month_table(months)
    assert list(wide.columns) == [
        "10086 hotline: within (%)",
        "10086 hotline: n",
        "E-mail: within (%)",
        "E-mail: n",
    ]
    assert wide.loc["2014-04", "E-mail: n"] == 0


def test_by_category(contacts, commitments):
    cats = standards.by_category(contacts, commitments, "UTC")
    # billing hotline: c1 (2 h, within) and c3 (open) -> 50 %
    assert cats.loc[("billing", "hotline"), "contacts"] == 2
    assert cats.loc[("billing", "hotline"), "within_target_pct"] == pytest.approx(50.0)
    assert cats.loc[("Not stated", "email"), "contacts"] == 1
    shown = standards.category_table(cats)
    assert shown.index.names == ["Category", "Commitment"]
    assert standards.by_category(contacts.drop(columns="category"), commitments, "UTC") is None
    text = standards.show_by_category(contacts.drop(columns="category"), commitments, "UTC", "x")
    assert isinstance(text, Text) and str(text).startswith("No contact category")


def test_fcr_table_by_channel(contacts):
    table = standards.fcr_table(contacts)
    assert table.loc["hotline", "Answered"] == 2 and table.loc[
        "hotline", "FCR (%)"
    ] == pytest.approx(50.0)
    assert table.loc["email", "Answered"] == 1 and table.loc["email", "FCR (%)"] == pytest.approx(
        100.0
    )
    assert standards.fcr_table(contacts.drop(columns="first_contact_resolution")) is None


def test_elapsed_time_is_computed_on_aware_instants_across_dst():
    # Naive local times in London: 00:30 GMT, then clocks go forward at 01:00 on 30 March
    # 2014, so 03:30 BST is only 2 hours later, not 3.
    frame = pd.DataFrame(
        {
            "channel": ["hotline"],
            "received_at": pd.to_datetime(["2014-03-30 00:30"]),
            "resolved_at": pd.to_datetime(["2014-03-30 03:30"]),
        }
    )
    assert standards.elapsed_hours(frame, "resolution", "Europe/London").tolist() == [2.0]
    # The same instants already in UTC give the same answer whatever the zone.
    aware = frame.assign(
        received_at=frame["received_at"].dt.tz_localize("Europe/London"),
        resolved_at=frame["resolved_at"].dt.tz_localize("Europe/London"),
    )
    assert standards.elapsed_hours(aware, "resolution", "Asia/Shanghai").tolist() == [2.0]


def test_elapsed_without_the_timestamp_column_is_all_open(contacts, commitments):
    table = standards.commitment_table(contacts.drop(columns="resolved_at"), commitments, "UTC")
    assert table.loc["hotline", "open"] == 3 and table.loc["hotline", "within_target_pct"] == 0.0
    assert pd.isna(table.loc["hotline", "median_hours"])


def test_bad_timestamps_and_zones_are_input_errors(contacts, commitments):
    naive = contacts.assign(
        received_at=contacts["received_at"].dt.tz_localize(None),
        resolved_at=contacts["resolved_at"].dt.tz_localize(None),
    )
    with pytest.raises(InputError, match="organisation.timezone"):
        standards.commitment_table(naive, commitments, "Mars/Olympus")
    with pytest.raises(InputError, match="received_at"):
        standards.commitment_table(contacts.assign(received_at="2014"), commitments, "UTC")


def test_distribution_matches_within_target_at_the_target(contacts, commitments):
    dist = standards.elapsed_distribution(contacts, commitments, "UTC")
    at_target = dist[(dist["key"] == "hotline") & (dist["hours"] == 24)]["share_pct"]
    assert at_target.tolist() == pytest.approx([100 / 3])
    assert set(dist["key"]) == {"hotline", "email"}  # store has no contacts
    assert dist.groupby("key")["share_pct"].max().max() < 100  # open contacts never count


def test_display_and_sentence(contacts, commitments):
    table = standards.commitment_table(contacts, commitments, "UTC")
    shown = standards.standards_table(table)
    assert shown.loc["Store", "Meets standard"] == "–"
    assert shown.loc["E-mail", "Standard"] == "Response within 48 h"
    plain = str(standards.standards_sentence(table)).replace("\\", "")
    assert plain.startswith("1 of the 2 service commitments measured was met.")
    assert (
        "10086 hotline resolved 33.3% of 3 contacts within 24 hours against a target of 50%"
        in plain
    )
    assert "the median contact took 16.0 hours and one in ten took longer than 27.2 hours" in plain
    assert "2 contacts still had no recorded response or resolution" in plain
    assert "No contacts were recorded for Store" in plain


def test_duration_in_words():
    assert standards.duration(0.16) == "10 minutes"
    assert standards.duration(1 / 60) == "1 minute"
    assert standards.duration(14.39) == "14.4 hours"
    assert standards.duration(None) == "n/a"


def test_input_untouched(contacts, commitments):
    before = contacts.copy()
    standards.contact_metrics(contacts, commitments, "Asia/Shanghai")
    standards.by_month(contacts, commitments, "Asia/Shanghai")
    standards.by_category(contacts, commitments, "Asia/Shanghai")
    pd.testing.assert_frame_equal(contacts, before)


def _kept(*rows):
    # (label, within %, target %) per commitment: the columns standards_sentence reads.
    return pd.DataFrame(
        [{"label": lab, "measure": "response", "contacts": 10, "within_target_pct": w,
          "target_pct": t, "target_hours": 24.0, "median_hours": 2.0, "p90_hours": 30.0,
          "open": 0, "meets_standard": w >= t} for lab, w, t in rows]
    )


@pytest.mark.parametrize(
    "rows, lead",
    [
        ([("Phone", 55.0, 100.0)], "The one service commitment measured was not met."),
        ([("Phone", 100.0, 95.0)], "The one service commitment measured was met."),
        ([("Phone", 50.0, 90.0), ("E-mail", 80.0, 90.0)], "None of the 2 service commitments measured was met."),
        ([("Phone", 95.0, 90.0), ("E-mail", 91.0, 90.0)], "All 2 service commitments measured were met."),
        ([("Phone", 95.0, 90.0), ("E-mail", 80.0, 90.0)], "1 of the 2 service commitments measured was met."),
    ],
)
def test_standards_sentence_lead_reads_naturally(rows, lead):
    assert str(standards.standards_sentence(_kept(*rows))).replace("\\", "").startswith(lead)


def test_show_fcr_says_nothing_when_the_fcr_sentence_already_did(contacts):
    bare = contacts.drop(columns="first_contact_resolution")
    assert "No first" in str(standards.fcr_sentence(bare)).replace("\\", "")
    assert standards.show_fcr(bare, "First-contact resolution by channel") is None
