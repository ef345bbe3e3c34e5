"""The DSL compiler, node by node: what ES 1.x's query_string did implicitly is made explicit."""

from __future__ import annotations

import pytest
from elasticsearch.dsl import Q

from fingerlog.backends.automata import fuzzy_edits
from fingerlog.backends.dsl import MATCH_NONE, DslCompiler, modern_regexp, to_dsl
from fingerlog.backends.es_target import ALL_FIELD, EsVersion, IndexLayout, Target
from fingerlog.mapping import load_mapping
from fingerlog.query import parse_query
from fingerlog.query.nodes import (
    NODE_TYPES,
    Bool,
    Clause,
    Exists,
    Fuzzy,
    MatchAll,
    Occur,
    Phrase,
    Prefix,
    Range,
    Regexp,
    Span,
    Term,
    Wildcard,
    WildcardToken,
)

KEYWORD = load_mapping("keyword")  # message is text, every other field a keyword
ANALYZED = load_mapping("analyzed")  # every field is text, with a `.raw` keyword copy
OPENSTACK = load_mapping("openstack")  # like keyword, but without an `_all` field

ANY = WildcardToken.ANY_STRING


def must(*nodes: object) -> Bool:
    return Bool(tuple(Clause(Occur.MUST, n) for n in nodes))  # type: ignore[arg-type]


def should(*nodes: object) -> Bool:
    return Bool(tuple(Clause(Occur.SHOULD, n) for n in nodes))  # type: ignore[arg-type]


def test_every_node_type_has_a_translation() -> None:
    assert DslCompiler.handled_node_types() == set(NODE_TYPES)


@pytest.mark.parametrize(
    ("node", "mapping", "expected"),
    [
        # analyzed field: the analyzer decides, so the text goes to match / match_phrase
        (Term("message", "Error"), KEYWORD, {"match": {"message": "Error"}}),
        (Phrase("message", "No valid host"), KEYWORD, {"match_phrase": {"message": "No valid host"}}),
        (Phrase("message", "host found", slop=3), KEYWORD,
         {"match_phrase": {"message": {"query": "host found", "slop": 3}}}),
        # slop means nothing for a one-token phrase (Lucene builds a TermQuery)
        (Phrase("message", "host", slop=3), KEYWORD, {"match_phrase": {"message": "host"}}),
        # keyword field: the whole value, case kept, even when quoted
        (Term("build_name", "gate-Nova"), KEYWORD, {"term": {"build_name": "gate-Nova"}}),
        (Phrase("tags", "screen-n-cpu.txt"), KEYWORD, {"term": {"tags": "screen-n-cpu.txt"}}),
        (Term("build_name", "gate-Nova"), ANALYZED, {"match": {"build_name": "gate-Nova"}}),
        # ES 1.x's bare-term field becomes the template's copy_to field, always analyzed
        (Term("_all", "ERROR"), KEYWORD, {"match": {ALL_FIELD: "ERROR"}}),
        (Term("message", "Error", boost=2.0), KEYWORD, {"match": {"message": {"query": "Error", "boost": 2.0}}}),
        (Exists("build_uuid"), KEYWORD, {"exists": {"field": "build_uuid"}}),
        (MatchAll(), KEYWORD, {"match_all": {}}),
    ],
)
def test_field_kind_chooses_the_query(node: object, mapping: object, expected: dict) -> None:
    assert to_dsl(node, mapping).value == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Prefix("build_name", "gate-Nova"), {"prefix": {"build_name": "gate-nova"}}),
        (Wildcard("filename", ("logs", ANY, "Screen-n-cpu.txt")), {"wildcard": {"filename": "logs*screen-n-cpu.txt"}}),
        # literal wildcard characters stay literal
        (Wildcard("build_name", ("a*b?", ANY)), {"wildcard": {"build_name": "a\\*b\\?*"}}),
        (Regexp("build_name", "Gate-[A-Z]+"), {"regexp": {"build_name": "gate-[a-z]+"}}),
        (Range("build_name", "A", None, True, False), {"range": {"build_name": {"gte": "a"}}}),
        (Range("build_name", None, "Z", False, False), {"range": {"build_name": {"lt": "z"}}}),
        (Fuzzy("build_name", "Nova", 1.0), {"fuzzy": {"build_name": {
            "value": "nova", "fuzziness": 1, "prefix_length": 0, "max_expansions": 50, "transpositions": False}}}),
    ],
)
def test_expanded_terms_are_lowercased_even_on_keyword_fields(node: object, expected: dict) -> None:
    assert to_dsl(node, KEYWORD).value == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        # `field:*` is a WildcardQuery: any indexed term (bare `*` is parsed as MatchAll)
        (Wildcard("build_name", (ANY,)), {"wildcard": {"build_name": "*"}}),
        # an unbounded range is any indexed term too, not `exists`
        (Range("build_name", None, None, True, True), {"wildcard": {"build_name": "*"}}),
    ],
)
def test_match_anything_forms(node: object, expected: dict) -> None:
    assert to_dsl(node, KEYWORD).value == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        # a clause whose text has no token is dropped, as Lucene's parser drops it
        (must(Phrase("message", "Exit code"), Term("message", "...")), {"match_phrase": {"message": "Exit code"}}),
        # ... recursively: a bool left empty disappears from its parent
        (must(Phrase("message", "Exit code"), should(Term("message", "--"), Phrase("message", "..."))),
         {"match_phrase": {"message": "Exit code"}}),
        # and what is left of a bool may be purely negative: all-but, as ES 1.x fixed it
        (Bool((Clause(Occur.MUST, Term("message", "---")), Clause(Occur.MUST_NOT, Term("tags", "console")))),
         {"bool": {"must_not": [{"term": {"tags": "console"}}]}}),
        # nothing left at all: ES 1.x answered a null query with no documents
        (Term("message", "..."), MATCH_NONE),
        (Phrase("message", " - "), MATCH_NONE),
    ],
)
def test_clauses_without_tokens_are_dropped(node: object, expected: dict) -> None:
    assert to_dsl(node, KEYWORD).value == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Term("_all", "ERROR"), MATCH_NONE),
        (Prefix("_all", "err"), MATCH_NONE),
        # no token: the clause still disappears before the missing field matters
        (should(Term("_all", "..."), Term("tags", "console")), {"term": {"tags": "console"}}),
        (Bool((Clause(Occur.MUST_NOT, Term("_all", "ERROR")),)), {"bool": {"must_not": [MATCH_NONE]}}),
    ],
)
def test_bare_terms_match_nothing_without_an_all_field(node: object, expected: dict) -> None:
    assert to_dsl(node, OPENSTACK).value == expected  # type: ignore[arg-type]


