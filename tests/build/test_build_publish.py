"""End-to-end builds: artefacts, atomic publishing, the lock, and a killed build."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest
from buildhelpers import notebooks_from, previous_report, sha256_tree, write_notebook

from carebook.build import build
from carebook.build.manifest import sha256_file
from carebook.build.publish import LOCK_NAME, OutputLock, publish, remove_stale_staging
from carebook.errors import BuildLocked, SectionFailed

HERE = Path(__file__).resolve().parent


@pytest.mark.slow
def test_good_build_then_failing_build_then_good_build(tmp_path, case_factory, monkeypatch):
    monkeypatch.setenv("CAREBOOK_CHROMIUM", "")  # the PDF engines have their own tests
    case = case_factory()
    out = tmp_path / "out"
    good = notebooks_from(tmp_path / "good", "intro.ipynb", "findings.ipynb")
    result = build(case, out, notebooks_dir=good, params={"label": "007"})
    assert result.formats == ("html", "pdf") and result.pdf_engine == "weasyprint"
    assert {p.name for p in out.iterdir()} == {
        LOCK_NAME, "report.html", "report.pdf", "metrics.json", "manifest.json", "executed",
        ".carebook-cache",
    }  # fmt: skip
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "label 007" in html and "Table 1.1: Contacts" in html
    assert "display(" not in html and "case_dir" not in html  # no code
    assert "a stream line" not in html  # streams stay in executed/
    for executed in (out / "executed").iterdir():
        assert str(tmp_path) not in executed.read_text(encoding="utf-8")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for name, entry in manifest["outputs"].items():
        assert sha256_file(out / name) == entry["sha256"]
    assert manifest["parameters"] == {"case_dir": "../case", "label": "007"}
    assert manifest["source_date_epoch"] == 1746489600  # 2025-05-06T00:00:00Z
    assert (
        json.loads((out / "metrics.json").read_text(encoding="utf-8"))["organisation"]
        == "Example Mobile"
    )
    first = sha256_tree(out)

    bad = notebooks_from(tmp_path / "bad", "intro.ipynb", "raises.ipynb")
    with pytest.raises(SectionFailed):
        build(case, out, notebooks_dir=bad)
    assert sha256_tree(out) == first
    assert (out / "failed" / "20_raises.ipynb").exists()

    build(case, out, notebooks_dir=good, params={"label": "008"}, formats=["html"])
    assert "label 008" in (out / "report.html").read_text(encoding="utf-8")
    assert not (out / "report.pdf").exists()  # not asked for: an older PDF is not left behind
    assert not (out / "failed").exists()
    assert not list(out.glob(".staging-*"))


def test_lock_is_exclusive(tmp_path):
    with OutputLock(tmp_path / "out"):
        with pytest.raises(BuildLocked, match="another carebook build"):
            with OutputLock(tmp_path / "out"):
                pass
    with OutputLock(tmp_path / "out"):  # released again
        pass


def test_publish_moves_metrics_last_and_removes_what_was_not_built(tmp_path, monkeypatch):
    out = tmp_path / "out"
    previous_report(out)
    staging = out / ".staging-x"
    (staging / "executed").mkdir(parents=True)
    (staging / "executed" / "10_new.ipynb").write_text("{}", encoding="utf-8")
    for name in ("report.html", "metrics.json", "manifest.json"):
        (staging / name).write_text(name, encoding="utf-8")
    moved = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (moved.append(Path(b)), real_replace(a, b)))
    published = publish(staging, out)
    assert published == ["report.html", "manifest.json", "executed", "metrics.json"]
    assert moved[-1] == out / "metrics.json"
    assert not (out / "report.pdf").exists()
    assert [p.name for p in (out / "executed").iterdir()] == ["10_new.ipynb"]


def test_stale_staging_folders_are_removed(tmp_path):
    (tmp_path / ".staging-old" / "executed").mkdir(parents=True)
    (tmp_path / "keep").mkdir()
    assert [p.name for p in remove_stale_staging(tmp_path)] == [".staging-old"]
    assert [p.name for p in tmp_path.iterdir()] == ["keep"]


@pytest.mark.slow
def test_a_second_concurrent_build_is_refused(tmp_path, case_factory):
    case = case_factory()
    nbs = tmp_path / "nbs"
    write_notebook(nbs / "10_slow.ipynb", "import time; time.sleep(3)")
    out = tmp_path / "out"
    errors = []

    def first():
        try:
            build(case, out, notebooks_dir=nbs, formats=["html"])
        except Exception as err:  # surfaced by the assertion below
            errors.append(err)

    thread = threading.Thread(target=first)
    thread.start()
    deadline = time.monotonic() + 30
    while not list(out.glob(".staging-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    with pytest.raises(BuildLocked):
        build(case, out, notebooks_dir=nbs, formats=["html"])
    thread.join()
    assert errors == []
    assert (out / "report.html").exists()


KILLED_BUILD = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {here!r})
    from pathlib import Path
    import carebook.case, carebook.metrics
    from buildhelpers import make_case, fake_metrics, fake_resolve_citations
    import types
    refs = types.ModuleType("carebook.references")
    refs.resolve_citations = fake_resolve_citations
    sys.modules.setdefault("carebook.references", refs)
    case = make_case(Path({case!r}))
    carebook.case.validate = lambda case_dir: case
    carebook.metrics.compute = fake_metrics
    from carebook.build import build
    build({case!r}, {out!r}, notebooks_dir={nbs!r}, formats=["html"])
    """
)


@pytest.mark.slow
def test_a_build_killed_mid_run_leaves_the_previous_report(tmp_path, case_factory):
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "out"
    before = previous_report(out)
    nbs = tmp_path / "nbs"
    write_notebook(nbs / "10_slow.ipynb", "import time; time.sleep(60)")
    script = KILLED_BUILD.format(
        here=str(HERE), case=str(tmp_path / "case"), out=str(out), nbs=str(nbs)
    )
    # A killed build cannot remove its kernel socket folder: keep it in a private TMPDIR
    # (short, for the socket path limit) that this test removes.
    private_tmp = tempfile.mkdtemp(prefix="carebook-test-")
    kernels = []
    proc = subprocess.Popen(
        [sys.executable, "-c", script], env={**os.environ, "TMPDIR": private_tmp}
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not kernels:
            time.sleep(0.1)
            kernels = psutil.Process(proc.pid).children(recursive=True)
        assert kernels, "the build never started a kernel"
        time.sleep(1.0)  # let the kernel get into the sleeping cell
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        for child in kernels:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        if proc.poll() is None:
            proc.kill()
        psutil.wait_procs(kernels, timeout=10)
        shutil.rmtree(private_tmp, ignore_errors=True)
    assert proc.returncode == -signal.SIGKILL
    assert sha256_tree(out) == before
    assert list(out.glob(".staging-*"))  # left behind by the killed build ...
    write_notebook(nbs / "10_slow.ipynb", "x = 1")
    build(case_factory(), out, notebooks_dir=nbs, formats=["html"])  # ... and cleaned up
    assert not list(out.glob(".staging-*"))
    assert sha256_tree(out)["report.html"] != before["report.html"]
