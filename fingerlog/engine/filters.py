"""File-level filters: which rules cannot match any event of a file, decided before reading it.

Most fingerprints name the file they look at (``tags:"screen-n-cpu.txt"``,
``filename:"console.html"``, ``build_name:...``).  Those fields are the same
for every event of a file, so the query can be evaluated on them alone with
three-valued logic: a clause on a field that events set themselves
(``message``, ``loglevel``, ``_all``) is *unknown*.  A rule whose verdict is
``FALSE`` is skipped for the whole file; every other verdict keeps it, so the
filter can only save work, never change an answer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Callable, Mapping

from fingerlog.mapping import FieldMappings
from fingerlog.query.nodes import Bool, MatchAll, Node, Occur
from fingerlog.records import Fields


class Verdict(enum.Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


#: Answers whether one leaf query matches a set of fields (the matcher, compiled once per leaf).
LeafMatcher = Callable[[Node, Fields], bool]


@dataclass(frozen=True, slots=True)
class EventFieldModel:
    """What an event of a format may do to its file's fields.

    ``own``: fields the event may set itself (``None``: any field, as a JSON
    document does).  ``appended``: values the event may append, in this order,
    to a file-level field (logstash's ``multiline`` tag).
    """

    own: frozenset[str] | None
    appended: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def variants(self, name: str, values: tuple[str, ...]) -> list[tuple[str, ...]]:
        """Every value list field ``name`` may have in an event of a file where it is ``values``."""
        extra = self.appended.get(name, ())
        return [values + chosen for size in range(len(extra) + 1) for chosen in combinations(extra, size)]


class FileFilter:
    """Evaluates queries over the file-level fields of one file, sharing leaf answers across rules."""

    def __init__(
        self,
        mapping: FieldMappings,
        file_fields: Fields,
        events: EventFieldModel,
        leaf_matches: LeafMatcher,
        vanishes: Callable[[Node], bool],
        shared: dict[Any, Verdict] | None = None,
    ) -> None:
        self.mapping = mapping
        self.file_fields = file_fields
        self.events = events
        self.leaf_matches = leaf_matches
        #: whether Lucene drops a clause (it analysed to nothing); shared, cached by the caller.
        self.vanishes = vanishes
        #: leaf answers by (leaf, values of its field): the same for every file with those values.
        self.shared: dict[Any, Verdict] = {} if shared is None else shared
        self._leaves: dict[Node, Verdict] = {}

    def verdict(self, node: Node) -> Verdict:
        """TRUE / FALSE when the file's fields alone decide ``node`` for every event, else UNKNOWN."""
        if isinstance(node, Bool):
            return self._bool(node)
        if isinstance(node, MatchAll):
            return Verdict.TRUE
        known = self._leaves.get(node)
        if known is None:
            known = self._leaves[node] = self._leaf(node)
        return known

    def _leaf(self, node: Node) -> Verdict:
        name = node.field  # type: ignore[union-attr]
        # ``message.raw`` reads ``message``: a sub-field belongs with its parent field
        names = (name, name.rsplit(".", 1)[0]) if "." in name else (name,)
        own = self.events.own
        if own is None or any(n in own for n in names) or name == self.mapping.default_field or self.vanishes(node):
            return Verdict.UNKNOWN
        relevant = tuple((n, self.file_fields.get(n, ())) for n in names)
        key = (node, relevant, self.events.appended.get(names[-1], ()))
        known = self.shared.get(key)
        if known is None:
            answers = set()
            for values in self.events.variants(names[-1], relevant[-1][1]):
                fields = {n: v for n, v in relevant if v}
                if values:
                    fields[names[-1]] = values
                else:
                    fields.pop(names[-1], None)
                answers.add(self.leaf_matches(node, fields))
            known = Verdict.TRUE if answers == {True} else Verdict.FALSE if answers == {False} else Verdict.UNKNOWN
            self.shared[key] = known
        return known

    def _bool(self, node: Bool) -> Verdict:
        clauses = [c for c in node.clauses if not self.vanishes(c.query)]
        if not clauses:
            return Verdict.UNKNOWN  # what an empty query matches is the matcher's business
        verdicts = [(c.occur, self.verdict(c.query)) for c in clauses]
        if any(o is Occur.MUST and v is Verdict.FALSE for o, v in verdicts):
            return Verdict.FALSE
        if any(o is Occur.MUST_NOT and v is Verdict.TRUE for o, v in verdicts):
            return Verdict.FALSE
        has_must = any(o is Occur.MUST for o, _ in verdicts)
        shoulds = [v for o, v in verdicts if o is Occur.SHOULD]
        if not has_must and shoulds and all(v is Verdict.FALSE for v in shoulds):
            return Verdict.FALSE
        settled = all(
            v is Verdict.TRUE if o is Occur.MUST else v is Verdict.FALSE
            for o, v in verdicts
            if o is not Occur.SHOULD
        )
        if settled and (has_must or any(v is Verdict.TRUE for v in shoulds)):
            return Verdict.TRUE
        return Verdict.UNKNOWN
