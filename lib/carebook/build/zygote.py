"""Kernels forked from one process that has already imported what the sections need.

Each kernel of a build used to start Python, ipykernel, pandas, matplotlib, seaborn (and
through it ``scipy.stats``) and carebook on its own: about 2 CPU-seconds per kernel, the
largest cost of a cold build after the sections themselves, paid once per kernel on a
machine with two cores. A :class:`Zygote` is one process, started with the kernels'
environment and working folder, that imports all that once and then forks a kernel on
request. The forked kernel is an ordinary ipykernel (it reads the connection file
jupyter_client wrote, in a new session and process group) that shares the imported
modules' memory with its siblings until it writes to it.

The build talks to the zygote over a ``SOCK_SEQPACKET`` socket pair: a request is one
JSON message (connection file, environment, working folder), the answer the kernel's pid
and, passed as a file descriptor, a *pidfd* (``pidfd_open``) of it. jupyter_client drives
the kernel through a provisioner (:func:`provisioner_for`), the local provisioner with the launch
replaced: :class:`ForkedKernel` stands in for the ``Popen`` object, so polling, waiting
and signalling go through the pidfd (no pid can be reused under it) and the kernel's
process group, as for a kernel jupyter_client started itself.

The zygote ignores ``SIGCHLD``, so the kernel processes it forks are reaped as they end
(their exit status is not kept: a kernel that ended reports ``-1``). It ends when the
build closes its end of the socket, or when the build process ends, whoever else may
still hold that socket (it watches a pidfd of the build); a kernel whose zygote is gone
notices it (ipykernel's parent poller) and ends too.

A zygote started with ``shared=True`` also listens on a socket in a folder only this
user can open (:attr:`Zygote.address`), so that other processes of the same user connect
to it with :class:`SharedZygote` and have their kernels forked too: ``carebook batch``
starts one for all its workers instead of one per worker (the imports, about 2.4
CPU-seconds and 230 MB, paid once). Each connection gets the pidfds of its own kernels
only, and a connection that closes while a kernel forked for it still runs (its worker
died) takes that kernel down with it.

Where this cannot work (not Linux, no pidfd, ``CAREBOOK_FORK_KERNELS=0``, or the zygote
died) the pool starts kernels the usual way.
"""

from __future__ import annotations

import functools
import gc
import json
import logging
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Self

from carebook.build import imports

__all__ = [
    "Zygote",
    "SharedZygote",
    "ZygoteError",
    "ForkedKernel",
    "provisioner_for",
    "supported",
]

log = logging.getLogger(__name__)

#: Largest request or answer on the socket (a kernel environment is a few kilobytes).
_MESSAGE_BYTES = 1 << 20

#: Name of the listening socket of a shared zygote, in its own private folder.
_SOCKET_NAME = "zygote.sock"


class ZygoteError(RuntimeError):
    """The zygote could not fork a kernel (the pool then starts one the usual way)."""


def supported() -> bool:
    """Return whether kernels can be forked here (Linux with pidfds; not switched off)."""
    if os.environ.get("CAREBOOK_FORK_KERNELS", "1").strip() in ("0", "no", "false"):
        return False
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "pidfd_open")
        and hasattr(signal, "pidfd_send_signal")
        and hasattr(socket, "send_fds")
        and hasattr(os, "fork")
    )


class _Forks:
    """Asks a zygote for kernels over ``self._socket`` (under ``self._lock``, while ``alive``).

    A context manager: leaving it calls :meth:`close`, which each kind of zygote defines.
    """

    _socket: socket.socket | None
    _lock: threading.Lock

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def alive(self) -> bool:  # pragma: no cover - each kind of zygote says
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - each kind of zygote says
        raise NotImplementedError

    def fork(
        self,
        connection_file: str,
        env: Mapping[str, str],
        cwd: str | os.PathLike[str],
        *,
        options: Sequence[str] = (),
        timeout: float = 120,
    ) -> ForkedKernel:
        """Fork a kernel that serves *connection_file*; return it once it exists.

        *options* are ``--Class.trait=value`` settings for the kernel application, as on
        a kernel's command line.

        Raises
        ------
        ZygoteError
            The zygote is gone, refused, or did not answer within *timeout* seconds.
        """
        with self._lock:
            if self._socket is None or not self.alive:
                raise ZygoteError("the kernel zygote is not running")
            return _ask_fork(self._socket, connection_file, env, cwd, options, timeout)


