"""The bench's parts (no timing assertions) and one ``--quick`` smoke run (slow)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # bench/ lives at the repository root, outside lib/

from bench.measure import CommandFailed, run_chain, run_measured  # noqa: E402
from bench.naive import MERGE_SCRIPT, naive_commands  # noqa: E402
from bench.scenarios import culprit, edit_code_cell, section_statuses  # noqa: E402
from bench.table import COLUMNS, STATUSES, Row, format_table, meets  # noqa: E402
from bench.tools import Tools, options_in_help  # noqa: E402

MIB = 1024**2
NAMES = ["10_introduction", "20_strategy", "60_bibliography"]


# --explain output ----------------------------------------------------------------------------


def test_statuses_read_from_explain_lines():
    text = textwrap.dedent("""\
        10_introduction.ipynb: reused (nothing changed)
        20_strategy.ipynb: reused
        60_bibliography.ipynb: executed (notebook code changed)
        Report written to out (1.2 s)
        """)
    assert section_statuses(text, NAMES) == {
        "10_introduction": "cached",
        "20_strategy": "cached",
        "60_bibliography": "executed",
    }


def test_the_explain_table_after_the_progress_log_decides():
    # carebook's real layout: log lines while sections run, then the --explain table.
    text = textwrap.dedent("""\
        60_bibliography.ipynb: executed in 1.1 s
        10_introduction.ipynb  reused    nothing changed since the last build
        60_bibliography.ipynb  executed  notebook code changed
        report: assembled and exported
        """)
    assert section_statuses(text, ["10_introduction", "60_bibliography"]) == {
        "10_introduction": "cached",
        "60_bibliography": "executed",
    }


def test_cached_and_re_executed_wordings_are_understood():
    text = "  cached   10_introduction  no change\n  re-executed 20_strategy: parameter changed"
    assert section_statuses(text, NAMES[:2]) == {
        "10_introduction": "cached",
        "20_strategy": "executed",
    }


def test_a_section_no_line_mentions_is_left_out():
    assert section_statuses("10_introduction.ipynb: executed in 1.6 s", NAMES) == {
        "10_introduction": "executed"
    }


def test_reason_words_do_not_decide_the_status():
    # "no cached run" is a reason for executing; the status word comes first on the line.
    text = "60_bibliography.ipynb: executed (no cached run)"
    assert section_statuses(text, ["60_bibliography"]) == {"60_bibliography": "executed"}


# the harmless notebook edit of (b) --------------------------------------------------------


def test_edit_appends_a_comment_to_the_last_code_cell_only(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("x + 1\n"),
        nbformat.v4.new_markdown_cell("Closing words"),
    ]
    path = tmp_path / "60_bibliography.ipynb"
    nbformat.write(nb, path)
    edit_code_cell(path, "bench edit 0")
    cells = nbformat.read(path, as_version=4).cells
    assert [c.source for c in cells] == [
        "# Title",
        "x = 1",
        "x + 1\n# bench edit 0",
        "Closing words",
    ]


# where a failed build failed ---------------------------------------------------------------


def test_culprit_names_section_module_and_memory():
    output = textwrap.dedent("""\
        Traceback (most recent call last):
          File "/work/main/lib/carebook/build/execute.py", line 10, in run
          File "/work/main/lib/carebook/servqual.py", line 88, in item_gaps
        MemoryError
        Section 50_review.ipynb failed in cell 4.
        """)
    assert culprit(output) == (
        "out of memory / kernel died in section 50_review, module carebook.servqual"
    )


def test_culprit_without_clues_says_failed():
    assert culprit("something went wrong") == "failed"


# rows and the table -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "op", "target", "expected"),
    [
        (4.0, ">=", 4.0, True),
        (3.99, ">=", 4.0, False),
        (10.0, "<=", 10.0, True),
        (4.0, "<", 4.0, False),
        (None, ">=", 1.0, False),
    ],
)
def test_meets_compares_in_the_targets_direction(value, op, target, expected):
    assert meets(value, op, target) is expected


def test_a_failed_condition_turns_a_good_ratio_into_a_miss():
    row = Row("b2", "rebuild", ">=", 10.0, value=25.0, condition=False).judge()
    assert row.status == "MISS"
    assert Row("b2", "rebuild", ">=", 10.0, value=25.0, condition=True).judge().status == "PASS"


def test_not_available_stays_not_available():
    row = Row("d", "batch", ">=", 1.7, status="N/A").judge()
    assert row.status == "N/A" and row.value_text() == "-"


def test_table_has_a_header_and_one_line_per_row_then_notes():
    rows = [
        Row("a", "cold vs hand", ">=", 4.0, value=4.5, measured=10.0, baseline=45.0).judge(),
        Row("c2", "peak memory", "<", 4.0, unit="GiB", value=4.25, note="too big").judge(),
    ]
    lines = format_table(rows).splitlines()
    assert lines[0].split() == list(COLUMNS)
    assert lines[2].split() == [
        "a",
        "cold",
        "vs",
        "hand",
        "10.0",
        "s",
        "45.0",
        "s",
        "4.50x",
        ">=",
        "4x",
        "PASS",
    ]
    assert lines[3].split()[-6:] == ["4.25", "GiB", "<", "4", "GiB", "MISS"]
    assert lines[-1].strip() == "c2: too big"


# measuring a process tree --------------------------------------------------------------------

# The child holds 120 MiB and starts a grandchild holding 200 MiB; both wait ~1 s, so the
# 50 ms sampler sees them together: the tree's sum is at least 320 MiB while no single
# process reaches 320 MiB (the larger one is ~200 MiB plus an interpreter).
TREE = """
import subprocess, sys, time
held = bytearray(b"\\x01") * (120 * 2**20)
grandchild = subprocess.Popen([sys.executable, "-c",
    "import time; b = bytearray(b'\\\\x01') * (200 * 2**20); time.sleep(1.2)"])
