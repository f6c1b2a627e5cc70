"""The validated case kept in the output folder between builds (carebook.build.case_cache)."""

from __future__ import annotations

import json
import logging
import pickle
import shutil
from pathlib import Path

import pytest
from buildhelpers import make_case, notebooks_from

import carebook.case
from carebook.build import build, cache, case_cache
from carebook.build.pipeline import warm_up_code
from carebook.case import loader

MINIMAL = Path(__file__).resolve().parents[1] / "data" / "cases" / "minimal"


@pytest.fixture
def user_cache(tmp_path, monkeypatch):
    """Carebook's folder of the user's cache, in a temporary place."""
    folder = tmp_path / "user-cache" / "carebook"
    monkeypatch.setattr(case_cache, "user_cache_dir", lambda: folder)
    return folder


@pytest.fixture
def pickled_case(tmp_path):
    """A small Case pickled as carebook.case.loader.share writes it: (state, case)."""
    case = make_case(tmp_path / "case")
    path = tmp_path / "shared.pickle"
    path.write_bytes(pickle.dumps((("state",), case)))
    return case, path


class _Trap:
    """Unpickling this creates a file: the test sees whether anything was unpickled."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_kept_case_is_given_back_under_its_key_only(tmp_path, user_cache, pickled_case):
    case, shared = pickled_case
    kept = tmp_path / "out" / ".carebook-cache"
    assert case_cache.save(kept, "key-1", shared)
    assert case_cache.holds(kept, "key-1") and not case_cache.holds(kept, "key-2")
    again = case_cache.load(kept, "key-1")
    assert again.config == case.config and again.root == case.root
    assert case_cache.load(kept, "key-2") is None
    assert case_cache.load(tmp_path / "nowhere", "key-1") is None


def test_the_case_itself_never_goes_into_the_output_folder(tmp_path, user_cache, pickled_case):
    # A case can hold personal data in columns the report does not use (P2-17).
    _, shared = pickled_case
    out = tmp_path / "out"
    assert case_cache.save(out / ".carebook-cache", "key-1", shared)
    written = [p for p in out.rglob("*") if p.is_file()]
    assert [p.name for p in written] == [case_cache.KEY_FILE]
    assert b"stand-in" not in written[0].read_bytes()  # make_case's case.yaml text
    cases = list((user_cache / "cases").iterdir())
    assert len(cases) == 1 and cases[0].stat().st_mode & 0o777 == 0o600
    assert (user_cache / "cases").stat().st_mode & 0o777 == 0o700
    (user_cache / "cases").chmod(0o755)  # opened to others: not trusted any more
    assert case_cache.load(out / ".carebook-cache", "key-1") is None


def test_a_folder_keeps_one_case_and_the_cache_the_latest_few(
    tmp_path, user_cache, pickled_case, monkeypatch
):
    _, shared = pickled_case
    out = tmp_path / "out" / ".carebook-cache"
    for key in ("key-1", "key-2"):  # a rebuild with new case files replaces the old
        assert case_cache.save(out, key, shared)
    assert len(list((user_cache / "cases").iterdir())) == 1
    assert case_cache.load(out, "key-2") is not None
    monkeypatch.setattr(case_cache, "KEEP", 4)
    for n in range(case_cache.KEEP + 3):  # other output folders
        assert case_cache.save(tmp_path / f"out-{n}", f"key-{n}", shared)
    assert len(list((user_cache / "cases").iterdir())) == case_cache.KEEP
    assert case_cache.load(tmp_path / "out-0", "key-0") is None  # the oldest went first
    last = case_cache.KEEP + 2
    assert case_cache.load(tmp_path / f"out-{last}", f"key-{last}") is not None
    # And by size: past KEEP_BYTES only the newest stays.
    monkeypatch.setattr(case_cache, "KEEP_BYTES", shared.stat().st_size + 1)
    assert case_cache.save(tmp_path / "big", "key-big", shared)
    assert len(list((user_cache / "cases").iterdir())) == 1
    assert case_cache.load(tmp_path / "big", "key-big") is not None


def test_a_pickle_this_user_did_not_sign_is_never_unpickled(tmp_path, user_cache, pickled_case):
    import hashlib
    import hmac

    _, shared = pickled_case
    kept = tmp_path / "out" / ".carebook-cache"
    assert case_cache.save(kept, "key-1", shared)
    facts = json.loads((kept / case_cache.KEY_FILE).read_text())
    target = user_cache / "cases" / facts["file"]
    marker = tmp_path / "unpickled"
    target.write_bytes(pickle.dumps((None, _Trap(marker))))
    assert case_cache.load(kept, "key-1") is None  # the old signature does not match
    # Signed, but under another user's (another machine's) key.
    forged = hmac.new(b"x" * 32, target.read_bytes(), hashlib.sha256)
    facts["hmac"] = forged.hexdigest()
    (kept / case_cache.KEY_FILE).write_text(json.dumps(facts))
    assert case_cache.load(kept, "key-1") is None
    facts.pop("hmac")
    (kept / case_cache.KEY_FILE).write_text(json.dumps(facts))
    assert case_cache.load(kept, "key-1") is None
    assert not marker.exists()


def test_a_case_json_naming_another_file_is_refused(tmp_path, user_cache, pickled_case):
    _, shared = pickled_case
    one, two = tmp_path / "one", tmp_path / "two"
    assert case_cache.save(one, "key-1", shared) and case_cache.save(two, "key-2", shared)
    facts = json.loads((one / case_cache.KEY_FILE).read_text())
    # The other folder's (genuine) file and signature, claimed for this key.
    facts_two = json.loads((two / case_cache.KEY_FILE).read_text())
    forged = {**facts_two, "key": "key-1"}
    (one / case_cache.KEY_FILE).write_text(json.dumps(forged))
    assert case_cache.load(one, "key-1") is None  # the signature binds file and key
    for name in ("../../secret.pickle", "/etc/passwd", facts["file"].upper()):
        (one / case_cache.KEY_FILE).write_text(json.dumps({**facts, "file": name}))
        assert case_cache.load(one, "key-1") is None


def test_a_signing_key_others_can_read_is_refused_not_repaired(tmp_path, user_cache, pickled_case):
    _, shared = pickled_case
    key = case_cache.secret_key()
    assert key is not None and len(key) == 32
    assert case_cache.secret_key() == key  # made once, then read
    secret = user_cache / "case-signing.key"
    assert secret.stat().st_mode & 0o777 == 0o600
    assert user_cache.stat().st_mode & 0o777 == 0o700

    secret.chmod(0o644)
    assert case_cache.secret_key() is None
    assert not case_cache.save(tmp_path / "kept", "key-1", shared)
    secret.chmod(0o600)
    user_cache.chmod(0o770)
    assert case_cache.secret_key() is None
    user_cache.chmod(0o700)
    secret.unlink()
    secret.symlink_to(tmp_path / "elsewhere")
    (tmp_path / "elsewhere").write_bytes(b"y" * 32)
    (tmp_path / "elsewhere").chmod(0o600)
    assert case_cache.secret_key() is None


def test_the_key_follows_what_validation_reads():
    quick = {
        "case_dir": "/c", "case": {"survey.csv": "file:1"}, "source": {"a.py": "1"},
        "versions": {"pandas": "2"}, "environment": {}, "notebooks": {"10_a.ipynb": "file:1"},
        "parameters": "{}", "formats": ["html"], "chromium": None, "notebooks_dir": "/n",
    }  # fmt: skip
    key = case_cache.case_key(quick)
    # What the sections or the export read does not matter to validation.
    for name, value in [("notebooks", {}), ("parameters", '{"a": 1}'), ("formats", ["pdf"])]:
        assert case_cache.case_key({**quick, name: value}) == key
    for name, value in [
        ("case", {"survey.csv": "file:2"}),
        ("case_dir", "/d"),
        ("source", {"a.py": "2"}),
        ("versions", {"pandas": "3"}),
        ("environment", {"CAREBOOK_MAX_FILE_BYTES": "10"}),
    ]:
        assert case_cache.case_key({**quick, name: value}) != key, name


def test_warnings_of_a_kept_case_are_told_again(caplog):
    case = loader.validate(MINIMAL)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="carebook.case.problems"):
        loader.replay_warnings(case)
    assert [r.getMessage() for r in caplog.records] == [str(w) for w in case.warnings]


def test_a_kernel_yields_to_validation_only_while_the_case_may_be_invalid():
    assert "os.nice(5)" in warm_up_code()
    assert "os.nice(5)" not in warm_up_code(yield_to_validation=False)
    compile(warm_up_code(yield_to_validation=False), "<warm-up>", "exec")


def test_a_rebuild_after_a_code_edit_loads_the_kept_case_and_its_warnings(
    tmp_path, user_cache, monkeypatch, caplog
):
    case_dir = tmp_path / "case"
    shutil.copytree(MINIMAL, case_dir)
    survey = case_dir / "survey.csv"
    lines = survey.read_text(encoding="utf-8").splitlines()
    # An extra column is a warning, not a problem: the student must see it every build.
    survey.write_text(
        "\n".join([lines[0] + ",mood"] + [line + ",ok" for line in lines[1:]]) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", "findings.ipynb")
    real_validate = carebook.case.validate
    calls = []

    def counting_validate(folder):
        calls.append(Path(folder))
        return real_validate(folder)

    monkeypatch.setattr(carebook.case, "validate", counting_validate)

    def warnings_told():
        return [r.getMessage() for r in caplog.records if "mood" in r.getMessage()]

    with caplog.at_level(logging.WARNING):
        first = build(case_dir, out, notebooks_dir=nbs, formats=["html"])
        told = warnings_told()
        assert told and len(calls) == 1
        assert case_cache.holds(out / cache.CACHE_DIR, case_cache.case_key(
            cache.quick_record(case_dir, nbs, None, ["html"], None)))  # fmt: skip

        notebook = nbs / "20_findings.ipynb"
        doc = json.loads(notebook.read_text(encoding="utf-8"))
        code = next(
            c for c in doc["cells"] if c["cell_type"] == "code" and not c["metadata"].get("tags")
        )
        code["source"] = "".join(code["source"]) + "\n# edited"
        notebook.write_text(json.dumps(doc), encoding="utf-8")
        caplog.clear()
        second = build(case_dir, out, notebooks_dir=nbs, formats=["html"])
        assert len(calls) == 1  # not validated again
        assert warnings_told() == told  # ... yet the student is told the same
        status = {s.name: s.status for s in second.sections}
        assert status == {"10_intro.ipynb": "cached", "20_findings.ipynb": "executed"}
        assert second.case.config == first.case.config
        assert len(second.case.survey) == len(first.case.survey)

        # A changed case file is validated again, and the new case is kept.
        survey.write_text(survey.read_text(encoding="utf-8").replace(",ok\n", ",fine\n", 1))
        build(case_dir, out, notebooks_dir=nbs, formats=["html"])
        assert len(calls) == 2
        # --no-cache validates too.
        build(case_dir, out, notebooks_dir=nbs, formats=["html"], use_cache=False)
        assert len(calls) == 3
