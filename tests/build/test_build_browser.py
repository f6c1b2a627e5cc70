"""The early-started Chromium: same PDF as the one-shot print, clean exit, safe fallback."""

from __future__ import annotations

import os
import signal
import time

import pytest

from carebook.build import pdf
from carebook.build.browser import Browser, BrowserError

CHROMIUM = pdf.find_chromium()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH"),
]

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title>
<style>@page { size: A4; margin: 20mm } body { font-family: sans-serif }</style></head>
<body><h1>Printed by the early browser</h1><p>客户服务 and customer care.</p>
<p style="break-before: page">Second page.</p></body></html>"""


@pytest.fixture
def page(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    return path


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is gone for every purpose that matters here.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_it_prints_the_same_pdf_as_the_one_shot_print(page, tmp_path):
    early, once = tmp_path / "early.pdf", tmp_path / "once.pdf"
    with Browser(CHROMIUM) as browser:
        browser.print_pdf(page, early, timeout=60)
        browser.print_pdf(page, tmp_path / "again.pdf", timeout=60)  # one browser, two prints
    pdf.chromium_pdf(page, once, chromium=CHROMIUM, timeout=60)
    # Equal once the two things every print varies (dates, tag node ids) are pinned.
    pinned = [pdf.pin_pdf_dates(pdf.pin_node_ids(p.read_bytes()), 0) for p in (early, once)]
    assert pinned[0].startswith(b"%PDF-")
    assert pinned[0] == pinned[1]
    again = pdf.pin_pdf_dates(pdf.pin_node_ids((tmp_path / "again.pdf").read_bytes()), 0)
    assert again == pinned[0]


def test_closing_ends_every_browser_process_and_removes_the_profile(page, tmp_path):
    browser = Browser(CHROMIUM)
    pid, profile = browser.process.pid, browser.profile
    browser.print_pdf(page, tmp_path / "out.pdf", timeout=60)
    browser.close()
    browser.close()  # twice is harmless
    assert not _alive(pid)
    assert not os.path.exists(profile)


def test_asked_to_quit_soon_the_browser_ends_by_itself_and_prints_no_more(page, tmp_path):
    browser = Browser(CHROMIUM)
    try:
        pid, profile = browser.process.pid, browser.profile
        browser.print_pdf(page, tmp_path / "out.pdf", timeout=60)
        browser.close_soon()  # returns at once; the build publishes meanwhile
        assert browser.process.wait(timeout=30) == 0  # quit as asked, not killed
        with pytest.raises(BrowserError, match="not running"):
            browser.print_pdf(page, tmp_path / "never.pdf", timeout=10)
    finally:
        browser.close()
    assert not _alive(pid)
    assert not os.path.exists(profile)


def test_asking_a_browser_that_never_printed_to_quit_soon_leaves_it_to_close(tmp_path):
    browser = Browser(CHROMIUM)
    pid = browser.process.pid
    browser.close_soon()  # not attached yet: nothing is sent, close() ends it
    browser.close()
    assert not _alive(pid)


def test_closing_a_browser_that_never_printed_is_quick(tmp_path):
    started = time.monotonic()
    browser = Browser(CHROMIUM)
    pid = browser.process.pid
    browser.close()
    assert time.monotonic() - started < 5
    assert not _alive(pid)


def test_a_crashed_browser_is_an_error_and_print_pdf_falls_back(page, tmp_path):
    browser = Browser(CHROMIUM)
    try:
        browser.print_pdf(page, tmp_path / "first.pdf", timeout=60)
        os.killpg(browser.process.pid, signal.SIGKILL)
        browser.process.wait(timeout=10)
        with pytest.raises(BrowserError, match="not running"):
            browser.print_pdf(page, tmp_path / "never.pdf", timeout=10)
        # The build's entry point prints with a new Chromium instead.
        out = tmp_path / "fallback.pdf"
        assert pdf.print_pdf(page, out, browser=browser, source_date_epoch=0) == "chromium"
        assert out.read_bytes().startswith(b"%PDF-")
    finally:
        browser.close()


def test_a_browser_that_cannot_start_is_a_browser_error(tmp_path):
    with pytest.raises(BrowserError, match="could not be started"):
        Browser(str(tmp_path / "no-such-chromium"))
