"""Store compaction: one file per day and table, the same answers from every view, safe to kill."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from fingerlog.cli import main
from fingerlog.store import RuleRow, open_store, write_build_scan
from fingerlog.store.compact import compact_store
from fingerlog.store.layout import list_parts, merged_files
from fingerlog.store.reports import REPORTS
from fingerlog.store.views import current_builds
from fingerlog.store.writer import tidy, write_scan_failure
from store_helpers import build_scan

#: every view a user can query, read in full and sorted: compaction must not change one row.
VIEWS = ["builds", "hits", "errors", "build_rule_hits", "rules", *(r.view for r in REPORTS)]


def snapshot(store: Path) -> dict[str, list[str]]:
    con = open_store(store, days=30)
    try:
        return {view: sorted(map(repr, con.execute(f"SELECT * FROM {view}").fetchall())) for view in VIEWS}
    finally:
        con.close()


def store_files(store: Path) -> list[str]:
    return sorted(str(p.relative_to(store)) for p in store.rglob("*.parquet"))


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """Builds on two days, a rescan with other rules, a build with errors, a failed scan, an undated build."""
    root = tmp_path / "store"
    rules = [RuleRow("oom", "message:oom"), RuleRow("dns", "message:dns")]
    write_build_scan(root, build_scan("b1", hits={"oom": 3}, build_status="FAILURE"), rules=rules)
    write_build_scan(root, build_scan("b2", hits={"dns": 2}, errors=2, build_status="FAILURE"))
    write_build_scan(root, build_scan("b3", build_status="SUCCESS", when="2024-05-02T08:00:00Z"))
    write_build_scan(root, build_scan("b4", hits={"oom": 1, "dns": 1}, when="2024-05-02T09:00:00Z"))
    write_build_scan(root, build_scan("b1", hits={"oom": 1}, digest="rules-v2", build_status="FAILURE"),
                     rules=rules[:1])  # fmt: skip
    write_build_scan(root, build_scan("b5", hits={"oom": 1}, when=None))
    write_scan_failure(root, location="/archive/b9", digest="rules-v2", kind="scan-failed", message="unreadable")
    return root


def test_compaction_leaves_one_file_per_day_and_table_and_every_view_unchanged(store: Path) -> None:
    before = snapshot(store)
    assert len(list_parts(store)) == 13  # 12 per-build parts and the failed scan
    done = compact_store(store)
    assert (done.days, done.builds) == (3, 5)
    assert snapshot(store) == before
    kept = store_files(store)
    assert [f for f in kept if f.startswith(("hits/", "builds/"))] == [], "every per-build part was merged"
    assert [f for f in kept if f.startswith("errors/")] == [f for f in kept if "failed-" in f], "failed scans stay"
    per_day = {tuple(Path(f).parts[1:3]) for f in kept if f.startswith("merged/")}
    assert per_day == {
        ("builds", "day=2024-05-01"), ("builds", "day=2024-05-02"), ("builds", "day=undated"),
        ("hits", "day=2024-05-01"), ("hits", "day=2024-05-02"), ("hits", "day=undated"),
        ("errors", "day=2024-05-01"),
    }  # fmt: skip
    assert len(kept) == 7 + 1 + 2  # merged files, the failed scan, the two rules snapshots


def test_superseded_rows_are_dropped_and_a_second_compaction_does_nothing(store: Path) -> None:
    compact_store(store)
    con = open_store(store)
    assert con.execute("SELECT count(*) FROM raw_hits").fetchall() == con.execute("SELECT count(*) FROM hits").fetchall()
    assert con.execute("SELECT count(*) FROM raw_builds").fetchall() == [(5,)]
    files = store_files(store)
    assert compact_store(store).days == 0
    assert store_files(store) == files


def test_builds_written_after_a_compaction_supersede_the_merged_rows(store: Path) -> None:
    compact_store(store)
    write_build_scan(store, build_scan("b2", hits={"dns": 1}, build_status="FAILURE"))  # same rules and day
    write_build_scan(store, build_scan("b6", hits={"oom": 4}))
    con = open_store(store)
    hits = "SELECT build_key, rule_id, count(*) FROM hits WHERE build_key IN ('b2', 'b6') GROUP BY ALL ORDER BY ALL"
    assert con.execute(hits).fetchall() == [("b2", "dns", 1), ("b6", "oom", 4)]
    assert con.execute("SELECT count(*) FROM errors WHERE build_key = 'b2'").fetchall() == [(0,)]
    before = snapshot(store)
    assert compact_store(store).days == 1
    assert snapshot(store) == before
    assert len({p.parent.name for p in merged_files(store, "builds") if "2024-05-01" in str(p)}) == 1


def test_a_compaction_killed_before_deleting_its_inputs_leaves_the_views_exact(store: Path, tmp_path: Path) -> None:
    before = snapshot(store)
    copy = tmp_path / "copy"
    shutil.copytree(store, copy)
    compact_store(store)
    shutil.copytree(copy, store, dirs_exist_ok=True)  # the old parts back beside the merged files
    assert len(list_parts(store)) == 13 and merged_files(store, "builds")
    assert snapshot(store) == before
    assert compact_store(store).days == 3
    assert snapshot(store) == before
    assert list_parts(store) == [p for p in list_parts(store) if p.failed]


def test_a_compaction_killed_before_its_builds_files_leaves_the_views_exact(store: Path, tmp_path: Path) -> None:
    before = snapshot(store)
    copy = tmp_path / "copy"
    shutil.copytree(store, copy)
    compact_store(store)
    orphans = merged_files(store, "hits") + merged_files(store, "errors")
    for path in merged_files(store, "builds"):
        path.unlink()  # killed after writing each day's hits and errors files, before its builds file
    shutil.copytree(copy, store, dirs_exist_ok=True)  # ... so its inputs were never deleted
    assert snapshot(store) == before, "merged hits without their builds file are not shown"
    compact_store(store)
    assert snapshot(store) == before
    assert not any(path.exists() for path in orphans), "the next compaction removes them"


def test_resume_and_tidy_see_the_merged_builds(store: Path) -> None:
    committed = {b.key: (b.day, b.rules_digest) for b in current_builds(store)}
    compact_store(store)
    assert {b.key: (b.day, b.rules_digest) for b in current_builds(store)} == committed
    before = snapshot(store)
    tidy(store, committed=committed, locations=["/archive/b1"], digest="rules-v2")
    assert snapshot(store) == before
    assert merged_files(store, "hits"), "tidy leaves merged files alone"


def test_the_compact_command_reports_what_it_did_and_refuses_a_non_store(store: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["compact", str(store)])
    assert result.exit_code == 0, result.output
    assert "3 day(s) compacted: 12 files read, 7 written, 5 current builds kept" in result.output
    assert "already compact" in runner.invoke(main, ["compact", str(store)]).output
    (tmp_path / "plain").mkdir()
    refused = runner.invoke(main, ["compact", str(tmp_path / "plain")])
    assert refused.exit_code == 1
    assert "is not a fingerlog store" in refused.output
    assert "Traceback" not in refused.output
