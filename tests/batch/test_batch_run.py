"""Real batches in local worker processes: a failing case among good ones (slow)."""

from __future__ import annotations

import csv
import io
import json
import logging
import threading

import psutil
import pytest
from batchhelpers import HOSTILE_GOOD, add_broken_case, add_case

from carebook import cli
from carebook.batch import key_figures, run_batch

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def batch(cohort, tmp_path_factory):
    """One real batch of the shared cohort with two local worker processes."""
    out = tmp_path_factory.mktemp("batch") / "out"
    return run_batch(cohort, out, jobs=2)


def _rows(batch):
    return {r.name: r for r in batch.results}


def test_every_sub_folder_gets_a_row_and_the_batch_is_not_ok(batch):
    rows = _rows(batch)
    assert {name: r.status for name, r in rows.items()} == {
        HOSTILE_GOOD: "built",
        "broken": "failed",
        "notes": "not a case",
    }
    assert not batch.ok
    assert batch.workers == "2 local processes"


def test_the_failing_case_names_its_problem(batch):
    row = _rows(batch)["broken"]
    assert row.section == "case validation"
    assert row.message.startswith("survey.csv::: ")
    assert row.html == row.pdf == ""


def test_the_good_case_is_built_with_figures_words_and_links(batch):
    row = _rows(batch)[HOSTILE_GOOD]
    case_out = batch.out_dir / row.output
    metrics = json.loads((case_out / "metrics.json").read_text(encoding="utf-8"))
    assert row.figures == key_figures(metrics)
    assert row.figures["respondents"] == 200 and row.figures["contacts"] == 100
    assert row.words and row.words > 0 and row.evidence.endswith("/7")
    assert (batch.out_dir / row.html).is_file() and (batch.out_dir / row.pdf).is_file()
    assert row.seconds > 0


def test_words_and_evidence_come_from_the_build_or_from_the_report_left_up_to_date(
    tiny_case, tmp_path, monkeypatch
):
    from carebook.batch import worker

    given = []
    real_check = worker._check
    monkeypatch.setattr(
        worker, "_check", lambda built, case_dir: given.append(built.checks)
        or real_check(built, case_dir),
    )  # fmt: skip
    from carebook.build.warm import WarmSession

    # A session of this test's own, closed here rather than when pytest exits.
    with WarmSession() as session:
        monkeypatch.setattr(worker, "_warm_session", lambda: session)
        first = worker.build_case("good", tiny_case, tmp_path, "good")
        again = worker.build_case("good", tiny_case, tmp_path, "good")  # nothing changed
    assert first.status == again.status == "built"
    # The first build ran the checks itself (while Chromium printed); the up-to-date one
    # ran none, so the row's figures come from the executed notebooks it left.
    assert given[0] is not None and given[1] is None
    assert first.words and first.evidence.endswith("/7")
    assert (again.words, again.word_limit, again.evidence) == (
        first.words, first.word_limit, first.evidence,
    )  # fmt: skip


def test_nothing_is_written_outside_the_case_folders_and_summary(batch):
    good = _rows(batch)[HOSTILE_GOOD].output
    # The broken case failed before its folder was created; the non-case gets none.
    assert sorted(p.name for p in batch.out_dir.iterdir()) == sorted(
        [good, "summary.csv", "summary.html"]
    )
    assert good == "img_src_x_onerror_alert_1_1_1"


def test_summary_files_agree_with_the_rows(batch):
    page = batch.summary_html.read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt; =1+1" in page
    assert "<img" not in page
    assert 'href="img_src_x_onerror_alert_1_1_1/report.pdf"' in page
    raw = batch.summary_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [r["status"] for r in rows] == ["built", "failed", "not a case"]
    gap = _rows(batch)[HOSTILE_GOOD].figures["overall_gap"]
    assert float(rows[0]["overall_gap"]) == gap < 0  # a real negative stays a number


def test_cli_exit_code_1_when_a_case_fails(tmp_path, tiny_case, capsys):
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    add_broken_case(cohort, "only_broken", tiny_case)
    # The output folder inside the cohort must not be taken for a case folder.
    code = cli.main(["batch", str(cohort), "--out", str(cohort / "out"), "--jobs", "1"])
    assert code == 1
    out = capsys.readouterr().out
    assert "1 failed" in out and "not a case" not in out
    assert (cohort / "out" / "summary.csv").is_file()


def test_the_case_with_most_data_is_built_first_and_rows_stay_in_name_order(
    tmp_path, tiny_case, caplog
):
    # Two cases refused at validation (cheap): with one worker, builds finish in the
    # order they start, which the progress lines show.
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    add_broken_case(cohort, "a-small", tiny_case)
    large = add_broken_case(cohort, "z-large", tiny_case)
    (large / "comments.csv").write_bytes((large / "comments.csv").read_bytes() * 20)
    with caplog.at_level(logging.INFO, logger="carebook.batch.runner"):
        result = run_batch(cohort, tmp_path / "out", jobs=1, formats=("html",))
    progress = [r.getMessage() for r in caplog.records if r.getMessage().startswith("[")]
    assert progress[0].startswith("[1/2] z-large: failed")
    assert progress[1].startswith("[2/2] a-small: failed")
    assert [r.name for r in result.results] == ["a-small", "z-large"]


def test_the_workers_fork_their_kernels_from_one_zygote_the_batch_started(tiny_case, tmp_path):
    cohort = tmp_path / "cohort"
    for name in ("a", "b", "c"):
        add_case(cohort, name, tiny_case)
    zygotes: dict[int, int] = {}  # pid -> parent pid, of every zygote this test's batch ran
    kernels: dict[int, int] = {}  # the same, of every kernel
    done = threading.Event()

    def watch() -> None:
        me = psutil.Process()
        while not done.is_set():
            for process in me.children(recursive=True):
                try:
                    name = process.name()
                    if name == "carebook-zygote":
                        zygotes[process.pid] = process.ppid()
                    elif name == "carebook-kernel":
                        kernels[process.pid] = process.ppid()
                except psutil.Error:
                    pass
            done.wait(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        batch = run_batch(cohort, tmp_path / "out", jobs=2)
    finally:
        done.set()
        watcher.join()
    assert [r.status for r in batch.results] == ["built"] * 3
    # A process just forked bears its parent's name until it renames itself or execs (a
    # kernel, just forked by the zygote; a program a kernel runs): count neither.
    started = {pid: parent for pid, parent in zygotes.items() if parent not in zygotes}
    forked = {pid: parent for pid, parent in kernels.items() if parent not in kernels}
    # One zygote, the batch's own (this process started it), forked every kernel seen.
    assert list(started.values()) == [psutil.Process().pid]
    assert set(forked.values()) == set(started)
