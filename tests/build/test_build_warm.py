"""A watch session keeps the zygote, Chromium, template and case warm between builds."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from buildhelpers import kernel_settings, notebooks_from, sha256_tree

from carebook.build import build, zygote
from carebook.build.warm import WarmSession
from carebook.build.watch import watch

pytestmark = pytest.mark.slow


def _edit_code(path, marker):
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in reversed(nb.cells) if c.cell_type == "code")
    cell.source = cell.source.rstrip("\n") + f"\n# {marker}"
    nbformat.write(nb, path)


def _ended(pool):
    """Whether *pool* was closed: its kernels' threads are done and it let go of the zygote."""
    return pool._zygote is None and not any(t.is_alive() for t in pool._threads)


def _statuses(result):
    return {s.name: s.status for s in result.sections}


def test_a_session_rebuilds_the_edited_section_on_the_same_warm_processes(
    tmp_path, case_factory, stand_ins
):
    case = case_factory()
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", "findings.ipynb")
    out = tmp_path / "out"
    with WarmSession() as session:
        first = build(case, out, notebooks_dir=nbs, formats=["html"], session=session)
        assert set(_statuses(first).values()) == {"executed"}
        forked_from = session._zygote.process.pid if zygote.supported() else None
        _edit_code(nbs / "20_findings.ipynb", "edited")
        second = build(case, out, notebooks_dir=nbs, formats=["html"], session=session)
        assert _statuses(second) == {"10_intro.ipynb": "cached", "20_findings.ipynb": "executed"}
        if forked_from is not None:
            assert session._zygote.process.pid == forked_from  # the same warm zygote
        assert len(stand_ins["validate"]) == 1  # the unchanged case was not read again
        zygote_process = session._zygote.process if session._zygote else None
    if zygote_process is not None:
        assert zygote_process.poll() is not None  # closing the session ended it
    # The same report as a build in a new process.
    fresh = tmp_path / "fresh"
    build(case, fresh, notebooks_dir=nbs, formats=["html"])
    assert sha256_tree(out)["report.html"] == sha256_tree(fresh)["report.html"]
    assert sha256_tree(out)["metrics.json"] == sha256_tree(fresh)["metrics.json"]


@pytest.mark.skipif(not zygote.supported(), reason="kernels are not forked here")
def test_the_next_edited_section_runs_on_the_spare_kernel_warmed_up_after_a_build(
    tmp_path, case_factory, monkeypatch
):
    from carebook.build import execute

    case = case_factory()
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", "findings.ipynb")
    out = tmp_path / "out"
    started = []
    real_spawn = execute.KernelPool._spawn
    monkeypatch.setattr(
        execute.KernelPool, "_spawn", lambda pool, warm_up: started.append(pool)
        or real_spawn(pool, warm_up),
    )  # fmt: skip
    with WarmSession() as session:
        build(case, out, notebooks_dir=nbs, formats=["html"], session=session)
        session.warm_up(nbs, None)  # as carebook watch does after each build
        spare = session._spare
        assert spare is not None and spare.size == 1 and started[-1] is spare
        _edit_code(nbs / "20_findings.ipynb", "edited")
        kernels_before = len(started)
        second = build(case, out, notebooks_dir=nbs, formats=["html"], session=session)
        assert _statuses(second) == {"10_intro.ipynb": "cached", "20_findings.ipynb": "executed"}
        assert len(started) == kernels_before  # no kernel started: the spare ran it
        assert session._spare is None and _ended(spare)  # taken, used, closed by the build
        session.warm_up(nbs, None)
        assert session._spare is not None and session._spare is not spare
        left = session._spare
    assert _ended(left)  # closing the session ends the spare it kept
    # The spare had run only what every kernel runs first: the same report as a fresh
    # build in a new process.
    fresh = tmp_path / "fresh"
    build(case, fresh, notebooks_dir=nbs, formats=["html"])
    assert sha256_tree(out)["report.html"] == sha256_tree(fresh)["report.html"]


@pytest.mark.skipif(not zygote.supported(), reason="kernels are not forked here")
def test_a_spare_kernel_is_dropped_when_the_settings_or_the_zygote_change(tmp_path):
    import dataclasses

    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb")
    with WarmSession() as session:
        session.warm_up(nbs, None)
        spare, settings = session._spare, session._spare.settings
        longer = dataclasses.replace(settings, cell_timeout=settings.cell_timeout + 1)
        assert session.take_spare(longer, session._zygote) is None  # built with --timeout
        assert _ended(spare) and session._spare is None

        session.warm_up(nbs, None)
        spare = session._spare
        session.zygote(settings, {"source": "carebook edited"})  # a new zygote
        assert _ended(spare) and session._spare is None  # it imported the old code

        session.warm_up(nbs, None)
        spare = session._spare
        assert session.take_spare(settings, session._zygote) is spare  # it suits
        assert session._spare is None
        spare.close()


