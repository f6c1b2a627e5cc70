"""Compare two runs' ``metrics.json`` figure by figure (``carebook diff OLD NEW``).

A tutor who re-runs a case with new data wants to know which figures moved and by how
much. Both files are flattened to dotted keys (``survey.servqual.gap.reliability``) and
compared: changed figures with old → new and, for numbers, the signed difference;
figures only in the new run (added) or only in the old one (removed); and how many did
not change. Rounding is for display only: the comparison uses the stored values.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carebook.errors import InputError, Problem

__all__ = [
    "Change",
    "MetricsDiff",
    "load_metrics",
    "flatten",
    "compare",
    "diff_paths",
    "to_text",
    "to_dict",
]

log = logging.getLogger(__name__)

METRICS_FILE = "metrics.json"
#: Keys that name the items of a list of records, tried in this order, so a list of
#: dimensions or channels is compared item by item whatever its order.
LIST_KEYS = ("dimension", "channel", "theme", "metric", "segment", "id", "key", "name")
_PLAIN_KEY = re.compile(r"^[^.\[\]\"]+$")


@dataclass(frozen=True)
class Change:
    """One figure that differs between the runs.

    Attributes
    ----------
    key : str
        Dotted path, e.g. ``survey.nps``.
    old, new : object
        The values (``None`` for JSON null); for an added figure ``old`` is ``None`` and
        for a removed one ``new`` is.
    difference : float or int or None
        ``new - old`` when both are numbers, else ``None``.
    """

    key: str
    old: Any
    new: Any
    difference: float | int | None = None


@dataclass(frozen=True)
class MetricsDiff:
    """The comparison of two metrics documents."""

    changed: list[Change] = field(default_factory=list)
    added: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def same(self) -> bool:
        """Whether the runs' figures are identical."""
        return not (self.changed or self.added or self.removed)


