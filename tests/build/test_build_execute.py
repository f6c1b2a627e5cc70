"""Execution on reused kernels: failures are caught and named, state does not leak."""

from __future__ import annotations

import json
import os
import time

import nbformat
import pytest
from buildhelpers import (
    kernel_settings,
    notebooks_from,
    previous_report,
    section_job,
    sha256_tree,
)

from carebook.build import build
from carebook.errors import SectionFailed

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("fixture", "cell", "source", "error"),
    [
        ("raises.ipynb", 3, "1/0", "ZeroDivisionError: division by zero"),
        ("kernel_dies.ipynb", 2, "import os; os._exit(1)", "DeadKernelError"),
        ("sysexit0.ipynb", 2, "import sys; sys.exit(0)", "SystemExit"),
        ("hangs.ipynb", 2, "import time; time.sleep(10**6)", "CellTimeoutError"),
    ],
)
def test_failures_are_named_and_leave_the_previous_report(
    tmp_path, case_factory, fixture, cell, source, error
):
    out = tmp_path / "out"
    before = previous_report(out)
    nbs = notebooks_from(tmp_path / "nbs", fixture)
    name = f"10_{fixture}"
    started = time.perf_counter()
    with pytest.raises(SectionFailed) as info:
        build(case_factory(), out, notebooks_dir=nbs, formats=["html"], cell_timeout=3)
    assert time.perf_counter() - started < 30  # the 10**6 s sleep was cut off
    err = info.value
    message = str(err)
    assert f"{name}, cell {cell} (`{source}`)" in message
    assert error in message
    assert "\n" not in message  # one readable paragraph
    assert err.notebook == name and err.cell == cell - 1
    kept = out / "failed" / name
    assert err.executed_path == str(kept) and str(kept) in message
    assert nbformat.read(kept, as_version=4).cells  # a readable notebook
    assert str(tmp_path) not in kept.read_text(encoding="utf-8")  # P2-17
    assert sha256_tree(out) == before
    assert not list(out.glob(".staging-*"))


def test_later_sections_are_not_started_after_a_failure(tmp_path, case_factory):
    nbs = notebooks_from(tmp_path / "nbs", "raises.ipynb", "intro.ipynb")
    with pytest.raises(SectionFailed, match="10_raises.ipynb"):
        build(case_factory(), tmp_path / "out", notebooks_dir=nbs, formats=["html"], jobs=1)
    assert not (tmp_path / "out" / "failed" / "20_intro.ipynb").exists()


def _executed(out, name):
    return nbformat.read(out / "executed" / name, as_version=4)


def test_one_kernel_runs_several_sections_with_a_clean_namespace(tmp_path, case_factory):
    nbs = notebooks_from(tmp_path / "nbs", "defines_name.ipynb", "checks_name.ipynb")
    result = build(case_factory(), tmp_path / "out", notebooks_dir=nbs, formats=["html"], jobs=1)
    assert [s.status for s in result.sections] == ["executed", "executed"]
    first = _executed(tmp_path / "out", "10_defines_name.ipynb")
    second = _executed(tmp_path / "out", "20_checks_name.ipynb")
    pid_first = first.cells[-1].outputs[-1]["data"]["text/plain"]
    pid_second = second.cells[-1].outputs[-1]["data"]["text/plain"]
    assert pid_first == pid_second  # the same kernel process ran both
    assert "leak is undefined" in json.dumps(second.cells[-1].outputs)
    # Execution counts restart in every notebook although the kernel kept counting.
    assert [c.execution_count for c in second.cells if c.cell_type == "code"] == [1, 2, 3]


def test_parallel_and_serial_builds_give_identical_outputs(tmp_path, case_factory):
    case = case_factory()
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", "findings.ipynb")
    params = {"seed": "7", "label": "007"}
    serial = build(
        case, tmp_path / "one", notebooks_dir=nbs, formats=["html"], params=params, jobs=1
    )
    parallel = build(
        case, tmp_path / "two", notebooks_dir=nbs, formats=["html"], params=params, jobs=2
    )
    assert sha256_tree(tmp_path / "one") == sha256_tree(tmp_path / "two")
    assert [s.name for s in serial.sections] == [s.name for s in parallel.sections]


# --- the kernel pool: kernels started before there is work --------------------------


def _child_pids():
    """PIDs of this process's live children (kernels are started as children)."""
    me, found = str(os.getpid()), set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me and fields[0] != "Z":
            found.add(int(entry))
    return found


def test_a_pool_closed_before_it_runs_anything_shuts_its_kernels_down(tmp_path):
    from carebook.build.execute import KernelPool

    before = _child_pids()
    pool = KernelPool(kernel_settings(tmp_path))
    pool.start(2, warm_up="import time; time.sleep(600)")  # still warming up when closed
    deadline = time.monotonic() + 60
    while len(_child_pids() - before) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(_child_pids() - before) == 2
    started = time.monotonic()
    pool.close()
    assert time.monotonic() - started < 20
    assert not (_child_pids() - before)


