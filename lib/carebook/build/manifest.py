"""``manifest.json``: which inputs, parameters and software produced a report (P2-17).

A tutor can rebuild a submission from the same case and parameters and compare the
output hashes (reliability.md P2-16). The manifest holds no wall-clock time and no
absolute path, so two builds of the same case give the same manifest.
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["PACKAGES", "sha256_file", "package_versions", "make_manifest"]

log = logging.getLogger(__name__)

#: Distributions whose versions can change a report's numbers or look.
PACKAGES = (
    "carebook", "pandas", "numpy", "scipy", "matplotlib", "seaborn", "pydantic", "pandera",
    "vaderSentiment", "citeproc-py", "papermill", "nbclient", "nbconvert", "nbformat",
    "ipykernel", "jupyter_client", "mistune", "nh3", "jinja2", "weasyprint",
)  # fmt: skip


def sha256_file(path: str | Path) -> str:
    """Return the hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: The last lookup of :func:`package_versions`: (names, the import path's state, versions).
_last_lookup: tuple[tuple[str, ...], tuple[tuple[str, int | None], ...], dict] | None = None


def _import_path_state() -> tuple[tuple[str, int | None], ...]:
    """Return ``sys.path`` with each folder's modification time (``None`` if missing).

    Installing, upgrading or removing a distribution adds or removes a
    ``NAME-VERSION.dist-info`` folder in one of these folders, which changes that
    folder's modification time; importlib.metadata keys its own folder listings the
    same way.
    """
    state = []
    for entry in sys.path:
        try:
            state.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            state.append((entry, None))
    return tuple(state)


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    """Return installed versions of *names* (``None`` for one not installed), plus Python.

    A build asks twice (its dependency record and its manifest) and a watch on every
    save; each lookup reads and parses twenty metadata files (0.01-0.02 s). The answer
    is kept while ``sys.path`` and its folders are unchanged (:func:`_import_path_state`).
    """
    global _last_lookup
    wanted = tuple(names)
    state = _import_path_state()
    last = _last_lookup
    if last is not None and last[0] == wanted and last[1] == state:
        return dict(last[2])
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in wanted:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    _last_lookup = (wanted, state, dict(versions))
    return versions


def make_manifest(
    *,
    case: Any,
    parameters: Mapping[str, Any],
    sections: Iterable[str],
    outputs: Mapping[str, str | Path],
    source_date_epoch: int,
    pdf_engine: str | None,
    carebook_version: str,
    build_key: str | None = None,
) -> dict[str, Any]:
    """Return the manifest as a JSON-ready dict.

    Parameters
    ----------
    case : Case
        Supplies the case folder name and ``case.inputs`` (sha256, size, encoding, rows).
    parameters : mapping
        The parameters used (converted), including ``case_dir`` as the kernels saw it.
    sections : iterable of str
        Section notebook names, in report order.
    outputs : mapping
        Output name (relative to the output folder, e.g. ``executed/10_intro.ipynb``) →
        file to hash.
    source_date_epoch : int
        The fixed build date given to the kernels.
    pdf_engine : str or None
        ``chromium``, ``weasyprint`` or ``None`` (no PDF).
    carebook_version : str
        carebook's version.
    build_key : str, optional
        The key of everything the published files were made from
        (:func:`carebook.build.cache.build_key`); a later build with the same key and
        unchanged files has nothing to do. Left out when not given.
    """
    inputs = {
        name: {
            "sha256": f.sha256,
            "size": f.size,
            "encoding": f.encoding,
            "rows": f.rows,
        }
        for name, f in sorted((getattr(case, "inputs", None) or {}).items())
    }
    record: dict[str, Any] = {
        "carebook": carebook_version,
        "case": case.root.name if getattr(case, "root", None) else None,
        "inputs": inputs,
        "parameters": {k: parameters[k] for k in sorted(parameters)},
        "sections": list(sections),
        "source_date_epoch": int(source_date_epoch),
        "pdf_engine": pdf_engine,
        "outputs": {name: {"sha256": sha256_file(path)} for name, path in sorted(outputs.items())},
        "packages": package_versions(),
    }
    if build_key is not None:
        record["build_key"] = build_key
    return record
