"""Which rules of a pack Elasticsearch would refuse under a mapping, remembered on disk.

A refusal (a term analysed into more than 1,024 clauses, ...) is found only by
compiling the rule's query, and compiling every rule of a ~1,000-rule pack was
the largest part of a scan's start-up.  With the refusals remembered, the plan
compiles a rule only when its first candidate event comes, and still reports
every refused rule before scanning.  An entry is keyed by the queries (in
order), the mapping and the code that compiles them (the rule cache's code
fingerprint); it lives beside the rule cache (``<cache dir>/refusals``) and,
like it, only ever saves time: a missing or damaged entry means compiling all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Protocol

from fingerlog.cachedir import cache_root
from fingerlog.mapping import FieldMappings
from fingerlog.query.nodes import Node
from fingerlog.rules import cache as rule_cache
from fingerlog.rules.model import Rule

#: where an entry is: the directory's cache and the entry's key (its name is the key's start).
Entry = tuple[rule_cache.RuleCache, str]


class Planned(Protocol):
    """What a refusal depends on: the rule's query (read-only: rules are frozen)."""

    @property
    def query(self) -> Node: ...


def _identity(rule: Planned) -> str:
    """The query, written out: a loaded rule's text (its tree is that text parsed by fingerprinted
    code; 0.1 ms for a pack), else the tree's repr (all of it but the source spans; ~20 ms)."""
    if isinstance(rule, Rule):
        return f"text\0{rule.query_text}"
    return f"tree\0{rule.query!r}"


def entry(rules: Sequence[Planned], mapping: FieldMappings) -> Entry | None:
    """The entry for these rules' queries under ``mapping`` (None: caching is off or the code has no fingerprint)."""
    root = cache_root()
    fingerprint = rule_cache.CODE_FINGERPRINT
    if root is None or fingerprint is None:
        return None
    digest = hashlib.sha256(f"{fingerprint}\0{mapping!r}".encode())
    for rule in rules:
        digest.update(f"\0\0{_identity(rule)}".encode())
    return rule_cache.RuleCache(root / "refusals"), digest.hexdigest()


def lookup(found: Entry | None) -> dict[int, str] | None:
    """The refused queries' positions and reasons, or None when not known."""
    if found is None:
        return None
    store, key = found
    value = store.get(key[:32], key)
    if not isinstance(value, dict) or not all(isinstance(k, int) and isinstance(v, str) for k, v in value.items()):
        return None
    return value


def remember(found: Entry | None, refused: Mapping[int, str]) -> None:
    """Store the refused queries' positions and reasons (failures are ignored, as the rule cache's are)."""
    if found is not None:
        store, key = found
        store.put(key[:32], key, dict(refused))
