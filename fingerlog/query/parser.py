"""Lucene 4.10 classic QueryParser grammar and clause rules, as Elasticsearch 1.x runs it.

The productions mirror QueryParser.jj one to one::

    TopLevel  := Query EOF
    Query     := Modifiers Clause ( Conjunction Modifiers Clause )*
    Clause    := [ (TERM | "*") ":" ] ( Term | "(" Query ")" [ "^" NUMBER ] )
    Term      := (TERM | "*" | PREFIXTERM | WILDTERM | REGEXPTERM | BAREOPER)
                     [ FUZZY_SLOP ] [ "^" NUMBER [ FUZZY_SLOP ] ]
               | ("[" | "{") GOOP [ "TO" ] GOOP ("]" | "}") [ "^" NUMBER ]
               | QUOTED [ FUZZY_SLOP ] [ "^" NUMBER ]

and each clause is added with QueryParserBase.addClause's occur rules under the
default operator OR (``a AND b OR c`` is ``+a +b c``).  What the tree then
holds is what Lucene, overridden by Elasticsearch 1.x's MapperQueryParser,
builds; docs/query-language.md lists every rule with its source.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from fingerlog.query.errors import QueryParseError
from fingerlog.query.javanum import java_float, java_int, to_float32
from fingerlog.query.lexer import Kind, Token, tokenize
from fingerlog.query.nodes import (
    Bool,
    Clause,
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
    WildcardPart,
    WildcardToken,
)

#: Lucene's BooleanQuery.maxClauseCount (and Elasticsearch 1.x's default):
#: more clauses in one BooleanQuery make the whole query fail.
MAX_CLAUSE_COUNT = 1024

#: How deep groups may nest. Lucene's generated parser recurses per group and stops only
#: at its thread's stack size; fingerlog sets a fixed bound instead, deep enough for any
#: real fingerprint and shallow enough that every recursive consumer of the tree (the
#: matcher, the printers, the DSL compiler) runs within Python's default recursion limit
#: whatever called it: a deeper query is refused here, not by a RecursionError later.
MAX_NESTING = 200

#: Lucene's FuzzyQuery.defaultMinSimilarity: what ``term~`` without a number means.
DEFAULT_FUZZINESS = 2.0


class Conj(enum.Enum):
    """How a clause was joined to the one before it (QueryParserBase.CONJ_*)."""

    NONE = "implicit"
    AND = "AND"
    OR = "OR"


class Mod(enum.Enum):
    NONE = enum.auto()
    REQ = enum.auto()
    NOT = enum.auto()


_CLAUSE_START = frozenset({
    Kind.AND, Kind.OR, Kind.NOT, Kind.PLUS, Kind.MINUS, Kind.BAREOPER, Kind.LPAREN, Kind.STAR,
    Kind.QUOTED, Kind.TERM, Kind.PREFIXTERM, Kind.WILDTERM, Kind.REGEXPTERM,
    Kind.RANGEIN_START, Kind.RANGEEX_START,
})
_BARE_TERMS = frozenset({Kind.TERM, Kind.STAR, Kind.PREFIXTERM, Kind.WILDTERM, Kind.REGEXPTERM, Kind.BAREOPER})
_DESCRIBE = {
    Kind.EOF: "the end of the query", Kind.RPAREN: "')'", Kind.CARAT: "'^'", Kind.COLON: "':'",
    Kind.AND: "AND", Kind.OR: "OR", Kind.NOT: "NOT", Kind.FUZZY_SLOP: "'~'",
    Kind.RANGE_TO: "TO", Kind.RANGEIN_END: "']'", Kind.RANGEEX_END: "'}'",
}


@dataclass
class Level:
    """The conjunctions seen at one nesting level (for the mixed AND/OR lint)."""

    span: Span
    conjunctions: set[Conj] = field(default_factory=set)


@dataclass
class _PendingClause:
    occur: Occur
    query: Node
    after_and: bool = False


class _Parser:
    def __init__(self, text: str, default_field: str) -> None:
        self.text = text
        self.default_field = default_field
        self._tokens: Iterator[Token] = tokenize(text)
        self._ahead: list[Token] = []
        self._last_end = 0  # end of the last token consumed: where a node's span ends
        self.levels: list[Level] = []
        self._depth = 0  # groups open around the current position

    # -- token plumbing ---------------------------------------------------
    def peek(self, k: int = 0) -> Token:
        while len(self._ahead) <= k:
            self._ahead.append(next(self._tokens))
        return self._ahead[k]

    def take(self) -> Token:
        tok = self.peek()
        self._ahead.pop(0)
        return tok

    def expect(self, kind: Kind, what: str) -> Token:
        if self.peek().kind is not kind:
            raise self.unexpected(what)
        return self.take()

    def unexpected(self, wanted: str) -> QueryParseError:
        tok = self.peek()
        found = _DESCRIBE.get(tok.kind, repr(tok.image))
        span = tok.span if tok.kind is not Kind.EOF else Span(max(0, len(self.text) - 1), len(self.text))
        return QueryParseError(f"expected {wanted}, found {found}", self.text, span)

    def error(self, message: str, span: Span) -> QueryParseError:
        return QueryParseError(message, self.text, span)

    # -- grammar ------------------------------------------------------------
    def top_level(self) -> Node:
        if not self.text.strip():
            raise self.error("the query is empty", Span(0, len(self.text)))
        query = self.query(self.default_field)
        if self.peek().kind is not Kind.EOF:
            tok = self.peek()
            if tok.kind is Kind.RPAREN:
                raise self.error("')' without a matching '('", tok.span)
            raise self.unexpected("an operator or a clause")
        return query

    def query(self, field_name: str) -> Node:
        start = self.peek().start
        level = Level(Span(start, start))
        clauses: list[_PendingClause] = []
        mods = self.modifiers(None)
        first = self.clause(field_name)
        self.add_clause(clauses, Conj.NONE, mods, first)
        lone = first if mods is Mod.NONE else None
        while self.peek().kind in _CLAUSE_START:
            conj_tok = self.peek()
            conj = self.conjunction()
            mods = self.modifiers(conj_tok if conj is not Conj.NONE else None)
            if conj is not Conj.NONE or mods is Mod.NONE:  # "a AND b -c" is explicit enough
                level.conjunctions.add(conj)
            self.add_clause(clauses, conj, mods, self.clause(field_name))
        level.span = Span(start, self._last_end)
        self.levels.append(level)
        if len(clauses) == 1 and lone is not None:
            return lone
        if len(clauses) > MAX_CLAUSE_COUNT:
            raise self.error(f"too many boolean clauses ({len(clauses)} > {MAX_CLAUSE_COUNT})", level.span)
        return Bool(tuple(Clause(c.occur, c.query, after_and=c.after_and) for c in clauses), span=level.span)

    def conjunction(self) -> Conj:
        kind = self.peek().kind
        if kind is Kind.AND:
            self.take()
            return Conj.AND
        if kind is Kind.OR:
            self.take()
            return Conj.OR
        return Conj.NONE

    def modifiers(self, operator: Token | None) -> Mod:
        """Read ``+``/``-``/``NOT``; then a clause must follow the operator (or conjunction)."""
        tok = self.peek()
        mod = Mod.NONE
        if tok.kind is Kind.PLUS:
            mod = Mod.REQ
        elif tok.kind in (Kind.MINUS, Kind.NOT):
            mod = Mod.NOT
        if mod is not Mod.NONE:
            operator = self.take()
        nxt = self.peek().kind
        if operator is not None and nxt in (Kind.EOF, Kind.RPAREN, Kind.AND, Kind.OR, Kind.NOT):
            raise self.error(f"{operator.image!r} needs a clause after it", operator.span)
        return mod

    @staticmethod
    def add_clause(clauses: list[_PendingClause], conj: Conj, mods: Mod, query: Node) -> None:
        """QueryParserBase.addClause with the default operator OR."""
        if clauses and conj is Conj.AND and clauses[-1].occur is not Occur.MUST_NOT:
            clauses[-1].occur = Occur.MUST
        if mods is Mod.NOT:
            occur = Occur.MUST_NOT
        elif mods is Mod.REQ or conj is Conj.AND:
            occur = Occur.MUST
        else:
            occur = Occur.SHOULD
        clauses.append(_PendingClause(occur, query, conj is Conj.AND))

    def clause(self, field_name: str) -> Node:
        start = self.peek().start
        if self.peek().kind in (Kind.TERM, Kind.STAR) and self.peek(1).kind is Kind.COLON:
            field_tok = self.take()
            self.take()
            field_name = "*" if field_tok.kind is Kind.STAR else self.unescape(field_tok)
        if self.peek().kind is Kind.LPAREN:
            lparen = self.take()
            if self._depth == MAX_NESTING:
                raise self.error(f"parentheses nested too deeply (more than {MAX_NESTING} levels)", lparen.span)
            self._depth += 1
            inner = self.query(field_name)
            self._depth -= 1
            if self.peek().kind is not Kind.RPAREN:
                if self.peek().kind is Kind.EOF:
                    raise self.error("'(' is never closed", lparen.span)
                raise self.unexpected("')' or a clause")
            self._last_end = self.take().end
            boost = self.boost()
            node = _with_boost(inner, boost) if boost is not None else inner
        else:
            node = self.term(field_name)
        return _with_span(node, Span(start, self._last_end))

    def boost(self) -> float | None:
        if self.peek().kind is not Kind.CARAT:
            return None
        self.take()
        number = self.expect(Kind.NUMBER, "a number after '^'")
        self._last_end = number.end
        value = java_float(number.image)
        assert value is not None  # NUMBER is digits with an optional fraction
        return value

    def slop(self) -> Token | None:
        if self.peek().kind is not Kind.FUZZY_SLOP:
            return None
        tok = self.take()
        self._last_end = tok.end
        return tok

    def term(self, field_name: str) -> Node:
        tok = self.peek()
        if tok.kind in _BARE_TERMS:
            self.take()
            self._last_end = tok.end
            slop = self.slop()
            boost = self.boost()
            if boost is not None:
                slop = self.slop() or slop
            return _with_boost(self.bare_term(field_name, tok, slop), boost)
        if tok.kind in (Kind.RANGEIN_START, Kind.RANGEEX_START):
            return self.range(field_name)
        if tok.kind is Kind.QUOTED:
            self.take()
            self._last_end = tok.end
            slop = self.slop()
            return _with_boost(self.quoted(field_name, tok, slop), self.boost())
        if tok.kind is Kind.RPAREN:
            raise self.error("')' without a matching '('", tok.span)
        raise self.unexpected("a term, a phrase, a range or '('")

    # -- what each token means ---------------------------------------------
    def bare_term(self, field_name: str, tok: Token, slop: Token | None) -> Node:
        """QueryParserBase.handleBareTokenQuery, with MapperQueryParser's overrides."""
        image = tok.image[0] if tok.kind is Kind.BAREOPER else tok.image
        text = self.unescape(tok, image)  # Lucene unescapes first, so bad escapes fail for every kind
        span = tok.span
        if tok.kind is Kind.STAR or tok.kind is Kind.WILDTERM:
            if image == "*" and field_name in ("*", self.default_field):
                # ES: "*" on the default field (or "*:*") matches all; on another default, exists.
                if field_name in ("*", "_all"):
                    return MatchAll(span=span)
                return Exists(field_name, span=span)
            return Wildcard(field_name, wildcard_parts(image), span=span)
        if tok.kind is Kind.PREFIXTERM:
            return Prefix(field_name, self.unescape(tok, image[:-1]), span=span)
        if tok.kind is Kind.REGEXPTERM:
            return Regexp(field_name, image[1:-1], span=span)
        if slop is not None:
            return Fuzzy(field_name, text, self.fuzziness(slop), span=span)
        return self.field_query(field_name, text, span, quoted=False)

    def fuzziness(self, slop: Token) -> float:
        """MapperQueryParser.handleBareFuzzy: ``~`` alone is the default; the text after
        ``~`` must be a number Elasticsearch can read as a fuzziness."""
        if slop.image == "~":
            return DEFAULT_FUZZINESS
        value = java_float(slop.image[1:])
        if value is None or math.isnan(value) or value < 0:
            raise self.error(f"fuzziness {slop.image[1:]!r} is not a non-negative number", slop.span)
        return value

    def quoted(self, field_name: str, tok: Token, slop: Token | None) -> Node:
        """QueryParserBase.handleQuotedTerm: the slop is the number after ``~`` cast to int
        (0 when it is not a number)."""
        text = self.unescape(tok, tok.image[1:-1])
        distance = 0
        if slop is not None:
            value = java_float(slop.image[1:])
            distance = java_int(value) if value is not None else 0
            if distance < 0:
                raise self.error("a phrase slop cannot be negative", slop.span)
        node = self.field_query(field_name, text, tok.span, quoted=True)
        return replace(node, slop=distance) if isinstance(node, Phrase) else node

    def field_query(self, field_name: str, text: str, span: Span, *, quoted: bool) -> Node:
        """MapperQueryParser.getFieldQuery: ``_exists_``/``_missing_``, then ``>``/``<`` ranges."""
        if field_name == "_exists_":
            return Exists(text, span=span)
        if field_name == "_missing_":
            return Bool((Clause(Occur.MUST_NOT, Exists(text, span=span)),), span=span)
        if quoted:
            return Phrase(field_name, text, span=span)
        if len(text) > 1 and text[0] in "<>":
            inclusive = len(text) > 2 and text[1] == "="
            bound = text[2:] if inclusive else text[1:]
            if text[0] == ">":
                return Range(field_name, bound, None, inclusive, True, span=span)
            return Range(field_name, None, bound, True, inclusive, span=span)
        return Term(field_name, text, span=span)

    def range(self, field_name: str) -> Node:
        opening = self.take()
        lower = self.range_bound("a lower bound")
        if self.peek().kind is Kind.RANGE_TO:
            self.take()
        upper = self.range_bound("an upper bound")
        closing = self.peek()
        if closing.kind not in (Kind.RANGEIN_END, Kind.RANGEEX_END):
            if closing.kind is Kind.EOF:
                raise self.error("range is never closed (expected ']' or '}')", Span(opening.start, len(self.text)))
            raise self.unexpected("']' or '}'")
        self.take()
        self._last_end = closing.end
        node = Range(
            field_name, lower, upper,
            include_lower=opening.kind is Kind.RANGEIN_START,
            include_upper=closing.kind is Kind.RANGEIN_END,
            span=Span(opening.start, closing.end),
        )
        return _with_boost(node, self.boost())

    def range_bound(self, what: str) -> str | None:
        tok = self.peek()
        if tok.kind is Kind.RANGE_QUOTED:
            value = self.unescape(self.take(), tok.image[1:-1])
        elif tok.kind is Kind.RANGE_GOOP:
            value = self.unescape(self.take())
        elif tok.kind is Kind.EOF:
            raise self.error("range is never closed (expected ']' or '}')", Span(tok.start - 1, tok.start))
        else:
            raise self.unexpected(what)
        # ES MapperQueryParser.getRangeQuery: "*" (even quoted or escaped) is an open end.
        return None if value == "*" else value

    def unescape(self, tok: Token, image: str | None = None) -> str:
        try:
            return discard_escapes(tok.image if image is None else image)
        except ValueError as exc:
            raise self.error(str(exc), tok.span) from None


