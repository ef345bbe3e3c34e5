"""First error lines: what an uncategorized failure shows the person triaging it."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fingerlog.engine.scan import scan_build
from fingerlog.engine.triage import ERROR_LINE, FIRST_ERRORS, first_error_lines
from fingerlog.mapping import load_mapping
from fingerlog.query import parse_query
from fingerlog.records import LogLine
from fingerlog.store.views import open_store
from fingerlog.store.writer import write_build_scan


class Rule:
    def __init__(self, rule_id: str, query: str) -> None:
        self.id, self.query = rule_id, parse_query(query)


def naive_first_errors(files: list[tuple[str, bytes]], limit: int) -> list[LogLine]:
    """The same answer, the slow obvious way: line by line."""
    found = []
    for name, data in files:
        for number, line in enumerate(data.split(b"\n"), 1):
            if ERROR_LINE.search(line):
                found.append(LogLine(name, number, line.decode("utf-8", "replace")))
                if len(found) == limit:
                    return found
    return found


def test_first_error_lines_of_the_real_2013_job(corpus: Path) -> None:
    job = corpus / "logs/os-loganalyze/job-view/gate-tempest-devstack-vm-neutron-02d68e3"
    console = gzip.decompress((job / "console.html.gz").read_bytes())
    assert list(first_error_lines(job)) == naive_first_errors([("console.html", console)], FIRST_ERRORS)


def test_lines_come_in_file_order_across_files_and_stop_at_the_limit(tmp_path: Path) -> None:
    job = tmp_path / "job"
    (job / "logs").mkdir(parents=True)
    first = b"2024-05-01 10:00:00.000000 | ok\n2024-05-01 10:00:01.000000 | ERROR: one ERROR twice on a line\n"
    second = b"May  1 10:00:02 host kernel: fine\nMay  1 10:00:03 host app: FATAL boom\n" * 3
    (job / "job-output.txt").write_bytes(first)
    (job / "logs" / "syslog.txt").write_bytes(second)
    found = first_error_lines(job, limit=3)
    assert [(line.source, line.line) for line in found] == [("job-output.txt", 2), ("logs/syslog.txt", 2), ("logs/syslog.txt", 4)]
    assert found[0].text.endswith("ERROR: one ERROR twice on a line")


@pytest.mark.parametrize(("status", "query", "expected"), [
    ("FAILURE", 'message:"nothing like this"', True),   # uncategorized: keep its error lines
    (None, 'message:"nothing like this"', True),        # status unknown: keep them too
    ("SUCCESS", 'message:"nothing like this"', False),  # a passing build needs no triage
    ("FAILURE", 'message:"boom"', False),               # a fingerprint explains it
])  # fmt: skip
def test_scan_keeps_first_errors_only_for_builds_no_fingerprint_explains(tmp_path: Path, status, query, expected) -> None:
    job = tmp_path / "job"
    job.mkdir()
    (job / "job-output.txt").write_bytes(b"2024-05-01 10:00:01.000000 | ERROR: boom\n")
    overrides = {"build_status": status} if status else {}
    scan = scan_build(job, [Rule("r", query)], mapping=load_mapping("analyzed"), overrides=overrides)
    assert bool(scan.first_errors) is expected
    store = tmp_path / "store"
    write_build_scan(store, scan)
    (stored,) = open_store(store).execute("SELECT first_errors FROM builds").fetchone()
    assert stored == ([{"filename": "job-output.txt", "line": 1, "message": "2024-05-01 10:00:01.000000 | ERROR: boom"}]
                      if expected else [])  # fmt: skip


def test_marker_words_are_whole_words() -> None:
    assert ERROR_LINE.search(b"2024 | ERROR: x") and ERROR_LINE.search(b"fatal: unable to access")
    assert not ERROR_LINE.search(b"ERRORS_TOTAL=0 NOFAILED") and not re.search(ERROR_LINE, b"terror")


#: the error-line pattern as one would first write it: word boundaries before and after.
PLAIN_ERROR_LINE = re.compile(rb"\b(?:ERROR|CRITICAL|FATAL|FAILED)\b|Traceback \(most recent call last\)|\bfatal:")


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([b"ERROR", b"CRITICAL", b"FATAL", b"FAILED", b"fatal:", b"fatal", b"ERRORS",
                                 b"Traceback (most recent call last)", b"Traceback", b"x", b"_", b"9", b" ", b"\n",
                                 b":", b"(", b"E", b"\xc3\xa9"]), max_size=16))
def test_the_error_pattern_matches_exactly_where_the_plain_one_does(parts: list[bytes]) -> None:
    text = b"".join(parts)
    assert [m.span() for m in ERROR_LINE.finditer(text)] == [m.span() for m in PLAIN_ERROR_LINE.finditer(text)]
