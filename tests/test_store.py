"""The Parquet hit store: what it records of a BuildScan, atomic parts, resume-safe names, plain DuckDB access."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from fingerlog.records import Build, BuildScan
from fingerlog.store import RuleRow, StoreError, open_store, rule_row, write_build_scan
from fingerlog.store.layout import MARKER, list_parts, part_path
from fingerlog.store.schema import SCHEMA_VERSION, TABLES, sql_type
from fingerlog.store.views import current_builds
from fingerlog.store.writer import tidy, write_scan_failure
from store_helpers import build_scan


def rows(store: Path, sql: str) -> list[tuple]:
    con = open_store(store)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_build_scan_round_trips_through_the_views(tmp_path: Path) -> None:
    scan = build_scan("b1", hits={"oom": 2, "dns": 1}, errors=1, build_status="failure", build_queue="gate",
                      project="openstack/nova", voting="false", log_url="https://logs/b1/")  # fmt: skip
    write_build_scan(tmp_path / "s", scan, rules=[RuleRow("oom", "message:oom"), RuleRow("dns", "message:dns")])
    store = tmp_path / "s"
    assert rows(store, "SELECT build_key, build_status, build_queue, project, voting, log_url, hit_count, rule_hits,"
                       " error_count, bytes_read, files, build_time, failed, day FROM builds") == [
        ("b1", "FAILURE", "gate", "openstack/nova", False, "https://logs/b1/", 3, {"dns": 1, "oom": 2}, 1, 1000, 3,
         datetime(2024, 5, 1, 12), True, "2024-05-01")
    ]  # fmt: skip
    expected_hits = sorted(
        (h.rule_id, h.event.event_id, h.event.source, h.event.first_line, h.event.first("message")) for h in scan.hits
    )
    assert rows(store, "SELECT rule_id, event_id, filename, first_line, message FROM hits ORDER BY ALL") == expected_hits
    assert rows(store, "SELECT DISTINCT fields['loglevel'], tags, build_status FROM hits") == [
        (["ERROR"], ["job-output.txt", "console"], "FAILURE")
    ]
    assert rows(store, "SELECT path, kind FROM errors") == [("logs/broken-0.txt.gz", "corrupt-gzip")]
    assert rows(store, "SELECT rule_id FROM rules ORDER BY 1") == [("dns",), ("oom",)]


@pytest.mark.parametrize(
    ("fields", "hit_time", "day"),
    [
        ({"start_time": "2024-05-01T23:30:00-02:00"}, None, "2024-05-02"),  # converted to UTC
        ({"build_time": "2024-04-02 10:00:00", "start_time": "2024-05-01T00:00:00"}, None, "2024-04-02"),
        ({}, "2023-09-27 18:47:11.723", "2023-09-27"),  # no build time: the earliest hit
        ({}, "Jun  9 15:50:16", "undated"),  # a year-less syslog stamp is not a date
        ({}, None, "undated"),
    ],
)
def test_builds_are_partitioned_by_the_day_they_ran(tmp_path: Path, fields: dict, hit_time: str | None, day: str) -> None:
    scan = build_scan("b1", hits={"r": 1}, when=hit_time)
    scan = BuildScan(Build("b1", fields, "/a/b1"), scan.hits, (), rules_digest="d")
    written = write_build_scan(tmp_path, scan)
    assert written.parent.name == f"day={day}"
    assert rows(tmp_path, "SELECT day FROM hits") == [(day,)]


def test_writing_a_build_again_replaces_its_parts(tmp_path: Path) -> None:
    scan = build_scan("b1", hits={"r": 2}, errors=1)
    write_build_scan(tmp_path, scan)
    before = sorted(p.path.name for p in list_parts(tmp_path))
    write_build_scan(tmp_path, scan)
    assert sorted(p.path.name for p in list_parts(tmp_path)) == before
    assert rows(tmp_path, "SELECT count(*) FROM hits") == [(2,)]
    assert not list(tmp_path.rglob("*.tmp")), "no temporary file is left behind"


def test_a_rescan_with_other_rules_supersedes_the_old_rows_and_tidy_removes_them(tmp_path: Path) -> None:
    write_build_scan(tmp_path, build_scan("b1", hits={"old": 3}, digest="v1"))
    write_build_scan(tmp_path, build_scan("b2", hits={"old": 1}, digest="v1"))
    write_build_scan(tmp_path, build_scan("b1", hits={"new": 1}, digest="v2", when="2024-05-03T00:00:00Z"))
    current = "SELECT build_key, rule_id, rules_digest, day FROM hits ORDER BY ALL"
    expected = [("b1", "new", "v2", "2024-05-03"), ("b2", "old", "v1", "2024-05-01")]
    assert rows(tmp_path, current) == expected
    assert rows(tmp_path, "SELECT count(*) FROM raw_hits") == [(5,)]
    committed = {b.key: (b.day, b.rules_digest) for b in current_builds(tmp_path)}
    assert committed == {"b1": ("2024-05-03", "v2"), "b2": ("2024-05-01", "v1")}
    removed = tidy(tmp_path, committed=committed, locations=[])
    assert removed == 2  # b1's v1 hits and builds parts
    assert rows(tmp_path, "SELECT count(*) FROM raw_hits") == [(2,)]
    assert rows(tmp_path, current) == expected


def test_hits_without_their_builds_row_are_not_visible(tmp_path: Path) -> None:
    """A batch killed between a build's hits part and its builds part leaves the views exact."""
    scan = build_scan("b1", hits={"r": 2})
    write_build_scan(tmp_path, scan)
    part_path(tmp_path, "builds", day="2024-05-01", key="b1", digest="rules-v1").unlink()
    assert rows(tmp_path, "SELECT count(*) FROM raw_hits") == [(2,)]
    assert rows(tmp_path, "SELECT count(*) FROM hits") == [(0,)]
    tidy(tmp_path, committed={}, locations=[])
    assert list_parts(tmp_path) == []


