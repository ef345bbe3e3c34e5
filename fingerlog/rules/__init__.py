"""Fingerprint files: the rule model, the loader and lint.

``load_rules(dir_or_files)`` gives a :class:`RuleSet` (rules, every problem,
a digest); ``load_rule(path)`` one rule or a :class:`RuleError`.
"""

from fingerlog.rules.loader import RuleError, load_rule, load_rules
from fingerlog.rules.model import KNOWN_KEYS, Problem, Rule, RuleSet, Severity

__all__ = ["KNOWN_KEYS", "Problem", "Rule", "RuleError", "RuleSet", "Severity", "load_rule", "load_rules"]
