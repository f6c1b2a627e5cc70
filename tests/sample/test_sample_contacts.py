"""contacts.csv of the committed sample: layout, time stamps, commitments met and missed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from carebook.paths import SAMPLE_CASE
from carebook.sample.contacts import timestamp_column


@pytest.fixture(scope="module")
def contacts() -> pd.DataFrame:
    return pd.read_csv(SAMPLE_CASE / "contacts.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def commitments() -> list[dict]:
    config = yaml.safe_load((SAMPLE_CASE / "case.yaml").read_text(encoding="utf-8"))
    return config["standards"]["commitments"]


def utc(column: pd.Series) -> pd.Series:
    """Parse the contract's two forms: naive local (Asia/Shanghai) and explicit offset."""
    naive = column.str.len() == 19
    out = pd.Series(pd.NaT, index=column.index, dtype="datetime64[ns, UTC]")
    out[naive] = (pd.to_datetime(column[naive], format="%Y-%m-%d %H:%M:%S")
                  .dt.tz_localize("Asia/Shanghai").dt.tz_convert("UTC"))
    offset = column.str.len() == 25
    out[offset] = pd.to_datetime(column[offset], format="%Y-%m-%dT%H:%M:%S%z", utc=True)
    return out


@pytest.fixture(scope="module")
def times(contacts) -> pd.DataFrame:
    return pd.DataFrame({c: utc(contacts[c]) for c in
                         ("received_at", "first_response_at", "resolved_at")})


def test_columns_ids_and_size(contacts):
    assert list(contacts.columns) == ["contact_id", "channel", "category", "received_at",
                                      "first_response_at", "resolved_at",
                                      "first_contact_resolution"]
    assert len(contacts) == 20_000
    assert contacts["contact_id"].is_unique
    assert contacts["contact_id"].str.fullmatch(r"C\d{7}").all()


def test_channels_are_the_commitments_and_hotline_leads(contacts, commitments):
    assert set(contacts["channel"]) == {c["channel"] for c in commitments}
    shares = contacts["channel"].value_counts(normalize=True)
    assert shares.idxmax() == "hotline" and shares["hotline"] > 0.5


def test_category_mix_follows_miit(contacts):
    shares = contacts["category"].value_counts(normalize=True)
    assert set(shares.index) == {"billing", "network", "service", "package", "other"}
    # MIIT Q3 2013: user service 49.7%, network 22.7%, billing 27.6%.
    assert shares["billing"] == pytest.approx(0.276, abs=0.03)
    assert shares["network"] == pytest.approx(0.227, abs=0.03)
    assert shares[["service", "package", "other"]].sum() == pytest.approx(0.497, abs=0.03)


def test_both_timestamp_forms_appear_and_every_stamp_parses(contacts, times):
    received = contacts["received_at"]
    assert received.str.fullmatch(r"2014-\d\d-\d\d \d\d:\d\d:\d\d").mean() > 0.8
    assert received.str.fullmatch(r"2014-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00").sum() > 100
    for column in times:
        assert times[column].isna().sum() == (contacts[column] == "").sum()
    assert times["received_at"].notna().all()
    local = times["received_at"].dt.tz_convert("Asia/Shanghai")
    assert (local.dt.year == 2014).all() and local.dt.month.max() == 11


def test_nothing_is_answered_or_resolved_before_it_was_received(times):
    for column in ("first_response_at", "resolved_at"):
        given = times[column].notna()
        assert (times.loc[given, column] >= times.loc[given, "received_at"]).all()


def test_some_contacts_are_open_and_the_rest_resolved(times):
    open_share = times["resolved_at"].isna().mean()
    assert 0.01 < open_share < 0.08


def test_times_are_right_skewed(contacts, times):
    hours = (times["resolved_at"] - times["received_at"]).dt.total_seconds() / 3600
    for channel in ("hotline", "online", "email"):
        h = hours[contacts["channel"] == channel].dropna()
        assert h.mean() > 1.5 * h.median()


def test_at_least_one_commitment_is_missed_and_one_met(contacts, times, commitments):
    # interface.md: within target = elapsed <= target hours, a missing stamp counts as not
    # within; the standard is met when that share reaches target_pct.
    met = {}
    for c in commitments:
        rows = contacts["channel"] == c["channel"]
        end = times["resolved_at" if c["measure"] == "resolution" else "first_response_at"]
        elapsed = (end - times["received_at"])[rows].dt.total_seconds() / 3600
        within = 100 * (elapsed <= c["target_hours"]).mean()
        assert within == pytest.approx(c["target_pct"], abs=6), c["label"]
        met[c["channel"]] = within >= c["target_pct"]
    assert met == {"hotline": False, "online": True, "email": False}


def test_first_contact_resolution_is_a_boolean_with_a_few_blanks(contacts):
    values = contacts["first_contact_resolution"].value_counts()
    assert set(values.index) == {"true", "false", ""}
    assert 0 < values[""] < 0.01 * len(contacts)
    assert 0.5 < values["true"] / (values["true"] + values["false"]) < 0.8


def test_timestamp_column_formats_naive_offset_and_empty():
    # 0 s is 2014-01-01 00:00:00 local; 90061 s is one day, one hour, one minute, one second.
    out = timestamp_column(np.array([0, 90_061, -1]), np.array([False, True, False]))
    assert out.tolist() == [b"2014-01-01 00:00:00", b"2014-01-02T01:01:01+08:00", b""]
