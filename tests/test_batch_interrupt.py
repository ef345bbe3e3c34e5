"""A batch killed with SIGKILL mid-way, then run again, leaves exactly the store of a clean run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive_gen import generate_archive, write_rules
from fingerlog.cli import main
from fingerlog.store import open_store
from fingerlog.store.schema import TABLES

JOBS = 120
SCAN_TIME_COLUMNS = {"scanned_at", "duration_s", "snapshot_at"}


def rows(store: Path, table: str, *, raw: bool = False) -> list[tuple]:
    columns = [c.name for c in TABLES[table].columns if c.name not in SCAN_TIME_COLUMNS]
    con = open_store(store)
    return sorted(con.execute(f"SELECT {', '.join(columns)} FROM {'raw_' if raw else ''}{table}").fetchall(), key=repr)


def committed(store: Path) -> int:
    return sum(1 for _ in (store / "builds").glob("day=*/*.parquet")) if (store / "builds").is_dir() else 0


@pytest.mark.slow
def test_killed_batch_resumes_to_the_clean_store(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    generate_archive(archive, JOBS, seed=5, filler_lines=400, corrupt=2)
    rules = write_rules(tmp_path / "rules")
    args = [str(archive), "--manifest", str(archive / "builds.csv"), "--rules", str(rules)]

    clean = tmp_path / "clean"
    assert CliRunner().invoke(main, ["batch", *args, "--out", str(clean), "--jobs", "1"]).exit_code == 0

    store = tmp_path / "killed"
    command = [sys.executable, "-c", "from fingerlog.cli import main; main()", "batch", *args, "--out", str(store), "--jobs", "2"]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while committed(store) < 10 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.poll() is None, "the batch finished before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)  # the driver and its workers, as a crash would
    process.wait()
    done = committed(store)
    assert 10 <= done < JOBS

    con = open_store(store)
    assert con.execute("SELECT count(*) = count(DISTINCT (build_key, rule_id, event_id)) FROM hits").fetchone() == (True,)

    result = CliRunner().invoke(main, ["batch", *args, "--out", str(store), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    skipped = int(result.stdout.split(" skipped")[0].rsplit(" ", 1)[1])
    assert skipped == done, "every committed build is skipped, every other one scanned"

    for table in TABLES:
        assert rows(store, table) == rows(clean, table), table
    for table in ("hits", "builds", "errors"):
        assert rows(store, table, raw=True) == rows(store, table), f"leftover {table} parts were tidied"
    assert not list(store.rglob("*.tmp")), "no temporary file survives"


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def worker_pids(driver: int) -> list[int]:
    """The pool's worker processes: the children of the driver's fork server."""
    servers = [pid for pid in children(driver) if b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    return [worker for server in servers for worker in children(server)]


@pytest.mark.slow
def test_a_killed_worker_stops_the_batch_with_one_clear_error_and_a_rerun_completes(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    generate_archive(archive, 80, seed=9, filler_lines=400, corrupt=0)
    rules = write_rules(tmp_path / "rules")
    store = tmp_path / "store"
    args = ["batch", str(archive), "--manifest", str(archive / "builds.csv"), "--rules", str(rules), "--out", str(store)]
    command = [sys.executable, "-c", "from fingerlog.cli import main; main()", *args, "--jobs", "2"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while committed(store) < 5 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.poll() is None, "the batch finished before a worker could be killed"
    workers = worker_pids(process.pid)
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1
    assert stderr.strip().splitlines() == [
        ("fingerlog: error: a worker process died (killed, or out of memory) while scanning; the builds committed "
         "so far are in the store: run the same command again to resume")
    ]
    result = CliRunner().invoke(main, [*args, "--jobs", "1"])
    assert result.exit_code == 0, result.output
    con = open_store(store)
    assert con.execute("SELECT count(*) FROM builds").fetchone() == (80,)
