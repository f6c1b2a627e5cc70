"""The script payloads of reliability.md P0-1, shared by the tests that feed them in.

Each has its own number, so a dialog that fires names the payload that got through.
(A uniquely named module at the tests' root, importable from every test folder.)
"""

from __future__ import annotations

SCRIPT_PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "[x](javascript:alert(3))",
    "</td></tr></table><svg onload=alert(4)>",
    'http://x.example/"onmouseover="alert(5)',
    "<b onmouseover=alert(6)>h</b>",
)
