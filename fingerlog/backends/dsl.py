"""Compile the query tree to native Elasticsearch Query DSL with ES 1.x's answers.

Elasticsearch 1.x ran fingerprints through ``query_string``; a modern cluster
should run them as native DSL (``bool``, ``match_phrase``, ``term`` ...) that
returns the same documents.  The tree already holds Lucene's meaning (clause
occurs, unescaped text), so most nodes map one to one; what needs care is
what ``query_string`` did *implicitly* and the DSL does not:

* a term or phrase that analyzes to no token is dropped by Lucene's parser,
  whereas ``match``/``match_phrase`` with zero terms match nothing, so the
  clause is dropped here too (and a ``bool`` left empty disappears with it;
  an empty top level matches nothing, as ES 1.x's null query did);
* ``lowercase_expanded_terms`` lowercased prefix, wildcard, regexp, fuzzy and
  range terms, even on keyword fields, so they are lowercased here;
* Lucene 4.10's regexp syntax reads ``\\d`` as a literal ``d`` where Lucene
  8.6+ reads a digit class (and 9+ rejects ``\\q``), so escapes are rewritten;
* the default field ``_all`` no longer exists: it becomes the ``copy_to``
  field of the index template (:data:`fingerlog.backends.es_target.ALL_FIELD`),
  or matches nothing when the profile had no ``_all`` either;
* keyword semantics live on a ``.keyword`` subfield in an index made by ES's
  dynamic mapping (:class:`fingerlog.backends.es_target.IndexLayout`).

What no DSL can make exact is reported as a :class:`Finding` with the node's
span; the caller turns it into a warning (or an error with ``--strict``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fingerlog.backends.analysis import analyze, expanded_lower
from fingerlog.backends.automata import fuzzy_edits
from fingerlog.backends.clauses import replay_add_clause
from fingerlog.backends.es_target import LEGACY_ALL_FIELD, Target
from fingerlog.mapping import FieldKind, FieldMappings
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
    Span,
    Term,
    Wildcard,
    WildcardToken,
)
from fingerlog.query.visitor import Visitor

#: ``analyze(text, max_token_length) -> [(token, position)]``: Lucene 4.10's StandardAnalyzer.
Analyzer = Callable[[str, int], list[tuple[str, int]]]

#: Lucene 4.10 FuzzyQuery cannot build automata for more edits than this.
#: ES 1.x query_string defaults for fuzzy terms (QueryParserSettings).
ES1_FUZZY_MAX_EXPANSIONS = 50

#: Query DSL JSON object.
Dsl = dict[str, Any]

#: the DSL of a query that matches nothing (ES 1.x's answer to a query that parsed to nothing);
#: compare with it, but build with :func:`match_none` (callers may modify what they get).
MATCH_NONE: Dsl = {"match_none": {}}


def match_none() -> Dsl:
    return {"match_none": {}}


@dataclass(frozen=True, slots=True)
class Finding:
    """A part of the query the target cannot express with exactly ES 1.x's answers."""

    span: Span | None
    message: str


@dataclass(frozen=True, slots=True)
class Translation:
    """A rule's translation for one target, with what could not be made exact."""

    value: Any
    findings: tuple[Finding, ...] = ()


def modern_regexp(pattern: str) -> str:
    """Rewrite a Lucene 4.10 RegExp so Lucene 8.6+ (ES 7.9+, ES 8, OpenSearch 2) reads it the same.

    Lucene 4.10 reads ``\\c`` as the literal ``c`` for every ``c``.  Newer
    Lucene gives ``\\d \\s \\w`` (and upper-case forms) a class meaning and
    rejects other escaped ASCII letters, while letters need no escape at all,
    so the backslash before an ASCII letter is removed.  Quoted strings and
    ``<...>`` intervals take no escapes; in a character class the first
    character is literal even when it is ``]``, as in both parsers.
    """
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    class_start = False

    def char_at(j: int) -> tuple[str, int]:
        if pattern[j] == "\\" and j + 1 < n:
            escaped = pattern[j + 1]
            return (escaped if escaped.isascii() and escaped.isalpha() else "\\" + escaped), j + 2
        return pattern[j], j + 1

    while i < n:
        c = pattern[i]
        if in_class:
            if c == "]" and not class_start:
                in_class = False
                out.append(c)
                i += 1
                continue
            if class_start and c == "^" and out[-1] == "[":
                out.append(c)
                i += 1
                continue
            text, i = char_at(i)
            out.append(text)
            class_start = False
        elif c == "[":
            in_class = class_start = True
            out.append(c)
            i += 1
        elif c in "\"<":
            close = pattern.find('"' if c == '"' else ">", i + 1)
            end = n if close < 0 else close + 1
            out.append(pattern[i:end])
            i = end
        else:
            text, i = char_at(i)
            out.append(text)
    return "".join(out)


def _escape_wildcard_literal(text: str) -> str:
    return "".join("\\" + c if c in "*?\\" else c for c in text)


