"""lint reports what makes a rule unusable (a regexp Lucene refuses, from loading) and AND mixed with OR."""

from __future__ import annotations

from pathlib import Path

import pytest

from fingerlog.mapping import load_mapping
from fingerlog.rules.lint import lint
from fingerlog.rules.model import Severity


@pytest.mark.parametrize(("query_yaml", "code", "severity", "position", "words"), [
    ("query: >\n  message:\"x\" AND\n  f\\/g:/ab(c/\n", "regexp-syntax", Severity.ERROR, (3, 13), "expected ')'"),
    ("query: /a)/\n", "regexp-syntax", Severity.ERROR, (1, 10), "end-of-string expected"),
    # valid as written, but Elasticsearch lower-cases it to [z-a] first, an empty range
    ("query: /[Z-a]/\n", "regexp-syntax", Severity.ERROR, (1, 13), ""),
    ("query: a AND b OR c\n", "FL106 mixed-and-or", Severity.WARNING, (1, 8), "Lucene reads it as `+a +b c`"),
    ("query: >\n  x (a AND\n  b c)\n", "FL106 mixed-and-or", Severity.WARNING, (2, 6),
     "implicit OR (clauses side by side) without parentheses: Lucene reads it as `+a +b c`"),
])
def test_lint_reports_refused_regexps_and_mixed_operators(tmp_path: Path, query_yaml: str, code: str, severity: Severity,
                                         position: tuple[int, int], words: str) -> None:
    (tmp_path / "1.yaml").write_text(query_yaml, encoding="utf-8")
    (problem,) = [p for p in lint(tmp_path).problems if p.code in ("regexp-syntax", "FL106 mixed-and-or")]
    assert (problem.code, problem.severity, (problem.line, problem.column)) == (code, severity, position)
    assert words in problem.message


@pytest.mark.parametrize("query", ["a AND (b OR c)", "(a OR b) AND c", "a AND b -c", "a OR b c", "/ab+c/ AND x"])
def test_clear_queries_get_no_warning(tmp_path: Path, query: str) -> None:
    (tmp_path / "1.yaml").write_text(f"query: '{query}'\n", encoding="utf-8")
    report = lint(tmp_path)
    assert report.problems == () and not report.failed


def test_guidelines_on_request(tmp_path: Path) -> None:
    (tmp_path / "1.yaml").write_text("query: 'message:x AND build_name:gate-*'\n", encoding="utf-8")
    assert lint(tmp_path).problems == ()
    report = lint(tmp_path, load_mapping("analyzed"), guidelines=True)
    codes = {p.code for p in report.problems}
    assert {"FL101 build-name-wildcard", "FL103 unrestricted-file"} <= codes
    assert report.failed, "FL101 is an error"
