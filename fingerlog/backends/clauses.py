"""Which clauses of a boolean Lucene's parser keeps, and with what occur, under a mapping.

The classic QueryParser drops a clause whose text the field's analyzer empties
(``message:"---"``), and ``AND`` makes the last clause *kept so far* required,
even when the clause it introduces is itself dropped.  So in
``a "---" AND b`` it is ``a`` that becomes required, a fact the tree alone
cannot record because it depends on the mapping.  Every backend that drops
clauses (matcher, DSL translator, literal extraction, file filters) should
take the surviving clauses from here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from fingerlog.query.nodes import Bool, Clause, Node, Occur

T = TypeVar("T")


def replay_add_clause(
    items: Sequence[T],
    occur: Callable[[T], Occur],
    after_and: Callable[[T], bool],
    dropped: Callable[[T], bool],
) -> list[tuple[Occur, T]]:
    """Lucene's addClause over ``items`` (default operator OR), skipping the dropped ones."""
    kept: list[tuple[Occur, T]] = []
    for item in items:
        if after_and(item) and kept and kept[-1][0] is not Occur.MUST_NOT:
            kept[-1] = (Occur.MUST, kept[-1][1])
        if not dropped(item):
            kept.append((occur(item), item))
    return kept


def kept_clauses(node: Bool, dropped: Callable[[Node], bool]) -> list[Clause]:
    """The clauses of ``node`` Lucene keeps when ``dropped`` says which queries vanish, with their occur."""
    kept = replay_add_clause(
        node.clauses, lambda c: c.occur, lambda c: c.after_and, lambda c: dropped(c.query)
    )
    return [Clause(occur, clause.query, after_and=clause.after_and) for occur, clause in kept]