def _leaf(kind: str, field: str, value_key: str, value: Any, boost: float | None, **params: Any) -> Dsl:
    """``{kind: {field: value}}``, in the long form only when it carries parameters."""
    params = {k: v for k, v in params.items() if v is not None}
    if boost is not None:
        params["boost"] = boost
    if not params:
        return {kind: {field: value}}
    return {kind: {field: {value_key: value, **params}}}


def is_analyzed(mapping: FieldMappings, field: str) -> bool:
    """ES 1.x's ``_all`` is always analyzed, a keyword subfield (``message.raw``)
    never is; other fields follow the profile."""
    if field == LEGACY_ALL_FIELD:
        return True
    base, dot, sub = field.rpartition(".")
    if dot and field not in mapping.fields and mapping.field(base).keyword_subfield == sub:
        return False
    return mapping.field(field).kind is FieldKind.TEXT


class DslCompiler(Visitor[Dsl | None]):
    """Visitor from tree nodes to DSL; ``None`` means Lucene's parser dropped the clause."""

    def __init__(self, mapping: FieldMappings, target: Target, analyzer: Analyzer) -> None:
        self.mapping = mapping
        self.target = target
        self.analyze = analyzer
        self.findings: list[Finding] = []

    # -- fields ---------------------------------------------------------------

    def _field(self, node: Term | Phrase | Prefix | Wildcard | Regexp | Fuzzy | Range | Exists) -> str:
        """The node's field in the target; a field pattern is reported, since the
        fields it expands to depend on the cluster's mapping, not on the query."""
        if any(c in node.field for c in "*?"):
            self.findings.append(
                Finding(node.span, f"field pattern {node.field!r}: ES 1.x expanded it over the index's "
                        "fields; the DSL names one field")
            )
        whole_value = not isinstance(node, Exists) and not self._analyzed(node.field)
        return self.target.field_name(node.field, whole_value=whole_value)

    def _analyzed(self, field: str) -> bool:
        return is_analyzed(self.mapping, field)

    def visit(self, node: Node) -> Dsl | None:
        """Clauses on ``_all`` where the target has no field for it.

        Without an ``_all`` in the profile (``all_field: false``) such a clause
        had no terms to match; it still disappears first when its text has no
        token.  With one in the profile but none in the target (dynamic
        layout), terms and phrases search every field, which is close but not
        ES 1.x's single concatenated field, and other clauses cannot be said.
        """
        if isinstance(node, (Bool, MatchAll)) or node.field != LEGACY_ALL_FIELD:
            return super().visit(node)
        if self.mapping.all_field and self.target.all_field is not None:
            return super().visit(node)
        if isinstance(node, (Term, Phrase)) and not self._tokens(node.text):
            return None
        if not self.mapping.all_field:
            return match_none()
        if isinstance(node, (Term, Phrase)):
            self.findings.append(Finding(node.span, "no _all field in the target index: searching every "
                                         "field instead (a phrase cannot span two fields any more)"))
            kind = "phrase" if isinstance(node, Phrase) else "best_fields"
            return {"multi_match": {"query": node.text, "fields": ["*"], "type": kind, "lenient": True}}
        self.findings.append(Finding(node.span, f"no _all field in the target index: this {type(node).__name__} "
                                     "on the default field cannot be expressed; it matches nothing here"))
        return match_none()

    def _tokens(self, text: str) -> list[tuple[str, int]]:
        return self.analyze(text, self.mapping.max_token_length)

    # -- leaves ---------------------------------------------------------------

    def visit_term(self, node: Term) -> Dsl | None:
        field = self._field(node)
        if not self._analyzed(node.field):
            return _leaf("term", field, "value", node.text, node.boost)
        if not self._tokens(node.text):
            return None
        return _leaf("match", field, "query", node.text, node.boost)

    def visit_phrase(self, node: Phrase) -> Dsl | None:
        field = self._field(node)
        if not self._analyzed(node.field):
            return _leaf("term", field, "value", node.text, node.boost)
        tokens = self._tokens(node.text)
        if not tokens:
            return None
        slop = node.slop if node.slop and len(tokens) > 1 else None
        return _leaf("match_phrase", field, "query", node.text, node.boost, slop=slop)

    def visit_prefix(self, node: Prefix) -> Dsl:
        return _leaf("prefix", self._field(node), "value", expanded_lower(node.text), node.boost)

    def visit_wildcard(self, node: Wildcard) -> Dsl:
        pattern = "".join(
            part.value if isinstance(part, WildcardToken) else _escape_wildcard_literal(expanded_lower(part))
            for part in node.parts
        )
        return _leaf("wildcard", self._field(node), "value", pattern, node.boost)

    def visit_regexp(self, node: Regexp) -> Dsl:
        pattern = modern_regexp(expanded_lower(node.pattern))
        return _leaf("regexp", self._field(node), "value", pattern, node.boost)

    def visit_fuzzy(self, node: Fuzzy) -> Dsl:
        text = expanded_lower(node.text)
        self.findings.append(
            Finding(
                node.span,
                f"fuzzy term: like ES 1.x it expands to at most {ES1_FUZZY_MAX_EXPANSIONS} terms "
                "chosen over the whole index, so answers depend on the index contents",
            )
        )
        return {
            "fuzzy": {
                self._field(node): {
                    "value": text,
                    "fuzziness": fuzzy_edits(node.similarity, text),
                    "prefix_length": node.prefix_length,
                    "max_expansions": ES1_FUZZY_MAX_EXPANSIONS,
                    "transpositions": False,
                    **({"boost": node.boost} if node.boost is not None else {}),
                }
            }
        }

    def visit_range(self, node: Range) -> Dsl:
        field = self._field(node)
        if node.lower is None and node.upper is None:
            # An unbounded TermRangeQuery matches any indexed term; `range` without
            # bounds may be rewritten to `exists`, which differs for empty values.
            return _leaf("wildcard", field, "value", "*", node.boost)
        bounds: dict[str, Any] = {}
        if node.lower is not None:
            bounds["gte" if node.include_lower else "gt"] = expanded_lower(node.lower)
        if node.upper is not None:
            bounds["lte" if node.include_upper else "lt"] = expanded_lower(node.upper)
        if node.boost is not None:
            bounds["boost"] = node.boost
        return {"range": {field: bounds}}

    def visit_exists(self, node: Exists) -> Dsl:
        body: dict[str, Any] = {"field": self._field(node)}
        if node.boost is not None:
            body["boost"] = node.boost
        return {"exists": body}

    def visit_match_all(self, node: MatchAll) -> Dsl:
        return {"match_all": {} if node.boost is None else {"boost": node.boost}}

    # -- bool -----------------------------------------------------------------

    def visit_bool(self, node: Bool) -> Dsl | None:
        groups: dict[Occur, list[Dsl]] = {Occur.MUST: [], Occur.SHOULD: [], Occur.MUST_NOT: []}
        compiled = []
        for clause in node.clauses:  # a loop, not a comprehension: one stack frame less per nesting level
            compiled.append((clause, self.visit(clause.query)))  # noqa: PERF401
        # a dropped clause moves an AND onto the clause kept before it, as Lucene's addClause does
        for occur, (_, query) in replay_add_clause(
            compiled, lambda pair: pair[0].occur, lambda pair: pair[0].after_and, lambda pair: pair[1] is None
        ):
            assert query is not None  # replay_add_clause leaves out the dropped (None) clauses
            groups[occur].append(query)
        if not any(groups.values()):
            return None  # QueryParserBase.getBooleanQuery: no clauses left -> null
        groups[Occur.SHOULD] = _merge_terms(groups[Occur.SHOULD])
        positives = groups[Occur.MUST] + groups[Occur.SHOULD]
        if len(positives) == 1 and not groups[Occur.MUST_NOT] and node.boost is None:
            return positives[0]  # a one-clause BooleanQuery matches what its clause matches
        body: dict[str, Any] = {}
        for occur, key in ((Occur.MUST, "must"), (Occur.SHOULD, "should"), (Occur.MUST_NOT, "must_not")):
            if groups[occur]:
                body[key] = groups[occur]
        if node.boost is not None:
            body["boost"] = node.boost
        return {"bool": body}


