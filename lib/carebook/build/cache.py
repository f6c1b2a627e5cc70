"""Incremental builds: reuse a section's executed notebook when nothing it depends on changed.

A section's run depends on a *dependency record* (:func:`section_record`):

- ``code`` — the source of every code cell of the notebook, in order, and its kernel
  spec. Markdown cells are **not** part of it: they never run, so a Markdown edit cannot
  change an output. On reuse, the cached outputs are laid onto the current notebook
  (:func:`merge_outputs`), so the report always shows the current Markdown without
  starting a kernel;
- ``parameters`` — the values injected into the section, ``case_dir`` included;
- ``inputs`` — the SHA-256 of **every** case file. This is deliberately conservative:
  sections read the case through ``carebook.case.load_case``, which reads all files, so
  tracking which section uses which file would be a promise the code cannot keep;
- ``source`` — the SHA-256 of every file under ``lib/carebook`` (``data/`` and
  ``templates/`` included; byte-code caches excluded);
- ``versions`` — Python and the packages of :data:`carebook.build.manifest.PACKAGES`;
- ``environment`` — the kernel variables that can change output (see
  :func:`environment_record`), ``SOURCE_DATE_EPOCH`` among them.

The cache key is the SHA-256 of the canonical JSON of that record. Entries live in
``OUT/.carebook-cache/sections/<section>/<key>.json`` (never in ``executed/``), are
written atomically, hold the record beside the notebook, and are only ever written for
runs that passed :mod:`carebook.build.verify`. An entry that is missing, unreadable,
corrupt or does not match its record is a miss, logged, never an error.

When a section is not reused, :meth:`SectionCache.decide` compares the current record
with the section's most recent entry and says why, in words (``notebook code changed``,
``parameter seed changed``, ``installed versions changed (pandas 3.1.0 → 3.1.1)``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from carebook import paths
from carebook.build.manifest import sha256_file

__all__ = [
    "CACHE_DIR",
    "SCHEMA",
    "Decision",
    "SectionCache",
    "file_sha256",
    "source_record",
    "version_record",
    "environment_record",
    "code_record",
    "section_record",
    "record_key",
    "explain_change",
    "merge_outputs",
    "input_hashes",
    "files_match",
    "build_key",
]

log = logging.getLogger(__name__)

#: The cache folder inside the output folder.
CACHE_DIR = ".carebook-cache"
#: Bumped when the entry format or the meaning of a record changes.
SCHEMA = 1
#: Entries kept per section: enough to switch back and forth between a few variants.
KEEP_PER_SECTION = 4

#: Kernel variables pinned by the build (pipeline.kernel_environment) that change output.
_PINNED_ENV = ("PYTHONHASHSEED", "TZ", "LC_ALL", "LANG", "MPLBACKEND", "SOURCE_DATE_EPOCH")
#: Prefixes of other variables that can change what a kernel computes or draws.
#: (MPLCONFIGDIR only moves matplotlib's cache folder, so it is left out.)
_ENV_PREFIXES = ("CAREBOOK_", "PYTHON", "MPL")
#: (CAREBOOK_SERVER* only say whether and where a build server runs the build.)
_ENV_IGNORED = (
    "MPLCONFIGDIR", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE",
    "CAREBOOK_SERVER", "CAREBOOK_SERVER_DIR", "CAREBOOK_SERVER_IDLE",
)  # fmt: skip


@dataclass(frozen=True)
class Decision:
    """Whether a section is reused, and why.

    Attributes
    ----------
    reuse : bool
        True when a verified earlier run can stand in for this one.
    reason : str
        Short explanation, e.g. ``"unchanged"`` or ``"parameter seed changed"``.
    key : str
        The section's cache key.
    """

    reuse: bool
    reason: str
    key: str


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


#: A file's digest by its path, kept with what ``stat`` said of it (device, inode, size,
#: modification and change times, in ns) when it was read (:func:`file_sha256`).
_digests: dict[str, tuple[tuple[int, ...], str]] = {}
_DIGESTS_KEPT = 4096
#: How long a file must have been left alone before it was read for its digest to be
#: kept: longer than any local file system's timestamp granularity.
SETTLED_NS = 2_000_000_000


def _identity(info: os.stat_result) -> tuple[int, ...]:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 of a file's bytes, read again only if the file may have changed.

    A build hashes every case file and notebook to know what changed, and carebook's
    own source (8.9 MB for the sample case, 0.02 s); a watch does it on every save. The
    digest is kept with the file's device, inode, size and modification and change
    times, and used while they stay the same. Any write or rename changes the change
    time (``st_ctime``), which no program can set back; and, as git does for its
    "racily clean" entries, a digest is kept only for a file left alone for
    :data:`SETTLED_NS` before it was read, so that a change within the file system's
    timestamp granularity cannot leave all five as they were.
    """
    key = os.fspath(path)
    before = os.stat(key)
    known = _digests.get(key)
    if known is not None and known[0] == _identity(before):
        return known[1]
    read_at = time.time_ns()
    value = sha256_file(key)
    settled = read_at - max(before.st_mtime_ns, before.st_ctime_ns) > SETTLED_NS
    if settled and _identity(os.stat(key)) == _identity(before):
        if len(_digests) >= _DIGESTS_KEPT:
            _digests.clear()
        _digests[key] = (_identity(before), value)
    return value


