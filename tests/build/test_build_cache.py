"""Incremental builds: what a section depends on, reuse, invalidation, --explain wording."""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from buildhelpers import notebooks_from, sha256_tree, write_notebook
from nbformat.v4 import new_output
from papermill.inspection import inspect_notebook

import carebook.case
import carebook.checks
from carebook import paths
from carebook.build import build, cache, execute, sections
from carebook.build.normalize import normalize
from carebook.build.pipeline import _prepare
from carebook.build.verify import SENTINEL_MARK, is_sentinel

DEPS = {
    "inputs": {"case.yaml": "a" * 64, "survey.csv": "b" * 64},
    "source": {"servqual.py": "c" * 64, "templates/report/cover.html.j2": "d" * 64},
    "versions": {"python": "3.11.7", "pandas": "3.1.0", "numpy": "2.4.6"},
    "environment": {"SOURCE_DATE_EPOCH": "1746489600", "TZ": "UTC"},
}


def _job(folder: Path, *sources: str, markdown: str = "## Section", **params):
    write_notebook(folder / "10_s.ipynb", *sources, markdown=markdown)
    (section,) = sections.discover(folder)
    return _prepare(section, {"case_dir": "../case", **params})


def _ran(job):
    """A verified-looking run of *job*: every code cell counted, with one stdout line."""
    nb = copy.deepcopy(job.nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for n, cell in enumerate(code, start=1):
        cell.execution_count = n
        text = SENTINEL_MARK if is_sentinel(cell) else f"output of cell {n}"
        cell.outputs = [new_output("stream", name="stdout", text=text + "\n")]
    return nb


def _cache(out: Path, job, *, read: bool = True, **changes):
    deps = {k: {**v, **changes.get(k, {})} for k, v in DEPS.items()}
    record = cache.section_record(job.nb, job.parameters, **deps)
    return cache.SectionCache(out, {job.name: record}, normalize=normalize, read=read)


def test_an_unchanged_section_is_reused_with_its_outputs(tmp_path):
    job = _job(tmp_path / "nbs", "x = 1")
    _cache(tmp_path / "out", job).put(job, _ran(job))
    again = _cache(tmp_path / "out", job)
    decision = again.decide(job)
    assert (decision.reuse, decision.reason) == (True, "unchanged")
    nb = again.get(job)
    assert "output of cell 3" in json.dumps(nb.cells[-1].outputs)  # params, injected, x = 1
    assert not any(is_sentinel(c) for c in nb.cells)


def test_entries_live_in_the_output_folder_not_in_executed(tmp_path):
    job = _job(tmp_path / "nbs", "x = 1")
    store = _cache(tmp_path / "out", job)
    store.put(job, _ran(job))
    (entry,) = (tmp_path / "out" / ".carebook-cache" / "sections" / "10_s").iterdir()
    assert entry.name == f"{store.keys[job.name]}.json"
    assert not (tmp_path / "out" / "executed").exists()


@pytest.mark.parametrize(
    ("kind", "change", "reason"),
    [
        ("parameter", {}, "parameter quotes_per_theme changed"),
        ("case file", {"inputs": {"survey.csv": "e" * 64}}, "case file survey.csv changed"),
        ("case file", {"inputs": {"benchmark.csv": "f" * 64}}, "case file benchmark.csv added"),
        (
            "source",
            {"source": {"servqual.py": "0" * 64}},
            "carebook source changed (servqual.py)",
        ),
        (
            "source",
            {"source": {"templates/report/cover.html.j2": "0" * 64}},
            "carebook source changed (templates/report/cover.html.j2)",
        ),
        (
            "versions",
            {"versions": {"pandas": "3.1.1"}},
            "installed versions changed (pandas 3.1.0 → 3.1.1)",
        ),
        (
            "environment",
            {"environment": {"SOURCE_DATE_EPOCH": "1700000000"}},
            "kernel environment changed (SOURCE_DATE_EPOCH)",
        ),
    ],
)
def test_each_dependency_invalidates_and_is_named(tmp_path, kind, change, reason):
    job = _job(tmp_path / "nbs", "x = 1", quotes_per_theme=2)
    _cache(tmp_path / "out", job).put(job, _ran(job))
    if kind == "parameter":
        job = _job(tmp_path / "nbs", "x = 1", quotes_per_theme=3)
    store = _cache(tmp_path / "out", job, **change)
    decision = store.decide(job)
    assert (decision.reuse, decision.reason) == (False, reason)
    assert store.get(job) is None


def test_a_code_edit_invalidates(tmp_path):
    job = _job(tmp_path / "nbs", "x = 1")
    _cache(tmp_path / "out", job).put(job, _ran(job))
    edited = _job(tmp_path / "nbs", "x = 2")
    assert _cache(tmp_path / "out", edited).decide(edited).reason == "notebook code changed"


def test_a_markdown_edit_reuses_outputs_under_the_new_text(tmp_path):
    job = _job(tmp_path / "nbs", "x = 1", markdown="## Old heading")
    _cache(tmp_path / "out", job).put(job, _ran(job))
    edited = _job(tmp_path / "nbs", "x = 1", markdown="## New heading")
    store = _cache(tmp_path / "out", edited)
    decision = store.decide(edited)
    assert (decision.reuse, decision.reason) == (True, "only Markdown changed; outputs reused")
    nb = store.get(edited)
    assert nb.cells[0].source == "## New heading"
    assert "output of cell 3" in json.dumps(nb.cells[-1].outputs)


def test_several_changes_are_all_named(tmp_path):
    job = _job(tmp_path / "nbs", "x = 1")
    _cache(tmp_path / "out", job).put(job, _ran(job))
    edited = _job(tmp_path / "nbs", "x = 2")
    changes = {"versions": {"numpy": "2.5.0"}, "inputs": {"case.yaml": "9" * 64}}
    assert _cache(tmp_path / "out", edited, **changes).decide(edited).reason == (
        "notebook code changed; case file case.yaml changed; "
        "installed versions changed (numpy 2.4.6 → 2.5.0)"
    )


def test_no_entry_means_no_cached_run(tmp_path):
    job = _job(tmp_path / "nbs", "x = 1")
    assert _cache(tmp_path / "out", job).decide(job).reason == "no cached run"


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(b"\x00 not json"),
        lambda p: p.write_text("{}", encoding="utf-8"),
        lambda p: p.write_text(p.read_text(encoding="utf-8")[:200], encoding="utf-8"),
        lambda p: p.write_text(
            p.read_text(encoding="utf-8").replace(
                '"execution_count": 3', '"execution_count": null'
            ),
            encoding="utf-8",
        ),
    ],
    ids=["binary", "empty object", "truncated", "not a complete run"],
)
def test_a_corrupt_entry_is_a_logged_miss(tmp_path, caplog, damage):
    job = _job(tmp_path / "nbs", "x = 1")
    store = _cache(tmp_path / "out", job)
    store.put(job, _ran(job))
    damage(
        tmp_path / "out" / ".carebook-cache" / "sections" / "10_s" / f"{store.keys[job.name]}.json"
    )
    with caplog.at_level(logging.WARNING, logger="carebook.build.cache"):
        decision = _cache(tmp_path / "out", job).decide(job)
    assert not decision.reuse
    assert "cache entry" in caplog.text


