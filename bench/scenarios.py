"""The four comparisons of issue 7's ``make bench``, each returning :class:`Row` objects.

(a) cold carebook build of a case vs the hand chain (:mod:`bench.naive`);
(b) rebuild with nothing changed, and with one notebook's code changed, vs cold;
(c) a large case vs a case one tenth its size: time ratio and peak memory of all processes;
(d) ``carebook batch`` of a cohort of cases the size of the sample, two workers vs one.

Runs of the two sides of a comparison alternate, so a machine that slows down during the
bench slows both sides alike.

(a) and (b) run ``carebook build`` as a student gets it, with the build server
(:mod:`carebook.server`): a cold build starts one, so every cold build is preceded by
stopping the bench's servers, and (a) stops it again before the hand chain runs. (c)
builds without one, so that its memory is sampled in the measured process tree.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.measure import GIB, CommandFailed, Measurement, median, run_chain, run_measured
from bench.naive import DESCRIPTION, naive_commands
from bench.table import Row
from bench.tools import Tools

__all__ = [
    "Sizes",
    "SAMPLE_SIZES",
    "Settings",
    "cold_vs_naive",
    "rebuilds",
    "large_case",
    "batch_workers",
    "section_statuses",
    "edit_code_cell",
    "culprit",
]

log = logging.getLogger(__name__)

CHANGED_SECTION = "60_bibliography"


@dataclass(frozen=True)
class Sizes:
    """Row counts of a generated case (``carebook sample``)."""

    respondents: int
    contacts: int
    comments: int

    def args(self) -> list[str]:
        """Return the ``carebook sample`` options for these sizes."""
        return [
            "--respondents",
            str(self.respondents),
            "--contacts",
            str(self.contacts),
            "--comments",
            str(self.comments),
        ]

    def text(self) -> str:
        """E.g. ``1,000,000 / 1,000,000 / 100,000``."""
        return f"{self.respondents:,} / {self.contacts:,} / {self.comments:,}"


#: The rows of the embedded sample case (``carebook sample`` with no size given).
SAMPLE_SIZES = Sizes(50_000, 20_000, 2_000)


@dataclass(frozen=True)
class Settings:
    """What one bench run measures and where it works.

    Attributes
    ----------
    work : Path
        Scratch folder for generated cases and build outputs.
    repeat : int
        Runs per measured side; the median is reported.
    case_dir : Path or None
        The case of (a) and (b); None generates one of ``case_sizes``.
    notebooks : Path
        The section notebooks.
    small, big : Sizes
        The two cases of (c).
    batch_cases : int
        Number of cases in the cohort of (d).
    batch_sizes : Sizes
        Size of each cohort case: by default the sample's (:data:`SAMPLE_SIZES`), as a
        tutor's cohort is students' copies of the case they were given. (Cases of 1%
        of that size measure little but each build's fixed costs: ``--batch-sizes``.)
    big_repeat : int
        Runs of each side of (c) (the large build takes minutes).
    timeout : float
        Seconds any one command may take.
    """

    work: Path
    notebooks: Path
    repeat: int = 3
    case_dir: Path | None = None
    case_sizes: Sizes = field(default_factory=lambda: Sizes(300, 200, 40))
    small: Sizes = field(default_factory=lambda: Sizes(100_000, 100_000, 10_000))
    big: Sizes = field(default_factory=lambda: Sizes(1_000_000, 1_000_000, 100_000))
    big_repeat: int = 3
    batch_cases: int = 20
    batch_sizes: Sizes = field(default_factory=lambda: SAMPLE_SIZES)
    timeout: float = 3600


def sections(notebooks: Path) -> list[Path]:
    """Return the section notebooks in report order (``NN_name.ipynb``)."""
    return sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))


def generate(tools: Tools, out: Path, sizes: Sizes, *, seed: int | None = None) -> Path:
    """Write a synthetic case with ``carebook sample`` (not timed) and return its folder."""
    if out.exists():
        shutil.rmtree(out)
    argv = [tools.carebook, "sample", out, *sizes.args()]
    if seed is not None:
        argv += ["--seed", str(seed)]
    run_measured(argv, env=tools.env)
    return out


def build_argv(tools: Tools, case_dir: Path, out: Path, *extra: str | Path) -> list[str | Path]:
    """``carebook build CASE --out OUT [extra]``."""
    return [tools.carebook, "build", case_dir, "--out", out, *extra]


def with_server(tools: Tools, on: bool) -> dict[str, str]:
    """The bench's environment with carebook's build server on or off.

    On, ``carebook build`` runs as a student's does: the first build starts a build
    server in the background and later builds run in it (:mod:`carebook.server`). The
    bench's servers live in their own folder (``CAREBOOK_SERVER_DIR``, set by
    :func:`run_all`) and are stopped with :func:`stop_servers` whenever the next
    measurement must start cold.
    """
    return {**tools.env, "CAREBOOK_SERVER": "1" if on else "0"}


def stop_servers(tools: Tools) -> None:
    """Stop the bench's build servers and wait until they have gone (not timed)."""
    import subprocess

    if "server" in tools.commands:
        subprocess.run(
            [str(tools.carebook), "server", "stop"], env=tools.env, capture_output=True,
            check=False, timeout=120,
        )  # fmt: skip