def test_keyword_subfield_is_matched_whole() -> None:
    assert to_dsl(Phrase("message.raw", "No Valid host"), ANALYZED).value == {"term": {"message.raw": "No Valid host"}}
    assert to_dsl(Phrase("message", "No Valid host"), ANALYZED).value == {"match_phrase": {"message": "No Valid host"}}


def test_keyword_phrase_of_punctuation_is_not_dropped() -> None:
    """A keyword field is not analyzed, so its punctuation-only value is a real term."""
    assert to_dsl(Phrase("build_name", "..."), KEYWORD).value == {"term": {"build_name": "..."}}


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        # mixed AND/OR: the tree holds Lucene's meaning (+a +b c), the bool keeps it
        (Bool((Clause(Occur.MUST, Phrase("message", "a b")), Clause(Occur.MUST, Term("tags", "x")),
               Clause(Occur.SHOULD, Term("tags", "y")))),
         {"bool": {"must": [{"match_phrase": {"message": "a b"}}, {"term": {"tags": "x"}}],
                   "should": [{"term": {"tags": "y"}}]}}),
        # optional keyword terms on one field fold into `terms`
        (should(Term("build_name", "a"), Term("tags", "c"), Term("build_name", "b"), Term("build_name", "a")),
         {"bool": {"should": [{"terms": {"build_name": ["a", "b"]}}, {"term": {"tags": "c"}}]}}),
        # a one-clause bool is its clause
        (should(Term("tags", "c")), {"term": {"tags": "c"}}),
        (Bool((Clause(Occur.MUST_NOT, Term("tags", "c")),), boost=2.0),
         {"bool": {"must_not": [{"term": {"tags": "c"}}], "boost": 2.0}}),
    ],
)
def test_bool_structure(node: object, expected: dict) -> None:
    assert to_dsl(node, KEYWORD).value == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lucene_4_10", "modern"),
    [
        ("error\\d+", "errord+"),  # 4.10: `\d` is a literal d; Lucene 8.6+: a digit
        ("a\\.b", "a\\.b"),  # escaped operators stay escaped
        ('"a\\b"', '"a\\b"'),  # a quoted string takes no escapes
        ("<1-10>\\w", "<1-10>w"),
        ("[\\w\\-]x", "[w\\-]x"),  # the rule holds inside classes too
        ("[]\\s]", "[]s]"),  # a class's first character is literal, even `]`
        ("[^]a]\\q", "[^]a]q"),
        ("\\é", "\\é"),  # only ASCII letters mean something after `\` in Lucene 9
    ],
)
def test_regexp_escapes_are_rewritten_for_modern_lucene(lucene_4_10: str, modern: str) -> None:
    assert modern_regexp(lucene_4_10) == modern


