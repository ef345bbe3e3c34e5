"""Whole-term matchers for Lucene 4.10's multi-term queries: RegExp, wildcard, fuzzy.

Lucene runs these as automata over the terms of a field; a term matches when
the automaton accepts all of it.  Python's ``re`` cannot say Lucene's RegExp
(complement ``~``, intersection ``&``, numeric intervals ``<n-m>``, ``@``,
``#``, quoted strings, and ``\\d`` meaning a plain ``d``), so the RegExp
syntax is parsed here exactly as ``org.apache.lucene.util.automaton.RegExp``
(all syntax flags on, as ``RegexpQuery`` uses it) and evaluated by computing
the set of end offsets each sub-expression can reach: polynomial in the term
length whatever the pattern, so no pattern can make matching explode.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from fingerlog.errors import FingerlogError
from fingerlog.query.nodes import WildcardPart, WildcardToken

#: A whole-term predicate.
TermMatcher = Callable[[str], bool]

#: Lucene 4.10's LevenshteinAutomata.MAXIMUM_SUPPORTED_DISTANCE.
MAX_FUZZY_EDITS = 2


class RegexpSyntaxError(FingerlogError):
    """A ``/regexp/`` Lucene's RegExp parser would refuse (Elasticsearch fails the query)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"invalid regular expression at offset {position}: {message}")
        self.position = position


# --- RegExp syntax tree -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Chars:
    """One code point from inclusive ranges (or outside them when ``negated``)."""

    ranges: tuple[tuple[int, int], ...]
    negated: bool = False

    def accepts(self, ch: str) -> bool:
        cp = ord(ch)
        inside = any(lo <= cp <= hi for lo, hi in self.ranges)
        return inside != self.negated


@dataclass(frozen=True, slots=True)
class _Literal:
    text: str


@dataclass(frozen=True, slots=True)
class _AnyString:  # ``@``
    pass


@dataclass(frozen=True, slots=True)
class _EmptyLanguage:  # ``#``: matches no string at all
    pass


@dataclass(frozen=True, slots=True)
class _Concat:
    left: _Regex
    right: _Regex


@dataclass(frozen=True, slots=True)
class _Union:
    left: _Regex
    right: _Regex


@dataclass(frozen=True, slots=True)
class _Intersection:
    left: _Regex
    right: _Regex


@dataclass(frozen=True, slots=True)
class _Complement:
    inner: _Regex


@dataclass(frozen=True, slots=True)
class _Repeat:
    inner: _Regex
    minimum: int
    maximum: int | None  # None: unbounded


@dataclass(frozen=True, slots=True)
class _Interval:
    """``<lo-hi>``: decimal numbers in range; ``digits`` > 0 fixes their width (zero-padded)."""

    low: int
    high: int
    digits: int


_Regex = _Chars | _Literal | _AnyString | _EmptyLanguage | _Concat | _Union | _Intersection | _Complement | _Repeat | _Interval

_ANY_CHAR = _Chars(((0, 0x10FFFF),))


def _unbounded(inner: _Regex, minimum: int) -> _Regex:
    """``inner*``, ``inner+``, ``inner{n,}``.

    Lucene 4.10's ``Operations.repeat`` returns an automaton with no states unchanged,
    and RegExp minimizes an empty language to one: so ``#*``, ``(a#)*`` and ``#{0,}``
    match nothing, not the empty string (while ``#?`` and ``#{0,2}`` do match it).
    """
    return _EmptyLanguage() if _matches_nothing(inner) else _Repeat(inner, minimum, None)


def _matches_nothing(node: _Regex) -> bool:
    """Whether ``node``'s language is empty, decided from its structure.

    Exact except under ``&`` and ``~``, where only the evident cases are seen: an
    empty side of an intersection, the complement of ``@`` or ``.*``.
    """
    if isinstance(node, _EmptyLanguage):
        return True
    if isinstance(node, _Chars):
        return not any(lo <= hi for lo, hi in node.ranges) if not node.negated else _covers_all(node.ranges)
    if isinstance(node, (_Concat, _Intersection)):
        return _matches_nothing(node.left) or _matches_nothing(node.right)
    if isinstance(node, _Union):
        return _matches_nothing(node.left) and _matches_nothing(node.right)
    if isinstance(node, _Repeat):
        return node.minimum > 0 and _matches_nothing(node.inner)
    if isinstance(node, _Complement):
        return _matches_everything(node.inner)
    return False  # literals (even ""), @, numeric intervals


def _matches_everything(node: _Regex) -> bool:
    if isinstance(node, _AnyString):
        return True
    if isinstance(node, _Repeat):
        return node.minimum == 0 and node.maximum is None and node.inner == _ANY_CHAR
    if isinstance(node, _Union):
        return _matches_everything(node.left) or _matches_everything(node.right)
    if isinstance(node, _Complement):
        return _matches_nothing(node.inner)
    return False


