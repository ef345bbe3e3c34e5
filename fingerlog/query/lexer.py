"""The token layer of Lucene 4.10's classic QueryParser (QueryParser.jj), by hand.

JavaCC's generated scanner has three lexical states and picks, at each
position, the *longest* match among the state's token definitions; a tie goes
to the definition written first in the grammar.  This module computes, for
each definition, the length of its longest match and applies that rule, so
quirks come out exactly as Lucene has them (``foo~bar`` is a term and a fuzzy
slop ``~bar``; ``a!b`` is ``a NOT b``; ``[\\tx TO y]`` keeps the tab).

States (switched by tokens alone, as in the grammar):
``DEFAULT`` - the query; ``^`` enters ``BOOST`` (a number, no whitespace
skipping), ``[``/``{`` enter ``RANGE`` (until ``]``/``}``).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass

from fingerlog.query.errors import QueryParseError
from fingerlog.query.nodes import Span

WHITESPACE = frozenset(" \t\n\r\u3000")
#: characters that cannot start a term unless escaped (QueryParser.jj's _TERM_START_CHAR)
NON_TERM_START = WHITESPACE | frozenset('+-!():^[]"{}~*?\\/')
#: characters that end a term (``+``/``-`` may continue one: ``gate-nova``)
NON_TERM_CHAR = NON_TERM_START - frozenset("+-")
_NOT_SPECIAL = "[^" + "".join(sorted(map(re.escape, NON_TERM_START))) + "]"
#: a run of term characters (_TERM_CHAR*): a plain character, an escape of any character, ``+`` or ``-``;
#: a wildcard term's run may also hold ``*`` and ``?``.
_RUN = re.compile(rf"(?:{_NOT_SPECIAL}|\\.|[+-])*", re.DOTALL)
_WILD_RUN = re.compile(rf"(?:{_NOT_SPECIAL}|\\.|[+\-*?])*", re.DOTALL)


class Kind(enum.Enum):
    """Token kinds, in QueryParser.jj's declaration order (which breaks length ties)."""

    AND = enum.auto()
    OR = enum.auto()
    NOT = enum.auto()
    PLUS = enum.auto()
    MINUS = enum.auto()
    BAREOPER = enum.auto()
    LPAREN = enum.auto()
    RPAREN = enum.auto()
    COLON = enum.auto()
    STAR = enum.auto()
    CARAT = enum.auto()
    QUOTED = enum.auto()
    TERM = enum.auto()
    FUZZY_SLOP = enum.auto()
    PREFIXTERM = enum.auto()
    WILDTERM = enum.auto()
    REGEXPTERM = enum.auto()
    RANGEIN_START = enum.auto()
    RANGEEX_START = enum.auto()
    NUMBER = enum.auto()
    RANGE_TO = enum.auto()
    RANGEIN_END = enum.auto()
    RANGEEX_END = enum.auto()
    RANGE_QUOTED = enum.auto()
    RANGE_GOOP = enum.auto()
    EOF = enum.auto()


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    image: str
    start: int
    end: int

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


class _State(enum.Enum):
    DEFAULT = enum.auto()
    BOOST = enum.auto()
    RANGE = enum.auto()


_NEXT_STATE = {
    Kind.CARAT: _State.BOOST,
    Kind.NUMBER: _State.DEFAULT,
    Kind.RANGEIN_START: _State.RANGE,
    Kind.RANGEEX_START: _State.RANGE,
    Kind.RANGEIN_END: _State.DEFAULT,
    Kind.RANGEEX_END: _State.DEFAULT,
}

_FIXED_DEFAULT: tuple[tuple[Kind, str], ...] = (
    (Kind.AND, "AND"), (Kind.AND, "&&"), (Kind.OR, "OR"), (Kind.OR, "||"),
    (Kind.NOT, "NOT"), (Kind.NOT, "!"), (Kind.PLUS, "+"), (Kind.MINUS, "-"),
    (Kind.LPAREN, "("), (Kind.RPAREN, ")"), (Kind.COLON, ":"), (Kind.STAR, "*"),
    (Kind.CARAT, "^"), (Kind.RANGEIN_START, "["), (Kind.RANGEEX_START, "{"),
)

