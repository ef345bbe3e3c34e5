"""The report views give the numbers one computes by hand from the same builds.

A seeded generator writes builds of every kind (statuses, queues, voting,
undated, several rules, a resolved rule that comes back) into a store through
the public writer; each report is then compared with the same question
answered in plain Python over the generated records.
"""

from __future__ import annotations

import io
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from fingerlog.cli import main
from fingerlog.store import RuleRow, open_store, write_build_scan
from fingerlog.store.reports import FAILURE_STATUSES, REPORTS
from store_helpers import build_scan

RULES = [
    RuleRow("oom", 'message:"Out of memory"', title="OOM killer"),
    RuleRow("dns", 'message:"Temporary failure in name resolution"', title="DNS"),
    RuleRow("disk", 'message:"No space left on device"', title="Disk full"),
    RuleRow("fixed", 'message:"fixed bug"', title="Fixed", resolved_at="Sun May  5 12:00:00 UTC 2024"),
    RuleRow("never", 'message:"never seen"', title="Never"),
]
AS_OF = datetime(2024, 5, 10)
DAYS = 5


@dataclass(frozen=True)
class Generated:
    key: str
    when: datetime | None
    status: str | None
    queue: str
    voting: str | None
    hits: dict[str, int]


def generate(count: int, seed: int = 7) -> list[Generated]:
    rng = random.Random(seed)
    builds = []
    for n in range(count):
        when = None if n % 13 == 0 else datetime(2024, 5, 1) + timedelta(minutes=rng.randrange(0, 10 * 24 * 60))
        hits = {rule: rng.randint(1, 4) for rule in ("oom", "dns", "disk", "fixed") if rng.random() < 0.25}
        builds.append(
            Generated(
                key=f"build-{n:03d}",
                when=when,
                status=rng.choice(["SUCCESS", "SUCCESS", "FAILURE", "FAILURE", "TIMED_OUT", "ABORTED", None]),
                queue=rng.choice(["check", "gate"]),
                voting=rng.choice(["true", "false", None]),
                hits=hits,
            )
        )
    return builds


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Generated]]:
    store = tmp_path_factory.mktemp("reports") / "store"
    builds = generate(120)
    for n, b in enumerate(builds):
        fields = {"build_queue": b.queue, "log_url": f"https://logs.example/{b.key}/"}
        if b.status:
            fields["build_status"] = b.status
        if b.voting:
            fields["voting"] = b.voting
        when = b.when.isoformat() if b.when else None
        write_build_scan(store, build_scan(b.key, hits=b.hits, when=when, **fields), rules=RULES if n == 0 else None)
    return store, builds


def query(store: Path, sql: str) -> list[tuple]:
    con = open_store(store, days=DAYS, as_of=AS_OF)
    return con.execute(sql).fetchall()


def in_window(b: Generated) -> bool:
    return b.when is not None and AS_OF - timedelta(days=DAYS) < b.when <= AS_OF


def failed(b: Generated) -> bool:
    return b.status in FAILURE_STATUSES


def test_hits_per_fingerprint_per_day_by_status_and_queue(generated) -> None:
    store, builds = generated
    hits: Counter = Counter()
    distinct: defaultdict = defaultdict(set)
    for b in filter(in_window, builds):
        for rule, n in b.hits.items():
            key = (b.when.date(), rule, b.status, b.queue)
            hits[key] += n
            distinct[key].add(b.key)
    expected = sorted(
        ((*k, hits[k], len(distinct[k])) for k in hits),
        key=lambda r: (r[0], r[1], r[2] is None, r[2] or "", r[3]),
    )
    assert query(store, "SELECT * FROM report_hits_per_day") == expected


