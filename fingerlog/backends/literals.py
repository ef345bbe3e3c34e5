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

A requirement is a disjunction of conjunctions of literals: the event holds
all literals of at least one conjunction.  A phrase needs all its tokens (one
conjunction); an OR offers several conjunctions; an AND combines its
clauses' conjunctions pairwise.  The engine keys its one pass on the most
specific literal of each conjunction (:func:`key_literals`, rated by
:func:`literal_cost`) and checks the rest on the candidate event's bytes
before it builds the event.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from functools import cache, lru_cache
from importlib.resources import files
from typing import Final

from fingerlog.backends.analysis import analyze
from fingerlog.mapping import FieldMappings
from fingerlog.query.nodes import (
    Bool,
    MatchAll,
    Node,
    Occur,
    Phrase,
    Prefix,
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

#: literals that must all occur.
Conjunction = frozenset[str]
#: conjunctions one of which holds; see the module docstring.
Requirement = frozenset[Conjunction]

#: no event can satisfy it.
IMPOSSIBLE: Final[Requirement] = frozenset()
#: nothing is known: every event is a candidate.
UNCONSTRAINED: Final[Requirement] = frozenset({frozenset()})
#: conjunctions kept when an AND multiplies its clauses' alternatives.
MAX_CONJUNCTIONS = 64


class _Vanished:
    """The clause analysed to nothing; Lucene drops it from its parent."""


VANISHED: Final = _Vanished()

_ASCII_RUNS = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x7f]+")

#: Share of real CI log lines holding each common word (data: bench/literal_frequencies.py).
_FREQUENCIES = files("fingerlog.backends") / "literal_frequencies.tsv"


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, float]:
    table: dict[str, float] = {}
    for row in _FREQUENCIES.read_text(encoding="utf-8").splitlines():
        if row and not row.startswith("#"):
            word, share = row.split("\t")
            table[word] = float(share)
    return table


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[str, list[int], list[float], list[int]]:
    """The table's words, longest first, joined by newlines; where each starts; their shares; and, per
    length ``n``, where the words shorter than ``n`` begin (only longer words can hold a literal)."""
    table = _frequencies()
    words = sorted(table, key=len, reverse=True)
    starts, shares, offset = [], [], 0
    for word in words:
        starts.append(offset)
        shares.append(table[word])
        offset += len(word) + 1
    text = "\n".join(words)
    longest = len(words[0]) if words else 0
    shorter_from, first_shorter = [len(text)] * (longest + 2), 0
    for size in range(longest + 1, 0, -1):  # shorter_from[size]: where the first word shorter than size starts
        while first_shorter < len(words) and len(words[first_shorter]) >= size:
            first_shorter += 1
        shorter_from[size] = starts[first_shorter] if first_shorter < len(words) else len(text)
    return text, starts, shares, shorter_from


@cache
def literal_cost(literal: str) -> float:
    """An estimate of how often ``literal`` occurs per line: lower is more specific.

    Common words are costly because every hit costs an event window and a
    check; the estimate only steers the choice, never the answer.  The scan
    searches substrings, so a literal is at least as common as the commonest
    listed word holding it (``acquire`` is on every ``Lock acquired`` line).
    Words the table does not list are on fewer than 1 in 10,000 lines of real
    logs; among them, longer is rarer.
    """
    share = _frequencies().get(literal)
    if share is not None:
        return share
    text, starts, shares, shorter_from = _vocabulary()
    # str.find, not a regex (a pattern per literal cost a scan's start-up ~0.1 s), and only over the
    # words at least as long as the literal (most literals are longer than any word listed)
    end = shorter_from[len(literal)] if len(literal) < len(shorter_from) else 0
    inside: list[float] = []
    found = text.find(literal, 0, end)
    while found >= 0:
        inside.append(shares[bisect_right(starts, found) - 1])
        found = text.find(literal, found + max(len(literal), 1), end)
    return max(inside, default=1e-4 * 0.7 ** min(len(literal), 40))


def _ascii_runs(text: str) -> list[str]:
    """The lower-cased ASCII runs of ``text``, without line breaks."""
    return [run.lower() for run in _ASCII_RUNS.findall(text)]


def _all_of(texts: list[str]) -> Requirement:
    """Every text must occur (through its ASCII runs)."""
    return frozenset({frozenset(run for text in texts for run in _ascii_runs(text))})


def _any_of(texts: list[str]) -> Requirement:
    """One of the texts must occur; a text without ASCII leaves nothing to look for."""
    return frozenset(frozenset(_ascii_runs(text)) for text in texts)


def _simplify(requirement: Requirement) -> Requirement:
    """Drop conjunctions implied by smaller ones (``{a}`` or ``{a, b}`` is ``{a}``)."""
    if frozenset() in requirement:
        return UNCONSTRAINED
    kept = sorted(requirement, key=len)
    return frozenset(c for i, c in enumerate(kept) if not any(o < c for o in kept[:i]))


