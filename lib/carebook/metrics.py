"""Assemble ``metrics.json``: the key figures of a case, exactly as interface.md defines them.

Each block comes from the module that owns the analysis; this module only puts them
together and makes the result strict JSON (plain numbers, ``null`` for what cannot be
computed, never ``NaN``).
"""

from __future__ import annotations

import json
import math
from typing import Any

from carebook.case.model import Case

__all__ = ["compute", "to_json", "plain"]


def compute(case: Case) -> dict[str, Any]:
    """Return the metrics of *case* in the shape of interface.md's ``metrics.json``.

    Parameters
    ----------
    case : Case
        A validated case.

    Returns
    -------
    dict
        Keys ``organisation``, ``competitor``, ``survey``, ``contacts``, ``comments``
        (``None`` without comments.csv) and ``benchmark`` (``None`` without
        benchmark.csv).
    """
    from carebook import benchmark, comments, satisfaction, standards

    metrics = {
        "organisation": case.organisation,
        "competitor": case.competitor,
        "survey": satisfaction.survey_metrics(case.survey),
        "contacts": standards.contact_metrics(case.contacts, case.commitments, case.timezone),
        "comments": comments.comment_metrics(case.comments, case.codebook),
        "benchmark": benchmark.benchmark_metrics(case.benchmark, case.organisation, case.competitor),
    }
    return plain(metrics)


def plain(value: Any) -> Any:
    """Return *value* with numpy scalars made Python numbers and NaN/NA made ``None``."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (str, bool)):
        return value
    if hasattr(value, "item") and not isinstance(value, (int, float)):
        try:
            value = value.item()  # numpy scalar → Python scalar
        except (TypeError, ValueError):
            return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, int):
        return value
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def to_json(metrics: dict[str, Any]) -> str:
    """Serialise *metrics* as strict, human-readable JSON (UTF-8 text, trailing newline)."""
    return json.dumps(plain(metrics), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
