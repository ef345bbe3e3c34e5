"""The referee itself: real Lucene 4.10 must behave as Elasticsearch 1.x did before we trust it.

Every expectation here was worked out by hand from the sources cited in docs/semantics.md
(UAX#29 word breaks, ES 1.x MapperQueryParser, AllEntries, FieldNamesFieldMapper), so a
wrongly configured referee fails these before it can mislead a conformance test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from fingerlog.mapping import load_mapping

pytestmark = pytest.mark.lucene

ANALYZED = load_mapping("analyzed")
KEYWORD = load_mapping("keyword")
OPENSTACK = load_mapping("openstack")


# --- StandardAnalyzer as ES 1.x configures it -------------------------------------------------

TOKENS = [
    # dotted names and file names stay whole when letters/digits surround the dot (MidNumLet)
    ("nova.compute", ["nova.compute"]),
    ("screen-n-cpu.txt", ["screen", "n", "cpu.txt"]),
    ("screen-n-cpu.txt.gz", ["screen", "n", "cpu.txt.gz"]),
    ("10.0.0.1", ["10.0.0.1"]),
    # underscore is ExtendNumLet: it joins
    ("foo_bar __init__", ["foo_bar", "__init__"]),
    # apostrophe is MidNumLet between letters
    ("it's O'Neil's", ["it's", "o'neil's"]),
    # colon is MidLetter: it joins letters, not digits
    ("a:b 12:00:00.123", ["a:b", "12", "00", "00.123"]),
    # no stop words in ES 1.x's standard analyzer; everything lower-cased
    ("The quick AND the dead", ["the", "quick", "and", "the", "dead"]),
    ("AttributeError: 'NoneType' object", ["attributeerror", "nonetype", "object"]),
    ("[req-abc-123] 1d2f-ee", ["req", "abc", "123", "1d2f", "ee"]),
    ("http://logs.openstack.org/x/y.txt", ["http", "logs.openstack.org", "x", "y.txt"]),
    ("user@example.com", ["user", "example.com"]),
    ("1,000,000 -5 +3 0x1F", ["1,000,000", "5", "3", "0x1f"]),
    ("a.b. U.S.A.", ["a.b", "u.s.a"]),
    # ideographs are one token each; emoji are not word characters
    ("東京都 😀 über", ["東", "京", "都", "über"]),
    # Hangul and Thai runs stay whole
    ("한국어 ไทย", ["한국어", "ไทย"]),
    ("--- ... |", []),
]


@pytest.mark.parametrize(("text", "terms"), TOKENS, ids=[t for t, _ in TOKENS])
def test_standard_analyzer_splits_like_uax29_without_stop_words(lucene: Any, text: str, terms: list[str]) -> None:
    (tokens,) = lucene.tokens([text])
    assert [term for term, _ in tokens] == terms
    assert [position for _, position in tokens] == list(range(len(terms)))


LONG_TOKENS = [
    (255, [255]),
    (256, [255, 1]),
    (600, [255, 255, 90]),
]


@pytest.mark.parametrize(("length", "pieces"), LONG_TOKENS)
def test_lucene_4_10_4_splits_tokens_longer_than_max_token_length(lucene: Any, length: int, pieces: list[int]) -> None:
    """Not dropped: 4.10.4's scanner buffer is max_token_length, so a long run comes out in pieces."""
    (tokens,) = lucene.tokens(["a " + "x" * length + " b"])
    assert [len(term) for term, _ in tokens] == [1, *pieces, 1]
    assert [position for _, position in tokens] == list(range(len(pieces) + 2))


def test_max_token_length_is_a_parameter(lucene: Any) -> None:
    (tokens,) = lucene.tokens(["abcdefgh"], max_token_length=3)
    assert tokens == [("abc", 0), ("def", 1), ("gh", 2)]


# --- query_string as ES 1.x builds it ----------------------------------------------------------

