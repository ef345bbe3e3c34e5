"""Must-show of issue 5: translations give the original query's answers, by real Lucene 4.10.

For every corpus query (the 925 elastic-recheck fingerprints and the unit-test
queries), over every real sample document, under every shipped mapping profile:

* ``to_lucene`` of the parsed tree, run by the referee's ES 1.x query_string,
  returns exactly the documents the original text returns;
* the DSL is accepted by the official client's ``elasticsearch.dsl.Q``;
* the DSL, built into Lucene queries the way Elasticsearch builds them
  (``match_dsl``), returns exactly the documents the original text returns.

The translation targets the referee's own ``_all`` field (the index template's
``copy_to`` field plays that part in a real cluster).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from elasticsearch.dsl import Q

from fingerlog.backends.dsl import to_dsl
from fingerlog.backends.es_target import DYNAMIC_KEYWORD_SUBFIELD, LEGACY_ALL_FIELD, EsVersion, IndexLayout, Target
from fingerlog.backends.lucene import to_lucene
from fingerlog.mapping import FieldKind, FieldMapping, FieldMappings, available_mappings, load_mapping
from fingerlog.query import parse_query
from fingerlog.query.nodes import Bool, Exists, Node, Occur, Phrase, Prefix, Range, Term, Wildcard, WildcardToken
from fingerlog.records import Event
from fingerlog.sources import load_sample_events

REFEREE_TARGET = Target(all_field=LEGACY_ALL_FIELD)

#: Elasticsearch's default dynamic mapping, as a profile the referee can index with:
#: every string text plus a `.keyword` copy, position gap 100, no `_all`.
DYNAMIC = FieldMappings(
    name="es-dynamic",
    description="Elasticsearch 7/8 default dynamic mapping",
    fields={},
    default=FieldMapping(FieldKind.TEXT, keyword_subfield=DYNAMIC_KEYWORD_SUBFIELD),
    position_increment_gap=100,
    all_field=False,
)


def _queries(corpus: Path) -> list[tuple[str, str]]:
    root = corpus / "elastic-recheck"
    files = sorted((root / "queries").glob("*.yaml")) + sorted((root / "samples").glob("*queries*/*.yaml"))
    out = []
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out.append((str(path.relative_to(root)), data["query"]))
    return out


def _docs(corpus: Path) -> list[dict[str, Any]]:
    samples = corpus / "elastic-recheck" / "samples"
    events: list[Event] = []
    for path in sorted(samples.glob("samples/bug-*.json")) + sorted(samples.glob("logstash/*.json")):
        events += load_sample_events(path)
    return [{"_id": e.event_id, "fields": {k: list(v) for k, v in e.fields.items()}} for e in events]


def _leaf_value(node: Node) -> tuple[str, str] | None:
    """A field and a value that the leaf ``node`` matches (None: no simple such value)."""
    field = "message" if getattr(node, "field", "_all") == "_all" else getattr(node, "field", "")
    if isinstance(node, (Term, Phrase)):
        return field, node.text
    if isinstance(node, Prefix):
        return field, node.text.lower() + "x"
    if isinstance(node, Wildcard):
        fill = {WildcardToken.ANY_STRING: "x", WildcardToken.ANY_CHAR: "y"}
        return field, "".join(fill[p] if isinstance(p, WildcardToken) else p.lower() for p in node.parts)
    if isinstance(node, Range):
        return field, (node.lower if node.include_lower and node.lower else node.upper or "m").lower()
    if isinstance(node, Exists):
        return field, "present"
    return None


def _leaves(node: Node, wanted: bool) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Values of the leaves a match needs (outside any NOT) and of the leaves under a NOT."""
    if isinstance(node, Bool):
        positive: list[tuple[str, str]] = []
        negative: list[tuple[str, str]] = []
        for clause in node.clauses:
            pos, neg = _leaves(clause.query, wanted and clause.occur is not Occur.MUST_NOT)
            positive += pos
            negative += neg
        return positive, negative
    value = _leaf_value(node)
    if value is None:
        return [], []
    return ([value], []) if wanted else ([], [value])


def _doc(doc_id: str, values: list[tuple[str, str]]) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    for field, value in values:
        fields.setdefault(field, []).append(value)
    return {"_id": doc_id, "fields": fields}


