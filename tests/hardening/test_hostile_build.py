"""A whole build of a hostile case, checked file by file (reliability.md P0-1, P0-2, P2-17).

The browser test watches what Chromium does with the page; these tests read what the
build wrote: the HTML's active content against the template's baseline, the PDF's text,
the executed notebooks and the manifest.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hardeninghelpers import COMMENT_PAYLOADS, HOSTILE_TITLE, PII, SECRET, VISIBLE_TEXTS

from carebook.build.export import baseline
from carebook.build.sanitize import scan

pytestmark = pytest.mark.slow


def _squeeze(text: str) -> str:
    # PDF text wraps lines anywhere; compare without whitespace.
    return "".join(text.split())


@pytest.fixture(scope="module")
def outputs(hostile_report):
    out = hostile_report
    pdf_text = subprocess.run(
        ["pdftotext", str(out / "report.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    notebooks = {p.name: p.read_text(encoding="utf-8") for p in (out / "executed").glob("*.ipynb")}
    return {
        "out": out,
        "html": (out / "report.html").read_text(encoding="utf-8"),
        "pdf": pdf_text,
        "notebooks": notebooks,
        "manifest": json.loads((out / "manifest.json").read_text(encoding="utf-8")),
    }


def test_the_page_is_inert_and_its_scripts_and_styles_are_the_templates(outputs):
    problems, elements = scan(outputs["html"])
    assert problems == []
    assert sorted(elements) == sorted(baseline())


def test_every_payload_is_printed_as_literal_text_in_the_pdf(outputs):
    text = _squeeze(outputs["pdf"])
    for payload in (*VISIBLE_TEXTS, *COMMENT_PAYLOADS, HOSTILE_TITLE):
        # A table cell can wrap between words or before "(" and pdftotext then
        # interleaves the neighbouring cell; each piece must still be there verbatim.
        for piece in filter(None, re.split(r"[\s(]+", payload)):
            assert piece in text, (piece, payload)
    assert _squeeze("<script>alert(1)</script>the signal") in text  # a whole quote


def test_tex_commands_neither_read_files_nor_run_programs(outputs, hostile_case):
    for page in (outputs["html"], outputs["pdf"], *outputs["notebooks"].values()):
        assert SECRET not in page
    assert r"\input{secret.txt}" in outputs["pdf"].replace("\n", " ")
    for folder in (hostile_case, outputs["out"], Path.cwd()):
        assert not list(folder.rglob("pwned"))


def test_personal_data_in_extra_columns_reaches_no_output(outputs):
    pages = {"report.html": outputs["html"], "report.pdf": outputs["pdf"], **outputs["notebooks"]}
    for value in PII.values():
        for name, page in pages.items():
            assert value not in page, f"{value} in {name}"
            assert _squeeze(value) not in _squeeze(page), f"{value} in {name}"


def test_no_absolute_path_is_written_into_the_outputs(outputs, hostile_case):
    home = str(Path.home())
    private = [str(hostile_case.resolve()), str(outputs["out"].resolve()), sys.prefix]
    written = {
        "report.html": outputs["html"],
        "manifest.json": json.dumps(outputs["manifest"]),
        **outputs["notebooks"],
    }
    for name, text in written.items():
        for path in private:
            # Relative forms ("../../tmp/…") are fine; an absolute one starts the path.
            assert not re.search(r"(?<![.\w])" + re.escape(path), text), f"{path} in {name}"
        if home not in ("/", ""):
            assert f"{home}/" not in text, f"home folder in {name}"


def test_the_manifest_hashes_are_those_of_the_published_files(outputs, hostile_case):
    manifest = outputs["manifest"]
    recorded = manifest["outputs"]
    assert {"report.html", "report.pdf"} <= set(recorded)
    for name, info in recorded.items():
        digest = info["sha256"] if isinstance(info, dict) else info
        path = outputs["out"] / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, name
    for name, info in manifest["inputs"].items():
        data = (hostile_case / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"], name