PARSED = [
    # bare terms go to _all; OR is the default operator
    ("foo bar", "_all:foo _all:bar"),
    # a quoted text is a phrase over the analyzer's tokens
    ('message:"No valid host"', 'message:"no valid host"'),
    # an unquoted term that analyzes to several tokens is an OR of them (no auto phrase)
    ("message:screen-n-cpu", "message:screen message:n message:cpu"),
    ("+message:screen-n-cpu", "+(message:screen message:n message:cpu)"),
    # AND/OR precedence is QueryParser's: AND marks both neighbours required
    ("a AND b OR c", "+_all:a +_all:b _all:c"),
    ("a OR b AND c", "_all:a +_all:b +_all:c"),
    # pure negative booleans get a match-all, at top level and nested
    ("-foo", "-_all:foo +*:*"),
    ("a AND (NOT b)", "+_all:a +(-_all:b +*:*)"),
    # wildcard, prefix, fuzzy, regexp and range terms are lower-cased, not analyzed
    ("build_name:gate-Nova*", "build_name:gate-nova*"),
    ("message:Fo?Bar", "message:fo?bar"),
    ("message:/Fo+/", "message:/fo+/"),
    ("message:[A TO *]", "message:[a TO *]"),
    ('message:["*" TO b}', "message:[* TO b}"),
    # ES keeps > >= < <= in front of a term as a one-sided range
    ("message:>abc", "message:{abc TO *]"),
    ("message:<=abc", "message:[* TO abc]"),
    # fuzzy: ~ alone is 2 edits; a fraction is a similarity: (1 - s) x length edits, at most 2
    ("foo~", "_all:foo~2"),
    ("foobar~0.8", "_all:foobar~1"),
    ("foobar~0.1", "_all:foobar~2"),
    ("foo~1.5", "_all:foo~1"),
    ("foo~1", "_all:foo~1"),
    # * on the default field (and *:*) is match-all; field:* is a wildcard over the field's terms
    ("*", "*:*"),
    ("*:*", "*:*"),
    ("message:*", "message:*"),
    # _exists_ and _missing_ look the field name up in _field_names
    ("_exists_:message", "ConstantScore(_field_names:message)"),
    ("_missing_:tags", "ConstantScore(+*:* -ConstantScore(_field_names:tags))"),
    # phrase slop
    ('"a b"~3', '_all:"a b"~3'),
    # a term with no tokens disappears; a boolean left with one plain clause is that clause
    ('foo AND "..."', "_all:foo"),
]


@pytest.mark.parametrize(("query", "expected"), PARSED, ids=[q for q, _ in PARSED])
def test_query_string_builds_what_es_1x_builds(lucene: Any, query: str, expected: str) -> None:
    assert lucene.parse([query], ANALYZED) == [expected]


def test_keyword_fields_take_the_query_text_whole(lucene: Any) -> None:
    assert lucene.parse(['tags:"screen-n-sch.txt"', "tags:Screen", "message:Screen"], KEYWORD) == [
        "tags:screen-n-sch.txt",
        "tags:Screen",
        "message:screen",
    ]


def test_whitespace_analysis_shows_structure_without_standard_analyzer(lucene: Any) -> None:
    assert lucene.parse(['message:"No-valid host" foo-Bar'], ANALYZED, analysis="whitespace") == [
        'message:"No-valid host" _all:foo-Bar'
    ]


def test_parse_expands_field_patterns_over_the_profile_fields(lucene: Any) -> None:
    """Without documents, the only known fields are those the profile declares."""
    assert lucene.parse(["messag\\*:foo"], KEYWORD) == ["(message:foo | message.raw:foo)"]


def test_syntax_errors_come_back_per_query(lucene: Any) -> None:
    ok, bad = lucene.parse(["foo", "a AND"], ANALYZED)
    assert ok == "_all:foo"
    assert "Cannot parse 'a AND'" in bad.message


# --- matching ----------------------------------------------------------------------------------

DOCS = [
    {"_id": "sch", "fields": {"message": ["No valid host was found."], "tags": ["screen-n-sch.txt", "screen"]}},
    {"_id": "cpu", "fields": {"message": ["Instance failed to spawn"], "tags": ["screen-n-cpu.txt", "screen"]}},
    {"_id": "console", "fields": {"message": ["No valid"], "filename": ["console.html"]}},
    {"_id": "blank", "fields": {"message": ["---"], "tags": ["console"]}},
]