@pytest.mark.parametrize(
    ("similarity", "term", "edits"),
    [(2.0, "nova", 2), (1.0, "nova", 1), (5.0, "nova", 2), (0.5, "compute", 2), (0.75, "nova", 1), (0.0, "x", 0),
     (0.9, "a" * 20, 2)],  # 0.9 is a Java float (0.8999999762): 2 edits, where a double would give 1
)
def test_fuzzy_edits_follow_lucene_4_10(similarity: float, term: str, edits: int) -> None:
    assert fuzzy_edits(similarity, term) == edits


def test_fuzzy_is_reported_as_index_dependent() -> None:
    translation = to_dsl(Fuzzy("message", "nova", 1.0, span=Span(3, 8)), KEYWORD)
    assert [f.span for f in translation.findings] == [Span(3, 8)]


def test_field_pattern_is_reported() -> None:
    translation = to_dsl(Term("build_*", "x", span=Span(0, 9)), KEYWORD)
    assert [f.span for f in translation.findings] == [Span(0, 9)]


def test_catch_all_field_name_is_the_targets() -> None:
    assert to_dsl(Term("_all", "x"), KEYWORD, Target(all_field="_all")).value == {"match": {"_all": "x"}}


@pytest.mark.parametrize(
    "node",
    [
        must(Phrase("message", "a b"), Wildcard("filename", ("x", ANY)), Exists("f")),
        Bool((Clause(Occur.SHOULD, Regexp("f", "a.*")), Clause(Occur.MUST_NOT, Range("g", "1", "2", True, True)))),
        Fuzzy("message", "nova", 2.0),
        Term("message", "..."),
    ],
)
def test_output_is_accepted_by_the_official_client(node: object) -> None:
    query = to_dsl(node, KEYWORD).value  # type: ignore[arg-type]
    assert Q(query).to_dict() == query


DYNAMIC = Target.for_layout(EsVersion.ES8, IndexLayout.DYNAMIC)


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        # whole-value queries go to the `.keyword` copy ES's dynamic mapping adds
        (Term("build_name", "gate-Nova"), {"term": {"build_name.keyword": "gate-Nova"}}),
        (Wildcard("filename", ("logs", ANY, ".txt")), {"wildcard": {"filename.keyword": "logs*.txt"}}),
        (Range("build_change", "1", None, True, False), {"range": {"build_change.keyword": {"gte": "1"}}}),
        # analyzed fields and presence stay on the field itself
        (Phrase("message", "No valid host"), {"match_phrase": {"message": "No valid host"}}),
        (Prefix("message", "Valid"), {"prefix": {"message": "valid"}}),
        (Exists("build_name"), {"exists": {"field": "build_name"}}),
    ],
)
def test_dynamic_layout_queries_keyword_subfields(node: object, expected: dict) -> None:
    translation = to_dsl(node, KEYWORD, DYNAMIC)  # type: ignore[arg-type]
    assert (translation.value, translation.findings) == (expected, ())


def test_dynamic_layout_has_no_catch_all_field() -> None:
    term = to_dsl(Term("_all", "ERROR", span=Span(0, 5)), KEYWORD, DYNAMIC)
    assert term.value == {"multi_match": {"query": "ERROR", "fields": ["*"], "type": "best_fields", "lenient": True}}
    assert [f.span for f in term.findings] == [Span(0, 5)]
    assert Q(term.value).to_dict() == term.value
    prefix = to_dsl(Prefix("_all", "err", span=Span(0, 4)), KEYWORD, DYNAMIC)
    assert prefix.value == MATCH_NONE and len(prefix.findings) == 1
    # a profile without _all matched nothing there anyway: exact, no finding
    assert to_dsl(Term("_all", "ERROR"), OPENSTACK, DYNAMIC) == to_dsl(Term("_all", "ERROR"), OPENSTACK)


def test_a_dropped_clause_moves_its_and_onto_the_clause_kept_before_it() -> None:
    # Lucene's addClause: `"---"` analyzes to nothing and is dropped, but its AND still makes
    # the clause kept before it (foo) required, as in corpus query 1686109.
    mapping = load_mapping("analyzed")
    dsl = to_dsl(parse_query('message:foo message:"---" AND message:bar'), mapping).value
    assert dsl == {"bool": {"must": [{"match": {"message": "foo"}}, {"match": {"message": "bar"}}]}}
