"""Runs that fail must never look like success (reliability.md P0-3, issue 8).

``tests/build/test_build_execute.py`` covers ``1/0``, ``os._exit(1)``, ``sys.exit(0)`` and
a ``time.sleep`` past the timeout on stand-in cases; here the rest of the ways a section
can end early run against a real (small) case: SIGKILL and a segfault of the kernel,
``os._exit(0)``, ``raise SystemExit``, ``sys.exit(1)``, ``KeyboardInterrupt``, a hang that
swallows interrupts, a forged completion mark, a hook that wipes the completion mark's
output, and ``exit()`` in a kernel that the next section reuses. Each must fail the
build naming section and cell, keep the failed notebook, and leave the previous report
exactly as it was, with no half-written file beside it.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from carebook.build import build
from carebook.build.verify import SENTINEL_MARK
from carebook.errors import SectionFailed

pytestmark = pytest.mark.slow

PREVIOUS = {
    "report.html": b"<p>the earlier report</p>",
    "report.pdf": b"%PDF-1.4 the earlier report",
    "metrics.json": b'{"earlier": true}',
    "manifest.json": b"{}",
    "executed/10_earlier.ipynb": b"{}",
}
#: What may sit in an output folder besides the previous report after a failed build.
ALLOWED_EXTRAS = {".carebook.lock", ".carebook-cache", "failed"}


def _section(folder: Path, name: str, *sources: str) -> Path:
    """Write a section notebook: heading, parameters cell, ``x = 1``, *sources*, a summary."""
    cells = [
        new_markdown_cell(f"## {name}"),
        new_code_cell("case_dir = None", metadata={"tags": ["parameters"]}),
        new_code_cell("x = 1"),
        *[new_code_cell(source) for source in sources],
        new_code_cell("summary = 'every cell ran'"),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)
    return folder


def _previous_report(out: Path) -> dict[str, str]:
    for name, data in PREVIOUS.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    return _hashes(out)


def _hashes(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.relative_to(out).parts[0] not in ALLOWED_EXTRAS
    }


def _assert_untouched(out: Path, before: dict[str, str]) -> None:
    assert _hashes(out) == before  # nothing changed, nothing added beside the report
    extras = {p.name for p in out.iterdir()} - {
        "report.html",
        "report.pdf",
        "metrics.json",
        "manifest.json",
        "executed",
    }
    assert extras <= ALLOWED_EXTRAS, extras  # no staging folder, no temp file
    assert not list(out.rglob(".tmp-*")) and not list(out.glob(".staging-*"))


FAILURES = [
    # (id, cell source, error named in the message)
    ("sigkill", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "DeadKernelError"),
    ("segfault", "import ctypes; ctypes.string_at(0)", "DeadKernelError"),
    ("os_exit_0", "import os; os._exit(0)", "DeadKernelError"),
    ("raise_systemexit", "raise SystemExit", "SystemExit"),
    ("sys_exit_1", "import sys; sys.exit(1)", "SystemExit: 1"),
    ("keyboard_interrupt", "raise KeyboardInterrupt", "KeyboardInterrupt"),
    # A terabyte: refused by the allocator, so the cell fails instead of the machine.
    ("memory_bomb", "bytearray(10**12)", "MemoryError"),
    (
        "forged_completion_mark",
        f"print({SENTINEL_MARK!r}); import sys; sys.exit(0)",
        "SystemExit",
    ),
    (
        "hang_swallowing_interrupts",
        "import time  # hang\nwhile True:\n    try:\n        time.sleep(100)\n"
        "    except KeyboardInterrupt:\n        pass",
        "CellTimeoutError",
    ),
]


@pytest.mark.parametrize(
    ("source", "error"), [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES]
)
def test_a_section_that_ends_early_fails_the_build_and_keeps_the_old_report(
    tmp_path, small_case, source, error
):
    out = tmp_path / "out"
    before = _previous_report(out)
    notebooks = _section(tmp_path / "nbs", "10_broken.ipynb", source)
    started = time.perf_counter()
    with pytest.raises(SectionFailed) as info:
        build(small_case, out, notebooks_dir=notebooks, formats=["html"], cell_timeout=3)
    assert time.perf_counter() - started < 60  # a hang is cut off by the cell timeout
    message = str(info.value)
    first_line = source.splitlines()[0]
    # Cell 4 of the source notebook: heading, parameters, x = 1, then the broken one.
    assert f"Section 10_broken.ipynb, cell 4 (`{first_line}`) failed: {error}" in message
    assert "\n" not in message
    assert info.value.notebook == "10_broken.ipynb" and info.value.cell == 3
    kept = out / "failed" / "10_broken.ipynb"
    assert str(kept) in message
    executed = nbformat.read(kept, as_version=4)
    summary = executed.cells[-1]
    assert summary.source == "summary = 'every cell ran'" and summary.execution_count is None
    _assert_untouched(out, before)


def test_a_hook_that_wipes_the_completion_mark_fails_the_build(tmp_path, small_case):
    # Every cell runs, but a post-run hook clears the output of each cell after it,
    # the completion check included: the run cannot be shown to have finished.
    out = tmp_path / "out"
    before = _previous_report(out)
    hook = (
        "from IPython.display import clear_output\n"
        "get_ipython().events.register('post_run_cell', lambda result: clear_output())"
    )
    notebooks = _section(tmp_path / "nbs", "10_wiper.ipynb", hook)
    with pytest.raises(SectionFailed, match=r"Section 10_wiper.ipynb failed: IncompleteRun"):
        build(small_case, out, notebooks_dir=notebooks, formats=["html"], cell_timeout=10)
    _assert_untouched(out, before)


def test_a_cell_clearing_only_its_own_output_is_a_complete_run(tmp_path, small_case):
    # clear_output() inside a cell that then finishes is ordinary notebook use: every
    # cell ran and the completion check printed, so the build succeeds.
    source = "print('working...')\nfrom IPython.display import clear_output\nclear_output()"
    notebooks = _section(tmp_path / "nbs", "10_tidy.ipynb", source)
    result = build(small_case, tmp_path / "out", notebooks_dir=notebooks, formats=["html"])
    assert [s.status for s in result.sections] == ["executed"]
    executed = nbformat.read(tmp_path / "out" / "executed" / "10_tidy.ipynb", as_version=4)
    tidy = next(c for c in executed.cells if c.source == source)
    assert tidy.outputs == [] and tidy.execution_count is not None
    assert executed.cells[-1].execution_count is not None


def test_exit_in_one_section_is_not_blamed_on_the_next(tmp_path, small_case):
    notebooks = _section(tmp_path / "nbs", "10_leaves.ipynb", "exit()")
    _section(notebooks, "20_innocent.ipynb", "y = 2")
    try:
        build(
            small_case,
            tmp_path / "out",
            notebooks_dir=notebooks,
            formats=["html"],
            jobs=1,
            cell_timeout=10,
        )
    except SectionFailed as err:
        # Acceptable: the section that called exit() is named, with its cell.
        assert "10_leaves.ipynb, cell 4 (`exit()`)" in str(err)
    else:  # also acceptable: exit() made harmless and both sections complete
        assert (tmp_path / "out" / "executed" / "20_innocent.ipynb").exists()
