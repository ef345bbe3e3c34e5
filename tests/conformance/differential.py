"""Differential checks of fingerlog against the Lucene 4.10 referee, and shrinking of failures.

For one batch of query strings and documents under one mapping profile,
``compare`` asks the referee and fingerlog the same questions and reports each
``Disagreement``:

* ``acceptance``: Lucene refused the query and fingerlog accepted it, or the reverse;
* ``location``: fingerlog refused it with a parse error that does not point at a
  line and column of the query;
* ``crash``: fingerlog raised something that is not a ``FingerlogError`` (a bug);
* ``match``: a document one side matches and the other does not;
* ``prefilter``: a document both match whose raw text lacks the literals the scan
  engine's prefilter requires (``backends/literals.py``), so a scan would miss it;
* ``roundtrip``: ``to_lucene`` of the parsed tree, run by Lucene, returns other documents;
* ``dsl``: the translator's Query DSL (when it reports no inexactness), built by the
  referee as Elasticsearch builds it, returns other documents.

``shrink`` makes a failing query and document small (greedy deletion of query
pieces, then of document fields, values and words) while the same kind of
disagreement persists, so a report shows the cause rather than the noise.
Used by ``fuzz_campaign`` and by ``tests/test_fuzz_lucene.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from fingerlog.backends.dsl import to_dsl
from fingerlog.backends.es_target import LEGACY_ALL_FIELD, Target
from fingerlog.backends.literals import ASCII_LOWERCASE_SOURCES, VERBATIM_FIELDS, holds, required_literals
from fingerlog.backends.lucene import UnprintableQuery, to_lucene
from fingerlog.backends.matcher import CompiledQuery, EventIndex, compile_query
from fingerlog.errors import FingerlogError
from fingerlog.mapping import FieldMappings
from fingerlog.query import QueryParseError, parse_query
from fingerlog.query.nodes import Node

#: The translator writes for the referee's own ``_all`` field (as tests/test_translate_conformance.py).
REFEREE_TARGET = Target(all_field=LEGACY_ALL_FIELD)

Doc = dict[str, Any]


@dataclass(frozen=True)
class Disagreement:
    kind: str
    profile: str
    query: str
    doc: Doc | None
    detail: str

    def render(self) -> str:
        doc = "" if self.doc is None else f"\n    doc: {self.doc['fields']!r}"
        return f"[{self.kind}/{self.profile}] {self.query!r}\n    {self.detail}{doc}"


@dataclass
class Ours:
    """fingerlog's view of one query: its tree and compiled form, or why it was refused."""

    node: Node | None = None
    compiled: CompiledQuery | None = None
    error: Exception | None = None


def ours(text: str, mapping: FieldMappings) -> Ours:
    try:
        node = parse_query(text)
    except Exception as exc:  # noqa: BLE001 - a non-FingerlogError is reported as a crash
        return Ours(error=exc)
    try:
        return Ours(node, compile_query(node, mapping))
    except Exception as exc:  # noqa: BLE001
        return Ours(node, error=exc)


def declaring(mapping: FieldMappings, docs: Sequence[Doc]) -> FieldMappings:
    """``mapping`` with every field of ``docs`` declared as it is already mapped.

    Field-name patterns (``build_\\*:x``) expand, in Elasticsearch, over every field
    of the index; fingerlog, judging one event at a time, over the profile's fields and
    the event's own (docs/matching.md, "Limits"). Declaring the documents' fields
    makes both sides expand over the same names, so the fuzzing compares what
    fingerlog promises rather than that known limit; analysis is unchanged.
    """
    names = {name for doc in docs for name in doc["fields"]}
    subfields = {f"{name}.{mapping.field(name).keyword_subfield}" for name in names if mapping.field(name).keyword_subfield}
    fields = {**{name: mapping.field(name) for name in sorted(names - subfields)}, **mapping.fields}
    return replace(mapping, fields=fields)


def _index(doc: Doc, mapping: FieldMappings) -> EventIndex:
    return EventIndex({k: tuple(v) for k, v in doc["fields"].items()}, mapping)


def _refusal_problem(text: str, mine: Ours, profile: str) -> Disagreement | None:
    """A refusal must be a FingerlogError; a parse error must carry a line and column."""
    error = mine.error
    if not isinstance(error, FingerlogError):
        return Disagreement("crash", profile, text, None, f"{type(error).__name__}: {error}")
    if isinstance(error, QueryParseError) and not re.match(r"<query>:\d+:\d+: ", str(error)):
        return Disagreement("location", profile, text, None, str(error))
    return None


