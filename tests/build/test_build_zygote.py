"""Kernels forked from a zygote that imported once: same kernels, watched through pidfds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from buildhelpers import kernel_settings, notebooks_from, section_job, sha256_tree

from carebook.build import build, zygote

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not zygote.supported(), reason="kernels are not forked here"),
]


def _printed(run):
    """The text the section's last cell printed (the cell before carebook's sentinel)."""
    return run.nb.cells[-2].outputs[0]["text"].strip()


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_kernels_are_forked_from_the_zygote_with_its_imports_and_their_own_setting(tmp_path):
    from carebook.build.execute import KernelPool, run_sections

    settings = kernel_settings(tmp_path, cell_timeout=20, CAREBOOK_TEST_MARK="kernel-env")
    report = (
        "import os, sys\n"
        "print(os.getppid(), 'wave' in sys.modules, os.getcwd(), os.environ['CAREBOOK_TEST_MARK'],"
        " hash('apple'), os.getpgid(0) == os.getpid())"
    )
    with KernelPool(settings) as pool:
        pool.start(2, preload="import wave")  # a module nothing else imports
        zygote_pid = pool._zygote.process.pid
        runs = run_sections(
            [section_job("10_a.ipynb", report), section_job("20_b.ipynb", report)],
            settings, workers=2, pool=pool,
        )  # fmt: skip
    seeded = subprocess.run(
        [sys.executable, "-c", "print(hash('apple'))"],
        env={**os.environ, "PYTHONHASHSEED": "0"}, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    for run in runs:
        assert run.status == "executed", run.failure
        parent, preloaded, cwd, mark, hashed, leads_group = _printed(run).split()
        assert int(parent) == zygote_pid
        assert preloaded == "True"  # imported once, by the zygote
        assert cwd == str(tmp_path) and mark == "kernel-env"
        assert hashed == seeded  # PYTHONHASHSEED=0, as for a kernel started on its own
        assert leads_group == "True"  # its own process group, as jupyter_client starts it


def test_kernels_keep_no_input_history_and_never_collect_what_was_imported_first(
    tmp_path, monkeypatch
):
    from carebook.build.execute import KernelPool, run_sections
    from carebook.build.pipeline import warm_up_code

    settings = kernel_settings(tmp_path, cell_timeout=20)
    show = (
        "import gc\n"
        "print(get_ipython().history_manager.enabled, gc.isenabled(), gc.get_freeze_count() > 0)"
    )
    jobs = [section_job("10_a.ipynb", show), section_job("20_b.ipynb", show)]
    with KernelPool(settings) as pool:
        pool.start(2, preload="import wave")  # forked: the zygote froze its imports
        assert pool._zygote is not None
        forked = run_sections(jobs, settings, workers=2, pool=pool)
    monkeypatch.setenv("CAREBOOK_FORK_KERNELS", "0")
    with KernelPool(settings) as pool:
        pool.start(1, warm_up=warm_up_code())  # a new process: its warm-up freezes them
        started = run_sections(jobs[:1], settings, workers=1, pool=pool)
    for run in forked + started:
        assert run.status == "executed", run.failure
        history, collects, frozen = _printed(run).split()
        assert history == "False"  # nothing written to the user's IPython history file
        assert collects == "True"  # cycles made by the sections are still collected
        assert frozen == "True"


def test_a_forked_kernel_that_dies_is_noticed_at_once(tmp_path):
    from carebook.build.execute import KernelPool, run_sections

    settings = kernel_settings(tmp_path, cell_timeout=20)
    started = time.monotonic()
    with KernelPool(settings) as pool:
        pool.start(1, preload="import wave")
        runs = run_sections(
            [
                # the longest section runs first
                section_job("10_dies.ipynb", "import os  # the kernel ends here\nos._exit(3)"),
                section_job("20_after.ipynb", "print('ran')"),
            ],
            settings, workers=1, pool=pool,
        )  # fmt: skip
    assert runs[0].status == "failed" and runs[0].failure.ename == "DeadKernelError"
    assert runs[1].status == "skipped"  # no new section after a failure (as before)
    assert time.monotonic() - started < 15  # seen through the pidfd, not the cell timeout


def test_a_timed_out_forked_kernel_is_killed_with_what_it_started(tmp_path):
    from carebook.build.execute import KernelPool, run_sections

    settings = kernel_settings(tmp_path, cell_timeout=3)
    pids = tmp_path / "pids"
    spawn = (
        "import os, subprocess\n"
        "child = subprocess.Popen(['sleep', '600'])\n"
        f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')"
    )
    started = time.monotonic()
    with KernelPool(settings) as pool:
        pool.start(1, preload="import wave")
        runs = run_sections(
            [section_job("10_hangs.ipynb", spawn, "import time; time.sleep(10**6)")],
            settings, workers=1, pool=pool,
        )  # fmt: skip
    assert runs[0].failure.ename == "CellTimeoutError"
    assert time.monotonic() - started < 40
    kernel, child = (int(p) for p in pids.read_text().split())
    deadline = time.monotonic() + 10
    while (_alive(kernel) or _alive(child)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(kernel) and not _alive(child)  # the kernel's whole process group


def test_once_its_kernels_are_shut_down_after_the_run_a_pool_lets_its_zygote_exit(tmp_path):
    from carebook.build.execute import KernelPool, run_sections

    settings = kernel_settings(tmp_path, cell_timeout=20)
    borrowed = zygote.Zygote(settings.env, settings.cwd, "import wave")
    try:
        with KernelPool(settings) as pool:
            pool.start(2, preload="import wave")
            own = pool._zygote.process
            run_sections([section_job("10_a.ipynb", "1"), section_job("20_b.ipynb", "2")],
                         settings, workers=2, pool=pool)  # fmt: skip
            # Before close(): the build goes on (assembles, prints) while it exits.
            assert own.wait(timeout=30) == 0
        # A zygote lent by a watch session serves its later builds: it is left running.
        with KernelPool(settings, zygote=borrowed) as pool:
            pool.start(1)
            run_sections([section_job("10_a.ipynb", "1")], settings, workers=1, pool=pool)
        time.sleep(0.5)
        assert borrowed.alive
    finally:
        borrowed.close()


def test_closing_the_pool_ends_the_zygote_and_every_kernel(tmp_path):
    from carebook.build.execute import KernelPool

    pids = tmp_path / "pid"
    pool = KernelPool(kernel_settings(tmp_path, cell_timeout=20))
    pool.start(2, warm_up=f"import os; open({str(pids)!r} + str(os.getpid()), 'w').close()\n"
               "import time; time.sleep(600)", preload="import wave")  # fmt: skip
    zygote_pid = pool._zygote.process.pid
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("pid*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    kernels = [int(p.name[3:]) for p in tmp_path.glob("pid*")]
    assert len(kernels) == 2 and all(_alive(k) for k in kernels)
    started = time.monotonic()
    pool.close()
    assert time.monotonic() - started < 20
    time.sleep(0.5)
    assert not _alive(zygote_pid) and not any(_alive(k) for k in kernels)


# A build that lends its end of the zygote's socket to a long-lived process (here `sleep`,
# as a library that forks without closing its descriptors would), then dies by SIGKILL.
_KILLED_BUILD = """
import subprocess, sys, time
from pathlib import Path
from carebook.build.execute import KernelPool, KernelSettings
from carebook.build.pipeline import kernel_environment