def test_an_entry_whose_record_does_not_match_is_a_miss(tmp_path):
    job = _job(tmp_path / "nbs", "x = 1")
    store = _cache(tmp_path / "out", job)
    store.put(job, _ran(job))
    path = (
        tmp_path / "out" / ".carebook-cache" / "sections" / "10_s" / f"{store.keys[job.name]}.json"
    )
    entry = json.loads(path.read_text(encoding="utf-8"))
    entry["record"]["versions"]["pandas"] = "0.0"  # e.g. a file copied in from elsewhere
    path.write_text(json.dumps(entry), encoding="utf-8")
    assert not _cache(tmp_path / "out", job).decide(job).reuse


def test_a_failed_run_is_never_stored(tmp_path):
    job = _job(tmp_path / "nbs", "1/0")
    failed = _ran(job)
    failed.cells[3].outputs = [
        new_output("error", ename="ZeroDivisionError", evalue="x", traceback=[])
    ]
    _cache(tmp_path / "out", job).put(job, failed)
    stopped = _ran(job)
    stopped.cells[-1].outputs = []  # the sentinel never printed: sys.exit() half-way
    _cache(tmp_path / "out", job).put(job, stopped)
    assert not (tmp_path / "out" / ".carebook-cache").exists()


def test_no_cache_ignores_entries_but_still_stores(tmp_path):
    job = _job(tmp_path / "nbs", "x = 1")
    _cache(tmp_path / "out", job).put(job, _ran(job))
    forced = _cache(tmp_path / "out", job, read=False)
    assert forced.decide(job).reason == "cache not used (--no-cache)"
    assert forced.get(job) is None


