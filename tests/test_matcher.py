"""The matcher answers as Elasticsearch 1.x did, without Java.

The edge-case table (tests/conformance/cases.py) is checked here against its
expected answers, which tests/test_conformance_lucene.py in turn checks
against real Lucene; the rest pins down the matcher's own contracts: every
node type compiles, explain() shows which clause decided, one EventIndex
analyzes a field once for any number of rules, bad regexps are user errors.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.cases import BAD_REGEXPS, CASES, DOCS, FUZZY, REGEXPS
from conformance.random_queries import QueryGenerator
from fingerlog.backends import automata, matcher
from fingerlog.backends.analysis import analyze
from fingerlog.backends.automata import RegexpSyntaxError, lucene_regexp
from fingerlog.backends.clauses import kept_clauses
from fingerlog.backends.matcher import EventIndex, QueryCompiler, compile_query
from fingerlog.errors import FingerlogError
from fingerlog.mapping import load_mapping, parse_mapping
from fingerlog.query.nodes import NODE_TYPES, Bool, Occur, Phrase, Term
from fingerlog.query.parser import parse_query

EXPECTATIONS = [(case, profile) for case in CASES for profile in sorted(case.expected)]


@pytest.mark.parametrize(("case", "profile"), EXPECTATIONS, ids=[f"{c.name}-{p}" for c, p in EXPECTATIONS])
def test_edge_cases_get_the_expected_documents(case: Any, profile: str) -> None:
    compiled = compile_query(parse_query(case.query), load_mapping(profile))
    hits = {doc_id for doc_id, fields in DOCS.items() if compiled.matches({k: tuple(v) for k, v in fields.items()})}
    assert hits == case.expected[profile]


def test_every_node_type_compiles() -> None:
    assert QueryCompiler.handled_node_types() == set(NODE_TYPES)


@pytest.mark.parametrize(("pattern", "term", "accepted"), REGEXPS, ids=[f"/{p}/~{t!r}" for p, t, _ in REGEXPS])
def test_lucene_regexp_syntax(pattern: str, term: str, accepted: bool) -> None:
    assert lucene_regexp(pattern)(term) is accepted


@pytest.mark.parametrize("pattern", BAD_REGEXPS)
def test_regexps_lucene_refuses_are_user_errors_with_an_offset(pattern: str) -> None:
    with pytest.raises(RegexpSyntaxError) as error:
        compile_query(parse_query(f"v:/{pattern}/"), load_mapping("keyword"))
    assert isinstance(error.value, FingerlogError)
    assert 0 <= error.value.position <= len(pattern)


def test_a_pathological_regexp_stays_polynomial() -> None:
    # (a*)*b over a long run of a's backtracks exponentially in Python's re
    assert lucene_regexp("(a*)*b")("a" * 200) is False


@pytest.mark.parametrize(("query", "term", "accepted"), FUZZY, ids=[f"{q}~{t}" for q, t, _ in FUZZY])
def test_fuzzy_terms(query: str, term: str, accepted: bool) -> None:
    compiled = compile_query(parse_query(f"v:{query}"), load_mapping("keyword"))
    assert compiled.matches({"v": (term,)}) is accepted


def test_fuzzy_prefix_length_must_match_exactly() -> None:
    accepts = automata.fuzzy("hostname", 2, prefix_length=3)
    assert accepts("hostnaxx") and not accepts("xostname")


SCHED = {k: tuple(v) for k, v in DOCS["sched"].items()}


def test_explain_shows_which_clause_decided() -> None:
    query = 'message:"No valid host" AND NOT tags:"screen-n-sch.txt" AND message:"---"'
    result = compile_query(parse_query(query), load_mapping("analyzed")).explain(SCHED)
    assert result.matched is False
    phrase, negated, dropped = result.children
    assert (phrase.occur, phrase.matched) == (Occur.MUST, True)
    assert (negated.occur, negated.matched) == (Occur.MUST_NOT, True)
    assert dropped.matched is None and "no token" in dropped.note
    rendered = result.render()
    assert rendered.splitlines()[0].startswith("✗")
    assert '✓ +message:"no valid host"\n' in rendered
    assert '✓ -tags:"screen n sch.txt"  (excluded by this clause)' in rendered


def test_explain_agrees_with_matches_on_every_edge_case() -> None:
    mapping = load_mapping("analyzed")
    for case in CASES:
        compiled = compile_query(parse_query(case.query), mapping)
        for fields in DOCS.values():
            event = {k: tuple(v) for k, v in fields.items()}
            assert bool(compiled.explain(event).matched) == compiled.matches(event), case.name


def test_one_event_index_analyzes_each_field_once_for_many_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = matcher.analyze
    monkeypatch.setattr(matcher, "analyze", lambda text, limit: calls.append(text) or real(text, limit))
    mapping = load_mapping("analyzed")
    rules = [compile_query(parse_query(q), mapping) for q in ('message:"valid host"', "message:error", "message:x*")]
    calls.clear()  # compiling analyzed the queries' own text
    index = EventIndex(SCHED, mapping)
    assert [rule.matches(index) for rule in rules] == [True, True, False]
    assert [rule.matches(index) for rule in rules] == [True, True, False]
    assert calls == list(SCHED["message"])


def test_missing_all_field_makes_bare_terms_match_nothing() -> None:
    openstack = load_mapping("openstack")
    assert not openstack.all_field
    assert not compile_query(parse_query("oslofmt"), openstack).matches(SCHED)
    assert compile_query(parse_query("*"), openstack).matches(SCHED)


def test_position_gap_separates_values() -> None:
    gap = parse_mapping({"name": "gap", "default": "text", "position_increment_gap": 10}, "gap.yaml")
    tags = {"tags": ("a b", "c d")}
    assert not compile_query(parse_query('tags:"b c"'), gap).matches(tags)
    assert compile_query(parse_query('tags:"b c"~10'), gap).matches(tags)
    assert compile_query(parse_query('tags:"b c"'), load_mapping("analyzed")).matches(tags)


def test_all_fields_pattern_searches_every_field() -> None:
    compiled = compile_query(parse_query("*:oslofmt"), load_mapping("keyword"))
    assert compiled.matches(SCHED)
    assert not compiled.matches({k: tuple(v) for k, v in DOCS["quote"].items()})


KEPT = [
    ('a "---" AND b', "+a +b"),  # the AND of a dropped clause still makes `a` required
    ('a AND "---" b', "+a b"),
    ('"---" AND b', "+b"),
    ('a "---" AND NOT b', "+a -b"),
    ('NOT a "---" AND b', "-a +b"),  # a prohibited clause stays prohibited
    ('a OR "---" OR b', "a b"),
    ("a AND b", "+a +b"),
]


@pytest.mark.parametrize(("query", "kept"), KEPT)
def test_kept_clauses_replay_lucenes_add_clause(query: str, kept: str) -> None:
    node = parse_query(query)
    assert isinstance(node, Bool)
    clauses = kept_clauses(node, lambda leaf: isinstance(leaf, (Term, Phrase)) and not analyze(leaf.text))
    assert " ".join(c.occur.value + c.query.text for c in clauses) == kept  # type: ignore[union-attr]


@pytest.mark.parametrize("profile", ["analyzed", "keyword", "openstack"])
def test_explain_agrees_with_matches_on_random_queries(profile: str) -> None:
    mapping = load_mapping(profile)
    generator = QueryGenerator(seed=11)
    events = [{k: tuple(v) for k, v in fields.items()} for fields in DOCS.values()]
    for _ in range(300):
        compiled = compile_query(parse_query(generator.query()), mapping)
        for event in events:
            assert bool(compiled.explain(event).matched) == compiled.matches(event)
