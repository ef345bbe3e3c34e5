"""Must-show of issue 4: the matcher gives real Lucene 4.10's answers (as ES 1.x configured it).

The referee (tests/lucene_ref) indexes the same documents with the same mapping
profile and runs the raw query text through Lucene's own classic QueryParser;
fingerlog parses the text with its own parser and evaluates it with the
matcher.  Both must return the same document ids for:

* every corpus query (925 fingerprints + elastic-recheck's unit-test queries)
  x every real sample document (1,416 events) x every shipped profile;
* per corpus query, documents built from its own clauses (so nearly every query
  has a positive case; Lucene decides what they match);
* the hand-written edge cases of tests/conformance/cases.py, whose expected
  answers are checked against Lucene here too;
* Lucene RegExp syntax cases, including patterns Lucene refuses; fuzzy edits;
  position gaps; random sloppy phrases; random queries of every shape;
* every corpus query on events fingerlog's own sources read from a real gate job
  (multi-line tracebacks, console lines, keystone noise).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cases import BAD_REGEXPS, CASES, DOCS, FUZZY, REGEXPS
from conformance.positives import generated_documents
from conformance.random_queries import QueryGenerator
from fingerlog.backends.automata import RegexpSyntaxError
from fingerlog.backends.matcher import CompiledQuery, EventIndex, compile_query
from fingerlog.errors import FingerlogError
from fingerlog.mapping import FieldMappings, available_mappings, load_mapping, parse_mapping
from fingerlog.query.parser import parse_query
from fingerlog.sources import load_sample_events, open_job

pytestmark = [pytest.mark.lucene, pytest.mark.corpus, pytest.mark.slow]

PROFILES = available_mappings()


@dataclass(frozen=True)
class CorpusQuery:
    name: str
    text: str


def _corpus_queries(corpus: Path) -> list[CorpusQuery]:
    root = corpus / "elastic-recheck"
    files = sorted((root / "queries").glob("*.yaml")) + sorted((root / "samples").glob("*queries*/*.yaml"))
    return [
        CorpusQuery(str(path.relative_to(root)), yaml.safe_load(path.read_text(encoding="utf-8"))["query"])
        for path in files
    ]


def _sample_docs(corpus: Path) -> list[dict[str, Any]]:
    samples = corpus / "elastic-recheck" / "samples"
    paths = sorted(samples.glob("samples/bug-*.json")) + sorted(samples.glob("logstash/*.json"))
    return [
        {"_id": f"{path.name}#{event.event_id}", "fields": {k: list(v) for k, v in event.fields.items()}}
        for path in paths
        for event in load_sample_events(path)
    ]


@pytest.fixture(scope="module")
def corpus_queries(corpus: Path) -> list[CorpusQuery]:
    return _corpus_queries(corpus)


@pytest.fixture(scope="module")
def sample_docs(corpus: Path) -> list[dict[str, Any]]:
    return _sample_docs(corpus)


def _compile(text: str, mapping: FieldMappings) -> CompiledQuery | FingerlogError:
    try:
        return compile_query(parse_query(text), mapping)
    except FingerlogError as exc:
        return exc


def _describe(doc: dict[str, Any]) -> str:
    return ", ".join(f"{k}={[v[:80] for v in vs]}" for k, vs in doc["fields"].items())


def _disagreements(
    queries: Sequence[CorpusQuery],
    lucene_answers: Sequence[Any],
    docs: Sequence[dict[str, Any]],
    mapping: FieldMappings,
    scope: Iterable[Sequence[dict[str, Any]]] | None = None,
) -> tuple[list[str], list[set[str]]]:
    """Messages for every (query, document) where fingerlog and Lucene differ, and fingerlog's hits.

    ``scope`` restricts each query to its own documents (one list per query);
    by default every query is asked about every document.
    """
    indexes = {doc["_id"]: EventIndex({k: tuple(v) for k, v in doc["fields"].items()}, mapping) for doc in docs}
    scopes = list(scope) if scope is not None else [docs] * len(queries)
    problems: list[str] = []
    all_hits: list[set[str]] = []
    for query, answer, own_docs in zip(queries, lucene_answers, scopes):
        compiled = _compile(query.text, mapping)
        head = f"{query.name} [{mapping.name}] {query.text.strip()!r}"
        if isinstance(answer, Exception) or not isinstance(answer, set):
            if not isinstance(compiled, FingerlogError):
                problems.append(f"{head}\n  Lucene refused it ({answer}), fingerlog accepted it")
            all_hits.append(set())
            continue
        if isinstance(compiled, FingerlogError):
            problems.append(f"{head}\n  fingerlog refused it ({compiled}), Lucene accepted it")
            all_hits.append(set())
            continue
        ids = {doc["_id"] for doc in own_docs}
        expected = answer & ids
        hits = {doc["_id"] for doc in own_docs if compiled.matches(indexes[doc["_id"]])}
        all_hits.append(hits)
        problems.extend(
            f"{head}\n  doc {doc['_id']}: lucene={doc['_id'] in expected} fingerlog={doc['_id'] in hits}"
            f"\n  {_describe(doc)}"
            for doc in own_docs
            if (doc["_id"] in hits) != (doc["_id"] in expected)
        )
    return problems, all_hits


def _report(problems: list[str]) -> str:
    shown = "\n".join(problems[:15])
    more = f"\n... and {len(problems) - 15} more" if len(problems) > 15 else ""
    return f"{len(problems)} disagreements with Lucene:\n{shown}{more}"


@pytest.mark.parametrize("profile", PROFILES)
def test_every_corpus_query_on_every_real_sample_gives_lucenes_answer(
    lucene: Any, profile: str, corpus_queries: list[CorpusQuery], sample_docs: list[dict[str, Any]], capsys: Any
) -> None:
    mapping = load_mapping(profile)
    answers = lucene.match(sample_docs, [q.text for q in corpus_queries], mapping)
    problems, hits = _disagreements(corpus_queries, answers, sample_docs, mapping)
    assert not problems, _report(problems)
    with capsys.disabled():
        positive = sum(1 for h in hits if h)
        print(
            f"\n[{profile}] {len(corpus_queries)} queries x {len(sample_docs)} real documents agree with Lucene; "
            f"{positive} queries have a positive real document, {sum(map(len, hits))} hits in all"
        )


@pytest.mark.parametrize("profile", PROFILES)
def test_documents_built_from_each_query_get_lucenes_answer(
    lucene: Any, profile: str, corpus_queries: list[CorpusQuery], capsys: Any
) -> None:
    mapping = load_mapping(profile)
    per_query = []
    for query in corpus_queries:
        try:
            node = parse_query(query.text)
        except FingerlogError:
            per_query.append([])
            continue
        per_query.append(list(generated_documents(query.name, node)))
    docs = [doc for docs in per_query for doc in docs]
    answers = lucene.match(docs, [q.text for q in corpus_queries], mapping)
    problems, hits = _disagreements(corpus_queries, answers, docs, mapping, scope=per_query)
    assert not problems, _report(problems)
    positive = sum(1 for h in hits if h)
    negative = sum(1 for own, h in zip(per_query, hits) if len(h) < len(own))
    with capsys.disabled():
        print(
            f"\n[{profile}] {len(docs)} generated documents agree with Lucene: {positive}/{len(corpus_queries)} "
            f"queries have a positive case ({100 * positive / len(corpus_queries):.1f} %), {negative} a negative one"
        )
    # The generator must give most queries a positive case, or this test proves little.
    assert positive >= 0.5 * len(corpus_queries)


def _case_docs() -> list[dict[str, Any]]:
    return [{"_id": doc_id, "fields": fields} for doc_id, fields in DOCS.items()]


@pytest.mark.parametrize("profile", PROFILES)
def test_edge_cases_and_their_expected_answers_are_lucenes(lucene: Any, profile: str) -> None:
    mapping = load_mapping(profile)
    queries = [CorpusQuery(case.name, case.query) for case in CASES]
    answers = lucene.match(_case_docs(), [case.query for case in CASES], mapping)
    problems, _ = _disagreements(queries, answers, _case_docs(), mapping)
    for case, answer in zip(CASES, answers):
        if profile in case.expected and case.expected[profile] != answer:
            problems.append(f"{case.name}: the table expects {sorted(case.expected[profile])}, Lucene says {answer}")
    assert not problems, _report(problems)


def test_regexp_syntax_is_lucenes(lucene: Any) -> None:
    mapping = load_mapping("keyword")  # whole values: the pattern must accept the entire term
    terms = sorted({term for _, term, _ in REGEXPS})
    docs = [{"_id": str(n), "fields": {"v": [term]}} for n, term in enumerate(terms)]
    patterns = [pattern for pattern, _, _ in REGEXPS] + BAD_REGEXPS
    answers = lucene.match(docs, [f"v:/{p}/" for p in patterns], mapping)
    problems = []
    for (pattern, term, accepted), answer in zip(REGEXPS, answers):
        if not isinstance(answer, set):
            problems.append(f"/{pattern}/: Lucene refused it: {answer}")
            continue
        if (str(terms.index(term)) in answer) != accepted:
            problems.append(f"/{pattern}/ on {term!r}: the table says {accepted}, Lucene disagrees")
        compiled = compile_query(parse_query(f"v:/{pattern}/"), mapping)
        if compiled.matches({"v": (term,)}) != accepted:
            problems.append(f"/{pattern}/ on {term!r}: fingerlog disagrees with {accepted}")
    for pattern, answer in zip(BAD_REGEXPS, answers[len(REGEXPS) :]):
        if isinstance(answer, set):
            problems.append(f"/{pattern}/: Lucene accepted it")
        with pytest.raises(RegexpSyntaxError):
            compile_query(parse_query(f"v:/{pattern}/"), mapping)
    assert not problems, "\n".join(problems)


def test_fuzzy_terms_are_lucenes(lucene: Any) -> None:
    mapping = load_mapping("keyword")
    terms = sorted({term for _, term, _ in FUZZY})
    docs = [{"_id": term, "fields": {"v": [term]}} for term in terms]
    answers = lucene.match(docs, [f"v:{query}" for query, _, _ in FUZZY], mapping)
    problems = []
    for (query, term, accepted), answer in zip(FUZZY, answers):
        if (term in answer) != accepted:
            problems.append(f"{query} on {term!r}: the table says {accepted}, Lucene disagrees")
        if compile_query(parse_query(f"v:{query}"), mapping).matches({"v": (term,)}) != accepted:
            problems.append(f"{query} on {term!r}: fingerlog disagrees with {accepted}")
    assert not problems, "\n".join(problems)


GAP_DOCS = [
    {"_id": "two-values", "fields": {"tags": ["a b", "c d"]}},
    {"_id": "empty-value-between", "fields": {"tags": ["a b", "---", "c d"]}},
    {"_id": "value-between", "fields": {"tags": ["a b", "e", "c d"]}},
]


@pytest.mark.parametrize("gap", [0, 5])
def test_position_gap_between_values_is_lucenes(lucene: Any, gap: int) -> None:
    mapping = parse_mapping({"name": f"gap{gap}", "default": "text", "position_increment_gap": gap}, "gap.yaml")
    queries = [CorpusQuery(f"slop{slop}", f'tags:"b c"~{slop}') for slop in range(14)]
    queries += [CorpusQuery("b-e", 'tags:"b e"~5'), CorpusQuery("e-c", 'tags:"e c"')]
    answers = lucene.match(GAP_DOCS, [q.text for q in queries], mapping)
    problems, _ = _disagreements(queries, answers, GAP_DOCS, mapping)
    assert not problems, _report(problems)


@pytest.mark.parametrize("seed", range(3))
def test_sloppy_phrases_with_repeated_terms_are_lucenes(lucene: Any, seed: int) -> None:
    """Random short texts over four words and random phrases with slop: the hard cases of
    SloppyPhraseScorer (reordering, repeated terms) come up by the hundred."""
    rng = random.Random(seed)
    docs = [
        {"_id": str(n), "fields": {"message": [" ".join(rng.choice("abcd") for _ in range(rng.randint(1, 8)))]}}
        for n in range(200)
    ]
    queries = [
        CorpusQuery(f"q{n}", f'message:"{" ".join(rng.choice("abc") for _ in range(rng.randint(2, 4)))}"~{rng.randint(0, 5)}')
        for n in range(200)
    ]
    mapping = load_mapping("analyzed")
    answers = lucene.match(docs, [q.text for q in queries], mapping)
    problems, _ = _disagreements(queries, answers, docs, mapping)
    assert not problems, _report(problems)


def test_a_term_of_more_than_1024_tokens_fails_as_in_lucene(lucene: Any) -> None:
    queries = [
        CorpusQuery(f"{n}-tokens", "message:" + "-".join(f"w{i}" for i in range(n))) for n in (1024, 1025)
    ]
    docs = [{"_id": "w", "fields": {"message": ["w7"]}}]
    mapping = load_mapping("analyzed")
    answers = lucene.match(docs, [q.text for q in queries], mapping)
    assert answers[0] == {"w"} and not isinstance(answers[1], set)
    problems, _ = _disagreements(queries, answers, docs, mapping)
    assert not problems, _report(problems)


@pytest.mark.parametrize("profile", PROFILES)
def test_random_queries_over_the_edge_documents_get_lucenes_answer(lucene: Any, profile: str) -> None:
    generator = QueryGenerator(seed=4)
    queries = [CorpusQuery(f"random-{n}", generator.query()) for n in range(800)]
    mapping = load_mapping(profile)
    answers = lucene.match(_case_docs(), [q.text for q in queries], mapping)
    problems, hits = _disagreements(queries, answers, _case_docs(), mapping)
    assert not problems, _report(problems)
    assert sum(1 for h in hits if h) > len(queries) / 5  # the generator is not trivially negative


def _job_events(corpus: Path, per_file: int) -> list[dict[str, Any]]:
    """Events of the real 2013 gate job as fingerlog's sources build them: the failures
    (ERROR/TRACE/Traceback lines, multi-line tracebacks) and an even sample of the rest."""
    job = open_job(next((corpus / "logs" / "os-loganalyze" / "job-view").iterdir()))
    docs = []
    for logfile in job.files():
        events = list(logfile.iter_events())
        failing = [e for e in events if any(w in e.first("message", "") for w in ("ERROR", "TRACE", "Traceback"))]
        chosen = failing[: per_file // 2] + events[:: max(1, len(events) // (per_file // 2))][: per_file // 2]
        docs += [
            {"_id": f"{e.event_id}#{n}", "fields": {k: list(v) for k, v in e.fields.items()}}
            for n, e in enumerate(chosen)
        ]
    return docs


@pytest.mark.parametrize("profile", PROFILES)
def test_corpus_queries_on_events_read_from_a_real_job_get_lucenes_answer(
    lucene: Any, profile: str, corpus: Path, corpus_queries: list[CorpusQuery]
) -> None:
    docs = _job_events(corpus, per_file=60)
    mapping = load_mapping(profile)
    answers = lucene.match(docs, [q.text for q in corpus_queries], mapping)
    problems, _ = _disagreements(corpus_queries, answers, docs, mapping)
    assert not problems, _report(problems)
