"""Coverage of the Outcome 3 evidence: a tutor-editable checklist, each item met or not.

The checklist lives in YAML (``carebook/data/outcome3_checklist.yaml`` by default); its
comments document the rule vocabulary. Each rule returns whether it holds and a short
note of *where* the evidence is (or what is missing), which the report shows.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carebook import paths
from carebook.case.model import DIMENSION_ITEMS, Case
from carebook.checks.document import Block, Document
from carebook.errors import InputError, Problem
from carebook.references import find_citations, with_methods

__all__ = ["CoverageRow", "DEFAULT_CHECKLIST", "load_checklist", "evaluate", "RULES"]

log = logging.getLogger(__name__)

DEFAULT_CHECKLIST = paths.PACKAGE_DATA / "outcome3_checklist.yaml"


@dataclass(frozen=True)
class CoverageRow:
    """One checklist item: whether it is met and where the evidence is."""

    item: str
    section: str
    met: bool
    where: str


@dataclass(frozen=True)
class _Result:
    ok: bool
    note: str


# --------------------------------------------------------------------------- case counts


def _count(case: Case, what: str) -> tuple[int, str]:
    """Return the number of *what* in the case and where it was found."""
    cfg = case.config
    if what == "strategies_with_benefit":
        n = sum(1 for s in cfg.strategies if s.benefit and s.benefit.strip())
        return n, "case.yaml strategies"
    if what == "macro_standards":
        return len([s for s in cfg.standards.macro if str(s).strip()]), "case.yaml standards.macro"
    if what == "micro_standards":
        return len([s for s in cfg.standards.micro if str(s).strip()]), "case.yaml standards.micro"
    if what == "commitments":
        return len(
            [c for c in cfg.standards.commitments if c.target_hours > 0]
        ), "case.yaml standards.commitments"
    if what == "benchmark_metrics":
        return _benchmark_metrics(case), "benchmark.csv"
    if what == "quantitative_methods":
        methods = ["SERVQUAL survey"] if case.survey is not None and len(case.survey) else []
        for column, name in (("csat", "CSAT"), ("nps", "NPS"), ("ces", "CES")):
            if case.survey is not None and column in case.survey:
                methods.append(name)
        if case.contacts is not None and len(case.contacts):
            methods.append("contact timings")
        return len(methods), "survey.csv, contacts.csv (" + ", ".join(methods) + ")"
    if what == "qualitative_methods":
        if case.comments is None or case.comments.empty:
            return 0, "comments.csv (not supplied)"
        sources = sorted({str(s) for s in case.comments["source"].dropna()})
        methods = [s.replace("_", " ") for s in sources]
        if "code" in case.comments and case.comments["code"].notna().any():
            methods.append("human coding")
        return len(methods), "comments.csv (" + ", ".join(methods) + ")"
    if what == "servqual_dimensions":
        survey = case.survey
        n = sum(
            1
            for items in DIMENSION_ITEMS.values()
            if survey is not None and all(f"E{i}" in survey and f"P{i}" in survey for i in items)
        )
        return n, "survey.csv"
    if what == "references":
        return len(case.references), "references.yaml"
    raise InputError(Problem("checklist", None, "count.of", f"unknown count {what!r}"))


#: The last case's benchmark comparisons counted, with a weak reference to the case: a
#: watch rebuilds one case many times, and the comparisons are most of the checks' time
#: (0.05 s). Weak, so that a batch worker does not hold a large case past its build.
_LAST_BENCHMARK: tuple[weakref.ref[Case], int] | None = None


def _benchmark_metrics(case: Case) -> int:
    """Return how many metrics the case's benchmark compares (kept for the same case)."""
    global _LAST_BENCHMARK
    last = _LAST_BENCHMARK
    if last is not None and last[0]() is case:  # a Case is frozen: the same one, same count
        return last[1]
    from carebook.benchmark import comparisons

    count = len(comparisons(case.benchmark, case.organisation, case.competitor))
    _LAST_BENCHMARK = (weakref.ref(case), count)
    return count


def _rule_count(case: Case, doc: Document, refs: set[str], *, of: str, min: int = 1) -> _Result:  # noqa: A002
    n, where = _count(case, of)
    return _Result(n >= int(min), f"{where}: {n} (needs {min})")


def _rule_competitor(case: Case, doc: Document, refs: set[str]) -> _Result:
    if case.competitor:
        return _Result(True, f"case.yaml benchmark.competitor: {case.competitor}")
    return _Result(False, "case.yaml names no benchmark.competitor")


def _rule_field(case: Case, doc: Document, refs: set[str], *, path: str) -> _Result:
    value: Any = case.config
    for part in path.split("."):
        value = getattr(value, part, None) if not isinstance(value, Mapping) else value.get(part)
    ok = isinstance(value, str) and bool(value.strip())
    return _Result(ok, f"case.yaml {path}" + ("" if ok else " is empty"))


def _first(blocks: list[Block], test: Callable[[Block], bool]) -> Block | None:
    return next((b for b in blocks if test(b)), None)


def _rule_heading(case: Case, doc: Document, refs: set[str], *, pattern: str) -> _Result:
    regex = re.compile(pattern, re.IGNORECASE)
    hit = _first(doc.headings, lambda b: bool(regex.search(b.text)))
    if hit:
        return _Result(True, f"heading '{hit.text}' ({hit.where})")
    return _Result(False, f"no heading matches '{pattern}'")


def _scope(doc: Document, section: str | None) -> list[Block]:
    return doc.in_section(str(section)) if section else list(doc.blocks)


