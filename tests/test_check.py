"""`fingerlog check` fails with the right kind, place and message for every failure kind.

The rules in tests/data/check/rules/ are broken on purpose, one failure kind
each (see its README); two of them are correct and must pass, so the table
also proves the check does not fail what is right.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fingerlog.cli import main
from fingerlog.engine.check import CheckReport, Failure, run_check
from fingerlog.mapping import load_mapping

DATA = Path(__file__).parent / "data" / "check"


@pytest.fixture(scope="module")
def report() -> CheckReport:
    return run_check(DATA / "rules", DATA / "fixtures", load_mapping())


def _failures(report: CheckReport, rule_id: str) -> dict[tuple[str, Failure], str]:
    return {(c.name, c.failure): c.message for c in report.failures if c.rule_id == rule_id and c.failure}


@pytest.mark.parametrize(
    ("rule_id", "case", "kind", "fragment"),
    [
        ("misses-positive", "positive:misses-positive/positive", Failure.MISSED_POSITIVE, "did not match its positive"),
        ("wrong-hit-count", "positive:wrong-hit-count/positive", Failure.WRONG_HIT_COUNT, "expected 3 hit(s)"),
        ("wrong-lines", "positive:wrong-lines/positive", Failure.WRONG_LINES, "expected events job-output.txt:1"),
        ("hits-negative", "negative:hits-negative/negative", Failure.HIT_NEGATIVE, "job-output.txt:1"),
        ("hits-clean", "clean:successful-job", Failure.HIT_CLEAN, "clean job"),
        ("undeclared-overlap", "positive:widget-exploded/positive", Failure.UNDECLARED_OVERLAP,
         "declare 'overlaps: [widget-exploded]'"),
        ("undeclared-overlap", "negative:widget-exploded/negative", Failure.UNDECLARED_OVERLAP, "negative fixture"),
        ("broken-query", "rule", Failure.RULE_INVALID, "broken-query.yaml"),
        ("unknown-field", "rule", Failure.LINT_ERROR, "did you mean 'message'"),
        ("unrestricted", "rule", Failure.LINT_ERROR, "FL103"),
        ("no-positive", "rule", Failure.NO_POSITIVE_FIXTURE, "no positive fixture"),
        ("missing-fixture", "positive:missing-fixture/does-not-exist", Failure.FIXTURE_MISSING, "does not exist"),
        ("bad-fixtures-key", "rule", Failure.BAD_FIXTURES_KEY, "'hits' is a positive whole number"),
        ("unknown-overlap", "rule", Failure.BAD_FIXTURES_KEY,
         "'widget-explode', which is not a rule; did you mean 'widget-exploded'?"),
        ("corrupt-fixture", "positive:corrupt-fixture/positive", Failure.FIXTURE_UNREADABLE,
         "logs/screen-n-cpu.txt: corrupt-gzip"),
    ],
)
def test_each_failure_kind_is_reported_with_its_message(report: CheckReport, rule_id: str, case: str,
                                                        kind: Failure, fragment: str) -> None:
    failures = _failures(report, rule_id)
    assert (case, kind) in failures, failures
    assert fragment in failures[(case, kind)]


def test_the_readable_rest_of_a_corrupt_fixture_is_still_judged(report: CheckReport) -> None:
    case = next(c for c in report.cases if c.rule_id == "corrupt-fixture" and c.failure is None
                and c.name == "positive:corrupt-fixture/positive")
    assert case.hits == ("job-output.txt:1",)


@pytest.mark.parametrize("rule_id", ["widget-exploded", "declared-overlap"])
def test_correct_rules_pass_every_case(report: CheckReport, rule_id: str) -> None:
    cases = [c for c in report.cases if c.rule_id == rule_id]
    readable = [f for f in report.fixtures if f.path.exists()]
    assert len(cases) == len(readable)  # one case per fixture: every rule meets every fixture
    assert all(c.passed for c in cases), [c.message for c in cases if not c.passed]


def test_a_declared_overlap_is_accepted_from_either_rule(report: CheckReport) -> None:
    """declared-overlap names widget-exploded; widget-exploded hitting its fixture is then fine too."""
    case = next(c for c in report.cases
                if c.rule_id == "widget-exploded" and c.name == "positive:declared-overlap/positive")
    assert case.passed and case.message == "overlap declared"


def test_failures_point_at_the_rule_file(report: CheckReport) -> None:
    case = next(c for c in report.failures if c.rule_id == "wrong-hit-count")
    lines = Path(case.rule_path).read_text(encoding="utf-8").splitlines()
    assert lines[case.line - 1].startswith("fixtures:")


def test_cli_exits_1_and_reports_every_failure_in_one_run(report: CheckReport) -> None:
    result = CliRunner().invoke(main, ["check", str(DATA / "rules"), "--fixtures", str(DATA / "fixtures")])
    assert result.exit_code == 1
    for kind in {c.failure for c in report.failures if c.failure}:
        assert f"FAIL {kind.value} " in result.output
    assert "FAILED (" in result.output.splitlines()[-1]


def test_json_lists_the_same_failures(report: CheckReport) -> None:
    result = CliRunner().invoke(main, ["check", str(DATA / "rules"), "--fixtures", str(DATA / "fixtures"),
                                       "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False
    assert len(data["failures"]) == len(report.failures)
    assert {f["kind"] for f in data["failures"]} == {c.failure.value for c in report.failures if c.failure}


def test_github_annotations_are_one_workflow_command_per_problem(report: CheckReport) -> None:
    result = CliRunner().invoke(main, ["check", str(DATA / "rules"), "--fixtures", str(DATA / "fixtures"),
                                       "--format", "github"])
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert all(line.startswith(("::error file=", "::warning file=")) for line in lines)
    assert any("unknown-field.yaml,line=1,col=8" in line and "FL105" in line for line in lines)
    assert any("title=fingerlog check%3A hit-negative" in line for line in lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/nowhere"], "not a rules directory"),
        ([str(DATA / "rules"), "--fixtures", "{tmp}/nowhere"], "no fixtures directory"),
    ],
)
def test_missing_directories_are_one_clear_error(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["check", *(a.format(tmp=tmp_path) for a in args)])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("rule_id", "guideline", "fragment"),
    [
        ("debug-only", "FL107", "every event it matches in its positive fixtures is a DEBUG line"),
        ("widget-exploded", "FL109", "same fixture events as declared-overlap"),
    ],
)
def test_guidelines_that_need_fixture_evidence(report: CheckReport, rule_id: str, guideline: str, fragment: str) -> None:
    found = [f for f in report.findings if f.rule_id == rule_id and f.guideline.id == guideline]
    assert len(found) == 1 and fragment in found[0].message
    assert all(c.passed for c in report.cases if c.rule_id == rule_id)  # warnings do not fail the check


def test_output_file_gets_the_report_and_the_terminal_the_verdict(tmp_path: Path) -> None:
    out = tmp_path / "check.xml"
    result = CliRunner().invoke(main, ["check", str(DATA / "rules"), "--fixtures", str(DATA / "fixtures"),
                                       "--format", "junit", "-o", str(out)])
    assert result.exit_code == 1
    assert out.read_text(encoding="utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    assert "FAILED (" in result.stderr and "<testsuites" not in result.stdout


def test_loader_warnings_are_shown_but_do_not_fail(report: CheckReport) -> None:
    assert [w.code for w in report.load_warnings if w.path.endswith("declared-overlap.yaml")] == ["unknown-key"]
    result = CliRunner().invoke(main, ["check", str(DATA / "rules"), "--fixtures", str(DATA / "fixtures"),
                                       "--format", "github"])
    assert any(line.startswith("::warning file=") and "declared-overlap.yaml,line=2" in line and "titel" in line
               for line in result.output.splitlines())


def test_help_teaches_the_layout_and_ends_with_examples() -> None:
    result = CliRunner().invoke(main, ["check", "--help"])
    assert result.exit_code == 0
    assert "FIXTURES/rules/<rule-id>/positive/" in result.output and "FIXTURES/clean/<job>/" in result.output
    assert result.output.rstrip().splitlines()[-1].strip().startswith("fingerlog check ")