class Zygote(_Forks):
    """A process that imports *preload* once and forks kernels from itself on request.

    Parameters
    ----------
    env : mapping
        The zygote's environment: the kernels' environment (``PYTHONHASHSEED`` and the
        rest are fixed when an interpreter starts, so they must be right from the start).
    cwd : path
        Its working folder (the kernels').
    preload : str
        Python code it runs before forking anything (imports). Errors are logged by the
        zygote and ignored: the sections meet them again.
    shared : bool
        Also fork kernels for other processes of this user, which connect to
        :attr:`address` with :class:`SharedZygote`.

    Attributes
    ----------
    address : str or None
        Where a shared zygote listens (a socket in a folder of mode 0700), else ``None``.

    Notes
    -----
    Starting returns at once; :meth:`fork` waits until the preload has finished. Safe
    to call :meth:`fork` from several threads. Call :meth:`close` (or use as a context
    manager) to end it.
    """

    def __init__(
        self,
        env: Mapping[str, str],
        cwd: str | os.PathLike[str],
        preload: str,
        *,
        shared: bool = False,
    ):
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.address: str | None = None
        self._folder: str | None = None
        listener = _listen(self) if shared else None
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._socket = ours
        passed = (theirs.fileno(),) + ((listener.fileno(),) if listener is not None else ())
        try:
            # Its arguments: its end of the socket, the build it serves, and the socket
            # it listens on when shared (see main).
            command = [sys.executable, "-m", "carebook.build.zygote", str(theirs.fileno())]
            self.process = subprocess.Popen(
                [*command, str(os.getpid()), *map(str, passed[1:])],
                env=dict(env),
                cwd=str(cwd),
                stdin=subprocess.PIPE,
                pass_fds=passed,
                close_fds=True,
            )
        except OSError as err:
            ours.close()
            self._socket = None
            self._remove_folder()
            raise ZygoteError(f"the kernel zygote could not start: {err}") from err
        finally:
            theirs.close()
            if listener is not None:
                listener.close()  # the zygote has its own copy
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(preload.encode("utf-8"))
            self.process.stdin.close()
        except OSError as err:
            self.close()
            raise ZygoteError(f"the kernel zygote did not take its preload: {err}") from err

    @property
    def alive(self) -> bool:
        """Whether the zygote is running (and can fork)."""
        return self.process is not None and self.process.poll() is None

    def close_soon(self) -> None:
        """Let the zygote exit, without waiting: :meth:`close` then only reaps it.

        A fork under way fails (its socket is closed), as it does with :meth:`close`.
        """
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()  # the zygote reads end-of-file and exits

    def close(self, timeout: float = 5) -> None:
        """End the zygote (not the kernels it forked); safe to call twice.

        It is killed if it has not exited within *timeout* seconds (one still running
        its preload only notices the closed socket once the imports are done).
        """
        self.close_soon()
        process, self.process = self.process, None
        if process is not None:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._remove_folder()

    def _remove_folder(self) -> None:
        folder, self._folder, self.address = self._folder, None, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _listen(zygote: Zygote) -> socket.socket:
    """Return a socket listening in a new folder only this user can open; note both on *zygote*.

    Raises
    ------
    ZygoteError
        The socket could not be made (a temporary folder whose path is too long for a
        socket, for one).
    """
    zygote._folder = tempfile.mkdtemp(prefix="carebook-zygote-")  # mode 0700
    zygote.address = os.path.join(zygote._folder, _SOCKET_NAME)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        listener.bind(zygote.address)
        listener.listen(64)
    except OSError as err:
        listener.close()
        zygote._remove_folder()
        raise ZygoteError(f"the shared kernel zygote could not listen: {err}") from err
    return listener


def _ask_fork(
    sock: socket.socket,
    connection_file: str,
    env: Mapping[str, str],
    cwd: str | os.PathLike[str],
    options: Sequence[str],
    timeout: float,
) -> ForkedKernel:
    """Send one fork request on *sock* and return the kernel of the answer (lock held)."""
    request = json.dumps(
        {
            "connection_file": str(connection_file),
            "env": dict(env),
            "cwd": str(cwd),
            "options": list(options),
        }
    ).encode("utf-8")
    try:
        sock.settimeout(timeout)
        sock.sendall(request)
        message, fds, _flags, _address = socket.recv_fds(sock, _MESSAGE_BYTES, 1)
    except OSError as err:  # includes the timeout
        raise ZygoteError(f"the kernel zygote did not answer: {err}") from err
    try:
        answer = json.loads(message or b"{}")
    except ValueError:
        answer = {}
    if "pid" not in answer or len(fds) != 1:
        for fd in fds:
            os.close(fd)
        raise ZygoteError(f"the kernel zygote refused: {answer.get('error', 'no answer')}")
    return ForkedKernel(int(answer["pid"]), fds[0])


