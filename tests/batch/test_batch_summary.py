"""carebook.batch.summary: key figures, the HTML page and the Excel-safe CSV."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

from carebook.batch.summary import key_figures, render_html, summary_frame, write_summary
from carebook.batch.worker import CaseResult

METRICS = {
    "survey": {"respondents": 200, "servqual": {"overall_gap": -0.66, "weighted_gap": None},
               "csat_top2_pct": 69.8, "nps": -7.2, "ces_mean": 4.77},
    "contacts": {"contacts": 100, "fcr_pct": 59.6, "channels": {
        "hotline": {"meets_standard": False},
        "online": {"meets_standard": True},
        "email": {"meets_standard": False},
    }},
    "comments": None,
    "benchmark": {"share": {"organisation_better": True}, "price": {"organisation_better": False}},
}

ROWS = [
    CaseResult(
        name='<img src=x onerror=alert(1)> "q" =1+1',
        output="img_src_x_onerror_alert_1_q_1_1",
        status="built",
        seconds=12.5,
        figures=key_figures(METRICS),
        words=2431,
        word_limit=3000,
        evidence="7/7",
        html="img_src_x_onerror_alert_1_q_1_1/report.html",
        pdf="img_src_x_onerror_alert_1_q_1_1/report.pdf",
    ),
    CaseResult(
        name="broken #1",
        output="broken_1",
        status="failed",
        section="30_survey.ipynb",
        message="cell 4: ZeroDivisionError\n<script>alert(2)</script>",
        seconds=3.0,
    ),
    CaseResult(name="=cmd|' /C calc'!A0"),
]


def test_key_figures_counts_standards_and_benchmarks():
    figures = key_figures(METRICS)
    # 1 of 3 channels meets its standard; 1 of 2 benchmark metrics is better
    assert (figures["standards_met"], figures["standards"]) == (1, 3)
    assert (figures["benchmark_better"], figures["benchmark_metrics"]) == (1, 2)
    assert figures["nps"] == -7.2 and figures["respondents"] == 200
    # absent optional data stays missing, never 0
    assert figures["comments"] is None and figures["weighted_gap"] is None


def test_key_figures_of_an_empty_document_are_all_missing():
    assert set(key_figures({}).values()) == {None}


def test_frame_is_sorted_and_keeps_integers():
    frame = summary_frame(list(reversed(ROWS)))
    assert list(frame["case"]) == sorted(r.name for r in ROWS)
    built = frame.set_index("status").loc["built"]
    assert built["respondents"] == 200 and isinstance(built["respondents"], int)
    assert frame.set_index("status").loc["not a case", "seconds"] is None


class _Scan(HTMLParser):
    """Collect tags, attributes and text of a page."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_inert_and_shows_hostile_names_as_text():
    page = render_html(ROWS)
    scan = _Scan()
    scan.feed(page)
    assert "script" not in scan.tags and "img" not in scan.tags
    assert not [name for name, _ in scan.attrs if name.startswith("on")]
    text = "".join(scan.text)
    assert '<img src=x onerror=alert(1)> "q" =1+1' in text
    assert "<script>alert(2)</script>" in text
    assert "default-src 'none'" in page  # CSP: even a missed value could not run or load


def test_html_links_are_relative_and_encoded():
    scan = _Scan()
    scan.feed(render_html(ROWS))
    hrefs = [value for name, value in scan.attrs if name == "href"]
    assert hrefs == [
        "img_src_x_onerror_alert_1_q_1_1/report.html",
        "img_src_x_onerror_alert_1_q_1_1/report.pdf",
    ]
    odd = CaseResult(name="x", output="a b#c", status="built", html="a b#c/report.html")
    scan = _Scan()
    scan.feed(render_html([odd]))
    assert [v for n, v in scan.attrs if n == "href"] == ["a%20b%23c/report.html"]


def test_html_counts_and_figures():
    page = render_html(ROWS)
    assert "1 built, 1 failed, 1 not a case" in page
    assert "2,431 of 3,000" in page and "-0.66" in page and "–" in page


def test_summary_files_are_written_and_the_csv_is_excel_safe(tmp_path):
    html_path, csv_path = write_summary(ROWS, tmp_path)
    assert html_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    by_status = {r["status"]: r for r in rows}
    assert by_status["not a case"]["case"] == "'=cmd|' /C calc'!A0"
    # a real negative figure stays a number; the failing section and message are kept
    assert by_status["built"]["nps"] == "-7.2" and by_status["built"]["standards_met"] == "1"
    assert by_status["failed"]["section"] == "30_survey.ipynb"
    assert by_status["failed"]["message"].startswith("cell 4: ZeroDivisionError\n")
    assert by_status["built"]["report_pdf"] == "img_src_x_onerror_alert_1_q_1_1/report.pdf"
