"""Reports of cases other than the sample: another organisation, and required files only.

``other_org`` (Clyde Valley Buses, a fictional Scottish bus operator) checks that every
section reads as a report about *that* organisation, with the data-dependent sentences
computed from its data; ``required_only`` (Harbour Water) checks that each part whose
optional data is missing says so in a plain sentence instead of crashing or inventing
numbers; ``minimal`` (the loader's tiny fixture, four respondents) checks that a very
small case still builds. The cases are written by ``tests/data/cases/make_cases.py``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from carebook import benchmark, cli, overview, servqual, standards
from carebook.case import load_case
from carebook.paths import ROOT, SAMPLE_CASE

CASES = ROOT / "tests" / "data" / "cases"
SECTION_HEADINGS = [
    "1.0 Introduction",
    "2.0 Development of the customer care strategy",
    "3.0 Customer care standards",
    "4.0 Qualitative and quantitative analysis",
    "5.0 Customer care review and improvements",
    "6.0 Bibliography",
]
SAMPLE_ONLY = ["China Mobile", "China Unicom", "10086", "10010", "telecom operator"]

pytestmark = pytest.mark.slow


def _pdf_text(path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())  # line breaks of the layout are just spaces


def _unhyphenated(text: str) -> str:
    """Return *text* without hyphens, for comparing sentences with a PDF's text.

    pdftotext drops the hyphen of a word broken across lines ("battery-" / "electric"
    gives "batteryelectric"), and where lines break depends on the installed Chromium
    and fonts.
    """
    return text.replace("-", "")


def _plain(markdown: object) -> str:
    """Markdown from narrative.say as the PDF shows it (escapes removed)."""
    return " ".join(re.sub(r"\\(.)", r"\1", str(markdown)).split())


def _first_sentence(markdown: object) -> str:
    return re.split(r"(?<=\.) ", _plain(markdown))[0]


def _build(name, tmp_path_factory):
    out = tmp_path_factory.mktemp(name)
    assert cli.main(["build", str(CASES / name), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def other_org(tmp_path_factory):
    out = _build("other_org", tmp_path_factory)
    return out, _pdf_text(out / "report.pdf")


@pytest.fixture(scope="module")
def required_only(tmp_path_factory):
    out = _build("required_only", tmp_path_factory)
    return out, _pdf_text(out / "report.pdf")


def _data_sentences(case) -> dict[str, str]:
    """The sentences the notebooks compute from the data, first sentence of each."""
    kept = standards.commitment_table(case.contacts, case.commitments, case.timezone)
    return {
        "gaps": _first_sentence(
            servqual.gap_sentence(servqual.dimension_summary(case.survey), servqual.significance(case.survey))
        ),
        "strategies": _first_sentence(overview.strategies_sentence(case)),
        "commitments": _first_sentence(standards.standards_sentence(kept)),
        "benchmark": _first_sentence(benchmark.lead_sentence(case.benchmark, case.organisation, case.competitor)),
    }


@pytest.mark.parametrize("fixture", ["other_org", "required_only"])
def test_every_section_heading_is_in_the_pdf(fixture, request):
    _, text = request.getfixturevalue(fixture)
    for heading in SECTION_HEADINGS:
        assert heading in text, heading


def test_other_org_report_is_about_the_bus_operator_only(other_org):
    _, text = other_org
    assert text.count("Clyde Valley Buses") >= 10 and "Forth and Tay Coaches" in text
    for word in SAMPLE_ONLY:
        assert word not in text, word


def test_other_org_sentences_come_from_its_data_not_the_sample(other_org):
    _, text = other_org
    mine = _data_sentences(load_case(CASES / "other_org"))
    sample = _data_sentences(load_case(SAMPLE_CASE))
    for key, sentence in mine.items():
        assert _unhyphenated(sentence) in _unhyphenated(text), key
        assert sentence != sample[key], key
        assert _unhyphenated(sample[key]) not in _unhyphenated(text), key
    # Hand-checked against the generated data: responsiveness has the widest gap and the
    # bus operator misses all three of its contact commitments.
    assert mine["gaps"].startswith("Responsiveness has the widest gap")
    assert mine["commitments"] == "None of the 3 service commitments measured was met."
    assert "Clyde Valley Buses leads Forth and Tay Coaches on 2 of 5 benchmark metrics" in text


def test_other_org_metrics_and_bibliography(other_org):
    out, text = other_org
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert (metrics["organisation"], metrics["competitor"]) == ("Clyde Valley Buses", "Forth and Tay Coaches")
    assert set(metrics["contacts"]["channels"]) == {"phone", "email", "webform"}
    assert metrics["comments"]["comments"] == 60
    # The case's own reference and the built-in method references it cites, in one list;
    # hutto2014 as a conference paper, not "[Preprint]".
    assert "Clyde Valley Buses (2024) Passenger charter 2024" in text
    assert "Cronbach, L.J. (1951)" in text and "[Preprint]" not in text


def test_required_only_says_plainly_what_was_not_supplied(required_only):
    out, text = required_only
    for sentence in (
        "No comments.csv was supplied with this case, so no customer comments could be coded or quoted.",
        "No benchmark.csv was supplied with this case, so the organisation is not compared with a competitor.",
        "No headline satisfaction question (CSAT, NPS or CES) was supplied with this case",
        "No customer segment was supplied with this case",
        "No first-contact-resolution flag in contacts.csv was supplied with this case",
        "The case names no benchmark competitor",
    ):
        assert _unhyphenated(sentence) in _unhyphenated(text), sentence
    # Each is said once, and no empty table or "no data" chart stands in for the data.
    assert text.count("No customer segment was supplied") == 1
    assert "There is nothing to show" not in text
    assert "Benchmark figures side by side" not in text
    assert "Themes in customer comments" not in text
    assert "Harbour Water" in text
    for word in SAMPLE_ONLY:
        assert word not in text, word
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["comments"] is None and metrics["benchmark"] is None


def test_required_only_cites_the_built_in_method_references(required_only):
    _, text = required_only
    # No references.yaml, yet every method citation resolves and is listed.
    assert "(Parasuraman, Zeithaml and Berry, 1988; Parasuraman, Berry and Zeithaml, 1991)" in text
    assert "Camp, R.C. (1989) Benchmarking" in text
    assert "Hutto, C.J. and Gilbert, E. (2014)" in text


def test_minimal_case_builds(tmp_path_factory):
    out = _build("minimal", tmp_path_factory)
    text = _pdf_text(out / "report.pdf")
    assert "Example Mobile" in text and "6.0 Bibliography" in text
