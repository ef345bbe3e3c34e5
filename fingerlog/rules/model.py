"""A fingerprint (rule) and the problems found while loading rules.

A rule file is ``<id>.yaml``; elastic-recheck's files (Launchpad bug number as
id) load as they are, and fingerlog adds optional metadata for people reading
reports.  Both records are frozen: rules are loaded once and shared by the
engine, the store and the reports.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fingerlog.query.nodes import Node

#: elastic-recheck's keys, as spelled in its YAML files, and our attribute names
ELASTIC_RECHECK_KEYS: dict[str, str] = {
    "query": "query_text",
    "suppress-graph": "suppress_graph",
    "suppress-notification": "suppress_notification",
    "allow-nonvoting": "allow_nonvoting",
    "test_ids": "test_ids",
    "resolved_at": "resolved_at",
}
#: fingerlog's own optional keys
FINGERLOG_KEYS: dict[str, str] = {
    "title": "title",
    "description": "description",
    "bug": "bug",
    "categories": "categories",
    "solution": "solution",
    "retryable": "retryable",
    "fixtures": "fixtures",
}
KNOWN_KEYS: dict[str, str] = {**ELASTIC_RECHECK_KEYS, **FINGERLOG_KEYS}


@dataclass(frozen=True)
class Rule:
    """One fingerprint: a Lucene query plus what elastic-recheck and fingerlog know about it."""

    id: str
    path: Path
    query_text: str
    query: Node
    # elastic-recheck
    suppress_graph: bool = False
    suppress_notification: bool = False
    allow_nonvoting: bool = False
    test_ids: tuple[str, ...] = ()
    #: as written (``date(1)`` output or ISO 8601); None while the bug is open
    resolved_at: str | None = None
    # fingerlog
    title: str | None = None
    description: str | None = None
    bug: str | None = None
    categories: tuple[str, ...] = ()
    solution: str | None = None
    retryable: bool | None = None
    #: the ``fixtures`` key as plain YAML data; ``fingerlog check`` defines its meaning
    fixtures: Any = None
    #: 1-based (line, column) of each top-level key, for tools reporting "at the key"
    key_positions: tuple[tuple[str, int, int], ...] = field(default=(), compare=False, repr=False)

    def __hash__(self) -> int:
        # ``fixtures`` is plain YAML data (dicts), so hash what identifies the rule
        return hash((self.id, self.path, self.query_text))

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None

    def key_position(self, key: str) -> tuple[int, int] | None:
        """Where ``key`` is written in the file (1-based line, column), if it is."""
        for name, line, column in self.key_positions:
            if name == key:
                return line, column
        return None


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """Something wrong with a rule file, at a 1-based line and column (0 when the
    whole file is concerned).  ``excerpt`` is the file line and a caret, if any."""

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    excerpt: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}" if self.line else self.path
        head = f"{where}: {self.severity.value}: {self.message} [{self.code}]"
        return f"{head}\n{self.excerpt}" if self.excerpt else head

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path, "line": self.line, "column": self.column,
            "severity": self.severity.value, "code": self.code, "message": self.message,
        }


@dataclass(frozen=True)
class RuleSet:
    """Rules loaded from files or directories, with every problem found on the way.

    ``digest`` identifies this exact set (ids and file contents) so a store
    can tell which rules version produced its hits.
    """

    rules: tuple[Rule, ...]
    problems: tuple[Problem, ...]
    digest: str

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    def by_id(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)
