"""ES ``_source`` documents (both logstash layouts) become events with flat logstash fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fingerlog.sources import DocumentError, event_from_document, load_sample_events

LEGACY = {
    "@tags": ["logs/screen-n-api.txt", "screen", "oslofmt", "multiline"],
    "@fields": {
        "build_status": ["SUCCESS"],
        "build_name": "check-tempest-devstack-vm-neutron",
        "pid": ["2625"],
        "received_at": ["2013-10-18T17:52:11.642Z"],
    },
    "@timestamp": "2013-10-18T17:39:43.966Z",
    "@source_host": "127.0.0.1",
    "@type": "jenkins",
    "@message": "[-] Verify error\n2013-10-18 17:39:43.967 2625 TRACE x Traceback",
}
FLAT = {
    "@timestamp": "2014-11-25T00:49:21.685+00:00",
    "build_short_uuid": "4f440b7",
    "error_pr": -7.9718,
    "filename": "console.html",
    "message": "FATAL: slave.log",
    "tags": ["console.html", "console"],
    "voting": True,
    "absent": None,
}


@pytest.mark.parametrize(
    "doc, field, values",
    [
        (LEGACY, "message", ("[-] Verify error\n2013-10-18 17:39:43.967 2625 TRACE x Traceback",)),
        (LEGACY, "tags", ("logs/screen-n-api.txt", "screen", "oslofmt", "multiline")),
        (LEGACY, "build_status", ("SUCCESS",)),  # one-element list
        (LEGACY, "build_name", ("check-tempest-devstack-vm-neutron",)),  # bare string
        (LEGACY, "@timestamp", ("2013-10-18T17:39:43.966Z",)),
        (LEGACY, "type", ("jenkins",)),
        (LEGACY, "host", ("127.0.0.1",)),
        (FLAT, "message", ("FATAL: slave.log",)),
        (FLAT, "tags", ("console.html", "console")),
        (FLAT, "error_pr", ("-7.9718",)),
        (FLAT, "voting", ("true",)),
    ],
)
def test_document_fields_use_the_flat_logstash_names(doc: dict, field: str, values: tuple) -> None:
    assert event_from_document(doc, event_id="x").fields[field] == values


@pytest.mark.parametrize("doc, absent", [(LEGACY, "@message"), (LEGACY, "@fields.pid"), (FLAT, "absent")])
def test_legacy_names_and_nulls_are_not_indexed(doc: dict, absent: str) -> None:
    assert absent not in event_from_document(doc, event_id="x").fields


def test_event_source_is_the_filename_and_id_is_kept() -> None:
    event = event_from_document(FLAT, event_id="kY_X")
    assert (event.source, event.event_id) == ("console.html", "kY_X")


@pytest.mark.corpus
def test_every_real_sample_hit_converts(corpus: Path) -> None:
    files = sorted((corpus / "elastic-recheck/samples").glob("*/*.json"))
    responses = [f for f in files if isinstance(json.loads(f.read_text()), dict)]
    events = [e for f in responses for e in load_sample_events(f)]
    raw_hits = sum(len(json.loads(f.read_text())["hits"]["hits"]) for f in responses)
    assert len(events) == raw_hits == 1416
    assert all(e.first("message") and e.first("filename") and e.fields["tags"] for e in events)
    assert len({e.event_id for e in events}) == len(events)


def test_a_file_that_is_not_a_search_response_is_a_user_error(tmp_path: Path) -> None:
    bad = tmp_path / "list.json"
    bad.write_text("[1, 2]")
    with pytest.raises(DocumentError, match=r"list\.json"):
        load_sample_events(bad)
