"""Dask engine against the local engine (``make bench-batch``): prints numbers and ratios.

On the same generated archive (tests/archive_gen.py, shared with
bench/batch_bench.py), in the same run:

1. ``fingerlog batch --engine local --jobs 2``;
2. ``fingerlog batch --engine dask --jobs 2``: the command starts its own local cluster;
3. ``fingerlog batch --engine dask --scheduler ...`` on a cluster of 2 workers
   already running (how a team runs it, with the settings docs/scale-out.md
   recommends: ``dask_engine.QUIET_SETTINGS``), so cluster start-up is not counted;

each timed end to end as a user runs it (a new ``fingerlog`` process: start-up,
planning, rules, scan, store; for (2), starting and stopping the cluster too),
into a fresh store, with the same archive and rules; the bench stops if a run's
summary (builds, failures, MB, hits, unreadable files) differs from the first's.  The machine is shared, so
the three runs are repeated in turns (FINGERLOG_BENCH_REPEAT, default 3) and
each is judged by its median.  Printed: builds/s and MB/s of each, the
dask/local ratios (target: >= 0.9 on 2 workers), and Dask's per-task overhead:
the time per no-op task on that cluster, paid by each of the few dozen tasks
(builds grouped, see fingerlog.engine.dask_engine) of a batch.

Sizes: FINGERLOG_BENCH_JOBS, comma-separated (default ``400,2000``: a small
batch, and an archive of thousands of jobs as the issue's users have).  With
two sizes, each engine's time is also split into a fixed cost per batch
(start-up: imports, cluster, store) and a cost per build, by the line through
its two medians; the ratio of the per-build costs is what the engines reach on
a long batch.
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

from archive_gen import generate_archive, write_rules  # noqa: E402 - tests/ is put on sys.path above
from fingerlog.engine.dask_engine import MAX_TASK_SECONDS  # noqa: E402

DATA = REPO / "bench" / "data" / "batch"
VENV_FINGERLOG = REPO / ".venv/bin/fingerlog"
FINGERLOG = [str(VENV_FINGERLOG)] if VENV_FINGERLOG.exists() else [sys.executable, "-m", "fingerlog"]
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


def bench_size(jobs: int, repeat: int) -> dict[str, float]:
    """Median seconds of each engine on an archive of ``jobs`` jobs, printed with builds/s, MB/s and ratios."""
    from dask import config as dask_config
    from distributed import Client, LocalCluster

    from fingerlog.engine.dask_engine import QUIET_SETTINGS

    archive, rules, megabytes = archive_of(jobs)
    runs: dict[str, list[float]] = {name: [] for name in (LOCAL, SELF_STARTED, RUNNING)}
    EXPECTED.clear()
    per_task: list[float] = []
    for _ in range(repeat):  # in turns: a burst of load on the shared machine hits every engine alike
        runs[LOCAL].append(timed_batch(archive, rules, "local-2", "--engine", "local", "--jobs", "2"))
        runs[SELF_STARTED].append(timed_batch(archive, rules, "dask-2", "--engine", "dask", "--jobs", "2"))
        # the running cluster lives only for its own run: its idle workers do not slow the other two
        with dask_config.set(QUIET_SETTINGS), LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:  # fmt: skip
            client.run(__import__, "fingerlog.engine.scan")  # workers warm, as on a running cluster
            runs[RUNNING].append(timed_batch(archive, rules, "dask-running", "--engine", "dask",
                                             "--scheduler", cluster.scheduler_address))  # fmt: skip
            per_task.append(noop_seconds(client))
    seconds = {name: statistics.median(times) for name, times in runs.items()}
    local = seconds[LOCAL]
    print(f"archive: {jobs} jobs, {megabytes:,.1f} MB of logs; every run: {EXPECTED['work']}; "
          f"median of {repeat} runs each (all runs, s):")  # fmt: skip
    for name, took in seconds.items():
        every = " ".join(f"{t:.2f}" for t in runs[name])
        print(f"  {name:<38} {took:6.2f} s  {jobs / took:7.1f} builds/s  {megabytes / took:7.1f} MB/s  "
              f"{local / took:5.2f}x local  ({every})")  # fmt: skip
    print(f"  dask per-task overhead: {statistics.median(per_task) * 1e3:.2f} ms per no-op task (a task scans a "
          f"share of the builds left, at most ~{MAX_TASK_SECONDS:.0f} s of them)")  # fmt: skip
    return seconds


def main() -> None:
    sizes = sorted({int(size) for size in os.environ.get("FINGERLOG_BENCH_JOBS", "400,2000").split(",")})
    repeat = int(os.environ.get("FINGERLOG_BENCH_REPEAT", "3"))
    DATA.mkdir(parents=True, exist_ok=True)
    medians = {jobs: bench_size(jobs, repeat) for jobs in sizes}
    if len(sizes) < 2:
        return
    small, large = sizes[0], sizes[-1]
    print(f"fixed cost per batch and cost per build (the line through the medians at {small} and {large} jobs):")
    local_per_build = (medians[large][LOCAL] - medians[small][LOCAL]) / (large - small)
    for name in medians[small]:
        per_build = (medians[large][name] - medians[small][name]) / (large - small)
        if per_build <= 0 or local_per_build <= 0:
            print(f"  {name:<38} not measurable: the larger batch was not slower (the machine's load varied)")
            continue
        fixed = medians[small][name] - small * per_build
        print(f"  {name:<38} {fixed:6.2f} s + {per_build * 1e3:6.2f} ms/build  "
              f"{local_per_build / per_build:5.2f}x local per build")  # fmt: skip


if __name__ == "__main__":
    main()
