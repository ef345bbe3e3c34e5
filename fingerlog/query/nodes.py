"""The query tree: plain immutable nodes shared by every compiler.

The tree records what Lucene 4.10's classic QueryParser *means*, not how the
text was spelled: the parser applies Lucene's clause rules (``a AND b OR c`` is
``+a +b c``), so a :class:`Bool` holds clauses with an :class:`Occur`, exactly
like Lucene's ``BooleanQuery``.  Leaf text is stored unanalysed and unescaped;
each backend applies the field mapping (analyzed text vs keyword) itself, which
is why the same tree can be matched locally and translated for Elasticsearch.

Every node carries an optional source :class:`Span` that is excluded from
equality, so a tree parsed from a rule file equals the tree parsed from its
canonical Lucene string.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open character offsets ``[start, end)`` into the query text."""

    start: int
    end: int


class Occur(enum.Enum):
    """How a clause takes part in a :class:`Bool` (Lucene's BooleanClause.Occur)."""

    MUST = "+"
    SHOULD = ""
    MUST_NOT = "-"


class WildcardToken(enum.Enum):
    """The two special parts of a wildcard pattern."""

    ANY_STRING = "*"
    ANY_CHAR = "?"


#: A wildcard pattern: literal text parts interleaved with wildcard tokens.
WildcardPart = str | WildcardToken


def _span() -> Span | None:
    return field(default=None, compare=False, repr=False, kw_only=True)


def _boost() -> float | None:
    return field(default=None, kw_only=True)


@dataclass(frozen=True, slots=True)
class Term:
    """A bare term such as ``error`` or ``build_name:gate-nova-python27``.

    On an analyzed field the backends analyze ``text``; several tokens become
    what Lucene makes of them (a SHOULD-of-terms, or a phrase when
    auto_generate_phrase_queries is on).
    """

    field: str
    text: str
    boost: float | None = _boost()
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Phrase:
    """A quoted phrase ``"No valid host"`` with an optional slop (``~3``)."""

    field: str
    text: str
    slop: int = 0
    boost: float | None = _boost()
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Prefix:
    """``foo*`` with no other wildcard: Lucene builds a PrefixQuery."""

    field: str
    text: str
    boost: float | None = _boost()
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Wildcard:
    """A term with ``*``/``?`` wildcards, kept as parts so nobody re-parses it."""

    field: str
    parts: tuple[WildcardPart, ...]
    boost: float | None = _boost()
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Regexp:
    """``/pattern/``: Lucene RegExp syntax, stored exactly as written between the slashes."""

    field: str
    pattern: str
    boost: float | None = _boost()
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Fuzzy:
    """``term~`` or ``term~N``; ``similarity`` is the number after ``~`` as Lucene reads it."""

    field: str
    text: str
    similarity: float
    prefix_length: int = 0
    boost: float | None = _boost()
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Range:
    """``[a TO b]`` (inclusive) or ``{a TO b}`` (exclusive); ``None`` is an open end (``*``)."""

    field: str
    lower: str | None
    upper: str | None
    include_lower: bool
    include_upper: bool
    boost: float | None = _boost()
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Exists:
    """Elasticsearch's ``_exists_:field``: the field has at least one indexed value."""

    field: str
    boost: float | None = _boost()
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class MatchAll:
    """``*:*``: every event."""

    boost: float | None = _boost()
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause of a :class:`Bool`."""

    occur: Occur
    query: Node
    #: the clause was written after ``AND``.  Lucene's addClause then makes the
    #: *last clause kept so far* required; which one that is depends on which
    #: clauses the field's analyzer empties, so backends replay it per mapping.
    after_and: bool = field(default=False, compare=False, kw_only=True)


@dataclass(frozen=True, slots=True)
class Bool:
    """Lucene's BooleanQuery: MUST clauses all match, MUST_NOT none; SHOULD
    clauses are optional when a MUST exists, otherwise at least one must match.

    A Bool whose clauses are all MUST_NOT matches every event the clauses do
    not (Elasticsearch adds a match-all to pure negative queries).
    """

    clauses: tuple[Clause, ...]
    boost: float | None = _boost()
    span: Span | None = _span()


Node = Term | Phrase | Prefix | Wildcard | Regexp | Fuzzy | Range | Exists | MatchAll | Bool

#: Every node type, for tests that prove each backend handles (or declines) all of them.
NODE_TYPES: tuple[type, ...] = (Term, Phrase, Prefix, Wildcard, Regexp, Fuzzy, Range, Exists, MatchAll, Bool)
