"""The typed, validated case: what every analysis and notebook reads.

``case.yaml``, ``codebook.yaml`` and ``references.yaml`` become pydantic models; the CSV
files become pandas DataFrames with the column types documented on :class:`Case`. The
loader (``carebook.case.load``) is the only code that opens case files; nothing
downstream re-reads a file or re-checks a column.

Beyond ``data-contract.md``, ``case.yaml`` may carry a few optional narrative keys
(``organisation.profile``, ``benchmark.profile``/``selection``, ``strategy_development``,
``standards.how_set``, ``data_collection``). A case without them is still complete; the
report then falls back to general wording.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from carebook.errors import Problem

__all__ = [
    "DIMENSIONS",
    "DIMENSION_ITEMS",
    "CHANNEL_MEASURES",
    "COMMENT_SOURCES",
    "COMMENT_KINDS",
    "ReportInfo",
    "Organisation",
    "BenchmarkInfo",
    "Strategy",
    "StrategyDevelopment",
    "Commitment",
    "Standards",
    "DataCollection",
    "CaseConfig",
    "Theme",
    "Codebook",
    "Reference",
    "InputFile",
    "Case",
]

#: The five SERVQUAL dimensions in their conventional order.
DIMENSIONS: tuple[str, ...] = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
#: SERVQUAL item numbers per dimension (Parasuraman, Zeithaml and Berry, 1988): kept as data.
DIMENSION_ITEMS: dict[str, tuple[int, ...]] = {
    "tangibles": (1, 2, 3, 4),
    "reliability": (5, 6, 7, 8, 9),
    "responsiveness": (10, 11, 12, 13),
    "assurance": (14, 15, 16, 17),
    "empathy": (18, 19, 20, 21, 22),
}
CHANNEL_MEASURES = ("response", "resolution")
COMMENT_SOURCES = (
    "comment_card",
    "letter",
    "conversation",
    "telephone_poll",
    "email",
    "online",
    "other",
)
COMMENT_KINDS = ("complaint", "commendation", "suggestion", "other")


class _Model(BaseModel):
    # Unknown keys are kept (and warned about by the loader), never an error.
    model_config = ConfigDict(extra="allow", frozen=True)


class ReportInfo(_Model):
    """The ``report`` block: cover-page fields and the word limit."""

    title: str
    course: str
    unit_code: str
    outcome: int
    candidate_name: str = ""
    grade_and_class: str = ""
    student_id: str = ""
    submission_date: dt.date | None = None
    word_limit: int | None = Field(default=None, gt=0)


class Organisation(_Model):
    """The ``organisation`` block: who the report is about."""

    name: str
    sector: str | None = None
    country: str | None = None
    founded: dt.date | None = None
    timezone: str = "UTC"
    customers_millions: float | None = Field(default=None, ge=0)
    #: Optional paragraph for the introduction (carebook extension).
    profile: str | None = None


class BenchmarkInfo(_Model):
    """The ``benchmark`` block: the competitor benchmarked against."""

    competitor: str
    #: Optional paragraph describing the competitor (carebook extension).
    profile: str | None = None
    #: Optional paragraph: how the benchmark partner was chosen (carebook extension).
    selection: str | None = None


class Strategy(_Model):
    """One customer care strategy with its benefit (report section 2)."""

    name: str
    description: str
    benefit: str


class StrategyDevelopment(_Model):
    """How the strategy was developed (report section 2.2; carebook extension)."""

    internal_structure: str | None = None
    measures_and_policy: str | None = None
    feedback_changes: str | None = None


class Commitment(_Model):
    """A service commitment measured in ``contacts.csv``."""

    channel: str
    label: str
    measure: Literal["response", "resolution"]
    target_hours: float = Field(gt=0)
    target_pct: float = Field(default=100.0, ge=0, le=100)


class Standards(_Model):
    """Macro and micro standards and the measurable service commitments."""

    macro: list[str] = Field(default_factory=list)
    micro: list[str] = Field(default_factory=list)
    commitments: list[Commitment] = Field(min_length=1)
    #: Optional paragraph: how the standards were set (carebook extension).
    how_set: str | None = None


class DataCollection(_Model):
    """How the case's data were collected (carebook extension, report section 4)."""

    #: True when survey, contact and comment data are synthetic (the sample case).
    synthetic: bool = False
    survey: str | None = None
    contacts: str | None = None
    comments: str | None = None


