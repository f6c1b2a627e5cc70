"""Where carebook finds its own files: one place for every path constant."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: The repository root when carebook is installed editable from a clone.
ROOT = PACKAGE_DIR.parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"
SAMPLE_CASE = ROOT / "data" / "sample"
DEFAULT_OUT = ROOT / "report"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
PACKAGE_DATA = PACKAGE_DIR / "data"