def compare(
    lucene: Any,
    queries: Sequence[str],
    docs: Sequence[Doc],
    mapping: FieldMappings,
    *,
    translations: bool = True,
) -> list[Disagreement]:
    """Every disagreement between fingerlog and Lucene on ``queries`` x ``docs`` under ``mapping``."""
    profile = mapping.name
    answers = lucene.match(docs, list(queries), mapping)
    indexes = [_index(doc, mapping) for doc in docs]
    found: list[Disagreement] = []
    accepted: list[tuple[str, Ours, set[str]]] = []
    for text, answer in zip(queries, answers):
        mine = ours(text, mapping)
        if not isinstance(answer, set):
            if mine.error is None:
                found.append(Disagreement("acceptance", profile, text, None, f"Lucene refused it: {answer.message}"))
            elif problem := _refusal_problem(text, mine, profile):
                found.append(problem)
            continue
        if mine.error is not None:
            problem = _refusal_problem(text, mine, profile)
            found.append(problem or Disagreement("acceptance", profile, text, None, f"fingerlog refused it: {mine.error}"))
            continue
        assert mine.compiled is not None
        for doc, index in zip(docs, indexes):
            try:
                hit = mine.compiled.matches(index)
            except Exception as exc:  # noqa: BLE001
                found.append(Disagreement("crash", profile, text, doc, f"{type(exc).__name__}: {exc}"))
                break
            if hit != (doc["_id"] in answer):
                found.append(Disagreement("match", profile, text, doc, f"lucene={not hit} fingerlog={hit}"))
            elif hit and not _prefilter_admits(mine, doc, mapping):
                found.append(Disagreement("prefilter", profile, text, doc, "a match whose raw text lacks the literals"))
        accepted.append((text, mine, answer))
    if translations:
        found += _translation_problems(lucene, accepted, docs, mapping)
    return found


def _prefilter_admits(mine: Ours, doc: Doc, mapping: FieldMappings) -> bool:
    """Whether the scan engine's literal prefilter lets a matching event through.

    The engine only builds events whose raw bytes (ASCII lower-cased) hold the
    query's required literals; those bytes are the verbatim fields' values.
    Buffers holding a non-ASCII code point that lower-cases to ASCII are not
    prefiltered by the engine, so they are not asked about here either.
    """
    assert mine.node is not None
    raw = "\n".join(v for name in VERBATIM_FIELDS for v in doc["fields"].get(name, ())).encode()
    if any(source in raw for source in ASCII_LOWERCASE_SOURCES):
        return True
    return holds(required_literals(mine.node, mapping), raw.lower())


def _translation_problems(
    lucene: Any, accepted: list[tuple[str, Ours, set[str]]], docs: Sequence[Doc], mapping: FieldMappings
) -> list[Disagreement]:
    """The printed query string and the exact DSL must return what the original text returns."""
    profile = mapping.name
    found: list[Disagreement] = []
    printed: list[tuple[str, set[str], str]] = []
    dsl: list[tuple[str, set[str], Any]] = []
    for text, mine, answer in accepted:
        assert mine.node is not None
        try:
            printed.append((text, answer, to_lucene(mine.node)))
        except UnprintableQuery:
            pass
        except Exception as exc:  # noqa: BLE001
            found.append(Disagreement("crash", profile, text, None, f"to_lucene: {type(exc).__name__}: {exc}"))
        try:
            translation = to_dsl(mine.node, mapping, REFEREE_TARGET)
        except Exception as exc:  # noqa: BLE001
            found.append(Disagreement("crash", profile, text, None, f"to_dsl: {type(exc).__name__}: {exc}"))
            continue
        if not translation.findings:
            dsl.append((text, answer, translation.value))
    if printed:
        for (text, answer, string), got in zip(printed, lucene.match(docs, [p[2] for p in printed], mapping)):
            if got != answer:
                found.append(Disagreement("roundtrip", profile, text, None, f"printed {string!r}: {_diff(answer, got)}"))
    if dsl:
        for (text, answer, value), got in zip(dsl, lucene.match_dsl(docs, [d[2] for d in dsl], mapping)):
            if got != answer:
                found.append(Disagreement("dsl", profile, text, None, f"dsl {value}: {_diff(answer, got)}"))
    return found