folder = Path(sys.argv[1])
pool = KernelPool(KernelSettings(env=kernel_environment(None), cwd=folder, cell_timeout=20))
pool.start(1, warm_up="import os; open('kernel-' + str(os.getpid()), 'w').close()\\n"
           "import time; time.sleep(600)", preload="import wave")
holder = pool._zygote._socket.fileno()
sleeper = subprocess.Popen(["sleep", "600"], pass_fds=(holder,))
print(pool._zygote.process.pid, sleeper.pid, flush=True)
time.sleep(600)
"""


def test_a_zygote_and_its_kernels_end_when_the_build_is_killed(tmp_path):
    build = subprocess.Popen(
        [sys.executable, "-c", _KILLED_BUILD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        zygote_pid, holder_pid = map(int, build.stdout.readline().split())
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("kernel-*")) and time.monotonic() < deadline:
            time.sleep(0.1)
        kernels = [int(p.name.split("-")[1]) for p in tmp_path.glob("kernel-*")]
        assert kernels and _alive(zygote_pid) and all(_alive(k) for k in kernels)
    finally:
        build.kill()
        build.wait()
    try:
        deadline = time.monotonic() + 15
        while (_alive(zygote_pid) or any(map(_alive, kernels))) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(zygote_pid), "the zygote outlived the build that started it"
        assert not any(_alive(k) for k in kernels), "a kernel outlived its zygote"
    finally:  # whatever the outcome: the socket's other holder, then what may be left
        for pid in (holder_pid, zygote_pid, *kernels):
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_without_a_zygote_kernels_start_the_usual_way(tmp_path, monkeypatch):
    from carebook.build.execute import KernelPool, run_sections

    settings = kernel_settings(tmp_path, cell_timeout=20)
    show = "import os; print(os.getppid())"
    with KernelPool(settings) as pool:
        pool.start(1, preload="import wave")
        pool._zygote.process.send_signal(signal.SIGKILL)  # the zygote died
        pool._zygote.process.wait()
        runs = run_sections([section_job("10_a.ipynb", show)], settings, workers=1, pool=pool)
    assert runs[0].status == "executed", runs[0].failure
    assert int(_printed(runs[0])) == os.getpid()  # started by this process itself

    monkeypatch.setenv("CAREBOOK_FORK_KERNELS", "0")
    assert not zygote.supported()
    with KernelPool(settings) as pool:
        pool.start(1, preload="import wave")
        assert pool._zygote is None
        runs = run_sections([section_job("10_a.ipynb", show)], settings, workers=1, pool=pool)
    assert int(_printed(runs[0])) == os.getpid()


def test_forked_kernel_polls_waits_and_signals_through_its_pidfd():
    process = subprocess.Popen(["sleep", "600"])
    kernel = zygote.ForkedKernel(process.pid, os.pidfd_open(process.pid))
    assert kernel.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        kernel.wait(timeout=0.1)
    kernel.terminate()
    assert kernel.wait(timeout=10) == -1  # the status is the reaper's, not ours
    assert kernel.poll() == -1
    kernel.kill()  # ended: nothing to signal, no error
    process.wait()


def test_a_zygote_refuses_a_request_it_cannot_read(tmp_path):
    from carebook.build.pipeline import kernel_environment

    with zygote.Zygote(kernel_environment(None), tmp_path, "") as z:
        with z._lock:
            z._socket.sendall(b"not json")
            answer = z._socket.recv(4096)
            assert b"error" in answer
            request = {"connection_file": "k.json", "env": {}, "cwd": str(tmp_path)}
            z._socket.sendall(json.dumps({**request, "options": ["-c", "import os"]}).encode())
            answer = z._socket.recv(4096)
        assert b"--Class.trait=value" in answer  # only kernel settings, never code to run
        assert z.alive  # still serving
    assert z.process is None


def test_builds_with_and_without_forked_kernels_are_identical(tmp_path, case_factory, monkeypatch):
    case = case_factory()
    nbs = notebooks_from(tmp_path / "nbs", "intro.ipynb", "findings.ipynb")
    params = {"seed": "7", "label": "007"}
    build(case, tmp_path / "forked", notebooks_dir=nbs, formats=["html"], params=params, jobs=2)
    monkeypatch.setattr(zygote, "supported", lambda: False)  # same environment otherwise
    build(case, tmp_path / "started", notebooks_dir=nbs, formats=["html"], params=params, jobs=2)
    assert sha256_tree(tmp_path / "forked") == sha256_tree(tmp_path / "started")


def test_the_builds_preload_runs_in_a_fresh_interpreter(tmp_path):
    # A zygote whose preload raised would not start, and every kernel would fall back
    # to starting the slow way, with nothing but a log line to show for it.
    from carebook import paths
    from carebook.build.pipeline import preload_code

    code = preload_code() + "\nimport sys; print(sys.modules['citeproc'].__name__)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=paths.NOTEBOOKS_DIR, capture_output=True, text=True, timeout=120,
        env={**os.environ, "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "citeproc"


# --- a zygote shared by several processes (carebook batch's workers) ------------------------


def test_a_shared_zygote_forks_kernels_for_each_process_that_connects(tmp_path):
    from carebook.build.execute import KernelPool, run_sections

    settings = kernel_settings(tmp_path, cell_timeout=20)
    report = "import os, sys\nprint(os.getppid(), 'wave' in sys.modules)"
    with zygote.Zygote(settings.env, settings.cwd, "import wave", shared=True) as shared:
        folder = os.path.dirname(shared.address)
        assert os.stat(folder).st_mode & 0o777 == 0o700  # this user's alone
        parents = []
        for name in ("10_a.ipynb", "20_b.ipynb"):  # as two workers would, one after the other
            with zygote.SharedZygote(shared.address) as connection:
                assert connection.alive
                with KernelPool(settings, zygote=connection) as pool:
                    pool.start(1)
                    (run,) = run_sections(
                        [section_job(name, report)], settings, workers=1, pool=pool
                    )
                assert run.status == "executed", run.failure
                parents.append(_printed(run).split())
            assert not connection.alive  # closed: the zygote itself goes on
        assert parents == [[str(shared.process.pid), "True"]] * 2
        assert shared.alive
    assert not os.path.exists(folder)  # the socket's folder goes with the zygote


def test_a_worker_that_goes_away_takes_the_kernels_forked_for_it_along(tmp_path):
    from carebook.build.execute import KernelPool

    pids = tmp_path / "pid"
    settings = kernel_settings(tmp_path, cell_timeout=20)
    with zygote.Zygote(settings.env, settings.cwd, "import wave", shared=True) as shared:
        connection = zygote.SharedZygote(shared.address)
        pool = KernelPool(settings, zygote=connection)
        pool.start(1, warm_up=f"import os; open({str(pids)!r} + str(os.getpid()), 'w').close()\n"
                   "import time; time.sleep(600)")  # fmt: skip
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("pid*")) and time.monotonic() < deadline:
            time.sleep(0.1)
        (kernel,) = [int(p.name[3:]) for p in tmp_path.glob("pid*")]
        assert _alive(kernel)
        connection.close()  # as a worker killed mid-build closes it: the pool never shuts it down
        deadline = time.monotonic() + 10
        while _alive(kernel) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(kernel), "a kernel outlived the connection it was forked for"
        assert shared.alive  # the other workers' zygote is still there
        pool.close()


def test_a_shared_zygote_turns_away_another_users_connection(monkeypatch):
    import select
    import socket

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind("\0carebook-test-" + str(os.getpid()))  # abstract: nothing left on disk
    listener.listen(1)
    caller = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    caller.connect(listener.getsockname())
    monkeypatch.setattr(zygote, "_peer", lambda sock: (1, os.getuid() + 1, 1))
    connections = {}
    zygote._accept(listener, select.poll(), connections)
    assert connections == {}
    assert caller.recv(16) == b""  # the zygote hung up
    caller.close()
    listener.close()


def test_a_shared_zygote_that_is_gone_cannot_be_connected_to(tmp_path):
    settings = kernel_settings(tmp_path)
    shared = zygote.Zygote(settings.env, settings.cwd, "", shared=True)
    address = shared.address
    shared.close()
    with pytest.raises(zygote.ZygoteError, match="cannot be reached"):
        zygote.SharedZygote(address)