def cold_flags(tools: Tools) -> list[str]:
    """``--no-cache`` when the build has it: a cold build must not find anything to reuse."""
    return ["--no-cache"] if "--no-cache" in tools.build_options else []


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    return path


def _case_for_builds(tools: Tools, settings: Settings) -> Path:
    if settings.case_dir is not None:
        return settings.case_dir.resolve()
    target = settings.work / "case"
    if not (target / "case.yaml").is_file():
        generate(tools, target, settings.case_sizes)
    return target.resolve()


def _failed_row(row: Row, err: CommandFailed) -> Row:
    row.status = "FAILED"
    last = next((ln.strip() for ln in reversed(err.output.splitlines()) if ln.strip()), "")
    row.note = (
        f"{culprit(err.output)}: {' '.join(err.argv[:2])} ... exited {err.returncode}: {last}"
    )
    row.details["output_tail"] = err.output.strip().splitlines()[-20:]
    return row


# (a) ---------------------------------------------------------------------------------------


def cold_vs_naive(tools: Tools, settings: Settings) -> list[Row]:
    """Time (a): a cold ``carebook build`` (HTML + PDF) against the hand chain; >= 4x."""
    case_dir = _case_for_builds(tools, settings)
    notebooks = sections(settings.notebooks)
    row = Row("a", "cold build vs hand chain (naive / carebook)", ">=", 4.0)
    row.details["naive_chain"] = DESCRIPTION
    row.details["case"] = str(case_dir)
    ours: list[Measurement] = []
    theirs: list[Measurement] = []
    base = settings.work / "a"
    try:
        for i in range(settings.repeat):
            out = _fresh(base / f"carebook-{i}")
            stop_servers(tools)  # cold: no build server running
            ours.append(
                run_measured(
                    build_argv(
                        tools, case_dir, out, "--notebooks", settings.notebooks, *cold_flags(tools)
                    ),
                    env=with_server(tools, True),
                    timeout=settings.timeout,
                )
            )
            stop_servers(tools)  # its warm-up must not run beside the hand chain
            work = _fresh(base / f"naive-{i}")
            work.mkdir(parents=True)
            theirs.append(
                run_chain(
                    naive_commands(tools, notebooks, case_dir, work),
                    cwd=settings.notebooks,
                    env=tools.env,
                    timeout=settings.timeout,
                )
            )
    except (CommandFailed, FileNotFoundError) as err:
        if isinstance(err, CommandFailed):
            return [_failed_row(row, err)]
        row.status, row.note = "FAILED", str(err)
        return [row]
    row.measured = median([m.seconds for m in ours])
    row.baseline = median([m.seconds for m in theirs])
    row.value = row.baseline / row.measured
    row.details.update(
        carebook_seconds=[round(m.seconds, 2) for m in ours],
        naive_seconds=[round(m.seconds, 2) for m in theirs],
        carebook_peak_gib=round(max(m.peak_total_bytes for m in ours) / GIB, 3),
        naive_peak_gib=round(max(m.peak_total_bytes for m in theirs) / GIB, 3),
    )
    row.note = (
        "measured = carebook, baseline = hand chain (papermill x"
        f"{len(notebooks)}, merged nbconvert, Chromium); both print with "
        f"{Path(tools.chromium).name if tools.chromium else 'no Chromium'}"
    )
    return [row.judge()]


# (b) ---------------------------------------------------------------------------------------

