"""Lucene 4.10 classic query syntax (as Elasticsearch 1.x reads it) to an immutable tree.

``parse_query(text)`` gives the tree (:mod:`fingerlog.query.nodes`), raising a
located :class:`QueryParseError`; ``find_mixed_operators(text)`` finds the
places where AND and OR meet without parentheses, whose Lucene meaning
surprises people (``a AND b OR c`` is ``+a +b c``).
"""

from fingerlog.query.errors import QueryParseError, SourceLocation
from fingerlog.query.mixed import MixedOperators, find_mixed_operators, mixed_operator_levels
from fingerlog.query.nodes import Node, Span
from fingerlog.query.parser import parse_query

__all__ = [
    "MixedOperators", "Node", "QueryParseError", "SourceLocation", "Span",
    "find_mixed_operators", "mixed_operator_levels", "parse_query",
]
