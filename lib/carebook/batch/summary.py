"""The batch summary: key figures per case, as a table, an HTML page and an Excel-safe CSV.

The HTML page is one self-contained file with no scripts and no external resources;
every value (case folder names and messages come from students) is HTML-escaped and
every link is a relative, percent-encoded path to a report inside the batch folder.
"""

from __future__ import annotations

import logging
import math
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from carebook.batch.worker import CaseResult
from carebook.safety import html_escape

__all__ = ["FIGURES", "key_figures", "summary_frame", "render_html", "write_summary", "counts"]

log = logging.getLogger(__name__)

#: Key figure → (column heading, decimals shown in the HTML). The order is the tables'.
FIGURES: dict[str, tuple[str, int]] = {
    "respondents": ("Respondents", 0),
    "overall_gap": ("SERVQUAL gap", 2),
    "weighted_gap": ("Weighted gap", 2),
    "csat_top2_pct": ("CSAT top-2 %", 1),
    "nps": ("NPS", 1),
    "ces_mean": ("CES mean", 2),
    "contacts": ("Contacts", 0),
    "fcr_pct": ("FCR %", 1),
    "standards_met": ("Standards met", 0),
    "standards": ("Standards", 0),
    "comments": ("Comments", 0),
    "uncoded": ("Uncoded", 0),
    "benchmark_better": ("Benchmarks better", 0),
    "benchmark_metrics": ("Benchmarks", 0),
}

#: The page shows "n of m" pairs in one column each to stay readable at A4 landscape.
_PAIRS = {"standards_met": "standards", "benchmark_better": "benchmark_metrics"}
_PAIR_LABELS = {"standards_met": "Standards met", "benchmark_better": "Benchmarks better"}

_COLUMNS = [
    "case",
    "status",
    "section",
    "message",
    *FIGURES,
    "words",
    "word_limit",
    "evidence",
    "seconds",
    "output",
    "report_html",
    "report_pdf",
    "notes",
]


