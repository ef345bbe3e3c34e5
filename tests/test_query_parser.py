"""The parser gives Lucene 4.10's (and Elasticsearch 1.x's) reading of classic query syntax.

Each table row is a query and the tree Lucene builds for it; the rows were
checked against the real Lucene 4.10 QueryParser (Debian liblucene4.10-java).
"""

from __future__ import annotations

import pytest
import yaml

from fingerlog.query import parse_query
from fingerlog.query.lexer import Kind, tokenize
from fingerlog.query.nodes import (
    Bool,
    Clause,
    Exists,
    Fuzzy,
    MatchAll,
    Node,
    Occur,
    Phrase,
    Prefix,
    Range,
    Regexp,
    Term,
    Wildcard,
    WildcardToken,
)

MUST, SHOULD, NOT = Occur.MUST, Occur.SHOULD, Occur.MUST_NOT
STAR, QMARK = WildcardToken.ANY_STRING, WildcardToken.ANY_CHAR


def t(text: str, field: str = "_all", **kw: object) -> Term:
    return Term(field, text, **kw)  # type: ignore[arg-type]


def b(*clauses: tuple[Occur, Node], **kw: object) -> Bool:
    return Bool(tuple(Clause(o, q) for o, q in clauses), **kw)  # type: ignore[arg-type]


OPERATORS = [
    # default operator OR; AND makes its left and right clauses required, no precedence
    ("a b", b((SHOULD, t("a")), (SHOULD, t("b")))),
    ("a AND b OR c", b((MUST, t("a")), (MUST, t("b")), (SHOULD, t("c")))),
    ("a OR b AND c", b((SHOULD, t("a")), (MUST, t("b")), (MUST, t("c")))),
    ("a && b || c", b((MUST, t("a")), (MUST, t("b")), (SHOULD, t("c")))),
    ("a AND b c", b((MUST, t("a")), (MUST, t("b")), (SHOULD, t("c")))),
    ("-a OR b", b((NOT, t("a")), (SHOULD, t("b")))),
    ("-a AND b", b((NOT, t("a")), (MUST, t("b")))),
    ("+a -b c", b((MUST, t("a")), (NOT, t("b")), (SHOULD, t("c")))),
    ("NOT a", b((NOT, t("a")))),
    ("NOT a AND b", b((NOT, t("a")), (MUST, t("b")))),
    ("a NOT b", b((SHOULD, t("a")), (NOT, t("b")))),
    ("a AND NOT b", b((MUST, t("a")), (NOT, t("b")))),
    ("a OR NOT b", b((SHOULD, t("a")), (NOT, t("b")))),
    ("!a", b((NOT, t("a")))),
    ("a!b", b((SHOULD, t("a")), (NOT, t("b")))),  # '!' ends a term and is NOT
    ("+a", b((MUST, t("a")))),
    # a lone clause without modifier is unwrapped (QueryParser's firstQuery)
    ("a", t("a")),
    ("(a)", t("a")),
    ("((a b))", b((SHOULD, t("a")), (SHOULD, t("b")))),
    ("(a AND b) OR c", b((SHOULD, b((MUST, t("a")), (MUST, t("b")))), (SHOULD, t("c")))),
    ("a AND (b OR c)", b((MUST, t("a")), (MUST, b((SHOULD, t("b")), (SHOULD, t("c")))))),
    ("-(a b)", b((NOT, b((SHOULD, t("a")), (SHOULD, t("b")))))),
]

FIELDS = [
    ("message:foo", t("foo", "message")),
    ('message:"No valid host"', Phrase("message", "No valid host")),
    ("f:(a b)", b((SHOULD, t("a", "f")), (SHOULD, t("b", "f")))),
    ("f:(a g:b)", b((SHOULD, t("a", "f")), (SHOULD, t("b", "g")))),
    ("f:(a)", t("a", "f")),
    ("build\\ name:x", t("x", "build name")),
    ("*:*", MatchAll()),
    ("*", MatchAll()),  # Elasticsearch: "*" on the default field _all is match-all
    ("_all:*", MatchAll()),
    ("f:*", Wildcard("f", (STAR,))),
    ("*:foo", t("foo", "*")),
    ("_exists_:build_uuid", Exists("build_uuid")),
    ('_exists_:"build_uuid"', Exists("build_uuid")),
    ("_missing_:build_uuid", b((NOT, Exists("build_uuid")))),
]