def _rule_text(
    case: Case, doc: Document, refs: set[str], *, pattern: str, section: str | None = None
) -> _Result:
    regex = re.compile(pattern, re.IGNORECASE)
    hit = _first(
        [b for b in _scope(doc, section) if b.kind in ("prose", "markdown_output")],
        lambda b: bool(regex.search(" ".join(b.text.split()))),
    )
    if hit:
        return _Result(True, f"text ({hit.where})")
    return _Result(
        False, f"no text matches '{pattern}'" + (f" in section {section}" if section else "")
    )


_CALL = {
    "table": ("tables.show(",),
    "figure": ("figures.show(",),
    "any": ("tables.show(", "figures.show("),
}


def _rule_caption(
    case: Case,
    doc: Document,
    refs: set[str],
    *,
    pattern: str,
    kind: str = "any",
    section: str | None = None,
) -> _Result:
    regex = re.compile(pattern, re.IGNORECASE)
    prefixes = {"table": ("table",), "figure": ("figure",), "any": ("table", "figure")}[kind]
    for block in _scope(doc, section):
        for caption in block.captions:
            if caption.lower().startswith(prefixes) and regex.search(caption):
                return _Result(True, f"'{caption}' ({block.where})")
        if block.kind == "prose":
            for line in block.text.splitlines():
                text = line.strip(" *_")
                if text.lower().startswith(prefixes) and regex.search(text):
                    return _Result(True, f"'{text}' ({block.where})")
        if block.kind == "code" and not doc.executed and any(c in block.text for c in _CALL[kind]):
            if regex.search(block.text):  # source notebook: the caption is in the call
                return _Result(True, f"{kind} call ({block.where})")
    where = f" in section {section}" if section else ""
    return _Result(
        False,
        f"no {kind if kind != 'any' else 'table or figure'} caption matches '{pattern}'{where}",
    )


def _citations(doc: Document) -> list[tuple[Block, str]]:
    found = []
    for block in doc.of_kind("prose", "markdown_output"):
        for citation in find_citations(block.text):
            found.extend((block, key) for key in citation.keys)
    return found


def _rule_citations(case: Case, doc: Document, refs: set[str], *, min: int = 1) -> _Result:  # noqa: A002
    n = len(_citations(doc))
    return _Result(n >= int(min), f"{n} citation{'s' if n != 1 else ''} (needs {min})")


def _rule_citations_resolve(case: Case, doc: Document, refs: set[str]) -> _Result:
    unknown = [(b, k) for b, k in _citations(doc) if k not in refs]
    if not unknown:
        return _Result(True, "every citation names a reference")
    block, key = unknown[0]
    more = f" and {len(unknown) - 1} more" if len(unknown) > 1 else ""
    return _Result(False, f"'@{key}' has no reference ({block.where}){more}")


#: The rule vocabulary of the checklist YAML (documented in its comments).
RULES: dict[str, Callable[..., _Result]] = {
    "count": _rule_count,
    "competitor": _rule_competitor,
    "field": _rule_field,
    "heading": _rule_heading,
    "text": _rule_text,
    "caption": _rule_caption,
    "citations": _rule_citations,
    "citations_resolve": _rule_citations_resolve,
}


@functools.lru_cache(maxsize=4)
def _parsed_yaml(text: str) -> Any:
    """Parse a checklist's text, once per text (every build reads the same checklist)."""
    import yaml

    return yaml.safe_load(text)


def load_checklist(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Read and check a checklist YAML; every mistake is reported at once.

    Raises
    ------
    InputError
        Naming the file and item for an unknown rule, a missing title or a bad option.
    """
    import yaml

    path = Path(path) if path is not None else DEFAULT_CHECKLIST
    try:
        data = copy.deepcopy(_parsed_yaml(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as err:
        raise InputError(Problem(path.name, None, "", f"cannot read the checklist: {err}")) from err
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise InputError(Problem(path.name, None, "items", "the checklist needs a list of items"))
    problems = []
    for i, item in enumerate(items, start=1):
        where = f"items[{i}]"
        if not isinstance(item, dict) or not str(item.get("title", "")).strip():
            problems.append(Problem(path.name, None, where, "each item needs a title"))
            continue
        for j, rule in enumerate(item.get("rules") or [], start=1):
            name = rule.get("rule") if isinstance(rule, dict) else None
            if name not in RULES:
                problems.append(
                    Problem(
                        path.name,
                        None,
                        f"{where}.rules[{j}]",
                        f"unknown rule {name!r}; use one of {', '.join(RULES)}",
                    )
                )
            elif name == "caption" and rule.get("kind", "any") not in _CALL:
                problems.append(
                    Problem(
                        path.name,
                        None,
                        f"{where}.rules[{j}].kind",
                        "kind must be table, figure or any",
                    )
                )
    if problems:
        raise InputError(problems)
    return items


def evaluate(case: Case, document: Document, items: list[dict[str, Any]]) -> list[CoverageRow]:
    """Evaluate every checklist item against the case and the report."""
    refs = {r.id for r in with_methods(case.references)}
    rows = []
    for item in items:
        results = []
        for rule in item.get("rules") or []:
            options = {k: v for k, v in rule.items() if k != "rule"}
            try:
                results.append(RULES[rule["rule"]](case, document, refs, **options))
            except TypeError as err:  # an option the rule does not take
                raise InputError(
                    Problem(
                        "checklist", None, str(rule.get("rule")), f"bad options {options}: {err}"
                    )
                ) from err
        met = bool(results) and all(r.ok for r in results)
        notes = [r.note for r in results if (r.ok if met else not r.ok)]
        rows.append(
            CoverageRow(str(item["title"]), str(item.get("section", "")), met, "; ".join(notes))
        )
    return rows
