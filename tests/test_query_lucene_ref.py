"""Our tree means what real Lucene 4.10 (configured like Elasticsearch 1.x) builds.

The referee (tests/lucene_ref) parses each query with Lucene's own classic
QueryParser under a bare whitespace analyzer and returns ``Query.toString()``.
We render OUR tree in that same format, applying what Lucene does after
parsing (whitespace analysis, dropping clauses that analyze to nothing,
lower-casing expanded terms, ES's ``+*:*`` on pure-negative queries, an AND
upgrading the last clause kept), and
compare, for every corpus query and a table of tricky ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from fingerlog.mapping import load_mapping
from fingerlog.query import parse_query
from fingerlog.query.javanum import float32_str
from fingerlog.query.nodes import (
    Bool,
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

pytestmark = pytest.mark.lucene

#: Java's Character.isWhitespace, which Lucene's WhitespaceTokenizer splits on
_JAVA_WHITESPACE = frozenset(
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a"
    "\u2028\u2029\u205f\u3000"
)
_MAX_TOKEN = 255  # CharTokenizer splits longer words


def _tokens(text: str) -> list[str]:
    words, current = [], []
    for ch in text:
        if ch in _JAVA_WHITESPACE:
            if current:
                words.append("".join(current))
            current = []
            continue
        current.append(ch)
        if len(current) == _MAX_TOKEN:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _boost(node: Any) -> str:
    return "" if node.boost is None else "^" + float32_str(node.boost)


def _edits(similarity: float, length: int) -> int:
    """FuzzyQuery.floatToEdits."""
    if similarity >= 1:
        return int(min(similarity, 2))
    if similarity == 0:
        return 0
    return min(int((1 - similarity) * length), 2)


def _wild(parts: tuple[Any, ...]) -> str:
    return "".join(
        p.value if isinstance(p, WildcardToken) else "".join("\\" + c if c in "*?\\" else c for c in p)
        for p in parts
    ).lower()


def lucene_string(node: Node) -> str | None:
    """``Query.toString()`` of what Lucene builds from ``node`` (None: nothing, the clause is dropped)."""
    if isinstance(node, (Term, Phrase)):
        words = _tokens(node.text)
        if not words:
            return None
        if len(words) == 1:
            return f"{node.field}:{words[0]}{_boost(node)}"
        if isinstance(node, Phrase):
            slop = f"~{node.slop}" if node.slop else ""
            return f'{node.field}:"{" ".join(words)}"{slop}{_boost(node)}'
        inner = " ".join(f"{node.field}:{w}" for w in words)
        return f"({inner}){_boost(node)}" if node.boost is not None else _Nested(inner)
    if isinstance(node, Prefix):
        return f"{node.field}:{node.text.lower()}*{_boost(node)}"
    if isinstance(node, Wildcard):
        return f"{node.field}:{_wild(node.parts)}{_boost(node)}"
    if isinstance(node, Regexp):
        return f"{node.field}:/{node.pattern.lower()}/{_boost(node)}"
    if isinstance(node, Fuzzy):
        text = node.text.lower()
        return f"{node.field}:{text}~{_edits(node.similarity, len(text))}{_boost(node)}"
    if isinstance(node, Range):
        low = "*" if node.lower is None else node.lower.lower()
        high = "*" if node.upper is None else node.upper.lower()
        brackets = ("[" if node.include_lower else "{", "]" if node.include_upper else "}")
        return f"{node.field}:{brackets[0]}{low} TO {high}{brackets[1]}{_boost(node)}"
    if isinstance(node, Exists):
        return f"ConstantScore(_field_names:{node.field}){_boost(node)}"
    if isinstance(node, MatchAll):
        return "*:*" + _boost(node)
    assert isinstance(node, Bool)
    kept: list[list[Any]] = []  # [occur, text], replaying addClause as clauses drop out
    for clause in node.clauses:
        if clause.after_and and kept and kept[-1][0] is not Occur.MUST_NOT:
            kept[-1][0] = Occur.MUST
        text = lucene_string(clause.query)
        if text is None:
            continue
        if isinstance(clause.query, Bool) or isinstance(text, _Nested):
            text = f"({text})"
        kept.append([clause.occur, text])
    parts = [occur.value + text for occur, text in kept]
    if not parts:
        return None
    if all(p.startswith("-") for p in parts):
        parts.append("+*:*")  # ES fixNegativeQueryIfNeeded
    body = " ".join(parts)
    return f"({body}){_boost(node)}" if node.boost is not None else _Nested(body)


class _Nested(str):
    """A BooleanQuery's text: parenthesised when it is a clause of another one."""


def _ours(query: str) -> str:
    return lucene_string(parse_query(query)) or ""


