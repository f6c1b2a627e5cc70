"""Find the case folders of a cohort and give each a safe output folder name.

Folder names come from students (or from unzipping a learning platform's download), so
they are untrusted: they may contain markup, spreadsheet formulas, line breaks, bytes
that are not UTF-8, or names that differ only in letter case. Each case gets an output
folder name made only of letters, digits, ``.``, ``_`` and ``-``, unique (ignoring case,
as on Windows and macOS file systems), never one of the summary files' names, and always
a direct child of the batch output folder.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from carebook.errors import InputError

__all__ = [
    "CaseFolder",
    "data_bytes",
    "display_name",
    "find_cases",
    "largest_first",
    "safe_folder_names",
]

log = logging.getLogger(__name__)

CASE_FILE = "case.yaml"
_MAX_NAME = 60
# Names Windows refuses for files and folders, whatever the extension.
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{i}" for p in ("com", "lpt") for i in range(1, 10)
}
#: Names the batch itself writes into its output folder.
RESERVED = {"summary.html", "summary.csv"}


@dataclass(frozen=True)
class CaseFolder:
    """One sub-folder of a cohort.

    Attributes
    ----------
    name : str
        The folder's name as it can be shown (not valid UTF-8 bytes shown as U+FFFD).
    path : Path
        The folder itself.
    is_case : bool
        Whether it has a ``case.yaml``.
    output : str
        The output folder name (a safe, unique name) for a case; ``""`` otherwise.
    """

    name: str
    path: Path
    is_case: bool
    output: str = ""


def display_name(name: str) -> str:
    """Return *name* printable: bytes that were not UTF-8 become U+FFFD.

    Python keeps such bytes of a file name as lone surrogates, which cannot be written
    to a UTF-8 file; replacing them keeps the row in the summary.
    """
    return os.fsencode(name).decode("utf-8", errors="replace")


def _slug(name: str) -> str:
    text = unicodedata.normalize("NFKC", display_name(name))
    # Letters and digits of any script are kept (student names in Chinese stay readable);
    # everything else, including path separators and control characters, becomes "_".
    text = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in text)
    text = re.sub(r"_+", "_", text)
    # A leading dot hides the folder (and "." / ".." are not names); a leading dash reads
    # as an option to shell tools; trailing dots and spaces are dropped by Windows.
    text = text.strip("._-")[:_MAX_NAME].rstrip("._-")
    if not text:
        return "case"
    stem = text.split(".")[0].casefold()
    if text.casefold() in RESERVED or stem in _WINDOWS_RESERVED:
        text = f"case_{text}"
    return text


def safe_folder_names(names: list[str]) -> dict[str, str]:
    """Map each original folder name to a safe, unique output folder name.

    Parameters
    ----------
    names : list of str
        Original folder names (each unique, as folder names in one folder are).

    Returns
    -------
    dict
        Original name → output name. Names are taken in sorted order so the mapping
        does not depend on the order the file system lists them; a clash (``Case A`` and
        ``case_a`` both become ``case_a`` ignoring case) gets ``-2``, ``-3`` … appended.

    Examples
    --------
    >>> safe_folder_names(["../x", "Case A", "case_a", "<b>"])
    {'../x': 'x', '<b>': 'b', 'Case A': 'Case_A', 'case_a': 'case_a-2'}
    """
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    for name in sorted(names):
        base = _slug(name)
        candidate, n = base, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate.casefold())
        mapping[name] = candidate
    return mapping


def find_cases(
    cohort_dir: str | os.PathLike[str], *, exclude: list[Path] | None = None
) -> list[CaseFolder]:
    """List the sub-folders of a cohort folder, cases first marked with their output name.

    Parameters
    ----------
    cohort_dir : path
        A folder whose sub-folders are case folders (each with ``case.yaml``).
    exclude : list of Path, optional
        Folders to leave out, e.g. the batch output folder when it lies inside the cohort.

    Returns
    -------
    list of CaseFolder
        Sorted by name. Sub-folders without ``case.yaml`` are included with
        ``is_case=False`` (shown as "not a case"), except hidden ones (``.git``,
        ``.ipynb_checkpoints``), which are skipped. Files are ignored.

    Raises
    ------
    InputError
        If *cohort_dir* is not a folder.
    """
    cohort = Path(cohort_dir)
    if not cohort.is_dir():
        raise InputError(f"{cohort}: not a folder; give the folder that holds the case folders")
    excluded = {p.resolve() for p in (exclude or [])}
    found: list[tuple[str, Path, bool]] = []
    for entry in sorted(cohort.iterdir(), key=lambda p: p.name):
        if not entry.is_dir() or entry.resolve() in excluded:
            continue
        is_case = (entry / CASE_FILE).is_file()
        if entry.name.startswith(".") and not is_case:
            continue
        found.append((entry.name, entry, is_case))
    outputs = safe_folder_names([name for name, _, is_case in found if is_case])
    return [
        CaseFolder(display_name(name), path, is_case, outputs.get(name, "") if is_case else "")
        for name, path, is_case in found
    ]


def data_bytes(case_dir: str | os.PathLike[str]) -> int:
    """Return the size in bytes of the regular files directly inside a case folder.

    A cheap stand-in for how long the case takes to build: the time of a large case
    grows with its rows, and its rows with its CSV files' bytes. Nothing is read or
    followed: a link, a FIFO or a sub-folder counts 0 (the loader refuses what it must).

    Parameters
    ----------
    case_dir : path
        A case folder.

    Returns
    -------
    int
        The total size; 0 for a folder that cannot be listed.
    """
    total = 0
    try:
        entries = list(os.scandir(case_dir))
    except OSError:
        return 0
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            total += info.st_size
    return total


def largest_first(cases: list[CaseFolder]) -> list[CaseFolder]:
    """Return *cases* in the order to start their builds: most data first.

    With several workers, a large case started last would finish the batch alone while
    the other workers sit idle; started first, it runs while they build the small ones
    (longest-processing-time-first scheduling). Cases of the same size keep name order,
    so the order does not depend on the file system. The summary is sorted by name
    whatever the order of the builds.

    Parameters
    ----------
    cases : list of CaseFolder
        The case folders of a cohort, in any order.

    Returns
    -------
    list of CaseFolder
        A new list: by :func:`data_bytes`, largest first, then by name.
    """
    sizes = {case.path: data_bytes(case.path) for case in cases}
    return sorted(cases, key=lambda case: (-sizes[case.path], case.name, case.output))