_STATUS_WORDS = {
    "executed": "executed",
    "re-executed": "executed",
    "ran": "executed",
    "run": "executed",
    "cached": "cached",
    "reused": "cached",
    "re-used": "cached",
    "skipped": "cached",
}
_WORD = re.compile(r"[a-z][a-z-]*")


def section_statuses(text: str, names: Iterable[str]) -> dict[str, str]:
    r"""Read ``carebook build --explain`` output: section name → ``executed`` / ``cached``.

    The last line that names a section (with or without ``.ipynb``) and contains a
    status word decides it (the ``--explain`` table comes after the progress log).
    "executed", "re-executed", "ran" mean executed; "cached", "reused", "skipped" mean
    cached. A section no line mentions is left out.

    Examples
    --------
    >>> section_statuses("10_intro.ipynb: reused (nothing changed)\n"
    ...                  "20_x.ipynb: executed (notebook code changed)", ["10_intro", "20_x"])
    {'10_intro': 'cached', '20_x': 'executed'}
    """
    found: dict[str, str] = {}
    lines = text.splitlines()
    for name in names:
        for line in reversed(lines):
            if name not in line:
                continue
            words = _WORD.findall(line.lower().replace(name.lower(), " "))
            status = next((_STATUS_WORDS[w] for w in words if w in _STATUS_WORDS), None)
            if status is not None:
                found[name] = status
                break
    return found


def edit_code_cell(path: Path, marker: str) -> None:
    """Append ``# marker`` as a new last line of the notebook's last code cell.

    A comment changes the code (so the cache must re-run the section) without changing
    what the section shows.
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in reversed(nb.cells) if c.cell_type == "code")
    cell.source = cell.source.rstrip("\n") + f"\n# {marker}"
    nbformat.write(nb, path)


def rebuilds(tools: Tools, settings: Settings) -> list[Row]:
    """Time (b): a rebuild with nothing changed, and with one notebook changed, vs a cold build.

    Each repeat works on its own copy of the notebooks folder and its own output folder:
    a cold build, a rebuild with nothing changed, then a rebuild after a comment line is
    appended to a code cell of ``60_bibliography``. Targets: each rebuild >= 10x faster
    than cold, nothing re-executed / only the changed section re-executed.
    """
    same = Row("b1", "rebuild, nothing changed (cold / rebuild)", ">=", 10.0)
    one = Row("b2", f"rebuild, {CHANGED_SECTION} code changed (cold / rebuild)", ">=", 10.0)
    if "--explain" not in tools.build_options:
        for row in (same, one):
            row.status = "N/A"
            row.note = "not available: `carebook build` has no --explain (incremental builds)"
        return [same, one]
    case_dir = _case_for_builds(tools, settings)
    names = [p.stem for p in sections(settings.notebooks)]
    cold, unchanged, changed = [], [], []
    seen_same: list[dict[str, str]] = []
    seen_one: list[dict[str, str]] = []
    try:
        for i in range(settings.repeat):
            base = _fresh(settings.work / "b" / str(i))
            notebooks = base / "notebooks"
            shutil.copytree(settings.notebooks, notebooks)
            out = base / "out"
            argv = build_argv(tools, case_dir, out, "--notebooks", notebooks)
            env = with_server(tools, True)
            stop_servers(tools)  # cold: the cold build starts the build server
            cold.append(
                run_measured([*argv, *cold_flags(tools)], env=env, timeout=settings.timeout)
            )
            m = run_measured([*argv, "--explain"], env=env, timeout=settings.timeout)
            unchanged.append(m)
            seen_same.append(section_statuses(m.output, names))
            edit_code_cell(notebooks / f"{CHANGED_SECTION}.ipynb", f"bench edit {i}")
            m = run_measured([*argv, "--explain"], env=env, timeout=settings.timeout)
            changed.append(m)
            seen_one.append(section_statuses(m.output, names))
    except CommandFailed as err:
        return [_failed_row(same, err), _failed_row(one, err)]
    finally:
        stop_servers(tools)
    cold_median = median([m.seconds for m in cold])
    rows = [same, one]
    if "watch" in tools.commands:
        rows.append(_watch_rebuilds(tools, settings, case_dir, cold_median))
    for row, runs, seen, expect in (
        (same, unchanged, seen_same, set()),
        (one, changed, seen_one, {CHANGED_SECTION}),
    ):
        row.baseline = cold_median
        row.measured = median([m.seconds for m in runs])
        row.value = cold_median / row.measured
        executed = [sorted(n for n, s in run.items() if s == "executed") for run in seen]
        unread = sorted({n for run in seen for n in names if n not in run})
        row.condition = not unread and all(set(e) == expect for e in executed)
        row.note = "re-executed: " + "; ".join(", ".join(e) or "none" for e in executed)
        if unread:
            row.note += f" (--explain did not say for: {', '.join(unread)})"
        row.details.update(
            cold_seconds=[round(m.seconds, 2) for m in cold],
            rebuild_seconds=[round(m.seconds, 2) for m in runs],
            statuses=seen,
            build_server="on (as for a student): the cold build starts it, the rebuilds run "
            "in it; stopped before each cold build",
        )
        row.judge()
    return rows


_WATCH_BUILT = re.compile(r"Report written to .* in [0-9.]+ s: executed (.*); reused (\d+)")


def _line_queue(process: Any) -> Any:
    """Return a queue that a daemon thread fills with *process*'s output lines."""
    import queue
    import threading

    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in process.stdout], daemon=True).start()
    return lines


