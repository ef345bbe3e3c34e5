"""lint adds what loading alone cannot see: regexps Lucene refuses, AND mixed with OR."""

from __future__ import annotations

from pathlib import Path

import pytest

from fingerlog.rules.lint import lint
from fingerlog.rules.model import Severity


@pytest.mark.parametrize(("query_yaml", "code", "severity", "position", "words"), [
    ("query: >\n  message:\"x\" AND\n  f\\/g:/ab(c/\n", "regexp-syntax", Severity.ERROR, (3, 13), "expected ')'"),
    ("query: /a)/\n", "regexp-syntax", Severity.ERROR, (1, 10), "end-of-string expected"),
    ("query: a AND b OR c\n", "mixed-operators", Severity.WARNING, (1, 8), "Lucene reads it as `+a +b c`"),
    ("query: >\n  x (a AND\n  b c)\n", "mixed-operators", Severity.WARNING, (2, 6),
     "implicit OR (clauses side by side) without parentheses: Lucene reads it as `+a +b c`"),
])
def test_lint_finds_what_loading_accepts(tmp_path: Path, query_yaml: str, code: str, severity: Severity,
                                         position: tuple[int, int], words: str) -> None:
    (tmp_path / "1.yaml").write_text(query_yaml, encoding="utf-8")
    (problem,) = lint(tmp_path).problems
    assert (problem.code, problem.severity, (problem.line, problem.column)) == (code, severity, position)
    assert words in problem.message


@pytest.mark.parametrize("query", ["a AND (b OR c)", "(a OR b) AND c", "a AND b -c", "a OR b c", "/ab+c/ AND x"])
def test_clear_queries_get_no_warning(tmp_path: Path, query: str) -> None:
    (tmp_path / "1.yaml").write_text(f"query: '{query}'\n", encoding="utf-8")
    report = lint(tmp_path)
    assert report.problems == () and not report.failed
