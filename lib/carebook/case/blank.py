"""``new_case()``: a blank case folder for a student starting on another organisation."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from carebook.case.schema import SPECS
from carebook.errors import InputError, Problem

__all__ = ["new_case", "BLANK_CASE_YAML", "BLANK_REFERENCES_YAML"]

log = logging.getLogger(__name__)

BLANK_CASE_YAML = """\
# case.yaml: what the report says about the organisation. Fill in every value marked
# "required", then run:  carebook validate <this folder>
# Text with a colon, a leading zero or a word such as NO/YES/ON should be in quotes,
# e.g. country: "NO" or student_id: "0123"; YAML would otherwise read it as a
# boolean or a number.

report:
  title: ""                 # required, e.g. Customer Care Strategy of <organisation>
  course: ""                # required, e.g. Creating a Culture of Customer Care
  unit_code: DJ4234         # required
  outcome: 3                # required
  candidate_name: ""        # optional, cover page
  grade_and_class: ""       # optional, cover page
  student_id: ""            # optional, cover page (keep the quotes)
  # submission_date: 2025-01-31   # optional, YYYY-MM-DD
  # word_limit: 3000              # optional

organisation:
  name: ""                  # required
  # sector: ""                    # optional
  # country: ""                   # optional
  # founded: 2000-01-31           # optional, YYYY-MM-DD
  timezone: UTC             # IANA name such as Asia/Shanghai; naive times in contacts.csv are in it
  # customers_millions: 0         # optional

# benchmark:                # required when benchmark.csv holds data
#   competitor: ""          # exactly as written in benchmark.csv's organisation column

strategies:                 # one or more
  - name: ""                # required
    description: ""         # required: what the strategy involves
    benefit: ""             # required: what it brings customers and the organisation

standards:
  macro: []                 # laws, regulators, industry codes, e.g. ["Consumer Rights Act 2015"]
  micro: []                 # the organisation's own standards, e.g. ["Staff training"]
  commitments:              # one or more: the standards measured in contacts.csv
    - channel: ""           # required: a value of contacts.csv's channel column, e.g. hotline
      label: ""             # required: how the report names it, e.g. Telephone hotline
      measure: resolution   # response (to first_response_at) or resolution (to resolved_at)
      target_hours: 24      # > 0
      target_pct: 100       # share of contacts that must meet the target (0-100)
"""

BLANK_REFERENCES_YAML = """\
# references.yaml: the sources the report cites, listed in Harvard style.
# Remove the "# " in front of an entry to use it; every id must be unique.
#
# - id: zeithaml1990
#   type: book                 # book | article | web | report
#   authors: ["Zeithaml, V.A.", "Parasuraman, A.", "Berry, L.L."]
#   year: 1990
#   title: Delivering Quality Service
#   publisher: Free Press
#   place: New York
"""


def _header(file: str) -> str:
    return ",".join(c.name for c in SPECS[file]) + "\n"


def new_case(case_dir: str | os.PathLike[str]) -> list[Path]:
    """Write a blank case: CSV headers, a commented case.yaml and references.yaml.

    The blank case does not validate until it is filled in: ``carebook validate`` then
    lists what is still missing. ``comments.csv`` and ``benchmark.csv`` are optional:
    a student without such data deletes them.

    Parameters
    ----------
    case_dir : path-like
        The folder to write into; created if missing.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    InputError
        If any of the files already exists (nothing is overwritten or written).
    """
    folder = Path(case_dir)
    contents = {
        "case.yaml": BLANK_CASE_YAML,
        **{name: _header(name) for name in SPECS},
        "references.yaml": BLANK_REFERENCES_YAML,
    }
    existing = [name for name in contents if (folder / name).exists()]
    if existing:
        raise InputError([Problem(name, None, "", f"already exists in {folder}; carebook new does not overwrite "
                                  "files: choose an empty folder") for name in existing])
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in contents.items():
        path = folder / name
        # "x" refuses to replace a file that appeared since the check above; the BOM lets
        # Excel open the CSV headers as UTF-8.
        encoding = "utf-8-sig" if name.endswith(".csv") else "utf-8"
        with open(path, "x", encoding=encoding, newline="") as handle:
            handle.write(text)
        written.append(path)
    log.info("Wrote a blank case to %s", folder)
    return written
