"""Reading and validating a case folder (the only code that opens case files)."""

from __future__ import annotations

from carebook.case.model import Case, CaseConfig, Codebook, Reference, Theme

__all__ = ["Case", "CaseConfig", "Codebook", "Reference", "Theme"]
