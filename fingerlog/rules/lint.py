"""Lint: everything wrong with a rule pack in one pass.

Errors are what make a rule unusable (the loader's problems: bad YAML,
duplicate keys, a query Lucene rejects).  Warnings are legal rules that
probably do not mean what their author thinks: unknown keys (a typo drops a
flag silently) and AND mixed with OR at one level without parentheses,
shown with the reading Lucene applies (guideline FL106).  On request every
guideline of :mod:`fingerlog.rules.guidelines` is checked, at its own severity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fingerlog.backends.analysis import expanded_lower
from fingerlog.backends.automata import RegexpSyntaxError, lucene_regexp
from fingerlog.mapping import FieldMappings, load_mapping
from fingerlog.query.nodes import Bool, Node, Regexp, Span
from fingerlog.rules.guidelines import MIXED_AND_OR, lint_rule
from fingerlog.rules.loader import load_rules, query_location
from fingerlog.rules.model import Problem, Rule, RuleSet, Severity


@dataclass(frozen=True)
class LintReport:
    rules: RuleSet
    problems: tuple[Problem, ...]

    @property
    def failed(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)


def lint(
    paths: str | Path | Iterable[str | Path], mapping: FieldMappings | None = None, *, guidelines: bool = False
) -> LintReport:
    """Load ``paths`` and check every rule; problems sorted by file and position.

    Without ``guidelines`` only the mixed AND/OR guideline (FL106) is checked
    besides what makes a rule unusable; with it, every FL1xx guideline, as
    ``fingerlog check`` does.
    """
    mapping = mapping or load_mapping()
    rules = load_rules(paths)
    problems = list(rules.problems)
    for rule in rules.rules:
        problems.extend(regexp_problems(rule))
        problems.extend(
            Problem(f.path, f.line, f.column, f.severity, f"{f.guideline.id} {f.guideline.name}", f.message)
            for f in lint_rule(rule, mapping)
            if guidelines or f.guideline is MIXED_AND_OR
        )
    problems.sort(key=lambda p: (p.path, p.line, p.column))
    return LintReport(rules, tuple(problems))


def regexp_problems(rule: Rule) -> list[Problem]:
    """An error for each ``/regexp/`` of the rule that Lucene's RegExp syntax rejects."""
    found = []
    for node in _regexps(rule.query):
        try:
            lucene_regexp(expanded_lower(node.pattern))  # Elasticsearch lower-cases it first
        except RegexpSyntaxError as exc:
            assert node.span is not None
            start = _pattern_start(rule.query_text, node.span.start) + exc.position
            where = query_location(rule, Span(start, start + 1))
            found.append(Problem(str(rule.path), where.line, where.column, Severity.ERROR, "regexp-syntax",
                                 f"Lucene cannot build /{node.pattern}/: {exc}"))
    return found


def _regexps(node: Node) -> list[Regexp]:
    if isinstance(node, Regexp):
        return [node]
    if isinstance(node, Bool):
        return [r for clause in node.clauses for r in _regexps(clause.query)]
    return []


def _pattern_start(text: str, i: int) -> int:
    """Offset of the first pattern character of the regexp clause starting at ``i``
    (after an optional ``field:`` prefix, whose escapes are skipped)."""
    while text[i] != "/":
        i += 2 if text[i] == "\\" else 1
    return i + 1