def test_old_entries_are_pruned(tmp_path):
    for n in range(cache.KEEP_PER_SECTION + 3):
        job = _job(tmp_path / "nbs", f"x = {n}")
        _cache(tmp_path / "out", job).put(job, _ran(job))
    folder = tmp_path / "out" / ".carebook-cache" / "sections" / "10_s"
    assert len(list(folder.iterdir())) == cache.KEEP_PER_SECTION


def test_source_record_covers_data_and_templates_but_not_bytecode(tmp_path):
    pkg = tmp_path / "carebook"
    (pkg / "data").mkdir(parents=True)
    (pkg / "templates").mkdir()
    (pkg / "__pycache__").mkdir()
    (pkg / "servqual.py").write_text("x = 1\n")
    (pkg / "data" / "codebook.yaml").write_text("themes: {}\n")
    (pkg / "templates" / "print.css").write_text("@page { size: A4 }\n")
    (pkg / "__pycache__" / "servqual.cpython-311.pyc").write_bytes(b"\x00")
    record = cache.source_record(pkg)
    assert sorted(record) == ["data/codebook.yaml", "servqual.py", "templates/print.css"]
    (pkg / "data" / "codebook.yaml").write_text("themes: {network: {}}\n")
    assert cache.source_record(pkg)["data/codebook.yaml"] != record["data/codebook.yaml"]


def test_source_record_of_the_installed_package_has_its_data_files():
    record = cache.source_record()
    assert "build/cache.py" in record
    assert any(name.startswith("templates/") for name in record)
    assert any(name.startswith("data/") for name in record)


def test_environment_record_keeps_what_changes_output():
    env = {
        "SOURCE_DATE_EPOCH": "1",
        "TZ": "UTC",
        "CAREBOOK_MAX_FILE_BYTES": "10",
        "PYTHONPATH": "/x",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/m",
        "PATH": "/usr/bin",
        "HOME": "/home/ann",
    }
    assert sorted(cache.environment_record(env)) == [
        "CAREBOOK_MAX_FILE_BYTES",
        "MPLBACKEND",
        "PYTHONPATH",
        "SOURCE_DATE_EPOCH",
        "TZ",
    ]


def test_the_key_is_stable_and_follows_the_record():
    record = {"schema": 1, "parameters": {"b": 1, "a": "007"}}
    same = {"parameters": {"a": "007", "b": 1}, "schema": 1}
    assert cache.record_key(record) == cache.record_key(same)
    assert cache.record_key(record) != cache.record_key({**record, "parameters": {"a": "7"}})


# --- whole builds (kernels) -------------------------------------------------------------


def _no_kernels(monkeypatch, *, guess_allowed=False):
    """Refuse kernels; with *guess_allowed*, an early start on a guess is a no-op instead."""

    async def refuse(self):
        raise AssertionError("a kernel was started")

    def refuse_early(self, count, warm_up=None, preload=None):
        # Started early, a kernel's failure to start would only be logged: refuse here.
        if count and not guess_allowed:
            raise AssertionError(f"{count} kernel(s) started before the case was read")

    monkeypatch.setattr(execute._KernelWorker, "ensure_kernel", refuse)
    monkeypatch.setattr(execute.KernelPool, "start", refuse_early)
    # A zygote only imports (it runs no section); none is needed where no kernel starts.
    monkeypatch.setattr(execute.KernelPool, "start_zygote", lambda self, preload: None)


def _status(result):
    return {s.name: (s.status, s.reason) for s in result.sections}


@pytest.mark.slow
def test_nothing_changed_starts_no_kernel_and_leaves_the_files(tmp_path, case_factory, monkeypatch):
    case = case_factory()
    out = tmp_path / "out"
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", "findings.ipynb")
    first = build(case, out, notebooks_dir=nbs, formats=["html"], params={"label": "007"})
    assert _status(first) == {
        "10_intro.ipynb": ("executed", "no cached run"),
        "20_findings.ipynb": ("executed", "no cached run"),
    }
    # The values used are recorded in executed/ (papermill metadata) and the footer.
    executed = nbformat.read(out / "executed" / "10_intro.ipynb", as_version=4)
    assert executed.metadata.papermill.parameters == {"case_dir": "../case", "label": "007"}
    assert "Parameters: label = '007'." in (out / "report.html").read_text(encoding="utf-8")
    before = sha256_tree(out)
    mtime = (out / "report.html").stat().st_mtime_ns

    _no_kernels(monkeypatch)
    second = build(case, out, notebooks_dir=nbs, formats=["html"], params={"label": "007"})
    assert second.up_to_date
    assert {s.status for s in second.sections} == {"cached"}
    assert second.sections[0].reason == "nothing changed since the last build"
    assert sha256_tree(out) == before
    assert (out / "report.html").stat().st_mtime_ns == mtime  # not even rewritten