def test_ctrl_c_during_a_long_cell_ends_the_kernels_at_once(tmp_path):
    """Each kernel has a session of its own, so a terminal's Ctrl+C reaches the build only."""
    import signal
    import threading

    from carebook.build.execute import KernelPool, run_sections

    before = _child_pids()
    pool = KernelPool(kernel_settings(tmp_path, cell_timeout=600))
    jobs = [section_job("10_a.ipynb", "import time\ntime.sleep(120)")]
    ctrl_c = threading.Timer(5, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT))
    ctrl_c.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with pool:
            run_sections(jobs, pool.settings, workers=1, pool=pool)
    ctrl_c.cancel()
    assert time.monotonic() - started < 60  # not after the cell's 120 s
    assert not (_child_pids() - before)


def test_sections_see_neither_the_warm_up_nor_each_other_and_get_the_build_date(tmp_path):
    from carebook.build.execute import KernelPool, run_sections

    pool = KernelPool(kernel_settings(tmp_path))
    pool.start(1, warm_up="warm_name = 1\nimport os\nos.environ['SOURCE_DATE_EPOCH'] = 'stale'")
    clean = "assert 'warm_name' not in globals() and 'left' not in globals()"
    show = "import os\nprint(os.environ['SOURCE_DATE_EPOCH'], shared)"
    jobs = [
        section_job("10_a.ipynb", clean, "left = 1", show),
        section_job("20_b.ipynb", clean, show),
    ]
    with pool:  # a pool handed to run_sections is closed by its owner
        runs = run_sections(
            jobs, pool.settings, workers=1, pool=pool,
            section_env={"SOURCE_DATE_EPOCH": "1400630400"}, prelude="shared = 'handed over'",
        )  # fmt: skip
    assert [r.status for r in runs] == ["executed", "executed"], [r.failure for r in runs]
    for run in runs:  # the check is the last cell before carebook's sentinel
        assert run.nb.cells[-2].outputs[0]["text"].strip() == "1400630400 handed over"


def test_a_warm_up_that_kills_its_kernel_costs_only_a_new_kernel(tmp_path):
    from carebook.build.execute import KernelPool, run_sections

    pool = KernelPool(kernel_settings(tmp_path))
    pool.start(1, warm_up="import os; os._exit(1)")
    with pool:
        runs = run_sections(
            [section_job("10_a.ipynb", "print('ran')")], pool.settings, workers=1, pool=pool
        )
    assert runs[0].status == "executed", runs[0].failure


class _FakeKernel:
    """A kernel client and manager in one, scripted: which iopub messages get through."""

    def __init__(self, *, iopub_after: int = 1, alive: bool = True, answers: bool = True):
        self.requests: list[str] = []
        self.iopub: list[dict] = []
        self.shell: list[dict] = []
        self.iopub_after = iopub_after  # the request from which iopub is subscribed
        self.alive = alive
        self.answers = answers

    def kernel_info(self):
        msg_id = f"info-{len(self.requests) + 1}"
        self.requests.append(msg_id)
        if self.answers:
            for parent, kind in (("old", "execute_reply"), (msg_id, "kernel_info_reply")):
                self.shell.append({"parent_header": {"msg_id": parent}, "msg_type": kind})
        if len(self.requests) >= self.iopub_after:  # lost before the subscription is live
            for state in ("busy", "idle"):
                self.iopub.append({"parent_header": {"msg_id": msg_id}, "msg_type": "status",
                                   "content": {"execution_state": state}})  # fmt: skip
        return msg_id

    async def _get(self, box, timeout):
        import queue

        if not box:
            raise queue.Empty
        return box.pop(0)

    async def get_shell_msg(self, timeout=None):
        return await self._get(self.shell, timeout)

    async def get_iopub_msg(self, timeout=None):
        return await self._get(self.iopub, timeout)

    async def is_alive(self):
        return self.alive


def test_a_kernel_is_ready_at_its_first_iopub_message_without_waiting_for_quiet():
    import asyncio

    from carebook.build.execute import _wait_until_ready

    kernel = _FakeKernel()
    asyncio.run(_wait_until_ready(kernel, kernel, timeout=5))
    assert kernel.requests == ["info-1"]
    # jupyter_client's wait_for_ready reads iopub until it is quiet for 0.2 s; one message
    # is enough to know the subscription is live, the rest is left to be ignored.
    assert len(kernel.iopub) == 1


def test_a_kernel_info_whose_status_was_lost_is_asked_again():
    import asyncio

    from carebook.build.execute import _wait_until_ready

    kernel = _FakeKernel(iopub_after=3)  # zmq's slow joiner: the first two are dropped
    asyncio.run(_wait_until_ready(kernel, kernel, timeout=5))
    assert kernel.requests == ["info-1", "info-2", "info-3"]


def test_a_kernel_that_dies_or_never_answers_is_reported():
    import asyncio

    from carebook.build.execute import _wait_until_ready

    dead = _FakeKernel(alive=False, answers=False)
    with pytest.raises(RuntimeError, match="died before replying"):
        asyncio.run(_wait_until_ready(dead, dead, timeout=5))
    silent = _FakeKernel(answers=False)
    with pytest.raises(RuntimeError, match="did not answer within 0.2 seconds"):
        asyncio.run(_wait_until_ready(silent, silent, timeout=0.2))
