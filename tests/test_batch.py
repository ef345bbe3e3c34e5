"""`fingerlog batch` over a generated archive: exact reports, resume, rescan, failures, parallel = serial.

The archive (tests/archive_gen.py) records what it planted in each job, so
every expected number below is computed from the plan, never from fingerlog.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive_gen import PLANTED, RESOLVED_RULE, PlannedBuild, generate_archive, write_rules
from fingerlog.cli import main
from fingerlog.store import open_store
from fingerlog.store.reports import FAILURE_STATUSES
from fingerlog.store.schema import TABLES

JOBS = 40
AS_OF = "2024-05-10T00:00:00"
#: columns that record when and how fast a scan ran, not what it found.
SCAN_TIME_COLUMNS = {"scanned_at", "duration_s", "snapshot_at"}


def batch(*args: str | Path) -> str:
    result = CliRunner().invoke(main, ["batch", *map(str, args)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def table_rows(store: Path, table: str, *, raw: bool = False) -> list[tuple]:
    """Every row of a table (all columns but the scan's own timings), sorted."""
    columns = [c.name for c in TABLES[table].columns if c.name not in SCAN_TIME_COLUMNS]
    con = open_store(store)
    rows = con.execute(f"SELECT {', '.join(columns)} FROM {'raw_' if raw else ''}{table}").fetchall()
    return sorted(rows, key=repr)


def whole_store(store: Path) -> dict[str, list[tuple]]:
    return {name: table_rows(store, name) for name in TABLES}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[PlannedBuild]]:
    root = tmp_path_factory.mktemp("batch")
    plan = generate_archive(root / "archive", JOBS, seed=3, corrupt=1)
    return root / "archive", write_rules(root / "rules"), plan


