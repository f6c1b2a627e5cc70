"""The ``carebook build`` side of the build server: find or start one, relay its build.

:func:`run_remote` is called before anything heavy is imported. It returns the build's
exit code, or ``None`` when the build should run in this process instead: servers are
off, the servers' folder is not private, another build is using the server, or the
server could not start. A build never waits on a server it cannot use.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from carebook.server import address, protocol

__all__ = ["run_remote", "server_infos", "stop_servers"]

#: How long a new server may take to listen before the build runs here instead.
_START_SECONDS = 15.0
_STOP_SECONDS = 30.0
#: How long a server may take to take a build on (it answers at once unless stuck).
_ANSWER_SECONDS = 30.0
#: Servers started by this process (kept so that none is reaped as a "leaked" child).
_started: list[subprocess.Popen[bytes]] = []


def _connect(path: Path) -> socket.socket | None:
    """Connect to the server on *path*; ``None`` if nobody listens there."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(os.fspath(path))
    except OSError:
        conn.close()
        return None
    return conn


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on *path* (one server start per key at a time)."""
    with open(path, "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield  # closing the file releases the lock


def _start(folder: Path, key: str, path: Path, say: TextIO | None) -> socket.socket | None:
    """Start a server for *key* unless one is listening; return a connection to it."""
    with _locked(folder / f"{key}.lock"):
        conn = _connect(path)
        if conn is not None:
            return conn  # another build started it meanwhile
        path.unlink(missing_ok=True)  # a server that died without removing its socket
        with open(folder / f"{key}.log", "wb") as server_log:
            process = subprocess.Popen(  # noqa: S603 - this interpreter, this package
                [sys.executable, "-P", "-m", "carebook.server.daemon", os.fspath(path)],
                stdin=subprocess.DEVNULL,
                stdout=server_log,
                stderr=subprocess.STDOUT,
                cwd=folder,
                start_new_session=True,  # the terminal's Ctrl+C reaches this client only
            )
        _started.append(process)
        deadline = time.monotonic() + _START_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            conn = _connect(path)
            if conn is not None:
                if say is not None:
                    minutes = address.idle_seconds() / 60
                    say.write(
                        f"Started a build server: later builds reuse its kernels and browser. "
                        f"It stops after {minutes:g} min without a build "
                        f"(CAREBOOK_SERVER=0 builds without one).\n"
                    )
                return conn
            time.sleep(0.005)
        if process.poll() is None:  # alive but never listening: it would never stop either
            process.kill()
        return None


def _request(argv: Sequence[str]) -> dict[str, Any]:
    umask = os.umask(0)
    os.umask(umask)
    tty = {}
    for name, stream in (("stdout", sys.stdout), ("stderr", sys.stderr)):
        try:
            tty[name] = stream.isatty()
        except (AttributeError, ValueError):
            tty[name] = False
    columns = shutil.get_terminal_size(fallback=(0, 0)).columns if tty["stderr"] else 0
    return {"argv": list(argv), "cwd": os.getcwd(), "umask": umask, "tty": tty,
            "columns": columns or None}  # fmt: skip


def _relay(conn: socket.socket, argv: Sequence[str]) -> int | None:
    """Send the build to the server and copy back what it prints; return its exit code."""
    protocol.send_json(conn, protocol.REQUEST, _request(argv))
    conn.settimeout(_ANSWER_SECONDS)  # a server that does not answer is not waited for
    first = protocol.receive(conn)
    conn.settimeout(None)
    if first is None or first[0] != protocol.ACCEPTED:
        return None  # busy, or stopping: build here
    interrupted = False
    while True:
        try:
            frame = protocol.receive(conn)
        except KeyboardInterrupt:
            if interrupted:  # a second Ctrl+C: leave; the server sees the socket close
                return 130
            interrupted = True
            with contextlib.suppress(OSError):
                protocol.send(conn, protocol.CANCEL)
            continue
        except (OSError, protocol.ProtocolError):
            frame = None
        if frame is None:
            sys.stderr.write(
                "carebook: the build server stopped before the build finished; the previous "
                "report was left as it was. Build again (CAREBOOK_SERVER=0 builds without "
                "the server).\n"
            )
            return 1
        kind, payload = frame
        if kind == protocol.EXIT:
            code = protocol.decode_json(payload)
            return code if isinstance(code, int) else 1
        stream = (
            sys.stdout
            if kind == protocol.STDOUT
            else sys.stderr
            if kind == protocol.STDERR
            else None
        )
        if stream is not None:
            stream.write(payload.decode("utf-8", "surrogatepass"))
            stream.flush()  # keep the order of output and errors on one terminal


def run_remote(argv: Sequence[str], *, quiet: bool = False) -> int | None:
    """Run ``carebook`` with *argv* on this user's build server, starting one if needed.

    Parameters
    ----------
    argv : sequence of str
        The command line (a ``build`` command).
    quiet : bool
        ``--quiet``: do not say that a server was started.

    Returns
    -------
    int or None
        The build's exit code, or ``None``: build in this process instead.
    """
    if not hasattr(socket, "AF_UNIX"):
        return None
    try:
        folder = address.runtime_dir()
    except address.UnsafeFolder as err:
        sys.stderr.write(f"carebook: build server not used: {err}.\n")
        return None
    except OSError:
        return None  # no private folder to be had (a read-only temporary folder)
    key = address.server_key()
    path = address.socket_path(folder, key)
    if path is None:
        return None
    try:
        conn = _connect(path) or _start(folder, key, path, None if quiet else sys.stderr)
        if conn is None:
            return None
        with conn:
            return _relay(conn, argv)
    except (OSError, protocol.ProtocolError):
        return None  # before the build was accepted (afterwards _relay answers itself)
    except KeyboardInterrupt:  # before the build was accepted: nothing was started
        sys.stderr.write("carebook: interrupted; the previous report was left as it was.\n")
        return 130


def _sockets(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.sock"))


def _ask_each(kind: bytes) -> list[tuple[Path, dict[str, Any]]]:
    """Send *kind* to each of this user's servers; return each socket and its ``INFO``.

    A socket nobody listens on (its server was killed) is removed on the way.
    """
    try:
        folder = address.runtime_dir(create=False)
    except OSError:
        return []
    answers = []
    for path in _sockets(folder):
        conn = _connect(path)
        if conn is None:
            path.unlink(missing_ok=True)
            continue
        with conn:
            conn.settimeout(5)
            try:
                protocol.send(conn, kind)
                frame = protocol.receive(conn)
                if frame is not None and frame[0] == protocol.INFO:
                    answers.append((path, protocol.decode_json(frame[1])))
            except (OSError, protocol.ProtocolError):
                continue
    return answers


def server_infos() -> list[dict[str, Any]]:
    """Return what each of this user's running build servers says about itself."""
    return [info for _, info in _ask_each(protocol.STATUS)]


def stop_servers() -> int:
    """Stop this user's build servers (each after its build under way); return how many.

    Waits until each has removed its socket and ended, so that nothing it started
    (kernels, Chromium) outlives the call by much.
    """
    stopped = _ask_each(protocol.STOP)
    deadline = time.monotonic() + _STOP_SECONDS
    for path, info in stopped:
        while time.monotonic() < deadline and (path.exists() or _alive(info.get("pid"))):
            time.sleep(0.02)
    return len(stopped)


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid == os.getpid():
        return False  # a server run in this process (tests) has stopped once its socket is gone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A server started by this process is its child: reap it, or it stays a zombie.
    for process in _started:
        if process.pid == pid and process.poll() is not None:
            return False
    return True
