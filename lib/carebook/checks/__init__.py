"""Student checks: Outcome 3 coverage, word counts and pre-submission lint.

``carebook check [CASE_DIR]`` and the summary at the end of every build call
:func:`run_checks` on the section notebooks (source or executed) and print
:meth:`CheckReport.to_text` or :meth:`CheckReport.summary_line`.

Examples
--------
>>> report = run_checks(case, [("10_introduction.ipynb", nb10), ...])  # doctest: +SKIP
>>> report.summary_line()  # doctest: +SKIP
'Checks: Outcome 3 evidence 7/7 items met; 2,431 of 3,000 words; 0 errors, 1 warning.'
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from carebook.case.model import Case
from carebook.checks import coverage as _coverage
from carebook.checks import document as _document
from carebook.checks import lint as _lint
from carebook.checks import wordcount as _wordcount
from carebook.checks.coverage import CoverageRow
from carebook.checks.lint import Finding

__all__ = [
    "CheckReport",
    "CoverageRow",
    "Finding",
    "WordCount",
    "run_checks",
    "section_notebooks",
    "checks_of_build",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WordCount:
    """Words of prose per section, the total and the limit (``report.word_limit``)."""

    sections: dict[str, int]
    total: int
    limit: int | None = None

    @property
    def over_limit(self) -> bool:
        """Whether the total exceeds the limit."""
        return self.limit is not None and self.total > self.limit

    def declaration(self) -> str:
        """Return the declaration line, e.g. "Word count: 2,431 of 2,500"."""
        return _wordcount.declaration(self.total, self.limit)


@dataclass(frozen=True)
class CheckReport:
    """The outcome of :func:`run_checks`.

    Attributes
    ----------
    coverage : tuple of CoverageRow
        Each checklist item with ``met`` and ``where``.
    words : WordCount
        Prose words per section, total and limit.
    lint : tuple of Finding
        Findings with severity ``error`` or ``warning``, notebook, cell and message.
    executed : bool
        Whether the notebooks checked had been executed (outputs were checked too).
    """

    coverage: tuple[CoverageRow, ...]
    words: WordCount
    lint: tuple[Finding, ...] = field(default_factory=tuple)
    executed: bool = False

    @property
    def errors(self) -> list[Finding]:
        """Lint findings of severity ``error``."""
        return [f for f in self.lint if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        """Lint findings of severity ``warning``."""
        return [f for f in self.lint if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        """False when any lint error was found (coverage gaps and warnings do not fail)."""
        return not self.errors

    def coverage_frame(self) -> pd.DataFrame:
        """Coverage as a table: Evidence, Section, Met ("yes"/"no"), Where."""
        return pd.DataFrame(
            [
                {
                    "Evidence": r.item,
                    "Section": r.section,
                    "Met": "yes" if r.met else "no",
                    "Where": r.where,
                }
                for r in self.coverage
            ],
            columns=["Evidence", "Section", "Met", "Where"],
        )

    def words_frame(self) -> pd.DataFrame:
        """Words per section plus a Total row (and the limit when set)."""
        rows = [{"Section": s, "Words": n} for s, n in self.words.sections.items()]
        rows.append({"Section": "Total", "Words": self.words.total})
        if self.words.limit:
            rows.append({"Section": "Word limit", "Words": self.words.limit})
        return pd.DataFrame(rows, columns=["Section", "Words"]).set_index("Section")

    def lint_frame(self) -> pd.DataFrame:
        """Return the findings as a table: Severity, Notebook, Cell, Message."""
        return pd.DataFrame(
            [
                {
                    "Severity": f.severity,
                    "Notebook": f.notebook,
                    "Cell": f.cell,
                    "Message": f.message,
                }
                for f in self.lint
            ],
            columns=["Severity", "Notebook", "Cell", "Message"],
        )

    def summary_line(self) -> str:
        """One line for the end of a build."""
        met = sum(r.met for r in self.coverage)
        words = f"{self.words.total:,}" + (f" of {self.words.limit:,}" if self.words.limit else "")
        over = " (over the limit)" if self.words.over_limit else ""
        e, w = len(self.errors), len(self.warnings)
        return (
            f"Checks: Outcome 3 evidence {met}/{len(self.coverage)} items met; "
            f"{words} words{over}; "
            f"{e} error{'s' if e != 1 else ''}, {w} warning{'s' if w != 1 else ''}."
        )

    def to_text(self) -> str:
        """Return the full report for the terminal (``carebook check``)."""
        lines = ["Outcome 3 evidence"]
        for row in self.coverage:
            mark = "[x]" if row.met else "[ ]"
            lines.append(f"  {mark} {row.section:<8} {row.item}")
            if row.where:
                lines.append(f"               {'' if row.met else 'missing: '}{row.where}")
        lines.append("")
        lines.append(
            "Words (prose only: no headings, tables, captions, code, citations or bibliography)"
        )
        width = max([len(s) for s in self.words.sections] + [5])
        for section, n in self.words.sections.items():
            lines.append(f"  {section:<{width}}  {n:>6,}")
        limit = f" of {self.words.limit:,}" if self.words.limit else ""
        lines.append(
            f"  {'Total':<{width}}  {self.words.total:>6,}{limit}"
            + ("  OVER THE LIMIT" if self.words.over_limit else "")
        )
        lines.append("")
        if self.lint:
            lines.append("Before you submit")
            lines.extend(f"  {f}" for f in self.lint)
        else:
            lines.append("Before you submit: nothing to fix.")
        if not self.executed:
            lines.append(
                "(Source notebooks checked: outputs were not checked; "
                "build the report to check them.)"
            )
        lines.append("")
        lines.append(self.summary_line())
        return "\n".join(lines)


def run_checks(
    case: Case,
    notebooks: Sequence[tuple[str, object]],
    *,
    checklist_path: str | Path | None = None,
) -> CheckReport:
    """Check the report's coverage of Outcome 3, its word count and common slips.

    Parameters
    ----------
    case : Case
        The validated case (strategies, standards, data and references are checked).
    notebooks : sequence of (name, NotebookNode)
        The section notebooks in report order, source or executed.
    checklist_path : path, optional
        A checklist YAML; defaults to the built-in ``outcome3_checklist.yaml``.

    Returns
    -------
    CheckReport
        ``ok`` is False when any lint error was found.

    Raises
    ------
    InputError
        If the checklist YAML is malformed (names the item and rule).
    """
    document = _document.read(notebooks)
    items = _coverage.load_checklist(checklist_path)
    rows = tuple(_coverage.evaluate(case, document, items))
    sections = _wordcount.section_words(document)
    words = WordCount(sections, sum(sections.values()), case.config.report.word_limit)
    findings = list(_lint.lint(document, case.references))
    if words.over_limit:
        findings.append(
            Finding(
                "warning",
                "",
                None,
                f"{words.total:,} words is over the limit of {words.limit:,}",
                "word-limit",
            )
        )
    log.debug(
        "checks: %d coverage items, %d words, %d findings", len(rows), words.total, len(findings)
    )
    return CheckReport(rows, words, tuple(findings), document.executed)


def section_notebooks(
    out_dir: str | Path | None, notebooks_dir: str | Path | None = None
) -> list[tuple[str, object]]:
    """Return the executed notebooks of the last build in *out_dir*, else the source ones.

    Parameters
    ----------
    out_dir : path or None
        A build's output folder (default: ``report/``); its ``executed/`` notebooks are
        used when there are any.
    notebooks_dir : path or None
        The section notebooks otherwise (default: ``notebooks/``).
    """
    import nbformat

    from carebook.paths import DEFAULT_OUT, NOTEBOOKS_DIR

    executed = Path(out_dir or DEFAULT_OUT) / "executed"
    pattern = "[0-9][0-9]_*.ipynb"
    folder = executed if list(executed.glob(pattern)) else Path(notebooks_dir or NOTEBOOKS_DIR)
    return [(p.name, nbformat.read(p, as_version=4)) for p in sorted(folder.glob(pattern))]


def checks_of_build(
    result: object, case_dir: str | Path | None, notebooks_dir: str | Path | None = None
) -> CheckReport:
    """Return the student checks of a finished build, working them out only if it did not.

    Parameters
    ----------
    result : carebook.build.BuildResult
        The build. Its own checks when it ran them (``build(run_checks=True)``, while the
        PDF printed); else they are run on its executed notebooks, with the case it
        validated. An up-to-date build found by the quick check validated none, so then
        *case_dir* is validated here.
    case_dir : path or None
        The build's case folder (``None``: the embedded sample).
    notebooks_dir : path or None
        The build's section notebooks, used if the output folder has no executed ones.
    """
    checks = getattr(result, "checks", None)
    if checks is not None:
        return checks
    case = getattr(result, "case", None)
    if case is None:
        from carebook import case as cases

        case = cases.validate(case_dir)
    return run_checks(case, section_notebooks(getattr(result, "out_dir", None), notebooks_dir))