MATCHES = [
    ('message:"No valid host"', ANALYZED, {"sch"}),
    ('message:"valid host was"', ANALYZED, {"sch"}),
    ("message:VALID", ANALYZED, {"sch", "console"}),
    # a phrase is over tokens, not a substring
    ('message:"alid hos"', ANALYZED, set()),
    # tags analyzed: the quoted file name is a phrase of its tokens
    ('tags:"screen-n-sch.txt"', ANALYZED, {"sch"}),
    ('tags:"screen-n-sch.txt"', KEYWORD, {"sch"}),
    ("tags:sch.txt", ANALYZED, {"sch"}),
    ("tags:sch.txt", KEYWORD, set()),
    # NOT over a missing field is true; the pure-negative query matches all-but
    ("NOT tags:screen", ANALYZED, {"console", "blank"}),
    ("message:no AND NOT filename:console.html", ANALYZED, {"sch"}),
    # wildcards apply per token on analyzed fields and on the whole value on keywords
    ("tags:screen-n-*", KEYWORD, {"sch", "cpu"}),
    ("tags:screen-n-*", ANALYZED, set()),
    ("tags:cpu*", ANALYZED, {"cpu"}),
    # _exists_: the field is present, even when it yields no token; field:* needs a token
    ("_exists_:message", ANALYZED, {"sch", "cpu", "console", "blank"}),
    ("message:*", ANALYZED, {"sch", "cpu", "console"}),
    ("_missing_:tags", ANALYZED, {"console"}),
    # sub-fields: message.raw holds the whole value
    ('message.raw:"No valid"', ANALYZED, {"console"}),
    # _all: every value of every field, in document order
    ("screen", ANALYZED, {"sch", "cpu"}),
    ('"sch.txt screen"', ANALYZED, {"sch"}),
    # the position gap between values is 0: a phrase runs on across values and fields in _all
    ('"found screen n sch.txt"', ANALYZED, {"sch"}),
    ('tags:"sch.txt screen"', ANALYZED, {"sch"}),
    # mixed AND/OR as Lucene reads it: a AND b OR c is +a +b c
    ("message:instance AND message:spawn OR message:valid", ANALYZED, {"cpu"}),
    ("", ANALYZED, set()),
    # clauses that analyze to nothing vanish; a query left with none matches nothing
    ('NOT "..."', ANALYZED, set()),
    ('message:valid AND NOT message:"---"', ANALYZED, {"sch", "console"}),
    ('message:valid AND (message:"..." OR message:"--")', ANALYZED, {"sch", "console"}),
    # sloppy phrases: reversed order costs 2
    ('message:"instance to"~1', ANALYZED, {"cpu"}),
    ('message:"failed instance"~1', ANALYZED, set()),
    ('message:"failed instance"~2', ANALYZED, {"cpu"}),
    # field-name patterns (the * escaped, else it is not a field name) expand over the
    # fields documents have
    ("tag\\*:screen", ANALYZED, {"sch", "cpu"}),
    ("_exists_:file\\*", ANALYZED, {"console"}),
    ("_exists_:file\\*name", ANALYZED, {"console"}),
    ("_missing_:nothing\\*", ANALYZED, {"sch", "cpu", "console", "blank"}),
    # only a plain term after _exists_ is special: file* is a prefix query on a field "_exists_"
    ("_exists_:file*", ANALYZED, set()),
    # openstack: no _all, so a bare term matches nothing and its negation everything
    ("screen", OPENSTACK, set()),
    ("NOT screen", OPENSTACK, {"sch", "cpu", "console", "blank"}),
    ("*", OPENSTACK, {"sch", "cpu", "console", "blank"}),
    # keywords are whole and case-sensitive, but wildcard terms are lower-cased first
    ("tags:Screen", OPENSTACK, set()),
    ("filename:*.html", OPENSTACK, {"console"}),
    ("filename:*.HTML", OPENSTACK, {"console"}),
    ('message:"No valid"', OPENSTACK, {"sch", "console"}),
]


@pytest.mark.parametrize(
    ("query", "mapping", "expected"), MATCHES, ids=[f"{m.name}:{q}" for q, m, _ in MATCHES]
)
def test_match_returns_what_es_1x_returns(lucene: Any, query: str, mapping: Any, expected: set[str]) -> None:
    assert lucene.match(DOCS, [query], mapping) == [expected]