TERMS = [
    ("gate-nova-python27", t("gate-nova-python27")),  # '-' and '+' continue a term
    ("a+b", t("a+b")),
    ("a + b", b((SHOULD, t("a")), (SHOULD, t("+")), (SHOULD, t("b")))),  # bare operator is a term
    ("screen-n-cpu.txt", t("screen-n-cpu.txt")),
    ("a&&b", t("a&&b")),
    ("ANDY", t("ANDY")),
    ("TO", t("TO")),
    ("foo\\:bar", t("foo:bar")),
    ("\\(1\\)", t("(1)")),
    ("\\u0041b", t("Ab")),
    ("\\ud83d\\ude00", t("\U0001F600")),
    ('"a \\"quoted\\" b"', Phrase("_all", 'a "quoted" b')),
    ('"back\\\\slash"', Phrase("_all", "back\\slash")),
    ('""', Phrase("_all", "")),
    ('"a\nb"', Phrase("_all", "a\nb")),
    ("a\u3000b", b((SHOULD, t("a")), (SHOULD, t("b")))),  # ideographic space separates
]

MULTI_TERMS = [
    ("foo*", Prefix("_all", "foo")),
    ("f\\*oo*", Prefix("_all", "f*oo")),
    ("logs*screen-c-vol.txt", Wildcard("_all", ("logs", STAR, "screen-c-vol.txt"))),
    ("te?t", Wildcard("_all", ("te", QMARK, "t"))),
    ("*foo", Wildcard("_all", (STAR, "foo"))),
    ("foo**", Wildcard("_all", ("foo", STAR, STAR))),
    ("a\\*b*c", Wildcard("_all", ("a*b", STAR, "c"))),
    ("a\\u0041*b", Wildcard("_all", ("au0041", STAR, "b"))),  # WildcardQuery has no \u escapes
    ("/ab+c/", Regexp("_all", "ab+c")),
    ("f:/a\\/b/", Regexp("f", "a\\/b")),
    ("[a TO b]", Range("_all", "a", "b", True, True)),
    ("{a TO b]", Range("_all", "a", "b", False, True)),
    ("[a b]", Range("_all", "a", "b", True, True)),  # TO is optional in 4.10
    ("[* TO 5}", Range("_all", None, "5", True, False)),
    ('["*" TO 5]', Range("_all", None, "5", True, True)),  # ES: even a quoted "*" is open
    ('[" a b" TO "c\\"d"]', Range("_all", " a b", 'c"d', True, True)),
    ("[\tx TO y]", Range("_all", "\tx", "y", True, True)),  # a tab starts RANGE_GOOP
    ("f:>=10", Range("f", "10", None, True, True)),  # ES getFieldQuery ranges
    ("f:>10", Range("f", "10", None, False, True)),
    ("f:<=10", Range("f", None, "10", True, True)),
    ("f:<10", Range("f", None, "10", True, False)),
    ("f:>=", Range("f", "=", None, False, True)),
    ('f:">10"', Phrase("f", ">10")),
    ("f:>", t(">", "f")),
]

MODIFIERS = [
    ("a^2", t("a", boost=2.0)),
    ("a^1", t("a")),  # a boost of 1 is no boost
    ("a^0.5", t("a", boost=0.5)),
    ('"a b"^3', Phrase("_all", "a b", boost=3.0)),
    ("(a b)^2", b((SHOULD, t("a")), (SHOULD, t("b")), boost=2.0)),
    ("(a^3)^2", t("a", boost=2.0)),  # the outer boost replaces the inner one
    ("[a TO b]^2", Range("_all", "a", "b", True, True, boost=2.0)),
    ("*:*^2", MatchAll(boost=2.0)),
    ("a~", Fuzzy("_all", "a", 2.0)),
    ("a~1", Fuzzy("_all", "a", 1.0)),
    ("a~0.5", Fuzzy("_all", "a", 0.5)),
    ("a~1.5", Fuzzy("_all", "a", 1.5)),  # ES accepts what plain Lucene calls fractional
    ("a~2^3~1", Fuzzy("_all", "a", 1.0, boost=3.0)),  # the second slop wins
    ("a^3~1", Fuzzy("_all", "a", 1.0, boost=3.0)),
    ('"a b"~3', Phrase("_all", "a b", slop=3)),
    ('"a b"~', Phrase("_all", "a b")),
    ('"a b"~2.7', Phrase("_all", "a b", slop=2)),
    ('"a b"~2f', Phrase("_all", "a b", slop=2)),  # Java's Float.valueOf reads "2f"
    ('"a b"~x', Phrase("_all", "a b")),  # not a number: the default slop
    ('"a b"~3^2', Phrase("_all", "a b", slop=3, boost=2.0)),
    ("foo*~2", Prefix("_all", "foo")),  # prefix wins over fuzzy
    ("_exists_:f^2", Exists("f", boost=2.0)),
]


