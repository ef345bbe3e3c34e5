"""Documents built from a query's own clauses, so that nearly every query has a positive case.

The real samples match only a couple of dozen corpus queries; these documents
give the rest something to match (or, with the NOT clauses' values added,
something to reject).  The generator only proposes: Lucene decides what each
document matches, and the matcher must agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fingerlog.query.nodes import (
    Bool,
    Exists,
    Fuzzy,
    Node,
    Occur,
    Phrase,
    Prefix,
    Range,
    Term,
    Wildcard,
    WildcardToken,
)

#: field of a generated value for a clause on the catch-all field.
CATCH_ALL_TARGET = "message"

Value = tuple[str, str]  # (field, value)


def leaf_value(node: Node) -> Value | None:
    """A field and a value the leaf plausibly matches; None for leaves with no simple witness."""
    name = getattr(node, "field", "")
    name = CATCH_ALL_TARGET if name in ("_all", "*") else name
    if isinstance(node, (Term, Phrase)):
        return name, node.text
    if isinstance(node, Prefix):
        return name, node.text.lower() + "x"
    if isinstance(node, Wildcard):
        fill = {WildcardToken.ANY_STRING: "x", WildcardToken.ANY_CHAR: "y"}
        return name, "".join(fill[p] if isinstance(p, WildcardToken) else p.lower() for p in node.parts)
    if isinstance(node, Fuzzy):
        return name, node.text.lower()
    if isinstance(node, Range):
        bound = node.lower if node.lower is not None else node.upper
        return name, (bound or "m").lower()
    if isinstance(node, Exists):
        return node.field, "present"
    return None


def _values(node: Node, required_only: bool) -> tuple[list[Value], list[Value]]:
    """Values of leaves a match needs, and values of leaves under a NOT."""
    if not isinstance(node, Bool):
        value = leaf_value(node)
        return ([value] if value else []), []
    wanted: list[Value] = []
    unwanted: list[Value] = []
    has_must = any(c.occur is Occur.MUST for c in node.clauses)
    first_should = True
    for clause in node.clauses:
        pos, neg = _values(clause.query, required_only)
        if clause.occur is Occur.MUST_NOT:
            unwanted += pos
            continue
        unwanted += neg
        if clause.occur is Occur.SHOULD and required_only and (has_must or not first_should):
            continue
        if clause.occur is Occur.SHOULD:
            first_should = False
        wanted += pos
    return wanted, unwanted


def _document(doc_id: str, values: list[Value], upper: bool = False) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    for name, value in values:
        fields.setdefault(name, []).append(value.upper() if upper else value)
    return {"_id": doc_id, "fields": fields}


def generated_documents(query_id: str, node: Node) -> Iterator[dict[str, Any]]:
    """Up to four documents for one query: all positive values, only the required ones,
    the same upper-cased (case sensitivity differs by mapping), and with the NOT values too."""
    every, unwanted = _values(node, required_only=False)
    required, _ = _values(node, required_only=True)
    if not every:
        return
    yield _document(f"{query_id}#all", every)
    if required and required != every:
        yield _document(f"{query_id}#required", required)
    yield _document(f"{query_id}#upper", every, upper=True)
    if unwanted:
        yield _document(f"{query_id}#with-not", every + unwanted)
