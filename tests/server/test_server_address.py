"""Which build server a build may use, and where servers listen."""

from __future__ import annotations

import os
import stat

import pytest

from carebook import paths
from carebook.server import address


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, True),
        ({"CAREBOOK_SERVER": "0"}, False),
        ({"CAREBOOK_SERVER": "off"}, False),
        ({"CAREBOOK_SERVER": "No"}, False),
        ({"CI": "true"}, False),
        ({"CI": "1"}, False),
        ({"CI": "false"}, True),
        ({"CI": "true", "CAREBOOK_SERVER": "1"}, True),
        ({"CAREBOOK_SERVER": "yes"}, True),
    ],
)
def test_servers_are_on_by_default_off_on_ci_and_as_the_variable_says(env, expected):
    assert address.enabled(env) is expected


@pytest.mark.parametrize(
    ("value", "expected"), [("", 900.0), ("2", 2.0), ("0.5", 0.5), ("-3", 900.0), ("soon", 900.0)]
)
def test_idle_seconds_reads_the_variable_and_ignores_nonsense(value, expected):
    assert address.idle_seconds({"CAREBOOK_SERVER_IDLE": value}) == expected


def test_a_new_folder_is_made_private(tmp_path):
    folder = address.runtime_dir({"CAREBOOK_SERVER_DIR": str(tmp_path / "servers")})
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700


def test_a_folder_open_to_others_is_refused(tmp_path):
    folder = tmp_path / "servers"
    folder.mkdir()
    folder.chmod(0o777)
    with pytest.raises(address.UnsafeFolder, match="open to other users"):
        address.runtime_dir({"CAREBOOK_SERVER_DIR": str(folder)})


def test_a_symbolic_link_is_refused_even_to_a_private_folder(tmp_path):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "servers"
    link.symlink_to(real)
    with pytest.raises(address.UnsafeFolder, match="not a folder"):
        address.runtime_dir({"CAREBOOK_SERVER_DIR": str(link)})


def test_a_file_in_the_folders_place_is_refused(tmp_path):
    (tmp_path / "servers").write_text("", encoding="utf-8")
    with pytest.raises(address.UnsafeFolder):
        address.runtime_dir({"CAREBOOK_SERVER_DIR": str(tmp_path / "servers")})


def test_the_key_follows_the_environment_but_not_the_shells_own_variables():
    base = {"PATH": "/usr/bin", "HOME": "/home/student"}
    key = address.server_key(base)
    assert address.server_key({**base, "PWD": "/elsewhere", "SHLVL": "3", "COLUMNS": "200"}) == key
    # make report, then carebook build by hand: one server
    assert address.server_key({**base, "MAKEFLAGS": "s", "MAKELEVEL": "1", "MFLAGS": "-s"}) == key
    assert address.server_key({**base, "PYTHONPATH": "/tmp/other"}) != key
    assert address.server_key({**base, "PATH": "/opt/bin:/usr/bin"}) != key


def test_the_fingerprint_changes_when_a_source_file_changes(tmp_path, monkeypatch):
    package = tmp_path / "carebook"
    (package / "__pycache__").mkdir(parents=True)
    module = package / "module.py"
    module.write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(paths, "PACKAGE_DIR", package)
    before = address.code_fingerprint()
    (package / "__pycache__" / "module.cpython-311.pyc").write_bytes(b"compiled")
    assert address.code_fingerprint() == before  # Python's own caches do not count
    module.write_text("x = 22\n", encoding="utf-8")
    assert address.code_fingerprint() != before


def test_the_fingerprint_changes_when_a_package_is_installed(tmp_path, monkeypatch):
    site_dir = tmp_path / "site-packages"
    site_dir.mkdir()
    monkeypatch.setattr(address.site, "getsitepackages", lambda: [str(site_dir)])
    before = address.code_fingerprint()
    (site_dir / "newpackage-1.0.dist-info").mkdir()
    os.utime(site_dir, ns=(1, 1))  # a new entry moves the folder's time; make sure it did
    assert address.code_fingerprint() != before


def test_a_socket_path_too_long_for_the_platform_is_not_used(tmp_path):
    assert address.socket_path(tmp_path / ("x" * 120), "k") is None
    assert address.socket_path(tmp_path, "abc") == tmp_path / "abc.sock"