@pytest.fixture(scope="module")
def scanned(archive, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store of one clean --jobs 1 run (the reference the other runs are compared with)."""
    archive_dir, rules, _ = archive
    store = tmp_path_factory.mktemp("clean") / "store"
    batch(archive_dir, "--manifest", archive_dir / "builds.csv", "--rules", rules, "--out", store, "--jobs", "1")
    return store


def failed(b: PlannedBuild) -> bool:
    return b.status in FAILURE_STATUSES


def test_the_store_holds_every_planted_hit_and_the_corrupt_file(archive, scanned: Path) -> None:
    _, _, plan = archive
    con = open_store(scanned)
    per_build = {
        (key, rule): n for key, rule, n in con.execute("SELECT build_key, rule_id, count(*) FROM hits GROUP BY ALL").fetchall()
    }
    assert per_build == {(b.uuid, rule): n for b in plan for rule, n in b.hits.items()}
    messages = {rule: text for rule, (_, text) in PLANTED.items()}
    for rule, message in con.execute("SELECT DISTINCT rule_id, message FROM hits").fetchall():
        assert message.endswith(messages[rule])
    corrupt = [b for b in plan if b.corrupt]
    errors = con.execute("SELECT build_key, path, kind FROM errors").fetchall()
    assert [(key, path) for key, path, _ in errors] == [(corrupt[0].uuid, "logs/screen-n-cpu.txt")]
    assert errors[0][2] in ("corrupt-gzip", "truncated-gzip")
    assert con.execute("SELECT count(*), count(DISTINCT build_key) FROM builds").fetchone() == (JOBS, JOBS)


def test_reports_give_the_numbers_of_the_plan(archive, scanned: Path) -> None:
    _, _, plan = archive
    result = CliRunner().invoke(main, ["report", str(scanned), "--format", "json", "--days", "30", "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    reports = json.loads(result.output)["reports"]

    failures = [b for b in plan if failed(b)]
    classified = [b for b in failures if b.hits]
    assert 0 < len(classified) < len(failures)
    [rate] = reports["classification-rate"]
    assert (rate["failed_builds"], rate["classified_builds"]) == (len(failures), len(classified))
    assert rate["rate"] == round(len(classified) / len(failures), 4)

    newest_first = sorted(plan, key=lambda b: b.start, reverse=True)
    assert [r["build_key"] for r in reports["uncategorized"]] == [
        b.uuid for b in newest_first if failed(b) and b.voting and not b.hits
    ]
    assert [(r["build_key"], r["fingerprints"]) for r in reports["failed-builds"]] == [
        (b.uuid, sorted(b.hits)) for b in newest_first if failed(b)
    ]

    per_day: Counter = Counter()
    builds_per_day: Counter = Counter()
    for b in plan:
        for rule, n in b.hits.items():
            key = (b.start.date().isoformat(), rule, b.status, b.queue)
            per_day[key] += n
            builds_per_day[key] += 1
    assert {(r["day"], r["rule_id"], r["build_status"], r["build_queue"]): (r["hits"], r["builds"])
            for r in reports["hits-per-day"]} == {k: (per_day[k], builds_per_day[k]) for k in per_day}  # fmt: skip

    totals: defaultdict = defaultdict(lambda: [0, 0])
    for b in plan:
        for rule, n in b.hits.items():
            totals[rule][0] += n
            totals[rule][1] += n if b.status == "SUCCESS" else 0
    assert {r["rule_id"]: (r["hits"], r["success_hits"], r["too_broad"]) for r in reports["precision"]} == {
        rule: (total, success, success / total > 0.10) for rule, (total, success) in totals.items()
    }

    assert [r["rule_id"] for r in reports["dormant"]] == ["never"]
    resolved = datetime(2024, 5, 1, 12)
    back = [b for b in plan if RESOLVED_RULE in b.hits and b.start > resolved]
    assert [(r["rule_id"], r["hits_after"], r["builds_after"]) for r in reports["returning"]] == [
        (RESOLVED_RULE, sum(b.hits[RESOLVED_RULE] for b in back), len(back))
    ]


def test_two_workers_write_the_store_one_worker_writes(archive, scanned: Path, tmp_path: Path) -> None:
    archive_dir, rules, _ = archive
    batch(archive_dir, "--manifest", archive_dir / "builds.csv", "--rules", rules, "--out", tmp_path / "s", "--jobs", "2")
    assert whole_store(tmp_path / "s") == whole_store(scanned)


def test_compact_after_the_batch_keeps_the_store_and_a_rescan_with_new_rules_supersedes_it(
    archive, scanned: Path, tmp_path: Path
) -> None:
    archive_dir, rules, _ = archive
    store = tmp_path / "s"
    output = batch(archive_dir, "--manifest", archive_dir / "builds.csv", "--rules", rules, "--out", store, "--compact")
    assert "compacted " in output
    assert whole_store(store) == whole_store(scanned)
    assert not list((store / "hits").rglob("*.parquet")) and list((store / "merged" / "hits").rglob("*.parquet"))
    assert batch(archive_dir, "--manifest", archive_dir / "builds.csv", "--rules", rules, "--out", store,
                 "--compact").startswith(f"0 builds scanned, {JOBS} skipped")  # fmt: skip
    edited = tmp_path / "rules"
    shutil.copytree(rules, edited)
    first = min(edited.glob("*.yaml"))
    first.write_text(first.read_text() + "\n# edited\n")
    output = batch(archive_dir, "--manifest", archive_dir / "builds.csv", "--rules", edited, "--out", store)
    assert output.startswith(f"{JOBS} builds scanned")
    digests = open_store(store).execute("SELECT DISTINCT rules_digest FROM hits").fetchall()
    assert len(digests) == 1 and digests != open_store(scanned).execute("SELECT DISTINCT rules_digest FROM hits").fetchall()
    assert table_rows(store, "hits") != [] and len(table_rows(store, "hits")) == len(table_rows(scanned, "hits"))


def test_a_second_run_skips_every_build_and_rewrites_nothing(archive, scanned: Path, tmp_path: Path) -> None:
    archive_dir, rules, _ = archive
    store = tmp_path / "s"
    shutil.copytree(scanned, store)
    before = {p: p.stat().st_mtime_ns for p in (store / "hits").rglob("*.parquet")}
    output = batch(archive_dir, "--manifest", archive_dir / "builds.csv", "--rules", rules, "--out", store)
    assert output.startswith(f"0 builds scanned, {JOBS} skipped, 0 failed")
    assert {p: p.stat().st_mtime_ns for p in (store / "hits").rglob("*.parquet")} == before


def test_changed_rules_rescan_every_build_and_replace_its_rows(archive, scanned: Path, tmp_path: Path) -> None:
    archive_dir, rules, plan = archive
    store, new_rules = tmp_path / "s", tmp_path / "rules"
    shutil.copytree(scanned, store)
    shutil.copytree(rules, new_rules)
    (new_rules / "dns.yaml").unlink()
    output = batch(archive_dir, "--manifest", archive_dir / "builds.csv", "--rules", new_rules, "--out", store)
    assert output.startswith(f"{JOBS} builds scanned, 0 skipped")
    con = open_store(store)
    assert con.execute("SELECT count(*) FROM hits").fetchone() == (sum(n for b in plan for r, n in b.hits.items() if r != "dns"),)
    assert con.execute("SELECT count(DISTINCT rules_digest) FROM builds").fetchone() == (1,)
    assert sorted(r for (r,) in con.execute("SELECT rule_id FROM rules").fetchall()) == ["disk", "never", "oom"]
    for table in ("hits", "builds", "errors"):
        assert table_rows(store, table, raw=True) == table_rows(store, table), f"superseded {table} parts were removed"


def test_rescan_scans_stored_builds_again(archive, scanned: Path, tmp_path: Path) -> None:
    archive_dir, rules, _ = archive
    store = tmp_path / "s"
    shutil.copytree(scanned, store)
    output = batch(archive_dir, "--manifest", archive_dir / "builds.csv", "--rules", rules, "--out", store, "--rescan")
    assert output.startswith(f"{JOBS} builds scanned, 0 skipped")
    assert whole_store(store) == whole_store(scanned)


def test_a_build_that_cannot_be_scanned_is_recorded_and_tried_again(archive, tmp_path: Path) -> None:
    _, rules, plan = archive
    listing = tmp_path / "jobs.list"
    listing.write_text(f"{plan[1].path}\n{tmp_path / 'gone'}\n")
    output = batch(listing, "--rules", rules, "--out", tmp_path / "s")
    assert output.startswith("1 builds scanned, 0 skipped, 1 failed")
    output = batch(listing, "--rules", rules, "--out", tmp_path / "s")
    assert output.startswith("0 builds scanned, 1 skipped, 1 failed"), "the failed build is tried again"
    con = open_store(tmp_path / "s")
    assert con.execute("SELECT location, kind FROM errors").fetchall() == [(str(tmp_path / "gone"), "scan-failed")]
    assert con.execute("SELECT build_key FROM builds").fetchall() == [(plan[1].uuid,)]


def test_field_overrides_win_over_the_manifest(archive, tmp_path: Path) -> None:
    archive_dir, rules, _ = archive
    batch(archive_dir, "--manifest", archive_dir / "builds.csv", "--rules", rules, "--out", tmp_path / "s",
          "--field", "build_status=FAILURE", "--field", "start_time=2024-06-01T00:00:00Z")  # fmt: skip
    con = open_store(tmp_path / "s")
    assert con.execute("SELECT DISTINCT build_status, day FROM builds").fetchall() == [("FAILURE", "2024-06-01")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "s"], "give at least one ARCHIVE"),
        (["x", "--out", "s", "--field", "novalue"], "--field 'novalue': expected NAME=VALUE"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["batch", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_help_teaches_with_an_example() -> None:
    result = CliRunner().invoke(main, ["batch", "--help"])
    assert result.exit_code == 0
    example = result.output.split("Example:", 1)[1]
    assert "fingerlog batch archive/ --manifest builds.csv --out store/" in example


def test_tar_and_zip_job_archives_are_builds(archive, tmp_path: Path) -> None:
    _, rules, plan = archive
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    tar_job, zip_job = [b for b in plan if b.hits and not b.corrupt][:2]
    shutil.make_archive(str(jobs / tar_job.path.name), "gztar", tar_job.path.parent, tar_job.path.name)
    shutil.make_archive(str(jobs / zip_job.path.name), "zip", zip_job.path.parent, zip_job.path.name)
    assert batch(jobs, "--rules", rules, "--out", tmp_path / "s").startswith("2 builds scanned")
    con = open_store(tmp_path / "s")
    got = con.execute("SELECT build_key, location, rule_hits FROM builds ORDER BY location").fetchall()
    assert got == [
        (tar_job.uuid, str(jobs / f"{tar_job.path.name}.tar.gz"), tar_job.hits),
        (zip_job.uuid, str(jobs / f"{zip_job.path.name}.zip"), zip_job.hits),
    ]


@pytest.mark.corpus
def test_the_store_holds_exactly_what_the_scan_of_a_real_job_found(corpus: Path, tmp_path: Path) -> None:
    """The real 2013 gate job with the project's rule pack: batch rows == scan_build's BuildScan."""
    from fingerlog.engine.scan import scan_build
    from fingerlog.mapping import load_mapping
    from fingerlog.rules.loader import load_rules

    job = corpus / "logs" / "os-loganalyze" / "job-view" / "gate-tempest-devstack-vm-neutron-02d68e3"
    pack = Path(__file__).resolve().parent.parent / "rules"
    ruleset = load_rules(pack)
    scan = scan_build(job, ruleset.rules, mapping=load_mapping(None), rules_digest=ruleset.digest)
    assert scan.hits, "the pack finds the job's failures"
    batch(job.parent, "--rules", pack, "--out", tmp_path / "s", "--field", "build_status=FAILURE")
    con = open_store(tmp_path / "s")
    stored = con.execute("SELECT rule_id, event_id, filename, first_line, last_line, message FROM hits").fetchall()
    assert sorted(stored) == sorted(
        (h.rule_id, h.event.event_id, h.event.source, h.event.first_line, h.event.last_line, h.event.first("message"))
        for h in scan.hits
    )
    assert con.execute("SELECT failed, cardinality(rule_hits) > 0 FROM builds").fetchall() == [(True, True)]


def test_without_a_terminal_progress_is_a_few_log_lines(archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fingerlog.cli import batch_run

    _, rules, plan = archive
    monkeypatch.setattr(batch_run, "LOG_EVERY", 0.0)  # a line per build instead of one a minute
    listing = tmp_path / "jobs.list"
    listing.write_text(f"{plan[1].path}\n{plan[2].path}\n")
    result = CliRunner().invoke(main, ["batch", str(listing), "--rules", str(rules), "--out", str(tmp_path / "s")])
    assert result.exit_code == 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("batch: ")]
    assert [line.split(",")[0] for line in lines] == ["batch: 1/2 builds", "batch: 2/2 builds"]


def test_a_rule_refused_under_the_mapping_is_reported_and_the_others_stored(archive, scanned: Path, tmp_path: Path) -> None:
    archive_dir, rules, _ = archive
    with_refused = tmp_path / "rules"
    shutil.copytree(rules, with_refused)
    (with_refused / "too-many-clauses.yaml").write_text("query: message:" + "-".join(f"w{i}" for i in range(1100)) + "\n")
    store = tmp_path / "store"
    result = CliRunner().invoke(main, ["batch", str(archive_dir), "--manifest", str(archive_dir / "builds.csv"),
                                       "--rules", str(with_refused), "--out", str(store), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert f"{with_refused / 'too-many-clauses.yaml'}: error:" in result.stderr and "(rule skipped)" in result.stderr
    found = "SELECT rule_id, event_id FROM hits ORDER BY ALL"
    assert open_store(store).execute(found).fetchall() == open_store(scanned).execute(found).fetchall()