class SharedZygote(_Forks):
    """A connection to a zygote that another process of this user started ``shared``.

    It forks kernels as :class:`Zygote` does (same :meth:`fork`), but closing it only
    closes the connection: the zygote belongs to the process that started it.

    Parameters
    ----------
    address : str
        :attr:`Zygote.address` of the shared zygote.

    Raises
    ------
    ZygoteError
        It cannot be reached, or the process listening there is not this user's.
    """

    def __init__(self, address: str):
        self._lock = threading.Lock()
        self._zygote: int | None = None
        self._socket: socket.socket | None = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._socket.connect(address)
            pid, uid, _gid = _peer(self._socket)
            if uid != os.getuid():
                raise ZygoteError(f"the kernel zygote at {address} is not this user's")
            self._zygote = os.pidfd_open(pid)  # alive while this is not readable
        except OSError as err:
            self.close()
            raise ZygoteError(f"the shared kernel zygote cannot be reached: {err}") from err
        except ZygoteError:
            self.close()
            raise

    @property
    def alive(self) -> bool:
        """Whether the connection is open and the zygote running."""
        zygote = self._zygote
        if self._socket is None or zygote is None:
            return False
        return not select.select([zygote], [], [], 0)[0]

    def close_soon(self) -> None:
        """Close the connection (the zygote goes on serving the others)."""
        self.close()

    def close(self) -> None:
        """Close the connection; safe to call twice."""
        sock, self._socket = self._socket, None
        zygote, self._zygote = self._zygote, None
        if sock is not None:
            sock.close()
        if zygote is not None:
            os.close(zygote)


def _peer(sock: socket.socket) -> tuple[int, int, int]:
    """Return the (pid, uid, gid) of the process at the other end of the Unix socket *sock*."""
    import struct

    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", raw)


class ForkedKernel:
    """A forked kernel process, as jupyter_client's local provisioner uses ``Popen``.

    Parameters
    ----------
    pid : int
        The kernel's process id (also its process group: it leads a new session).
    pidfd : int
        A pidfd of it, owned by this object.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int, pidfd: int):
        self.pid = pid
        self.returncode: int | None = None
        self._pidfd: int | None = pidfd

    def __del__(self) -> None:
        self._close_pidfd()

    def _close_pidfd(self) -> None:
        fd, self._pidfd = self._pidfd, None
        if fd is not None:
            os.close(fd)

    def _ended(self, timeout: float | None) -> bool:
        if self.returncode is not None:
            return True
        if self._pidfd is None:
            return False
        readable, _, _ = select.select([self._pidfd], [], [], timeout)
        if readable:
            # The zygote reaped it (SIGCHLD ignored there): no exit status to read.
            self.returncode = -1
            self._close_pidfd()
            return True
        return False

    def poll(self) -> int | None:
        """Return ``None`` while the kernel runs, else its (unknown: ``-1``) exit status."""
        return self.returncode if self._ended(0) else None

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the kernel to end (at most *timeout* seconds) and return ``-1``.

        Raises
        ------
        subprocess.TimeoutExpired
            It still runs after *timeout* seconds.
        """
        if not self._ended(timeout):
            raise subprocess.TimeoutExpired([f"kernel {self.pid}"], timeout or 0)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        """Send *signum* to the kernel (through its pidfd; nothing if it has ended)."""
        if self._ended(0) or self._pidfd is None:
            return
        try:
            signal.pidfd_send_signal(self._pidfd, signum)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """SIGKILL the kernel."""
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM the kernel."""
        self.send_signal(signal.SIGTERM)


@functools.cache
def _provisioner_class() -> type:
    # jupyter_client is imported only when a kernel is started (it is heavy).
    imports.serially("jupyter_client.provisioning.local_provisioner")
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    class ZygoteProvisioner(LocalProvisioner):  # type: ignore[misc, valid-type]
        """jupyter_client's local provisioner, with the kernel forked by a :class:`Zygote`."""

        zygote: Zygote | None = None

        async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
            if self.zygote is None:
                return await super().launch_kernel(cmd, **kwargs)
            cwd = kwargs.get("cwd") or os.getcwd()
            env = kwargs.get("env") or dict(os.environ)
            # pre_launch wrote the connection file, as for any local kernel; the
            # kernel's settings are the command line's --Class.trait=value options.
            options = [arg for arg in cmd if arg.startswith("--") and "=" in arg]
            self.process = self.zygote.fork(self.parent.connection_file, env, cwd, options=options)
            self.pid = self.process.pid
            self.pgid = self.process.pid  # it leads its own session and process group
            self.cwd = cwd
            return self.connection_info

    return ZygoteProvisioner


