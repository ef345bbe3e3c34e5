"""Evaluate a query tree on one event with Elasticsearch 1.x's answers, no index needed.

Elasticsearch 1.x ran a fingerprint as Lucene 4.10's classic QueryParser built
it (``MapperQueryParser`` with the ``query_string`` defaults) over documents
indexed with the field mapping.  :func:`compile_query` turns the tree into
that Lucene query once; :meth:`CompiledQuery.matches` answers for one event
from the terms and positions Lucene would have indexed for it, computed
lazily and cached per field in an :class:`EventIndex` that many rules can
share.  What each node means (sources in docs/semantics.md, summary in
docs/matching.md):

* text fields are analyzed (:mod:`fingerlog.backends.analysis`), keyword fields
  are one whole-value term; ``_all`` is every value of the event joined by a
  space; ``field.raw`` is the keyword copy of a field mapped with one;
* a term analyzing to several tokens is an OR of them; to none, the clause
  vanishes, and a boolean left without clauses vanishes from its parent;
* a phrase matches positions (with Lucene's sloppy-phrase distance), spanning
  the values of a multi-valued field when the position gap allows;
* prefix, wildcard, regexp, fuzzy and range terms are lower-cased and tried on
  every term of the field (tokens, or whole keyword values);
* a boolean whose clauses are all negative also matches everything else
  (ES's ``fixNegativeQueryIfNeeded``); NOT on a missing field is true.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fingerlog.backends import automata
from fingerlog.backends.analysis import analyze, expanded_lower
from fingerlog.backends.clauses import replay_add_clause
from fingerlog.errors import FingerlogError
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
    Term,
    Wildcard,
    WildcardToken,
)
from fingerlog.query.parser import MAX_CLAUSE_COUNT
from fingerlog.query.visitor import Visitor
from fingerlog.records import Fields


class TooManyClauses(FingerlogError):
    """A term analyzing to more tokens than a BooleanQuery may hold: ES refused the query."""


#: Elasticsearch 1.x's catch-all field.
ALL_FIELD = "_all"
#: Pseudo-fields of ``query_string`` that test field presence.
EXISTS_FIELD, MISSING_FIELD = "_exists_", "_missing_"


# --- what Lucene indexed for one event ----------------------------------------------


class EventIndex:
    """The terms and positions of one event's fields under a mapping, built on first use.

    Build one per event and pass it to every rule's :meth:`CompiledQuery.matches`:
    each field is analyzed at most once however many rules look at it.
    """

    def __init__(self, fields: Fields, mapping: FieldMappings) -> None:
        self.fields = fields
        self.mapping = mapping
        self._positions: dict[str, dict[str, list[int]]] = {}
        self._names: frozenset[str] | None = None

    def is_text(self, name: str) -> bool:
        if name == ALL_FIELD:
            return True
        if self._subfield_parent(name) is not None:
            return False
        return self.mapping.field(name).kind is FieldKind.TEXT

    def _subfield_parent(self, name: str) -> str | None:
        """``message`` for ``message.raw`` when ``raw`` is message's keyword copy."""
        parent, dot, sub = name.rpartition(".")
        if not dot or not parent or name in self.mapping.fields:
            return None
        return parent if self.mapping.field(parent).keyword_subfield == sub else None

    def values(self, name: str) -> tuple[str, ...]:
        """The values Lucene indexed under ``name``."""
        if name == ALL_FIELD:
            if not self.mapping.all_field:
                return ()
            return tuple(value for values in self.fields.values() for value in values)
        parent = self._subfield_parent(name)
        return tuple(self.fields.get(name if parent is None else parent, ()))

    def positions(self, name: str) -> dict[str, list[int]]:
        """term -> ascending positions of the term in the field."""
        found = self._positions.get(name)
        if found is None:
            found = self._positions[name] = self._invert(name)
        return found

    def _invert(self, name: str) -> dict[str, list[int]]:
        values = self.values(name)
        index: dict[str, list[int]] = {}
        if name == ALL_FIELD:
            tokens = analyze(" ".join(values), self.mapping.max_token_length)
            for token, position in tokens:
                index.setdefault(token, []).append(position)
            return index
        text = self.is_text(name)
        gap = self.mapping.position_increment_gap
        next_position = 0
        for number, value in enumerate(values):
            if number:
                next_position += gap
            tokens = analyze(value, self.mapping.max_token_length) if text else [(value, 0)]
            for token, position in tokens:
                index.setdefault(token, []).append(next_position + position)
            if tokens:
                next_position += tokens[-1][1] + 1
        return index

    def has_value(self, name: str) -> bool:
        """What ``_exists_`` asks: the field (or a dotted child) has an indexed value."""
        return name in self.field_names()

    def field_names(self) -> frozenset[str]:
        """Fields present in the event, with keyword sub-fields and dotted parents (ES ``_field_names``)."""
        if self._names is None:
            names: set[str] = set()
            for key, values in self.fields.items():
                if not values:
                    continue
                names.add(key)
                sub = self.mapping.field(key).keyword_subfield
                if sub:
                    names.add(f"{key}.{sub}")
            for name in list(names):
                parts = name.split(".")
                names.update(".".join(parts[:k]) for k in range(1, len(parts)))
            self._names = frozenset(names)
        return self._names

    def known_fields(self) -> list[str]:
        """Field names a pattern such as ``build_*`` expands over: the profile's and the event's."""
        declared = []
        for name, spec in self.mapping.fields.items():
            declared.append(name)
            if spec.keyword_subfield:
                declared.append(f"{name}.{spec.keyword_subfield}")
        return list(dict.fromkeys([*declared, *sorted(self.field_names())]))