#: the fixed tokens by their first character (in declaration order).
_FIXED_BY_FIRST: dict[str, tuple[tuple[Kind, str], ...]] = {
    first: tuple(pair for pair in _FIXED_DEFAULT if pair[1][0] == first) for first in {lit[0] for _, lit in _FIXED_DEFAULT}
}
#: declaration order of each kind (``Kind.value`` is slow to read in a hot loop).
_RANK: dict[Kind, int] = {kind: kind.value for kind in Kind}


class _Scanner:
    """Longest-match lengths of each token definition at a position of ``text``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)

    def term_start(self, i: int) -> int:
        """Length of a _TERM_START_CHAR at ``i`` (an escape is two characters), or 0."""
        if i >= self.n:
            return 0
        ch = self.text[i]
        if ch == "\\":
            return 2 if i + 1 < self.n else 0
        return 0 if ch in NON_TERM_START else 1

    def run(self, i: int, wild: bool = False) -> int:
        """End of the longest run of term characters starting at ``i`` (one regex match, not a loop of term_char)."""
        match = (_WILD_RUN if wild else _RUN).match(self.text, i)
        assert match is not None  # the pattern matches the empty string
        return match.end()

    def term(self, i: int) -> int:
        step = self.term_start(i)
        return self.run(i + step) - i if step else 0

    def prefix(self, i: int) -> int:
        step = self.term_start(i)
        if not step:
            return 1 if self.text.startswith("*", i) else 0
        end = self.run(i + step)
        return end + 1 - i if self.text.startswith("*", end) else 0

    def wild(self, i: int) -> int:
        step = self.term_start(i) or (1 if i < self.n and self.text[i] in "*?" else 0)
        return self.run(i + step, wild=True) - i if step else 0

    def fuzzy_slop(self, i: int) -> int:
        # "~" ((digits ("." digits)? TERM_CHAR*) | TERM_CHAR*): digits and "." are
        # term characters, so the longest match is simply "~" and a term-char run.
        return self.run(i + 1) - i if self.text.startswith("~", i) else 0

    def quoted(self, i: int) -> int:
        """ '"' (any but '"' or '\\' | '\\' any)* '"' """
        if not self.text.startswith('"', i):
            return 0
        j = i + 1
        while j < self.n:
            ch = self.text[j]
            if ch == '"':
                return j + 1 - i
            j += 2 if ch == "\\" else 1
        return 0

    def regexp(self, i: int) -> int:
        """ "/" (any but "/" | "\\/")* "/": the longest end is the last "/" before the
        first one that no backslash precedes."""
        if not self.text.startswith("/", i):
            return 0
        best = 0
        j = i + 1
        while (j := self.text.find("/", j)) >= 0:
            best = j + 1 - i
            if self.text[j - 1] != "\\":
                break
            j += 1
        return best

    def range_quoted(self, i: int) -> int:
        """ '"' (any but '"' | '\\"')+ '"': like regexp, but needs one character inside."""
        if not self.text.startswith('"', i):
            return 0
        best = 0
        j = i + 1
        while (j := self.text.find('"', j)) >= 0:
            if j >= i + 2:
                best = j + 1 - i
            if self.text[j - 1] != "\\":
                break
            j += 1
        return best

    def range_goop(self, i: int) -> int:
        j = i
        while j < self.n and self.text[j] not in " ]}":
            j += 1
        return j - i

    def number(self, i: int) -> int:
        j = i
        while j < self.n and self.text[j].isascii() and self.text[j].isdigit():
            j += 1
        if j == i:
            return 0
        if j + 1 < self.n and self.text[j] == "." and self.text[j + 1].isascii() and self.text[j + 1].isdigit():
            j += 1
            while j < self.n and self.text[j].isascii() and self.text[j].isdigit():
                j += 1
        return j - i

    def default_candidates(self, i: int) -> list[tuple[int, Kind]]:
        """The definitions that match at ``i`` with their lengths (those of length 0 left out).

        The first character already rules most definitions out (a quoted
        phrase starts with '"', a fuzzy slop with '~', a regexp with '/', and
        none of those starts a term), and the term and prefix share their run.
        """
        text = self.text
        ch = text[i]
        found = [(len(lit), kind) for kind, lit in _FIXED_BY_FIRST.get(ch, ()) if text.startswith(lit, i)]
        if ch in "+-!" and i + 1 < self.n and text[i + 1] in WHITESPACE:
            found.append((2, Kind.BAREOPER))
        if ch == '"':
            found.append((self.quoted(i), Kind.QUOTED))
        elif ch == "~":
            found.append((self.fuzzy_slop(i), Kind.FUZZY_SLOP))
        elif ch == "/":
            found.append((self.regexp(i), Kind.REGEXPTERM))
        else:
            step = self.term_start(i)
            if step:
                end = self.run(i + step)
                found.append((end - i, Kind.TERM))
                if text.startswith("*", end):
                    found.append((end + 1 - i, Kind.PREFIXTERM))
            elif ch == "*":
                found.append((1, Kind.PREFIXTERM))
            found.append((self.wild(i), Kind.WILDTERM))
        return found

    def range_candidates(self, i: int) -> list[tuple[int, Kind]]:
        found = []
        if self.text.startswith("TO", i):
            found.append((2, Kind.RANGE_TO))
        if self.text.startswith("]", i):
            found.append((1, Kind.RANGEIN_END))
        if self.text.startswith("}", i):
            found.append((1, Kind.RANGEEX_END))
        found += [(self.range_quoted(i), Kind.RANGE_QUOTED), (self.range_goop(i), Kind.RANGE_GOOP)]
        return found


def _best(candidates: list[tuple[int, Kind]]) -> tuple[int, Kind]:
    """Longest match; on a tie the kind declared first (Kind order) wins; (0, EOF) when nothing matches."""
    best_length, best_kind = 0, Kind.EOF
    for length, kind in candidates:
        if length > best_length or (length == best_length and length and _RANK[kind] < _RANK[best_kind]):
            best_length, best_kind = length, kind
    return best_length, best_kind


def tokenize(text: str) -> Iterator[Token]:
    """Yield the tokens of ``text`` lazily (ending with EOF), as JavaCC's scanner would.

    Lazy, because Lucene reports a parse error before a lexical error that
    lies further on.  Raises :class:`QueryParseError` on a lexical error.
    """
    scan = _Scanner(text)
    state = _State.DEFAULT
    i = 0
    while True:
        if state is not _State.BOOST:
            while i < scan.n and text[i] in WHITESPACE:
                # In RANGE a whitespace run can also start a longer RANGE_GOOP ("\tx").
                if state is _State.RANGE and text[i] != " " and scan.range_goop(i) > 1:
                    break
                i += 1
        if i >= scan.n:
            yield Token(Kind.EOF, "", i, i)
            return
        if state is _State.DEFAULT:
            length, kind = _best(scan.default_candidates(i))
        elif state is _State.RANGE:
            length, kind = _best(scan.range_candidates(i))
        else:
            length, kind = scan.number(i), Kind.NUMBER
        if length == 0:
            raise _lexical_error(text, i, state)
        yield Token(kind, text[i : i + length], i, i + length)
        state = _NEXT_STATE.get(kind, state)
        i += length


def _lexical_error(text: str, i: int, state: _State) -> QueryParseError:
    ch = text[i]
    if state is _State.BOOST:
        if ch in WHITESPACE:
            return QueryParseError("expected a number right after '^' (no space allowed)", text, Span(i, i + 1))
        return QueryParseError(f"expected a number after '^', found {ch!r}", text, Span(i, i + 1))
    if ch == '"':
        return QueryParseError("unterminated quoted phrase (no closing '\"')", text, Span(i, len(text)))
    if ch == "/":
        return QueryParseError(
            "unterminated regular expression (no closing '/'); escape a literal slash as '\\/'",
            text, Span(i, len(text)),
        )
    if ch == "\\":
        return QueryParseError("a backslash at the end of the query escapes nothing", text, Span(i, i + 1))
    if ch in "]}":
        opening = "[" if ch == "]" else "{"
        return QueryParseError(f"'{ch}' outside a range (no '{opening}' before it); escape it as '\\{ch}'",
                               text, Span(i, i + 1))
    return QueryParseError(f"unexpected character {ch!r}", text, Span(i, i + 1))
