"""Dask engine against the local engine (``make bench-batch``): prints numbers and ratios.

On the same generated archive (tests/archive_gen.py, shared with
bench/batch_bench.py), in the same run:

1. ``fingerlog batch --engine local --jobs 2``;
2. ``fingerlog batch --engine dask --jobs 2``: the command starts its own local cluster;
3. ``fingerlog batch --engine dask --scheduler ...`` on a cluster of 2 workers
   already running (how a team runs it), so cluster start-up is not counted;

each timed end to end as a user runs it (a new ``fingerlog`` process: start-up,
planning, rules, scan, store; for (2), starting and stopping the cluster too),
into a fresh store, with the same archive and rules; the bench stops if a run's
summary (builds, failures, MB, hits, unreadable files) differs from the first's.  The machine is shared, so
the three runs are repeated in turns (FINGERLOG_BENCH_REPEAT, default 3) and
each is judged by its median.  Printed: builds/s and MB/s of each, the
dask/local ratios (target: >= 0.9 on 2 workers), and Dask's per-task overhead:
the time per no-op task on that cluster, paid by each of the few dozen tasks
(builds grouped, see fingerlog.engine.dask_engine) of a batch.

Size: FINGERLOG_BENCH_JOBS (default 400 jobs).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from archive_gen import generate_archive, write_rules

from fingerlog.engine.dask_engine import MAX_TASK_SECONDS

DATA = REPO / "bench" / "data" / "batch"
FINGERLOG = [str(REPO / ".venv/bin/fingerlog")] if (REPO / ".venv/bin/fingerlog").exists() else [sys.executable, "-m", "fingerlog.cli"]
NOOP_TASKS = 500
#: what a run did (its summary line without the timing): every run of every engine must match the first
WORK = re.compile(r"\d+ builds scanned, \d+ skipped, \d+ failed; [\d,.]+ MB, \d+ hits, \d+ unreadable files")
EXPECTED: dict[str, str] = {}
LOCAL = "local --jobs 2"
SELF_STARTED = "dask --jobs 2 (starts its cluster)"
RUNNING = "dask on a running 2-worker cluster"


def archive_of(jobs: int) -> tuple[Path, Path, float]:
    """The generated archive (reused when present), its rules, and its megabytes of logs."""
    archive = DATA / f"archive-{jobs}"
    if not (archive / "builds.csv").exists():
        shutil.rmtree(archive, ignore_errors=True)
        plan = generate_archive(archive, jobs, seed=11, filler_lines=4000, corrupt=2)
        (archive / "size").write_text(str(sum(b.size for b in plan)))
    return archive, write_rules(DATA / "rules"), int((archive / "size").read_text()) / 1e6


def timed_batch(archive: Path, rules: Path, name: str, *options: str) -> float:
    """Seconds of one ``fingerlog batch`` into a fresh store; fails unless it did the work every run must do."""
    store = DATA / f"store-{name}"
    shutil.rmtree(store, ignore_errors=True)
    started = time.perf_counter()
    done = subprocess.run([*FINGERLOG, "batch", str(archive), "--manifest", str(archive / "builds.csv"), "--rules",
                           str(rules), "--out", str(store), *options], check=True, capture_output=True, text=True)  # fmt: skip
    took = time.perf_counter() - started
    work = WORK.search(done.stdout)
    if work is None:
        raise SystemExit(f"{name}: no summary line in {done.stdout!r}")
    EXPECTED.setdefault("work", work.group(0))
    if work.group(0) != EXPECTED["work"]:
        raise SystemExit(f"{name} did other work than the first run: {work.group(0)!r}, not {EXPECTED['work']!r}")
    return took


def noop_seconds(client: object) -> float:
    """Seconds per no-op task on the cluster: what Dask adds to every group of builds."""
    started = time.perf_counter()
    client.gather([client.submit(abs, n, pure=False) for n in range(NOOP_TASKS)])  # type: ignore[attr-defined]
    return (time.perf_counter() - started) / NOOP_TASKS


def main() -> None:
    from distributed import Client, LocalCluster

    jobs = int(os.environ.get("FINGERLOG_BENCH_JOBS", "400"))
    DATA.mkdir(parents=True, exist_ok=True)
    archive, rules, megabytes = archive_of(jobs)
    print(f"archive: {jobs} jobs, {megabytes:,.1f} MB of logs")
    repeat = int(os.environ.get("FINGERLOG_BENCH_REPEAT", "3"))
    runs: dict[str, list[float]] = {name: [] for name in (LOCAL, SELF_STARTED, RUNNING)}
    for _ in range(repeat):  # in turns: a burst of load on the shared machine hits every engine alike
        runs[LOCAL].append(timed_batch(archive, rules, "local-2", "--engine", "local", "--jobs", "2"))
        runs[SELF_STARTED].append(timed_batch(archive, rules, "dask-2", "--engine", "dask", "--jobs", "2"))
        # the running cluster lives only for its own run: its idle workers do not slow the other two
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:  # fmt: skip
            client.run(__import__, "fingerlog.engine.scan")  # workers warm, as on a running cluster
            runs[RUNNING].append(timed_batch(archive, rules, "dask-running", "--engine", "dask",
                                             "--scheduler", cluster.scheduler_address))  # fmt: skip
            per_task = noop_seconds(client)
    seconds = {name: statistics.median(times) for name, times in runs.items()}
    local = seconds[LOCAL]
    print(f"every run: {EXPECTED['work']}; median of {repeat} runs each (all runs, s):")
    for name, took in seconds.items():
        every = " ".join(f"{t:.2f}" for t in runs[name])
        print(f"  {name:<38} {took:6.2f} s  {jobs / took:7.1f} builds/s  {megabytes / took:7.1f} MB/s  "
              f"{local / took:5.2f}x local  ({every})")  # fmt: skip
    print(f"  dask per-task overhead: {per_task * 1e3:.2f} ms per no-op task (a task scans a share of the builds "
          f"left, at most ~{MAX_TASK_SECONDS:.0f} s of them)")  # fmt: skip

if __name__ == "__main__":
    main()
