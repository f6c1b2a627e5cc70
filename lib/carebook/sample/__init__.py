r"""The deterministic generator of the embedded China Mobile sample case.

``write_sample(out_dir)`` writes a complete case folder that follows carebook's data
contract: ``case.yaml``, ``survey.csv``, ``contacts.csv``, ``comments.csv``,
``codebook.yaml`` (a byte copy of the built-in codebook), ``benchmark.csv`` and
``references.yaml``. ``data/sample/`` in the repository is exactly what it writes for the
default seed and sizes, and a test checks that.

The same seed and sizes always give byte-identical files: every random file draws from
its own child of ``SeedSequence(seed)``, so changing the number of comments leaves the
survey and the contacts unchanged; numbers are written as integers or as fixed text,
never through float formatting; files are UTF-8 without BOM with ``\n`` line endings.

Generation is vectorised and written in chunks, so a large case for load testing
(a million respondents and a million contacts) takes seconds, not minutes.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import numpy as np

from carebook.errors import ParameterError
from carebook.paths import PACKAGE_DATA
from carebook.sample._csv import atomic_path
from carebook.sample.benchmark import write_benchmark
from carebook.sample.comments import write_comments
from carebook.sample.config import MARKER, write_case_yaml
from carebook.sample.contacts import write_contacts
from carebook.sample.references import write_references
from carebook.sample.survey import write_survey

__all__ = ["DEFAULT_SEED", "DEFAULT_SIZES", "FILES", "write_sample", "is_sample_folder"]

log = logging.getLogger(__name__)

#: The seed of the committed sample (the year of the report).
DEFAULT_SEED = 2014
#: Sizes of the committed sample: the report's 50,000-respondent survey, about 20,000
#: contacts and 2,000 comments.
DEFAULT_SIZES: Mapping[str, int] = MappingProxyType(
    {"respondents": 50_000, "contacts": 20_000, "comments": 2_000}
)
#: Every file the generator writes, in the order it writes them.
FILES = ("case.yaml", "codebook.yaml", "benchmark.csv", "references.yaml",
         "survey.csv", "contacts.csv", "comments.csv")


def is_sample_folder(folder: Path) -> bool:
    """Return True when *folder* holds only files a previous ``write_sample`` wrote.

    A folder qualifies when its ``case.yaml`` starts with the generator's marker line
    and it contains nothing but the generator's files (and their ``.partial`` leftovers
    from an interrupted run).
    """
    case = folder / "case.yaml"
    try:
        with open(case, encoding="utf-8") as fh:
            first = fh.readline().rstrip("\n")
    except (OSError, UnicodeDecodeError):
        return False
    allowed = set(FILES) | {f + ".partial" for f in FILES}
    return first == MARKER and all(p.name in allowed and p.is_file() for p in folder.iterdir())


def _check_sizes(seed: object, sizes: Mapping[str, object]) -> None:
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ParameterError(f"seed must be a whole number of 0 or more, got {seed!r}")
    for name, value in sizes.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ParameterError(f"{name} must be a whole number of 1 or more, got {value!r}")


def write_sample(
    out_dir: str | Path,
    *,
    seed: int = DEFAULT_SEED,
    respondents: int = DEFAULT_SIZES["respondents"],
    contacts: int = DEFAULT_SIZES["contacts"],
    comments: int = DEFAULT_SIZES["comments"],
    overwrite: bool = False,
) -> list[Path]:
    """Write the synthetic China Mobile sample case into *out_dir*.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write; created (with its parents) if missing.
    seed : int, default 2014
        Random seed. The same seed and sizes give byte-identical files.
    respondents, contacts, comments : int
        Rows of ``survey.csv``, ``contacts.csv`` and ``comments.csv``. Each file has its
        own random stream, so changing one size does not change the other files.
    overwrite : bool, default False
        Allow writing into a non-empty folder that does not hold a previous sample.
        The generator's files are replaced; other files are left alone.

    Returns
    -------
    list of Path
        The files written, in :data:`FILES` order.

    Raises
    ------
    ParameterError
        If the seed or a size is not a whole number (sizes must be at least 1), if
        *out_dir* is a file, or if it is a non-empty folder that is not a previous
        sample and *overwrite* is False.
    """
    sizes = {"respondents": respondents, "contacts": contacts, "comments": comments}
    _check_sizes(seed, sizes)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ParameterError(f"{out} is a file; give a folder to write the sample case into")
    if out.is_dir() and any(out.iterdir()) and not overwrite and not is_sample_folder(out):
        raise ParameterError(
            f"{out} is not empty and does not hold a previous sample case; choose an empty "
            "folder, or pass overwrite=True (carebook sample --overwrite) to replace the "
            "sample's files in it"
        )
    out.mkdir(parents=True, exist_ok=True)

    survey_seed, contacts_seed, comments_seed = np.random.SeedSequence(seed).spawn(3)
    writers = {
        "case.yaml": lambda p: write_case_yaml(p, seed, sizes),
        "codebook.yaml": lambda p: shutil.copyfile(PACKAGE_DATA / "codebook.yaml", p),
        "benchmark.csv": write_benchmark,
        "references.yaml": write_references,
        "survey.csv": lambda p: write_survey(p, survey_seed, respondents),
        "contacts.csv": lambda p: write_contacts(p, contacts_seed, contacts),
        "comments.csv": lambda p: write_comments(p, comments_seed, comments),
    }
    written: list[Path] = []
    for name in FILES:
        target = out / name
        with atomic_path(target) as partial:
            writers[name](partial)
        written.append(target)
    log.info("Wrote the sample case (seed %d, %d respondents, %d contacts, %d comments) to %s",
             seed, respondents, contacts, comments, out)
    return written
