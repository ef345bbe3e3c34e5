"""The rules snapshot: the fingerprints a store's builds were scanned with, as plain rows.

Reports need a rule's title, bug and ``resolved_at`` next to its hits, and
the rules change over time, so each batch records the rule set it used under
its digest.  :class:`RuleRow` is deliberately a plain record: the CLI maps the
rule model onto it, and the store depends on nothing but this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

from fingerlog.store.schema import RULES
from fingerlog.store.timestamps import parse_timestamp


@dataclass(frozen=True, slots=True)
class RuleRow:
    """What the store keeps of one fingerprint."""

    rule_id: str
    query: str
    title: str = ""
    description: str = ""
    bug: str = ""
    categories: tuple[str, ...] = field(default_factory=tuple)
    #: as written in the rule file (``date(1)`` output or ISO 8601), or a datetime.
    resolved_at: str | datetime | None = None
    suppress_graph: bool = False
    suppress_notification: bool = False
    allow_nonvoting: bool = False
    retryable: bool | None = None


def rules_table(rules: list[RuleRow] | tuple[RuleRow, ...], *, digest: str, snapshot_at: datetime) -> pa.Table:
    """The snapshot rows of a rule set, sorted by id."""
    rows = [
        {
            "rules_digest": digest,
            "rule_id": r.rule_id,
            "title": r.title or None,
            "description": r.description or None,
            "bug": r.bug or None,
            "categories": list(r.categories),
            "query": r.query,
            "resolved_at": parse_timestamp(r.resolved_at),
            "suppress_graph": r.suppress_graph,
            "suppress_notification": r.suppress_notification,
            "allow_nonvoting": r.allow_nonvoting,
            "retryable": r.retryable,
            "snapshot_at": snapshot_at,
        }
        for r in sorted(rules, key=lambda r: r.rule_id)
    ]
    return pa.Table.from_pylist(rows, schema=RULES.schema)


def rule_row(rule: object) -> RuleRow:
    """The snapshot row of a loaded rule (``fingerlog.rules.loader.Rule``), read by attribute name.

    The store does not import the rule model (it may not depend on it); any
    object with an ``id`` and a ``query_text`` (or a ``query``) maps.
    """
    get = lambda name, default=None: getattr(rule, name, default)  # noqa: E731
    query = get("query_text") or str(get("query", ""))
    categories = get("categories") or ()
    return RuleRow(
        rule_id=str(get("id")),
        query=query,
        title=get("title") or "",
        description=get("description") or "",
        bug=get("bug") or "",
        categories=tuple(str(c) for c in categories),
        resolved_at=get("resolved_at"),
        suppress_graph=bool(get("suppress_graph", False)),
        suppress_notification=bool(get("suppress_notification", False)),
        allow_nonvoting=bool(get("allow_nonvoting", False)),
        retryable=get("retryable"),
    )