def _covers_all(ranges: tuple[tuple[int, int], ...]) -> bool:
    """Whether the inclusive ranges cover every code point (a negated class of them accepts none)."""
    reach = -1
    for lo, hi in sorted(ranges):
        if lo > reach + 1:
            return False
        reach = max(reach, hi)
    return reach >= 0x10FFFF


class _Parser:
    """Recursive descent over Lucene's RegExp grammar (RegExp.java, flags ALL)."""

    def __init__(self, pattern: str) -> None:
        self.s = pattern
        self.pos = 0

    def parse(self) -> _Regex:
        if not self.s:  # RegExp("") is the empty string (Lucene special-cases it: //)
            return _Literal("")
        node = self.union()
        if self.pos < len(self.s):
            raise RegexpSyntaxError("end-of-string expected", self.pos)
        return node

    def more(self) -> bool:
        return self.pos < len(self.s)

    def peek(self, chars: str) -> bool:
        return self.more() and self.s[self.pos] in chars

    def match(self, ch: str) -> bool:
        if self.more() and self.s[self.pos] == ch:
            self.pos += 1
            return True
        return False

    def next(self) -> str:
        if not self.more():
            raise RegexpSyntaxError("unexpected end-of-string", self.pos)
        ch = self.s[self.pos]
        self.pos += 1
        return ch

    def union(self) -> _Regex:
        node = self.intersection()
        if self.match("|"):
            node = _Union(node, self.union())
        return node

    def intersection(self) -> _Regex:
        node = self.concatenation()
        if self.match("&"):
            node = _Intersection(node, self.intersection())
        return node

    def concatenation(self) -> _Regex:
        node = self.repeat()
        if self.more() and not self.peek(")|&"):
            node = _Concat(node, self.concatenation())
        return node

    def repeat(self) -> _Regex:
        node = self.complement()
        while self.peek("?*+{"):
            if self.match("?"):
                node = _Repeat(node, 0, 1)
            elif self.match("*"):
                node = _unbounded(node, 0)
            elif self.match("+"):
                node = _unbounded(node, 1)
            elif self.match("{"):
                low = self.integer()
                high: int | None = low
                if self.match(","):
                    high = self.integer() if self.peek("0123456789") else None
                if not self.match("}"):
                    raise RegexpSyntaxError("expected '}'", self.pos)
                node = _Repeat(node, low, high) if high is not None else _unbounded(node, low)
        return node

    def integer(self) -> int:
        start = self.pos
        while self.peek("0123456789"):
            self.pos += 1
        if start == self.pos:
            raise RegexpSyntaxError("integer expected", self.pos)
        return int(self.s[start : self.pos])

    def complement(self) -> _Regex:
        if self.match("~"):
            return _Complement(self.complement())
        return self.char_class()

    def char_class(self) -> _Regex:
        if not self.match("["):
            return self.simple()
        negated = self.match("^")
        ranges = [self.class_item()]
        while self.more() and not self.peek("]"):
            ranges.append(self.class_item())
        if not self.match("]"):
            raise RegexpSyntaxError("expected ']'", self.pos)
        return _Chars(tuple(ranges), negated)

    def class_item(self) -> tuple[int, int]:
        low = ord(self.char())
        if self.match("-"):
            high = ord(self.char())
            if low > high:
                raise RegexpSyntaxError(f"invalid range {chr(low)!r}-{chr(high)!r}", self.pos)
            return low, high
        return low, low

    def char(self) -> str:
        self.match("\\")  # ``\c`` is the character c, whatever c is
        return self.next()

    def simple(self) -> _Regex:
        if self.match("."):
            return _ANY_CHAR
        if self.match("#"):
            return _EmptyLanguage()
        if self.match("@"):
            return _AnyString()
        if self.match('"'):
            end = self.s.find('"', self.pos)
            if end < 0:
                raise RegexpSyntaxError("expected '\"'", len(self.s))
            text, self.pos = self.s[self.pos : end], end + 1
            return _Literal(text)
        if self.match("("):
            if self.match(")"):
                return _Literal("")
            node = self.union()
            if not self.match(")"):
                raise RegexpSyntaxError("expected ')'", self.pos)
            return node
        if self.match("<"):
            return self.interval()
        cp = ord(self.char())
        return _Chars(((cp, cp),))

    def interval(self) -> _Regex:
        start = self.pos
        end = self.s.find(">", start)
        if end < 0:
            raise RegexpSyntaxError("expected '>'", len(self.s))
        body, self.pos = self.s[start:end], end + 1
        low_text, dash, high_text = body.partition("-")
        if not dash:
            raise RegexpSyntaxError(f"unknown automaton <{body}>", start)
        if not (low_text.isascii() and low_text.isdigit() and high_text.isascii() and high_text.isdigit()):
            raise RegexpSyntaxError("interval syntax error", start)
        low, high = sorted((int(low_text), int(high_text)))
        return _Interval(low, high, len(low_text) if len(low_text) == len(high_text) else 0)


# --- evaluation ------------------------------------------------------------------------