# --- the result of explain() -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClauseResult:
    """One clause's answer for one event; ``matched`` is None when Lucene dropped the clause."""

    description: str
    matched: bool | None
    occur: Occur | None = None
    children: tuple[ClauseResult, ...] = ()
    note: str = ""

    def render(self, indent: str = "") -> str:
        """An indented tree: ``✓``/``✗`` per clause, ``–`` for a dropped one, with why it counts."""
        mark = "–" if self.matched is None else "✓" if self.matched else "✗"
        occur = self.occur.value if self.occur else ""
        notes = [self.note] if self.note else []
        if self.occur is Occur.MUST and self.matched is False:
            notes.append("required, not found")
        elif self.occur is Occur.MUST_NOT and self.matched:
            notes.append("excluded by this clause")
        note = f"  ({'; '.join(notes)})" if notes else ""
        lines = [f"{indent}{mark} {occur}{self.description}{note}"]
        lines += [child.render(indent + "    ") for child in self.children]
        return "\n".join(lines)


# --- compiled nodes ----------------------------------------------------------------------


class _Compiled:
    """A Lucene query ready to answer for one event; ``None`` answers mean "dropped"."""

    description: str = ""
    #: whether evaluate() may answer None for some event (a field pattern naming no field).
    may_drop: bool = False

    def evaluate(self, index: EventIndex) -> bool | None:
        raise NotImplementedError

    def explain(self, index: EventIndex) -> ClauseResult:
        return ClauseResult(self.description, self.evaluate(index))


class _Dropped(_Compiled):
    """A clause Lucene's parser leaves out (its text analyzed to no token)."""

    def __init__(self, description: str, why: str) -> None:
        self.description = description
        self.why = why

    def evaluate(self, index: EventIndex) -> bool | None:
        return None

    def explain(self, index: EventIndex) -> ClauseResult:
        return ClauseResult(self.description, None, note=self.why)


class _MatchAll(_Compiled):
    description = "*:*"

    def evaluate(self, index: EventIndex) -> bool | None:
        return True


class _TermQuery(_Compiled):
    def __init__(self, field_name: str, term: str) -> None:
        self.field_name, self.term = field_name, term
        self.description = f"{field_name}:{term}"

    def evaluate(self, index: EventIndex) -> bool | None:
        return self.term in index.positions(self.field_name)