def discard_escapes(text: str) -> str:
    """QueryParserBase.discardEscapeChar: ``\\x`` is ``x``, ``\\uXXXX`` a UTF-16 unit."""
    if "\\" not in text:
        return text  # nothing escaped (most terms): the loop below would copy it unchanged
    out: list[str] = []
    units: list[int] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(text):
            raise ValueError("a term cannot end with the escape character '\\'")
        nxt = text[i + 1]
        if nxt != "u":
            out.append(nxt)
            i += 2
            continue
        digits = text[i + 2 : i + 6]
        for d in digits:
            if d not in "0123456789abcdefABCDEF":
                raise ValueError(f"non-hex character {d!r} in the unicode escape '\\u{digits}'")
        if len(digits) < 4:
            raise ValueError("truncated unicode escape (\\u needs four hex digits)")
        units.append(int(digits, 16))
        out.append(chr(int(digits, 16)))
        i += 6
    result = "".join(out)
    if units and any(0xD800 <= u <= 0xDFFF for u in units):
        # Java strings are UTF-16: an escaped surrogate pair is one character.
        result = result.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return result


def wildcard_parts(image: str) -> tuple[WildcardPart, ...]:
    """Split a raw wildcard image as WildcardQuery reads it: ``*``/``?`` are wildcards,
    ``\\x`` is a literal ``x`` (no ``\\u`` escapes here, unlike terms)."""
    parts: list[WildcardPart] = []
    literal: list[str] = []
    i = 0
    while i < len(image):
        ch = image[i]
        if ch in "*?":
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(WildcardToken(ch))
        elif ch == "\\" and i + 1 < len(image):
            i += 1
            literal.append(image[i])
        else:
            literal.append(ch)
        i += 1
    if literal:
        parts.append("".join(literal))
    return tuple(parts)


def _with_boost(node: Node, boost: float | None) -> Node:
    """Query.setBoost: a later boost replaces an earlier one; 1.0 is no boost."""
    if boost is None:
        return node
    value = to_float32(boost)
    return replace(node, boost=None if value == 1.0 else value)


def _with_span(node: Node, span: Span) -> Node:
    return replace(node, span=span) if node.span != span else node


def parse_query(text: str, *, default_field: str = "_all") -> Node:
    """Parse a Lucene classic query string into the query tree.

    Raises :class:`QueryParseError` (with the span of the problem) for every
    query Lucene 4.10 / Elasticsearch 1.x would reject.
    """
    return _parse(_Parser(text, default_field))


def _parse(parser: _Parser) -> Node:
    """Run the parser, turning Python's recursion limit into a located error (Lucene's
    generated parser recurses too, and fails with a StackOverflowError much deeper)."""
    try:
        return parser.top_level()
    except RecursionError:
        at = parser._last_end
        raise parser.error("parentheses nested too deeply", Span(at, at + 1)) from None


def operator_levels(text: str, *, default_field: str = "_all") -> list[Level]:
    """The conjunctions used at each nesting level of a (valid) query."""
    parser = _Parser(text, default_field)
    _parse(parser)
    return parser.levels
