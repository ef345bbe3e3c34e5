"""`fingerlog explain --event-file/--line` and `--event-json`: which clause matched an event."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from click.testing import CliRunner

from fingerlog.cli import main

RULE = 'message:"Failed to bind port" AND (tags:"screen-q-svc.txt" OR tags:"screen-neutron-api.txt")'
LOG = (
    "2015-11-12 13:20:11.148 5389 DEBUG neutron.plugins.ml2.managers [req-1 ] Attempting to bind port p1\n"
    "2015-11-12 13:20:11.153 5389 ERROR neutron.plugins.ml2.managers [req-1 ] Failed to bind port p1 on host h1\n"
    "2015-11-12 13:20:12.001 5389 INFO neutron.wsgi [-] 127.0.0.1 GET /v2.0/ports\n"
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def screen_log(tmp_path: Path) -> Path:
    path = tmp_path / "logs" / "screen-q-svc.txt.gz"
    path.parent.mkdir()
    path.write_bytes(gzip.compress(LOG.encode()))
    return path


def test_event_file_line_shows_each_clause(screen_log: Path) -> None:
    code, out, _ = run("explain", RULE, "--event-file", str(screen_log), "--line", "2")
    assert code == 0
    section = out.split("Event ", 1)[1]
    assert section.startswith("screen-q-svc.txt:2 (openstack mapping): matches:")
    assert '    ✓ +message:"failed to bind port"\n' in section
    assert "        ✓ tags:screen-q-svc.txt\n" in section
    assert "        ✗ tags:screen-neutron-api.txt\n" in section


def test_event_that_fails_names_the_missing_clause(screen_log: Path) -> None:
    code, out, _ = run("explain", RULE, "--event-file", str(screen_log), "--line", "3")
    assert code == 0
    assert "does not match" in out
    assert '✗ +message:"failed to bind port"  (required, not found)' in out


def test_a_line_logstash_dropped_is_a_clear_error(screen_log: Path) -> None:
    code, _, err = run("explain", RULE, "--event-file", str(screen_log), "--line", "1")
    assert code == 1
    assert err.startswith(f"fingerlog: error: {screen_log}:1: no event there")


@pytest.mark.parametrize(
    ("mapping", "verdict"),
    [("analyzed", "matches"), ("keyword", "does not match")],  # build_name is a keyword: whole value, case kept
)
def test_event_json_under_a_mapping(mapping: str, verdict: str) -> None:
    event = '{"message": "boom", "build_name": "Gate-Nova-Python27"}'
    code, out, _ = run("explain", "build_name:gate*", "--event-json", event, "--mapping", mapping)
    assert code == 0
    assert f"Event --event-json ({mapping} mapping): {verdict}:" in out


@pytest.mark.parametrize(
    "args",
    [
        ("--line", "3"),
        ("--event-file", "x.txt"),
        ("--event-json", "[1, 2]"),
        ("--event-json", "{not json"),
    ],
)
def test_bad_event_options_are_usage_errors(args: tuple[str, ...]) -> None:
    code, _, err = run("explain", "a", *args)
    assert code == 2
    assert err.startswith("fingerlog: error: --")
