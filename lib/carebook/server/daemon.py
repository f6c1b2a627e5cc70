"""The build server: runs ``carebook build`` command lines sent to it, one at a time.

Started by :mod:`carebook.server.client` as ``python -P -m carebook.server.daemon
SOCKET`` in a session of its own (a terminal's Ctrl+C reaches the client, which passes
it on). Each build is the ordinary command line (:func:`carebook.cli.main`) run in the
client's folder and umask, with its standard output and error sent back to the client
(as terminals when the client's are), and with a
:class:`carebook.build.warm.WarmSession` kept from one build to the next.

The server stops by itself, removing its socket:

- after :func:`carebook.server.address.idle_seconds` without a build;
- when carebook's source or the installed packages change
  (:func:`carebook.server.address.code_fingerprint`, checked while idle);
- after a build that was interrupted (Ctrl+C, the client's socket closed, SIGTERM or
  SIGINT to the server): its kernels and browser may have been stopped half-way;
- after a build that left it holding more than
  :data:`carebook.server.address.MAX_RSS_BYTES` (a large case is not kept for a next
  build that may never come);
- when asked to (``carebook server stop``).
"""

from __future__ import annotations

import io
import logging
import os
import queue
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from carebook.server import address, protocol

__all__ = ["BuildServer", "main"]

log = logging.getLogger(__name__)

_FIRST_MESSAGE_SECONDS = 5.0
#: How often an idle server looks at the clock and at carebook's source.
_IDLE_CHECK_SECONDS = 30.0


class _Relay(io.TextIOBase):
    """A text stream whose writes go to the client as ``kind`` frames.

    Stands in for ``sys.stdout`` or ``sys.stderr`` during a build. Says it is a
    terminal when the client's stream is one (the progress display draws only on
    terminals) and how wide that terminal is. Writes after the client left are dropped.
    """

    def __init__(self, conn: socket.socket, kind: bytes, lock: threading.Lock, *,
                 tty: bool, columns: int | None):  # fmt: skip
        super().__init__()
        self._conn, self._kind, self._lock, self._tty = conn, kind, lock, tty
        self.columns = columns

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._tty

    def write(self, text: str) -> int:
        if text:
            data = text.encode("utf-8", "surrogatepass")
            try:
                with self._lock:
                    protocol.send(self._conn, self._kind, data)
            except OSError:
                pass  # the client is gone: the build goes on (or is being cancelled)
        return len(text)


