"""Whole-term matchers for Lucene 4.10's multi-term queries: RegExp, wildcard, fuzzy.

Lucene runs these as automata over the terms of a field; a term matches when
the automaton accepts all of it.  Python's ``re`` cannot say Lucene's RegExp
(complement ``~``, intersection ``&``, numeric intervals ``<n-m>``, ``@``,
``#``, quoted strings, and ``\\d`` meaning a plain ``d``), so the RegExp
syntax is parsed here exactly as ``org.apache.lucene.util.automaton.RegExp``
(all syntax flags on, as ``RegexpQuery`` uses it) and evaluated as a lazily
built DFA of its derivatives: linear in the term whatever the pattern. A regexp
or wildcard whose automaton Lucene cannot determinize within 10,000 states is
refused, as Elasticsearch fails such a query (``determinize.py``, ``compiled.py``).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from fingerlog.backends import determinize as lucene
from fingerlog.backends.compiled import check_compiled
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


class RegexpTooComplex(RegexpSyntaxError):
    """A ``/regexp/`` whose automaton Lucene gives up determinizing (Elasticsearch fails the query)."""

    def __init__(self, limit: int) -> None:
        FingerlogError.__init__(self, _too_complex_message(limit))
        self.position = 0


class WildcardTooComplex(FingerlogError):
    """A wildcard term whose automaton Lucene gives up determinizing (Elasticsearch fails the query)."""

    def __init__(self, text: str, limit: int) -> None:
        super().__init__(f"Lucene cannot build the wildcard {text!r}: {_too_complex_message(limit)}")


def _too_complex_message(limit: int) -> str:
    return (
        f"too complex to determinize: Lucene 4.10 would need more than {limit} automaton states "
        "(its maxDeterminizedStates), so Elasticsearch fails the query"
    )


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
    # a matching state: derivatives concatenate a flattened form (see _State) with the rest
    left: _State
    right: _State


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
    inner: _State  # a matching state: the derivative of a complement complements a derivative


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
    #: while matching: the value and the number of the digits read so far
    value: int = 0
    count: int = 0


_Regex = _Chars | _Literal | _AnyString | _EmptyLanguage | _Concat | _Union | _Intersection | _Complement | _Repeat | _Interval

_ANY_CHAR = _Chars(((0, 0x10FFFF),))

#: Lucene reads repeat counts and interval bounds with ``Integer.parseInt``.
_JAVA_INT_MAX = 2**31 - 1

#: How deeply groups, complements, intersections and repeats may nest in one regexp.
#: Lucene's recursive parser goes until its thread's stack overflows; the parser,
#: matcher and automaton builder here recurse once per level, so deeper patterns are
#: refused with a located error instead of a ``RecursionError`` (docs/semantics.md,
#: item 25).  Long sequences and alternations do not nest: they are kept as balanced
#: trees, so a regexp of thousands of characters is fine.
MAX_REGEXP_NESTING = 100


def _balanced(items: list[_Regex], node: type[_Concat] | type[_Union]) -> _Regex:
    """``items`` joined by ``node`` as a balanced tree: depth log n, the same leaves left to right."""
    if len(items) == 1:
        return items[0]
    middle = len(items) // 2
    return node(_balanced(items[:middle], node), _balanced(items[middle:], node))


def _unbounded(inner: _Regex, minimum: int) -> _Regex:
    """``inner*``, ``inner+``, ``inner{n,}``.

    Lucene 4.10's ``Operations.repeat`` returns an automaton with no states unchanged,
    and RegExp minimizes an empty language to one: so ``#*``, ``(a#)*`` and ``#{0,}``
    match nothing, not the empty string (while ``#?`` and ``#{0,2}`` do match it).
    """
    return _EmptyLanguage() if _matches_nothing(inner) else _Repeat(inner, minimum, None)


class _Parser:
    """Recursive descent over Lucene's RegExp grammar (RegExp.java, flags ALL)."""

    def __init__(self, pattern: str) -> None:
        self.s = pattern
        self.pos = 0
        self.depth = 0

    def nested(self) -> None:
        """Enter one more level of nesting (a group, ``~``, ``&``, a repeat); refuse past the bound."""
        self.depth += 1
        if self.depth > MAX_REGEXP_NESTING:
            raise RegexpSyntaxError(f"nested more than {MAX_REGEXP_NESTING} levels deep (fingerlog's limit)", self.pos)

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
        options = [self.intersection()]
        while self.match("|"):
            options.append(self.intersection())
        return _balanced(options, _Union)

    def intersection(self) -> _Regex:
        node = self.concatenation()
        if self.match("&"):  # right-nested, as Lucene builds (and minimizes) it: a&(b&c)
            self.nested()
            node = _Intersection(node, self.intersection())
            self.depth -= 1
        return node

    def concatenation(self) -> _Regex:
        pieces = [self.repeat()]
        while self.more() and not self.peek(")|&"):
            pieces.append(self.repeat())
        return _balanced(pieces, _Concat)

    def repeat(self) -> _Regex:
        node = self.complement()
        depth = self.depth
        while self.peek("?*+{"):
            self.nested()
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
        self.depth = depth
        return node

    def integer(self) -> int:
        start = self.pos
        while self.peek("0123456789"):
            self.pos += 1
        if start == self.pos:
            raise RegexpSyntaxError("integer expected", self.pos)
        value = int(self.s[start : self.pos])
        if value > _JAVA_INT_MAX:  # Integer.parseInt fails
            raise RegexpSyntaxError(f"number too large: {value}", start)
        return value

    def complement(self) -> _Regex:
        if self.match("~"):
            self.nested()
            node = _Complement(self.complement())
            self.depth -= 1
            return node
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
            self.nested()
            node = self.union()
            if not self.match(")"):
                raise RegexpSyntaxError("expected ')'", self.pos)
            self.depth -= 1
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
        if high > _JAVA_INT_MAX:  # Integer.parseInt fails
            raise RegexpSyntaxError("interval syntax error", start)
        return _Interval(low, high, len(low_text) if len(low_text) == len(high_text) else 0)


# --- evaluation ------------------------------------------------------------------------


_EMPTY = _EmptyLanguage()
_EPSILON = _Literal("")


@dataclass(frozen=True, slots=True)
class _AnyOf:
    """A union met while matching, flattened so that equal states compare equal."""

    options: frozenset[_State]


@dataclass(frozen=True, slots=True)
class _AllOf:
    """An intersection met while matching, flattened likewise."""

    options: frozenset[_State]


#: a matching state: a pattern node or one of the flattened forms above.
_State = _Regex | _AnyOf | _AllOf


def _any_of(options: list[_State]) -> _State:
    flat: set[_State] = set()
    for option in options:
        flat |= option.options if isinstance(option, _AnyOf) else {option}
    flat.discard(_EMPTY)
    if any(isinstance(option, _AnyString) for option in flat):
        return _AnyString()
    return _EMPTY if not flat else next(iter(flat)) if len(flat) == 1 else _AnyOf(frozenset(flat))


def _all_of(options: list[_State]) -> _State:
    flat: set[_State] = set()
    for option in options:
        flat |= option.options if isinstance(option, _AllOf) else {option}
    if _EMPTY in flat:
        return _EMPTY
    flat = {option for option in flat if not isinstance(option, _AnyString)}
    return _AnyString() if not flat else next(iter(flat)) if len(flat) == 1 else _AllOf(frozenset(flat))


def _concat(left: _State, right: _State) -> _State:
    if _EMPTY in (left, right):
        return _EMPTY
    if left == _EPSILON:
        return right
    return left if right == _EPSILON else _Concat(left, right)


def _nullable(node: _State) -> bool:
    """Whether ``node`` accepts the empty string."""
    if isinstance(node, _Literal):
        return not node.text
    if isinstance(node, _AnyString):
        return True
    if isinstance(node, (_Chars, _EmptyLanguage)):
        return False
    if isinstance(node, _Concat):
        return _nullable(node.left) and _nullable(node.right)
    if isinstance(node, _Union):
        return _nullable(node.left) or _nullable(node.right)
    if isinstance(node, _AnyOf):
        return any(_nullable(option) for option in node.options)
    if isinstance(node, _Intersection):
        return _nullable(node.left) and _nullable(node.right)
    if isinstance(node, _AllOf):
        return all(_nullable(option) for option in node.options)
    if isinstance(node, _Complement):
        return not _nullable(node.inner)
    if isinstance(node, _Repeat):
        return node.minimum == 0 or _nullable(node.inner)
    return node.count > 0 and (not node.digits or node.count == node.digits) and node.low <= node.value <= node.high


def _derive(node: _State, ch: str) -> _State:
    """What ``node`` must still match after reading ``ch`` (Brzozowski's derivative)."""
    if isinstance(node, _Chars):
        return _EPSILON if node.accepts(ch) else _EMPTY
    if isinstance(node, _Literal):
        return _Literal(node.text[1:]) if node.text[:1] == ch else _EMPTY
    if isinstance(node, (_AnyString, _EmptyLanguage)):
        return node
    if isinstance(node, _Concat):
        head = _concat(_derive(node.left, ch), node.right)
        return _any_of([head, _derive(node.right, ch)]) if _nullable(node.left) else head
    if isinstance(node, (_Union, _Intersection)):
        parts = [_derive(node.left, ch), _derive(node.right, ch)]
        return _any_of(parts) if isinstance(node, _Union) else _all_of(parts)
    if isinstance(node, (_AnyOf, _AllOf)):
        parts = [_derive(option, ch) for option in node.options]
        return _any_of(parts) if isinstance(node, _AnyOf) else _all_of(parts)
    if isinstance(node, _Complement):
        return _Complement(_derive(node.inner, ch))
    if isinstance(node, _Repeat):
        if node.maximum == 0:
            return _EMPTY
        rest = _Repeat(node.inner, max(node.minimum - 1, 0), None if node.maximum is None else node.maximum - 1)
        return _concat(_derive(node.inner, ch), rest)
    if not ("0" <= ch <= "9") or (node.digits and node.count == node.digits):
        return _EMPTY
    value = node.value * 10 + int(ch)
    if not node.digits and value > node.high:
        return _EMPTY  # more digits only make it larger
    return _Interval(node.low, node.high, node.digits, value, node.count + 1)


#: how many derivative states ``_matches_nothing`` explores before assuming the language is not empty
_EMPTINESS_STATES = 500


def _matches_nothing(node: _State) -> bool:
    """Whether ``node``'s language is empty: no derivative reachable from it accepts "".

    Characters are only told apart by the ranges and literals the pattern names (and
    digits, for intervals), so one representative per cell of that partition
    explores every behaviour. Exact unless the (finite) state space is huge.
    """
    if not _has_intersection_or_complement(node):
        return _evidently_empty(node)
    alphabet = [chr(point) for point in sorted(_boundaries(node)) if point <= 0x10FFFF and not 0xD800 <= point <= 0xDFFF]
    seen, frontier = {node}, [node]
    while frontier:
        state = frontier.pop()
        if _nullable(state):
            return False
        for ch in alphabet:
            following = _derive(state, ch)
            if following != _EMPTY and following not in seen:
                if len(seen) >= _EMPTINESS_STATES:
                    return False
                seen.add(following)
                frontier.append(following)
    return True


def _has_intersection_or_complement(node: _State) -> bool:
    if isinstance(node, (_Intersection, _Complement, _AllOf)):
        return True
    if isinstance(node, (_Concat, _Union)):
        return _has_intersection_or_complement(node.left) or _has_intersection_or_complement(node.right)
    if isinstance(node, _Repeat):
        return _has_intersection_or_complement(node.inner)
    if isinstance(node, _AnyOf):
        return any(_has_intersection_or_complement(option) for option in node.options)
    return False


def _evidently_empty(node: _State) -> bool:
    """Emptiness read off the structure: exact for patterns without ``&`` and ``~``."""
    if isinstance(node, _EmptyLanguage):
        return True
    if isinstance(node, _Chars):
        return _matches_nothing_in(node)
    if isinstance(node, _Concat):
        return _evidently_empty(node.left) or _evidently_empty(node.right)
    if isinstance(node, _Union):
        return _evidently_empty(node.left) and _evidently_empty(node.right)
    if isinstance(node, _AnyOf):
        return all(_evidently_empty(option) for option in node.options)
    if isinstance(node, _Repeat):
        return node.minimum > 0 and _evidently_empty(node.inner)
    return False


def _matches_nothing_in(chars: _Chars) -> bool:
    """Whether a character class accepts no code point (``[^\x00-\U0010ffff]``)."""
    points = (point for point in _boundaries(chars) if point <= 0x10FFFF and not 0xD800 <= point <= 0xDFFF)
    return not any(chars.accepts(chr(point)) for point in points)


def _boundaries(node: _State) -> set[int]:
    """Code points where the pattern's character classes can change their answer."""
    points = {0, 0xE000}
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, _Chars):
            for low, high in item.ranges:
                points |= {low, high + 1}
        elif isinstance(item, _Literal):
            points |= {cp for ch in item.text for cp in (ord(ch), ord(ch) + 1)}
        elif isinstance(item, _Interval):
            points |= set(range(ord("0"), ord("9") + 2))
        elif isinstance(item, (_Concat, _Union, _Intersection)):
            stack += [item.left, item.right]
        elif isinstance(item, (_Complement, _Repeat)):
            stack.append(item.inner)
        elif isinstance(item, (_AnyOf, _AllOf)):
            stack += list(item.options)
    return points


