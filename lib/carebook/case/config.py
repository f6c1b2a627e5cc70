"""``case.yaml``, ``codebook.yaml`` and ``references.yaml`` into validated models."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from pydantic import BaseModel

from carebook.case.model import DIMENSIONS, CaseConfig, Codebook, Reference, Theme
from carebook.case.problems import ProblemLog, close_match, did_you_mean
from carebook.case.yamlfile import YamlDoc, path_text, validate_model

__all__ = ["parse_case_config", "parse_codebook", "parse_references", "known_timezones"]

# Text that must not be blank where the contract calls it required.
_REQUIRED_TEXT = (
    ("report", "title"),
    ("report", "course"),
    ("report", "unit_code"),
    ("organisation", "name"),
    ("benchmark", "competitor"),
)


@functools.cache
def known_timezones() -> frozenset[str]:
    """Every IANA time zone name the installed zone database knows."""
    return frozenset(zoneinfo.available_timezones())


def _blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def _blank_problem(doc: YamlDoc, problems: ProblemLog, path: tuple) -> None:
    doc.reported.add(path)
    problems.add(doc.name, None, path_text(path), "must not be empty")


def parse_case_config(doc: YamlDoc, problems: ProblemLog) -> CaseConfig | None:
    """Validate the data of ``case.yaml``.

    Besides the model's rules: required text must not be blank, the time zone must be a
    known IANA name (with the closest as a hint), and no two commitments may measure the
    same thing on the same channel.

    Returns
    -------
    CaseConfig or None
        ``None`` when a problem was recorded.
    """
    data = doc.data
    if not isinstance(data, dict):
        problems.add(doc.name, None, "", "must be a mapping with the keys report, organisation, strategies and "
                     "standards (see data-contract.md, or start from `carebook new`)")
        return None
    before = len(problems.problems)
    config = validate_model(doc, CaseConfig, data, (), problems)
    for path in _REQUIRED_TEXT:
        value = data.get(path[0])
        if isinstance(value, dict) and _blank(value.get(path[1])):
            _blank_problem(doc, problems, path)
    for list_key, fields in (("strategies", ("name", "description", "benefit")),):
        for i, item in enumerate(data.get(list_key) or []):
            for key in fields:
                if isinstance(item, dict) and _blank(item.get(key)):
                    _blank_problem(doc, problems, (list_key, i, key))
    standards = data.get("standards")
    commitments = standards.get("commitments") if isinstance(standards, dict) else None
    seen: dict[tuple, int] = {}
    for i, item in enumerate(commitments if isinstance(commitments, list) else []):
        if not isinstance(item, dict):
            continue
        for key in ("channel", "label"):
            if _blank(item.get(key)):
                _blank_problem(doc, problems, ("standards", "commitments", i, key))
        pair = (item.get("channel"), item.get("measure"))
        if isinstance(pair[0], str) and pair in seen:
            problems.add(doc.name, None, path_text(("standards", "commitments", i)),
                         f"repeats the {pair[1]} commitment of channel {pair[0]!r} "
                         f"(standards.commitments[{seen[pair]}]); keep one")
        seen.setdefault(pair, i)
    organisation = data.get("organisation")
    zone = organisation.get("timezone") if isinstance(organisation, dict) else None
    if isinstance(zone, str) and zone not in known_timezones():
        near = close_match(zone, known_timezones(), cutoff=0.5)
        hint = f"; did you mean `{near}`?" if near else ""
        problems.add(doc.name, None, "organisation.timezone",
                     f"unknown time zone {zone!r}: use an IANA name such as Asia/Shanghai or Europe/London{hint}")
    doc.report_surprises(problems)
    return config if len(problems.problems) == before else None


def parse_codebook(doc: YamlDoc, problems: ProblemLog, *, is_default: bool = False) -> Codebook | None:
    """Validate a codebook: ``themes`` mapping each key to a label, keywords, dimension.

    Returns
    -------
    Codebook or None
        ``None`` when a problem was recorded.
    """
    data = doc.data
    themes_data = data.get("themes") if isinstance(data, dict) else None
    if not isinstance(themes_data, dict) or not themes_data:
        problems.add(doc.name, None, "themes", "must map each theme key to its label and keywords, e.g. "
                     "`themes: {network: {label: Network quality, keywords: [signal, coverage]}}`")
        return None
    before = len(problems.problems)
    themes: list[Theme] = []
    for key, body in themes_data.items():
        prefix = ("themes", key)
        if not isinstance(key, str) or not key.strip() or ";" in key or key.strip().lower() == "none":
            problems.add(doc.name, doc.line(prefix), path_text(prefix),
                         "a theme key must be a word without `;` and must not be `none`")
            continue
        if not isinstance(body, dict):
            problems.add(doc.name, doc.line(prefix), path_text(prefix),
                         "must be a mapping with label and keywords")
            continue
        theme = validate_model(doc, Theme, {"key": key, **body}, prefix, problems)
        keywords = body.get("keywords")
        if isinstance(keywords, list):
            if not keywords:
                problems.add(doc.name, None, path_text((*prefix, "keywords")), "needs at least one keyword")
            for i, word in enumerate(keywords):
                if _blank(word):
                    _blank_problem(doc, problems, (*prefix, "keywords", i))
        dimension = body.get("dimension")
        if dimension is not None and dimension not in DIMENSIONS:
            problems.add(doc.name, None, path_text((*prefix, "dimension")),
                         f"must be one of {', '.join(DIMENSIONS)}, not {dimension!r}"
                         + did_you_mean(str(dimension), DIMENSIONS))
        if theme is not None:
            themes.append(theme)
    doc.report_surprises(problems)
    if len(problems.problems) != before:
        return None
    return Codebook(themes=tuple(themes), is_default=is_default)


def parse_references(doc: YamlDoc, problems: ProblemLog) -> tuple[Reference, ...] | None:
    """Validate ``references.yaml``: a list of entries with unique ids.

    An empty file (or one holding only comments) means no references.

    Returns
    -------
    tuple of Reference or None
        ``None`` when a problem was recorded.
    """
    data = doc.data
    if data is None:
        return ()
    if not isinstance(data, list):
        problems.add(doc.name, None, "", "must be a list of entries, each starting with `- id: ...`")
        return None
    before = len(problems.problems)
    entries: list[Reference] = []
    first_row: dict[str, int] = {}
    for i, item in enumerate(data):
        entry = validate_model(doc, Reference, item, (i,), problems) if isinstance(item, dict) else None
        if not isinstance(item, dict):
            problems.add(doc.name, doc.line((i,)), f"[{i}]", "must be a mapping with id, type, authors, year, title")
            continue
        for key in ("id", "title"):
            if _blank(item.get(key)):
                _blank_problem(doc, problems, (i, key))
        ref_id = item.get("id")
        if isinstance(ref_id, str):
            if ref_id in first_row:
                problems.add(doc.name, None, f"[{i}].id",
                             f"duplicate id {ref_id!r} (also [{first_row[ref_id]}]); every entry needs its own id")
            first_row.setdefault(ref_id, i)
        if entry is not None:
            entries.append(entry)
    doc.report_surprises(problems)
    return tuple(entries) if len(problems.problems) == before else None


def model_paths(model: type[BaseModel]) -> list[str]:
    """Return the top-level keys a model knows (for hints)."""
    return list(model.model_fields)