def _peer_uid(conn: socket.socket) -> int | None:
    """Return the user id of the process at the other end, where the platform says it."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None  # the folder's permissions (0700) are then the only gate
    creds = conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def _resident_bytes() -> int:
    """Return the resident memory of this process (0 where ``/proc`` is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class BuildServer:
    """Accepts connections on *listener* and runs their builds in the main thread.

    Parameters
    ----------
    listener : socket.socket
        A bound, listening Unix socket.
    path : Path
        Its file (removed when the server stops, if it is still this server's).
    idle : float
        Seconds without a build before the server stops.
    """

    def __init__(self, listener: socket.socket, path: Path, idle: float):
        from carebook.build.warm import WarmSession

        self.listener, self.path, self.idle = listener, path, idle
        self.inode = os.stat(path).st_ino
        self.session = WarmSession()
        self.fingerprint = address.code_fingerprint()
        self.started = time.time()
        self.builds = 0
        self.stopping = threading.Event()
        self.reason = ""
        self._last = time.monotonic()
        self._jobs: queue.Queue[tuple[socket.socket, dict[str, Any]] | None] = queue.Queue()
        self._busy = False
        self._state = threading.Lock()

    # --- accepting -------------------------------------------------------------------

    def _accept_forever(self) -> None:
        # Until close() shuts the listener: a stopping server still answers (BUSY).
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # the listener was closed: the server is stopping
            threading.Thread(target=self._first_message, args=(conn,),
                             name="carebook-server-greet", daemon=True).start()  # fmt: skip

    def _first_message(self, conn: socket.socket) -> None:
        """Read what the client wants, answer status and stop here, queue a build."""
        try:
            uid = _peer_uid(conn)
            if uid is not None and uid != os.getuid():
                log.warning("refused a connection from user %s", uid)
                conn.close()
                return
            conn.settimeout(_FIRST_MESSAGE_SECONDS)
            frame = protocol.receive(conn)
            conn.settimeout(None)
            if frame is None:
                conn.close()
                return
            kind, payload = frame
            if kind == protocol.STATUS:
                protocol.send_json(conn, protocol.INFO, self.info())
            elif kind == protocol.STOP:
                self.stop("asked to stop")
                protocol.send_json(conn, protocol.INFO, self.info())
            elif kind == protocol.REQUEST:
                request = protocol.decode_json(payload)
                with self._state:  # close() drains the queue under the same lock
                    take = not self._busy and not self.stopping.is_set()
                    if take:
                        self._busy = True
                        self._jobs.put((conn, request))
                if take:
                    return  # the main thread owns the connection now
                protocol.send(conn, protocol.BUSY)
            conn.close()
        except (OSError, protocol.ProtocolError) as err:
            log.info("a connection ended early: %s", err)
            conn.close()

    def info(self) -> dict[str, Any]:
        """Return what ``carebook server status`` shows."""
        return {
            "pid": os.getpid(),
            "started": self.started,
            "builds": self.builds,
            "busy": self._busy,
            "idle_seconds": round(time.monotonic() - self._last, 1),
            "socket": str(self.path),
        }

    def stop(self, reason: str) -> None:
        """Stop after the build under way (if any)."""
        if not self.stopping.is_set():
            self.reason = reason
            self.stopping.set()
        self._jobs.put(None)

    # --- serving ---------------------------------------------------------------------

    def serve(self) -> None:
        """Run builds until a reason to stop; then close everything."""
        threading.Thread(target=self._accept_forever, name="carebook-server-accept",
                         daemon=True).start()  # fmt: skip
        try:
            self._loop()
        except KeyboardInterrupt:  # SIGTERM or SIGINT between builds
            self.stop("stopped by a signal")
        finally:
            self.close()

    def _loop(self) -> None:
        while not self.stopping.is_set():
            waited = time.monotonic() - self._last
            try:
                job = self._jobs.get(timeout=max(0.1, min(_IDLE_CHECK_SECONDS, self.idle - waited)))
            except queue.Empty:
                if time.monotonic() - self._last >= self.idle:
                    self.stop(f"no build for {self.idle:g} s")
                elif address.code_fingerprint() != self.fingerprint:
                    self.stop("carebook's source or the installed packages changed")
                continue
            if job is not None:
                self._serve_one(*job)

    def _serve_one(self, conn: socket.socket, request: dict[str, Any]) -> None:
        try:
            argv = [str(a) for a in request["argv"]]
            cwd = str(request["cwd"])
            umask = int(request.get("umask", 0o022))
            tty = request.get("tty") or {}
            columns = request.get("columns")
            columns = int(columns) if isinstance(columns, int) and columns > 0 else None
            os.chdir(cwd)
        except (KeyError, TypeError, ValueError, OSError) as err:
            log.info("refused a malformed request: %s", err)
            conn.close()
            with self._state:
                self._busy = False
            return
        os.umask(umask)
        self.builds += 1
        started = time.monotonic()
        log.info("build %d: carebook %s (in %s)", self.builds, " ".join(argv), cwd)
        code, cancelled = self._run_build(conn, argv, tty, columns)
        log.info("build %d: exit %s in %.2f s%s", self.builds, code,
                 time.monotonic() - started, " (interrupted)" if cancelled else "")  # fmt: skip
        with self._state:
            self._busy = False
        self._last = time.monotonic()
        if cancelled:
            self.stop("a build was interrupted")
            return
        try:
            self._warm_up(argv)
        except KeyboardInterrupt:
            self.stop("stopped by a signal")
            return
        except Exception as err:  # noqa: BLE001 - warming up only saves time later
            log.info("warm-up failed: %s", err)
        held = _resident_bytes()
        if held > address.MAX_RSS_BYTES:
            self.stop(f"holding {held / 2**30:.1f} GiB after a build")

    def _run_build(self, conn: socket.socket, argv: list[str], tty: dict[str, Any],
                   columns: int | None) -> tuple[int, bool]:  # fmt: skip
        """Run one command line with its output sent to *conn*; return (exit code, cancelled)."""
        from carebook import cli

        send_lock = threading.Lock()
        out = _Relay(conn, protocol.STDOUT, send_lock, tty=bool(tty.get("stdout")), columns=columns)
        err = _Relay(conn, protocol.STDERR, send_lock, tty=bool(tty.get("stderr")), columns=columns)
        main_thread = threading.main_thread().ident
        finished = threading.Event()
        cancelled = threading.Event()
        guard = threading.Lock()

        def watch_client() -> None:
            # The client sends CANCEL on Ctrl+C; a client that was killed closes the socket.
            while True:
                try:
                    frame = protocol.receive(conn)
                except (OSError, protocol.ProtocolError):
                    frame = None
                if frame is None or frame[0] == protocol.CANCEL:
                    break
            with guard:
                if not finished.is_set() and main_thread is not None:
                    cancelled.set()
                    signal.pthread_kill(main_thread, signal.SIGINT)

        protocol.send(conn, protocol.ACCEPTED)
        threading.Thread(target=watch_client, name="carebook-server-client", daemon=True).start()
        saved = sys.stdout, sys.stderr
        code: int = 1
        try:
            try:
                sys.stdout, sys.stderr = out, err
                try:
                    code = cli.main(argv, session=self.session)
                except SystemExit as stop:  # argparse's --help and usage errors
                    code = (
                        stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 2
                    )
                except Exception:  # noqa: BLE001 - reported as a crashed command line would be
                    traceback.print_exc()
                    code = 1
                    self.stop("a build failed unexpectedly")
                with guard:
                    finished.set()
            except KeyboardInterrupt:  # arrived outside cli.main's own handler
                finished.set()
                code = 130
                sys.stderr.write("carebook: interrupted; the previous report was left as it was.\n")
        finally:
            sys.stdout, sys.stderr = saved
            # Later log records (the warm-up's) go to the server's log, not the client.
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                                stream=sys.stderr, force=True)  # fmt: skip
        try:
            with send_lock:
                protocol.send_json(conn, protocol.EXIT, code)
        except OSError:
            pass
        conn.close()
        return code, cancelled.is_set() or code == 130

    def _warm_up(self, argv: list[str]) -> None:
        """Start the next build's kernel and browser while the student reads the report."""
        from carebook import cli, paths
        from carebook.build.pdf import find_chromium

        args = cli.build_arguments(argv)
        if args is None:
            return
        notebooks = Path(args.notebooks) if args.notebooks else paths.NOTEBOOKS_DIR
        wants_pdf = "pdf" in cli.chosen_formats(args)  # the build just refused a bad --format
        self.session.warm_up(notebooks.resolve(), find_chromium() if wants_pdf else None)

    def close(self) -> None:
        """Stop listening, remove the socket (if still this server's), end the session."""
        log.info("stopping: %s", self.reason or "closed")
        with self._state:
            self.stopping.set()
        while True:  # builds taken just as the server stopped: their clients build alone
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                try:
                    protocol.send(job[0], protocol.BUSY)
                except OSError:
                    pass
                job[0].close()
        try:
            if os.stat(self.path).st_ino == self.inode:
                self.path.unlink()
        except OSError:
            pass
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self.listener.close()
        self.session.close()


