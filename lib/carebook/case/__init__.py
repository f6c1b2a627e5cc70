"""Reading and validating a case folder (the only code that opens case files).

Public API: :func:`load_case` (memoised per kernel), :func:`validate` (never cached),
:func:`summary` (the line ``carebook validate`` prints) and :func:`new_case` (a blank case
to fill in), plus the models of :mod:`carebook.case.model`. Every problem with a case is
raised together in one :class:`carebook.errors.InputError`; see
:mod:`carebook.case.loader` for the ``FILE:ROW:COLUMN: message`` conventions.
"""

from __future__ import annotations

from carebook.case.blank import new_case
from carebook.case.loader import clear_cache, load_case, summary, validate
from carebook.case.model import Case, CaseConfig, Codebook, InputFile, Reference, Theme

__all__ = [
    "Case",
    "CaseConfig",
    "Codebook",
    "InputFile",
    "Reference",
    "Theme",
    "clear_cache",
    "load_case",
    "new_case",
    "summary",
    "validate",
]
