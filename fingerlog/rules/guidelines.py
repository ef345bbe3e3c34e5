"""Guideline lints: elastic-recheck's advice for writing fingerprints, as checks with ids.

A query can be valid Lucene and still be a poor fingerprint: it reads every
file of every build, it leans on ``filename`` (which logstash did not index the
same way for every job), it spells a field nobody indexes, or its AND/OR mix
does not mean what it looks like.  Each :class:`Guideline` has a stable id,
a severity (``error`` fails ``fingerlog check``; ``warning`` is reported) and
the reason behind it, which ``docs/check.md`` lists.

The checks here only need the parsed query; the two that need evidence from
fixtures (``FL107`` DEBUG-only matches, ``FL109`` duplicate rules) are raised by
:mod:`fingerlog.engine.check`, which owns the fixture results.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass

from fingerlog.backends.literals import key_literals, required_literals
from fingerlog.backends.lucene import to_lucene
from fingerlog.mapping import FieldMappings
from fingerlog.query.mixed import mixed_operator_levels
from fingerlog.query.nodes import (
    Bool,
    Exists,
    MatchAll,
    Node,
    Occur,
    Phrase,
    Prefix,
    Regexp,
    Span,
    Term,
    Wildcard,
    WildcardToken,
)
from fingerlog.rules.loader import RuleError, query_location
from fingerlog.rules.model import Rule, Severity


@dataclass(frozen=True)
class Guideline:
    """One lint: ``id`` (``FL1xx``), a slug ``name``, its severity and why it exists."""

    id: str
    name: str
    severity: Severity
    summary: str
    why: str


def _g(ident: str, name: str, severity: Severity, summary: str, why: str) -> Guideline:
    return Guideline(ident, name, severity, summary, why)


BUILD_NAME_WILDCARD = _g(
    "FL101", "build-name-wildcard", Severity.ERROR, "no wildcards in build_name",
    "elastic-recheck's guideline: list the job names instead. A wildcard on build_name matches "
    "per token on an analyzed field and per whole name on a keyword field, so its answer depends "
    "on the cluster's mapping, and it silently grows as new jobs are added.",
)
PREFER_TAGS = _g(
    "FL102", "prefer-tags", Severity.WARNING, "prefer tags to filename",
    "logstash gave every file its short name as a tag (tags:\"screen-n-cpu.txt\"); filename holds "
    "the path inside the job, which changed between Zuul v2 (logs/...) and v3 (controller/logs/...).",
)
UNRESTRICTED_FILE = _g(
    "FL103", "unrestricted-file", Severity.ERROR, "a rule must restrict the file it looks at",
    "elastic-recheck's guideline: every query names the file (tags or filename) it is meant for. "
    "Without it the rule reads every file of every build and matches the same text in unrelated "
    "logs (a test's own output, a grep in the console).",
)
LEADING_WILDCARD = _g(
    "FL104", "leading-wildcard", Severity.WARNING, "no leading wildcards",
    "A term starting with * or ? makes Lucene enumerate every term of the field; on a cluster it "
    "is slow, and locally it defeats the literal prefilter for that clause.",
)
UNKNOWN_FIELD = _g(
    "FL105", "unknown-field", Severity.ERROR, "unknown field name",
    "A field that no logstash document has never matches, so a clause requiring it makes the rule "
    "dead (usually a typo: tag: for tags:, build-name for build_name).",
)
MIXED_AND_OR = _g(
    "FL106", "mixed-and-or", Severity.WARNING, "AND and OR mixed without parentheses",
    "Lucene's classic parser does not apply boolean precedence: `a AND b OR c` means +a +b c "
    "(c optional), rarely what the author meant. Add parentheses.",
)
DEBUG_ONLY = _g(
    "FL107", "debug-only", Severity.WARNING, "matches only DEBUG lines",
    "OpenStack's logstash did not index DEBUG lines of service logs, so a fingerprint that "
    "matches only DEBUG events never fired in elastic-recheck and means little about failures.",
)
NO_REQUIRED_LITERAL = _g(
    "FL108", "no-required-literal", Severity.WARNING, "no required literal (slow)",
    "fingerlog finds candidate events by a literal every match must contain; a rule without one "
    "(only wildcards, regexps, negations or derived fields) is evaluated on every event of every "
    "file it applies to.",
)
DUPLICATE_RULE = _g(
    "FL109", "duplicate-rule", Severity.WARNING, "another rule matches exactly the same fixture events",
    "Two rules that match the same events of every fixture are either duplicates (one should go) "
    "or their fixtures do not show what tells them apart (add a fixture that does).",
)

GUIDELINES: tuple[Guideline, ...] = (
    BUILD_NAME_WILDCARD, PREFER_TAGS, UNRESTRICTED_FILE, LEADING_WILDCARD, UNKNOWN_FIELD,
    MIXED_AND_OR, DEBUG_ONLY, NO_REQUIRED_LITERAL, DUPLICATE_RULE,
)

#: The fields of the documents OpenStack's logstash indexed (flat layout, the old @-layout,
#: and what fingerlog's sources derive, docs/sources.md), plus the query parser's pseudo-fields.
#: Kept as data here because rules/ may not import sources/ (docs/ARCHITECTURE.md).
KNOWN_FIELDS: frozenset[str] = frozenset({
    "_all", "_exists_", "message", "tags", "filename", "loglevel", "module", "pid", "request_id",
    "syslog_program", "syslog_pid", "@timestamp", "@version", "received_at", "type", "host",
    "build_name", "build_uuid", "build_short_uuid", "build_status", "build_change", "build_patchset",
    "build_queue", "build_branch", "build_ref", "build_newrev", "build_master", "build_node",
    "build_zuul_url", "build_pipeline", "project", "voting", "node_provider", "log_url", "error_pr",
    "tenant", "zuul_executor", "syslog_host",
    "clientip", "ident", "auth", "timestamp", "verb", "request", "rawrequest", "httpversion",
    "response", "bytes", "referrer", "agent",
    "@message", "@tags", "@source", "@source_host", "@source_path", "@type", "@fields",
})

#: fields that restrict a rule to certain files.
FILE_FIELDS = frozenset({"tags", "filename", "@tags", "@fields.filename"})


@dataclass(frozen=True)
class Finding:
    """A guideline broken by a rule, at a place in the rule file when one is known."""

    guideline: Guideline
    rule_id: str
    path: str
    line: int
    column: int
    message: str

    @property
    def severity(self) -> Severity:
        return self.guideline.severity

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        return f"{where}: {self.severity.value} {self.guideline.id} [{self.guideline.name}] {self.message}"


def position(rule: Rule, span: Span | None) -> tuple[int, int]:
    """1-based line and column in the rule file of ``span`` of its query (the query key if None)."""
    if span is not None:
        try:
            location = query_location(rule, span)
            return location.line, location.column
        except (OSError, RuleError):
            pass  # the file changed since it was loaded: fall back to the key
    return rule.key_position("query") or (1, 1)


def _walk(node: Node, occur: Occur = Occur.MUST) -> Iterator[tuple[Node, Occur]]:
    """Every leaf with the occur that governs it: MUST_NOT wins, then SHOULD, then MUST."""
    if isinstance(node, Bool):
        for clause in node.clauses:
            inner = occur
            if Occur.MUST_NOT in (occur, clause.occur):
                inner = Occur.MUST_NOT
            elif Occur.SHOULD in (occur, clause.occur):
                inner = Occur.SHOULD
            yield from _walk(clause.query, inner)
    else:
        yield node, occur


def restricts_file(node: Node) -> bool:
    """Whether every event the query matches must satisfy a positive tags/filename clause."""
    if isinstance(node, Bool):
        musts = [c.query for c in node.clauses if c.occur is Occur.MUST]
        if musts:
            return any(restricts_file(q) for q in musts)
        shoulds = [c.query for c in node.clauses if c.occur is Occur.SHOULD]
        return bool(shoulds) and all(restricts_file(q) for q in shoulds)
    if isinstance(node, (MatchAll, Exists)):
        return False
    return getattr(node, "field", None) in FILE_FIELDS


def _field_findings(rule: Rule, mapping: FieldMappings) -> Iterator[tuple[Guideline, Span | None, str]]:
    known = KNOWN_FIELDS | set(mapping.fields)
    reported: set[str] = set()
    for leaf, occur in _walk(rule.query):
        field = getattr(leaf, "field", None)
        span = getattr(leaf, "span", None)
        if field is None:
            continue
        base = field.removesuffix(".raw")
        if base not in known and not base.startswith("@fields.") and field not in reported:
            reported.add(field)
            close = difflib.get_close_matches(base, sorted(known), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            yield UNKNOWN_FIELD, span, f"field '{field}' is not a logstash field{hint}"
        if base == "build_name" and isinstance(leaf, (Wildcard, Prefix, Regexp)):
            yield BUILD_NAME_WILDCARD, span, "build_name uses a wildcard; list the job names instead"
        if base == "filename" and occur is not Occur.MUST_NOT and isinstance(leaf, (Term, Phrase)):
            short = leaf.text.rsplit("/", 1)[-1]
            yield PREFER_TAGS, span, f'filename:"{leaf.text}" is better written tags:"{short}"'
        if isinstance(leaf, Wildcard) and isinstance(leaf.parts[0], WildcardToken):
            yield LEADING_WILDCARD, span, f"'{field}' term starts with a wildcard"
        if base == "loglevel" and occur is Occur.MUST and isinstance(leaf, (Term, Phrase)) \
                and leaf.text.strip().upper() == "DEBUG":
            yield DEBUG_ONLY, span, "the rule requires loglevel:DEBUG, which logstash did not index"


def lint_rule(rule: Rule, mapping: FieldMappings) -> list[Finding]:
    """The guideline findings of one parsed rule (the query-only guidelines)."""
    raw: list[tuple[Guideline, Span | None, str]] = list(_field_findings(rule, mapping))
    if not restricts_file(rule.query):
        raw.append((UNRESTRICTED_FILE, None,
                    'the query does not require a tags or filename clause (add AND tags:"<file>")'))
    for mixed in mixed_operator_levels(rule.query_text, default_field=mapping.default_field):
        kind = "an implicit OR (clauses side by side)" if mixed.implicit_or else "OR"
        level = _bool_at(rule.query, mixed.span)
        reading = f": Lucene reads it as `{to_lucene(level)}`" if level is not None else ""
        message = (f"AND mixed with {kind} without parentheses{reading}; "
                   "Lucene has no AND-before-OR precedence, add parentheses to say what you mean")
        raw.append((MIXED_AND_OR, mixed.span, message))
    if key_literals(required_literals(rule.query, mapping)) is None:
        raw.append((NO_REQUIRED_LITERAL, None, "no literal every match must contain; every event is evaluated"))
    findings = []
    for guideline, span, message in raw:
        line, column = position(rule, span)
        findings.append(Finding(guideline, rule.id, str(rule.path), line, column, message))
    return findings


def _bool_at(node: Node, span: Span) -> Bool | None:
    """The innermost Bool of the tree whose source covers ``span`` (a group's Bool
    spans its parentheses and field prefix too)."""
    if not isinstance(node, Bool) or node.span is None:
        return None
    if not node.span.start <= span.start <= span.end <= node.span.end:
        return None
    for clause in node.clauses:
        if (inner := _bool_at(clause.query, span)) is not None:
            return inner
    return node