def _diff(expected: set[str], got: Any) -> str:
    if not isinstance(got, set):
        return f"Lucene refused it: {got}"
    return f"only original {sorted(expected - got)[:5]}, only translated {sorted(got - expected)[:5]}"


# -- shrinking -------------------------------------------------------------------------------------


def _pieces(text: str) -> list[str]:
    """The query cut at whitespace, keeping the separators as their own pieces."""
    return [piece for piece in re.split(r"(\s+)", text) if piece]


def _greedy(items: list[Any], still_fails: Callable[[list[Any]], bool]) -> list[Any]:
    """Drop items one at a time (from the end) while the failure persists."""
    i = len(items) - 1
    while i >= 0 and len(items) > 1:
        candidate = items[:i] + items[i + 1 :]
        if still_fails(candidate):
            items = candidate
        i = min(i - 1, len(items) - 1)
    return items


def _drop_groups(text: str, still_fails: Callable[[str], bool]) -> str:
    """Delete whole bracketed groups ``(...)``, ``[...}``, ``"..."``, or unwrap ``(...)`` to its inside."""
    i = 0
    while i < len(text):
        close = _closing(text, i)
        if close is not None:
            for candidate in (text[:i] + text[close + 1 :], text[:i] + text[i + 1 : close] + text[close + 1 :]):
                if candidate.strip() and still_fails(candidate):
                    text = candidate
                    break
            else:
                i += 1
            continue
        i += 1
    return text


def _closing(text: str, start: int) -> int | None:
    """Where the group opening at ``start`` closes (no escapes considered: shrinking only tries)."""
    pairs = {"(": ")", "[": "]}", "{": "]}", '"': '"'}
    if text[start] not in pairs:
        return None
    depth = 0
    for j in range(start + 1, len(text)):
        if text[j] in pairs[text[start]] and depth == 0:
            return j
        if text[j] == "(" and text[start] == "(":
            depth += 1
        elif text[j] == ")" and text[start] == "(":
            depth -= 1
    return None


def _drop_chunks(text: str, still_fails: Callable[[str], bool]) -> str:
    """Delete runs of characters, halving the run length down to one (a simple ddmin)."""
    size = max(1, len(text) // 2)
    while True:
        i = 0
        while i < len(text):
            candidate = text[:i] + text[i + size :]
            if candidate and still_fails(candidate):
                text = candidate
            else:
                i += size
        if size == 1:
            return text
        size //= 2


def shrink(lucene: Any, found: Disagreement, docs: Sequence[Doc], mapping: FieldMappings) -> Disagreement:
    """A smaller query (and document) showing the same kind of disagreement."""

    def reproduces(query: str, doc: Doc | None) -> Disagreement | None:
        if not query.strip():
            return None
        scope = [doc] if doc is not None else list(docs)
        for problem in compare(lucene, [query], scope, mapping, translations=found.kind in ("roundtrip", "dsl")):
            if problem.kind == found.kind:
                return problem
        return None

    def fails(query: str) -> bool:
        return reproduces(query, found.doc) is not None

    query = "".join(_greedy(_pieces(found.query), lambda pieces: fails("".join(pieces))))
    for _ in range(2):  # removing a group can make a run removable, and the reverse
        query = _drop_chunks(_drop_groups(query, fails), fails)
    best = reproduces(query, found.doc) or found
    if best.doc is not None:
        doc = best.doc
        fields = _greedy(list(doc["fields"].items()), lambda f: reproduces(query, {**doc, "fields": dict(f)}) is not None)
        doc = {**doc, "fields": dict(fields)}
        for name in list(doc["fields"]):
            values = _greedy(
                list(doc["fields"][name]), lambda v, doc=doc, name=name: reproduces(query, _with(doc, name, v)) is not None
            )
            doc = _with(doc, name, values)
            words = _greedy(
                " ".join(doc["fields"][name]).split(" ") if len(values) == 1 else [],
                lambda w, doc=doc, name=name: reproduces(query, _with(doc, name, [" ".join(w)])) is not None,
            )
            if words:
                doc = _with(doc, name, [" ".join(words)])
        best = reproduces(query, doc) or best
    return best


def _with(doc: Doc, name: str, values: list[str]) -> Doc:
    return {**doc, "fields": {**doc["fields"], name: list(values)}}
