"""Where build servers listen, and which one a build may use.

A server is only as good as the code it imported and the environment it started with,
so each one listens on a socket named by a key over both (:func:`server_key`): a build
whose key differs (carebook edited, a package installed, another ``PYTHONPATH``)
finds no server and starts its own. The sockets live in a folder only this user can
enter (:func:`runtime_dir`); a folder that anyone else could have made or changed is
not used, and the build runs in its own process instead.
"""

from __future__ import annotations

import hashlib
import logging
import os
import site
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

from carebook import paths

__all__ = [
    "IDLE_SECONDS",
    "MAX_RSS_BYTES",
    "UnsafeFolder",
    "enabled",
    "code_fingerprint",
    "idle_seconds",
    "runtime_dir",
    "server_key",
    "socket_path",
]

log = logging.getLogger(__name__)

#: A server with no build for this long stops (``CAREBOOK_SERVER_IDLE`` overrides it).
IDLE_SECONDS = 15 * 60
#: A server holding more than this after a build stops rather than keep it.
MAX_RSS_BYTES = 1 << 30

#: Variables that differ between two shells of one user without changing a build, and
#: those make sets for its commands (so ``make report`` and ``carebook build`` share one).
_VOLATILE_ENV = frozenset(
    {"PWD", "OLDPWD", "SHLVL", "_", "COLUMNS", "LINES"}
    | {"MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES"}
)
_OFF = frozenset({"0", "off", "false", "no"})
_ON = frozenset({"1", "on", "true", "yes"})
# AF_UNIX socket paths are limited to 107 bytes on Linux (103 on macOS).
_MAX_SOCKET_PATH = 100


class UnsafeFolder(OSError):
    """The servers' folder exists but this user does not own it alone."""


def enabled(env: Mapping[str, str] | None = None) -> bool:
    """Return whether ``carebook build`` may use a build server.

    ``CAREBOOK_SERVER`` decides when set (``0``/``off``/``false``/``no`` or
    ``1``/``on``/``true``/``yes``). Otherwise servers are used except on CI machines
    (``CI`` set and not false), where every build starts from nothing and a server
    would only outlive the job.
    """
    env = os.environ if env is None else env
    choice = env.get("CAREBOOK_SERVER", "").strip().lower()
    if choice in _OFF:
        return False
    if choice in _ON:
        return True
    ci = env.get("CI", "").strip().lower()
    return ci in ("", *_OFF)


def idle_seconds(env: Mapping[str, str] | None = None) -> float:
    """Seconds without a build before a server stops (``CAREBOOK_SERVER_IDLE``)."""
    env = os.environ if env is None else env
    try:
        value = float(env.get("CAREBOOK_SERVER_IDLE", ""))
    except ValueError:
        return float(IDLE_SECONDS)
    return value if value > 0 else float(IDLE_SECONDS)


def runtime_dir(env: Mapping[str, str] | None = None, *, create: bool = True) -> Path:
    """Return this user's folder of server sockets, made private if it is new.

    ``CAREBOOK_SERVER_DIR`` if set, else ``$XDG_RUNTIME_DIR/carebook``, else
    ``carebook-server-<uid>`` in the temporary folder.

    Raises
    ------
    UnsafeFolder
        The folder is a symbolic link, not a folder, not owned by this user, or open to
        others: another user could then put a socket there that a build would talk to.
    """
    env = os.environ if env is None else env
    if env.get("CAREBOOK_SERVER_DIR"):
        folder = Path(env["CAREBOOK_SERVER_DIR"])
    elif env.get("XDG_RUNTIME_DIR"):
        folder = Path(env["XDG_RUNTIME_DIR"]) / "carebook"
    else:
        import tempfile  # here: a build with servers off never needs it

        folder = Path(tempfile.gettempdir()) / f"carebook-server-{os.getuid()}"
    if create:
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeFolder(f"{folder} is not a folder")
    if info.st_uid != os.getuid():
        raise UnsafeFolder(f"{folder} belongs to another user")
    if info.st_mode & 0o077:
        raise UnsafeFolder(f"{folder} is open to other users (mode {info.st_mode & 0o777:o})")
    return folder


def code_fingerprint() -> str:
    """Return a digest that changes whenever the code a server imported may have.

    Every file of the carebook package (path, size, modification time) and the
    modification time of each folder packages are installed in (installing or removing
    a package adds or removes an entry there). Cheap enough (a few ms) to compute on
    every build.
    """
    digest = hashlib.sha256()
    for path in paths.source_files():  # the files the build cache hashes, by stat alone
        try:
            info = path.stat()
        except OSError:
            continue
        rel = path.relative_to(paths.PACKAGE_DIR).as_posix()
        digest.update(f"{rel}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    folders = [*site.getsitepackages(), site.getusersitepackages()]
    folders += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    for folder in folders:
        try:
            mtime = os.stat(folder).st_mtime_ns
        except OSError:
            mtime = -1
        digest.update(f"{folder}\0{mtime}\n".encode())
    return digest.hexdigest()


def server_key(env: Mapping[str, str] | None = None) -> str:
    """Return the key of the server a build in this process may use.

    It covers the user, the interpreter, :func:`code_fingerprint` and the environment
    (all of it but :data:`_VOLATILE_ENV`): kernels take the server's environment, so a
    build may only use a server started with its own.
    """
    env = os.environ if env is None else env
    digest = hashlib.sha256(b"carebook-server/1\0")
    digest.update(f"{os.getuid()}\0{sys.executable}\0{sys.version}\0".encode())
    digest.update(code_fingerprint().encode())
    for name in sorted(env):
        if name not in _VOLATILE_ENV:
            digest.update(f"\0{name}={env[name]}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:24]


def socket_path(folder: Path, key: str) -> Path | None:
    """Return the socket of the server with *key* in *folder*, ``None`` if too long a path."""
    path = folder / f"{key}.sock"
    return path if len(os.fsencode(path)) <= _MAX_SOCKET_PATH else None
