"""JUnit XML for `fingerlog check`: one test case per rule x fixture, as CI servers read it.

Jenkins, GitLab and GitHub test reporters understand the ``testsuites`` /
``testsuite`` / ``testcase`` / ``failure`` shape of the JUnit XSD; one suite
per rule keeps a failing fingerprint's cases together.  A rule's own checks
(loading, lint errors, fixtures key) are its ``rule`` case.  Only attributes
the common JUnit schema knows are written (strict readers reject others): the
rule file is the suite's ``file``; each failure's text starts with
``path:line:column``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from fingerlog.engine.check import Case, CheckReport
from fingerlog.rules.guidelines import Severity


def _testcase(suite: ET.Element, case: Case) -> None:
    element = ET.SubElement(suite, "testcase", {
        "classname": f"fingerlog.check.{case.rule_id}",
        "name": case.name,
        "time": "0",
    })
    if case.failure is not None:
        failure = ET.SubElement(element, "failure", {"message": case.message, "type": case.failure.value})
        hits = "\nhits: " + ", ".join(case.hits) if case.hits else ""
        failure.text = f"{case.rule_path}:{case.line}:{case.column}: {case.message}{hits}"


def render_junit(report: CheckReport) -> str:
    """The report as a JUnit XML document (UTF-8 text with an XML declaration)."""
    by_rule: dict[str, list[Case]] = defaultdict(list)
    for case in report.cases:
        by_rule[case.rule_id].append(case)
    warnings: dict[str, list[str]] = defaultdict(list)
    for finding in report.findings:
        if finding.severity is Severity.WARNING:
            warnings[finding.rule_id].append(str(finding))
    for problem in report.load_warnings:
        warnings[Path(problem.path).stem].append(str(problem))
    root = ET.Element("testsuites", {
        "name": "fingerlog check",
        "tests": str(len(report.cases)),
        "failures": str(len(report.failures)),
        "errors": "0",
    })
    for rule_id in sorted(by_rule):
        cases = by_rule[rule_id]
        suite = ET.SubElement(root, "testsuite", {
            "name": rule_id,
            "file": cases[0].rule_path,
            "tests": str(len(cases)),
            "failures": str(sum(1 for c in cases if not c.passed)),
            "errors": "0",
            "skipped": "0",
            "time": "0",
        })
        for case in cases:
            _testcase(suite, case)
        if warnings.get(rule_id):
            ET.SubElement(suite, "system-out").text = "\n".join(warnings[rule_id])
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
