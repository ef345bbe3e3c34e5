"""The real Elasticsearch documents of 2013-2014 are re-derived by fingerlog's sources.

Each sample hit carries what logstash made of one real log event.  We write
the event back as the log line(s) it came from (timestamp, pid, level and
module in front of the first line of ``@message``, continuation lines as
stored), into a file named like the ``log_url`` basename, and read that file
with :func:`open_job`: the events must come back one for one with the same
``message``, ``loglevel``, ``module``, ``pid``, ``@timestamp``, syslog fields and tags.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import posixpath
import re
from collections import defaultdict
from pathlib import Path

import pytest

from fingerlog.records import Event
from fingerlog.sources import load_sample_events, open_job

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

COMPARED = ("message", "loglevel", "module", "pid", "syslog_program", "syslog_host")


def _moment(event: Event) -> dt.datetime:
    stamp = event.first("@timestamp") or ""
    return dt.datetime.fromisoformat(stamp).astimezone(dt.UTC)


def _raw(event: Event) -> str:
    """The log text the event was made from, in its file's format."""
    moment, message, tags = _moment(event), event.first("message") or "", event.fields["tags"]
    millis = f"{moment:%Y-%m-%d %H:%M:%S}.{moment.microsecond // 1000:03d}"
    if "oslofmt" in tags:
        first, newline, rest = message.partition("\n")
        head = f"{millis} {event.first('pid')} {event.first('loglevel')} {event.first('module')} {first}"
        return head + newline + rest
    if "syslog" in tags:
        return f"{moment:%b %d %H:%M:%S} {event.first('syslog_host')} {event.first('syslog_program')}: {message}"
    return f"{millis} | {message}"


def _sample_events(corpus: Path) -> list[Event]:
    files = sorted((corpus / "elastic-recheck/samples").glob("*/*.json"))
    return [e for f in files if isinstance(json.loads(f.read_text()), dict) for e in load_sample_events(f)]


def _expected_tags(event: Event) -> set[str]:
    """2013 shippers tagged a file with its configured path (``logs/screen-n-api.txt``), later
    ones with its base name; 2013 consoles lacked the ``console`` tag fingerlog adds."""
    tags = {posixpath.basename(t) for t in event.fields["tags"]}
    return tags | {"console"} if "console.html" in tags else tags


def test_sample_documents_are_re_derived_from_their_log_lines(corpus: Path, tmp_path: Path) -> None:
    groups: dict[tuple[str, int], list[Event]] = defaultdict(list)
    for event in _sample_events(corpus):
        groups[(posixpath.basename(event.first("log_url") or ""), _moment(event).year)].append(event)
    compared = 0
    for n, ((name, year), originals) in enumerate(sorted(groups.items())):
        job = tmp_path / str(n)
        job.mkdir()
        log = job / name
        log.write_text("\n".join(_raw(e) for e in originals) + "\n", encoding="utf-8")
        written = dt.datetime(year, 6, 1, tzinfo=dt.UTC).timestamp()
        os.utime(log, (written, written))
        derived = list(open_job(job).events())
        assert len(derived) == len(originals), name
        for original, ours in zip(originals, derived):
            for name_ in COMPARED:
                if name_ in original.fields:
                    assert ours.fields[name_] == original.fields[name_], (name_, original.event_id)
            if "+" not in (original.first("@timestamp") or "Z"):  # 2014 layout: stamped on arrival
                assert ours.fields["@timestamp"] == original.fields["@timestamp"]
            assert set(ours.fields["tags"]) == _expected_tags(original), original.event_id
            compared += 1
    assert compared == 1416


_TRACE = re.compile(r"^\S+ \S+ \d+ TRACE (\S+) ", re.MULTILINE)


def test_module_of_oslo_samples_is_the_logger_their_trace_lines_name(corpus: Path) -> None:
    """An independent derivation: the TRACE lines logstash kept name the same logger."""
    checked = 0
    for event in _sample_events(corpus):
        loggers = set(_TRACE.findall(event.first("message") or ""))
        if "oslofmt" in event.fields["tags"] and loggers:
            assert loggers == {event.first("module")}
            checked += 1
    assert checked > 300