def test_a_build_that_failed_to_scan_shows_in_errors_until_it_is_scanned(tmp_path: Path) -> None:
    write_build_scan(tmp_path, build_scan("b0"))
    write_scan_failure(tmp_path, location="/archive/b1", digest="rules-v1", kind="scan-failed", message="boom")
    assert rows(tmp_path, "SELECT location, kind, message FROM errors") == [("/archive/b1", "scan-failed", "boom")]
    write_build_scan(tmp_path, build_scan("b1", location="/archive/b1"))
    assert rows(tmp_path, "SELECT count(*) FROM errors") == [(0,)]


def test_an_empty_store_has_typed_empty_views(tmp_path: Path) -> None:
    write_build_scan(tmp_path, build_scan("b1"))  # no hits, no errors
    con = open_store(tmp_path)
    described = {name: type_ for name, type_, *_ in con.execute("DESCRIBE hits").fetchall()}
    assert described == {c.name: sql_type(c.type) for c in TABLES["hits"].columns} | {"day": "VARCHAR"}
    assert con.execute("SELECT count(*) FROM hits").fetchall() == [(0,)]


@pytest.mark.parametrize("table", ["hits", "builds", "errors"])
def test_plain_duckdb_reads_the_store_with_the_documented_schema(tmp_path: Path, table: str) -> None:
    write_build_scan(tmp_path, build_scan("b1", hits={"r": 1}, errors=1), rules=[RuleRow("r", "message:x")])
    con = duckdb.connect()
    found = con.execute(
        f"DESCRIBE SELECT * FROM read_parquet('{tmp_path}/{table}/*/*.parquet', hive_partitioning = true)"
    ).fetchall()
    expected = [(c.name, sql_type(c.type)) for c in TABLES[table].columns] + [("day", "DATE")]
    assert [(name, type_) for name, type_, *_ in found] == expected
    metadata = pq.read_schema(next((tmp_path / table).rglob("*.parquet"))).metadata
    assert metadata[b"fingerlog.schema_version"] == str(SCHEMA_VERSION).encode()