def _either(requirements: list[Requirement]) -> Requirement:
    return _simplify(frozenset().union(*requirements))


def _both(requirements: list[Requirement]) -> Requirement:
    """Every requirement holds; alternatives multiply up to MAX_CONJUNCTIONS (the rest is dropped: weaker, still sound)."""
    result = UNCONSTRAINED
    for requirement in sorted(requirements, key=len):
        if not requirement:
            return IMPOSSIBLE
        product = frozenset(a | b for a in result for b in requirement)
        if len(product) <= MAX_CONJUNCTIONS:
            result = _simplify(product)
    return result


@cache
def key_literals(requirement: Requirement) -> frozenset[str] | None:
    """One literal per conjunction, the most specific; None when a conjunction is empty (no key).

    Cached: the scan asks it for every active rule of every file it reads.
    """
    if frozenset() in requirement:
        return None
    return frozenset(min(c, key=lambda run: (literal_cost(run), -len(run), run)) for c in requirement)


def holds(requirement: Requirement, lowered: bytes) -> bool:
    """Whether ASCII-lower-cased raw bytes hold all literals of some conjunction."""
    return any(all(literal in lowered for literal in c) for c in _encoded(requirement))


@lru_cache(maxsize=4096)
def _encoded(requirement: Requirement) -> tuple[tuple[bytes, ...], ...]:
    """The requirement's literals as bytes, encoded once (``holds`` runs for every candidate event)."""
    return tuple(tuple(literal.encode() for literal in c) for c in requirement)


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
        if (found == UNCONSTRAINED and not isinstance(node, (Bool, MatchAll)) and self.impossible is not None
                and not self._verbatim(node.field) and self.impossible(node)):
            return IMPOSSIBLE
        return found

    def unsupported(self, node: Node) -> Requirement:
        return UNCONSTRAINED

    def _verbatim(self, field: str) -> bool:
        return field in self.verbatim_fields

    def _tokens(self, text: str) -> list[str]:
        return [token for token, _ in analyze(text, self.mapping.max_token_length)]

    def visit_term(self, node: Term) -> Requirement | _Vanished:
        if not self.mapping.is_analyzed(node.field):
            return _all_of([node.text]) if self._verbatim(node.field) else UNCONSTRAINED
        tokens = self._tokens(node.text)
        if not tokens:
            return VANISHED
        # Several tokens become a SHOULD of terms: any one of them may be the one present.
        return _simplify(_any_of(tokens)) if self._verbatim(node.field) else UNCONSTRAINED

    def visit_phrase(self, node: Phrase) -> Requirement | _Vanished:
        if not self.mapping.is_analyzed(node.field):
            return _all_of([node.text]) if self._verbatim(node.field) else UNCONSTRAINED
        tokens = self._tokens(node.text)
        if not tokens:
            return VANISHED
        return _all_of(tokens) if self._verbatim(node.field) else UNCONSTRAINED

    def visit_prefix(self, node: Prefix) -> Requirement:
        # Elasticsearch lower-cases expanded terms (lowercase_expanded_terms), keyword fields too.
        return _all_of([node.text.lower()]) if self._verbatim(node.field) else UNCONSTRAINED

    def visit_wildcard(self, node: Wildcard) -> Requirement:
        if not self._verbatim(node.field):
            return UNCONSTRAINED
        return _all_of([part.lower() for part in node.parts if not isinstance(part, WildcardToken)])

    def visit_bool(self, node: Bool) -> Requirement | _Vanished:
        kept = [(clause.occur, self.visit(clause.query)) for clause in node.clauses]
        kept = [(occur, req) for occur, req in kept if req is not VANISHED]
        if not kept:
            return VANISHED
        musts = [req for occur, req in kept if occur is Occur.MUST]
        if musts:
            return _both(musts)  # type: ignore[arg-type]
        shoulds = [req for occur, req in kept if occur is Occur.SHOULD]
        if not shoulds:
            return UNCONSTRAINED  # only MUST_NOT clauses: Elasticsearch matches everything else
        return _either(shoulds)  # type: ignore[arg-type]


def required_literals(
    node: Node,
    mapping: FieldMappings,
    *,
    verbatim_fields: frozenset[str] = VERBATIM_FIELDS,
    impossible: Callable[[Node], bool] | None = None,
) -> Requirement:
    """What the raw text of every event ``node`` matches contains (see the module docstring).

    ``impossible`` tells which leaf clauses on other fields can never match
    here.  A query that analyses to nothing at all is UNCONSTRAINED: what it
    matches is the matcher's business.
    """
    found = _RequiredLiterals(mapping, verbatim_fields, impossible).visit(node)
    return UNCONSTRAINED if isinstance(found, _Vanished) else found


def vanishes(node: Node, mapping: FieldMappings) -> bool:
    """Whether Lucene drops ``node`` entirely (every term in it analysed to nothing)."""
    return _RequiredLiterals(mapping, frozenset(), None).visit(node) is VANISHED