def test_metrics_once_per_case_and_sections_written_as_they_finish(
    tmp_path, case_factory, stand_ins, monkeypatch
):
    from carebook.build import pipeline

    made, written = [], []
    metrics_json, write_notebook = pipeline._metrics_json, pipeline._write_notebook

    def counted_metrics(case):
        made.append(case)
        return metrics_json(case)

    def noted_write(nb, path):
        written.append((path.name, threading.current_thread().name.rsplit("_", 1)[0]))
        write_notebook(nb, path)

    monkeypatch.setattr(pipeline, "_metrics_json", counted_metrics)
    monkeypatch.setattr(pipeline, "_write_notebook", noted_write)
    case = case_factory()
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", "findings.ipynb")
    out = tmp_path / "out"
    with WarmSession() as session:
        build(case, out, notebooks_dir=nbs, formats=["html"], session=session)
        _edit_code(nbs / "20_findings.ipynb", "edited")
        written.clear()
        build(case, out, notebooks_dir=nbs, formats=["html"], session=session)
        assert len(made) == 1  # the case did not change
        # Each section written to executed/ as it finished, beside the others running.
        assert sorted(written) == [
            ("10_intro.ipynb", "carebook-stage"),
            ("20_findings.ipynb", "carebook-stage"),
        ]
        # Another case (its key covers the files' bytes, source and versions): again.
        assert session.metrics_text("another case", lambda: "{}") == "{}"
    fresh = tmp_path / "fresh"
    build(case, fresh, notebooks_dir=nbs, formats=["html"])
    assert sha256_tree(out) == sha256_tree(fresh)


def test_the_case_is_written_for_the_kernels_once_per_case(tmp_path, case_factory):

    case = case_factory()
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", "findings.ipynb")
    out = tmp_path / "out"
    with WarmSession() as session:
        build(case, out, notebooks_dir=nbs, formats=["html"], session=session)
        path = session._shared[1]
        written = path.stat().st_mtime_ns
        assert f"prime('../case', {str(path)!r})" in session._prime
        _edit_code(nbs / "20_findings.ipynb", "edited")
        second = build(case, out, notebooks_dir=nbs, formats=["html"], session=session)
        assert _statuses(second)["20_findings.ipynb"] == "executed"
        assert session._shared[1] == path and path.stat().st_mtime_ns == written
        # Another case: a new file, and the old one removed.
        key, state = session._shared[0]
        again = session.share_case("another", {"stand-in": 1}, case, state, "../case")
        assert again != path and again.exists() and not path.exists()
        # A folder that changed since its state was taken is not shared.
        (case / "notes.txt").write_text("new file", encoding="utf-8")
        assert session.share_case("another", None, case, state, "../case") is None
        folder = Path(session._folder)
    assert not folder.exists()  # closing the session removed its files