class _PhraseQuery(_Compiled):
    """Terms at relative positions; ``slop`` as Lucene's SloppyPhraseScorer measures it."""

    def __init__(self, field_name: str, terms: list[tuple[str, int]], slop: int) -> None:
        self.field_name, self.terms, self.slop = field_name, terms, slop
        self._required = frozenset(term for term, _ in terms)
        suffix = f"~{slop}" if slop else ""
        self.description = f'{field_name}:"{" ".join(t for t, _ in terms)}"{suffix}'

    def evaluate(self, index: EventIndex) -> bool | None:
        positions = index.positions(self.field_name)
        if not self._required <= positions.keys():
            return False
        lists = [positions[term] for term, _ in self.terms]
        if self.slop == 0:
            return _exact_phrase(self.terms, lists)
        return _sloppy_phrase(self.terms, lists, self.slop)


def _exact_phrase(terms: list[tuple[str, int]], lists: list[list[int]]) -> bool:
    sets = [set(found) for found in lists]
    first_offset = terms[0][1]
    for start in lists[0]:
        base = start - first_offset
        if all(base + offset in sets[k] for k, (_, offset) in enumerate(terms)):
            return True
    return False


def _sloppy_phrase(terms: list[tuple[str, int]], lists: list[list[int]], slop: int) -> bool:
    """Some choice of a position per query term (repeated terms at distinct positions)
    whose ``position - offset`` values lie within ``slop`` of each other.

    A window of width ``slop`` slides over the merged ``position - offset`` values,
    so the cost grows with the number of occurrences, not with their product.
    """
    shifted = sorted((p - offset, k) for k, ((_, offset), found) in enumerate(zip(terms, lists)) for p in found)
    counts = [0] * len(terms)
    missing = len(terms)
    right = 0
    for left, (low, _) in enumerate(shifted):
        while right < len(shifted) and shifted[right][0] <= low + slop:
            k = shifted[right][1]
            missing -= counts[k] == 0
            counts[k] += 1
            right += 1
        if not missing:
            window: list[list[int]] = [[] for _ in terms]
            for value, k in shifted[left:right]:
                window[k].append(value)
            if _distinct_choice(terms, window, 0, {}):
                return True
        k = shifted[left][1]
        counts[k] -= 1
        missing += counts[k] == 0
    return False


def _distinct_choice(
    terms: list[tuple[str, int]], window: list[list[int]], k: int, used: dict[str, set[int]]
) -> bool:
    if k == len(terms):
        return True
    term, offset = terms[k]
    taken = used.setdefault(term, set())
    for shifted in window[k]:
        position = shifted + offset
        if position in taken:
            continue
        taken.add(position)
        if _distinct_choice(terms, window, k + 1, used):
            return True
        taken.discard(position)
    return False


class _MultiTermQuery(_Compiled):
    """Prefix, wildcard, regexp, fuzzy or range: some term of the field passes ``accepts``."""

    def __init__(self, field_name: str, accepts: Callable[[str], bool], description: str) -> None:
        self.field_name, self.accepts = field_name, accepts
        self.description = description

    def evaluate(self, index: EventIndex) -> bool | None:
        return any(self.accepts(term) for term in index.positions(self.field_name))


class _ExistsQuery(_Compiled):
    """``_exists_:pattern`` (or its negation, ``_missing_``) over the event's field names."""

    def __init__(self, pattern: str, missing: bool = False) -> None:
        self.pattern, self.missing = pattern, missing
        self.description = f"{MISSING_FIELD if missing else EXISTS_FIELD}:{pattern}"

    def evaluate(self, index: EventIndex) -> bool | None:
        if "*" in self.pattern:
            present = any(index.has_value(name) for name in _expand(self.pattern, index))
        else:
            present = index.has_value(self.pattern)
        return present != self.missing