def provisioner_for(manager: Any, zygote: Zygote) -> Any:
    """Return a provisioner that has *zygote* fork the kernel of *manager*.

    Parameters
    ----------
    manager : jupyter_client.manager.KernelManager
        Set the result as ``manager.provisioner`` before ``start_kernel``.
    zygote : Zygote
        The process that forks the kernel.
    """
    if not manager.kernel_id:
        manager.kernel_id = str(uuid.uuid4())
    provisioner = _provisioner_class()(
        kernel_id=manager.kernel_id, kernel_spec=manager.kernel_spec, parent=manager
    )
    provisioner.zygote = zygote
    return provisioner


# --- the zygote process --------------------------------------------------------------------


def _become_kernel(held: Sequence[int], request: Mapping[str, Any]) -> None:
    """In the forked child: turn into the kernel of *request*; never returns.

    *held* are the zygote's own descriptors (its sockets, the pidfds it keeps): closed
    first, so that no kernel keeps a connection or the listening socket open.
    """
    code = 1
    try:
        gc.enable()  # off in the zygote (see main)
        for fd in held:
            try:
                os.close(fd)
            except OSError:
                pass
        os.setsid()  # its own session and process group, as jupyter_client starts kernels
        _name_process("carebook-kernel")  # its command line is still the zygote's
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # The zygote is this kernel's parent: the kernel ends if the zygote does.
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        argv = [
            "-f",
            request["connection_file"],
            f"--IPKernelApp.parent_handle={os.getppid()}",
            *request.get("options", ()),
        ]
        sys.argv = [sys.executable, "-m", "ipykernel_launcher", *argv]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=argv)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # noqa: BLE001 - reported on the kernel's stderr, then it ends
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _name_process(name: str) -> None:
    """Set the name ``ps`` and ``top`` show for this process (at most 15 characters)."""
    try:
        with open("/proc/self/comm", "w", encoding="ascii") as handle:
            handle.write(name[:15])
    except OSError:
        pass


def _serve(sock: socket.socket, build: int, listener: socket.socket | None = None) -> None:
    """Answer fork requests until the build closes its end of *sock* or ends.

    *build* is a pidfd of the build process: it becomes readable when the build ends.
    The socket alone is not enough: a build killed with SIGKILL closes nothing, and the
    socket stays open while any process that inherited its end (by accident or from a
    crashed library) lives, which left this process and its kernels waiting for ever.

    With a *listener* (a shared zygote), processes of the same user may also connect
    and ask on their own connection. A connection that closes while kernels forked for
    it still run belonged to a worker that died: those kernels are killed.
    """
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    poller.register(build, select.POLLIN)
    connections: dict[int, socket.socket] = {sock.fileno(): sock}
    kernels: dict[int, list[int]] = {}  # connection -> pidfds of the kernels forked for it
    if listener is not None:
        poller.register(listener, select.POLLIN)
    while True:
        try:
            ready = [fd for fd, _events in poller.poll()]
        except InterruptedError:
            continue
        if build in ready:
            return
        for fd in ready:
            if listener is not None and fd == listener.fileno():
                _accept(listener, poller, connections)
                continue
            connection = connections.get(fd)
            if connection is None:
                continue
            try:
                message = connection.recv(_MESSAGE_BYTES)
            except InterruptedError:
                continue
            except OSError:
                message = b""
            if not message:
                if connection is sock:
                    return
                _hang_up(connection, poller, connections, kernels.pop(fd, []))
                continue
            held = [sock.fileno(), build, *connections]
            if listener is not None:
                held.append(listener.fileno())
            held.extend(pidfd for pidfds in kernels.values() for pidfd in pidfds)
            pidfd = _answer(connection, message, held)
            if pidfd is not None and connection is not sock:
                # Kept to end that kernel if its worker dies; ended ones are let go.
                mine = [k for k in kernels.get(fd, []) if not _closed_if_ended(k)]
                kernels[fd] = [*mine, pidfd]
            elif pidfd is not None:
                os.close(pidfd)


