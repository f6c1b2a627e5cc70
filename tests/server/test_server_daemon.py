"""The build server's own life, in this process: when it stops, what it answers."""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
from pathlib import Path

import pytest

from carebook.build import progress
from carebook.server import address, client, daemon, protocol


@pytest.fixture
def folder(monkeypatch):
    """A private servers' folder with a short path (socket paths are limited)."""
    path = Path(tempfile.mkdtemp(prefix="cbs-", dir="/tmp"))
    monkeypatch.setenv("CAREBOOK_SERVER_DIR", str(path))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _server(folder: Path, idle: float) -> daemon.BuildServer:
    path = folder / "test.sock"
    listener = daemon.listen(path)
    assert listener is not None
    return daemon.BuildServer(listener, path, idle)


def _in_thread(server: daemon.BuildServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    return thread


def test_an_idle_server_stops_and_removes_its_socket(folder):
    server = _server(folder, idle=0.3)
    server.serve()  # returns by itself
    assert server.reason == "no build for 0.3 s"
    assert not server.path.exists()


def test_a_server_whose_code_changed_stops(folder, monkeypatch):
    monkeypatch.setattr(daemon, "_IDLE_CHECK_SECONDS", 0.05)
    server = _server(folder, idle=60)
    monkeypatch.setattr(address, "code_fingerprint", lambda: "carebook was edited")
    server.serve()
    assert "source or the installed packages changed" in server.reason
    assert not server.path.exists()


def test_a_second_server_on_the_same_socket_does_not_start(folder):
    server = _server(folder, idle=60)
    try:
        assert daemon.listen(server.path) is None
    finally:
        server.close()


def test_status_and_stop_through_the_client(folder):
    server = _server(folder, idle=60)
    thread = _in_thread(server)
    infos = client.server_infos()
    assert [(i["socket"], i["builds"], i["busy"]) for i in infos] == [(str(server.path), 0, False)]
    assert client.stop_servers() == 1
    thread.join(10)
    assert not thread.is_alive()
    assert server.reason == "asked to stop"
    assert client.server_infos() == []


def test_a_busy_server_turns_a_build_away_at_once(folder):
    server = _server(folder, idle=60)
    server._busy = True  # as while a build runs
    thread = _in_thread(server)
    try:
        with socket.socket(socket.AF_UNIX) as conn:
            conn.connect(str(server.path))
            assert client._relay(conn, ["build"]) is None  # the caller builds by itself
    finally:
        server.stop("test over")
        thread.join(10)


def _closed_on_us(conn: socket.socket) -> bool:
    try:
        return conn.recv(10) == b""
    except ConnectionResetError:  # closed with our bytes unread
        return True


def test_garbage_is_dropped_and_the_server_goes_on(folder):
    server = _server(folder, idle=60)
    thread = _in_thread(server)
    try:
        with socket.socket(socket.AF_UNIX) as conn:
            conn.connect(str(server.path))
            conn.sendall(b"R\xff\xff\xff\xffnonsense")
            assert _closed_on_us(conn)
        with socket.socket(socket.AF_UNIX) as conn:
            conn.connect(str(server.path))
            protocol.send(conn, protocol.REQUEST, b"{not json")
            assert _closed_on_us(conn)
        assert [i["builds"] for i in client.server_infos()] == [0]
    finally:
        server.stop("test over")
        thread.join(10)


def test_a_stale_socket_is_removed_by_stop(folder):
    stale = folder / "gone.sock"
    listener = daemon.listen(stale)
    listener.close()  # a server killed without removing its socket
    assert stale.exists()
    assert client.stop_servers() == 0
    assert not stale.exists()


def test_the_relay_stands_in_for_the_clients_terminal():
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        relay = daemon._Relay(left, protocol.STDERR, threading.Lock(), tty=True, columns=123)
        display = progress.terminal_display(stream=relay)
        assert isinstance(display, progress.RichDisplay)
        assert display.console.width == 123
        relay.write("Report written\n")
        assert protocol.receive(right) == (protocol.STDERR, b"Report written\n")
        plain = daemon._Relay(left, protocol.STDOUT, threading.Lock(), tty=False, columns=None)
        assert progress.terminal_display(stream=plain) is progress.quiet
    plain.write("after the client left\n")  # dropped, not raised