class _Evaluator:
    """End offsets each node reaches from each start offset of one term (memoised)."""

    def __init__(self, term: str) -> None:
        self.term = term
        self.memo: dict[tuple[int, int], frozenset[int]] = {}

    def ends(self, node: _Regex, i: int) -> frozenset[int]:
        key = (id(node), i)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = self._ends(node, i)
        return found

    def _ends(self, node: _Regex, i: int) -> frozenset[int]:
        term, n = self.term, len(self.term)
        if isinstance(node, _Chars):
            return frozenset((i + 1,)) if i < n and node.accepts(term[i]) else frozenset()
        if isinstance(node, _Literal):
            return frozenset((i + len(node.text),)) if term.startswith(node.text, i) else frozenset()
        if isinstance(node, _AnyString):
            return frozenset(range(i, n + 1))
        if isinstance(node, _EmptyLanguage):
            return frozenset()
        if isinstance(node, _Concat):
            return frozenset().union(*(self.ends(node.right, j) for j in self.ends(node.left, i)))
        if isinstance(node, _Union):
            return self.ends(node.left, i) | self.ends(node.right, i)
        if isinstance(node, _Intersection):
            return self.ends(node.left, i) & self.ends(node.right, i)
        if isinstance(node, _Complement):
            return frozenset(range(i, n + 1)) - self.ends(node.inner, i)
        if isinstance(node, _Repeat):
            return self._repeat(node, i)
        return self._interval(node, i)

    def _repeat(self, node: _Repeat, i: int) -> frozenset[int]:
        reached: set[int] = set()
        frontier, count, seen = {i}, 0, set()
        while frontier:
            if count >= node.minimum:
                reached |= frontier
            if node.maximum is not None and count == node.maximum:
                break
            # Past the minimum, an offset already expanded adds nothing new.
            if count >= node.minimum:
                frontier -= seen
                seen |= frontier
            frontier = set().union(*(self.ends(node.inner, j) for j in frontier))
            count += 1
        return frozenset(reached)

    def _interval(self, node: _Interval, i: int) -> frozenset[int]:
        term, found = self.term, set()
        j = i
        while j < len(term) and "0" <= term[j] <= "9":
            j += 1
            digits = term[i:j]
            if node.digits and len(digits) != node.digits:
                continue
            if node.low <= int(digits) <= node.high:
                found.add(j)
        return frozenset(found)


def lucene_regexp(pattern: str) -> TermMatcher:
    """A predicate telling whether Lucene's RegExp ``pattern`` accepts a whole term."""
    tree = _Parser(pattern).parse()

    @lru_cache(maxsize=4096)
    def accepts(term: str) -> bool:
        return len(term) in _Evaluator(term).ends(tree, 0)

    return accepts


def wildcard(parts: tuple[WildcardPart, ...]) -> TermMatcher:
    """A predicate for a WildcardQuery: ``*`` any string, ``?`` one code point."""
    body = "".join(
        ".*" if part is WildcardToken.ANY_STRING else "." if part is WildcardToken.ANY_CHAR else re.escape(part)
        for part in parts
    )
    compiled = re.compile(body, re.DOTALL)
    return lambda term: compiled.fullmatch(term) is not None


def fuzzy_edits(similarity: float, term: str) -> int:
    """Edits allowed for ``term~similarity`` (Lucene 4.10 ``FuzzyQuery.floatToEdits``, code points).

    The similarity is a Java ``float``: ``0.9`` is 0.8999999762, so ``(1 - 0.9) * 20``
    gives 2 edits in Lucene where Python's doubles would give 1.
    """
    similarity = struct.unpack("f", struct.pack("f", similarity))[0]
    if similarity >= 1:
        return int(min(similarity, MAX_FUZZY_EDITS))
    if similarity == 0:
        return 0
    return min(int((1.0 - similarity) * len(term)), MAX_FUZZY_EDITS)


def fuzzy(term: str, max_edits: int, prefix_length: int = 0) -> TermMatcher:
    """A predicate for FuzzyQuery(term, max_edits, prefix_length, transpositions=false).

    Lucene 4.10's FuzzyTermsEnum also requires ``1 - edits / min(len(candidate),
    len(term)) > 0``: a candidate may differ in fewer characters than the
    shorter of the two has, so ``ab~`` does not match ``a`` (one edit, one char).
    Elasticsearch's cap of 50 expanded terms depends on the whole index and is
    not reproduced (see docs/matching.md).
    """
    if max_edits == 0 or prefix_length >= len(term):
        return lambda candidate: candidate == term
    prefix = term[:prefix_length]

    def accepts(candidate: str) -> bool:
        if not candidate.startswith(prefix):
            return False
        edits = _levenshtein(term, candidate, max_edits)
        if edits is None:
            return False
        return edits == 0 or edits < min(len(candidate), len(term))

    return accepts


def _levenshtein(a: str, b: str, limit: int) -> int | None:
    """Edit distance (insert, delete, substitute) when at most ``limit``, else None."""
    if abs(len(a) - len(b)) > limit:
        return None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return None
        previous = current
    return previous[-1] if previous[-1] <= limit else None
