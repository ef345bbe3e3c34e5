"""JUnit XML of `fingerlog check`, read back the way CI servers read it (junitparser)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from junitparser import Failure as JFailure
from junitparser import JUnitXml

from fingerlog.engine.check import CheckReport, run_check
from fingerlog.mapping import load_mapping
from fingerlog.report.junit import render_junit

DATA = Path(__file__).parent / "data" / "check"


@pytest.fixture(scope="module")
def report() -> CheckReport:
    return run_check(DATA / "rules", DATA / "fixtures", load_mapping())


@pytest.fixture(scope="module")
def xml(report: CheckReport, tmp_path_factory: pytest.TempPathFactory) -> JUnitXml:
    path = tmp_path_factory.mktemp("junit") / "check.xml"
    path.write_text(render_junit(report), encoding="utf-8")
    return JUnitXml.fromfile(str(path))


def test_one_suite_per_rule_and_one_case_per_rule_and_fixture(report: CheckReport, xml: JUnitXml) -> None:
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {c.rule_id for c in report.cases}
    for rule_id in ("widget-exploded", "declared-overlap", "hits-negative"):
        names = {case.name for case in suites[rule_id]}
        assert {f.label for f in report.fixtures if f.path.exists()} <= names


def test_counts_agree_with_the_cases(report: CheckReport, xml: JUnitXml) -> None:
    xml.update_statistics()
    assert xml.tests == len(report.cases)
    assert xml.failures == len(report.failures)


@pytest.mark.parametrize(
    ("suite", "case", "kind"),
    [
        ("misses-positive", "positive:misses-positive/positive", "missed-positive"),
        ("hits-negative", "negative:hits-negative/negative", "hit-negative"),
        ("hits-clean", "clean:successful-job", "hit-clean"),
        ("undeclared-overlap", "positive:widget-exploded/positive", "undeclared-overlap"),
        ("unknown-field", "rule", "lint-error"),
    ],
)
def test_failed_case_carries_its_kind(xml: JUnitXml, suite: str, case: str, kind: str) -> None:
    found = next(c for s in xml if s.name == suite for c in s if c.name == case)
    failures = [r for r in found.result if isinstance(r, JFailure)]
    assert len(failures) == 1 and failures[0].type == kind and failures[0].message


def test_passing_cases_have_no_result(xml: JUnitXml) -> None:
    suite = next(s for s in xml if s.name == "widget-exploded")
    assert all(case.is_passed for case in suite)


def test_document_is_valid_against_the_junit_schema(report: CheckReport) -> None:
    schema = xmlschema.XMLSchema(str(DATA / "junit.xsd"))
    schema.validate(render_junit(report))


def test_failure_text_starts_at_the_rule_file(xml: JUnitXml) -> None:
    found = next(c for s in xml if s.name == "unknown-field" for c in s if c.name == "rule")
    assert found.result[0].text.startswith(str(DATA / "rules" / "unknown-field.yaml") + ":1:8: ")


def test_warnings_go_to_the_rules_suite_output(report: CheckReport) -> None:
    root = ET.fromstring(render_junit(report))  # noqa: S314 - XML we just rendered
    suite = root.find("testsuite[@name='declared-overlap']")
    assert suite is not None and "unknown key 'titel'" in (suite.findtext("system-out") or "")
