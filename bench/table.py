"""Result rows: each comparison as a ratio (or a size) with its target and PASS / MISS.

A row's ``status`` is one of:

``PASS`` / ``MISS``
    The value was measured and meets / misses the target (and any extra condition, such
    as "only the changed section re-executed", holds / does not hold).
``N/A``
    The command the scenario needs does not exist in this checkout yet.
``FAILED``
    A command the scenario ran failed; ``note`` says which and why.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import operator
import os
import platform
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Row", "meets", "format_table", "write_json", "COLUMNS", "STATUSES"]

STATUSES = ("PASS", "MISS", "N/A", "FAILED")
COLUMNS = ("id", "comparison", "measured", "baseline", "ratio", "target", "result")

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "<": operator.lt,
}


def meets(value: float | None, op: str, target: float) -> bool:
    """Return whether *value* satisfies ``value <op> target`` (False for a missing value)."""
    if value is None or math.isnan(value):
        return False
    return _OPS[op](value, target)


@dataclass
class Row:
    """One line of the bench table.

    Attributes
    ----------
    id : str
        Short key, e.g. ``a``, ``b1``, ``c2``.
    comparison : str
        What is compared, in words.
    value : float or None
        The ratio (unit ``x``) or size (unit ``GiB``) judged against the target.
    unit : str
        ``x`` for a ratio, ``GiB`` for memory.
    op, target : str, float
        The target as ``value <op> target`` (op one of ``>=``, ``<=``, ``<``).
    measured, baseline : float or None
        Median seconds of the thing measured and of what it is compared with.
    condition : bool or None
        An extra condition that must also hold for PASS (None when there is none).
    status : str
        Filled by :meth:`judge` unless set to ``N/A`` or ``FAILED`` beforehand.
    note : str
        One line a reader needs (what failed, which sections re-ran ...).
    """

    id: str
    comparison: str
    op: str
    target: float
    unit: str = "x"
    value: float | None = None
    measured: float | None = None
    baseline: float | None = None
    condition: bool | None = None
    status: str = ""
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def judge(self) -> Row:
        """Set ``status`` to PASS or MISS from value, target and condition; return self."""
        if self.status in ("N/A", "FAILED"):
            return self
        ok = meets(self.value, self.op, self.target) and self.condition is not False
        self.status = "PASS" if ok else "MISS"
        return self

    def target_text(self) -> str:
        """Return the target as printed, e.g. ``>= 4x`` or ``< 4 GiB``."""
        unit = "x" if self.unit == "x" else f" {self.unit}"
        return f"{self.op} {self.target:g}{unit}"

    def value_text(self) -> str:
        """Return the value as printed, e.g. ``2.13x``, ``1.42 GiB`` or ``-``."""
        if self.value is None or math.isnan(self.value):
            return "-"
        return f"{self.value:.2f}x" if self.unit == "x" else f"{self.value:.2f} {self.unit}"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def format_table(rows: Iterable[Row]) -> str:
    """Return the rows as a plain-text table (one header, one line per row, notes below)."""
    rows = list(rows)
    cells = [COLUMNS] + [
        (
            r.id,
            r.comparison,
            _seconds(r.measured),
            _seconds(r.baseline),
            r.value_text(),
            r.target_text(),
            r.status,
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(text.ljust(w) for text, w in zip(line, widths, strict=True)).rstrip()
        for line in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {r.id}: {r.note}" for r in rows if r.note]
    if notes:
        lines += ["", "Notes:", *notes]
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    """Describe the machine the numbers come from (ratios travel, seconds do not)."""
    import psutil

    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        # Other work on the machine skews seconds (and less so ratios): keep it on record.
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


def write_json(
    path: Path, rows: Iterable[Row], *, settings: Mapping[str, Any], started: dt.datetime
) -> Path:
    """Write the rows, settings and machine description to *path* as JSON and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "started": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": dict(settings),
        "rows": [{**asdict(r), "target_text": r.target_text()} for r in rows],
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps(record, indent=2, allow_nan=False, default=str) + "\n", encoding="utf-8"
    )
    tmp.replace(path)
    return path