@pytest.mark.slow
def test_a_tampered_report_is_rebuilt_from_the_cache_without_kernels(
    tmp_path, case_factory, monkeypatch
):
    case = case_factory()
    out = tmp_path / "out"
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb")
    build(case, out, notebooks_dir=nbs, formats=["html"])
    before = sha256_tree(out)
    (out / "report.html").write_text("edited by hand", encoding="utf-8")
    _no_kernels(monkeypatch)
    result = build(case, out, notebooks_dir=nbs, formats=["html"])
    assert not result.up_to_date and _status(result)["10_intro.ipynb"] == ("cached", "unchanged")
    assert sha256_tree(out) == before


@pytest.mark.slow
def test_markdown_edit_reuses_runs_and_matches_an_uncached_build(
    tmp_path, case_factory, monkeypatch
):
    case = case_factory()
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", "findings.ipynb")
    build(case, tmp_path / "out", notebooks_dir=nbs, formats=["html"])
    nb = nbformat.read(nbs / "20_findings.ipynb", as_version=4)
    nb.cells[0].source = "## 2 Findings, revised"
    nbformat.write(nb, nbs / "20_findings.ipynb")

    with monkeypatch.context() as patched:
        _no_kernels(patched)
        cached = build(case, tmp_path / "out", notebooks_dir=nbs, formats=["html"])
    assert _status(cached)["20_findings.ipynb"] == (
        "cached",
        "only Markdown changed; outputs reused",
    )
    assert "Findings, revised" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    fresh = build(case, tmp_path / "fresh", notebooks_dir=nbs, formats=["html"], use_cache=False)
    assert {s.status for s in fresh.sections} == {"executed"}
    assert fresh.sections[0].reason == "cache not used (--no-cache)"
    assert sha256_tree(tmp_path / "out") == sha256_tree(tmp_path / "fresh")


@pytest.mark.slow
def test_only_the_changed_notebook_runs_again(tmp_path, case_factory):
    case = case_factory()
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", "findings.ipynb")
    build(case, tmp_path / "out", notebooks_dir=nbs, formats=["html"])
    nb = nbformat.read(nbs / "20_findings.ipynb", as_version=4)
    nb.cells[-1].source = "3 + 5"
    nbformat.write(nb, nbs / "20_findings.ipynb")
    result = build(case, tmp_path / "out", notebooks_dir=nbs, formats=["html"])
    assert _status(result) == {
        "10_intro.ipynb": ("cached", "unchanged"),
        "20_findings.ipynb": ("executed", "notebook code changed"),
    }
    build(case, tmp_path / "fresh", notebooks_dir=nbs, formats=["html"], use_cache=False)
    assert sha256_tree(tmp_path / "out") == sha256_tree(tmp_path / "fresh")


@pytest.mark.slow
def test_each_kind_of_dependency_reruns_the_sections_that_depend_on_it(
    tmp_path, case_factory, monkeypatch
):
    root = case_factory()
    case = carebook.case.validate(root)
    out = tmp_path / "out"
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", "findings.ipynb")

    def rebuild(**params):
        return _status(build(root, out, notebooks_dir=nbs, formats=["html"], params=params))

    rebuild()
    # A parameter only one section declares: the other section is reused.
    assert rebuild(label="008") == {
        "10_intro.ipynb": ("executed", "parameter label changed"),
        "20_findings.ipynb": ("cached", "unchanged"),
    }
    # seed is declared by both sections.
    assert {s for s, _ in rebuild(label="008", seed="2").values()} == {"executed"}

    source = cache.source_record()
    monkeypatch.setattr(cache, "source_record", lambda: {**source, "servqual.py": "0" * 64})
    assert set(rebuild(label="008", seed="2").values()) == {
        ("executed", "carebook source changed (servqual.py)")
    }

    versions = cache.version_record()
    monkeypatch.setattr(cache, "version_record", lambda: {**versions, "pandas": "99.0"})
    assert set(rebuild(label="008", seed="2").values()) == {
        ("executed", f"installed versions changed (pandas {versions['pandas']} → 99.0)")
    }

    monkeypatch.setenv("CAREBOOK_EXPERIMENT", "1")
    assert set(rebuild(label="008", seed="2").values()) == {
        ("executed", "kernel environment changed (CAREBOOK_EXPERIMENT)")
    }

    # The quick up-to-date check reads the files themselves, so the file really changes
    # on disk (a YAML comment) and the stand-in validate() reports the new hash.
    with open(root / "case.yaml", "a", encoding="utf-8") as handle:
        handle.write("# edited\n")
    changed = dataclasses.replace(
        case,
        inputs={"case.yaml": dataclasses.replace(case.inputs["case.yaml"], sha256="1" * 64)},
    )
    monkeypatch.setattr(carebook.case, "validate", lambda case_dir: changed)
    # case.yaml also fixes the build date (SOURCE_DATE_EPOCH) when it gives no submission
    # date; this case gives one, so only the file itself is named.
    assert set(rebuild(label="008", seed="2").values()) == {
        ("executed", "case file case.yaml changed")
    }


