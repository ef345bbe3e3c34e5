"""Queries Lucene 4.10 / Elasticsearch 1.x reject give a located QueryParseError.

Each row: the query, words the message must contain, and the span (half-open
character offsets) the caret must underline.  Lucene rejects every one of
these (checked against liblucene4.10-java); the span is where a person
should look, which is not always where JavaCC noticed.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from fingerlog.backends.dsl import to_dsl
from fingerlog.backends.lucene import to_lucene
from fingerlog.backends.matcher import compile_query
from fingerlog.errors import FingerlogError
from fingerlog.mapping import load_mapping
from fingerlog.query import QueryParseError, SourceLocation, parse_query
from fingerlog.query.parser import MAX_NESTING

REJECTED = [
    ("a AND", "'AND' needs a clause", (2, 5)),
    ("a b AND", "'AND' needs a clause", (4, 7)),
    ("a OR OR b", "'OR' needs a clause", (2, 4)),
    ("NOT NOT a", "'NOT' needs a clause", (0, 3)),
    ("a AND )", "'AND' needs a clause", (2, 5)),
    ("-", "'-' needs a clause", (0, 1)),
    ('"unclosed', "unterminated quoted phrase", (0, 9)),
    ('f:"a', "unterminated quoted phrase", (2, 4)),
    ("field:(a", "'(' is never closed", (6, 7)),
    ("(a OR b", "'(' is never closed", (0, 1)),
    ("a)", "')' without a matching '('", (1, 2)),
    (")", "')' without a matching '('", (0, 1)),
    ("[a TO", "range is never closed", (4, 5)),
    ("[a TO b", "range is never closed", (0, 7)),
    ("{a TO b", "range is never closed", (0, 7)),
    ("[TO b]", "expected a lower bound, found TO", (1, 3)),
    ("[a TO b c]", "expected ']' or '}'", (8, 9)),
    ("^2", "expected a term", (0, 1)),
    ("(", "expected a term", (0, 1)),
    ("f:", "expected a term", (1, 2)),
    (":a", "expected a term", (0, 1)),
    ("a:b:c", "expected an operator or a clause, found ':'", (3, 4)),
    ("a^", "expected a number after '^'", (1, 2)),
    ("a^x", "expected a number", (2, 3)),
    ("a^ 2", "no space allowed", (2, 3)),
    ('"a"^2~3', "found '~'", (5, 7)),  # a phrase's slop must come before its boost
    ("a~2~3", "found '~'", (3, 5)),
    ("a~x", "fuzziness 'x' is not a non-negative number", (1, 3)),
    ("a~-1", "fuzziness '-1'", (1, 4)),
    ('"a b"~-1', "slop cannot be negative", (5, 8)),
    ("foo/bar", "unterminated regular expression", (3, 7)),  # '/' starts a regexp: escape it
    ("/re", "unterminated regular expression", (0, 3)),
    ("a\\", "backslash at the end", (1, 2)),
    ("a]", "']' outside a range", (1, 2)),
    ("x } y", "'}' outside a range", (2, 3)),
    ("\\u00zz", "non-hex character 'z'", (0, 6)),
    ("\\u12", "truncated unicode escape", (0, 4)),
    ("", "the query is empty", (0, 0)),
    ("  \n ", "the query is empty", (0, 4)),
]


@pytest.mark.parametrize(("query", "words", "span"), REJECTED, ids=[q or "<empty>" for q, _, _ in REJECTED])
def test_rejected_query_points_at_the_problem(query: str, words: str, span: tuple[int, int]) -> None:
    with pytest.raises(QueryParseError) as caught:
        parse_query(query)
    error = caught.value
    assert words in error.message
    assert (error.span.start, error.span.end) == span
    assert error.text == query


def test_too_many_clauses_is_rejected_like_lucenes_max_clause_count() -> None:
    parse_query(" ".join(["a"] * 1024))
    with pytest.raises(QueryParseError, match="too many boolean clauses"):
        parse_query(" ".join(["a"] * 1025))


def test_absurd_nesting_is_an_error_not_a_crash() -> None:
    parse_query("(" * 200 + "a" + ")" * 200)
    with pytest.raises(QueryParseError, match="nested too deeply"):
        parse_query("(" * 5000 + "a" + ")" * 5000)


def _called_from_deep_stack(depth: int, action: Callable[[], object]) -> object:
    return action() if depth == 0 else _called_from_deep_stack(depth - 1, action)


@pytest.mark.parametrize(
    "template", ["({})", "NOT ({})", "(a OR {})", "message:({})", "-(+({}))"], ids=str
)
def test_the_deepest_query_accepted_is_handled_by_every_consumer_and_one_more_level_is_refused(template: str) -> None:
    """Found by fuzzing: a query nested 200 deep parsed, then the DSL compiler died of a
    RecursionError. The parser now has a fixed bound, and everything that walks the tree
    must cope with it even when called from a deep stack (a worker, a test runner)."""
    per_level = template.count("(")
    levels = MAX_NESTING // per_level
    deepest = "message:found"
    for _ in range(levels):
        deepest = template.format(deepest)
    mapping = load_mapping("analyzed")
    node = parse_query(deepest)
    consumers: list[Callable[[], object]] = [
        lambda: parse_query(to_lucene(node)),
        lambda: json.dumps(to_dsl(node, mapping).value),
        lambda: compile_query(node, mapping).explain({"message": ("found",)}).render(),
    ]
    for consume in consumers:
        _called_from_deep_stack(300, consume)
    too_deep = template.format(deepest)
    with pytest.raises(QueryParseError, match="nested too deeply") as caught:
        parse_query(too_deep)
    at = caught.value.span.start  # the caret is under the first '(' one level too deep
    assert too_deep[at] == "(" and too_deep[:at].count("(") == MAX_NESTING and caught.value.column == at + 1


def test_error_is_a_fingerlog_error_with_line_column_and_caret() -> None:
    with pytest.raises(QueryParseError) as caught:
        parse_query('message:"x" AND\ntags:(a OR b')
    error = caught.value
    assert isinstance(error, FingerlogError)
    assert (error.path, error.line, error.column) == (None, 2, 6)
    assert str(error) == "<query>:2:6: '(' is never closed\n  tags:(a OR b\n       ^"


def test_relocated_error_reports_the_file_position() -> None:
    with pytest.raises(QueryParseError) as caught:
        parse_query("a AND")
    moved = caught.value.relocated(SourceLocation("rules/1.yaml", 3, 9, "  x: a AND", 3))
    assert (moved.path, moved.line, moved.column) == ("rules/1.yaml", 3, 9)
    assert str(moved).splitlines() == ["rules/1.yaml:3:9: 'AND' needs a clause after it", "    x: a AND", "          ^~~"]


def test_error_survives_pickling_for_process_pools() -> None:
    import pickle

    with pytest.raises(QueryParseError) as caught:
        parse_query("a OR (b")
    copy = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 - our own bytes
    assert (copy.message, copy.span, str(copy)) == (caught.value.message, caught.value.span, str(caught.value))