class _Matcher:
    """A lazily built DFA: each state is a derivative of the pattern, each transition computed once.

    Linear in the term's length once the states it meets are built, whatever the
    pattern: Lucene runs a determinized automaton, and so does this.
    """

    def __init__(self, tree: _State) -> None:
        self.start = tree
        self.moves: dict[tuple[_State, str], _State] = {}
        self.accepting: dict[_State, bool] = {}

    def accepts(self, term: str) -> bool:
        state = self.start
        for ch in term:
            following = self.moves.get((state, ch))
            if following is None:
                following = self.moves[(state, ch)] = _derive(state, ch)
            if following == _EMPTY:
                return False
            state = following
        verdict = self.accepting.get(state)
        if verdict is None:
            verdict = self.accepting[state] = _nullable(state)
        return verdict


def lucene_regexp(pattern: str) -> TermMatcher:
    """A predicate telling whether Lucene's RegExp ``pattern`` accepts a whole term.

    Raises ``RegexpSyntaxError`` where Lucene's parser does, and ``RegexpTooComplex``
    where building its automaton would need more than 10,000 states.
    """
    tree = _Parser(pattern).parse()
    if _too_complex(tree):
        raise RegexpTooComplex(lucene.MAX_DETERMINIZED_STATES)
    matcher = _Matcher(tree)

    @lru_cache(maxsize=4096)
    def accepts(term: str) -> bool:
        return matcher.accepts(term)

    return accepts