@pytest.mark.slow
def test_a_failed_section_is_not_cached(tmp_path, case_factory):
    from carebook.errors import SectionFailed

    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", "raises.ipynb")
    with pytest.raises(SectionFailed):
        build(case_factory(), tmp_path / "out", notebooks_dir=nbs, formats=["html"], jobs=1)
    sections_dir = tmp_path / "out" / ".carebook-cache" / "sections"
    assert list((sections_dir / "10_intro").glob("*.json"))  # the good section was kept
    assert not (sections_dir / "20_raises").exists()


@pytest.mark.slow
def test_explain_prints_each_section_and_why(tmp_path, case_factory, monkeypatch, capsys):
    from carebook import cli

    case = case_factory()
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", "findings.ipynb")
    monkeypatch.setattr(carebook.checks, "run_checks", _no_checks)
    argv = ["build", str(case), "--out", str(tmp_path / "out"), "--notebooks", str(nbs)]
    argv += ["--format", "html", "--explain"]
    assert cli.main(argv) == 0
    assert cli.main([*argv, "-p", "label", "x"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-3:] == [
        "10_intro.ipynb     executed  parameter label changed",
        "20_findings.ipynb  reused    unchanged",
        "report: assembled and exported",
    ]
    assert cli.main([*argv, "-p", "label", "x", "--force"]) == 0
    assert "20_findings.ipynb  executed  cache not used (--no-cache)" in capsys.readouterr().out


class _NoChecks:
    def summary_line(self) -> str:
        return "checks skipped in this test"


def _no_checks(*args, **kwargs):
    return _NoChecks()


# --- parameters: papermill's own help ---------------------------------------------------

SECTION_NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob(sections.SECTION_GLOB))


