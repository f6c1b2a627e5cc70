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
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from carebook.build import imports

__all__ = ["Zygote", "ZygoteError", "ForkedKernel", "provisioner_for", "supported"]

log = logging.getLogger(__name__)

#: Largest request or answer on the socket (a kernel environment is a few kilobytes).
_MESSAGE_BYTES = 1 << 20


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


class Zygote:
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

    Notes
    -----
    Starting returns at once; :meth:`fork` waits until the preload has finished. Safe
    to call :meth:`fork` from several threads. Call :meth:`close` (or use as a context
    manager) to end it.
    """

    def __init__(self, env: Mapping[str, str], cwd: str | os.PathLike[str], preload: str):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._socket: socket.socket | None = ours
        self._lock = threading.Lock()
        try:
            # Its arguments: its end of the socket, and the build it serves (see main).
            command = [sys.executable, "-m", "carebook.build.zygote", str(theirs.fileno())]
            self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [*command, str(os.getpid())],
                env=dict(env),
                cwd=str(cwd),
                stdin=subprocess.PIPE,
                pass_fds=(theirs.fileno(),),
                close_fds=True,
            )
        except OSError as err:
            ours.close()
            raise ZygoteError(f"the kernel zygote could not start: {err}") from err
        finally:
            theirs.close()
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(preload.encode("utf-8"))
            self.process.stdin.close()
        except OSError as err:
            self.close()
            raise ZygoteError(f"the kernel zygote did not take its preload: {err}") from err

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        """Whether the zygote is running (and can fork)."""
        return self.process is not None and self.process.poll() is None

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
        request = json.dumps(
            {
                "connection_file": str(connection_file),
                "env": dict(env),
                "cwd": str(cwd),
                "options": list(options),
            }
        ).encode("utf-8")
        with self._lock:
            sock = self._socket
            if sock is None or not self.alive:
                raise ZygoteError("the kernel zygote is not running")
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

    def close_soon(self) -> None:
        """Let the zygote exit, without waiting: :meth:`close` then only reaps it.

        A fork under way fails (its socket is closed), as it does with :meth:`close`.
        """
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()  # the zygote reads end-of-file and exits

    def close(self) -> None:
        """End the zygote (not the kernels it forked); safe to call twice."""
        self.close_soon()
        process, self.process = self.process, None
        if process is not None:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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


def _become_kernel(sock: socket.socket, request: Mapping[str, Any]) -> None:
    """In the forked child: turn into the kernel of *request*; never returns."""
    code = 1
    try:
        gc.enable()  # off in the zygote (see main)
        sock.close()
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


def _serve(sock: socket.socket, build: int) -> None:
    """Answer fork requests until the build closes its end of *sock* or ends.

    *build* is a pidfd of the build process: it becomes readable when the build ends.
    The socket alone is not enough: a build killed with SIGKILL closes nothing, and the
    socket stays open while any process that inherited its end (by accident or from a
    crashed library) lives, which left this process and its kernels waiting for ever.
    """
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    poller.register(build, select.POLLIN)
    while True:
        try:
            ready = {fd for fd, _events in poller.poll()}
        except InterruptedError:
            continue
        if build in ready:
            return
        try:
            message = sock.recv(_MESSAGE_BYTES)
        except InterruptedError:
            continue
        if not message:
            return
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
            sock.sendall(json.dumps({"error": str(err)}).encode("utf-8"))
            continue
        pid = os.fork()
        if pid == 0:
            _become_kernel(sock, request)
        try:
            pidfd = os.pidfd_open(pid)
        except OSError as err:  # it has already ended (and been reaped)
            sock.sendall(json.dumps({"error": f"the kernel ended at once: {err}"}).encode())
            continue
        try:
            socket.send_fds(sock, [json.dumps({"pid": pid}).encode("utf-8")], [pidfd])
        finally:
            os.close(pidfd)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the zygote process: ``python -m carebook.build.zygote FD PID``.

    Reads the preload code on standard input, runs it, then serves fork requests on
    the socket whose file descriptor is *FD*, for as long as the build process *PID*
    (its parent) lives.
    """
    args = sys.argv[1:] if argv is None else argv
    sock = socket.socket(fileno=int(args[0]))
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
        _serve(sock, build)
    finally:
        sock.close()
        os.close(build)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    # Without tearing down pandas, matplotlib and the rest (about 0.4 s): nothing is
    # left to write, and the build waits for this process to end.
    os._exit(code)