@lru_cache(maxsize=2048)
def _too_complex(tree: _Regex) -> bool:
    """Whether RegexpQuery throws TooComplexToDeterminizeException for the regexp parsed into ``tree``.

    Cached per pattern: milliseconds for ordinary patterns, but seconds for one whose
    automata have thousands of states.
    """
    return _lucene_refuses(lambda limit: _lucene_automaton(tree, limit))


def _lucene_refuses(build: Callable[[int], lucene.Automaton]) -> bool:
    """Whether building an automaton (``build(limit)``), then ``CompiledAutomaton`` over it, exceeds the limit."""
    limit = lucene.MAX_DETERMINIZED_STATES
    try:
        check_compiled(build(limit), limit)
    except lucene.TooComplex:
        return True
    except lucene.BeyondBudget:
        return False  # only deterministic constructions grow this far: Lucene builds them
    return False


def _lucene_automaton(node: _State, limit: int) -> lucene.Automaton:
    """The automaton ``RegExp.toAutomaton`` builds: leaves as they are, every composite minimized.

    Nested unions and concatenations are one operation over all their operands, as
    Lucene's ``findLeaves`` gathers them; ``x?`` and ``x{0,1}`` build the same automaton.
    """
    if isinstance(node, _Chars):
        return lucene.char_ranges(_code_points(node))
    if isinstance(node, _Literal):
        return lucene.string(node.text)
    if isinstance(node, _AnyString):
        return lucene.ANY_STRING
    if isinstance(node, _EmptyLanguage):
        return lucene.EMPTY
    if isinstance(node, _Interval):
        return lucene.interval(node.low, node.high, node.digits)
    if isinstance(node, (_Concat, _Union)):
        parts = [_lucene_automaton(leaf, limit) for leaf in _leaves(node, type(node))]
        built = lucene.concatenate(parts) if isinstance(node, _Concat) else lucene.union(parts)
    elif isinstance(node, _Intersection):
        built = lucene.intersection(_lucene_automaton(node.left, limit), _lucene_automaton(node.right, limit))
    elif isinstance(node, _Complement):
        built = lucene.complement(_lucene_automaton(node.inner, limit), limit)
    else:
        # only a parse tree comes here: the flattened matching forms are made by _derive
        assert isinstance(node, _Repeat)
        inner = _lucene_automaton(node.inner, limit)
        if node.maximum is None:
            built = lucene.repeat_at_least(inner, node.minimum)
        else:
            built = lucene.repeat_between(inner, node.minimum, node.maximum)
    return lucene.minimize(built, limit)