def _next_build(lines: Any, process: Any, deadline: float) -> re.Match[str] | None:
    """Wait for the next "Report written to" line of a watch; ``None`` past *deadline*."""
    import queue
    import time

    while time.monotonic() < deadline:
        try:
            found = _WATCH_BUILT.search(lines.get(timeout=0.5))
        except queue.Empty:
            if process.poll() is not None:
                return None
            continue
        if found:
            return found
    return None


def _watch_rebuilds(tools: Tools, settings: Settings, case_dir: Path, cold: float) -> Row:
    """Time (b) through ``carebook watch``: save one section's code, wait for the report.

    Each repeat starts ``carebook watch`` on its own copy of the notebooks, waits for its
    first build and for it to warm up (a student edits seconds later, not at once), then
    appends a comment line to a code cell of ``60_bibliography`` and times until the
    rebuilt report is announced. The baseline is the median cold build of (b).
    """
    import signal
    import subprocess
    import time

    row = Row("b3", f"rebuild through carebook watch, {CHANGED_SECTION} saved (cold / rebuild)",
              ">=", 10.0)  # fmt: skip
    seconds: list[float] = []
    executed: list[str] = []
    for i in range(settings.repeat):
        base = _fresh(settings.work / "b3" / str(i))
        notebooks = base / "notebooks"
        shutil.copytree(settings.notebooks, notebooks)
        argv = [tools.carebook, "watch", case_dir, "--out", base / "out", "--notebooks", notebooks]
        process = subprocess.Popen(
            [str(a) for a in argv], stderr=subprocess.STDOUT, stdout=subprocess.PIPE, text=True,
            env=tools.env,
        )  # fmt: skip
        lines = _line_queue(process)
        try:
            if _next_build(lines, process, time.monotonic() + settings.timeout) is None:
                row.status, row.note = "FAILED", "carebook watch did not build the report"
                return row
            time.sleep(3)  # its zygote, Chromium and export template warm up meanwhile
            started = time.perf_counter()
            edit_code_cell(notebooks / f"{CHANGED_SECTION}.ipynb", f"watch edit {i}")
            found = _next_build(lines, process, time.monotonic() + settings.timeout)
            if found is None:
                row.status, row.note = "FAILED", "carebook watch did not rebuild after the edit"
                return row
            seconds.append(time.perf_counter() - started)
            executed.append(found.group(1))
        finally:
            # SIGTERM, which the watch takes as it takes Ctrl+C: a bench started in the
            # background passes SIGINT on ignored, and the watch was then killed after
            # 30 s, leaving its session's files behind.
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    row.baseline = cold
    row.measured = median(seconds)
    row.value = cold / row.measured
    row.condition = all(e.strip() == f"{CHANGED_SECTION}.ipynb" for e in executed)
    row.note = "re-executed: " + "; ".join(executed) + " (time from the save to the report)"
    row.details.update(rebuild_seconds=[round(x, 2) for x in seconds], cold_seconds=cold)
    return row.judge()


# (c) ---------------------------------------------------------------------------------------