def test_every_column_is_documented_in_docs_store_md() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "store.md").read_text(encoding="utf-8")
    for table in TABLES.values():
        section = text.split(f"### `{table.name}`", 1)[1].split("\n### ", 1)[0]
        for column in table.columns:
            assert f"| `{column.name}` | {sql_type(column.type)} |" in section, (table.name, column.name)


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda p: (p / MARKER).write_text(json.dumps({"schema_version": SCHEMA_VERSION + 1})), "schema version"),
        (lambda p: (p / "notes.txt").write_text("mine"), "not empty and is not a fingerlog store"),
        (lambda p: (p / MARKER).write_text("{"), "unreadable store marker"),
    ],
)
def test_a_foreign_or_newer_store_is_refused(tmp_path: Path, prepare, message: str) -> None:
    prepare(tmp_path)
    with pytest.raises(StoreError, match=message):
        write_build_scan(tmp_path, build_scan("b1"))


def test_opening_a_missing_store_says_so(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "nowhere")


def test_tidy_keeps_only_the_failures_still_current(tmp_path: Path) -> None:
    write_build_scan(tmp_path, build_scan("b0", location="/archive/ok"))
    for location, digest in (("/archive/ok", "v2"), ("/archive/bad", "v1"), ("/archive/bad", "v2")):
        write_scan_failure(tmp_path, location=location, digest=digest, kind="scan-failed", message=digest)
    committed = {b.key: (b.day, b.rules_digest) for b in current_builds(tmp_path)}
    tidy(tmp_path, committed=committed, locations=["/archive/ok"], digest="v2")
    assert rows(tmp_path, "SELECT location, message FROM raw_errors") == [("/archive/bad", "v2")]


def test_rule_row_maps_a_loaded_rule(tmp_path: Path) -> None:
    from fingerlog.rules.loader import load_rules

    (tmp_path / "1284371.yaml").write_text(
        "query: >-\n  message:\"Looks like the node went offline\" AND tags:\"console\"\n"
        "resolved_at: \"Mon Jan  6 13:20:28 PST 2014\"\nsuppress-graph: true\n"
        "title: Node offline\nbug: https://bugs.launchpad.net/bugs/1284371\ncategories: [infra]\n"
    )
    [rule] = load_rules(tmp_path).rules
    write_build_scan(tmp_path / "s", build_scan("b1"), rules=[rule_row(rule)])
    assert rows(tmp_path / "s", "SELECT rule_id, title, bug, categories, query, resolved_at, suppress_graph FROM rules") == [
        ("1284371", "Node offline", "https://bugs.launchpad.net/bugs/1284371", ["infra"],
         'message:"Looks like the node went offline" AND tags:"console"', datetime(2014, 1, 6, 21, 20, 28), True)
    ]  # fmt: skip


def test_a_damaged_part_is_a_clear_store_error(tmp_path: Path) -> None:
    written = write_build_scan(tmp_path, build_scan("b1"))
    written.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(StoreError, match="cannot read the store"):
        open_store(tmp_path)


def test_hits_keep_event_fields_and_leave_build_fields_to_builds(tmp_path: Path) -> None:
    scan = build_scan("b1", hits={"r": 1}, build_name="tempest-full")
    hit = scan.hits[0]
    fields = {**hit.event.fields, "build_name": ("tempest-full",), "pid": ("1234",), "build_queue": ("other",)}
    event = type(hit.event)(fields, hit.event.source, 1, 1, "job-output.txt:1")
    write_build_scan(tmp_path, BuildScan(scan.build, (type(hit)("r", event),), (), rules_digest="d"))
    [(got,)] = rows(tmp_path, "SELECT fields FROM hits")
    assert got == {"@timestamp": ["2024-05-01T12:00:00Z"], "build_queue": ["other"], "loglevel": ["ERROR"], "pid": ["1234"]}
