"""Turn one :class:`~fingerlog.records.BuildScan` into the rows of the store's tables.

The store knows nothing of how hits were found: everything it records comes
from the BuildScan (build fields, hits, source errors, counters), so any engine
that produces BuildScans (the scan command, the process pool, Dask) writes the
same rows for the same build.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime

import pyarrow as pa

from fingerlog import __version__
from fingerlog.records import BuildScan, Hit
from fingerlog.store.schema import BUILDS, ERRORS, HITS
from fingerlog.store.timestamps import parse_timestamp

#: build fields that say when a build ran, most precise first.
BUILD_TIME_FIELDS = ("build_time", "start_time", "end_time", "@timestamp", "timestamp")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}
#: event fields with their own hits column, left out of the ``fields`` map.
_OWN_COLUMNS = ("message", "tags")


def build_time(scan: BuildScan) -> datetime | None:
    """When the build ran: from its fields, else its earliest hit, else None."""
    for name in BUILD_TIME_FIELDS:
        when = parse_timestamp(scan.build.fields.get(name))
        if when is not None:
            return when
    times = [t for t in (_hit_time(h) for h in scan.hits) if t is not None]
    return min(times) if times else None


def _hit_time(hit: Hit) -> datetime | None:
    return parse_timestamp(hit.event.first("@timestamp"))


def _voting(fields: Mapping[str, str]) -> bool | None:
    value = str(fields.get("voting", "")).strip().lower()
    return True if value in _TRUE else False if value in _FALSE else None


def _status(fields: Mapping[str, str]) -> str | None:
    value = fields.get("build_status")
    return value.strip().upper() if value else None


def _field(fields: Mapping[str, str], name: str) -> str | None:
    return fields.get(name) or None


def _event_fields(hit: Hit, build_fields: Mapping[str, str]) -> list[tuple[str, list[str]]]:
    """The event's fields but those with their own column and the build's own fields (kept once, in builds)."""
    return [
        (name, list(values))
        for name, values in sorted(hit.event.fields.items())
        if name not in _OWN_COLUMNS and tuple(values) != (build_fields.get(name),)
    ]


def hits_table(scan: BuildScan) -> pa.Table:
    """One row per hit, ordered by rule, file and line so parts are reproducible."""
    b = scan.build.fields
    hits = sorted(scan.hits, key=lambda h: (h.rule_id, h.event.source, h.event.first_line, h.event.event_id))
    rows = [
        {
            "build_key": scan.build.key,
            "rules_digest": scan.rules_digest,
            "rule_id": h.rule_id,
            "event_id": h.event.event_id,
            "filename": h.event.source,
            "first_line": h.event.first_line,
            "last_line": h.event.last_line,
            "timestamp": _hit_time(h),
            "loglevel": h.event.first("loglevel"),
            "message": h.event.first("message"),
            "tags": list(h.event.fields.get("tags", ())),
            "fields": _event_fields(h, b),
            "build_uuid": _field(b, "build_uuid"),
            "build_name": _field(b, "build_name"),
            "build_status": _status(b),
            "build_queue": _field(b, "build_queue"),
            "project": _field(b, "project"),
        }
        for h in hits
    ]
    return pa.Table.from_pylist(rows, schema=HITS.schema)


def build_table(scan: BuildScan, *, scanned_at: datetime) -> pa.Table:
    """The build's one row: its fields, counters and when it was scanned."""
    b = scan.build.fields
    row = {
        "build_key": scan.build.key,
        "rules_digest": scan.rules_digest,
        "location": scan.build.location,
        **{name: _field(b, name) for name in (
            "build_uuid", "build_short_uuid", "build_name", "build_queue", "build_branch",
            "build_change", "build_patchset", "project", "node_provider", "log_url",
        )},
        "build_status": _status(b),
        "voting": _voting(b),
        "build_time": build_time(scan),
        "fields": sorted((k, str(v)) for k, v in b.items()),
        "hit_count": len(scan.hits),
        "rule_hits": sorted(Counter(h.rule_id for h in scan.hits).items()),
        "error_count": len(scan.errors),
        "first_errors": [{"filename": e.source, "line": e.line, "message": e.text} for e in scan.first_errors],
        "bytes_read": scan.bytes_read,
        "files": scan.files,
        "duration_s": float(scan.duration),
        "scanned_at": scanned_at,
        "fingerlog_version": __version__,
    }
    return pa.Table.from_pylist([row], schema=BUILDS.schema)


def errors_table(scan: BuildScan) -> pa.Table:
    """One row per source error of the build, in a reproducible order."""
    rows = [
        {
            "build_key": scan.build.key,
            "rules_digest": scan.rules_digest,
            "location": scan.build.location,
            "path": e.path,
            "kind": e.kind,
            "message": e.message,
        }
        for e in sorted(scan.errors, key=lambda e: (e.path, e.kind, e.message))
    ]
    return pa.Table.from_pylist(rows, schema=ERRORS.schema)
