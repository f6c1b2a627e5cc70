"""PDF: A4, page numbers, Chinese text, and the browser-free fallback (P0-2, P1-8)."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess

import pytest
from buildhelpers import make_case
from nbformat.v4 import new_markdown_cell, new_notebook

from carebook.build import pdf
from carebook.build.assemble import assemble, insert_contents
from carebook.build.export import export_html

needs_poppler = pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils missing")
SECRET = "TOP-SECRET-CONTENT"


def _run(*command):
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def report_html(tmp_path, stand_ins):
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    sections = []
    for number in (1, 2):
        cells = [new_markdown_cell(f"## {number} Section {number}")]
        cells += [
            new_markdown_cell(f"Paragraph {i}: customers rate the hotline 很好. " * 3)
            for i in range(4)
        ]
        sections.append((f"{number}0_s.ipynb", new_notebook(cells=cells)))
    sections[1][1].cells.append(
        new_markdown_cell(
            r"Great \\input{secret.txt} \\write18{touch pwned} 100\% ![x](secret.txt)"
        )
    )
    report = assemble(make_case(tmp_path / "case"), sections, parameters={}, version="test")
    path = tmp_path / "report.html"
    path.write_text(
        export_html(report, title="PDF test", transform=insert_contents), encoding="utf-8"
    )
    return path


def _check_a4_numbered(pdf_path):
    info = _run("pdfinfo", str(pdf_path))
    assert "(A4)" in info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 4  # cover, contents, and each h2 section on its own page
    for page in range(2, pages + 1):
        text = _run("pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf_path), "-")
        assert text.split()[-1] == str(page)  # the number in the bottom margin
    cover = _run("pdftotext", "-f", "1", "-l", "1", str(pdf_path), "-")
    assert "Customer care at Example Mobile" in cover
    return _run("pdftotext", str(pdf_path), "-")


@pytest.mark.slow
@needs_poppler
@pytest.mark.skipif(pdf.find_chromium() is None, reason="no Chromium on PATH")
def test_chromium_pdf_is_a4_numbered_and_shows_chinese(report_html, tmp_path):
    out = tmp_path / "report.pdf"
    assert pdf.print_pdf(report_html, out) == "chromium"
    text = _check_a4_numbered(out)
    assert "很好" in text
    assert SECRET not in text and r"\input{secret.txt}" in text  # TeX is not on this path
    assert not (tmp_path / "pwned").exists()


@pytest.mark.slow
@needs_poppler
def test_weasyprint_is_used_without_chromium_and_says_so_once(
    report_html, tmp_path, monkeypatch, caplog
):
    monkeypatch.setenv("CAREBOOK_CHROMIUM", "")
    out = tmp_path / "report.pdf"
    with caplog.at_level(logging.INFO):
        assert pdf.print_pdf(report_html, out) == "weasyprint"
    notices = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in notices] == [
        "No Chromium found: the PDF is rendered with WeasyPrint instead."
    ]
    text = _check_a4_numbered(out)
    assert "很好" in text
    assert re.search(r"Noto\S*CJK", _run("pdffonts", str(out)))  # a CJK font is embedded


def test_a_broken_chromium_falls_back_to_weasyprint(tmp_path, monkeypatch, caplog):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CAREBOOK_CHROMIUM", str(fake))
    page = tmp_path / "p.html"
    page.write_text("<html><body><p>hello</p></body></html>", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert pdf.print_pdf(page, tmp_path / "p.pdf") == "weasyprint"
    assert "exit 3" in caplog.text and "cannot open display" in caplog.text
    assert (tmp_path / "p.pdf").read_bytes().startswith(b"%PDF-")


def test_a_headless_shell_is_preferred_to_the_full_browser(tmp_path, monkeypatch):
    """Chromium's headless shell prints the same PDF and starts in half the time."""
    for name in ("chromium", "chromium-headless-shell"):
        exe = tmp_path / name
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CAREBOOK_CHROMIUM", raising=False)
    assert pdf.find_chromium() == str(tmp_path / "chromium-headless-shell")
    (tmp_path / "chromium-headless-shell").unlink()
    assert pdf.find_chromium() == str(tmp_path / "chromium")
    monkeypatch.setenv("CAREBOOK_CHROMIUM", "nowhere-to-be-found")
    assert pdf.find_chromium() is None  # a configured browser that is missing is not replaced


@pytest.mark.slow
@needs_poppler
@pytest.mark.skipif(
    not (shutil.which("chromium-headless-shell") and shutil.which("chromium")),
    reason="needs both Debian's chromium and chromium-headless-shell",
)
@pytest.mark.parametrize("how", ["one-shot", "browser"])
def test_the_headless_shell_prints_the_pages_the_full_browser_prints(
    report_html, tmp_path, monkeypatch, how
):
    from carebook.build.browser import Browser

    texts = []
    for exe in ("chromium", "chromium-headless-shell"):
        out = tmp_path / f"{exe}.pdf"
        if how == "one-shot":
            pdf.chromium_pdf(report_html, out, chromium=shutil.which(exe))
        else:
            with Browser(shutil.which(exe)) as browser:
                browser.print_pdf(report_html, out)
        info = _run("pdfinfo", str(out))
        assert re.search(r"Tagged:\s+yes", info)
        pages = re.search(r"Pages:\s+(\d+)", info).group(1)
        texts.append((pages, _run("pdftotext", "-layout", str(out), "-")))
    assert texts[0] == texts[1]
    assert "很好" in texts[1][1]


@pytest.mark.slow
@pytest.mark.skipif(pdf.find_chromium() is None, reason="no Chromium on PATH")
def test_printing_without_a_compositor_thread_gives_the_same_pdf(
    report_html, tmp_path, monkeypatch
):
    # CHROMIUM_FLAGS has --disable-threaded-compositing to save CPU: Chromium then
    # numbers the tagged PDF's structure nodes differently, which the join renumbers.
    from carebook.build.browser import Browser

    assert "--disable-threaded-compositing" in pdf.CHROMIUM_FLAGS
    without = tuple(f for f in pdf.CHROMIUM_FLAGS if f != "--disable-threaded-compositing")
    printed = {}
    for name, flags in (("with", pdf.CHROMIUM_FLAGS), ("without", without)):
        monkeypatch.setattr(pdf, "CHROMIUM_FLAGS", flags)
        with Browser(pdf.find_chromium()) as browser:
            out = tmp_path / f"{name}.pdf"
            pdf.print_pdf(report_html, out, source_date_epoch=1_700_000_000, browser=browser)
            printed[name] = out.read_bytes()
    assert printed["with"] == printed["without"]
    assert printed["with"].startswith(b"%PDF-")
