"""Helpers for the hardening tests: small sample cases, hostile edits, builds once.

(A uniquely named module: ``tests/build`` has its own helpers on ``sys.path``.)
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import subprocess
from pathlib import Path

import yaml

from payloads import SCRIPT_PAYLOADS

ROOT = Path(__file__).resolve().parents[2]
CAREBOOK = ROOT / ".venv" / "bin" / "carebook"

#: reliability.md P0-1's script payloads, then two more (numbered on from 7).
COMMENT_PAYLOADS = (
    *SCRIPT_PAYLOADS,
    '<iframe src="data:text/html,<script>alert(7)</script>"></iframe>',
    r"Great \input{secret.txt} \write18{touch pwned} $x$ 100% _a_",
)
#: Theme keywords of carebook's built-in codebook, one per payload, so every hostile
#: comment is coded and can be chosen as a quote.
_KEYWORDS = (
    "signal",
    "overcharged",
    "data plan",
    "waiting",
    "rude",
    "explain",
    "elderly",
    "website",
)

HOSTILE_TITLE = "Care <script>alert(20)</script> & <img src=x onerror=alert(21)> report"
HOSTILE_CANDIDATE = '<a href="javascript:alert(22)">Li Wei</a>'
HOSTILE_STRATEGY = "<svg/onload=alert(23)> Listen [more](javascript:alert(24))"
HOSTILE_BENEFIT = "**bold** <style>body{display:none}</style> loyalty"
HOSTILE_COMMITMENT_LABEL = "Hotline <img src=x onerror=alert(25)>"
HOSTILE_REFERENCE_TITLE = "Service <script>alert(26)</script> quality [y](javascript:alert(27))"
HOSTILE_REFERENCE_URL = "javascript:alert(28)"
HOSTILE_BENCHMARK_LABEL = "<b onmouseover=alert(29)>Mobile subscribers</b>"
#: Personal data in extra contacts.csv columns (P2-17): must appear in no output.
PII = {"customer_email": "alice@example.com", "customer_phone": "+86 138 0013 8000"}
#: Planted next to the case; TeX-style \input{secret.txt} must never pull it in (P0-2).
SECRET = "SECRET-7f3a9-DO-NOT-SHOW"

#: Strings that must appear in the report as the literal text they are.
VISIBLE_TEXTS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<b onmouseover=alert(6)>h</b>",
    r"\input{secret.txt}",
    HOSTILE_TITLE,
    HOSTILE_STRATEGY,
    HOSTILE_COMMITMENT_LABEL,
    "Service <script>alert(26)</script> quality",
    HOSTILE_BENCHMARK_LABEL,
)


def make_sample(
    folder: Path, *, respondents: int = 300, contacts: int = 200, comments: int = 60
) -> Path:
    """Write a small copy of the sample case into *folder* with ``carebook sample``."""
    subprocess.run(
        [
            str(CAREBOOK),
            "sample",
            str(folder),
            "--respondents",
            str(respondents),
            "--contacts",
            str(contacts),
            "--comments",
            str(comments),
        ],
        check=True,
        capture_output=True,
    )
    return folder


def _rewrite_csv(path: Path, edit) -> None:
    """Read *path* with the csv module, let *edit* change the rows, write it back."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows = edit(rows)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def make_hostile(folder: Path) -> Path:
    """Inject script, Markdown and TeX payloads into every text a case supplies.

    The case stays valid for ``carebook validate``: only free-text fields change.
    """

    def comments(rows):
        header = rows[0]
        text = header.index("text")
        code = header.index("code")
        for row, payload, keyword in zip(rows[1:], COMMENT_PAYLOADS, _KEYWORDS, strict=False):
            row[text] = f"{payload} the {keyword} was a problem for me again"
            row[code] = ""  # not hand-coded: keeps the kappa sample valid
        return rows

    def benchmark(rows):
        label = rows[0].index("label")
        first = rows[1][rows[0].index("metric")]
        for row in rows[1:]:
            if row[rows[0].index("metric")] == first:
                row[label] = HOSTILE_BENCHMARK_LABEL
        return rows

    def contacts(rows):
        rows[0] += list(PII)
        rows[1] += list(PII.values())
        for row in rows[2:]:
            row += ["", ""]
        return rows

    _rewrite_csv(folder / "comments.csv", comments)
    _rewrite_csv(folder / "contacts.csv", contacts)
    (folder / "secret.txt").write_text(SECRET, encoding="utf-8")
    _rewrite_csv(folder / "benchmark.csv", benchmark)

    case_yaml = folder / "case.yaml"
    data = yaml.safe_load(case_yaml.read_text(encoding="utf-8"))
    data["report"]["title"] = HOSTILE_TITLE
    data["report"]["candidate_name"] = HOSTILE_CANDIDATE
    data["strategies"][0]["name"] = HOSTILE_STRATEGY
    data["strategies"][0]["benefit"] = HOSTILE_BENEFIT
    data["standards"]["commitments"][0]["label"] = HOSTILE_COMMITMENT_LABEL
    data["organisation"]["profile"] += " <script>alert(30)</script>"
    case_yaml.write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )

    refs_yaml = folder / "references.yaml"
    refs = yaml.safe_load(refs_yaml.read_text(encoding="utf-8"))
    refs[0]["title"] = HOSTILE_REFERENCE_TITLE
    refs[0]["url"] = HOSTILE_REFERENCE_URL
    refs_yaml.write_text(
        yaml.safe_dump(refs, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return folder


def sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def copy_case(source: Path, target: Path) -> Path:
    """Copy a case folder (files only)."""
    shutil.copytree(source, target)
    return target