def _plain_term(query: Dsl) -> tuple[str, Any] | None:
    """``(field, value)`` of a short-form ``term`` query (no boost), else None."""
    if list(query) != ["term"]:
        return None
    ((field, value),) = query["term"].items()
    return None if isinstance(value, dict) else (field, value)


def _merge_terms(should: list[Dsl]) -> list[Dsl]:
    """Fold optional ``term`` clauses on one field into a ``terms`` clause, in place of the first.

    Any-of-these-terms is what both forms mean, whether or not the bool has
    required clauses, so the fold never changes which documents match.
    """
    values: dict[str, list[Any]] = {}
    for query in should:
        if (term := _plain_term(query)) is not None:
            values.setdefault(term[0], []).append(term[1])
    merged: list[Dsl] = []
    folded: set[str] = set()
    for query in should:
        term = _plain_term(query)
        if term is None or len(values[term[0]]) == 1:
            merged.append(query)
        elif term[0] not in folded:
            folded.add(term[0])
            merged.append({"terms": {term[0]: list(dict.fromkeys(values[term[0]]))}})
    return merged


def to_dsl(
    node: Node,
    mapping: FieldMappings,
    target: Target | None = None,
    *,
    analyzer: Analyzer | None = None,
) -> Translation:
    """Query DSL matching what ES 1.x's ``query_string`` matched for ``node`` under ``mapping``."""
    compiler = DslCompiler(mapping, target or Target(), analyzer or analyze)
    query = compiler.visit(node)
    return Translation(match_none() if query is None else query, tuple(compiler.findings))