def test_a_spare_kernels_warm_up_reads_the_shared_case(tmp_path):
    from carebook.build.pipeline import prime_code, warm_up_code
    from carebook.case import loader

    case = tmp_path / "case"
    case.mkdir()
    (case / "case.yaml").write_text("report: {}\n", encoding="utf-8")
    shared = tmp_path / "case.pickle"
    assert loader.share({"stand-in": "case"}, case, loader.folder_state(case), shared)
    code = warm_up_code(yield_to_validation=False, prime=prime_code("case", shared))
    check = "import carebook.case.loader as l; print(list(l._cache.values()))"
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\n{check}"], cwd=tmp_path, capture_output=True,
        text=True, timeout=120, env={**os.environ, "MPLBACKEND": "Agg"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[{'stand-in': 'case'}]"


def test_a_changed_case_file_is_validated_again(tmp_path, case_factory, stand_ins):
    case = case_factory()
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb")
    with WarmSession() as session:
        build(case, tmp_path / "out", notebooks_dir=nbs, formats=["html"], session=session)
        config = case / "case.yaml"
        config.write_text(config.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        build(case, tmp_path / "out", notebooks_dir=nbs, formats=["html"], session=session)
    assert len(stand_ins["validate"]) == 2


@pytest.mark.skipif(not zygote.supported(), reason="kernels are not forked here")
def test_the_zygote_is_started_again_when_carebook_or_its_versions_change(tmp_path):
    settings = kernel_settings(tmp_path)
    with WarmSession() as session:
        first = session.zygote(settings, {"source": "a"})
        assert session.zygote(settings, {"source": "a"}) is first
        second = session.zygote(settings, {"source": "b"})  # carebook's source changed
        assert second is not first and second.alive
        assert first.process is None  # closed
        second.process.kill()
        second.process.wait()
        third = session.zygote(settings, {"source": "b"})  # died: a new one
        assert third is not second and third.alive


def test_a_batch_workers_session_forks_from_the_shared_zygote_only_when_its_kernels_suit_it(
    tmp_path,
):
    from carebook.build.warm import zygote_key

    settings = kernel_settings(tmp_path)
    other = kernel_settings(tmp_path, CAREBOOK_TEST_MARK="another environment")
    with zygote.Zygote(settings.env, settings.cwd, "", shared=True) as shared:
        offer = (shared.address, zygote_key(settings, {"source": "a"}))
        with WarmSession(shared_zygote=offer) as session:
            used = session.zygote(settings, {"source": "a"})
            assert isinstance(used, zygote.SharedZygote) and used.alive
            assert session.zygote(settings, {"source": "a"}) is used
            own = session.zygote(other, {"source": "a"})  # not what the batch started
            assert isinstance(own, zygote.Zygote) and own is not shared
            assert not used.alive  # its connection closed; the shared zygote goes on
            assert isinstance(session.zygote(settings, {"source": "a"}), zygote.SharedZygote)
        assert shared.alive  # a worker's session closes its connection, never the zygote
        shared.close()
        with WarmSession(shared_zygote=offer) as session:  # the batch's zygote is gone
            assert isinstance(session.zygote(settings, {"source": "a"}), zygote.Zygote)


@pytest.mark.browser
def test_the_session_keeps_one_chromium_and_replaces_a_dead_one():
    from carebook.build.pdf import find_chromium

    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium")
    with WarmSession() as session:
        browser = session.browser(chromium)
        assert session.browser(chromium) is browser
        browser.process.kill()
        browser.process.wait()
        replacement = session.browser(chromium)
        assert replacement is not browser and replacement.alive
    assert not replacement.alive


def test_watch_builds_then_rebuilds_on_save_and_keeps_the_last_report_on_errors(
    tmp_path, case_factory
):
    case = case_factory()
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", "findings.ipynb")
    out = tmp_path / "out"
    builds, stop = [], threading.Event()

    def wait_for(count):
        deadline = time.monotonic() + 120
        while len(builds) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(builds) >= count, f"only {len(builds)} build(s)"
        return builds[count - 1]

    thread = threading.Thread(
        target=lambda: builds.append(
            watch(
                case, out, notebooks_dir=nbs, formats=["html"], on_build=builds.append,
                stop=stop, debounce_ms=100,
            )
        ),
    )  # fmt: skip
    thread.start()
    try:
        first = wait_for(1)
        assert first.error is None and first.changed == []
        time.sleep(0.3)  # the watcher is set up once the first build is done
        _edit_code(nbs / "20_findings.ipynb", "edited")
        second = wait_for(2)
        assert second.error is None and second.changed == ["20_findings.ipynb"]
        assert _statuses(second.result)["20_findings.ipynb"] == "executed"
        assert _statuses(second.result)["10_intro.ipynb"] == "cached"
        good = sha256_tree(out)
        (nbs / "20_findings.ipynb").write_text("{not a notebook", encoding="utf-8")
        third = wait_for(3)
        assert third.error is not None and "20_findings.ipynb" in str(third.error)
        assert sha256_tree(out) == good  # the last good report, left as it was
        (out / "ignored.txt").write_text("the build's own folder is not watched")
        time.sleep(0.5)
        assert len(builds) == 3
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert builds[-1] == 3  # watch() returned the number of builds


def test_every_build_of_a_session_gives_its_kernels_the_environment_it_started_with(
    tmp_path, monkeypatch
):
    import os

    from carebook.build import pipeline

    with WarmSession() as session:
        monkeypatch.setenv("SET_BY_AN_IMPORT", "1")  # as pandera sets PYARROW_IGNORE_TIMEZONE
        assert "SET_BY_AN_IMPORT" not in session.environment
        assert session.environment == {
            k: v for k, v in os.environ.items() if k != "SET_BY_AN_IMPORT"
        }
        env = pipeline.kernel_environment(None, base=session.environment)
        assert env["PYTHONHASHSEED"] == "0" and "SET_BY_AN_IMPORT" not in env


def test_sigterm_ends_a_watch_cleanly_and_restores_the_handler(tmp_path, monkeypatch):
    import os
    import signal

    from carebook.build import pipeline

    calls = []

    def fake_build(*args, **kwargs):  # a build that takes no time
        calls.append(kwargs["session"])
        if len(calls) == 1:  # once watching, the signal arrives
            threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM)).start()
        return None

    closed = []
    monkeypatch.setattr(pipeline, "build", fake_build)
    monkeypatch.setattr(WarmSession, "warm_up", lambda self, *a: None)
    monkeypatch.setattr(WarmSession, "close", lambda self: closed.append(self))
    before = signal.getsignal(signal.SIGTERM)
    (tmp_path / "case").mkdir()
    (tmp_path / "nbs").mkdir()
    count = watch(tmp_path / "case", tmp_path / "out", notebooks_dir=tmp_path / "nbs",
                  on_build=lambda rebuild: None)  # fmt: skip
    assert count == 1  # stopped, not killed: watch() returned
    assert closed == [calls[0]]  # and its session was closed
    assert signal.getsignal(signal.SIGTERM) is before
