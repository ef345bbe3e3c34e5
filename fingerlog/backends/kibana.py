"""Kibana Discover links running a fingerprint as a Lucene query on a modern cluster.

Kibana sends a Lucene query to ``query_string``, whose defaults moved since
ES 1.x: there is no ``_all`` any more, expanded terms (wildcard, prefix,
regexp, range) are no longer lowercased on keyword fields, and regexps follow
Lucene 9's escapes.  So the tree is first rewritten to say explicitly what
ES 1.x did implicitly, then printed with the canonical Lucene printer.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import quote

from fingerlog.backends.analysis import analyze, expanded_lower
from fingerlog.backends.dsl import Finding, Translation, is_analyzed, modern_regexp
from fingerlog.backends.es_target import LEGACY_ALL_FIELD, Target
from fingerlog.backends.lucene import to_lucene
from fingerlog.mapping import FieldMappings
from fingerlog.query.nodes import (
    Bool,
    Clause,
    Exists,
    Fuzzy,
    MatchAll,
    Node,
    Phrase,
    Prefix,
    Range,
    Regexp,
    Term,
    Wildcard,
    WildcardToken,
)

DEFAULT_KIBANA_URL = "http://localhost:5601"
#: Discover's default time window is 15 minutes; a fingerprint is about weeks.
DEFAULT_TIME_FROM = "now-30d"


def _rename(node: Node, mapping: FieldMappings, target: Target, findings: list[Finding]) -> Node:
    if isinstance(node, (Bool, MatchAll)):
        return node
    dropped = isinstance(node, (Term, Phrase)) and not analyze(node.text, mapping.max_token_length)
    if node.field == LEGACY_ALL_FIELD and target.all_field is None and mapping.all_field and not dropped:
        findings.append(Finding(node.span, "no _all field in the target index: a bare term searches "
                                "every field (index.query.default_field), not one concatenated field"))
    whole_value = not isinstance(node, Exists) and not is_analyzed(mapping, node.field)
    return dataclasses.replace(node, field=target.field_name(node.field, whole_value=whole_value))


def for_modern_query_string(node: Node, mapping: FieldMappings, target: Target, findings: list[Finding]) -> Node:
    """``node`` rewritten so today's ``query_string`` gives ES 1.x's answers."""
    if isinstance(node, Bool):
        clauses = tuple(
            Clause(c.occur, for_modern_query_string(c.query, mapping, target, findings)) for c in node.clauses
        )
        return dataclasses.replace(node, clauses=clauses)
    if isinstance(node, Wildcard):
        parts = tuple(p if isinstance(p, WildcardToken) else expanded_lower(p) for p in node.parts)
        node = dataclasses.replace(node, parts=parts)
    elif isinstance(node, Prefix):
        node = dataclasses.replace(node, text=expanded_lower(node.text))
    elif isinstance(node, Regexp):
        node = dataclasses.replace(node, pattern=modern_regexp(expanded_lower(node.pattern)))
    elif isinstance(node, Range):
        lower = None if node.lower is None else expanded_lower(node.lower)
        upper = None if node.upper is None else expanded_lower(node.upper)
        node = dataclasses.replace(node, lower=lower, upper=upper)
    elif isinstance(node, Fuzzy):
        findings.append(
            Finding(
                node.span,
                "fuzzy term: query_string now allows transpositions (ES 1.x did not) "
                "and there is no query_string syntax to turn them off",
            )
        )
        node = dataclasses.replace(node, text=expanded_lower(node.text))
    return _rename(node, mapping, target, findings)


def rison_string(text: str) -> str:
    """A Rison string literal, the encoding of Kibana's URL state."""
    return "'" + text.replace("!", "!!").replace("'", "!'") + "'"


def discover_url(
    node: Node,
    mapping: FieldMappings,
    target: Target | None = None,
    *,
    base_url: str = DEFAULT_KIBANA_URL,
    time_from: str = DEFAULT_TIME_FROM,
) -> Translation:
    """A Discover URL (Kibana 7/8, OpenSearch Dashboards) running ``node`` as Lucene syntax."""
    findings: list[Finding] = []
    lucene = to_lucene(for_modern_query_string(node, mapping, target or Target(), findings))
    state_g = f"(time:(from:{time_from},to:now))"
    state_a = f"(query:(language:lucene,query:{rison_string(lucene)}))"
    safe = "(),:!'*-_.~"
    url = f"{base_url.rstrip('/')}/app/discover#/?_g={quote(state_g, safe=safe)}&_a={quote(state_a, safe=safe)}"
    return Translation(url, tuple(findings))
