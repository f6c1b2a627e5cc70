"""Keep the validated case in the output folder, so that a rebuild need not validate it again.

Validating the sample takes 0.6-1 s of every build that is not up to date (reading the
CSV files, converting them, pandera's checks, and importing pandera first); for a
1,000,000-row case it takes many seconds. Yet a student who edits a notebook rebuilds
with the same case files. So the build keeps the case it validated in
``OUT/.carebook-cache/case.pickle``, with ``case.json`` beside it naming the key it was
validated under: the case files' SHA-256 and the carebook source, installed versions and
environment of that build (what :func:`carebook.build.cache.quick_record` reads). A
later build whose key is the same loads the case instead of validating it; any other
key, a missing or damaged file validates as before.

Why a pickle, and why signed: the case is pandas frames plus carebook's own dataclasses,
and a pickle is the one format that gives them back exactly and fast. But unpickling
runs code, and an output folder is not a private place (it may come back from a zip
or a shared drive). So ``case.json`` also holds an HMAC-SHA256 of the pickle under a
key that only this user can read (:func:`secret_key`, in carebook's folder of the user's
cache, ``$XDG_CACHE_HOME/carebook``), and nothing is unpickled unless the HMAC matches.
A pickle written by someone else, or by this user on another machine, is just a miss.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import pickle
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "CASE_FILE",
    "KEY_FILE",
    "case_key",
    "holds",
    "load",
    "save",
    "secret_key",
    "user_cache_dir",
]

log = logging.getLogger(__name__)

#: The kept case, and what it was validated under (both in ``OUT/.carebook-cache``).
CASE_FILE = "case.pickle"
KEY_FILE = "case.json"
#: Changes when what is pickled changes shape, so that an old file is never read as new.
FORMAT = 1
_SECRET_NAME = "case-signing.key"
_BLOCK = 1 << 20


def user_cache_dir() -> Path:
    """Return carebook's folder in the user's cache (``$XDG_CACHE_HOME/carebook``)."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "carebook"


def _private(path: Path, *, directory: bool) -> bool:
    """Whether *path* is this user's own, not a link, and closed to everyone else."""
    try:
        info = path.lstat()
    except OSError:
        return False
    kind_ok = stat.S_ISDIR(info.st_mode) if directory else stat.S_ISREG(info.st_mode)
    return kind_ok and info.st_uid == os.geteuid() and not info.st_mode & 0o077


def secret_key(create: bool = True) -> bytes | None:
    """Return this user's signing key, made on first use; ``None`` if it cannot be had.

    The key is 32 random bytes in a file only this user can read. A key that is not
    private (another owner, readable by others, a link) is refused, not repaired: then
    no case is kept, and every build validates.
    """
    folder = user_cache_dir()
    if not folder.is_absolute():  # no home folder: nowhere private to keep a key
        return None
    path = folder / _SECRET_NAME
    try:
        if create:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder, directory=True):
            log.info("%s is not private to this user; the validated case is not kept", folder)
            return None
        if create and not path.exists():
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)  # mode 0600
            try:
                os.write(fd, os.urandom(32))
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)  # never replaces a key another build just made
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
        if not _private(path, directory=False):
            return None
        key = path.read_bytes()
    except OSError as err:
        log.info("no signing key for the validated case (%s); it is not kept", err)
        return None
    return key if len(key) == 32 else None


def case_key(quick: Mapping[str, Any]) -> str:
    """Return the key a case is kept under: everything of *quick* that validation reads.

    The case folder (its path and its files by content), the carebook source, the
    installed versions and the environment (``CAREBOOK_MAX_FILE_BYTES`` changes what is
    accepted) of a :func:`carebook.build.cache.quick_record`.
    """
    from carebook.build.cache import record_key

    parts = ("case_dir", "case", "source", "versions", "environment")
    return record_key({"format": FORMAT, **{k: quick.get(k) for k in parts}})


def _facts(cache_dir: Path) -> dict[str, Any]:
    try:
        facts = json.loads((Path(cache_dir) / KEY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return facts if isinstance(facts, dict) else {}


def holds(cache_dir: Path, key: str) -> bool:
    """Whether a case is kept in *cache_dir* under *key* (cheap: its signature is not checked).

    For deciding early how the build starts; :func:`load` still checks everything.
    """
    return _facts(cache_dir).get("key") == key


def _digest(path: Path, key: bytes) -> str:
    mac = hmac.new(key, digestmod=hashlib.sha256)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            mac.update(block)
    return mac.hexdigest()


def load(cache_dir: Path, key: str) -> Any:
    """Return the case kept in *cache_dir* under *key*, or ``None``.

    ``None`` for another key, no kept case, a signature that does not match (nothing is
    unpickled then), or a file that cannot be read; the build then validates.
    """
    from carebook.case.model import Case

    cache_dir = Path(cache_dir)
    facts = _facts(cache_dir)
    if facts.get("key") != key:
        return None
    secret = secret_key(create=False)
    signature = facts.get("hmac")
    if secret is None or not isinstance(signature, str):
        return None
    try:
        if not hmac.compare_digest(_digest(cache_dir / CASE_FILE, secret), signature):
            log.info("the kept case does not match its signature; validating the case again")
            return None
        with open(cache_dir / CASE_FILE, "rb") as handle:
            kept = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError) as err:
        log.info("the kept case could not be read (%s); validating the case again", err)
        return None
    # share() writes (folder state, case): the state is not needed here, the key says more.
    case = kept[1] if isinstance(kept, tuple) and len(kept) == 2 else None
    return case if isinstance(case, Case) else None


def save(cache_dir: Path, key: str, pickled: Path) -> bool:
    """Keep the case pickled in *pickled* (as :func:`carebook.case.loader.share` wrote it).

    The file is copied into *cache_dir* and signed while it is copied; ``case.json`` is
    written last, so a reader sees either the old pair or the new one (and a mixed pair
    fails the signature). Returns whether the case was kept; failing only costs the next
    build a validation.
    """
    from carebook.build.publish import write_atomic

    secret = secret_key()
    if secret is None:
        return False
    cache_dir = Path(cache_dir)
    tmp = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        mac = hmac.new(secret, digestmod=hashlib.sha256)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=cache_dir)
        with os.fdopen(fd, "wb") as target, open(pickled, "rb") as source:
            for block in iter(lambda: source.read(_BLOCK), b""):
                mac.update(block)
                target.write(block)
        os.replace(tmp, cache_dir / CASE_FILE)
        tmp = None
        facts = {"format": FORMAT, "key": key, "hmac": mac.hexdigest()}
        write_atomic(cache_dir / KEY_FILE, json.dumps(facts, indent=1).encode("utf-8"))
    except OSError as err:
        log.info("the validated case was not kept (%s)", err)
        return False
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return True