def _leaves(node: _State, kind: type) -> list[_State]:
    """The operands of a chain of ``kind`` nodes, left to right."""
    if isinstance(node, kind):
        assert isinstance(node, (_Concat, _Union))
        return _leaves(node.left, kind) + _leaves(node.right, kind)
    return [node]


def _code_points(chars: _Chars) -> list[tuple[int, int]]:
    """The inclusive code point ranges a character class accepts."""
    ranges = sorted(chars.ranges)
    if not chars.negated:
        return ranges
    outside, next_free = [], 0
    for low, high in ranges:
        if low > next_free:
            outside.append((next_free, low - 1))
        next_free = max(next_free, high + 1)
    if next_free <= lucene.MAX_CODE_POINT:
        outside.append((next_free, lucene.MAX_CODE_POINT))
    return outside


def wildcard(parts: tuple[WildcardPart, ...]) -> TermMatcher:
    """A predicate for a WildcardQuery: ``*`` any string, ``?`` one code point.

    Raises ``WildcardTooComplex`` where Lucene's ``CompiledAutomaton`` would give up
    determinizing the pattern's automaton (``*a??????????????``).
    """
    if _wildcard_too_complex(parts):
        text = "".join(part.value if isinstance(part, WildcardToken) else part for part in parts)
        raise WildcardTooComplex(text, lucene.MAX_DETERMINIZED_STATES)
    body = "".join(
        ".*" if part is WildcardToken.ANY_STRING else "." if part is WildcardToken.ANY_CHAR else re.escape(part)
        for part in parts
    )
    compiled = re.compile(body, re.DOTALL)
    return lambda term: compiled.fullmatch(term) is not None


@lru_cache(maxsize=2048)
def _wildcard_too_complex(parts: tuple[WildcardPart, ...]) -> bool:
    """Whether WildcardQuery's automaton (the pieces concatenated, not minimized) is refused."""
    pieces: list[lucene.Automaton] = []
    for part in parts:
        if part is WildcardToken.ANY_STRING:
            pieces.append(lucene.ANY_STRING)
        elif part is WildcardToken.ANY_CHAR:
            pieces.append(lucene.char_ranges([(0, lucene.MAX_CODE_POINT)]))
        else:
            assert isinstance(part, str)
            pieces.extend(lucene.char_ranges([(ord(ch), ord(ch))]) for ch in part)
    return _lucene_refuses(lambda _: lucene.concatenate(pieces))


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
