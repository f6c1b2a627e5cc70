"""manifest.json's software record: package versions, looked up once per install state."""

from __future__ import annotations

import os
from importlib import metadata

from carebook.build import manifest


def _count_lookups(monkeypatch) -> list[str]:
    looked_up: list[str] = []
    real = metadata.version

    def version(name: str) -> str:
        looked_up.append(name)
        return real(name)

    monkeypatch.setattr(manifest.metadata, "version", version)
    monkeypatch.setattr(manifest, "_last_lookup", None)
    return looked_up


def test_versions_are_read_once_while_nothing_is_installed(monkeypatch):
    looked_up = _count_lookups(monkeypatch)
    first = manifest.package_versions()
    assert len(looked_up) == len(manifest.PACKAGES)
    first["pandas"] = "edited by a caller"
    again = manifest.package_versions()
    assert len(looked_up) == len(manifest.PACKAGES)  # nothing read again
    assert again["pandas"] == metadata.version("pandas")  # a copy was handed out
    assert again["python"] and again["carebook"]


def test_versions_are_read_again_after_an_install(tmp_path, monkeypatch):
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    looked_up = _count_lookups(monkeypatch)
    manifest.package_versions()
    # What pip does to the folder: a NAME-VERSION.dist-info folder appears in it (the
    # time is moved on by hand, as seconds pass between a build and an install).
    (site / "unrelated-1.0.dist-info").mkdir()
    stat = site.stat()
    os.utime(site, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    manifest.package_versions()
    assert len(looked_up) == 2 * len(manifest.PACKAGES)


def test_versions_are_read_again_when_the_import_path_changes(tmp_path, monkeypatch):
    looked_up = _count_lookups(monkeypatch)
    manifest.package_versions()
    monkeypatch.syspath_prepend(str(tmp_path))
    manifest.package_versions()
    assert len(looked_up) == 2 * len(manifest.PACKAGES)


def test_other_names_are_not_answered_from_the_last_lookup(monkeypatch):
    _count_lookups(monkeypatch)
    manifest.package_versions()
    assert manifest.package_versions(["carebook"]).keys() == {"python", "carebook"}