def _accept(
    listener: socket.socket, poller: select.poll, connections: dict[int, socket.socket]
) -> None:
    """Take a new connection to a shared zygote, if it comes from this user."""
    try:
        connection, _address = listener.accept()
    except OSError:
        return
    try:
        _pid, uid, _gid = _peer(connection)
    except OSError:
        uid = -1
    if uid != os.getuid():  # the folder is 0700; this is a second lock on the door
        connection.close()
        return
    connections[connection.fileno()] = connection
    poller.register(connection, select.POLLIN)


def _hang_up(
    connection: socket.socket,
    poller: select.poll,
    connections: dict[int, socket.socket],
    pidfds: Sequence[int],
) -> None:
    """Forget a closed connection, killing the kernels forked for it that still run."""
    poller.unregister(connection)
    connections.pop(connection.fileno(), None)
    connection.close()
    for pidfd in pidfds:
        if not _closed_if_ended(pidfd):
            try:
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.close(pidfd)


def _closed_if_ended(pidfd: int) -> bool:
    """Close *pidfd* and return True if its process has ended; else False."""
    if select.select([pidfd], [], [], 0)[0]:
        os.close(pidfd)
        return True
    return False


def _answer(connection: socket.socket, message: bytes, held: Sequence[int]) -> int | None:
    """Fork the kernel *message* asks for and send its pid and pidfd on *connection*.

    Returns a second pidfd of the kernel, for the zygote to keep, or ``None`` when the
    request was refused. The child closes *held* and becomes the kernel.
    """
    try:
        request = json.loads(message)
        if not {"connection_file", "env", "cwd"} <= set(request):
            raise ValueError("a fork request needs connection_file, env and cwd")
        options = request.get("options", [])
        if not isinstance(options, list) or not all(
            isinstance(option, str) and option.startswith("--") for option in options
        ):
            raise ValueError("a fork request's options are --Class.trait=value strings")
    except ValueError as err:
        connection.sendall(json.dumps({"error": str(err)}).encode("utf-8"))
        return None
    pid = os.fork()
    if pid == 0:
        _become_kernel(held, request)
    try:
        pidfd = os.pidfd_open(pid)
    except OSError as err:  # it has already ended (and been reaped)
        connection.sendall(json.dumps({"error": f"the kernel ended at once: {err}"}).encode())
        return None
    try:
        socket.send_fds(connection, [json.dumps({"pid": pid}).encode("utf-8")], [pidfd])
    except OSError:  # the asker has gone: its kernel would serve nobody
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        os.close(pidfd)
        return None
    return pidfd


def main(argv: list[str] | None = None) -> int:
    """Entry point of the zygote process: ``python -m carebook.build.zygote FD PID [LISTENER]``.

    Reads the preload code on standard input, runs it, then serves fork requests on
    the socket whose file descriptor is *FD*, for as long as the build process *PID*
    (its parent) lives; shared, also those of the processes that connect to the
    listening socket *LISTENER*.
    """
    args = sys.argv[1:] if argv is None else argv
    sock = socket.socket(fileno=int(args[0]))
    listener = socket.socket(fileno=int(args[2])) if len(args) > 2 else None
    try:
        build = os.pidfd_open(int(args[1]))
    except OSError:  # the build has already ended
        return 0
    if os.getppid() != int(args[1]):  # ... and its pid was given to another process
        return 0
    _name_process("carebook-zygote")
    # As ipykernel_launcher does: the working folder is not an import location.
    if sys.path and (sys.path[0] in ("", os.getcwd())):
        del sys.path[0]
    # Kernels are reaped as they end; the build watches them through pidfds.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    # Ctrl+C in the terminal reaches the whole process group: the build decides what
    # ends, and closing the socket ends this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    preload = sys.stdin.read()
    # As the gc module's documentation advises for a process that forks without exec:
    # no collections while importing (no freed holes in the pages the kernels share),
    # then everything imported is frozen, so a kernel's collections never scan or touch
    # it. Each %reset between sections collects: 0.15 s each without the freeze, under
    # 0.01 s with it. The kernels turn collection back on.
    gc.disable()
    try:
        exec(compile(preload, "<carebook zygote preload>", "exec"), {"__name__": "__zygote__"})
    except Exception as err:  # noqa: BLE001 - the sections meet it again
        # This process has no logging set up: the build's stderr is where it is seen.
        sys.stderr.write(f"carebook zygote: preload failed: {err!r}\n")
    gc.collect()
    gc.freeze()
    try:
        _serve(sock, build, listener)
    finally:
        sock.close()
        if listener is not None:
            listener.close()
        os.close(build)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    # Without tearing down pandas, matplotlib and the rest (about 0.4 s): nothing is
    # left to write, and the build waits for this process to end.
    os._exit(code)