_SECTION_IN_OUTPUT = re.compile(r"\b(\d\d_[a-z_]+)\.ipynb\b")
_MODULE_IN_TRACE = re.compile(r"carebook[/.]([a-z_/.]+?)(?:\.py|\b)")


def culprit(output: str) -> str:
    """Name where a failed build failed: the section notebook and carebook module if given.

    Looks at the end of the output (the CLI's one readable paragraph or a traceback) for
    the last ``NN_name.ipynb`` and the last ``carebook/...`` module it mentions.
    """
    tail = "\n".join(output.strip().splitlines()[-60:])
    if re.search(r"MemoryError|Killed|out of memory|DeadKernel|kernel died", tail, re.I):
        kind = "out of memory / kernel died"
    elif "killed after" in tail:
        kind = "timed out"
    else:
        kind = "failed"
    where = []
    sections_named = _SECTION_IN_OUTPUT.findall(tail)
    if sections_named:
        where.append(f"section {sections_named[-1]}")
    modules = [m.replace("/", ".").strip(".") for m in _MODULE_IN_TRACE.findall(tail)]
    modules = [m for m in modules if m and m not in ("cli", "__main__")]
    if modules:
        where.append(f"module carebook.{modules[-1]}")
    return f"{kind} in {', '.join(where)}" if where else kind


def large_case(tools: Tools, settings: Settings) -> list[Row]:
    """Time (c): the build of a 10x larger case, and peak memory of the whole process tree.

    Targets: big / small time <= 10 (no worse than linear for 10x the rows), peak RSS of
    all processes of the big build < 4 GiB.
    """
    time_row = Row(
        "c1",
        f"large case time (big / small), {settings.big.text()} vs {settings.small.text()}",
        "<=",
        10.0,
    )
    mem_row = Row("c2", "large case peak RSS, all processes", "<", 4.0, unit="GiB")
    base = settings.work / "c"
    try:
        small = generate(tools, base / "small", settings.small)
        big = generate(tools, base / "big", settings.big)
    except CommandFailed as err:
        return [_failed_row(time_row, err), _failed_row(mem_row, err)]
    small_runs: list[Measurement] = []
    big_runs: list[Measurement] = []
    # Without the build server: peak memory is sampled over the build command's own
    # process tree, which a server (a process of its own session) is not part of.
    mem_row.details["build_server"] = "off: the builds run in the measured process tree"
    try:
        for i in range(max(settings.repeat, settings.big_repeat)):
            if i < settings.repeat:
                small_runs.append(
                    run_measured(
                        build_argv(
                            tools, small, _fresh(base / f"small-out-{i}"), *cold_flags(tools)
                        ),
                        env=with_server(tools, False),
                        timeout=settings.timeout,
                    )
                )
            if i < settings.big_repeat:
                big_runs.append(
                    run_measured(
                        build_argv(tools, big, _fresh(base / f"big-out-{i}"), *cold_flags(tools)),
                        env=with_server(tools, False),
                        timeout=settings.timeout,
                    )
                )
    except CommandFailed as err:
        return [_failed_row(time_row, err), _failed_row(mem_row, err)]
    time_row.measured = median([m.seconds for m in big_runs])
    time_row.baseline = median([m.seconds for m in small_runs])
    time_row.value = time_row.measured / time_row.baseline
    peak = max(m.peak_total_bytes for m in big_runs)
    biggest = max(big_runs, key=lambda m: m.peak_single_bytes)
    single = biggest.peak_single_bytes
    small_peak = max(m.peak_total_bytes for m in small_runs)
    mem_row.value = peak / GIB
    mem_row.measured = time_row.measured
    mem_row.note = (
        f"largest single process {single / GIB:.2f} GiB ({biggest.peak_single_process}); "
        "small case peak "
        f"{small_peak / GIB:.2f} GiB (all processes)"
    )
    details = {
        "big_seconds": [round(m.seconds, 2) for m in big_runs],
        "small_seconds": [round(m.seconds, 2) for m in small_runs],
        "big_peak_total_gib": [round(m.peak_total_bytes / GIB, 3) for m in big_runs],
        "big_peak_single_gib": [round(m.peak_single_bytes / GIB, 3) for m in big_runs],
        "big_peak_single_process": [m.peak_single_process for m in big_runs],
        "small_peak_total_gib": [round(m.peak_total_bytes / GIB, 3) for m in small_runs],
        "small_peak_single_gib": [round(m.peak_single_bytes / GIB, 3) for m in small_runs],
        "big_sections": _section_times(big_runs[-1].output),
        "small_sections": _section_times(small_runs[-1].output),
    }
    time_row.details.update(details)
    mem_row.details.update(details)
    return [time_row.judge(), mem_row.judge()]


