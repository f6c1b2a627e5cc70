"""case.yaml, benchmark.csv and references.yaml of the committed sample."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import yaml

from carebook.case.model import CaseConfig, Reference
from carebook.paths import SAMPLE_CASE


@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load((SAMPLE_CASE / "case.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def benchmark() -> pd.DataFrame:
    return pd.read_csv(SAMPLE_CASE / "benchmark.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def references() -> list[dict]:
    return yaml.safe_load((SAMPLE_CASE / "references.yaml").read_text(encoding="utf-8"))


def test_case_yaml_fits_the_case_model_without_extra_keys(config):
    model = CaseConfig.model_validate(config)

    def extras(m) -> list[str]:
        found = list((m.model_extra or {}).keys())
        for value in m.__dict__.values():
            items = value if isinstance(value, list) else [value]
            found += [k for item in items if hasattr(item, "model_extra") for k in extras(item)]
        return found

    assert extras(model) == []


def test_cover_fields(config):
    report = config["report"]
    assert report["title"] == "Customer Care Strategy of China Mobile"
    assert report["course"] == "Creating a Culture of Customer Care"
    assert report["unit_code"] == "DJ4234" and report["outcome"] == 3
    assert report["submission_date"] == dt.date(2014, 11, 21) and report["word_limit"] == 3000
    # Never a real (or invented) student's details.
    assert report["candidate_name"] == report["grade_and_class"] == report["student_id"] == ""


def test_organisation_and_benchmark(config):
    org = config["organisation"]
    assert org["name"] == "China Mobile" and org["founded"] == dt.date(2000, 4, 20)
    assert org["timezone"] == "Asia/Shanghai" and org["customers_millions"] == 767.21
    assert len(org["profile"]) > 200
    bench = config["benchmark"]
    assert bench["competitor"] == "China Unicom"
    assert bench["profile"] and bench["selection"]


def test_eight_strategies_each_with_a_benefit(config):
    strategies = config["strategies"]
    assert len(strategies) == 8
    assert all(s["name"] and s["description"] and s["benefit"] for s in strategies)
    assert any("Total customer satisfaction" in s["name"] for s in strategies)


def test_strategy_development_has_three_paragraphs(config):
    dev = config["strategy_development"]
    assert set(dev) == {"internal_structure", "measures_and_policy", "feedback_changes"}
    assert all(len(text) > 150 for text in dev.values())


def test_standards(config):
    std = config["standards"]
    macro = " | ".join(std["macro"])
    for law in ("Telecommunications Regulations", "international networking",
                "Internet information services", "telecommunications equipment", "Postal Law"):
        assert law in macro
    assert len(std["micro"]) == 6 and std["micro"][0].startswith("Staff development")
    assert std["how_set"]


def test_commitments_are_the_reports_with_illustrative_targets(config):
    got = [(c["channel"], c["label"], c["measure"], c["target_hours"], c["target_pct"])
           for c in config["standards"]["commitments"]]
    assert got == [("hotline", "10086 hotline", "resolution", 24, 95),
                   ("online", "Online FAQ", "response", 24, 90),
                   ("email", "E-mail feedback", "response", 48, 90)]
    assert "ILLUSTRATIVE" in (SAMPLE_CASE / "case.yaml").read_text(encoding="utf-8")


def test_data_is_declared_synthetic(config):
    collection = config["data_collection"]
    assert collection["synthetic"] is True
    assert "50,000" in collection["survey"] and "CRM" in collection["contacts"]
    assert collection["comments"]


def test_benchmark_layout_and_pairs(benchmark, config):
    assert list(benchmark.columns) == ["metric", "label", "organisation", "value", "unit",
                                       "higher_is_better", "period", "source"]
    pd.to_numeric(benchmark["value"])  # every value is a number
    assert set(benchmark["higher_is_better"]) == {"true", "false"}
    assert (benchmark[["unit", "period", "source", "label"]] != "").all().all()
    for metric, rows in benchmark.groupby("metric"):
        orgs = set(rows["organisation"])
        assert {config["organisation"]["name"], config["benchmark"]["competitor"]} <= orgs, metric
        assert rows["organisation"].is_unique, metric


def test_benchmark_real_figures(benchmark):
    value = benchmark.set_index(["metric", "organisation"])["value"]
    assert value[("mobile_subscribers_m", "China Mobile")] == "767.21"
    assert value[("mobile_subscribers_m", "China Unicom")] == "280.98"
    assert value[("market_share_pct", "China Mobile")] == "62.2"
    assert value[("market_share_pct", "China Unicom")] == "22.8"
    assert value[("revenue_rmb_bn", "China Mobile")] == "630.2"
    assert value[("net_profit_rmb_bn", "China Unicom")] == "10.41"
    assert value[("miit_appeals_per_million", "China Unicom")] == "20.2"
    appeals = benchmark[benchmark["metric"] == "miit_appeals_per_million"]
    assert set(appeals["higher_is_better"]) == {"false"}
    arpu = benchmark[benchmark["metric"] == "arpu_rmb_month"]
    assert arpu["label"].str.contains("approx").all()


def test_illustrative_rows_are_labelled_as_such(benchmark):
    illustrative = benchmark[benchmark["source"].str.contains("illustrative")]
    assert len(illustrative) >= 4
    assert illustrative["label"].str.contains("illustrative").all()
    assert illustrative["period"].str.contains("illustrative").all()


def test_references_fit_the_model_and_keep_strings(references):
    entries = [Reference.model_validate(r) for r in references]
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids))
    for required in ("parasuraman1988", "camp1989", "zeithaml1990", "cronin1992", "buttle1996",
                     "braun2006", "cohen1960", "cronbach1951", "hutto2014", "landis1977",
                     "martilla1977", "nunnally1978", "parasuraman1985", "parasuraman1991",
                     "reichheld2003", "dixon2010", "ladhari2009", "chinamobile2014"):
        assert required in ids
    for raw in references:
        for key in ("volume", "issue", "pages", "edition"):
            if key in raw:
                assert isinstance(raw[key], str), (raw["id"], key)
        assert all(isinstance(a, str) for a in raw["authors"])
    cm = next(e for e in entries if e.id == "chinamobile2014")
    assert cm.url == "https://www.chinamobileltd.com/" and cm.accessed == dt.date(2014, 5, 20)


def test_sample_validates_cleanly_with_the_loader():
    case = pytest.importorskip("carebook.case")
    if not hasattr(case, "validate"):
        pytest.skip("carebook.case.validate is not written yet")
    loaded = case.validate(SAMPLE_CASE)
    assert list(loaded.warnings) == []
    assert len(loaded.survey) == 50_000 and len(loaded.contacts) == 20_000
