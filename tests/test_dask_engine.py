"""`fingerlog batch --engine dask`: real Dask clusters of 2 worker processes write the store the local engine writes.

Each store is compared with the store of ``--engine local --jobs 1`` on every
table, raw parts included (so a duplicated row would show), all columns but
the scan's own timings.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive_gen import generate_archive, write_rules
from fingerlog.cli import main
from fingerlog.engine.archive import BuildTask
from fingerlog.engine.batch import BuildSummary
from fingerlog.engine.dask_engine import FIRST_GROUP, MAX_TASK_SECONDS, SPLIT, Grouper, group_size
from fingerlog.store import open_store
from fingerlog.store.schema import TABLES

distributed = pytest.importorskip("distributed")

JOBS = 60
#: columns that record when and how fast a scan ran, not what it found.
SCAN_TIME_COLUMNS = {"scanned_at", "duration_s", "snapshot_at"}


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["batch", *map(str, args)])
    return result.exit_code, result.output


def whole_store(store: Path) -> dict[str, list[tuple]]:
    """Every table, current view and raw parts, sorted; scan timings left out."""
    con = open_store(store)
    tables = {}
    for name, table in TABLES.items():
        columns = ", ".join(c.name for c in table.columns if c.name not in SCAN_TIME_COLUMNS)
        for view in (name, f"raw_{name}"):
            tables[view] = sorted(con.execute(f"SELECT {columns} FROM {view}").fetchall(), key=repr)
    return tables


def committed(store: Path) -> int:
    return sum(1 for _ in (store / "builds").glob("day=*/*.parquet")) if (store / "builds").is_dir() else 0


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path]:
    """The batch arguments of a generated archive, and the store ``--engine local --jobs 1`` writes from it."""
    root = tmp_path_factory.mktemp("dask")
    generate_archive(root / "archive", JOBS, seed=4, filler_lines=1500, corrupt=1)
    (root / "archive" / "broken.tar.gz").write_bytes(b"not a tar archive")  # a build that fails to scan
    rules = write_rules(root / "rules")
    args = [str(root / "archive"), "--manifest", str(root / "archive" / "builds.csv"), "--rules", str(rules)]
    code, output = run(*args, "--out", root / "local", "--jobs", "1")
    assert code == 0, output
    return args, root / "local"


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    """A running cluster of 2 worker processes, as `dask scheduler` + 2 `dask worker` would be."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as running:  # fmt: skip
        yield running


@pytest.mark.slow
def test_a_local_cluster_of_jobs_workers_writes_the_local_engines_store(archive, tmp_path: Path) -> None:
    args, reference = archive
    code, output = run(*args, "--out", tmp_path / "s", "--engine", "dask", "--jobs", "2")
    assert code == 0, output
    assert f"{JOBS} builds scanned, 0 skipped, 1 failed" in output
    assert whole_store(tmp_path / "s") == whole_store(reference)
    failures = open_store(tmp_path / "s").execute("SELECT kind FROM errors WHERE path LIKE '%broken.tar.gz'").fetchall()
    assert failures == [("scan-failed",)]


@pytest.mark.slow
def test_a_sigkilled_worker_leaves_the_store_exact(archive, cluster, tmp_path: Path) -> None:
    args, reference = archive
    store = tmp_path / "s"
    killed: list[tuple[int, int]] = []  # (pid, builds committed when it was killed)

    def kill_a_busy_worker_mid_batch() -> None:
        with distributed.Client(cluster) as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                busy = [worker for worker, keys in client.processing().items() if keys]
                if busy and committed(store) >= JOBS // 5:
                    [pid] = client.run(os.getpid, workers=busy[:1]).values()
                    killed.append((pid, committed(store)))
                    os.kill(pid, signal.SIGKILL)
                    return
                time.sleep(0.005)

    killer = threading.Thread(target=kill_a_busy_worker_mid_batch)
    killer.start()
    code, output = run(*args, "--out", store, "--engine", "dask", "--scheduler", cluster.scheduler_address)
    killer.join()
    assert code == 0, output
    [(victim, done)] = killed
    assert done < JOBS, "the worker was killed after the batch"
    with distributed.Client(cluster) as client:
        assert victim not in client.run(os.getpid).values()  # the nanny started a new worker
    assert whole_store(store) == whole_store(reference)


