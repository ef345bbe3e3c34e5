"""Batch throughput and report query time (``make bench-batch``): prints numbers and ratios, asserts nothing.

1. Generates a seeded archive of Zuul v3 jobs (tests/archive_gen.py) under
   bench/data/batch/ and runs ``fingerlog batch`` on it with 1 and 2 workers
   into fresh stores: jobs/s and MB/s (uncompressed log bytes) and the 2/1 ratio.
2. Writes a store of at least 1 million hits (synthetic BuildScans through the
   public writer) and times every report view and a few typical ad-hoc queries,
   then the same on a compacted copy (``fingerlog compact``) and their ratio.

Sizes: FINGERLOG_BENCH_JOBS (default 400 jobs), FINGERLOG_BENCH_HITS (default 1,000,000).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from archive_gen import generate_archive, write_rules  # noqa: E402
from fingerlog.records import Build, BuildScan, Event, Hit  # noqa: E402
from fingerlog.store import SCHEMA_VERSION, RuleRow, open_store, write_build_scan  # noqa: E402
from fingerlog.store.compact import compact_store  # noqa: E402
from fingerlog.store.reports import REPORTS  # noqa: E402

DATA = REPO / "bench" / "data" / "batch"
VENV_FINGERLOG = REPO / ".venv/bin/fingerlog"
FINGERLOG = [str(VENV_FINGERLOG)] if VENV_FINGERLOG.exists() else [sys.executable, "-m", "fingerlog"]


def bench_batch(jobs_count: int) -> None:
    archive = DATA / f"archive-{jobs_count}"
    if not (archive / "builds.csv").exists():
        shutil.rmtree(archive, ignore_errors=True)
        plan = generate_archive(archive, jobs_count, seed=11, filler_lines=4000, corrupt=2)
        (archive / "size").write_text(str(sum(b.size for b in plan)))
    rules = write_rules(DATA / "rules")
    megabytes = int((archive / "size").read_text()) / 1e6
    print(f"archive: {jobs_count} jobs, {megabytes:,.1f} MB of logs, {len(list(rules.glob('*.yaml')))} rules; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} "
          "(other work on the machine skews wall times)")
    rates = {}
    for workers in (1, 2):
        store = DATA / f"store-{workers}"
        shutil.rmtree(store, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run([*FINGERLOG, "batch", str(archive), "--manifest", str(archive / "builds.csv"), "--rules", str(rules),
                        "--out", str(store), "--jobs", str(workers)], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        seconds = time.perf_counter() - started
        rates[workers] = jobs_count / seconds
        print(f"  --jobs {workers}: {seconds:6.2f} s  {jobs_count / seconds:8.1f} jobs/s  {megabytes / seconds:8.1f} MB/s")
    print(f"  2 workers / 1 worker: {rates[2] / rates[1]:.2f}x")


def synthetic_store(store: Path, hits_wanted: int) -> int:
    """A store of ``hits_wanted`` hits over builds of 30 days, 40 rules, every status."""
    marker = store / "fingerlog-store.json"
    if (store / "done").exists() and marker.exists() and f'"schema_version": {SCHEMA_VERSION}' in marker.read_text():
        return int((store / "done").read_text())
    shutil.rmtree(store, ignore_errors=True)
    rules = [RuleRow(f"rule-{r:02d}", f'message:"failure {r}"', title=f"failure {r}") for r in range(40)]
    per_build, statuses = 500, ("SUCCESS", "FAILURE", "FAILURE", "TIMED_OUT")
    total, n = 0, -1
    while total < hits_wanted:
        n += 1
        when = datetime(2024, 4, 1) + timedelta(minutes=21 * n)
        fields = {"build_uuid": f"u{n:07d}", "start_time": when.isoformat(), "build_status": statuses[n % 4],
                  "build_queue": ("check", "gate")[n % 2], "build_name": f"job-{n % 25}", "voting": "1"}  # fmt: skip
        count = 0 if n % 7 == 0 else per_build
        hits = tuple(
            Hit(f"rule-{(n + i) % 40:02d}" if i % 50 == 0 else f"rule-{n % 40:02d}",
                Event({"message": (f"ERROR failure {i} in build {n}",), "tags": ("job-output.txt", "console"),
                       "@timestamp": ((when + timedelta(seconds=i)).isoformat(),), "loglevel": ("ERROR",)},
                      "job-output.txt", i + 1, i + 1, f"job-output.txt:{i + 1}"))
            for i in range(count)
        )  # fmt: skip
        write_build_scan(store, BuildScan(Build(f"u{n:07d}", fields, f"/archive/{n}"), hits, (), 10**6, 5, "bench-rules"),
                         rules=rules if n == 0 else None)  # fmt: skip
        total += count
    (store / "done").write_text(str(total))
    return total


def time_queries(store: Path) -> dict[str, float]:
    """Seconds to open ``store`` and to run each report view and typical ad-hoc query on it."""
    timings = {}
    started = time.perf_counter()
    con = open_store(store, days=30)
    timings["open store (reads builds)"] = time.perf_counter() - started
    queries = [(r.name, f"SELECT * FROM {r.view}") for r in REPORTS] + [
        ("count hits", "SELECT count(*) FROM hits"),
        ("hits of one rule, one week",
         "SELECT count(*) FROM hits WHERE rule_id = 'rule-07' AND day BETWEEN '2024-04-10' AND '2024-04-16'"),
    ]
    for name, sql in queries:
        started = time.perf_counter()
        con.execute(sql).fetchall()
        timings[name] = time.perf_counter() - started
    con.close()
    return timings


def bench_reports(hits_wanted: int) -> None:
    store = DATA / "report-store"
    started = time.perf_counter()
    total = synthetic_store(store, hits_wanted)
    print(f"report store: {total:,} hits (built in {time.perf_counter() - started:.1f} s, reused when present)")
    compacted = DATA / "report-store-compacted"
    shutil.rmtree(compacted, ignore_errors=True)
    shutil.copytree(store, compacted)
    started = time.perf_counter()
    done = compact_store(compacted)
    print(f"fingerlog compact: {done.files_read:,} files -> {done.files_written} in {time.perf_counter() - started:.1f} s")
    per_build, per_day = time_queries(store), time_queries(compacted)
    print(f"  {'':<28} {'per-build':>9} {'compacted':>9}  ratio")
    for name, seconds in per_build.items():
        print(f"  {name:<28} {seconds:8.3f}s {per_day[name]:8.3f}s  {seconds / max(per_day[name], 1e-6):5.1f}x")


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    bench_batch(int(os.environ.get("FINGERLOG_BENCH_JOBS", "400")))
    bench_reports(int(os.environ.get("FINGERLOG_BENCH_HITS", "1000000")))


if __name__ == "__main__":
    main()