class _PerField(_Compiled):
    """A field-name pattern (``build_*:foo``): the query on every field it names, or-ed.

    The expansion happens per event (profile fields plus the event's own), and a
    pattern naming no field leaves the clause out, as ES's parser did.
    """

    may_drop = True

    def __init__(self, pattern: str, build: Callable[[str], _Compiled], description: str) -> None:
        self.pattern, self.build = pattern, build
        self.description = description
        self._cache: dict[str, _Compiled] = {}

    def _parts(self, index: EventIndex) -> list[_Compiled]:
        parts = []
        for name in _expand(self.pattern, index):
            compiled = self._cache.get(name)
            if compiled is None:
                compiled = self._cache[name] = self.build(name)
            parts.append(compiled)
        return parts

    def evaluate(self, index: EventIndex) -> bool | None:
        answers = [part.evaluate(index) for part in self._parts(index)]
        present = [answer for answer in answers if answer is not None]
        return any(present) if present else None

    def explain(self, index: EventIndex) -> ClauseResult:
        children = tuple(part.explain(index) for part in self._parts(index))
        present = [c.matched for c in children if c.matched is not None]
        return ClauseResult(self.description, any(present) if present else None, children=children)


def _expand(pattern: str, index: EventIndex) -> list[str]:
    """Field names matching a pattern whose only wildcard is ``*`` (ES ``Regex.simpleMatch``)."""
    regex = re.compile(".*".join(map(re.escape, pattern.split("*"))), re.DOTALL)
    return [name for name in index.known_fields() if regex.fullmatch(name)]


@dataclass(frozen=True, slots=True)
class _BoolClause:
    occur: Occur
    after_and: bool
    query: _Compiled


def _kept_clauses(
    clauses: Sequence[_BoolClause], dropped: Callable[[_BoolClause], bool]
) -> list[tuple[Occur, _BoolClause]]:
    return replay_add_clause(clauses, lambda c: c.occur, lambda c: c.after_and, dropped)


def _statically_dropped(clause: _BoolClause) -> bool:
    return isinstance(clause.query, _Dropped)


class _BooleanQuery(_Compiled):
    """Lucene's BooleanQuery after the parser dropped empty clauses and ES fixed pure negatives.

    Clauses dropped at compile time are settled once; a clause that may drop per
    event (a field pattern naming no field) sends evaluation down the general path.
    """

    def __init__(self, clauses: list[_BoolClause], description: str) -> None:
        self.clauses = clauses
        self.description = description
        kept = _kept_clauses(clauses, _statically_dropped)
        self.must = [c.query for occur, c in kept if occur is Occur.MUST]
        self.should = [c.query for occur, c in kept if occur is Occur.SHOULD]
        self.must_not = [c.query for occur, c in kept if occur is Occur.MUST_NOT]
        self.may_drop = any(c.query.may_drop for _, c in kept)

    def evaluate(self, index: EventIndex) -> bool | None:
        if self.may_drop:
            return self._evaluate_dropping(index)
        for clause in self.must:
            if not clause.evaluate(index):
                return False
        for clause in self.must_not:
            if clause.evaluate(index):
                return False
        if self.must or not self.should:  # only negatives: ES adds a match-all
            return True
        return any(clause.evaluate(index) for clause in self.should)

    def _evaluate_dropping(self, index: EventIndex) -> bool | None:
        answers = {id(c): c.query.evaluate(index) for c in self.clauses}
        kept = _kept_clauses(self.clauses, lambda c: answers[id(c)] is None)
        if not kept:
            return None
        results: dict[Occur, list[bool | None]] = {occur: [] for occur in Occur}
        for occur, clause in kept:
            results[occur].append(answers[id(clause)])
        if not all(results[Occur.MUST]) or any(results[Occur.MUST_NOT]):
            return False
        return bool(results[Occur.MUST]) or not results[Occur.SHOULD] or any(results[Occur.SHOULD])

    def explain(self, index: EventIndex) -> ClauseResult:
        occurs = {id(clause): occur for occur, clause in _kept_clauses(self.clauses, _statically_dropped)}
        children = []
        for clause in self.clauses:
            result = clause.query.explain(index)
            occur = occurs.get(id(clause), clause.occur)
            children.append(ClauseResult(result.description, result.matched, occur, result.children, result.note))
        return ClauseResult(self.description, self.evaluate(index), children=tuple(children))