def _get(tree: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(tree, Mapping):
            return None
        tree = tree.get(key)
    return tree


def _count_true(block: Any, key: str) -> tuple[int | None, int | None]:
    if not isinstance(block, Mapping):
        return None, None
    values = [v.get(key) for v in block.values() if isinstance(v, Mapping)]
    return sum(v is True for v in values), len(values)


def key_figures(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """Pick the figures a tutor compares across a cohort from a ``metrics.json`` dict.

    Parameters
    ----------
    metrics : mapping
        A parsed ``metrics.json`` (interface.md).

    Returns
    -------
    dict
        The keys of :data:`FIGURES`; a figure the case cannot give (no comments file,
        no weights) is ``None``. ``standards_met`` counts channels whose
        ``meets_standard`` is true, out of ``standards`` channels with a commitment;
        ``benchmark_better`` counts benchmark metrics where the organisation is strictly
        better, out of ``benchmark_metrics``.

    Examples
    --------
    >>> channels = {"hotline": {"meets_standard": False}, "email": {"meets_standard": True}}
    >>> key_figures({"survey": {"nps": 12.5}, "contacts": {"channels": channels}})["standards_met"]
    1
    """
    met, standards = _count_true(_get(metrics, "contacts", "channels"), "meets_standard")
    better, compared = _count_true(_get(metrics, "benchmark"), "organisation_better")
    return {
        "respondents": _get(metrics, "survey", "respondents"),
        "overall_gap": _get(metrics, "survey", "servqual", "overall_gap"),
        "weighted_gap": _get(metrics, "survey", "servqual", "weighted_gap"),
        "csat_top2_pct": _get(metrics, "survey", "csat_top2_pct"),
        "nps": _get(metrics, "survey", "nps"),
        "ces_mean": _get(metrics, "survey", "ces_mean"),
        "contacts": _get(metrics, "contacts", "contacts"),
        "fcr_pct": _get(metrics, "contacts", "fcr_pct"),
        "standards_met": met,
        "standards": standards,
        "comments": _get(metrics, "comments", "comments"),
        "uncoded": _get(metrics, "comments", "uncoded"),
        "benchmark_better": better,
        "benchmark_metrics": compared,
    }


def counts(results: Sequence[CaseResult]) -> dict[str, int]:
    """Return how many rows have each status, e.g. ``{"built": 18, "failed": 2}``."""
    return dict(Counter(r.status for r in results))


def summary_frame(results: Sequence[CaseResult]) -> pd.DataFrame:
    """Return one row per case folder with status, failure, key figures, words and links.

    Parameters
    ----------
    results : sequence of CaseResult
        The batch's rows (any order; the frame is sorted by case name).

    Returns
    -------
    DataFrame
        Columns ``case, status, section, message``, the :data:`FIGURES` keys, ``words,
        word_limit, evidence, seconds, output, report_html, report_pdf, notes``.
        Numbers are numbers (missing = ``NA``); text stays text.
    """
    rows = []
    for r in sorted(results, key=lambda r: (r.name, r.output)):
        figures = {key: r.figures.get(key) for key in FIGURES}
        rows.append(
            {
                "case": r.name,
                "status": r.status,
                "section": r.section,
                "message": r.message,
                **figures,
                "words": r.words,
                "word_limit": r.word_limit,
                "evidence": r.evidence,
                "seconds": r.seconds if r.status != "not a case" else None,
                "output": r.output,
                "report_html": r.html,
                "report_pdf": r.pdf,
                "notes": "\n".join(r.notes),
            }
        )
    # object columns: each cell keeps its own type (an int stays an int, not 200.0) and
    # a missing figure stays None rather than becoming NaN.
    return pd.DataFrame(rows, columns=_COLUMNS, dtype=object)


def _number(value: Any, decimals: int) -> str:
    if value is None or isinstance(value, bool) or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, (int, float)):
        return f"{value:,.{decimals}f}"
    return html_escape(value)


def _link(path: str, label: str) -> str:
    if not path:
        return ""
    # Percent-encode the path (a folder name may hold "#", "?" or spaces) and escape the
    # attribute; the path is relative, so the summary works wherever the folder is moved.
    return f'<a href="{html_escape(quote(path))}">{html_escape(label)}</a>'


_CSS = """
body { font-family: "Noto Sans", "Noto Sans CJK SC", "DejaVu Sans", sans-serif;
       margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
p.counts { margin-top: 0; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.45em; vertical-align: top; }
th { background: #eef1f5; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.message { white-space: pre-wrap; min-width: 18em; max-width: 36em; overflow-wrap: anywhere; }
td.case { min-width: 8em; max-width: 16em; overflow-wrap: anywhere; }
tr.failed td.status, tr.error td.status { color: #a40000; font-weight: bold; }
tr.not-a-case { color: #777; }
@page { size: A4 landscape; margin: 12mm; }
"""


def _cell(value: Any, decimals: int | None = None, css: str = "") -> str:
    text = _number(value, decimals) if decimals is not None else html_escape(value)
    klass = f' class="{css}"' if css else ""
    return f"<td{klass}>{text}</td>"


def render_html(results: Sequence[CaseResult], *, title: str = "carebook batch summary") -> str:
    """Return the summary as one self-contained HTML page (no scripts, values escaped).

    Parameters
    ----------
    results : sequence of CaseResult
        The batch's rows.
    title : str
        The page title and heading (escaped).

    Returns
    -------
    str
        An HTML document.
    """
    frame = summary_frame(results)
    tally = counts(results)
    summary = ", ".join(
        f"{tally[s]} {s}" for s in ("built", "failed", "error", "not a case") if s in tally
    )
    shown = [key for key in FIGURES if key not in _PAIRS.values()]
    head = ["Case", "Status", "Failed in", "Message"]
    head += [_PAIR_LABELS.get(key, FIGURES[key][0]) for key in shown]
    head += ["Words", "Outcome 3 evidence", "Build time (s)", "Report"]
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        # No script may run and nothing may load from elsewhere, even if a value slipped
        # past escaping: the page needs only its own inline style.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="referrer" content="no-referrer">',
        f"<title>{html_escape(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{html_escape(title)}</h1>",
        f'<p class="counts">{html_escape(summary or "no case folders")}</p>',
        "<table>",
        "<thead><tr>" + "".join(f"<th>{html_escape(h)}</th>" for h in head) + "</tr></thead>",
        "<tbody>",
    ]
    for row in frame.to_dict("records"):
        status_class = html_escape(row["status"].replace(" ", "-"))
        cells = [
            _cell(row["case"], css="case"),
            _cell(row["status"], css="status"),
            _cell(row["section"]),
            _cell("\n".join(filter(None, [row["message"], row["notes"]])), css="message"),
        ]
        for key in shown:
            text = _number(row[key], FIGURES[key][1])
            if key in _PAIRS and row[key] is not None:
                text += f" of {_number(row[_PAIRS[key]], 0)}"
            cells.append(f'<td class="num">{text}</td>')
        words = _number(row["words"], 0)
        if row["word_limit"] is not None and row["words"] is not None:
            words += f" of {_number(row['word_limit'], 0)}"
        cells.append(f'<td class="num">{words}</td>')
        cells.append(_cell(row["evidence"], css="num"))
        cells.append(_cell(row["seconds"], 1, "num"))
        links = [_link(row["report_html"] or "", "HTML"), _link(row["report_pdf"] or "", "PDF")]
        cells.append("<td>" + " · ".join(link for link in links if link) + "</td>")
        lines.append(f'<tr class="{status_class}">' + "".join(cells) + "</tr>")
    lines += ["</tbody>", "</table>", "</body>", "</html>", ""]
    return "\n".join(lines)


def write_summary(
    results: Sequence[CaseResult], batch_dir: str | os.PathLike[str]
) -> tuple[Path, Path]:
    """Write ``summary.html`` and ``summary.csv`` into the batch folder, atomically.

    Parameters
    ----------
    results : sequence of CaseResult
        The batch's rows.
    batch_dir : path
        The batch output folder.

    Returns
    -------
    tuple of Path
        The HTML and CSV paths.
    """
    from carebook.build.publish import write_atomic
    from carebook.excel import write_csv

    batch = Path(batch_dir)
    html_path, csv_path = batch / "summary.html", batch / "summary.csv"
    write_csv(summary_frame(results), csv_path)
    write_atomic(html_path, render_html(results).encode("utf-8", errors="replace"))
    os.chmod(html_path, 0o644)  # the temporary file was private; a summary is shared
    log.debug("summary written to %s and %s", html_path, csv_path)
    return html_path, csv_path