def test_failed_builds_and_their_fingerprints(generated) -> None:
    store, builds = generated
    chosen = sorted((b for b in builds if in_window(b) and failed(b)), key=lambda b: (b.when, b.key), reverse=True)
    got = query(store, "SELECT build_key, classified, fingerprints FROM report_failed_builds")
    assert got == [(b.key, bool(b.hits), sorted(b.hits)) for b in sorted(chosen, key=lambda b: (-b.when.timestamp(), b.key))]


def test_classification_rate(generated) -> None:
    store, builds = generated
    failures = [b for b in builds if in_window(b) and failed(b)]
    classified = [b for b in failures if b.hits]
    assert len(failures) > 5 and 0 < len(classified) < len(failures), "the generator covers both cases"
    [(start, end, n_failed, n_classified, rate)] = query(store, "SELECT * FROM report_classification_rate")
    assert (start, end) == (AS_OF - timedelta(days=DAYS), AS_OF)
    assert (n_failed, n_classified) == (len(failures), len(classified))
    assert rate == round(len(classified) / len(failures), 4)


def test_uncategorized_failures_are_failed_voting_builds_without_fingerprint_newest_first(generated) -> None:
    store, builds = generated
    chosen = [b for b in builds if in_window(b) and failed(b) and b.voting != "false" and not b.hits]
    expected = [(b.key, f"https://logs.example/{b.key}/") for b in sorted(chosen, key=lambda b: (-b.when.timestamp(), b.key))]
    assert expected, "the generator produces uncategorized failures"
    assert query(store, "SELECT build_key, log_url FROM report_uncategorized") == expected


def test_rule_precision_flags_rules_over_ten_percent_in_successful_builds(generated) -> None:
    store, builds = generated
    expected = []
    for rule in sorted({r for b in builds if in_window(b) for r in b.hits}):
        matched = [b for b in builds if in_window(b) and rule in b.hits]
        total = sum(b.hits[rule] for b in matched)
        success = sum(b.hits[rule] for b in matched if b.status == "SUCCESS")
        success_builds = sum(1 for b in matched if b.status == "SUCCESS")
        expected.append((rule, total, success, len(matched), success_builds, round(success / total, 4), success / total > 0.10))
    expected.sort(key=lambda r: (-r[5], r[0]))
    assert query(store, "SELECT * FROM report_rule_precision") == expected


def test_dormant_rules_have_no_hit_in_the_window(generated) -> None:
    store, builds = generated
    hit_in_window = {r for b in builds if in_window(b) for r in b.hits}
    expected = []
    for rule in RULES:
        if rule.rule_id in hit_in_window:
            continue
        times = [b.when for b in builds if rule.rule_id in b.hits and b.when]
        expected.append((rule.rule_id, max(times) if times else None))
    expected.sort(key=lambda r: (r[1] is not None, r[1] or datetime.min, r[0]))
    assert ("never", None) in expected
    assert query(store, "SELECT rule_id, last_hit FROM report_dormant_rules") == expected


def test_resolved_bugs_returning(generated) -> None:
    store, builds = generated
    resolved = datetime(2024, 5, 5, 12)
    after = [b for b in builds if "fixed" in b.hits and b.when and b.when > resolved]
    expected = [("fixed", resolved, sum(b.hits["fixed"] for b in after), len(after),
                 min(b.when for b in after), max(b.when for b in after))]  # fmt: skip
    columns = "rule_id, resolved_at, hits_after, builds_after, first_after, last_after"
    got = query(store, f"SELECT {columns} FROM report_resolved_returning")
    assert got == expected


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_report_command_prints_every_question_in_every_format(generated, fmt: str) -> None:
    store, builds = generated
    result = CliRunner().invoke(main, ["report", str(store), "--days", str(DAYS), "--as-of", AS_OF.isoformat(), "--format", fmt])
    assert result.exit_code == 0, result.output
    failures = [b for b in builds if in_window(b) and failed(b)]
    if fmt == "json":
        data = json.loads(result.output)
        assert list(data["reports"]) == [r.name for r in REPORTS]
        assert data["reports"]["classification-rate"][0]["failed_builds"] == len(failures)
    else:
        for report in REPORTS:
            assert (f"# {report.name}" if fmt == "csv" else report.title) in result.output


