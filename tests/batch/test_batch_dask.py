"""The Dask path: case builds sent to a real LocalCluster on loopback (slow)."""

from __future__ import annotations

import socket

import pytest
from batchhelpers import HOSTILE_GOOD

from carebook.batch import run_batch, runner
from carebook.errors import CarebookError

pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes, one thread each, on 127.0.0.1 only."""
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield local


@pytest.fixture(scope="module")
def dask_batch(cohort, cluster, tmp_path_factory):
    out = tmp_path_factory.mktemp("dask") / "out"
    return run_batch(cohort, out, scheduler=cluster.scheduler_address, formats=("html",))


def _ran_on_cluster(cluster) -> dict[str, int]:
    """How many tasks of each kind finished with a result, by task name prefix."""

    def prefixes(dask_scheduler):
        # state_counts accumulates transitions; "memory" is entered once per task that
        # returned a result to the scheduler.
        return {
            name: prefix.state_counts["memory"]
            for name, prefix in dask_scheduler.task_prefixes.items()
        }

    with distributed.Client(cluster.scheduler_address) as client:
        return client.run_on_scheduler(prefixes)


def test_rows_are_the_same_as_a_local_batch(dask_batch, cluster):
    rows = {r.name: r for r in dask_batch.results}
    assert {n: r.status for n, r in rows.items()} == {
        HOSTILE_GOOD: "built",
        "broken": "failed",
        "notes": "not a case",
    }
    assert rows["broken"].section == "case validation"
    good = rows[HOSTILE_GOOD]
    assert good.figures["respondents"] == 200 and good.words and good.words > 0
    assert (dask_batch.out_dir / good.html).is_file() and good.pdf == ""
    assert dask_batch.workers == cluster.scheduler_address
    assert dask_batch.summary_csv.is_file()


def test_the_cluster_ran_one_task_per_case(dask_batch, cluster):
    # Two case folders (the non-case folder is never sent): both went through the scheduler.
    assert _ran_on_cluster(cluster).get("build_case") == 2


def test_an_unreachable_scheduler_is_a_clear_error(cohort, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "CONNECT_TIMEOUT", 2)
    with socket.socket() as sock:  # a free port with nothing listening on it
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(CarebookError, match="cannot reach the Dask scheduler"):
        run_batch(cohort, tmp_path / "out", scheduler=f"tcp://127.0.0.1:{port}")