def _canonical(value: Any) -> bytes:
    # default=repr: a parameter value JSON cannot hold (a tuple is fine, a set is not)
    # still gets a stable text form.
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr).encode("utf-8")


def source_record(root: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Return relative path → SHA-256 of every carebook source and data file.

    Parameters
    ----------
    root : path, optional
        The package folder (default ``lib/carebook``).

    Returns
    -------
    dict
        Sorted by path; ``__pycache__`` folders and ``*.pyc`` files are skipped since
        Python regenerates them.
    """
    base = Path(root) if root is not None else paths.PACKAGE_DIR
    return {
        path.relative_to(base).as_posix(): file_sha256(path) for path in paths.source_files(base)
    }


def version_record() -> dict[str, str | None]:
    """Return Python's version and the versions of the packages that shape a report."""
    from carebook.build.manifest import package_versions

    return package_versions()


def environment_record(env: Mapping[str, str]) -> dict[str, str]:
    """Return the part of a kernel environment that can change a section's output.

    The variables the build pins (``SOURCE_DATE_EPOCH``, ``TZ``, ``LC_ALL`` …) and any
    ``CAREBOOK_*``, ``PYTHON*`` or ``MPL*`` variable (``PYTHONPATH`` changes imports,
    ``MPLBACKEND`` the figures). ``PATH`` and ``HOME`` are left out: paths in outputs are
    normalised, and packages are tracked by version.
    """
    return {
        k: str(v)
        for k, v in sorted(env.items())
        if (k in _PINNED_ENV or k.startswith(_ENV_PREFIXES)) and k not in _ENV_IGNORED
    }


def _is_added(cell: NotebookNode) -> bool:
    from carebook.build.verify import is_sentinel

    tags = cell.get("metadata", {}).get("tags") or []
    return is_sentinel(cell) or "injected-parameters" in tags


def code_record(nb: NotebookNode) -> dict[str, Any]:
    """Return the executable part of a (parameterized) section notebook.

    The sources of its own code cells in order, and the kernel name; papermill's
    injected cell and carebook's sentinel are left out (the parameters are recorded
    separately).
    """
    sources = [c.source for c in nb.cells if c.cell_type == "code" and not _is_added(c)]
    kernel = (nb.metadata.get("kernelspec") or {}).get("name")
    return {"cells": _sha256(_canonical(sources)), "kernel": kernel}


def notebook_code_digest(path: str | os.PathLike[str]) -> str | None:
    """Return a digest of a notebook file's code cells (sources and tags), read as plain JSON.

    What :func:`code_record` keys on, before papermill or nbformat is imported: a build
    can tell from it, at once, that a saved notebook's code changed and a kernel will be
    needed. ``None`` for a file that is not a readable notebook (the full build says why).
    """
    try:
        doc = json.loads(Path(path).read_bytes())
    except (OSError, ValueError):
        return None
    cells = doc.get("cells") if isinstance(doc, dict) else None
    if not isinstance(cells, list):
        return None
    code = []
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source")
            source = "".join(source) if isinstance(source, list) else source
            metadata = cell.get("metadata")
            tags = metadata.get("tags") if isinstance(metadata, dict) else None
            code.append([source, tags])
    return _sha256(_canonical(code))


def section_record(
    nb: NotebookNode,
    parameters: Mapping[str, Any],
    *,
    inputs: Mapping[str, str],
    source: Mapping[str, str],
    versions: Mapping[str, str | None],
    environment: Mapping[str, str],
) -> dict[str, Any]:
    """Return the dependency record of one section run.

    Parameters
    ----------
    nb : NotebookNode
        The parameterized section notebook.
    parameters : mapping
        The values injected into it (``case_dir`` included).
    inputs : mapping
        Case file name → SHA-256 (all case files).
    source : mapping
        :func:`source_record`.
    versions : mapping
        :func:`version_record`.
    environment : mapping
        :func:`environment_record`.
    """
    return {
        "schema": SCHEMA,
        "code": code_record(nb),
        "parameters": json.loads(_canonical(dict(parameters))),
        "inputs": dict(sorted(inputs.items())),
        "source": dict(sorted(source.items())),
        "versions": dict(sorted(versions.items())),
        "environment": dict(sorted(environment.items())),
    }


def record_key(record: Mapping[str, Any]) -> str:
    """Return the cache key of a dependency record (SHA-256 of its canonical JSON)."""
    return _sha256(_canonical(record))


def _changed_names(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(old) | set(new) if old.get(k, object()) != new.get(k, object()))


def _few(names: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def explain_change(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[str]:
    """Say in words what differs between an earlier dependency record and the current one.

    Parameters
    ----------
    old : mapping or None
        The record of the section's most recent cached run, or ``None`` if there is none.
    new : mapping
        The current record.

    Returns
    -------
    list of str
        One phrase per kind of change, e.g. ``["parameter seed changed",
        "case file survey.csv changed"]``; ``["no cached run"]`` without *old*.
    """
    if old is None:
        return ["no cached run"]
    if old.get("schema") != new.get("schema"):
        return ["cache format changed"]
    reasons: list[str] = []
    if old.get("code") != new.get("code"):
        reasons.append("notebook code changed")
    for name in _changed_names(old.get("parameters", {}), new.get("parameters", {})):
        reasons.append(f"parameter {name} changed")
    old_inputs, new_inputs = old.get("inputs", {}), new.get("inputs", {})
    for name in _changed_names(old_inputs, new_inputs):
        if name not in old_inputs:
            reasons.append(f"case file {name} added")
        elif name not in new_inputs:
            reasons.append(f"case file {name} removed")
        else:
            reasons.append(f"case file {name} changed")
    files = _changed_names(old.get("source", {}), new.get("source", {}))
    if files:
        reasons.append(f"carebook source changed ({_few(files)})")
    old_v, new_v = old.get("versions", {}), new.get("versions", {})
    packages = _changed_names(old_v, new_v)
    if packages:
        moves = [f"{p} {old_v.get(p) or 'none'} → {new_v.get(p) or 'none'}" for p in packages]
        reasons.append(f"installed versions changed ({_few(moves)})")
    variables = _changed_names(old.get("environment", {}), new.get("environment", {}))
    if variables:
        reasons.append(f"kernel environment changed ({_few(variables)})")
    return reasons or ["cached run could not be used"]


def _looks_complete(nb: NotebookNode) -> bool:
    """Re-check a stored run lightly: every code cell ran and none failed."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.source.strip() and cell.get("execution_count") is None:
            return False
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return False
    return True


def merge_outputs(current: NotebookNode, cached: NotebookNode) -> NotebookNode | None:
    """Lay a cached run's outputs onto the current notebook; ``None`` if they do not fit.

    Parameters
    ----------
    current : NotebookNode
        The parameterized section notebook as it is now (carebook's sentinel may be
        present; it is dropped, as normalisation would drop it).
    cached : NotebookNode
        A normalised executed run of a notebook with the same code cells.

    Returns
    -------
    NotebookNode or None
        A new notebook: the current cells (so the current Markdown, tags and cell
        metadata) with each code cell's outputs and execution count from *cached*, and the
        kernel's ``language_info`` from *cached*. Neither input is modified.
    """
    from carebook.build.verify import remove_sentinel

    merged = remove_sentinel(copy.deepcopy(current))
    fresh_code = [c for c in merged.cells if c.cell_type == "code"]
    old_code = [c for c in cached.cells if c.cell_type == "code"]
    if len(fresh_code) != len(old_code):
        return None
    for fresh, old in zip(fresh_code, old_code, strict=True):
        if fresh.source != old.source:
            return None
        fresh["outputs"] = copy.deepcopy(old.get("outputs", []))
        fresh["execution_count"] = old.get("execution_count")
    # nbclient writes the kernel's own description into the notebook while it runs.
    for key in ("language_info", "widgets"):
        if key in cached.metadata:
            merged.metadata[key] = copy.deepcopy(cached.metadata[key])
    return merged


class SectionCache:
    """Per-section cache of verified runs in ``OUT/.carebook-cache`` (a ``SectionCache``).

    Parameters
    ----------
    out_dir : path
        The output folder; entries go to ``out_dir/.carebook-cache/sections``.
    records : mapping
        Section name → its dependency record (:func:`section_record`).
    normalize : callable
        Makes an executed notebook storable (sentinel removed, paths neutralised); the
        pipeline passes :func:`carebook.build.normalize.normalize` with its replacements.
    read : bool
        False ignores stored entries (``--no-cache``): every section runs, and its
        verified run is still stored for next time.
    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        records: Mapping[str, Mapping[str, Any]],
        *,
        normalize: Any,
        read: bool = True,
    ):
        self.root = Path(out_dir) / CACHE_DIR / "sections"
        self.records = {name: dict(r) for name, r in records.items()}
        self.keys = {name: record_key(r) for name, r in self.records.items()}
        self._normalize = normalize
        self._read = read
        self._found: dict[str, NotebookNode] = {}
        self._decided: set[str] = set()
        self._text_hashes: dict[str, str] = {}
        self._lock = threading.Lock()

    def _folder(self, name: str) -> Path:
        return self.root / Path(name).stem

    def _load(self, path: Path) -> dict[str, Any] | None:
        import nbformat

        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(entry, dict) or entry.get("schema") != SCHEMA:
                raise ValueError("unknown entry format")
            stored = entry.get("notebook")
            if not isinstance(stored, dict) or stored.get("nbformat") != 4:
                raise ValueError("the entry holds no nbformat 4 notebook")
            # As nbformat.reads() would make it (the multi-line sources writes() split
            # into lists joined again), without writing the JSON out and parsing it again.
            entry["notebook"] = nbformat.v4.to_notebook_json(stored)
            nbformat.validate(entry["notebook"])
            if not isinstance(entry.get("record"), dict):
                raise ValueError("entry without a dependency record")
            return entry
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, nbformat.ValidationError) as err:
            log.warning("cache entry %s unreadable, ignored: %s", path, err)
            return None

    def _latest_record(self, name: str, skip: Path) -> dict[str, Any] | None:
        try:
            entries = [p for p in self._folder(name).glob("*.json") if p != skip]
        except OSError:
            return None
        for path in sorted(entries, key=_mtime, reverse=True):
            entry = self._load(path)
            if entry is not None:
                return entry["record"]
        return None

    def decide(self, job: Any) -> Decision:
        """Look *job* up; remember a usable notebook for :meth:`get`, and say why.

        Parameters
        ----------
        job : Job
            The section's job (``name``, parameterized ``nb``).

        Returns
        -------
        Decision
        """
        name = job.name
        key = self.keys[name]
        text_hash = _notebook_text_hash(job.nb)
        with self._lock:
            self._decided.add(name)
            # Remembered now: running the job changes job.nb in place.
            self._text_hashes[name] = text_hash
        if not self._read:
            return Decision(False, "cache not used (--no-cache)", key)
        path = self._folder(name) / f"{key}.json"
        entry = self._load(path)
        if entry is not None:
            if entry["record"] != self.records[name] or entry.get("key") != key:
                log.warning("cache entry %s does not match its key, ignored", path)
            elif not _looks_complete(entry["notebook"]):
                log.warning("cache entry %s is not a complete run, ignored", path)
            else:
                merged = merge_outputs(job.nb, entry["notebook"])
                if merged is not None:
                    with self._lock:
                        self._found[name] = merged
                    same_text = entry.get("notebook_sha256") == text_hash
                    reason = "unchanged" if same_text else "only Markdown changed; outputs reused"
                    return Decision(True, reason, key)
                log.warning("cache entry %s does not fit the notebook's cells, ignored", path)
            reasons = ["cached run unreadable"]
        else:
            reasons = explain_change(self._latest_record(name, path), self.records[name])
        return Decision(False, "; ".join(reasons), key)

    def get(self, job: Any) -> NotebookNode | None:
        """Return the reusable notebook for *job* (deciding first if needed), or ``None``."""
        if not self._read or job.name not in self.keys:
            return None
        with self._lock:
            decided = job.name in self._decided
        if not decided:
            self.decide(job)
        with self._lock:
            return self._found.pop(job.name, None)

    def put(self, job: Any, nb: NotebookNode) -> None:
        """Store a verified run of *job* (the caller has verified it), atomically.

        A run that does not verify is not stored; a write that fails is logged and
        otherwise ignored (the build does not depend on the cache).
        """
        import nbformat

        from carebook.build.publish import write_atomic
        from carebook.build.verify import find_problem

        name = job.name
        if name not in self.keys or find_problem(nb, name) is not None:
            log.debug("%s: not cached (not a verified run)", name)
            return
        with self._lock:
            text_hash = self._text_hashes.get(name) or _notebook_text_hash(job.nb)
        stored = self._normalize(nb)
        entry = {
            "schema": SCHEMA,
            "section": name,
            "key": self.keys[name],
            "record": self.records[name],
            "notebook_sha256": text_hash,
            "notebook": json.loads(nbformat.writes(stored)),
        }
        path = self._folder(name) / f"{self.keys[name]}.json"
        try:
            write_atomic(path, _canonical(entry) + b"\n")
            self._prune(name)
        except OSError as err:
            log.warning("could not store %s in the build cache: %s", name, err)

    def _prune(self, name: str) -> None:
        entries = sorted(self._folder(name).glob("*.json"), key=_mtime, reverse=True)
        for stale in entries[KEEP_PER_SECTION:]:
            stale.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _notebook_text_hash(nb: NotebookNode) -> str:
    """Hash what a notebook shows but does not run (Markdown, tags, metadata).

    What running it adds (outputs, the kernel's ``language_info``, timing metadata) is
    left out, so the hash is the same before and after execution.
    """
    volatile = {"execution", "papermill", "ExecuteTime", "collapsed", "scrolled"}
    cells = [
        [
            c.cell_type,
            c.source if c.cell_type != "code" else "",
            {k: v for k, v in c.get("metadata", {}).items() if k not in volatile},
        ]
        for c in nb.cells
        if not _is_added(c)
    ]
    meta = {
        k: v for k, v in nb.metadata.items() if k not in ("papermill", "language_info", "widgets")
    }
    return _sha256(_canonical([cells, meta]))


def input_hashes(case: Any) -> dict[str, str]:
    """Return case file name → SHA-256 from a loaded case's ``inputs``."""
    return {name: f.sha256 for name, f in sorted((getattr(case, "inputs", None) or {}).items())}


def files_match(out_dir: Path, outputs: Mapping[str, Any]) -> bool:
    """Return True when every file of a manifest's ``outputs`` exists with its SHA-256."""
    from carebook.build.manifest import sha256_file

    try:
        return all(
            sha256_file(Path(out_dir) / name) == entry["sha256"] for name, entry in outputs.items()
        )
    except (OSError, KeyError, TypeError):
        return False


def build_key(
    section_keys: Iterable[tuple[str, str]],
    notebook_hashes: Mapping[str, str],
    *,
    formats: Sequence[str],
    extra: Mapping[str, Any],
) -> str:
    """Return the key of a whole build: same key, same published files.

    Parameters
    ----------
    section_keys : iterable of (str, str)
        Section name and cache key, in report order.
    notebook_hashes : mapping
        Section name → SHA-256 of its source notebook file (Markdown included: the report
        shows it).
    formats : sequence of str
        The formats published.
    extra : mapping
        Anything else that shapes the published files (the PDF engine found …).
    """
    return record_key(
        {
            "schema": SCHEMA,
            "sections": [[n, k, notebook_hashes.get(n)] for n, k in section_keys],
            "formats": list(formats),
            "extra": dict(extra),
        }
    )


# --- the quick "nothing changed" check -------------------------------------------------
#
# A no-change rebuild should cost little more than starting Python. The full check above
# needs the validated case (its input hashes) and the parameterised notebooks, which
# means importing pandas and pandera and parsing every case file. This record is made
# from the raw bytes of the folders instead; when it equals the one stored by the last
# successful build, the case that build validated is byte-for-byte the case on disk now,
# so validating it again can only give the same answer.

QUICK_FILE = "quick.json"


def folder_record(folder: str | os.PathLike[str], pattern: str = "*") -> dict[str, str]:
    """Return entry name → ``"file:<sha256>"``, ``"link:<target>"`` or ``"dir"`` for *folder*.

    Only the folder's own entries matching *pattern* are listed (not sub-folders'
    contents). Symbolic links are recorded as links, never followed, so replacing a file
    by a link to identical bytes still counts as a change (the loader refuses links out
    of the case folder). A missing folder gives ``{}``.
    """
    root = Path(folder)
    record: dict[str, str] = {}
    try:
        entries = sorted(root.glob(pattern), key=lambda p: p.name)
    except OSError:
        return record
    for entry in entries:
        try:
            if entry.is_symlink():
                record[entry.name] = "link:" + os.readlink(entry)
            elif entry.is_dir():
                record[entry.name] = "dir"
            elif entry.is_file():
                record[entry.name] = "file:" + file_sha256(entry)
            else:
                record[entry.name] = "other"
        except OSError as err:
            record[entry.name] = f"unreadable:{type(err).__name__}"
    return record


def quick_record(
    case_dir: Path,
    notebooks_dir: Path,
    params: Mapping[str, Any] | None,
    formats: Sequence[str],
    chromium: str | None,
) -> dict[str, Any]:
    """Return everything a build's outcome depends on, read without parsing any of it.

    Case files and notebooks by content; the parameters as given; the formats; carebook's
    source, the installed versions and the environment (as for a section); the PDF
    engine found.
    """
    return {
        "case_dir": str(Path(case_dir).resolve()),
        "case": folder_record(case_dir),
        "notebooks_dir": str(Path(notebooks_dir).resolve()),
        "notebooks": folder_record(notebooks_dir, "*.ipynb"),
        "parameters": json.dumps(dict(params or {}), sort_keys=True, default=repr),
        "formats": list(formats),
        "source": source_record(),
        "versions": version_record(),
        "environment": environment_record(os.environ),
        "chromium": chromium,
    }


def context_key(record: Mapping[str, Any]) -> str:
    """Return the key of a quick record without its notebooks: what every section shares.

    When it equals the last build's, only sections whose code changed can need a run
    (the pipeline uses this to decide how many kernels to start early).
    """
    return record_key({k: v for k, v in record.items() if k not in ("notebooks",)})


def read_quick(out_dir: Path) -> dict[str, Any] | None:
    """Return the quick record stored by the last successful build, or ``None``."""
    try:
        data = json.loads((Path(out_dir) / CACHE_DIR / QUICK_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_quick(out_dir: Path, record: Mapping[str, Any], **facts: Any) -> None:
    """Store *record*'s key with *facts* (build key, warnings …) for the next build."""
    from carebook.build.publish import write_atomic

    body = {"key": record_key(dict(record)), **facts}
    try:
        write_atomic(
            Path(out_dir) / CACHE_DIR / QUICK_FILE,
            json.dumps(body, indent=1, ensure_ascii=False, default=str).encode("utf-8"),
        )
    except OSError as err:  # only a missed shortcut next time
        log.info("could not store the quick build record: %s", err)
