"""Open built reports in a real headless Chromium (issue 8, reliability.md P0-1, P1-13).

Static scans of the HTML (tests/build/test_build_export.py) can miss what a browser
actually does with it. Here Debian's Chromium, driven by Playwright, opens the sample's
report and a hostile case's report and we watch it: no dialog may open, no request may
leave the page, payloads must be readable text, and the first screen must be the cover.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hardeninghelpers import COMMENT_PAYLOADS, HOSTILE_TITLE, VISIBLE_TEXTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip("chromium is not on PATH", allow_module_level=True)

#: A4 at 96 CSS pixels per inch (210 x 297 mm).
A4_VIEWPORT = {"width": 794, "height": 1123}

# Fire every inline handler an element could carry, if one slipped through. Clicks are
# left out: the report's own reference links are real https links.
_PROVOKE = """
() => {
  for (const el of document.querySelectorAll('*')) {
    for (const type of ['mouseover', 'mouseenter', 'focus', 'load', 'error', 'animationstart']) {
      el.dispatchEvent(new Event(type));
    }
  }
  return document.querySelectorAll('*').length;
}
"""

_RESOURCES = "() => performance.getEntriesByType('resource').map(e => e.name)"


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # a missing dev dependency is a failure, not a reason to skip
        pytest.fail("playwright is not installed: pip install playwright (no browser download)")
    with sync_playwright() as p:
        # Debian's Chromium, never a downloaded one; as root it needs --no-sandbox.
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def _open(browser, report: Path, shot: Path) -> dict:
    """Open *report*, provoke it, and return what the page did."""
    page_url = report.resolve().as_uri()
    seen: dict = {"dialogs": [], "requests": [], "popups": [], "sockets": []}
    context = browser.new_context(viewport=A4_VIEWPORT, java_script_enabled=True)
    page = context.new_page()

    def on_dialog(dialog):
        seen["dialogs"].append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_route(route):
        url = route.request.url
        seen["requests"].append(url)
        # Block anything but the report itself, so a leak is recorded, not sent.
        if url == page_url or url.startswith(("data:", "about:")):
            route.continue_()
        else:
            route.abort()

    page.on("dialog", on_dialog)
    page.on("popup", lambda popup: seen["popups"].append(popup.url))
    page.on("websocket", lambda ws: seen["sockets"].append(ws.url))
    context.route("**/*", on_route)
    page.goto(page_url, wait_until="load")
    seen["elements"] = page.evaluate(_PROVOKE)
    page.wait_for_load_state("networkidle")
    seen["resources"] = page.evaluate(_RESOURCES)
    seen["text"] = page.evaluate("document.body.innerText")
    seen["script_src"] = page.evaluate(
        "() => [...document.scripts].filter(s => s.src).map(s => s.src)"
    )
    title = page.locator(".cb-cover-title")
    seen["title_visible"] = title.is_visible()
    seen["title_text"] = title.inner_text()
    seen["title_box"] = title.bounding_box()
    page.screenshot(path=str(shot))
    context.close()
    return seen


def _assert_inert(seen: dict, report: Path) -> None:
    page_url = report.resolve().as_uri()
    assert seen["dialogs"] == []
    assert seen["popups"] == [] and seen["sockets"] == []
    leaving = [
        u
        for u in seen["requests"] + seen["resources"]
        if u != page_url and not u.startswith(("data:", "about:"))
    ]
    assert leaving == []
    assert seen["script_src"] == []
    assert seen["elements"] > 100  # the provoking pass really walked the report


def _assert_cover(seen: dict, shot: Path, title: str) -> None:
    from PIL import Image

    assert seen["title_visible"]
    assert seen["title_text"].strip() == title
    box = seen["title_box"]
    # The cover title sits in the top half of the first A4 screen, fully inside it.
    assert 0 <= box["y"] < A4_VIEWPORT["height"] / 2
    assert box["x"] >= 0 and box["x"] + box["width"] <= A4_VIEWPORT["width"]
    image = Image.open(shot).convert("RGB")
    assert image.size == (A4_VIEWPORT["width"], A4_VIEWPORT["height"])
    assert len(image.getcolors(maxcolors=1 << 24)) > 2  # not a blank page
    # The title's own area carries ink: more than one colour where the title is drawn.
    area = image.crop(
        (int(box["x"]), int(box["y"]), int(box["x"] + box["width"]), int(box["y"] + box["height"]))
    )
    colours = area.getcolors(maxcolors=1 << 24)
    assert len(colours) > 2
    darkest = min(sum(rgb) for _, rgb in colours)
    assert darkest < 3 * 128  # dark text on the light cover


def test_sample_report_is_inert_offline_and_opens_on_its_cover(browser, sample_report, tmp_path):
    report = sample_report / "report.html"
    shot = tmp_path / "sample-first-page.png"
    seen = _open(browser, report, shot)
    _assert_inert(seen, report)
    title = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "data" / "sample" / "case.yaml").read_text(
            encoding="utf-8"
        )
    )["report"]["title"]
    _assert_cover(seen, shot, title)


def test_hostile_report_fires_nothing_and_shows_the_payloads_as_text(
    browser, hostile_report, tmp_path
):
    report = hostile_report / "report.html"
    shot = tmp_path / "hostile-first-page.png"
    seen = _open(browser, report, shot)
    _assert_inert(seen, report)
    text = seen["text"]
    for payload in VISIBLE_TEXTS + COMMENT_PAYLOADS:
        assert payload in text
    _assert_cover(seen, shot, HOSTILE_TITLE)
    # The <style> payload stayed text: the page was not hidden by it.
    assert "<style>body{display:none}</style>" in text


def test_the_browser_test_notices_a_live_payload(browser, tmp_path):
    # The harness itself must be able to fail: a page with one live script and one
    # remote image is caught on both counts.
    page = tmp_path / "live.html"
    page.write_text(
        "<!doctype html><html><body>"
        '<h1 class="cb-cover-title">Live</h1>' + "<p>x</p>" * 120 + "<script>alert(99)</script>"
        '<img src="http://198.51.100.7/pixel.png">'
        "</body></html>",
        encoding="utf-8",
    )
    seen = _open(browser, page, tmp_path / "live.png")
    assert seen["dialogs"] == ["alert: 99"]
    assert "http://198.51.100.7/pixel.png" in seen["requests"]
    with pytest.raises(AssertionError):
        _assert_inert(seen, page)