def listen(path: Path) -> socket.socket | None:
    """Bind and listen on *path*; ``None`` if another server got there first."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)  # the socket file is this user's only (its folder is too)
    try:
        listener.bind(os.fspath(path))
    except OSError as err:
        listener.close()
        log.info("not serving on %s: %s", path, err)
        return None
    finally:
        os.umask(old)
    listener.listen(16)
    return listener


def main(argv: list[str] | None = None) -> int:
    """Serve builds on the socket named in *argv* until a reason to stop."""
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    path = Path(argv[0])
    listener = listen(path)
    if listener is None:
        return 0
    server = BuildServer(listener, path, address.idle_seconds())

    def on_signal(signum: int, frame: object) -> None:
        server.reason = server.reason or f"stopped by {signal.Signals(signum).name}"
        server.stopping.set()
        raise KeyboardInterrupt  # a build under way stops as it would on Ctrl+C

    signal.signal(signal.SIGTERM, on_signal)
    # Cancelling a build raises KeyboardInterrupt through SIGINT; a client started with
    # SIGINT ignored (a background job) would otherwise pass that on.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    log.info("serving builds on %s (pid %d)", path, os.getpid())
    server.serve()
    return 0


if __name__ == "__main__":
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # As carebook's command line does: tearing down pandas, matplotlib and nbconvert
    # takes a third of a second and does nothing anyone sees.
    os._exit(code)