_SECTION_TIME = re.compile(r"(\d\d_[a-z_]+)\.ipynb: executed in ([\d.]+) s")


def _section_times(output: str) -> dict[str, float]:
    """Per-section seconds from the build's log lines (``NN_x.ipynb: executed in 1.6 s``)."""
    return {name: float(s) for name, s in _SECTION_TIME.findall(output)}


# (d) ---------------------------------------------------------------------------------------


def batch_workers(tools: Tools, settings: Settings) -> list[Row]:
    """Time (d): ``carebook batch`` of a cohort with ``--jobs 2`` against ``--jobs 1``; >= 1.7x."""
    sizes = settings.batch_sizes
    row = Row(
        "d",
        f"batch of {settings.batch_cases} cases of {sizes.respondents:,} respondents, "
        "2 workers vs 1 (1 / 2)",
        ">=",
        1.7,
    )
    if "batch" not in tools.commands:
        row.status = "N/A"
        row.note = "not available: this carebook has no `batch` command yet"
        return [row]
    base = settings.work / "d"
    cohort = _fresh(base / "cohort")
    one: list[Measurement] = []
    two: list[Measurement] = []
    try:
        for k in range(1, settings.batch_cases + 1):
            generate(tools, cohort / f"case-{k:02d}", settings.batch_sizes, seed=k)
        for i in range(settings.repeat):
            for jobs, runs in ((1, one), (2, two)):
                out = _fresh(base / f"out-j{jobs}-{i}")
                runs.append(
                    run_measured(
                        [tools.carebook, "batch", cohort, "--out", out, "--jobs", str(jobs)],
                        env=tools.env,
                        timeout=settings.timeout,
                        # (d) judges time; its memory figure is only reported. With two
                        # workers both cores are busy, so whatever CPU the sampler uses
                        # is taken from that side alone: one sample in 0.2 s (0.7% of a
                        # core), not in 0.05 s (2.8%).
                        interval=0.2,
                    )
                )
    except CommandFailed as err:
        return [_failed_row(row, err)]
    row.measured = median([m.seconds for m in two])
    row.baseline = median([m.seconds for m in one])
    row.value = row.baseline / row.measured
    row.note = "measured = --jobs 2, baseline = --jobs 1"
    row.details.update(
        jobs1_seconds=[round(m.seconds, 2) for m in one],
        jobs2_seconds=[round(m.seconds, 2) for m in two],
        jobs2_peak_gib=round(max(m.peak_total_bytes for m in two) / GIB, 3),
        case_sizes=settings.batch_sizes.text(),
    )
    return [row.judge()]


SCENARIOS = {"a": cold_vs_naive, "b": rebuilds, "c": large_case, "d": batch_workers}


def run_all(tools: Tools, settings: Settings, only: Sequence[str] = tuple(SCENARIOS)) -> list[Row]:
    """Run the chosen scenarios in order and return all their rows.

    The build servers the scenarios start live in a folder of the bench's own (the
    user's own servers are neither used nor stopped) and are stopped at the end.
    """
    import tempfile

    servers = tempfile.mkdtemp(prefix="carebook-bench-servers-")
    tools.env["CAREBOOK_SERVER_DIR"] = servers
    rows: list[Row] = []
    try:
        for key in only:
            log.info("bench (%s) ...", key)
            rows.extend(SCENARIOS[key](tools, settings))
    finally:
        stop_servers(tools)
        shutil.rmtree(servers, ignore_errors=True)
    return rows


def describe(settings: Settings) -> dict[str, Any]:
    """Return the settings as plain JSON values."""
    return {
        "repeat": settings.repeat,
        "big_repeat": settings.big_repeat,
        "case": str(settings.case_dir)
        if settings.case_dir
        else f"generated {settings.case_sizes.text()}",
        "notebooks": str(settings.notebooks),
        "small": settings.small.text(),
        "big": settings.big.text(),
        "batch_cases": settings.batch_cases,
        "batch_sizes": settings.batch_sizes.text(),
        "naive_chain": DESCRIPTION,
    }
