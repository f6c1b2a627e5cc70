"""Keep the validated case between builds, so that a rebuild need not validate it again.

Validating the sample takes 0.6-1 s of every build that is not up to date (reading the
CSV files, converting them, pandera's checks, and importing pandera first); for a
1,000,000-row case it takes many seconds. Yet a student who edits a notebook rebuilds
with the same case files. So the build keeps the case it validated, and a later build
into the same output folder whose key is the same loads it instead of validating. The
key is the case files' SHA-256 and the carebook source, installed versions and
environment of the build (what :func:`carebook.build.cache.quick_record` reads). Any
other key, a missing or damaged file validates as before.

Where: the case itself (a pickle of pandas frames and carebook's dataclasses, the one
format that gives them back exactly and fast) is written to carebook's folder of the
user's cache (``$XDG_CACHE_HOME/carebook/cases``, default ``~/.cache``; mode 0700),
never to the output folder: a case may hold personal data in columns the report does
not use (reliability.md P2-17), and an output folder is handed in, zipped and shared.
The output folder holds only ``.carebook-cache/case.json``: the key, the name of the
kept file and its signature. Deleting the output folder forgets the case (the file is
removed when the cache holds more than :data:`KEEP` cases), so a build into a new
folder is as cold as ever.

Why signed: unpickling runs code. The signature is an HMAC-SHA256 of the key and the
pickle under a key only this user can read (:func:`secret_key`); nothing is unpickled
unless it matches, so a ``case.json`` written by someone else, naming any file, is just
a miss.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import pickle
import re
import secrets
import stat
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "KEEP",
    "KEEP_BYTES",
    "KEY_FILE",
    "case_key",
    "holds",
    "load",
    "save",
    "secret_key",
    "user_cache_dir",
]

log = logging.getLogger(__name__)

#: What a case was validated under and where it is kept (in ``OUT/.carebook-cache``).
KEY_FILE = "case.json"
#: Cases kept at most (one per output folder built lately: a batch's cohort is many
#: folders), and their bytes at most; the least recently used are removed first, the
#: newest is always kept.
KEEP = 32
KEEP_BYTES = 2 << 30
#: Changes when what is pickled changes shape, so that an old file is never read as new.
FORMAT = 2
_NAME = re.compile(r"[0-9a-f]{32}\.pickle")
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


def _cases_dir() -> Path:
    return user_cache_dir() / "cases"


def _mac(secret: bytes, key: str) -> Any:
    """Return an HMAC that binds the pickle to the *key* it was validated under."""
    return hmac.new(secret, f"carebook case {FORMAT} {key}\n".encode(), digestmod=hashlib.sha256)


def _digest(path: Path, secret: bytes, key: str) -> str:
    mac = _mac(secret, key)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            mac.update(block)
    return mac.hexdigest()


def load(cache_dir: Path, key: str) -> Any:
    """Return the case kept for the output folder's *cache_dir* under *key*, or ``None``.

    ``None`` for another key, no kept case, a signature that does not match (nothing is
    unpickled then), or a file that cannot be read; the build then validates.
    """
    from carebook.case.model import Case

    facts = _facts(Path(cache_dir))
    name, signature = facts.get("file"), facts.get("hmac")
    if facts.get("key") != key or not isinstance(name, str) or not _NAME.fullmatch(name):
        return None
    secret = secret_key(create=False)
    folder = _cases_dir()
    if secret is None or not isinstance(signature, str) or not _private(folder, directory=True):
        return None
    path = folder / name
    try:
        if not _private(path, directory=False):
            return None
        if not hmac.compare_digest(_digest(path, secret, key), signature):
            log.info("the kept case does not match its signature; validating the case again")
            return None
        os.utime(path)  # recently used: the last to be removed
        with open(path, "rb") as handle:
            kept = pickle.load(handle)
    except Exception as err:  # noqa: BLE001 - a kept case that fails costs a validation only
        log.info("the kept case could not be read (%s); validating the case again", err)
        return None
    # share() writes (folder state, case): the state is not needed here, the key says more.
    case = kept[1] if isinstance(kept, tuple) and len(kept) == 2 else None
    return case if isinstance(case, Case) else None


def save(cache_dir: Path, key: str, pickled: Path) -> bool:
    """Keep the case pickled in *pickled* (as :func:`carebook.case.loader.share` wrote it).

    The file is copied into the user's cache and signed while it is copied; then the
    output folder's ``case.json`` is written, naming it, and the case it named before
    is removed, as are the oldest past :data:`KEEP`. Returns whether the case was kept;
    failing only costs the next build a validation.
    """
    from carebook.build.publish import write_atomic

    secret = secret_key()
    if secret is None:
        return False
    folder = _cases_dir()
    cache_dir = Path(cache_dir)
    before = _facts(cache_dir).get("file")
    name = secrets.token_hex(16) + ".pickle"
    tmp = None
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        if not _private(folder, directory=True):
            return False
        mac = _mac(secret, key)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)  # mode 0600
        with os.fdopen(fd, "wb") as target, open(pickled, "rb") as source:
            for block in iter(lambda: source.read(_BLOCK), b""):
                mac.update(block)
                target.write(block)
        os.replace(tmp, folder / name)
        tmp = None
        facts = {"format": FORMAT, "key": key, "file": name, "hmac": mac.hexdigest()}
        cache_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(cache_dir / KEY_FILE, json.dumps(facts, indent=1).encode("utf-8"))
    except OSError as err:
        log.info("the validated case was not kept (%s)", err)
        return False
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    if isinstance(before, str) and _NAME.fullmatch(before) and before != name:
        (folder / before).unlink(missing_ok=True)
    _prune(folder)
    return True


def _prune(folder: Path) -> None:
    """Remove the least recently used cases past :data:`KEEP` and :data:`KEEP_BYTES`.

    And what a copy killed halfway left behind (an hour old or more).
    """
    try:
        entries = [(p.stat(), p) for p in folder.iterdir()]
    except OSError:
        return
    cases = sorted(
        ((st.st_mtime_ns, st.st_size, p) for st, p in entries if _NAME.fullmatch(p.name)),
        key=lambda entry: entry[0],
        reverse=True,
    )
    stale = time.time_ns() - 3600 * 10**9  # a copy in progress is younger than that
    remove = [p for st, p in entries if p.name.startswith(".tmp-") and st.st_mtime_ns < stale]
    total = 0
    for number, (_, size, path) in enumerate(cases):
        total += size
        if number and (number >= KEEP or total > KEEP_BYTES):
            remove.append(path)
    for path in remove:
        path.unlink(missing_ok=True)