time.sleep(1.0)
grandchild.wait()
"""


def test_peak_memory_sums_the_whole_process_tree():
    m = run_measured([sys.executable, "-c", TREE])
    assert m.peak_total_bytes >= 320 * MIB
    assert 200 * MIB <= m.peak_single_bytes < 300 * MIB
    assert "import time" in m.peak_single_process  # the grandchild, named by its command


def test_the_proc_walk_finds_the_tree_psutil_finds():
    import os
    import time

    import psutil
    from bench import measure

    sleepers = [subprocess.Popen([sys.executable, "-c", TREE]) for _ in range(2)]
    try:
        time.sleep(0.5)  # both children and their grandchildren started
        me = psutil.Process(os.getpid())
        expected = {me.pid, *(p.pid for p in me.children(recursive=True))}
        found = measure._tree_sizes(os.getpid())
        assert {pid for _, pid in found} == expected
        assert sum(size for size, _ in found) >= 2 * 320 * MIB
    finally:
        for sleeper in sleepers:
            sleeper.wait()


def test_without_proc_the_sampler_asks_psutil(monkeypatch):
    from bench import measure

    monkeypatch.setattr(measure, "_PROC", measure.Path("/no/proc/here"))
    m = run_measured([sys.executable, "-c", TREE])
    assert m.peak_total_bytes >= 320 * MIB
    assert "import time" in m.peak_single_process


def test_a_failing_command_raises_with_its_output():
    with pytest.raises(CommandFailed, match="no such case folder"):
        run_measured([sys.executable, "-c", "import sys; sys.exit('no such case folder')"])


def test_a_command_past_its_timeout_is_killed():
    with pytest.raises(CommandFailed, match="killed after"):
        run_measured([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)


def test_a_chain_records_each_step():
    ok = [sys.executable, "-c", "pass"]
    assert len(run_chain([ok, ok, ok]).steps) == 3


# the hand chain ------------------------------------------------------------------------------


def _tools(tmp_path: Path) -> Tools:
    bin_dir = tmp_path / "bin"
    return Tools(
        bin_dir,
        bin_dir / "carebook",
        bin_dir / "papermill",
        bin_dir / "jupyter",
        bin_dir / "python",
        "/usr/bin/chromium",
        {},
    )


def test_hand_chain_runs_papermill_per_notebook_then_one_export_and_print(tmp_path):
    notebooks = [tmp_path / f"{n}.ipynb" for n in NAMES]
    case = tmp_path / "case"
    commands = naive_commands(_tools(tmp_path), notebooks, case, tmp_path / "w")
    papermill = commands[:3]
    for argv, nb in zip(papermill, notebooks, strict=True):
        assert argv[0].endswith("papermill") and argv[1] == str(nb)
        assert argv[-3:] == ["-p", "case_dir", str(case.resolve())]
    merge, convert, chromium = commands[3:]
    assert merge[1:3] == ["-c", MERGE_SCRIPT]
    assert convert[1:] == [
        "nbconvert",
        "--to",
        "html",
        "--no-input",
        str(tmp_path / "w" / "report.ipynb"),
    ]
    assert "--headless" in chromium and chromium[-1].endswith("/w/report.html")


def test_hand_chain_needs_a_chromium(tmp_path):
    tools = dataclasses.replace(_tools(tmp_path), chromium=None)
    with pytest.raises(FileNotFoundError, match="Chromium"):
        naive_commands(tools, [], tmp_path, tmp_path / "w")


def test_merge_script_appends_cells_in_order(tmp_path):
    parts = []
    for i in range(2):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(f"part {i}"), nbformat.v4.new_code_cell(str(i))]
        parts.append(tmp_path / f"{i}.ipynb")
        nbformat.write(nb, parts[-1])
    out = tmp_path / "merged.ipynb"
    subprocess.run([sys.executable, "-c", MERGE_SCRIPT, out, *parts], check=True)
    assert [c.source for c in nbformat.read(out, as_version=4).cells] == [
        "part 0",
        "0",
        "part 1",
        "1",
    ]


def test_long_options_are_read_from_help_text():
    help_text = "  --out OUT   folder\n  --no-cache  rebuild all\n  -p NAME VALUE, --parameter"
    assert options_in_help(help_text) == {"--out", "--no-cache", "--parameter"}


# settings ----------------------------------------------------------------------------------


def test_the_cohort_of_d_is_made_of_sample_sized_cases_by_default(tmp_path):
    from bench.run import parse_args, settings_from
    from bench.scenarios import SAMPLE_SIZES

    from carebook.sample import DEFAULT_SIZES

    assert dataclasses.asdict(SAMPLE_SIZES) == dict(DEFAULT_SIZES)
    settings = settings_from(parse_args([]), tmp_path, ROOT)
    assert settings.batch_sizes == SAMPLE_SIZES
    assert settings.batch_cases == 20


def test_batch_sizes_option_sets_the_cohort_cases_in_full_and_quick_runs(tmp_path):
    from bench.run import parse_args, settings_from
    from bench.scenarios import Sizes

    for quick in ([], ["--quick"]):
        args = parse_args([*quick, "--batch-sizes", "500, 300,60"])
        assert settings_from(args, tmp_path, ROOT).batch_sizes == Sizes(500, 300, 60)
    assert settings_from(parse_args(["--quick"]), tmp_path, ROOT).batch_sizes == Sizes(200, 100, 40)


@pytest.mark.parametrize("text", ["500,300", "500,300,60,1", "500,0,60", "a,b,c", "5,3.5,60", ""])
def test_batch_sizes_option_refuses_anything_but_three_counts(text, capsys):
    from bench.run import parse_args

    with pytest.raises(SystemExit) as stop:
        parse_args(["--batch-sizes", text])
    assert stop.value.code == 2
    assert "respondents,contacts,comments" in capsys.readouterr().err


# the whole bench, smoke mode ----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.browser
def test_quick_bench_prints_every_comparison_and_writes_json(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--json", out, "--work", tmp_path / "w"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    ids = ["a", "b1", "b2", "b3", "c1", "c2", "d"]
    lines = done.stdout.splitlines()
    assert lines[0].split() == list(COLUMNS)
    table = [line.split()[0] for line in lines[2 : 2 + len(ids)]]
    assert table == ids
    record = json.loads(out.read_text(encoding="utf-8"))
    assert [r["id"] for r in record["rows"]] == ids
    assert all(r["status"] in STATUSES for r in record["rows"])
    assert record["settings"]["quick"] is True
    measured = [r for r in record["rows"] if r["status"] in ("PASS", "MISS")]
    assert all(r["value"] > 0 for r in measured)
    # (a) and (b) build with a build server, as a student does; none outlives the bench.
    assert record["rows"][2]["details"]["build_server"].startswith("on")
    left = [
        p.info["cmdline"]
        for p in psutil.process_iter(["cmdline"])
        if any("carebook-bench-servers-" in part for part in p.info["cmdline"] or ())
    ]
    assert left == []