@pytest.mark.parametrize(("query", "tree"), OPERATORS + FIELDS + TERMS + MULTI_TERMS + MODIFIERS,
                         ids=[q for q, _ in OPERATORS + FIELDS + TERMS + MULTI_TERMS + MODIFIERS])
def test_query_parses_to_lucenes_tree(query: str, tree: Node) -> None:
    assert parse_query(query) == tree


@pytest.mark.parametrize(("query", "tree"), [
    ("a", t("a", "message")),
    ("*", Exists("message")),  # ES: "*" on a default field other than _all tests existence
    ("f:*", Wildcard("f", (STAR,))),
])
def test_default_field_is_a_parameter(query: str, tree: Node) -> None:
    assert parse_query(query, default_field="message") == tree


@pytest.mark.parametrize(("query", "kinds"), [
    ("foo~bar", [Kind.TERM, Kind.FUZZY_SLOP]),
    ("a^2", [Kind.TERM, Kind.CARAT, Kind.NUMBER]),
    ("+ a", [Kind.BAREOPER, Kind.TERM]),
    ("AND && OR || NOT !", [Kind.AND, Kind.AND, Kind.OR, Kind.OR, Kind.NOT, Kind.NOT]),
    ('"ab"c', [Kind.QUOTED, Kind.TERM]),
    ("foo* fo*o *", [Kind.PREFIXTERM, Kind.WILDTERM, Kind.STAR]),
    ("/a\\/b/ /c/", [Kind.REGEXPTERM, Kind.REGEXPTERM]),
    ("[TO TO b]", [Kind.RANGEIN_START, Kind.RANGE_TO, Kind.RANGE_TO, Kind.RANGE_GOOP, Kind.RANGEIN_END]),
    ('{"a" TO "b"c}', [Kind.RANGEEX_START, Kind.RANGE_QUOTED, Kind.RANGE_TO, Kind.RANGE_GOOP, Kind.RANGEEX_END]),
])
def test_scanner_takes_the_longest_match(query: str, kinds: list[Kind]) -> None:
    assert [tok.kind for tok in tokenize(query)][:-1] == kinds


def test_spans_cover_each_clause() -> None:
    query = 'message:"x y" AND -tags:(a b)^2'
    tree = parse_query(query)
    assert isinstance(tree, Bool)
    assert [query[c.query.span.start:c.query.span.end] for c in tree.clauses] == ['message:"x y"', "tags:(a b)^2"]


def test_1295808_mixes_and_or_as_lucene_does(corpus) -> None:
    text = yaml.safe_load((corpus / "elastic-recheck/queries/1295808.yaml").read_text())["query"]
    tree = parse_query(text)
    # (A AND B) OR (C AND D) AND E AND F: the OR'd group becomes required by the AND after it
    assert isinstance(tree, Bool)
    assert [c.occur for c in tree.clauses] == [SHOULD, MUST, MUST, MUST]


def test_1686109_unbalanced_looking_quote_is_three_clauses(corpus) -> None:
    text = yaml.safe_load((corpus / "elastic-recheck/queries/1686109.yaml").read_text())["query"]
    tree = parse_query(text)
    assert isinstance(tree, Bool)
    first, second, third, *_ = tree.clauses
    # message:"...BadStatusLine(" then a bare '' (on _all), then the phrase ",))" that AND requires
    message = "requests.exceptions.ConnectionError: ('Connection aborted.', BadStatusLine("
    assert first == Clause(SHOULD, Phrase("message", message))
    assert second == Clause(SHOULD, t("''"))
    assert third == Clause(MUST, Phrase("_all", ",))"))
