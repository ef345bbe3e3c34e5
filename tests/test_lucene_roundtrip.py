"""Printing a tree as a Lucene string and parsing it again gives the same tree.

For all 925 real elastic-recheck queries (with the printed strings kept in
tests/golden/lucene_roundtrip.tsv so a change of canonical form shows in
review), for tricky hand-written queries, and for random query-like strings.
Regenerate the golden file with ``FINGERLOG_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from fingerlog.backends.lucene import UnprintableQuery, escape_term, to_lucene
from fingerlog.query import QueryParseError, parse_query
from fingerlog.query.nodes import Bool, Clause, Occur, Range, Term, Wildcard, WildcardToken

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
GOLDEN = Path(__file__).parent / "golden" / "lucene_roundtrip.tsv"


def _ands_that_matter(node: object) -> list[int]:
    """Positions of clauses whose AND can change the meaning once analysis drops clauses
    (an optional clause comes before them), in tree order."""
    found: list[int] = []
    if isinstance(node, Bool):
        for i, clause in enumerate(node.clauses):
            if clause.after_and and any(c.occur is Occur.SHOULD for c in node.clauses[:i]):
                found.append(i)
            found.extend(_ands_that_matter(clause.query))
    return found


def _corpus_rows(corpus: Path) -> list[tuple[str, str]]:
    rows = []
    for path in sorted((corpus / "elastic-recheck/queries").glob("*.yaml")):
        query = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)["query"]  # noqa: S506 - a SafeLoader
        rows.append((path.stem, query))
    return rows


def test_every_corpus_query_round_trips_and_matches_the_golden_file(corpus: Path) -> None:
    printed = []
    rows = _corpus_rows(corpus)
    assert len(rows) == 925
    for rule_id, query in rows:
        tree = parse_query(query)
        canonical = to_lucene(tree)
        assert parse_query(canonical) == tree, rule_id
        assert _ands_that_matter(parse_query(canonical)) == _ands_that_matter(tree), rule_id
        assert to_lucene(parse_query(canonical)) == canonical, rule_id
        printed.append(f"{rule_id}\t{canonical}\n")
    if os.environ.get("FINGERLOG_UPDATE_GOLDEN"):
        GOLDEN.write_text("".join(printed), encoding="utf-8")
    assert GOLDEN.read_text(encoding="utf-8").splitlines(keepends=True) == printed


TRICKY = [
    ("a AND b OR c", "+a +b c"),
    ("a OR b AND c", "a +b AND +c"),  # the AND would upgrade a if b analyzed to nothing
    ('a OR "" AND b', 'a +"" AND +b'),
    ("-a OR b", "-a b"),
    ("NOT a AND b", "-a +b"),
    ("f:(a b) AND g:c", "+(f:a f:b) +g:c"),
    ("(a b)^2 c", "(a b)^2 c"),
    ("(a b)^2", "(a b)^2"),
    ("a^0.1", "a^0.1"),
    ("a~", "a~2"),
    ('"a b"~3^2', '"a b"~3^2'),
    ('"say \\"hi\\" \\\\o/"', '"say \\"hi\\" \\\\o/"'),
    ("\\-a \\+b c\\:d \\AND \\&& e\\*", "\\-a \\+b c\\:d \\AND \\&& e\\*"),
    ("f\\ g:x", "f\\ g:x"),
    ("logs*screen-c-vol.txt", "logs*screen-c-vol.txt"),
    ("\\+a*", "\\+a*"),
    ("+a\\?b*", "+a\\?b*"),
    ("f:*", "f:*"),
    ("*", "*:*"),
    ("[a TO b}", "[a TO b}"),
    ("[* TO b]", "[* TO b]"),
    ('["a b" TO "c\\\\"]', '["a b" TO c\\\\]'),
    ('["a \\\\" TO b]', '["a \\u005c" TO b]'),
    ('["TO x" TO \\TO]', '["TO x" TO T\\O]'),
    ("f:>=10", "f:[10 TO *]"),
    ("f:>\\*", "f:>\\*"),
    ("f:<=\\*", "f:<=\\*"),
    ("/a\\/b/", "/a\\/b/"),
    ("_exists_:f", "_exists_:f"),
    ("_missing_:f", "-_exists_:f"),
    ("x _missing_:f^2", "x (-_exists_:f)^2"),
    ("a + b", "a \\+ b"),
]


@pytest.mark.parametrize(("query", "canonical"), TRICKY, ids=[q for q, _ in TRICKY])
def test_tricky_query_prints_canonically_and_round_trips(query: str, canonical: str) -> None:
    tree = parse_query(query)
    assert to_lucene(tree) == canonical
    assert parse_query(canonical) == tree
    assert _ands_that_matter(parse_query(canonical)) == _ands_that_matter(tree)


@pytest.mark.parametrize(("tree", "why"), [
    (Bool((Clause(Occur.SHOULD, Term("_all", "a")),)), "one optional clause"),
    (Bool(()), "empty boolean"),
    (Term("f", ">5"), "range"),
    (Term("_exists_", "x"), "field test"),
    (Term("f", ""), "empty term"),
    (Wildcard("f", ("foo", WildcardToken.ANY_STRING)), "prefix"),
    (Wildcard("_all", (WildcardToken.ANY_STRING,)), "match-all"),
    (Wildcard("f", ("foo",)), "read as a term"),
    (Range("f", "*", "b", True, True), "literally '*'"),
])
def test_tree_no_string_parses_to_is_refused(tree: object, why: str) -> None:
    with pytest.raises(UnprintableQuery, match=why):
        to_lucene(tree)  # type: ignore[arg-type]


def test_printing_respects_the_default_field() -> None:
    tree = parse_query("a _all:b", default_field="message")
    assert to_lucene(tree, default_field="message") == "a _all:b"


@pytest.mark.parametrize("text", ["a", "a-b", "-a", "+", "AND", "||", "a b", "*", "x?", "\\", "é", ":", "~1"])
def test_escaped_term_is_read_back_as_that_term(text: str) -> None:
    assert parse_query("f:" + escape_term(text)) == Term("f", text)


_PIECES = st.sampled_from([
    "a", "b", "foo", "AND", "OR", "NOT", "&&", "||", "!", "+", "-", "(", ")", ":", "^2", "^0.5", "~", "~1",
    '"', '"a b"', "[", "]", "{", "}", " TO ", "*", "?", "\\", "\\ ", "\\u0041", "/", "/re/", "f:", " ", "\t",
    "\n", ">", "<=", "_exists_:", "_missing_:", "*:", "é", "\u3000", "1", ".", "\\\\", "\\*", "\\/",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=12).map("".join))
def test_any_query_that_parses_round_trips(query: str) -> None:
    try:
        tree = parse_query(query)
    except QueryParseError:
        return
    again = parse_query(to_lucene(tree))
    assert again == tree
    assert _ands_that_matter(again) == _ands_that_matter(tree)