QUOTED_DOCS = [{"_id": "q", "fields": {"message": ['Error: "No valid host" (code=5)'], "tags": ['a "quoted" tag']}}]

ESCAPES = [
    # escaped quotes inside a phrase are ordinary characters; punctuation only separates tokens
    ('message:"error: \\"no valid host\\" (code=5)"', KEYWORD, True),
    ('message:"HOST\\" (CODE"', KEYWORD, True),
    ('message:"host code=6"', KEYWORD, False),
    # on a keyword field the unescaped phrase text is the whole value, case-sensitive
    ('tags:"a \\"quoted\\" tag"', KEYWORD, True),
    ('tags:"a \\"Quoted\\" tag"', KEYWORD, False),
    # escaped spaces keep an unquoted keyword term whole
    ("tags:a\\ \\\"quoted\\\"\\ tag", KEYWORD, True),
    # an escaped = is kept in the term text, then the analyzer splits on it
    ("message:code\\=5", KEYWORD, True),
]


@pytest.mark.parametrize(("query", "mapping", "matches"), ESCAPES, ids=[q for q, _, _ in ESCAPES])
def test_escapes_and_punctuation_in_phrases(lucene: Any, query: str, mapping: Any, matches: bool) -> None:
    assert lucene.match(QUOTED_DOCS, [query], mapping) == [{"q"} if matches else set()]


DSL = [
    ({"match_phrase": {"message": "No valid host"}}, {"sch"}),
    ({"match_phrase": {"message": {"query": "no host", "slop": 1}}}, {"sch"}),
    ({"match": {"message": {"query": "valid spawn", "operator": "and"}}}, set()),
    ({"match": {"message": "valid spawn"}}, {"sch", "cpu", "console"}),
    ({"term": {"tags": "screen-n-cpu.txt"}}, {"cpu"}),
    ({"term": {"message": "No valid"}}, set()),
    ({"term": {"message.raw": "No valid"}}, {"console"}),
    ({"terms": {"tags": ["console", "screen-n-sch.txt"]}}, {"sch", "blank"}),
    ({"wildcard": {"tags": {"value": "screen-n-*"}}}, {"sch", "cpu"}),
    ({"prefix": {"filename": "console"}}, {"console"}),
    ({"regexp": {"tags": "screen-n-(sch|cpu)\\.txt"}}, {"sch", "cpu"}),
    ({"range": {"tags": {"gte": "screen-n-d", "lt": "screen-n-t"}}}, {"sch"}),
    ({"exists": {"field": "filename"}}, {"console"}),
    ({"bool": {"must_not": [{"exists": {"field": "tags"}}]}}, {"console"}),
    ({"bool": {"should": [{"term": {"tags": "console"}}, {"term": {"filename": "console.html"}}]}}, {"console", "blank"}),
    ({"bool": {"must": [{"term": {"tags": "screen"}}], "should": [{"term": {"tags": "nope"}}]}}, {"sch", "cpu"}),
    ({"bool": {"filter": [{"match_all": {}}], "must_not": [{"match": {"message": "no"}}]}}, {"cpu", "blank"}),
    ({"fuzzy": {"tags": {"value": "screne", "fuzziness": 1}}}, {"sch", "cpu"}),
    ({"fuzzy": {"tags": {"value": "screne", "fuzziness": 1, "transpositions": False}}}, set()),
]


@pytest.mark.parametrize(("dsl", "expected"), DSL, ids=[str(d) for d, _ in DSL])
def test_match_dsl_builds_what_elasticsearch_builds(lucene: Any, dsl: dict[str, Any], expected: set[str]) -> None:
    assert lucene.match_dsl(DOCS, [dsl], KEYWORD) == [expected]


DSL_FLAGS = [


    ({"regexp": {"tags": {"value": "screen-n-(sch|cpu)\\.txt", "flags": "NONE"}}}, {"sch", "cpu"}),
    ({"regexp": {"tags": {"value": "screen&~(console)", "flags": "INTERSECTION|COMPLEMENT"}}}, {"sch", "cpu"}),
    ({"regexp": {"tags": {"value": "screen&~(console)", "flags": "NONE"}}}, set()),
]