def generated_docs(texts: list[str]) -> list[dict[str, Any]]:
    """Documents built from each query's own clauses: one holding every value its
    positive leaves need, and one more per negated leaf, adding that leaf's value.
    Pooled, every query meets documents made to match it and near misses."""
    docs = []
    for n, text in enumerate(texts):
        positive, negative = _leaves(parse_query(text), True)
        if positive:
            docs.append(_doc(f"gen-{n}", positive))
        docs += [_doc(f"gen-{n}-not{k}", [*positive, value]) for k, value in enumerate(negative)]
    return docs


@pytest.fixture(scope="module")
def queries(corpus: Path) -> list[tuple[str, str]]:
    found = _queries(corpus)
    assert len(found) >= 925
    return found


@pytest.fixture(scope="module")
def docs(corpus: Path, queries: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The real sample documents, then the documents generated from the queries."""
    real = _docs(corpus)
    assert len(real) > 1000
    return real + generated_docs([text for _, text in queries])


@pytest.fixture(scope="module")
def original_answers(lucene: Any, queries: list, docs: list) -> dict[str, list[Any]]:
    """Per profile, the documents each original query text returns (computed once)."""
    answers: dict[str, list[Any]] = {}
    for profile in available_mappings():
        answers[profile] = lucene.match(docs, [text for _, text in queries], load_mapping(profile))
        assert not [a for a in answers[profile] if not isinstance(a, set)], "the referee refused a corpus query"
    return answers


def _disagreements(names: list[str], expected: list[Any], got: list[Any], shown: list[Any]) -> list[str]:
    return [
        f"{name}: original {sorted(e) if isinstance(e, set) else e} != translated "
        f"{sorted(g) if isinstance(g, set) else g}\n    translation: {s}"
        for name, e, g, s in zip(names, expected, got, shown)
        if e != g
    ]


@pytest.mark.lucene
@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.parametrize("profile", available_mappings())
def test_lucene_string_returns_the_original_documents(
    lucene: Any, queries: list, docs: list, original_answers: dict, profile: str
) -> None:
    names = [name for name, _ in queries]
    printed = [to_lucene(parse_query(text)) for _, text in queries]
    expected = original_answers[profile]
    got = lucene.match(docs, printed, load_mapping(profile))
    problems = _disagreements(names, expected, got, printed)
    assert not problems, "\n".join(problems[:20])


@pytest.mark.lucene
@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.parametrize("profile", available_mappings())
def test_dsl_returns_the_original_documents(
    lucene: Any, queries: list, docs: list, original_answers: dict, profile: str
) -> None:
    mapping = load_mapping(profile)
    names = [name for name, _ in queries]
    dsl = [to_dsl(parse_query(text), mapping, REFEREE_TARGET).value for _, text in queries]
    for query in dsl:
        assert Q(query).to_dict() == query  # the official client builds it unchanged
    expected = original_answers[profile]
    got = lucene.match_dsl(docs, dsl, mapping)
    problems = _disagreements(names, expected, got, dsl)
    assert not problems, "\n".join(problems[:20])
    matched = sum(1 for e in expected if e)
    print(f"\n{profile}: {len(queries)} queries x {len(docs)} documents; {matched} queries match some document")


@pytest.mark.lucene
@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.parametrize("profile", available_mappings())
def test_dsl_for_a_dynamic_mapping_index_returns_the_original_documents(
    lucene: Any, queries: list, docs: list, original_answers: dict, profile: str
) -> None:
    """``--index-layout dynamic``: the same documents indexed with ES's default dynamic
    mapping instead of the profile; queries with a finding are reported, not compared."""
    mapping = load_mapping(profile)
    target = Target.for_layout(EsVersion.ES8, IndexLayout.DYNAMIC)
    translations = [to_dsl(parse_query(text), mapping, target) for _, text in queries]
    exact = [i for i, t in enumerate(translations) if not t.findings]
    got = lucene.match_dsl(docs, [translations[i].value for i in exact], DYNAMIC)
    expected = [original_answers[profile][i] for i in exact]
    names = [queries[i][0] for i in exact]
    problems = _disagreements(names, expected, got, [translations[i].value for i in exact])
    assert not problems, "\n".join(problems[:20])
    print(f"\n{profile} on a dynamic-mapping index: {len(exact)} exact, {len(queries) - len(exact)} reported")
