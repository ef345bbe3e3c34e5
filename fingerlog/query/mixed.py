"""Where AND and OR meet at one level without parentheses.

Lucene does not give AND precedence over OR: each AND makes the clause before
it and after it required, and everything else stays optional, so
``a AND b OR c`` means ``+a +b c`` (c optional) and ``a OR b AND c`` means
``a +b +c``.  A clause written next to another without an operator is an
implicit OR.  Rules that mix AND with (explicit or implicit) OR at one level
are legal, and mean something their author rarely intended; lint warns.
"""

from __future__ import annotations

from dataclasses import dataclass

from fingerlog.query.nodes import Span
from fingerlog.query.parser import Conj, operator_levels


@dataclass(frozen=True)
class MixedOperators:
    """One nesting level that mixes AND with OR; ``implicit_or`` when the OR is a juxtaposition."""

    span: Span
    implicit_or: bool


def mixed_operator_levels(text: str, *, default_field: str = "_all") -> list[MixedOperators]:
    """Every level of ``text`` (a valid query) where AND meets OR, in text order."""
    found = [
        MixedOperators(level.span, Conj.OR not in level.conjunctions)
        for level in operator_levels(text, default_field=default_field)
        if Conj.AND in level.conjunctions and level.conjunctions & {Conj.OR, Conj.NONE}
    ]
    return sorted(found, key=lambda m: m.span.start)


def find_mixed_operators(text: str, *, default_field: str = "_all") -> list[Span]:
    """The spans of the levels of ``text`` where AND and OR are mixed without parentheses."""
    return [m.span for m in mixed_operator_levels(text, default_field=default_field)]
