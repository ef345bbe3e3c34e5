"""``fingerlog scan --format sarif``: SARIF 2.1.0 for code-scanning UIs, one result per hit.

Each fingerprint is a ``reportingDescriptor`` (its bug link as ``helpUri``,
its remediation as ``help``); each hit a ``result`` located at the log file
and its ``startLine``/``endLine``.  Unreadable files become tool execution
notifications, so a UI shows them without calling them findings.
"""

from __future__ import annotations

import json
from typing import Any

from fingerlog import __version__
from fingerlog.report.scan_summary import RuleInfo, ScanReport

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _descriptor(rule: RuleInfo) -> dict[str, Any]:
    descriptor: dict[str, Any] = {"id": rule.id, "shortDescription": {"text": rule.title or rule.id}}
    if rule.bug:
        descriptor["helpUri"] = rule.bug
    if rule.solution:
        descriptor["help"] = {"text": rule.solution.strip()}
    return descriptor


def render_sarif(report: ScanReport) -> str:
    """One SARIF run covering every scanned build."""
    rules: dict[str, RuleInfo] = {}
    for summary in report.builds:
        for finding in summary.findings:
            rules.setdefault(finding.rule.id, finding.rule)
    index = {rule_id: i for i, rule_id in enumerate(rules)}
    results = []
    for summary in report.builds:
        for hit in summary.scan.hits:
            event = hit.event
            rule = rules[hit.rule_id]
            text = (event.first("message", "") or "").split("\n", 1)[0]
            results.append(
                {
                    "ruleId": hit.rule_id,
                    "ruleIndex": index[hit.rule_id],
                    "level": "error",
                    "message": {"text": f"{rule.title or rule.id}: {text}"},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": event.source},
                                "region": {"startLine": event.first_line, "endLine": event.last_line},
                            }
                        }
                    ],
                    "partialFingerprints": {"eventId": event.event_id},
                }
            )
    notifications = [
        {"level": "warning", "message": {"text": f"{e.path}: {e.kind}: {e.message}"}}
        for summary in report.builds
        for e in summary.errors
    ]
    run = {
        "tool": {
            "driver": {
                "name": "fingerlog",
                "version": __version__,
                "rules": [_descriptor(rule) for rule in rules.values()],
            }
        },
        "results": results,
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}, indent=2, ensure_ascii=False)