def load_metrics(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a ``metrics.json`` file, or the one inside an output folder.

    Parameters
    ----------
    path : path
        A ``metrics.json`` file or a folder holding one (a build's ``--out``).

    Returns
    -------
    dict
        The parsed document.

    Raises
    ------
    InputError
        The file is missing, unreadable, not JSON (the message gives line and column)
        or not a JSON object.
    """
    path = Path(path)
    file = path / METRICS_FILE if path.is_dir() else path
    if not file.is_file():
        where = f"{path} has no {METRICS_FILE}" if path.is_dir() else f"{path}: no such file"
        raise InputError(
            Problem(str(file), None, "", f"{where}; give a metrics.json or a report folder")
        )
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(Problem(str(file), None, "", f"cannot read: {err}")) from err
    try:
        # NaN/Infinity are not JSON; carebook never writes them, so refuse them here too.
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as err:
        raise InputError(
            Problem(str(file), err.lineno, str(err.colno), f"not valid JSON: {err.msg}")
        ) from err
    except ValueError as err:
        raise InputError(Problem(str(file), None, "", f"not valid JSON: {err}")) from err
    if not isinstance(data, dict):
        raise InputError(
            Problem(
                str(file),
                None,
                "",
                f"expected a JSON object of figures, got a {type(data).__name__}",
            )
        )
    return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _child(prefix: str, key: str) -> str:
    # A key holding a dot or bracket is quoted, so "a.b" never collides with {"a": {"b"}}.
    part = key if _PLAIN_KEY.match(key) else "[" + json.dumps(key, ensure_ascii=False) + "]"
    if part.startswith("["):
        return f"{prefix}{part}"
    return f"{prefix}.{part}" if prefix else part


def _list_key(items: list[Any]) -> str | None:
    if not items or not all(isinstance(i, Mapping) for i in items):
        return None
    for key in LIST_KEYS:
        values = [i.get(key) for i in items]
        if all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values) and len(
            set(values)
        ) == len(values):
            return key
    return None


def flatten(document: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested JSON to ``{dotted key: leaf value}``.

    Parameters
    ----------
    document : object
        Parsed JSON.
    prefix : str
        Key of *document* itself ("" for the root).

    Returns
    -------
    dict
        Leaves are numbers, strings, booleans, ``None``, or ``{}`` / ``[]`` for empty
        containers. Objects give ``a.b``; lists of records that share a unique
        ``dimension``, ``channel``, ``theme``… give ``a[channel=email]``; other lists
        give ``a[0]``, ``a[1]``….

    Examples
    --------
    >>> doc = {"survey": {"nps": 7.2, "gap": {"reliability": -0.9}},
    ...        "c": [{"channel": "x", "n": 3}]}
    >>> flatten(doc)
    {'survey.nps': 7.2, 'survey.gap.reliability': -0.9, 'c[channel=x].n': 3}
    """
    flat: dict[str, Any] = {}
    if isinstance(document, Mapping) and document:
        for key, value in document.items():
            flat.update(flatten(value, _child(prefix, str(key))))
    elif isinstance(document, list) and document:
        by = _list_key(document)
        for index, item in enumerate(document):
            label = f"{by}={item[by]}" if by else str(index)
            rest = {k: v for k, v in item.items() if k != by} if by else item
            flat.update(flatten(rest, f"{prefix}[{label}]"))
    else:
        flat[prefix] = document
    return flat


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def compare(
    old: Mapping[str, Any], new: Mapping[str, Any], *, tolerance: float = 0.0
) -> MetricsDiff:
    """Compare two metrics documents figure by figure.

    Parameters
    ----------
    old, new : mapping
        Parsed ``metrics.json`` documents. Not modified.
    tolerance : float
        Numbers whose absolute difference is at most this count as unchanged (default
        0: any difference is reported).

    Returns
    -------
    MetricsDiff
        Changed, added and removed figures in the documents' own order, and the count of
        unchanged ones. A figure that is null in one run and a number in the other is
        changed (no difference given); ``1`` and ``1.0`` are equal; ``true`` is never
        equal to ``1``.
    """
    before, after = flatten(old), flatten(new)
    changed: list[Change] = []
    unchanged = 0
    for key, value in after.items():
        if key not in before:
            continue
        was = before[key]
        if _is_number(was) and _is_number(value):
            delta = value - was
            if abs(delta) <= tolerance:
                unchanged += 1
            else:
                changed.append(Change(key, was, value, delta))
        elif type(was) is type(value) and was == value:
            unchanged += 1
        else:
            changed.append(Change(key, was, value))
    added = [Change(key, None, value) for key, value in after.items() if key not in before]
    removed = [Change(key, value, None) for key, value in before.items() if key not in after]
    return MetricsDiff(changed, added, removed, unchanged)


def diff_paths(
    old: str | os.PathLike[str], new: str | os.PathLike[str], *, tolerance: float = 0.0
) -> MetricsDiff:
    """Load two ``metrics.json`` files (or output folders) and :func:`compare` them."""
    return compare(load_metrics(old), load_metrics(new), tolerance=tolerance)


def _decimals(*values: float) -> int:
    # Two decimals, or more when two differing values would otherwise print the same.
    for decimals in range(2, 10):
        shown = {f"{v:.{decimals}f}" for v in values}
        if len(shown) == len(set(values)):
            return decimals
    return 10


def _show(value: Any, decimals: int = 2) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{decimals}f}"
    # Text is quoted (so "" and a trailing space show); {} and [] are shown as JSON.
    return json.dumps(value, ensure_ascii=False)


def _change_line(change: Change) -> str:
    if change.difference is None:
        return f"  {change.key}: {_show(change.old)} → {_show(change.new)}"
    numbers = [change.old, change.new]
    if all(isinstance(v, int) for v in numbers):
        return f"  {change.key}: {_show(change.old)} → {_show(change.new)} ({change.difference:+,})"
    # One precision for the line: enough for the values to differ and for the difference
    # never to print as zero.
    d = max(_decimals(*numbers), _decimals(change.difference, 0.0))
    old, new = _show(change.old, d), _show(change.new, d)
    return f"  {change.key}: {old} → {new} ({change.difference:+,.{d}f})"


def to_text(result: MetricsDiff, old_label: str = "OLD", new_label: str = "NEW") -> str:
    """Return the comparison in words for a tutor.

    Examples
    --------
    >>> print(to_text(compare({"gap": -0.95, "n": 200}, {"gap": -0.8, "n": 200}), "run1", "run2"))
    run1 → run2: 1 changed, 0 added, 0 removed, 1 unchanged.
    Changed:
      gap: -0.95 → -0.80 (+0.15)
    """
    total = len(result.changed) + len(result.added) + len(result.removed)
    head = f"{old_label} → {new_label}: "
    if not total:
        return head + f"no differences ({result.unchanged} figures compared)."
    lines = [
        head + f"{len(result.changed)} changed, {len(result.added)} added, "
        f"{len(result.removed)} removed, {result.unchanged} unchanged."
    ]
    if result.changed:
        lines.append("Changed:")
        lines.extend(_change_line(c) for c in result.changed)
    if result.added:
        lines.append(f"Added (only in {new_label}):")
        lines.extend(f"  {c.key}: {_show(c.new)}" for c in result.added)
    if result.removed:
        lines.append(f"Removed (only in {old_label}):")
        lines.extend(f"  {c.key}: {_show(c.old)}" for c in result.removed)
    return "\n".join(lines)


def to_dict(result: MetricsDiff) -> dict[str, Any]:
    """Return the comparison as plain JSON-ready data (``carebook diff --json``)."""
    return {
        "same": result.same,
        "changed": [
            {"key": c.key, "old": c.old, "new": c.new, "difference": c.difference}
            for c in result.changed
        ],
        "added": [{"key": c.key, "value": c.new} for c in result.added],
        "removed": [{"key": c.key, "value": c.old} for c in result.removed],
        "unchanged": result.unchanged,
    }