@pytest.mark.slow
def test_an_interrupted_dask_batch_resumes_from_the_store(archive, cluster, tmp_path: Path) -> None:
    args, reference = archive
    store = tmp_path / "s"
    shutil.copytree(reference, store)
    builds = sorted((store / "builds").rglob("*.parquet"))
    for part in builds[: JOBS // 3]:  # as if the driver had stopped before these builds were committed
        part.unlink()
    code, output = run(*args, "--out", store, "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert code == 0, output
    assert f"{JOBS // 3} builds scanned, {JOBS - JOBS // 3} skipped, 1 failed" in output  # broken.tar.gz: tried again
    assert whole_store(store) == whole_store(reference)


def test_an_unreachable_scheduler_is_one_clear_error(archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args, _ = archive
    monkeypatch.setitem(__import__("dask").config.config["distributed"]["comm"]["timeouts"], "connect", "1s")
    code, output = run(*args, "--out", tmp_path / "s", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9")
    assert code == 1
    assert output.startswith("fingerlog: error: cannot use the Dask scheduler at tcp://127.0.0.1:9: ")
    assert output.count("\n") == 1
    assert "Traceback" not in output


def test_a_scheduler_needs_the_dask_engine(archive, tmp_path: Path) -> None:
    args, _ = archive
    code, output = run(*args, "--out", tmp_path / "s", "--scheduler", "tcp://127.0.0.1:8786")
    assert code == 2
    assert "--scheduler needs --engine dask" in output


@pytest.mark.parametrize(
    ("mean_seconds", "remaining", "workers", "size"),
    [
        (None, 10_000, 2, FIRST_GROUP),  # nothing measured yet: small first tasks
        (None, 3, 2, 1),
        (0.001, 400, 2, 400 // (SPLIT * 2)),  # a share of what remains, so the workers finish together
        (0.001, 401, 2, 401 // (SPLIT * 2) + 1),  # rounded up
        (0.001, 5, 2, 2),  # near the end: small tasks
        (0.001, 1, 2, 1),
        (MAX_TASK_SECONDS / 50, 10_000, 2, 50),  # no task scans for more than MAX_TASK_SECONDS
        (0.0, 10_000, 2, 10_000 // (SPLIT * 2)),
        (MAX_TASK_SECONDS * 3, 10_000, 2, 1),  # big builds: one per task
    ],
)
def test_builds_are_grouped_by_share_of_what_remains_and_scan_time(mean_seconds: float | None, remaining: int,
                                                                   workers: int, size: int) -> None:  # fmt: skip
    assert group_size(mean_seconds, remaining, workers) == size


def test_the_grouper_hands_out_every_build_once_in_order_in_ever_smaller_tasks() -> None:
    tasks = [BuildTask(f"/archive/job-{n}") for n in range(500)]
    grouper = Grouper(tasks, workers=2)
    groups = [grouper.next_group() for _ in range(3)]
    grouper.learn([BuildSummary(t.location, "scanned", duration=0.01) for g in groups for t in g])
    while group := grouper.next_group():
        groups.append(group)
    sizes = [len(g) for g in groups]
    assert sizes[:4] == [FIRST_GROUP, FIRST_GROUP, FIRST_GROUP, (500 - 3 * FIRST_GROUP) // (SPLIT * 2)]
    assert sizes[3:] == sorted(sizes[3:], reverse=True)
    assert sizes[-1] == 1
    assert len(groups) < 30, "a few dozen tasks for 500 builds, not one per build"
    assert [t for g in groups for t in g] == tasks