class CaseConfig(_Model):
    """The whole of ``case.yaml``."""

    report: ReportInfo
    organisation: Organisation
    benchmark: BenchmarkInfo | None = None
    strategies: list[Strategy] = Field(min_length=1)
    strategy_development: StrategyDevelopment = Field(default_factory=StrategyDevelopment)
    standards: Standards
    data_collection: DataCollection = Field(default_factory=DataCollection)


class Theme(_Model):
    """One theme of a codebook: comments containing any keyword are coded with it."""

    key: str
    label: str
    dimension: str | None = None
    keywords: tuple[str, ...]


class Codebook(_Model):
    """Themes for coding comments, in the order the codebook lists them."""

    themes: tuple[Theme, ...]
    #: True when the built-in telecom codebook was used because the case has none.
    is_default: bool = False


class Reference(_Model):
    """One entry of ``references.yaml``."""

    id: str
    type: Literal["book", "article", "web", "report"]
    authors: list[str] = Field(min_length=1)
    year: int | str
    title: str
    publisher: str | None = None
    place: str | None = None
    edition: str | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    url: str | None = None
    doi: str | None = None
    accessed: dt.date | None = None


@dataclass(frozen=True)
class InputFile:
    """Provenance of one case file as it was read."""

    name: str
    sha256: str
    size: int
    encoding: str | None = None
    rows: int | None = None


@dataclass(frozen=True)
class Case:
    """A validated case, ready for analysis.

    Column types are fixed here so that analyses never re-check them. Optional columns
    the file did not have are *absent* from the frame; extra columns are kept as text.

    ``survey``
        ``respondent_id`` text (unique); ``date`` datetime64 (optional); ``segment`` text
        (optional); ``E1``..``E22`` and ``P1``..``P22`` nullable ``Int8`` (1-7, ``<NA>`` =
        not answered); ``W_tangibles``..``W_empathy`` float64 (optional, all five or
        none; ``NaN`` where a row has no weights); ``csat`` (1-5), ``nps`` (0-10),
        ``ces`` (1-7) nullable ``Int8`` (optional).
    ``contacts``
        ``contact_id`` text (unique); ``channel`` text (each a commitment's channel);
        ``category`` text (optional); ``received_at``, ``first_response_at``,
        ``resolved_at`` datetime64 in UTC (time-zone aware, ``NaT`` = missing);
        ``first_contact_resolution`` nullable ``boolean`` (optional).
    ``comments`` (``None`` when ``comments.csv`` is absent)
        ``comment_id`` text (unique); ``date`` datetime64 (optional); ``source`` text (one
        of :data:`COMMENT_SOURCES`); ``kind`` text (optional, :data:`COMMENT_KINDS`);
        ``text`` text exactly as written; ``code`` text (optional, missing = NA).
    ``benchmark`` (``None`` when ``benchmark.csv`` is absent)
        ``metric``, ``organisation`` text; ``value`` float64; ``higher_is_better`` bool;
        ``label``, ``unit``, ``period``, ``source`` text (optional, missing = NA).

    Text never loses a value: ``NA``, ``None``, ``null`` stay text; only an empty cell is
    missing.
    """

    root: Path
    config: CaseConfig
    survey: pd.DataFrame
    contacts: pd.DataFrame
    comments: pd.DataFrame | None
    benchmark: pd.DataFrame | None
    codebook: Codebook
    references: tuple[Reference, ...] = ()
    #: Problems that did not stop the build (extra columns, extra files …).
    warnings: tuple[Problem, ...] = ()
    #: Plain statements of what the case did not supply, e.g. ``"comments.csv"`` or
    #: ``"survey.csv: csat"``; the report repeats them.
    not_supplied: tuple[str, ...] = ()
    #: Provenance of every file read, by file name.
    inputs: dict[str, InputFile] = field(default_factory=dict)

    @property
    def organisation(self) -> str:
        """The organisation's name."""
        return self.config.organisation.name

    @property
    def competitor(self) -> str | None:
        """The benchmark competitor's name, or ``None``."""
        return self.config.benchmark.competitor if self.config.benchmark else None

    @property
    def timezone(self) -> str:
        """The organisation's IANA time zone (naive timestamps are local to it)."""
        return self.config.organisation.timezone

    @property
    def commitments(self) -> list[Commitment]:
        """The service commitments measured in ``contacts.csv``."""
        return list(self.config.standards.commitments)
