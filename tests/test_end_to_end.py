"""The whole build of the embedded sample, as `make report` runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from carebook import cli
from carebook.paths import SAMPLE_CASE

SECTION_HEADINGS = [
    "1.0 Introduction",
    "2.0 Development of the customer care strategy",
    "3.0 Customer care standards",
    "4.0 Qualitative and quantitative analysis",
    "5.0 Customer care review and improvements",
    "6.0 Bibliography",
]
DIMENSIONS = ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    assert cli.main(["build", str(SAMPLE_CASE), "--out", str(out)]) == 0
    return out


@pytest.mark.slow
def test_build_writes_every_promised_output(sample_report):
    for name in ("report.html", "report.pdf", "metrics.json", "manifest.json"):
        assert (sample_report / name).is_file(), name
    executed = sorted(p.name for p in (sample_report / "executed").glob("*.ipynb"))
    assert executed == ["10_introduction.ipynb", "20_strategy.ipynb", "30_standards.ipynb",
                        "40_analysis.ipynb", "50_review.ipynb", "60_bibliography.ipynb"]
    assert not list(sample_report.glob(".staging*"))


@pytest.mark.slow
def test_metrics_follow_the_interface(sample_report):
    metrics = json.loads((sample_report / "metrics.json").read_text(encoding="utf-8"))
    assert list(metrics) == ["organisation", "competitor", "survey", "contacts", "comments", "benchmark"]
    assert (metrics["organisation"], metrics["competitor"]) == ("China Mobile", "China Unicom")
    survey = metrics["survey"]
    assert survey["respondents"] == 50_000
    assert list(survey["servqual"]["gap"]) == DIMENSIONS
    assert survey["servqual"]["overall_gap"] < 0
    assert set(metrics["contacts"]["channels"]) == {"hotline", "online", "email"}
    assert metrics["comments"]["comments"] == 2_000
    assert metrics["benchmark"]["market_share_pct"]["organisation_better"] is True


@pytest.mark.slow
def test_html_is_self_contained_and_has_no_code(sample_report):
    html = (sample_report / "report.html").read_text(encoding="utf-8")
    assert "<script src=" not in html and 'href="http' not in html.split("<body", 1)[0]
    assert "carebook.setup(" not in html and "load_case(" not in html
    for heading in SECTION_HEADINGS:
        assert heading in html
    assert "Figure 4.1" in html and "Table 3.1" in html


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_contains_every_section_heading(sample_report):
    text = subprocess.run(["pdftotext", "-layout", str(sample_report / "report.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for heading in SECTION_HEADINGS:
        assert heading in flat, heading
    assert "(Parasuraman, Zeithaml and Berry, 1988; Parasuraman, Berry and Zeithaml, 1991)" in flat


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_chinese_quotes_are_printed_from_one_embedded_subset_font(sample_report):
    # Drawn from the system's Noto CJK collection, the sample's Chinese quotes made 61
    # Type 3 fonts (one per block of 256 glyph ids touched) and a slower print; from the
    # build's subset (carebook.build.cjkfont) they make one in each section printed with
    # Chinese text (carebook.build.pdfparts prints the sections one by one). report.html
    # is unchanged.
    import pikepdf

    with pikepdf.open(sample_report / "report.pdf") as doc:
        type3 = [
            obj for obj in doc.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") == "/Type3"
        ]  # fmt: skip
    assert len(type3) <= 3
    text = subprocess.run(["pdftotext", str(sample_report / "report.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "手机营业厅很好用" in "".join(text.split())
    html = (sample_report / "report.html").read_text(encoding="utf-8")
    assert "cb-cjk-font" not in html and "手机营业厅很好用" in html


@pytest.mark.slow
def test_the_checks_run_during_the_build_match_a_later_carebook_check(sample_report, capsys):
    # The build works out the summary while the PDF prints, from the sections in memory;
    # `carebook check` reads the published executed/ notebooks. Both must agree.
    from carebook.build import build

    result = build(SAMPLE_CASE, sample_report, run_checks=True, use_cache=False)
    later = cli._check_report(str(SAMPLE_CASE), str(sample_report), None)
    assert result.checks is not None
    assert result.checks.to_text() == later.to_text()


@pytest.mark.slow
def test_the_carebook_program_exits_with_its_code_and_prints_everything(tmp_path):
    # cli.run ends the process without module teardown; nothing written may be lost.
    broken = tmp_path / "case"
    shutil.copytree(SAMPLE_CASE, broken)
    (broken / "survey.csv").write_text("respondent_id\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", "from carebook.cli import run; run()", "validate", str(broken)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert "survey.csv" in done.stderr
    assert done.stderr.rstrip().endswith("nothing was built.")
    ok = subprocess.run(
        [sys.executable, "-c", "from carebook.cli import run; run()", "validate", str(SAMPLE_CASE)],
        capture_output=True, text=True, timeout=120,
    )
    assert ok.returncode == 0
    assert "valid case for China Mobile" in ok.stdout


def _marked_processes(marker: str) -> list[int]:
    """Live processes whose environment holds *marker* (a watch's kernels, zygote, Chromium)."""
    import os

    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if marker.encode() not in handle.read():
                    continue
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
        except OSError:
            continue
        found.append(int(entry))
    return found


@pytest.mark.slow
def test_carebook_watch_rebuilds_the_saved_section_and_stops_cleanly(tmp_path):
    import os
    import queue
    import signal
    import threading
    import time
    import uuid

    import nbformat

    from carebook.paths import NOTEBOOKS_DIR

    case, notebooks, out = tmp_path / "case", tmp_path / "notebooks", tmp_path / "out"
    shutil.copytree(SAMPLE_CASE, case)
    shutil.copytree(NOTEBOOKS_DIR, notebooks)
    marker = f"CAREBOOK_WATCH_TEST={uuid.uuid4().hex}"
    name, value = marker.split("=")
    process = subprocess.Popen(
        [sys.executable, "-c", "from carebook.cli import run; run()", "watch", str(case),
         "--out", str(out), "--notebooks", str(notebooks), "--format", "html"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env={**os.environ, name: value},
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in process.stderr], daemon=True).start()

    def next_line(containing: str, timeout: float = 180) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                assert process.poll() is None, "carebook watch ended early"
                continue
            if containing in line:
                return line
        raise AssertionError(f"no line with {containing!r} within {timeout} s")

    try:
        assert "Watching" in next_line("Watching")
        assert "executed 10_introduction.ipynb" in next_line("Report written to")
        next_line("Checks:")
        time.sleep(0.5)
        edited = notebooks / "60_bibliography.ipynb"
        nb = nbformat.read(edited, as_version=4)
        cell = next(c for c in reversed(nb.cells) if c.cell_type == "code")
        cell.source += "\n# edited"
        nbformat.write(nb, edited)
        assert "60_bibliography.ipynb" in next_line("saved:")
        rebuilt = next_line("Report written to")
        assert "executed 60_bibliography.ipynb; reused 5" in rebuilt
        good = (out / "report.html").read_bytes()
        survey = case / "survey.csv"
        rows = survey.read_text(encoding="utf-8").splitlines()
        header = rows[0].split(",")
        first = rows[1].split(",")
        first[header.index("csat")] = "9"  # csat is 1-5
        survey.write_text("\n".join([rows[0], ",".join(first), *rows[2:]]) + "\n", encoding="utf-8")
        assert next_line("survey.csv:2:csat:")
        next_line("left as it was")
        assert (out / "report.html").read_bytes() == good
        assert _marked_processes(marker)  # the warm zygote and Chromium are still up
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    deadline = time.monotonic() + 10
    while _marked_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _marked_processes(marker)  # no kernel, zygote or Chromium left behind
