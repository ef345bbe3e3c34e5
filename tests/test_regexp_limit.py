"""Regexps and wildcards Lucene 4.10.4 refuses as "too complex to determinize", and fingerlog with it.

Lucene builds a regexp's (or wildcard's) automaton when the query is parsed and gives up
when a subset construction needs more than 10,000 states; Elasticsearch then fails the
query. fingerlog rebuilds Lucene's automata and counts those states
(``fingerlog/backends/determinize.py``, ``compiled.py``). The tables sit on both sides
of the limit: the exact boundary (a union whose determinization has exactly 10,000
states, and one with 10,001), exponential patterns one step under and over, numeric
intervals, bounded repeats, complements and intersections, and the determinizations
``CompiledAutomaton`` adds (the UTF-8 byte automaton, and its reverse for an infinite
language, where a multi-byte ``é`` or ``東`` costs more states than ``a``). Lucene decides every
row in ``test_lucene_decides_each_row``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fingerlog.backends.automata import RegexpSyntaxError, RegexpTooComplex, WildcardTooComplex, lucene_regexp
from fingerlog.backends.matcher import compile_query
from fingerlog.mapping import load_mapping
from fingerlog.query import parse_query
from fingerlog.rules.loader import load_rules
from fingerlog.rules.model import Severity

#: (what the row shows, Lucene RegExp, refused?)
REGEXPS: list[tuple[str, str, bool]] = [
    ("union-exactly-10000-states", "a{9998}|ab", False),
    ("union-10001-states", "a{9999}|ab", True),
    ("found-by-fuzzing", r"<01-20>[a-z]{1,3}(\/+|1*<01-20>{2}([^0-9]?<1-99>{2}){1,3})+#", True),
    ("last-but-13-is-a", ".*a.{13}", True),
    ("interval-last-but-11", ".*<1-99>.{11}", True),
    ("interval-repeated", "<1-999>{3}", False),
    ("interval-in-a-loop", "(<1-999>|x)*<1-999>.{6}", False),
    ("bounded-repeat-under", "(a|b)*a(a|b){11}", False),
    ("bounded-repeat-over", ".{0,19}a.{9}", True),
    ("complement-of-too-complex", "~(.*a.{13})", True),
    ("nested-complements", "~(~(.*a.{5}))", False),
    ("intersection-of-small", "(.*a.{7})&(.*b.{7})", False),
    ("intersection-with-too-complex", "(.*a.{13})&@", True),
    # CompiledAutomaton: the reverse of an infinite language, over UTF-8 bytes
    ("reverse-under", ".{10}a.*", False),
    ("reverse-over", ".{11}a.*", True),
    ("reverse-two-byte-char-under", ".{10}é.*", False),
    ("reverse-two-byte-char-over", ".{11}é.*", True),
    ("reverse-class-under", "[ab]{12}a.*", False),
    ("reverse-class-over", "[ab]{13}a.*", True),
    ("reverse-of-intersection", "(.{12}a.*)&(.*b)", True),
    ("reverse-of-complement", "~(.{12}a.*)", True),
    # CompiledAutomaton: a finite language, but 東's three bytes share a lead byte with `.`'s
    ("utf8-three-byte-char-under", ".{0,10}東.{5}", False),
    ("utf8-three-byte-char-over", ".{0,9}東.{6}", True),
    ("plain", "nova.compute.*", False),
]

#: (what the row shows, wildcard term, refused?): WildcardQuery concatenates, CompiledAutomaton determinizes.
WILDCARDS: list[tuple[str, str, bool]] = [
    ("star-then-a-then-13", "*a?????????????", True),
    ("star-then-a-then-5", "*a?????", False),
    ("ten-then-a-then-star", "??????????a*", False),
    ("eleven-then-a-then-star", "???????????a*", True),
    ("ordinary", "*-swift-*", False),
]


def _ids(table: list[tuple[str, str, bool]]) -> list[str]:
    return [row[0] for row in table]


@pytest.mark.parametrize(("name", "pattern", "refused"), REGEXPS, ids=_ids(REGEXPS))
def test_regexp_is_refused_exactly_when_lucene_refuses(name: str, pattern: str, refused: bool) -> None:
    if refused:
        with pytest.raises(RegexpTooComplex, match="more than 10000 automaton states"):
            lucene_regexp(pattern)
    else:
        assert callable(lucene_regexp(pattern))


@pytest.mark.parametrize(("name", "term", "refused"), WILDCARDS, ids=_ids(WILDCARDS))
def test_wildcard_is_refused_exactly_when_lucene_refuses(name: str, term: str, refused: bool) -> None:
    query = parse_query(f"build_name:{term}")
    if refused:
        with pytest.raises(WildcardTooComplex, match="too complex to determinize"):
            compile_query(query, load_mapping("keyword"))
    else:
        compile_query(query, load_mapping("keyword"))


@pytest.mark.lucene
def test_lucene_decides_each_row(lucene: Any) -> None:
    queries = [f"build_name:/{pattern}/" for _, pattern, _ in REGEXPS] + [f"build_name:{term}" for _, term, _ in WILDCARDS]
    expected = [refused for _, _, refused in REGEXPS + WILDCARDS]
    docs = [{"_id": "1", "fields": {"build_name": ["gate-nova-python27"]}}]
    answers = lucene.match(docs, queries, load_mapping("keyword"))
    decided = [not isinstance(answer, set) for answer in answers]
    assert decided == expected
    assert all("determiniz" in answer.message.lower() for answer in answers if not isinstance(answer, set))


def test_rule_file_reports_the_refusal_at_the_pattern(tmp_path: Path) -> None:
    path = tmp_path / "1.yaml"
    path.write_text("query: >\n  tags:\"screen-n-cpu.txt\" AND\n  message:/.*a.{13}/\n", encoding="utf-8")
    (problem,) = load_rules(path).problems
    assert (problem.code, problem.severity, problem.line, problem.column) == ("regexp-too-complex", Severity.ERROR, 3, 12)
    assert "Lucene cannot build /.*a.{13}/: too complex to determinize" in problem.message


def test_rule_file_reports_a_refused_wildcard_at_the_term(tmp_path: Path) -> None:
    path = tmp_path / "1.yaml"
    path.write_text("query: >\n  tags:\"screen-n-cpu.txt\" AND\n  message:*A?????????????\n", encoding="utf-8")
    (problem,) = load_rules(path).problems
    assert (problem.code, problem.severity, problem.line, problem.column) == ("wildcard-too-complex", Severity.ERROR, 3, 3)
    assert "Lucene cannot build the wildcard '*a?????????????': too complex to determinize" in problem.message


#: long regexps that do not nest: (what the row shows, pattern, a keyword value it must match or not, matches?)
LONG_REGEXPS: list[tuple[str, str, str, bool]] = [
    ("3000-char-literal", "a" * 3000, "a" * 3000, True),
    ("3000-char-literal-one-short", "a" * 3000, "a" * 2999, False),
    ("1500-alternatives", "|".join(f"w{i}" for i in range(1500)), "w1499", True),
    ("1500-groups-in-sequence", "(a|b)" * 1500, "ab" * 750, True),
    ("1500-groups-one-char-off", "(a|b)" * 1500, "ab" * 749 + "ac", False),
]


@pytest.mark.parametrize(("name", "pattern", "value", "matches"), LONG_REGEXPS, ids=[r[0] for r in LONG_REGEXPS])
def test_a_long_regexp_is_matched_whole(name: str, pattern: str, value: str, matches: bool) -> None:
    """Sequences and alternations of thousands of pieces are kept as balanced trees: no RecursionError."""
    assert lucene_regexp(pattern)(value) is matches


@pytest.mark.lucene
def test_lucene_agrees_on_the_long_regexps(lucene: Any) -> None:
    docs = [{"_id": name, "fields": {"build_name": [value]}} for name, _, value, _ in LONG_REGEXPS]
    queries = [f"build_name:/{pattern}/" for _, pattern, _, _ in LONG_REGEXPS]
    answers = lucene.match(docs, queries, load_mapping("keyword"))
    assert [name in answer for (name, *_), answer in zip(LONG_REGEXPS, answers, strict=True)] == [
        matches for *_, matches in LONG_REGEXPS
    ]


@pytest.mark.parametrize(
    "pattern",
    ["(" * 101 + "a" + ")" * 101, "~" * 101 + "a", "a" + "{1}" * 101, "&".join(["a"] * 102)],
    ids=["groups", "complements", "repeats", "intersections"],
)
def test_a_regexp_nested_past_the_bound_is_refused_with_its_offset(pattern: str) -> None:
    """Nesting (not length) is bounded: a located refusal instead of a RecursionError (docs/semantics.md, 25)."""
    with pytest.raises(RegexpSyntaxError, match=r"nested more than 100 levels deep") as refused:
        lucene_regexp(pattern)
    assert 0 < refused.value.position <= len(pattern)


def test_a_regexp_nested_to_the_bound_is_accepted() -> None:
    assert lucene_regexp("(" * 100 + "a" + ")" * 100)("a")
    assert not lucene_regexp("~" * 99 + "a")("a")