def test_report_command_answers_one_question(generated) -> None:
    store, builds = generated
    result = CliRunner().invoke(main, ["report", str(store), "uncategorized", "--days", str(DAYS),
                                       "--as-of", AS_OF.isoformat(), "--format", "csv"])  # fmt: skip
    expected = sum(1 for b in builds if in_window(b) and failed(b) and b.voting != "false" and not b.hits)
    lines = result.output.splitlines()
    assert lines[0].startswith("build_time,build_name,build_status")
    assert len(lines) == 1 + expected


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("csv", "rule_id,n\ndns,{dns}\ndisk,{disk}\n"),
        ("json", None),
        ("markdown", "| rule_id | n |\n|---|---|\n| dns | {dns} |\n| disk | {disk} |\n"),
        ("table", "rule_id  {pad}n\n-------  {dashes}\ndns      {dns}\ndisk     {disk}\n(2 rows)\n"),
    ],
)
def test_sql_command_formats(generated, fmt: str, expected: str | None) -> None:
    store, builds = generated
    counts = {r: sum(b.hits.get(r, 0) for b in builds) for r in ("dns", "disk")}
    width = max(len(str(n)) for n in counts.values())
    sql = "SELECT rule_id, count(*) AS n FROM hits WHERE rule_id IN ('dns', 'disk') GROUP BY 1 ORDER BY 1 DESC"
    result = CliRunner().invoke(main, ["sql", str(store), sql, "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert json.loads(result.output) == [{"rule_id": "dns", "n": counts["dns"]}, {"rule_id": "disk", "n": counts["disk"]}]
        return
    assert result.output == expected.format(
        dns=str(counts["dns"]).rjust(width if fmt == "table" else 0),
        disk=str(counts["disk"]).rjust(width if fmt == "table" else 0),
        pad=" " * (width - 1),
        dashes="-" * width,
    )


def test_sql_command_writes_parquet_to_a_redirected_stdout(generated) -> None:
    store, builds = generated
    result = CliRunner().invoke(main, ["sql", str(store), "SELECT build_key FROM builds", "--format", "parquet"])
    assert result.exit_code == 0
    assert pq.read_table(io.BytesIO(result.stdout_bytes)).num_rows == len(builds)


def test_sql_command_writes_parquet(generated, tmp_path: Path) -> None:
    store, builds = generated
    out = tmp_path / "hits.parquet"
    result = CliRunner().invoke(
        main, ["sql", str(store), "SELECT build_key, rule_id FROM hits", "--format", "parquet", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).num_rows == sum(sum(b.hits.values()) for b in builds)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["SELECT nope FROM hits"], 1, 'column "nope" not found'),
        (["SELECT 1", "--as-of", "someday"], 2, "--as-of 'someday'"),
    ],
)
def test_sql_command_errors_are_one_line_without_traceback(generated, args, code: int, message: str) -> None:
    store, _ = generated
    result = CliRunner().invoke(main, ["sql", str(store), *args])
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


def test_shell_runs_piped_statements(generated) -> None:
    store, builds = generated
    result = CliRunner().invoke(main, ["shell", str(store)], input="SELECT count(*) AS n\nFROM builds;\nSELECT nope;\n")
    assert result.exit_code == 0
    assert f"  n\n---\n{len(builds)}\n(1 row)\n" in result.output
    assert "error:" in result.output


def test_shell_prints_the_views_sql_for_the_duckdb_cli(generated) -> None:
    store, builds = generated
    result = CliRunner().invoke(main, ["shell", str(store), "--print-init"])
    con = duckdb.connect()
    con.execute(result.output)
    assert con.execute("SELECT count(*) FROM builds").fetchone() == (len(builds),)
