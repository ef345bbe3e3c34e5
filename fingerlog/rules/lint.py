"""Lint: everything wrong with a rule pack in one pass.

Errors are what make a rule unusable (the loader's problems: bad YAML,
duplicate keys, a query Lucene rejects).  Warnings are legal rules that
probably do not mean what their author thinks: unknown keys (a typo drops a
flag silently) and AND mixed with OR at one level without parentheses,
shown with the reading Lucene actually applies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fingerlog.backends.automata import RegexpSyntaxError, lucene_regexp
from fingerlog.backends.lucene import to_lucene
from fingerlog.query.mixed import mixed_operator_levels
from fingerlog.query.nodes import Bool, Node, Regexp, Span
from fingerlog.rules.loader import load_rules, query_location
from fingerlog.rules.model import Problem, Rule, RuleSet, Severity


@dataclass(frozen=True)
class LintReport:
    rules: RuleSet
    problems: tuple[Problem, ...]

    @property
    def failed(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)


def lint(paths: str | Path | Iterable[str | Path]) -> LintReport:
    """Load ``paths`` and check every rule; problems sorted by file and position."""
    rules = load_rules(paths)
    problems = list(rules.problems)
    for rule in rules.rules:
        problems.extend(regexp_problems(rule))
        problems.extend(mixed_operator_problems(rule))
    problems.sort(key=lambda p: (p.path, p.line, p.column))
    return LintReport(rules, tuple(problems))


def mixed_operator_problems(rule: Rule) -> list[Problem]:
    """A warning for each level of the rule's query that mixes AND with OR."""
    found = []
    for mixed in mixed_operator_levels(rule.query_text):
        level = _bool_at(rule.query, mixed.span)
        reading = f": Lucene reads it as `{to_lucene(level)}`" if level is not None else ""
        kind = "an implicit OR (clauses side by side)" if mixed.implicit_or else "OR"
        where = query_location(rule, mixed.span)
        found.append(Problem(
            str(rule.path), where.line, where.column, Severity.WARNING, "mixed-operators",
            f"AND mixed with {kind} without parentheses{reading}; "
            "Lucene has no AND-before-OR precedence, add parentheses to say what you mean",
        ))
    return found


def regexp_problems(rule: Rule) -> list[Problem]:
    """An error for each ``/regexp/`` of the rule that Lucene's RegExp syntax rejects."""
    found = []
    for node in _regexps(rule.query):
        try:
            lucene_regexp(node.pattern)
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
