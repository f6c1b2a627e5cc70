"""Make executed notebooks comparable between runs (reliability.md P1-12, P2-17).

Two builds of the same case must give the same executed notebooks whichever kernel ran
a section and in which order: timing metadata goes, cell ids are derived from the cell's
position, execution counts restart at 1 in every notebook (a reused kernel keeps
counting), and absolute paths (home folder, virtual environment, case folder) in outputs
are replaced by neutral names.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Mapping

from nbformat import NotebookNode

from carebook.build.verify import remove_sentinel

__all__ = ["normalize", "path_replacements", "pin_styler_ids"]

log = logging.getLogger(__name__)

# Per-cell metadata written by nbclient, papermill or JupyterLab that records when or
# how long something ran.
_CELL_TIMING_KEYS = ("execution", "papermill", "ExecuteTime", "collapsed", "scrolled")
# A Styler table declares its random id on the <table> element; every element id and CSS
# selector of that table starts with it.
_STYLER_TABLE_ID = re.compile(r'<table id="(T_[0-9a-f]{3,32})"')


def path_replacements(pairs: Mapping[str, str]) -> list[tuple[str, str]]:
    """Return (absolute path, replacement) pairs, longest path first, empty ones dropped.

    Longest first, so that ``/home/ann/carebook/notebooks`` is replaced before
    ``/home/ann``.
    """
    kept = [(str(k), v) for k, v in pairs.items() if str(k) and str(k) not in ("/", ".")]
    return sorted(kept, key=lambda kv: len(kv[0]), reverse=True)


def _scrub(value: object, replacements: list[tuple[str, str]]) -> object:
    if isinstance(value, str):
        for old, new in replacements:
            if old in value:
                value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_scrub(v, replacements) for v in value]
    if isinstance(value, dict):
        return type(value)((k, _scrub(v, replacements)) for k, v in value.items())
    return value


def pin_styler_ids(html: str, prefix: str) -> str:
    """Return *html* with each Styler table's random id replaced by ``T_<prefix>_<n>``.

    Only ids a ``<table id="T_…">`` declares are replaced (with everything that starts
    with them: cell ids and CSS selectors), so text that merely looks like an id stays.

    Examples
    --------
    >>> pin_styler_ids('<table id="T_3f9c2"><td id="T_3f9c2_row0_col0">', "c4")
    '<table id="T_c4_0"><td id="T_c4_0_row0_col0">'
    """
    found = list(dict.fromkeys(_STYLER_TABLE_ID.findall(html)))
    for n, old in enumerate(found):
        html = re.sub(re.escape(old) + r"(?![0-9a-f])", f"T_{prefix}_{n}", html)
    return html


def _pin_output_ids(output: dict, prefix: str) -> None:
    data = output.get("data")
    if not isinstance(data, dict) or "text/html" not in data:
        return
    html = data["text/html"]
    joined = "".join(html) if isinstance(html, list) else html
    pinned = pin_styler_ids(joined, prefix)
    if pinned != joined:
        data["text/html"] = pinned


def normalize(
    nb: NotebookNode, *, replacements: list[tuple[str, str]] | None = None
) -> NotebookNode:
    """Return a canonical copy of an executed notebook; *nb* is not modified.

    Parameters
    ----------
    nb : NotebookNode
        An executed (and verified) section notebook.
    replacements : list of (str, str), optional
        Absolute paths and what to show instead (see :func:`path_replacements`).

    Returns
    -------
    NotebookNode
        Without carebook's sentinel cell and timing metadata, with ids ``cell-0``,
        ``cell-1`` … and execution counts 1, 2 … in cell order, Styler table ids
        ``T_cell<i>o<j>_<n>`` (cell, output, table).
    """
    out = remove_sentinel(copy.deepcopy(nb))
    replacements = replacements or []
    papermill = out.metadata.get("papermill")
    if isinstance(papermill, dict):
        out.metadata["papermill"] = {"parameters": papermill.get("parameters", {})}
    count = 0
    for index, cell in enumerate(out.cells):
        cell["id"] = f"cell-{index}"
        for key in _CELL_TIMING_KEYS:
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            continue
        if cell.get("execution_count") is not None:
            count += 1
            cell["execution_count"] = count
        for number, output in enumerate(cell.get("outputs", [])):
            _pin_output_ids(output, f"cell{index}o{number}")
            if "execution_count" in output:
                output["execution_count"] = cell.get("execution_count")
            for key in ("text", "data", "traceback", "evalue"):
                if key in output and replacements:
                    output[key] = _scrub(output[key], replacements)
    return out
