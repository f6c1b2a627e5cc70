"""Where carebook finds its own files: one place for every path constant."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: The repository root when carebook is installed editable from a clone.
ROOT = PACKAGE_DIR.parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"
SAMPLE_CASE = ROOT / "data" / "sample"
DEFAULT_OUT = ROOT / "report"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
PACKAGE_DATA = PACKAGE_DIR / "data"


def source_files(base: Path | None = None) -> Iterator[Path]:
    """Yield carebook's own source and data files in path order (default: the package).

    What the build cache hashes and a build server's fingerprint stats: every file but
    Python's ``__pycache__`` folders and ``*.pyc`` files, which Python regenerates.
    """
    base = PACKAGE_DIR if base is None else base
    for path in sorted(base.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path
