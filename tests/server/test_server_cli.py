"""``carebook build`` through a build server, end to end, as a student runs it."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from carebook import paths

ARTEFACTS = ("report.html", "report.pdf", "metrics.json")


@pytest.fixture
def servers():
    """An environment whose builds use servers in a folder of their own; stopped after."""
    folder = Path(tempfile.mkdtemp(prefix="cbs-", dir="/tmp"))  # socket paths are short
    env = {**os.environ, "CAREBOOK_SERVER": "1", "CAREBOOK_SERVER_DIR": str(folder),
           "CAREBOOK_SERVER_IDLE": "300"}  # fmt: skip
    env.pop("CI", None)
    yield env
    carebook("server", "stop", env=env)
    shutil.rmtree(folder, ignore_errors=True)


def carebook(*args: str | Path, env: dict[str, str], cwd: Path | None = None,
             check: bool = False) -> subprocess.CompletedProcess[str]:  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "carebook.cli", *map(str, args)],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if check:
        assert result.returncode == 0, result.stderr
    return result


def popen(*args: str | Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "carebook.cli", *map(str, args)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def server_pids(env: dict[str, str]) -> list[int]:
    out = carebook("server", "status", env=env, check=True).stdout
    return [
        int(line.split()[1].rstrip(":")) for line in out.splitlines() if line.startswith("pid ")
    ]


def digests(out: Path) -> dict[str, str]:
    return {
        n: hashlib.sha256((out / n).read_bytes()).hexdigest()
        for n in ARTEFACTS
        if (out / n).exists()
    }


def append_code(notebook: Path, code: str) -> None:
    nb = nbformat.read(notebook, as_version=4)
    cell = next(c for c in reversed(nb.cells) if c.cell_type == "code")
    cell.source = cell.source.rstrip("\n") + "\n" + code
    nbformat.write(nb, notebook)


def wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def server_log(env: dict[str, str]) -> str:
    return "".join(
        p.read_text(encoding="utf-8") for p in Path(env["CAREBOOK_SERVER_DIR"]).glob("*.log")
    )


@pytest.fixture
def notebooks(tmp_path) -> Path:
    folder = tmp_path / "notebooks"
    shutil.copytree(paths.NOTEBOOKS_DIR, folder)
    return folder


def test_rebuilds_reuse_one_server_and_write_the_reports_a_build_alone_writes(
    servers, notebooks, tmp_path
):
    out = tmp_path / "out"
    first = carebook("build", "--out", out, "--notebooks", notebooks, env=servers, check=True)
    assert "Started a build server" in first.stderr
    assert "Report written to" in first.stderr
    [pid] = server_pids(servers)

    again = carebook(
        "build", "--out", out, "--notebooks", notebooks, "--explain", env=servers, check=True
    )
    assert "Started a build server" not in again.stderr
    assert again.stdout.count(" reused ") == 6
    assert "report: up to date, left as it was" in again.stdout

    append_code(notebooks / "60_bibliography.ipynb", "# a student's note")
    edited = carebook(
        "build", "--out", out, "--notebooks", notebooks, "--explain", env=servers, check=True
    )
    executed = [line.split()[0] for line in edited.stdout.splitlines() if " executed " in line]
    assert executed == ["60_bibliography.ipynb"]
    assert server_pids(servers) == [pid]
    assert "build 3: exit 0" in server_log(servers)

    alone = tmp_path / "alone"
    carebook(
        "build", "--out", alone, "--notebooks", notebooks, "--no-server", env=servers, check=True
    )
    assert digests(out) == digests(alone)
    assert len(digests(out)) == 3

    family = [pid, *(c.pid for c in psutil.Process(pid).children(recursive=True))]
    assert len(family) > 1  # its zygote, spare kernel and Chromium
    stopped = carebook("server", "stop", env=servers, check=True)
    assert stopped.stdout.strip() == "Stopped 1 build server(s)."
    assert wait_for(lambda: not any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"
                                    for p in family), 30)  # fmt: skip
    assert not list(Path(servers["CAREBOOK_SERVER_DIR"]).glob("*.sock"))


def test_an_invalid_case_is_reported_as_a_build_alone_reports_it(servers, tmp_path):
    case = tmp_path / "case"
    shutil.copytree(paths.SAMPLE_CASE, case)
    survey = case / "survey.csv"
    lines = survey.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("csat")] = "eleven"
    survey.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n", encoding="utf-8")

    served = carebook("build", case, "--out", tmp_path / "out", env=servers)
    alone = carebook("build", case, "--out", tmp_path / "out", "--no-server", env=servers)
    assert served.returncode == alone.returncode == 2
    shown = [
        line for line in served.stderr.splitlines() if not line.startswith("Started a build server")
    ]
    assert shown == alone.stderr.splitlines()
    assert "survey.csv:2:csat:" in served.stderr
    assert len(server_pids(servers)) == 1


def test_ctrl_c_stops_the_build_keeps_the_last_report_and_ends_the_server(
    servers, notebooks, tmp_path
):
    out = tmp_path / "out"
    carebook(
        "build", "--out", out, "--notebooks", notebooks, "--format", "html", env=servers, check=True
    )
    before = digests(out)
    [pid] = server_pids(servers)

    append_code(notebooks / "50_review.ipynb", "import time\ntime.sleep(600)")
    slow = popen("build", "--out", out, "--notebooks", notebooks, "--format", "html", env=servers)
    assert wait_for(lambda: "build 2: carebook build" in server_log(servers))

    # Meanwhile the server is busy: another build runs in its own process, and works.
    other = carebook(
        "build", "--out", tmp_path / "other", "--format", "html", env=servers, check=True
    )
    assert "Report written to" in other.stderr
    assert "build 3" not in server_log(servers)

    time.sleep(1)  # the slow section is running
    slow.send_signal(signal.SIGINT)
    stdout, stderr = slow.communicate(timeout=60)
    assert slow.returncode == 130, stderr
    assert "interrupted; the previous report was left as it was" in stderr
    assert digests(out) == before
    assert wait_for(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie")
    assert "stopping: a build was interrupted" in server_log(servers)


def test_a_client_killed_mid_build_cancels_its_build(servers, notebooks, tmp_path):
    append_code(notebooks / "20_strategy.ipynb", "import time\ntime.sleep(600)")
    client = popen("build", "--out", tmp_path / "out", "--notebooks", notebooks, "--format", "html",
                   env=servers)  # fmt: skip
    assert wait_for(lambda: "build 1: carebook build" in server_log(servers))
    [pid] = server_pids(servers)
    time.sleep(1)
    client.kill()
    client.communicate(timeout=30)
    assert wait_for(
        lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie", 60
    )
    log = server_log(servers)
    assert "(interrupted)" in log and "stopping: a build was interrupted" in log
    assert not (tmp_path / "out" / "report.html").exists()


def test_an_idle_server_stops_by_itself(servers, tmp_path):
    servers["CAREBOOK_SERVER_IDLE"] = "1"
    carebook("build", tmp_path / "no-such-case", "--out", tmp_path / "out", env=servers)
    folder = Path(servers["CAREBOOK_SERVER_DIR"])
    assert wait_for(lambda: not list(folder.glob("*.sock")), 30)
    assert "stopping: no build for 1 s" in server_log(servers)


def test_no_server_on_ci_or_in_a_folder_others_can_enter(servers, tmp_path):
    on_ci = {**servers, "CI": "true"}
    on_ci.pop("CAREBOOK_SERVER")
    result = carebook("build", tmp_path / "no-such-case", "--out", tmp_path / "out", env=on_ci)
    assert result.returncode == 2
    assert "build server" not in result.stderr
    assert not list(Path(servers["CAREBOOK_SERVER_DIR"]).iterdir())

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    result = carebook("build", tmp_path / "no-such-case", "--out", tmp_path / "out",
                      env={**servers, "CAREBOOK_SERVER_DIR": str(shared)})  # fmt: skip
    assert result.returncode == 2
    assert f"build server not used: {shared} is open to other users" in result.stderr
    assert not list(shared.iterdir())
