"""Lock the output folder, stage every artefact, and publish them atomically (P0-3).

Nothing is written over the previous report until the new one is complete: a build
works in a ``.staging-*`` folder inside the output folder (same file system, so
``os.replace`` is an atomic rename), and publishes each artefact with one rename,
``metrics.json`` last. A failed build leaves ``report.html``, ``report.pdf``,
``metrics.json`` and ``executed/`` exactly as they were. An exclusive ``flock`` on
``.carebook.lock`` keeps two builds out of one folder; a build killed hard may leave a
staging folder behind, which the next build (holding the lock, so nobody else can be
using it) removes.

An artefact the build was not asked for (``report.pdf`` after ``--format html``) is
removed from the output folder when the build succeeds, so every file in it belongs to
the same build (the manifest lists them).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

from carebook.errors import BuildLocked

__all__ = [
    "LOCK_NAME",
    "STAGING_PREFIX",
    "ARTEFACTS",
    "OutputLock",
    "remove_stale_staging",
    "make_staging",
    "publish",
    "write_atomic",
]

log = logging.getLogger(__name__)

LOCK_NAME = ".carebook.lock"
STAGING_PREFIX = ".staging-"
#: Published artefacts in publishing order: metrics.json last, as scripts poll for it.
ARTEFACTS = ("report.html", "report.pdf", "manifest.json", "executed", "metrics.json")
FAILED_DIR = "failed"


class OutputLock:
    """Exclusive, non-blocking lock on an output folder (``fcntl.flock``).

    Raises
    ------
    BuildLocked
        On entry, when another build holds the lock.
    """

    def __init__(self, out_dir: str | os.PathLike[str]):
        self.out_dir = Path(out_dir)
        self.path = self.out_dir / LOCK_NAME
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        import fcntl

        self.out_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            os.close(fd)
            raise BuildLocked(
                f"another carebook build is writing into {self.out_dir}; wait for it to "
                "finish, or build into a different --out folder"
            ) from err
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        import fcntl

        if self._fd is not None:
            # The lock file stays: deleting it would let a third build lock a new inode.
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def remove_stale_staging(out_dir: Path) -> list[Path]:
    """Remove staging folders left by killed builds; call only while holding the lock."""
    removed = []
    for stale in sorted(Path(out_dir).glob(STAGING_PREFIX + "*")):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
            removed.append(stale)
            log.info("removed %s left by an interrupted build", stale.name)
    return removed


def make_staging(out_dir: Path) -> Path:
    """Create and return a new staging folder inside *out_dir*."""
    return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))


def write_atomic(path: Path, data: bytes) -> None:
    """Write *data* to *path* through a temporary file and one rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def publish(staging: Path, out_dir: Path) -> list[str]:
    """Move the staged artefacts into *out_dir*, ``metrics.json`` last.

    Parameters
    ----------
    staging : Path
        The staging folder (inside *out_dir*) holding this build's artefacts.
    out_dir : Path
        The output folder.

    Returns
    -------
    list of str
        The artefacts published, in order. Artefacts of :data:`ARTEFACTS` this build did
        not produce, and a ``failed/`` folder of an earlier failed build, are moved into
        the staging folder (removed with it).
    """
    trash = staging / ".replaced"
    trash.mkdir(exist_ok=True)
    published = []
    for name in ARTEFACTS:
        new, old = staging / name, out_dir / name
        if new.is_dir():
            # os.replace cannot replace a non-empty folder: move the old one aside first.
            if old.exists():
                os.replace(old, trash / name)
            os.replace(new, old)
            published.append(name)
        elif new.exists():
            os.replace(new, old)
            published.append(name)
        elif old.exists() or old.is_symlink():
            os.replace(old, trash / name)
    failed = out_dir / FAILED_DIR
    if failed.exists():
        os.replace(failed, trash / FAILED_DIR)
    return published