@pytest.mark.parametrize("path", SECTION_NOTEBOOKS, ids=lambda p: p.name)
def test_papermill_help_notebook_lists_every_parameter_with_help(path):
    papermill = Path(sys.executable).with_name("papermill")
    shown = subprocess.run(
        [str(papermill), "--help-notebook", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    flat = " ".join(shown.split())
    declared = inspect_notebook(str(path))
    assert declared, f"{path.name} declares no parameters"
    for name, info in declared.items():
        assert info["help"].strip(), f"{path.name}: parameter {name} has no help comment"
        assert f"{name}: " in flat
        assert " ".join(info["help"].split()) in flat


# --- the quick up-to-date check (no validation, no heavy imports) ------------------------


@pytest.mark.slow
def test_quick_check_skips_validation_only_while_every_byte_is_the_same(
    tmp_path, case_factory, stand_ins, monkeypatch
):
    root = case_factory()
    out = tmp_path / "out"
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", "findings.ipynb")

    def rebuild():
        return build(root, out, notebooks_dir=nbs, formats=["html"])

    rebuild()
    validated = len(stand_ins["validate"])
    _no_kernels(monkeypatch)
    again = rebuild()
    assert again.up_to_date and again.case is None
    assert len(stand_ins["validate"]) == validated  # nothing parsed the case again

    # Each of these must send the build down the full path, which validates the case.
    # Without a readable quick record the build guesses every section will run and may
    # start kernels early; none may run a section.
    _no_kernels(monkeypatch, guess_allowed=True)
    (out / cache.CACHE_DIR / cache.QUICK_FILE).write_text("{not json", encoding="utf-8")
    assert rebuild().up_to_date  # still up to date, found the long way
    # ... with the case the first build validated and kept (carebook.build.case_cache)
    assert len(stand_ins["validate"]) == validated
    assert rebuild().case is None  # ... and the quick record was stored again
    (out / cache.CACHE_DIR / cache.QUICK_FILE).write_text("{not json", encoding="utf-8")
    (out / cache.CACHE_DIR / "case.json").unlink()  # no kept case: validated again
    assert rebuild().up_to_date
    assert len(stand_ins["validate"]) == validated + 1

    config = root / "case.yaml"
    data = config.read_bytes()
    config.unlink()
    (tmp_path / "elsewhere.yaml").write_bytes(data)
    config.symlink_to(tmp_path / "elsewhere.yaml")  # same bytes, but now a link
    rebuild()
    assert len(stand_ins["validate"]) == validated + 2


def test_folder_record_tells_content_links_and_folders_apart(tmp_path):
    (tmp_path / "a.csv").write_text("x\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.csv").symlink_to(tmp_path / "a.csv")
    record = cache.folder_record(tmp_path)
    assert record["sub"] == "dir" and record["link.csv"].startswith("link:")
    assert record["a.csv"] == "file:" + __import__("hashlib").sha256(b"x\n").hexdigest()
    (tmp_path / "a.csv").write_text("y\n", encoding="utf-8")
    assert cache.folder_record(tmp_path)["a.csv"] != record["a.csv"]
    assert cache.folder_record(tmp_path / "missing") == {}


@pytest.mark.parametrize(
    ("jobs", "cpus", "rows", "expected"),
    [
        (None, 2, 70_000, 2),  # the sample: one kernel per core
        (None, 8, 70_000, 6),  # never more kernels than sections
        (None, 2, 2_000_000, 1),  # a large case: one kernel, to stay in memory
        (3, 2, 2_000_000, 3),  # --jobs is always honoured
        (None, None, 10, 1),
    ],
)
def test_default_workers(jobs, cpus, rows, expected):
    from carebook.build.pipeline import default_workers

    assert default_workers(jobs, cpus, rows, 6) == expected


def test_a_file_digest_is_read_again_whenever_the_file_may_have_changed(tmp_path, monkeypatch):
    import hashlib
    import os
    import time

    data = tmp_path / "survey.csv"
    data.write_bytes(b"id,q1\n1,5\n")
    reads = []
    real_open = open

    def counted_open(file, *args, **kwargs):
        if os.fspath(file) == os.fspath(data):
            reads.append(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counted_open)
    monkeypatch.setattr(cache, "_digests", {})
    # Just written: it may still change within the clock's granularity, so not kept.
    first = cache.file_sha256(data)
    assert first == hashlib.sha256(b"id,q1\n1,5\n").hexdigest()
    cache.file_sha256(data)
    assert len(reads) == 2
    # Settled: kept, and not read again while nothing about it changes.
    monkeypatch.setattr(cache, "SETTLED_NS", -(10**12))
    cache.file_sha256(data)
    cache.file_sha256(data)
    assert len(reads) == 3
    # Same size, modification time set back: the change time still moved, so it is read.
    # (A moment later: within the clock's granularity the change time may not move, which
    # is what SETTLED_NS, set aside here, guards against.)
    stat = data.stat()
    time.sleep(0.05)
    data.write_bytes(b"id,q1\n1,4\n")
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert data.stat().st_size == stat.st_size and data.stat().st_mtime_ns == stat.st_mtime_ns
    assert cache.file_sha256(data) == hashlib.sha256(b"id,q1\n1,4\n").hexdigest()
    assert len(reads) == 4
    # Replaced by another file (an editor's save): another inode, read again.
    other = tmp_path / "new.csv"
    other.write_bytes(b"id,q1\n1,3\n")
    other.replace(data)
    assert cache.file_sha256(data) == hashlib.sha256(b"id,q1\n1,3\n").hexdigest()


def test_the_case_record_sees_an_edit_that_keeps_size_and_time(tmp_path, monkeypatch):
    import os
    import time

    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "case.yaml").write_text("a: 1\n", encoding="utf-8")
    monkeypatch.setattr(cache, "_digests", {})
    monkeypatch.setattr(cache, "SETTLED_NS", -(10**12))  # every digest kept
    before = cache.folder_record(folder)
    assert cache.folder_record(folder) == before
    stat = (folder / "case.yaml").stat()
    time.sleep(0.05)
    (folder / "case.yaml").write_text("a: 2\n", encoding="utf-8")
    os.utime(folder / "case.yaml", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert cache.folder_record(folder) != before
