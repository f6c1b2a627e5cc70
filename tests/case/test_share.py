"""Handing a validated case to another process (the build's kernels): share and prime."""

from __future__ import annotations

import os
import shutil

import pytest

from carebook.case import loader
from carebook.paths import SAMPLE_CASE


@pytest.fixture
def case_dir(tmp_path):
    target = tmp_path / "case"
    shutil.copytree(SAMPLE_CASE, target)
    return target


@pytest.fixture(autouse=True)
def empty_cache():
    loader.clear_cache()
    yield
    loader.clear_cache()


def _shared(case_dir, tmp_path):
    state = loader.folder_state(case_dir)
    case = loader.validate(case_dir)
    target = tmp_path / "shared.pickle"
    assert loader.share(case, case_dir, state, target)
    return case, target


def test_a_primed_cache_gives_the_shared_case_without_validating(case_dir, tmp_path, monkeypatch):
    case, target = _shared(case_dir, tmp_path)
    loader.clear_cache()  # as in a fresh kernel
    assert loader.prime(case_dir, target)

    def no_validation(root):
        raise AssertionError("validated again")

    monkeypatch.setattr(loader, "validate", no_validation)
    loaded = loader.load_case(case_dir)
    assert loaded.organisation == case.organisation
    assert loaded.survey.equals(case.survey)
    assert loaded.contacts.equals(case.contacts)


def test_a_file_changed_after_sharing_is_not_primed(case_dir, tmp_path):
    _, target = _shared(case_dir, tmp_path)
    loader.clear_cache()
    survey = case_dir / "survey.csv"
    survey.write_bytes(survey.read_bytes() + b"")  # same bytes, new time
    os.utime(survey, ns=(1, 1))
    assert not loader.prime(case_dir, target)
    assert not loader._cache  # load_case will validate the folder itself


def test_a_file_changed_while_validating_is_not_shared(case_dir, tmp_path):
    state = loader.folder_state(case_dir)
    case = loader.validate(case_dir)
    os.utime(case_dir / "case.yaml", ns=(1, 1))
    target = tmp_path / "shared.pickle"
    assert not loader.share(case, case_dir, state, target)
    assert not target.exists()


@pytest.mark.parametrize("content", [b"", b"not a pickle", None])
def test_an_unreadable_shared_file_is_ignored(case_dir, tmp_path, content):
    target = tmp_path / "shared.pickle"
    if content is not None:
        target.write_bytes(content)
    assert not loader.prime(case_dir, target)


def test_a_missing_folder_has_no_state_and_nothing_is_shared(tmp_path):
    assert loader.folder_state(tmp_path / "nowhere") is None
    assert not loader.share(object(), tmp_path / "nowhere", None, tmp_path / "x.pickle")