# --- the compiler ------------------------------------------------------------------------------


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class QueryCompiler(Visitor[_Compiled]):
    """Visitor from tree nodes to compiled Lucene queries, under one mapping."""

    def __init__(self, mapping: FieldMappings) -> None:
        self.mapping = mapping
        self._kinds = EventIndex({}, mapping)  # field kinds only: no event needed

    def _over_fields(self, name: str, build: Callable[[str], _Compiled], description: str) -> _Compiled:
        if "*" in name:
            return _PerField(name, build, description)
        return build(name)

    def _analyzed_terms(self, name: str, text: str) -> list[tuple[str, int]]:
        if self._kinds.is_text(name):
            return analyze(text, self.mapping.max_token_length)
        return [(text, 0)]

    # -- leaves analyzed by the field's analyzer -----------------------------------------

    def visit_term(self, node: Term) -> _Compiled:
        if node.field in (EXISTS_FIELD, MISSING_FIELD):
            return _ExistsQuery(node.text, missing=node.field == MISSING_FIELD)
        description = f"{node.field}:{node.text}"
        return self._over_fields(node.field, lambda name: self._term(name, node.text), description)

    def _term(self, name: str, text: str) -> _Compiled:
        one_sided = _one_sided_range(text)
        if one_sided is not None:
            return self._range(name, *one_sided)
        tokens = self._analyzed_terms(name, text)
        if not tokens:
            return _Dropped(f"{name}:{text}", "analyzes to no token: left out")
        if len(tokens) == 1:
            return _TermQuery(name, tokens[0][0])
        if len(tokens) > MAX_CLAUSE_COUNT:
            raise TooManyClauses(
                f"{name}:{text[:40]}...: analyzes to {len(tokens)} tokens, more than the {MAX_CLAUSE_COUNT} "
                "clauses a boolean may have (Elasticsearch failed such a query)"
            )
        terms = [_BoolClause(Occur.SHOULD, False, _TermQuery(name, token)) for token, _ in tokens]
        return _BooleanQuery(terms, f"{name}:{text} (any of its tokens)")

    def visit_phrase(self, node: Phrase) -> _Compiled:
        if node.field in (EXISTS_FIELD, MISSING_FIELD):
            return _ExistsQuery(node.text, missing=node.field == MISSING_FIELD)
        description = f"{node.field}:{_quote(node.text)}" + (f"~{node.slop}" if node.slop else "")
        return self._over_fields(node.field, lambda name: self._phrase(name, node.text, node.slop), description)

    def _phrase(self, name: str, text: str, slop: int) -> _Compiled:
        tokens = self._analyzed_terms(name, text)
        if not tokens:
            return _Dropped(f"{name}:{_quote(text)}", "analyzes to no token: left out")
        if len(tokens) == 1:
            return _TermQuery(name, tokens[0][0])
        return _PhraseQuery(name, tokens, slop)

    # -- multi-term leaves: lower-cased, never analyzed -------------------------------------

    def visit_prefix(self, node: Prefix) -> _Compiled:
        prefix = expanded_lower(node.text)
        description = f"{node.field}:{prefix}*"
        return self._over_fields(
            node.field, lambda name: _MultiTermQuery(name, lambda t: t.startswith(prefix), description), description
        )

    def visit_wildcard(self, node: Wildcard) -> _Compiled:
        if node.parts == (WildcardToken.ANY_STRING,) and node.field in ("*", self.mapping.default_field):
            # ES 1.x: a lone `*` on the default field is match-all (or, for a
            # default field other than _all, "that field exists").
            if node.field in ("*", ALL_FIELD):
                return _MatchAll()
            return _ExistsQuery(node.field)
        parts = tuple(part if isinstance(part, WildcardToken) else expanded_lower(part) for part in node.parts)
        accepts = automata.wildcard(parts)
        text = "".join(part.value if isinstance(part, WildcardToken) else part for part in parts)
        description = f"{node.field}:{text}"
        return self._over_fields(node.field, lambda name: _MultiTermQuery(name, accepts, description), description)

    def visit_regexp(self, node: Regexp) -> _Compiled:
        pattern = expanded_lower(node.pattern)
        accepts = automata.lucene_regexp(pattern)
        description = f"{node.field}:/{pattern}/"
        return self._over_fields(node.field, lambda name: _MultiTermQuery(name, accepts, description), description)

    def visit_fuzzy(self, node: Fuzzy) -> _Compiled:
        term = expanded_lower(node.text)
        edits = automata.fuzzy_edits(node.similarity, term)
        accepts = automata.fuzzy(term, edits, node.prefix_length)
        description = f"{node.field}:{term}~{edits}"
        return self._over_fields(node.field, lambda name: _MultiTermQuery(name, accepts, description), description)

    def visit_range(self, node: Range) -> _Compiled:
        lower = None if node.lower in (None, "*") else node.lower
        upper = None if node.upper in (None, "*") else node.upper
        bounds = (lower, upper, node.include_lower, node.include_upper)
        description = _range_description(node.field, *bounds)
        return self._over_fields(node.field, lambda name: self._range(name, *bounds), description)

    def _range(self, name: str, lower: str | None, upper: str | None, incl_lower: bool, incl_upper: bool) -> _Compiled:
        low = None if lower is None else expanded_lower(lower)
        high = None if upper is None else expanded_lower(upper)

        def accepts(term: str) -> bool:
            above_low = low is None or term > low or (term == low and incl_lower)
            below_high = high is None or term < high or (term == high and incl_upper)
            return above_low and below_high

        return _MultiTermQuery(name, accepts, _range_description(name, low, high, incl_lower, incl_upper))

    # -- structure ---------------------------------------------------------------------------

    def visit_exists(self, node: Exists) -> _Compiled:
        return _ExistsQuery(node.field)

    def visit_match_all(self, node: MatchAll) -> _Compiled:
        return _MatchAll()

    def visit_bool(self, node: Bool) -> _Compiled:
        clauses = [_BoolClause(c.occur, c.after_and, self.visit(c.query)) for c in node.clauses]
        inner = " ".join(f"{c.occur.value}{c.query.description}" for c in clauses)
        if all(isinstance(c.query, _Dropped) for c in clauses):
            return _Dropped(f"({inner})", "every clause left out: the whole group is left out")
        return _BooleanQuery(clauses, f"({inner})")