TRICKY = [
    "a AND b OR c", "a OR b AND c", "a AND b c", "-a OR b", "-a AND b", "+a -b c", "NOT a", "NOT a AND b",
    "a NOT b", "a!b", "a OR NOT b", "(a AND b) OR c", "x -(-a)", "x (-a)", "f:(a b) AND g:c", "f:(a)",
    'f:"a \\"quoted\\" b"', '"a b"~3^2', '"a b"~2f', '"single"~3', '""', "a\\ b", "x (a\\ b)",
    "a^2", "(a b)^2", "x (a b)^2", "(a^3)^2", "a~", "a~1", "a~0.5", "abcdef~0.7", "a~2^3~1",
    "foo*", "Foo*~2", "te?t", "*foo", "logs*screen-c-vol.txt", "/ab+c/", "[A TO B}", "{* TO b]",
    '["a b" TO c]', "f:>=10", "f:<5", "*", "*:*", "f:*", "_exists_:build_uuid", "_exists_:f^2",
    'a OR "" AND b', 'a OR " " AND -b', '(a OR "" AND b) c',
    "gate-nova-python27", "a + b", "\\u0041b", "a\u3000b", "message:\"x\" AND tags:\"console\" OR y",
]


@pytest.mark.parametrize("query", TRICKY)
def test_tricky_query_means_what_lucene_builds(lucene: Any, query: str) -> None:
    (expected,) = lucene.parse([query], load_mapping("analyzed"), analysis="whitespace")
    assert _ours(query) == expected


def test_every_corpus_query_means_what_lucene_builds(lucene: Any, corpus: Path) -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    paths = sorted((corpus / "elastic-recheck/queries").glob("*.yaml"))
    queries = [yaml.load(p.read_text(encoding="utf-8"), Loader=loader)["query"] for p in paths]  # noqa: S506 - a SafeLoader
    expected = lucene.parse(queries, load_mapping("analyzed"), analysis="whitespace")
    mismatched = [(p.stem, _ours(q), e) for p, q, e in zip(paths, queries, expected) if _ours(q) != e]
    assert mismatched == []


_ATOMS = [
    "a", "b", "Foo", "x1", "AND", "OR", "NOT", "&&", "||", "!", "+", "-", "(", ")", ":", "^2", "^0.5", "~", "~2",
    "~0.5", "~1", "~x", '"', '"a b"', '"q"', "[", "]", "{", "}", " TO ", "*", "?", "\\ ", "\\u0041", "/", "/re/",
    "f:", "g:", " ", " ", "\t", ".", "1", "TO", "a-b", ">", "<=", "_exists_:", "é", "\u3000", '\\"', "~1.5",
]


def _random_queries(seed: int, count: int) -> list[str]:
    import random

    rng = random.Random(seed)
    queries: set[str] = set()
    while len(queries) < count:
        query = "".join(rng.choice(_ATOMS) for _ in range(rng.randint(1, 8)))
        if query.strip():
            queries.add(query)
    return sorted(queries)


def _accepted(query: str) -> bool:
    """Whether Lucene (via Elasticsearch) accepts it: our parser, plus the RegExp check
    Lucene makes when it builds each RegexpQuery."""
    from fingerlog.backends.automata import RegexpSyntaxError, lucene_regexp
    from fingerlog.query import QueryParseError

    try:
        tree = parse_query(query)
    except QueryParseError:
        return False
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Bool):
            stack.extend(c.query for c in node.clauses)
        elif isinstance(node, Regexp):
            try:
                lucene_regexp(node.pattern)
            except RegexpSyntaxError:
                return False
    return True


def test_random_query_strings_are_accepted_and_read_as_lucene_does(lucene: Any) -> None:
    from lucene_ref import LuceneError

    queries = _random_queries(seed=2026, count=600)
    expected = lucene.parse(queries, load_mapping("analyzed"), analysis="whitespace")
    disagreements = []
    for query, answer in zip(queries, expected):
        rejected = isinstance(answer, LuceneError)
        if _accepted(query) == rejected:
            disagreements.append((query, answer))
        elif not rejected and "\\" not in answer and _ours(query) != answer:
            # (a WildcardQuery keeps its escapes as written, which the tree does not record)
            disagreements.append((query, answer))
    assert disagreements == []


@pytest.mark.parametrize("query", ["//", "f://", "/a)/", "/[a/", "/a{2,1}/"])
def test_regexp_pattern_acceptance_matches_lucene(lucene: Any, query: str) -> None:
    from lucene_ref import LuceneError

    (answer,) = lucene.parse([query], load_mapping("analyzed"), analysis="whitespace")
    assert _accepted(query) == (not isinstance(answer, LuceneError))
