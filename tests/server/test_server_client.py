"""Starting a build server from a build."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from carebook.server import address, client


@pytest.fixture
def folder(monkeypatch):
    """A private servers' folder with a short path (socket paths are limited)."""
    path = Path(tempfile.mkdtemp(prefix="cbs-", dir="/tmp"))
    monkeypatch.setenv("CAREBOOK_SERVER_DIR", str(path))
    yield path
    client.stop_servers()
    shutil.rmtree(path, ignore_errors=True)


def test_a_server_that_does_not_listen_in_time_is_ended_and_the_build_runs_here(
    folder, monkeypatch
):
    monkeypatch.setattr(client, "_START_SECONDS", 0.0)
    path = address.socket_path(folder, "slow")
    assert client._start(folder, "slow", path, None) is None
    process = client._started[-1]
    assert process.wait(timeout=30) != 0  # killed, not left to linger without a socket


def test_a_started_server_is_announced_and_reused(folder):
    path = address.socket_path(folder, "k")
    said: list[str] = []

    class Say:
        def write(self, text: str) -> None:
            said.append(text)

    first = client._start(folder, "k", path, Say())
    assert first is not None
    first.close()
    assert said and said[0].startswith("Started a build server")
    again = client._start(folder, "k", path, Say())  # already listening: nothing started
    assert again is not None
    again.close()
    assert len(said) == 1
    assert [i["socket"] for i in client.server_infos()] == [str(path)]
