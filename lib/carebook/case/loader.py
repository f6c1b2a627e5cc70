"""``validate()`` and ``load_case()``: a case folder in, a validated :class:`Case` out.

Every problem in every file is collected before anything is raised, so a student sees
them all at once: one :class:`~carebook.errors.InputError` whose ``problems`` are sorted
by file (in the order of data-contract.md: case.yaml, survey.csv, contacts.csv,
comments.csv, benchmark.csv, codebook.yaml, references.yaml) and then by row. Each
prints as ``FILE:ROW:COLUMN: message``; ROW is the row a spreadsheet shows (the header is
row 1) for CSV files and the line for YAML syntax errors, and empty where none applies;
COLUMN is the CSV column or the YAML key path, with 0-based list indices
(``standards.commitments[0]`` is the first commitment, as Python counts).

YAML files are checked first because the CSV rules depend on them (the time zone of
naive timestamps, the channels of the commitments, the codebook's theme keys). When
case.yaml has problems, the CSV files are still checked as far as its readable parts
allow.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import os
import threading
from pathlib import Path

import pandas as pd

from carebook import paths
from carebook.case.config import (
    known_timezones,
    parse_case_config,
    parse_codebook,
    parse_references,
)
from carebook.case.csvfile import read_table
from carebook.case.model import Case, CaseConfig, Codebook, Reference
from carebook.case.problems import ProblemLog
from carebook.case.problems import log as problem_log
from carebook.case.schema import SPECS
from carebook.case.source import CSV_FILES, RawFile, decode, find_files, read_file
from carebook.case.tables import Context, check_table, not_supplied_columns
from carebook.case.yamlfile import load_yaml
from carebook.errors import InputError, Problem

__all__ = [
    "validate",
    "load_case",
    "summary",
    "clear_cache",
    "check_csv_file",
    "folder_state",
    "share",
    "prime",
    "DEFAULT_CODEBOOK",
]

log = logging.getLogger(__name__)

DEFAULT_CODEBOOK = paths.PACKAGE_DATA / "codebook.yaml"
_CACHE_SIZE = 4
_cache: collections.OrderedDict[tuple, Case] = collections.OrderedDict()
_cache_lock = threading.Lock()


def _root(case_dir: str | os.PathLike[str] | None) -> Path:
    folder = Path(paths.SAMPLE_CASE if case_dir is None else case_dir)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise InputError(Problem(str(folder), None, "", f"case folder {what}; give the folder that holds case.yaml"))
    return folder.resolve()


def validate(case_dir: str | os.PathLike[str] | None) -> Case:
    """Read and validate a case folder against data-contract.md (never cached).

    Parameters
    ----------
    case_dir : path-like or None
        The case folder; ``None`` means the embedded sample (``data/sample``).

    Returns
    -------
    Case
        The validated case. Warnings (extra files and columns, unknown keys, ...) are in
        ``case.warnings`` and were logged.

    Raises
    ------
    InputError
        Holding every problem found, sorted by file and row.
    """
    root = _root(case_dir)
    problems = ProblemLog()
    found = find_files(root, problems)
    raws: dict[str, RawFile] = {}
    for name in found:
        raw = read_file(root, name, problems)
        if raw is not None:
            raws[name] = raw

    config, config_data = _case_config(raws.get("case.yaml"), problems)
    codebook = _codebook(raws.get("codebook.yaml"), problems)
    references: tuple[Reference, ...] = ()
    if "references.yaml" in raws:
        doc = load_yaml("references.yaml", raws["references.yaml"].text, problems)
        references = (parse_references(doc, problems) if doc is not None else None) or ()

    context = _context(config, config_data, codebook)
    frames: dict[str, pd.DataFrame | None] = {}
    rows: dict[str, int] = {}
    for name in CSV_FILES:
        raw = raws.get(name)
        if raw is None:
            continue
        frames[name], count = check_csv_file(raw, context, problems)
        if count is not None:
            rows[name] = count
    stated = isinstance(config_data, dict) and isinstance(config_data.get("benchmark"), dict) and (
        "competitor" in config_data["benchmark"])
    if "benchmark.csv" in found and config_data is not None and not stated:
        problems.add("case.yaml", None, "benchmark.competitor",
                     "is required when benchmark.csv is present: name the competitor exactly as in "
                     "benchmark.csv's organisation column")
    if not problems.ok or config is None or codebook is None:
        raise InputError(problems.sorted_problems())
    _warn_unused_channels(config, frames["contacts.csv"], problems)

    not_supplied = [name for name in ("comments.csv", "benchmark.csv", "codebook.yaml", "references.yaml")
                    if name not in found]
    for name in CSV_FILES:
        frame = frames.get(name)
        if frame is not None:
            not_supplied.extend(not_supplied_columns(name, frame))
    inputs = {name: dataclasses.replace(raw.info, rows=rows.get(name)) for name, raw in raws.items()}
    return Case(
        root=root,
        config=config,
        survey=frames["survey.csv"],
        contacts=frames["contacts.csv"],
        comments=frames.get("comments.csv"),
        benchmark=frames.get("benchmark.csv"),
        codebook=codebook,
        references=references,
        warnings=tuple(problems.warnings),
        not_supplied=tuple(not_supplied),
        inputs=inputs,
    )


def check_csv_file(raw: RawFile, context: Context, problems: ProblemLog) -> tuple[pd.DataFrame | None, int | None]:
    """Check one decoded case CSV: its structure, then its values against the contract.

    Parameters
    ----------
    raw : RawFile
        The file as read and decoded (:func:`carebook.case.source.read_file`).
    context : Context
        What the rules need from the YAML files (time zone, channels, theme keys ...).
    problems : ProblemLog
        Receives every problem and warning.

    Returns
    -------
    tuple of (DataFrame or None, int or None)
        The typed frame (``None`` if anything was wrong) and the number of data rows
        read (``None`` if the structure was too broken to count them).
    """
    required = tuple(c.name for c in SPECS[raw.name] if c.required)
    text = read_table(raw, required, problems)
    if text is None:
        return None, None
    return check_table(raw.name, text, context, problems), len(text)


def _case_config(raw: RawFile | None, problems: ProblemLog) -> tuple[CaseConfig | None, dict | None]:
    if raw is None:
        return None, None
    doc = load_yaml("case.yaml", raw.text, problems)
    if doc is None:
        return None, None
    config = parse_case_config(doc, problems)
    return config, doc.data if isinstance(doc.data, dict) else None


def _codebook(raw: RawFile | None, problems: ProblemLog) -> Codebook | None:
    if raw is not None:
        doc = load_yaml("codebook.yaml", raw.text, problems)
        return parse_codebook(doc, problems) if doc is not None else None
    # The built-in codebook goes through the same parser, so it obeys the same rules.
    builtin = ProblemLog()
    decoded = decode(DEFAULT_CODEBOOK.read_bytes(), "codebook.yaml", builtin)
    doc = load_yaml("codebook.yaml", decoded[0], builtin) if decoded else None
    codebook = parse_codebook(doc, builtin, is_default=True) if doc is not None else None
    if codebook is None:
        raise InputError([dataclasses.replace(p, file=f"{DEFAULT_CODEBOOK} (built-in)") for p in builtin.problems])
    return codebook


def _context(config: CaseConfig | None, data: dict | None, codebook: Codebook | None) -> Context:
    """Facts for the CSV rules, from the validated config or, failing that, its readable parts."""
    keys = tuple(t.key for t in codebook.themes) if codebook is not None else None
    if config is not None:
        commitments = config.standards.commitments
        return Context(
            timezone=config.organisation.timezone,
            channels=tuple(dict.fromkeys(c.channel for c in commitments)),
            measures=tuple(dict.fromkeys(c.measure for c in commitments)),
            organisation=config.organisation.name,
            competitor=config.benchmark.competitor if config.benchmark else None,
            theme_keys=keys,
        )
    data = data or {}

    def part(key: str) -> dict:
        value = data.get(key)
        return value if isinstance(value, dict) else {}

    zone = part("organisation").get("timezone", "UTC")
    commitments = part("standards").get("commitments")
    commitments = [c for c in commitments if isinstance(c, dict)] if isinstance(commitments, list) else []
    channels = tuple(dict.fromkeys(c["channel"] for c in commitments if isinstance(c.get("channel"), str)))
    measures = tuple(dict.fromkeys(c["measure"] for c in commitments if c.get("measure") in ("response", "resolution")))
    name = part("organisation").get("name")
    competitor = part("benchmark").get("competitor")
    return Context(
        timezone=zone if isinstance(zone, str) and zone in known_timezones() else "UTC",
        channels=channels,
        measures=measures,
        organisation=name if isinstance(name, str) and name.strip() else None,
        competitor=competitor if isinstance(competitor, str) and competitor.strip() else None,
        theme_keys=keys,
    )


def _warn_unused_channels(config: CaseConfig, contacts: pd.DataFrame, problems: ProblemLog) -> None:
    used = set(contacts["channel"].unique())
    for i, commitment in enumerate(config.standards.commitments):
        if commitment.channel not in used:
            problems.warn("case.yaml", None, f"standards.commitments[{i}].channel",
                          f"no contact in contacts.csv has channel {commitment.channel!r}; "
                          "its standard cannot be measured")


def _fingerprint(root: Path) -> tuple:
    entries = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        try:
            info = entry.stat()
        except OSError:
            continue
        entries.append((entry.name, info.st_size, info.st_mtime_ns))
    return (str(root), tuple(entries), os.environ.get("CAREBOOK_MAX_FILE_BYTES", ""))


def load_case(case_dir: str | os.PathLike[str] | None = None, *, use_cache: bool = True) -> Case:
    """Load a validated case, once per kernel while its files stay the same.

    Parameters
    ----------
    case_dir : path-like or None
        The case folder; ``None`` means the embedded sample (``data/sample``).
    use_cache : bool
        Reuse the case loaded earlier in this process when no file of the folder has
        changed (same names, sizes and modification times).

    Returns
    -------
    Case
        The validated case; the same object on a cache hit (treat it as read-only).

    Raises
    ------
    InputError
        Holding every problem found, sorted by file and row.
    """
    root = _root(case_dir)
    if not use_cache:
        return validate(root)
    key = _fingerprint(root)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    case = validate(root)
    with _cache_lock:
        _cache[key] = case
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return case


def folder_state(case_dir: str | os.PathLike[str] | None) -> tuple | None:
    """Return what :func:`load_case` keys its cache on: the folder's names, sizes, times.

    ``None`` when the folder cannot be listed (:func:`validate` says why).
    """
    try:
        return _fingerprint(_root(case_dir))
    except (InputError, OSError):
        return None


def share(
    case: Case,
    case_dir: str | os.PathLike[str] | None,
    state: tuple | None,
    target: str | os.PathLike[str],
) -> bool:
    """Write a validated case to *target* for other processes to :func:`prime` with.

    The build validates the case once and hands it to every kernel, instead of each
    kernel reading and validating the files again (the largest part of a small
    section's time, and many seconds for a large case).

    Parameters
    ----------
    case : Case
        What :func:`validate` returned for *case_dir*.
    case_dir : path-like or None
        The case folder.
    state : tuple
        :func:`folder_state` taken before validating: if any file changed since, the
        case is not shared (the kernels then validate the folder themselves).
    target : path-like
        A file in a folder private to this user (a pickle: only this build's own
        kernels read it).

    Returns
    -------
    bool
        True when the case was written.
    """
    import pickle

    if state is None or folder_state(case_dir) != state:
        return False
    try:
        with open(target, "wb") as handle:
            pickle.dump((state, case), handle, protocol=pickle.HIGHEST_PROTOCOL)
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as err:
        log.debug("case not shared with the kernels: %s", err)
        Path(target).unlink(missing_ok=True)
        return False
    return True


def prime(case_dir: str | os.PathLike[str] | None, shared: str | os.PathLike[str]) -> bool:
    """Put a case written by :func:`share` into this process's :func:`load_case` cache.

    Only when the case folder still has the files it had when it was validated (same
    names, sizes, modification times); otherwise nothing happens and :func:`load_case`
    validates the folder itself.

    Returns
    -------
    bool
        True when the cache now holds the case.
    """
    import pickle

    root = _root(case_dir)
    key = _fingerprint(root)
    with _cache_lock:
        if key in _cache:
            return True
    try:
        with open(shared, "rb") as handle:
            fingerprint, case = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError) as err:
        log.debug("shared case %s not used: %s", shared, err)
        return False
    if fingerprint != key:
        return False
    with _cache_lock:
        _cache[key] = case
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return True


def replay_warnings(case: Case) -> None:
    """Log *case*'s warnings again, as :func:`validate` logged them when it found them.

    For a case validated by an earlier build and kept (carebook.build.case_cache): the
    student sees the same warnings whether or not the files were validated again.
    """
    for warning in case.warnings:
        problem_log.warning("%s", warning)


def clear_cache() -> None:
    """Forget every cached case."""
    with _cache_lock:
        _cache.clear()


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _display(root: Path) -> str:
    try:
        return Path(os.path.relpath(root)).as_posix()
    except ValueError:  # another drive on Windows
        return root.as_posix()


def summary(case: Case) -> str:
    """Return the one line ``carebook validate`` prints for a valid case.

    Examples
    --------
    ``data/sample: valid case for China Mobile (50,000 respondents, 20,000 contacts,
    2,000 comments, 12 benchmark rows, 15 references; 0 warnings)``
    """
    parts = [_count(len(case.survey), "respondent"), _count(len(case.contacts), "contact"),
             _count(len(case.comments), "comment") if case.comments is not None else "no comments",
             _count(len(case.benchmark), "benchmark row") if case.benchmark is not None else "no benchmark",
             _count(len(case.references), "reference")]
    return (f"{_display(case.root)}: valid case for {case.organisation} ({', '.join(parts)}; "
            f"{_count(len(case.warnings), 'warning')})")

