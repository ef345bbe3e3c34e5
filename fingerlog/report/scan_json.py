"""``fingerlog scan --format json``: every hit as a document id, for machines and comparisons.

``hits`` lists one object per (rule, event) with at least ``rule_id`` and
``event_id`` (a JSON-lines document's ``_id``, else ``<file>:<line>``), so an
answer can be compared with Elasticsearch's document by document.
"""

from __future__ import annotations

import json
from typing import Any

from fingerlog.records import Hit
from fingerlog.report.scan_summary import BuildSummary, ScanReport

#: bumped when a key changes meaning or disappears.
JSON_VERSION = 1


def _hit(hit: Hit, build_key: str) -> dict[str, Any]:
    event = hit.event
    return {
        "rule_id": hit.rule_id,
        "event_id": event.event_id,
        "build": build_key,
        "filename": event.source,
        "first_line": event.first_line,
        "last_line": event.last_line,
        "timestamp": event.first("@timestamp"),
        "message": event.first("message"),
    }


def _build(summary: BuildSummary) -> dict[str, Any]:
    scan = summary.scan
    return {
        "key": scan.build.key,
        "location": scan.build.location,
        "fields": dict(scan.build.fields),
        "files": scan.files,
        "bytes_read": scan.bytes_read,
        "duration": round(scan.duration, 6),
        "fingerprints": [
            {
                "rule_id": f.rule.id,
                "title": f.rule.title,
                "bug": f.rule.bug,
                "solution": f.rule.solution,
                "hits": f.hits,
                "examples": [e.location for e in f.examples],
            }
            for f in summary.findings
        ],
    }


def render_json(report: ScanReport) -> str:
    """The whole report as one JSON document."""
    document: dict[str, Any] = {
        "version": JSON_VERSION,
        "builds": [_build(b) for b in report.builds],
        "hits": [_hit(h, b.scan.build.key) for b in report.builds for h in b.scan.hits],
        "errors": [
            {"build": b.scan.build.key, "path": e.path, "kind": e.kind, "message": e.message}
            for b in report.builds
            for e in b.errors
        ],
        "rule_problems": list(report.rule_problems),
    }
    if report.profile is not None:
        document["profile"] = {
            rule_id: {"seconds": round(seconds, 6), "events": calls}
            for rule_id, (seconds, calls) in sorted(report.profile.items())
        }
    return json.dumps(document, indent=2, ensure_ascii=False)
