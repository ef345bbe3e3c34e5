"""Required literals: text an event's raw bytes must contain for a query to match it.

The scan engine runs one multi-literal pass over whole buffers and calls the
matcher only for events around a hit.  That is exact only if every event a
query matches really contains one of the query's literals, so this visitor is
deliberately conservative: it answers "no requirement" (``None``) whenever it
cannot prove one, and the engine then evaluates the rule on every event.

What makes a literal sound:

* It is read from a clause on a *verbatim* field (``message``): a field whose
  value is the event's own lines, so its text is in the bytes we search.  Other
  fields (``tags``, ``build_name``, ``loglevel``, ``_all``) are derived, and the
  engine handles them with file-level filters instead.
* On an analyzed field a phrase matches *tokens*, not a substring:
  ``"No valid host"`` also matches ``no-valid-host``.  Every token is a
  lower-cased run of the event's text, so a single token, searched ASCII
  case-insensitively, is a sound literal; the whole phrase is not.
* Only ASCII characters are kept (a token's longest ASCII run): ASCII letters
  in a token come from the same ASCII bytes, except for the two non-ASCII code
  points that lower-case to ASCII (see :data:`ASCII_LOWERCASE_SOURCES`), which
  the engine checks for per buffer.
* A literal never spans a line break: the engine maps each hit to one line.

Clauses on other fields can still help: the engine knows, per file, which
of them can never match (``tags:"screen-n-cpu.txt"`` in a console log), and
passes that knowledge in as ``impossible``.  ``(a AND b) OR c OR tags:x``
then needs a literal of ``a`` or of ``c`` in every file not tagged ``x``.
The empty set means the query cannot match at all.

A requirement is a set of alternatives (at least one occurs).  A phrase needs
all its tokens, so one token is enough and the most specific is chosen
(:func:`literal_cost`); a term analysed into several tokens, or a SHOULD-only
Bool, needs one of several, so the alternatives are united.
"""

from __future__ import annotations

import re
from typing import Callable, Final, Union

from fingerlog.backends.analysis import analyze
from fingerlog.mapping import FieldMappings
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
from fingerlog.query.visitor import Visitor

#: Fields whose value is the event's raw text, so a literal of theirs is in the bytes scanned.
VERBATIM_FIELDS: Final[frozenset[str]] = frozenset({"message"})

#: Non-ASCII code points that Java's ``Character.toLowerCase`` (Lucene's
#: LowerCaseFilter) turns into ASCII letters: İ -> i, K (Kelvin) -> k.  A buffer
#: holding one of them can contain a token that no ASCII literal search finds.
ASCII_LOWERCASE_SOURCES: Final[tuple[bytes, ...]] = ("\u0130".encode(), "\u212a".encode())

#: Alternatives one of which occurs (empty: the query cannot match); None: nothing is known.
Requirement = Union[frozenset[str], None]

#: The empty requirement: no event can satisfy it.
IMPOSSIBLE: Final[frozenset[str]] = frozenset()


class _Vanished:
    """The clause analysed to nothing; Lucene drops it from its parent."""


VANISHED: Final = _Vanished()

_ASCII_RUNS = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x7f]+")

#: Rough per-line frequencies of very common log words, so that a rule keys on
#: ``allocate_for_instance`` rather than ``error``.  Unlisted literals are rated by length.
_COMMON_WORDS: Final[dict[str, float]] = {
    word: 0.2
    for word in (
        "error info debug warning warn trace critical exception failed failure fail "
        "the to of and in for is on at by with from not no none true false "
        "http https server client request response status code message line file "
        "traceback most recent call last nova neutron cinder glance keystone swift "
        "openstack oslo py python lib usr local site packages dist self return "
        "raise timeout timed out connection instance host id req"
    ).split()
}


def literal_cost(literal: str) -> float:
    """An estimate of how often ``literal`` occurs per line: lower is more specific.

    Short and common words are costly because every hit costs an event build
    and a matcher call; the estimate only steers the choice, never the answer.
    """
    common = _COMMON_WORDS.get(literal)
    if common is not None:
        return common
    return 0.5 ** min(len(literal), 30)


def requirement_cost(alternatives: frozenset[str]) -> float:
    """The cost of a set of alternatives: any of them makes a candidate."""
    return sum(literal_cost(literal) for literal in alternatives)


def _best_ascii_run(text: str) -> str | None:
    """The longest (then most specific) ASCII run of ``text`` without line breaks, if any."""
    runs = [run.lower() for run in _ASCII_RUNS.findall(text)]
    if not runs:
        return None
    return min(runs, key=lambda run: (literal_cost(run), -len(run), run))


