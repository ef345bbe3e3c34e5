"""Each line format splits events into the fields OpenStack's logstash filters gave them."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from fingerlog.sources.formats import FORMATS, sprintf
from fingerlog.sources.timestamps import to_timestamp

OSLO_2013 = "2013-10-18 17:39:43.966 2625 WARNING keystoneclient.middleware.auth_token [-] Verify error: x"
JOURNAL = (
    "Oct 12 09:40:03.300400 controller nova-compute[51234]: ERROR nova.compute.manager "
    "[None req-5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9 tempest-A tempest-B] Instance failed to spawn"
)


@pytest.mark.parametrize(
    "fmt, line, expected",
    [
        (
            "oslofmt",
            OSLO_2013,
            {
                "message": "[-] Verify error: x",
                "pid": "2625",
                "loglevel": "WARNING",
                "module": "keystoneclient.middleware.auth_token",
                "@timestamp": "2013-10-18T17:39:43.966Z",
            },
        ),
        (
            "oslofmt",
            JOURNAL,
            {
                "message": "[None req-5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9 tempest-A tempest-B] Instance failed to spawn",
                "syslog_program": "controller nova-compute",  # grok's DATA takes the host too
                "syslog_pid": "51234",
                "loglevel": "ERROR",
                "module": "nova.compute.manager",
                "request_id": "req-5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
                "@timestamp": "2014-10-12T09:40:03.300Z",  # syslog dates take the file's year
            },
        ),
        (
            "oslofmt",  # module in brackets, no pid (devstack's colour screen format)
            "2015-06-01 10:00:00.123 INFO [nova.api] hello",
            {"message": "hello", "loglevel": "INFO", "module": "nova.api"},
        ),
        (
            "console",
            "2013-09-27 18:47:11.723 | Traceback (most recent call last):",
            {"message": "Traceback (most recent call last):", "@timestamp": "2013-09-27T18:47:11.723Z"},
        ),
        (
            "console",  # Zuul v3 microseconds are cut to logstash's milliseconds
            "2018-08-01 00:43:51.328611 | TASK [prepare-workspace : Start zuul_console daemon.]",
            {"message": "TASK [prepare-workspace : Start zuul_console daemon.]", "@timestamp": "2018-08-01T00:43:51.328Z"},
        ),
        (
            "syslog",
            (
                "Jun  9 15:50:16 devstack-precise-hpcloud-b3-227769 kernel: [ 1357.542140]  "
                "connection1:0: detected conn error (1020)"
            ),
            {
                "message": "[ 1357.542140]  connection1:0: detected conn error (1020)",
                "syslog_host": "devstack-precise-hpcloud-b3-227769",
                "syslog_program": "kernel",
                "@timestamp": "2014-06-09T15:50:16.000Z",
            },
        ),
        (
            "syslog",
            "Oct 18 14:51:27 host proxy-server[123]: Object HEAD returning 503",
            {"message": "Object HEAD returning 503", "syslog_program": "proxy-server", "syslog_pid": "123"},
        ),
        (
            "apachecombined",  # message becomes "verb request response"; the date is converted to UTC
            '203.0.113.5 - - [12/Oct/2021:09:41:13 +0200] "POST /dashboard/auth/login/ HTTP/1.1" 500 131 "-" "curl/7"',
            {
                "message": "POST /dashboard/auth/login/ 500",
                "clientip": "203.0.113.5",
                "verb": "POST",
                "response": "500",
                "bytes": "131",
                "agent": '"curl/7"',
                "@timestamp": "2021-10-12T07:41:13.000Z",
            },
        ),
        (
            "apacheerror",
            "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6",
            {"message": "mod_jk child workerEnv in error state 6", "loglevel": "error", "@timestamp": "2005-12-04T04:47:44.000Z"},
        ),
        (
            "libvirt",
            "2014-06-09 15:50:16.123+0000: 4321: error : virNetSocketReadWire:1454 : End of file while reading data",
            {
                "message": "virNetSocketReadWire:1454 : End of file while reading data",
                "pid": "4321",
                "loglevel": "error",
                "@timestamp": "2014-06-09T15:50:16.123Z",
            },
        ),
        ("plain", "  anything at all ", {"message": "  anything at all "}),
    ],
)
def test_a_line_yields_the_fields_logstash_indexed(fmt: str, line: str, expected: dict[str, str]) -> None:
    fields = FORMATS[fmt].with_context(year=2014).event_fields([line])
    assert {k: fields[k][0] for k in expected} == expected
    assert "tags" not in fields  # one line that parsed: no event tags


@pytest.mark.parametrize(
    "fmt, lines, tags",
    [
        ("oslofmt", [OSLO_2013, "2013-10-18 17:39:43.967 2625 TRACE k Traceback"], ("multiline",)),
        ("oslofmt", ["Guru meditation now registers SIGUSR1"], ("_grokparsefailure",)),
        ("console", ["2013-09-27 18:47:11.723 |"], ("_grokparsefailure",)),  # no space after the bar
        ("oslofmt", ["2013-02-30 10:00:00.000 1 INFO m x"], ("_dateparsefailure",)),
    ],
)
def test_event_tags_say_how_the_event_was_made(fmt: str, lines: list[str], tags: tuple[str, ...]) -> None:
    assert FORMATS[fmt].event_fields(lines)["tags"] == tags


def test_a_multiline_event_keeps_continuation_lines_whole_and_drops_the_first_prefix() -> None:
    trace = "2013-10-18 17:39:43.967 2625 TRACE keystoneclient.middleware.auth_token Traceback (most recent call last):"
    fields = FORMATS["oslofmt"].event_fields([OSLO_2013, trace])
    assert fields["message"] == ("[-] Verify error: x\n" + trace,)


def test_a_failed_grok_keeps_the_whole_text_as_message() -> None:
    assert FORMATS["oslofmt"].event_fields(["no date here", "  nor here"])["message"] == ("no date here\n  nor here",)


def test_debug_events_are_dropped_as_logstash_dropped_them() -> None:
    assert FORMATS["oslofmt"].event_fields(["2013-10-18 17:39:43.966 2625 DEBUG m [-] noise"]) == {}


@pytest.mark.parametrize(
    "fmt, line, continues",
    [
        ("oslofmt", b"2013-10-18 17:39:43.967 2625 TRACE nova Traceback (most recent call last):", True),
        ("oslofmt", b"2013-10-18 17:39:43.967 TRACE nova   File x", True),  # pid optional before TRACE
        ("oslofmt", b"  File \"/opt/stack/nova/nova/x.py\", line 1, in f", True),  # no timestamp
        ("oslofmt", b"ValueError: boom", True),
        ("oslofmt", b"2013-10-18 17:39:43.967 2625 ERROR nova [-] failed", False),
        ("oslofmt", b"2017-03-01 21:30:55.624 1948 ERROR neutron.agent.l3.agent Traceback (most recent", False),
        ("oslofmt", b"May 26 20:44:32.283764 host cinder-volume[27348]:   File \"x\", line 457", False),
        ("console", b"2013-09-27 18:47:11.723 | Traceback (most recent call last):", False),
        ("console", b"Started by user anonymous", True),
        ("syslog", b"  indented", False),
        ("plain", b"    yield resources", True),
        ("plain", b"Traceback (most recent call last):", False),
    ],
)
def test_continuation_lines_join_the_event_before_them(fmt: str, line: bytes, continues: bool) -> None:
    assert (FORMATS[fmt].continuation.match(line) is not None) is continues


@pytest.mark.parametrize(
    "fmt, tags_drops, line, dropped",
    [
        ("console", (), b"<pre>", True),
        ("console", (), b"</pre>", True),
        ("console", (), b"<pre>x", False),
        ("oslofmt", (rb"^\+ ",), b"+ export PYTHONUNBUFFERED=1", True),
        ("oslofmt", (), b"+ export PYTHONUNBUFFERED=1", False),
        ("plain", (), b"   ", True),
    ],
)
def test_lines_logstash_discarded_before_grouping(fmt: str, tags_drops: tuple[bytes, ...], line: bytes, dropped: bool) -> None:
    assert FORMATS[fmt].with_context(extra_drops=tags_drops).is_dropped(line) is dropped


def test_sprintf_leaves_missing_fields_literal_like_logstash() -> None:
    assert sprintf("%{verb} %{request} %{response}", {"response": "400"}) == "%{verb} %{request} 400"


@pytest.mark.parametrize(
    "logdate, year, expected",
    [
        ("2013-10-18 17:39:43.966", 2000, "2013-10-18T17:39:43.966Z"),
        ("2013-09-27 18:20:55,646", 2000, "2013-09-27T18:20:55.646Z"),
        ("2018-08-01 00:43:51.328611", 2000, "2018-08-01T00:43:51.328Z"),
        ("2014-11-25T00:49:21.685+01:00", 2000, "2014-11-24T23:49:21.685Z"),
        ("Jun  9 15:50:16", 2014, "2014-06-09T15:50:16.000Z"),
        ("May 26 20:44:32.283596", 2017, "2017-05-26T20:44:32.283Z"),
        ("04/Dec/2005:04:47:44 -0500", 2000, "2005-12-04T09:47:44.000Z"),
        ("Sun Dec 04 04:47:44 2005", 2000, "2005-12-04T04:47:44.000Z"),
        ("yesterday", 2000, None),
    ],
)
def test_timestamps_are_utc_milliseconds(logdate: str, year: int, expected: str | None) -> None:
    assert to_timestamp(logdate, year) == expected



def test_oslo_grok_prefers_the_journal_alternative_as_logstash_did() -> None:
    """Grok tries ``program[pid]:`` before ``pid``: a later ": ERROR " in the text wins (a real quirk)."""
    fields = FORMATS["oslofmt"].event_fields(["2013-10-18 17:39:43.966 2625 INFO nova.api [-] state: ERROR stuck"])
    assert (fields["syslog_program"], fields["loglevel"], fields["module"]) == (
        ("2625 INFO nova.api [-] state",),
        ("ERROR",),
        ("stuck",),
    )


@pytest.mark.corpus
def test_oslo_shortcut_matches_exactly_as_the_full_grok(corpus: Path) -> None:
    oslo = FORMATS["oslofmt"]
    assert oslo.grok is not None and oslo.shortcut is not None
    paths = sorted((corpus / "logs").rglob("*.gz"))[:6] + sorted((corpus / "logs/os-log-merger").rglob("*.log"))
    checked = 0
    for path in paths:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        for line in data.decode("utf-8", "replace").split("\n")[:5000]:
            full = oslo.grok.search(line)
            expected = {k: v for k, v in full.groupdict().items() if v} if full else None
            if oslo.shortcut[0].search(line) is None:
                cheap = oslo.shortcut[1].search(line)
                assert ({k: v for k, v in cheap.groupdict().items() if v} if cheap else None) == expected, line
                checked += 1
    assert checked > 10000