@pytest.mark.parametrize(("dsl", "expected"), DSL_FLAGS, ids=[str(d) for d, _ in DSL_FLAGS])
def test_match_dsl_regexp_flags_are_elasticsearch_flag_names(lucene: Any, dsl: dict[str, Any], expected: set[str]) -> None:
    assert lucene.match_dsl(DOCS, [dsl], KEYWORD) == [expected]


REFUSED = [
    ({"query_string": {"query": "foo"}}, "query_string is not allowed"),
    ({"wildcard": {"tags": {"value": "Screen*", "case_insensitive": True}}}, "unsupported option [case_insensitive]"),
    ({"match": {"message": {"query": "no", "analyzer": "keyword"}}}, "unsupported option [analyzer]"),
    ({"range": {"tags": {"gte": "a", "format": "yyyy"}}}, "unsupported option [format]"),
    ({"bool": {"must": [], "adjust_pure_negative": False}}, "unsupported option [adjust_pure_negative]"),
    ({"span_near": {}}, "unsupported query type: span_near"),
]


@pytest.mark.parametrize(("dsl", "message"), REFUSED, ids=[m for _, m in REFUSED])
def test_match_dsl_refuses_what_it_does_not_model(lucene: Any, dsl: dict[str, Any], message: str) -> None:
    """An option silently ignored would build another query than Elasticsearch does."""
    (answer,) = lucene.match_dsl(DOCS, [dsl], KEYWORD)
    assert message in answer.message


def test_query_string_fuzzy_has_no_transpositions(lucene: Any) -> None:
    """ES 1.x builds query_string fuzzy terms with transpositions off: a swap costs 2 edits."""
    docs = [{"_id": "1", "fields": {"message": ["screen"]}}]
    assert lucene.match(docs, ["message:csreen~1", "message:csreen~2"], KEYWORD) == [set(), {"1"}]


def test_a_boolean_over_1024_clauses_fails_as_in_elasticsearch(lucene: Any) -> None:
    """indices.query.bool.max_clause_count is Lucene's 1024; a DSL terms list has no such limit."""
    words = [f"w{i}" for i in range(1025)]
    (answer,) = lucene.match(DOCS, ["message:(" + " ".join(words) + ")"], ANALYZED)
    assert "too many boolean clauses" in answer.message
    assert lucene.match(DOCS, ["message:(" + " ".join(words[:1024]) + ")"], ANALYZED) == [set()]
    assert lucene.match_dsl(DOCS, [{"terms": {"tags": [*words, "console"]}}], KEYWORD) == [{"blank"}]


def test_a_batch_answers_in_order_and_keeps_going_after_errors(lucene: Any) -> None:
    answers = lucene.match(DOCS, ["screen", "a AND", "console"], ANALYZED)
    assert answers[0] == {"sch", "cpu"}
    assert "Cannot parse" in answers[1].message
    assert answers[2] == {"blank"}  # console.html is one token


# --- real data ---------------------------------------------------------------------------------


def test_every_corpus_query_parses(lucene: Any, corpus: Path) -> None:
    """Lucene 4.10 with ES's settings accepts all elastic-recheck fingerprints."""
    queries = [yaml.safe_load(path.read_text())["query"] for path in sorted(corpus.glob("elastic-recheck/queries/*.yaml"))]
    parsed = lucene.parse(queries, OPENSTACK)
    assert len(parsed) == 925
    assert [q for q, p in zip(queries, parsed) if not isinstance(p, str)] == []


@pytest.mark.parametrize("profile", [OPENSTACK, ANALYZED, KEYWORD], ids=lambda m: m.name)
def test_real_elasticsearch_hits_match_their_query(lucene: Any, corpus: Path, profile: Any) -> None:
    """The 353 events the OpenStack cluster returned for fingerprint 1284371 all match it here."""
    samples = corpus / "elastic-recheck" / "samples"
    response = json.loads((samples / "logstash" / "1284371.json").read_text())
    docs = [
        {"_id": hit["_id"], "fields": {k: v if isinstance(v, list) else [v] for k, v in hit["_source"].items()}}
        for hit in response["hits"]["hits"]
    ]
    query = yaml.safe_load((samples / "queries" / "1284371.yaml").read_text())["query"]
    assert len(docs) == 353
    assert lucene.match(docs, [query, f"NOT ({query})"], profile) == [{d["_id"] for d in docs}, set()]