def _one_sided_range(text: str) -> tuple[str | None, str | None, bool, bool] | None:
    """ES 1.x reads an unquoted ``>x``, ``>=x``, ``<x``, ``<=x`` term as a one-sided range."""
    if len(text) < 2 or text[0] not in "<>":
        return None
    inclusive = len(text) > 2 and text[1] == "="
    bound = text[2:] if inclusive else text[1:]
    if text[0] == ">":
        return bound, None, inclusive, True
    return None, bound, True, inclusive


def _range_description(name: str, lower: str | None, upper: str | None, incl_lower: bool, incl_upper: bool) -> str:
    return f"{name}:{'[' if incl_lower else '{'}{lower or '*'} TO {upper or '*'}{']' if incl_upper else '}'}"


# --- public API -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledQuery:
    """A query tree compiled once for a mapping; ask it about any number of events."""

    node: Node
    mapping: FieldMappings
    _root: _Compiled = field(repr=False)

    def _event(self, event: Fields | EventIndex) -> EventIndex:
        if not isinstance(event, EventIndex):
            return EventIndex(event, self.mapping)
        if event.mapping is not self.mapping and event.mapping != self.mapping:
            raise ValueError(f"event indexed under mapping {event.mapping.name!r}, query compiled for {self.mapping.name!r}")
        return event

    def matches(self, event: Fields | EventIndex) -> bool:
        """Whether Elasticsearch 1.x would return the event for this query.

        A query that parsed to nothing (every clause analyzed away) matches no event.
        """
        return bool(self._root.evaluate(self._event(event)))

    def explain(self, event: Fields | EventIndex) -> ClauseResult:
        """Which clause matched or failed for the event, as a tree."""
        return self._root.explain(self._event(event))


def compile_query(node: Node, mapping: FieldMappings) -> CompiledQuery:
    """Compile a query tree under a field mapping (raises RegexpSyntaxError for a bad ``/regexp/``)."""
    return CompiledQuery(node, mapping, QueryCompiler(mapping).visit(node))

