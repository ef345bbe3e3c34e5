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

from fingerlog.mapping import FieldMappings, load_mapping
from fingerlog.rules.guidelines import MIXED_AND_OR, lint_rule
from fingerlog.rules.loader import load_rules
from fingerlog.rules.model import Problem, RuleSet, Severity


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
        problems.extend(
            Problem(f.path, f.line, f.column, f.severity, f"{f.guideline.id} {f.guideline.name}", f.message)
            for f in lint_rule(rule, mapping)
            if guidelines or f.guideline is MIXED_AND_OR
        )
    problems.sort(key=lambda p: (p.path, p.line, p.column))
    return LintReport(rules, tuple(problems))