def _one_of(candidates: list[str]) -> Requirement:
    """Any one literal of a clause needing *all* of ``candidates``: the most specific."""
    runs = [run for run in (_best_ascii_run(c) for c in candidates) if run]
    if not runs:
        return None
    return frozenset({min(runs, key=lambda run: (literal_cost(run), -len(run), run))})


class _RequiredLiterals(Visitor["Requirement | _Vanished"]):
    """Computes, bottom-up, what a node needs from an event's raw text."""

    def __init__(
        self, mapping: FieldMappings, verbatim_fields: frozenset[str], impossible: Callable[[Node], bool] | None
    ) -> None:
        self.mapping = mapping
        self.verbatim_fields = verbatim_fields
        self.impossible = impossible

    def visit(self, node: Node) -> Requirement | _Vanished:
        found = super().visit(node)
        if found is None and not isinstance(node, (Bool, MatchAll)) and self.impossible is not None:
            if not self._verbatim(node.field) and self.impossible(node):
                return IMPOSSIBLE
        return found

    def unsupported(self, node: Node) -> Requirement:
        return None

    def _verbatim(self, field: str) -> bool:
        return field in self.verbatim_fields

    def _tokens(self, text: str) -> list[str]:
        return [token for token, _ in analyze(text, self.mapping.max_token_length)]

    def visit_term(self, node: Term) -> Requirement | _Vanished:
        if not self.mapping.is_analyzed(node.field):
            return _one_of([node.text]) if self._verbatim(node.field) else None
        tokens = self._tokens(node.text)
        if not tokens:
            return VANISHED
        if not self._verbatim(node.field):
            return None
        # Several tokens become a SHOULD of terms: any one of them may be the one present.
        runs = [_best_ascii_run(token) for token in tokens]
        if any(run is None for run in runs):
            return None
        return frozenset(run for run in runs if run)

    def visit_phrase(self, node: Phrase) -> Requirement | _Vanished:
        if not self.mapping.is_analyzed(node.field):
            return _one_of([node.text]) if self._verbatim(node.field) else None
        tokens = self._tokens(node.text)
        if not tokens:
            return VANISHED
        return _one_of(tokens) if self._verbatim(node.field) else None

    def visit_prefix(self, node: Prefix) -> Requirement:
        # Elasticsearch lower-cases expanded terms (lowercase_expanded_terms), keyword fields too.
        return _one_of([node.text.lower()]) if self._verbatim(node.field) else None

    def visit_wildcard(self, node: Wildcard) -> Requirement:
        if not self._verbatim(node.field):
            return None
        parts = [part.lower() for part in node.parts if not isinstance(part, WildcardToken) and part]
        return _one_of(parts) if parts else None

    def visit_regexp(self, node: Regexp) -> Requirement:
        return None

    def visit_fuzzy(self, node: Fuzzy) -> Requirement:
        return None

    def visit_range(self, node: Range) -> Requirement:
        return None

    def visit_exists(self, node: Exists) -> Requirement:
        return None

    def visit_match_all(self, node: MatchAll) -> Requirement:
        return None

    def visit_bool(self, node: Bool) -> Requirement | _Vanished:
        kept = [(clause.occur, self.visit(clause.query)) for clause in node.clauses]
        kept = [(occur, req) for occur, req in kept if req is not VANISHED]
        if not kept:
            return VANISHED
        musts = [req for occur, req in kept if occur is Occur.MUST]
        if musts:
            known = [req for req in musts if isinstance(req, frozenset)]
            return min(known, key=lambda req: (requirement_cost(req), sorted(req))) if known else None
        shoulds = [req for occur, req in kept if occur is Occur.SHOULD]
        if not shoulds:
            return None  # only MUST_NOT clauses: Elasticsearch matches everything else
        if any(not isinstance(req, frozenset) for req in shoulds):
            return None
        return frozenset().union(*shoulds)  # type: ignore[arg-type]


def required_literals(
    node: Node,
    mapping: FieldMappings,
    *,
    verbatim_fields: frozenset[str] = VERBATIM_FIELDS,
    impossible: Callable[[Node], bool] | None = None,
) -> Requirement:
    """Lower-case ASCII literals, one of which the raw text of every event ``node`` matches contains.

    ``None`` means no such literal is known (the rule needs the slow path);
    the empty set, that no event can match.  ``impossible`` tells which leaf
    clauses on other fields can never match here.  A query that analyses to
    nothing at all answers ``None``: what it matches is the matcher's business.
    """
    found = _RequiredLiterals(mapping, verbatim_fields, impossible).visit(node)
    return found if isinstance(found, frozenset) else None


def vanishes(node: Node, mapping: FieldMappings) -> bool:
    """Whether Lucene drops ``node`` entirely (every term in it analysed to nothing)."""
    return _RequiredLiterals(mapping, frozenset(), None).visit(node) is VANISHED
