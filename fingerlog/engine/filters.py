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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import combinations

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


@dataclass(frozen=True, slots=True)
class BoolProgram:
    """A ``Bool`` ready for file-level evaluation: its clauses that do not vanish, by occurrence."""

    must: tuple[Program, ...]
    must_not: tuple[Program, ...]
    should: tuple[Program, ...]


#: A query compiled for :class:`FileFilter`: a constant verdict, a leaf number, or a Bool.
Program = Verdict | int | BoolProgram


def leaf_numbers(program: Program) -> set[int]:
    """The leaf numbers a program reads."""
    if isinstance(program, BoolProgram):
        return {n for part in (program.must, program.must_not, program.should) for p in part for n in leaf_numbers(p)}
    return {program} if isinstance(program, int) else set()


@dataclass(frozen=True, slots=True)
class _Leaf:
    query: Node
    #: the fields the leaf reads: its own, then the parent of a sub-field (``message.raw`` reads ``message``).
    names: tuple[str, ...]


class FileQueries:
    """Queries compiled once for file-level evaluation, and the leaf answers files share.

    Compiling drops the clauses Lucene drops (they analysed to nothing) and
    numbers each distinct leaf, so evaluating a rule on a file walks a small
    tree of numbers: no query node is hashed again, which was most of the
    cost of choosing a file's rules.  Share one instance only between filters
    of the same mapping and leaf matcher (a scan plan's).
    """

    def __init__(self, vanishes: Callable[[Node], bool]) -> None:
        #: whether Lucene drops a clause (it analysed to nothing); cached by the caller.
        self.vanishes = vanishes
        #: each numbered leaf.
        self.leaves: list[_Leaf] = []
        #: leaf answers by (leaf number, values of the fields it reads, tags events may append):
        #: the same for every file with those values.
        self.verdicts: dict[tuple[int, tuple[tuple[str, tuple[str, ...]], ...], tuple[str, ...]], Verdict] = {}
        self._numbers: dict[Node, int] = {}

    def compile(self, node: Node) -> Program:
        """``node`` as a program; a leaf Lucene drops is UNKNOWN (the matcher decides what it matches)."""
        if isinstance(node, Bool):
            return self._bool(node)
        if isinstance(node, MatchAll):
            return Verdict.TRUE
        if self.vanishes(node):
            return Verdict.UNKNOWN
        number = self._numbers.get(node)
        if number is None:
            name = node.field
            names = (name, name.rsplit(".", 1)[0]) if "." in name else (name,)
            number = self._numbers[node] = len(self.leaves)
            self.leaves.append(_Leaf(node, names))
        return number

    def _bool(self, node: Bool) -> Program:
        kept = [c for c in node.clauses if not self.vanishes(c.query)]
        if not kept:
            return Verdict.UNKNOWN  # what an empty query matches is the matcher's business
        by_occur: dict[Occur, list[Program]] = {occur: [] for occur in Occur}
        for clause in kept:
            by_occur[clause.occur].append(self.compile(clause.query))
        return BoolProgram(tuple(by_occur[Occur.MUST]), tuple(by_occur[Occur.MUST_NOT]), tuple(by_occur[Occur.SHOULD]))


class FileFilter:
    """Evaluates queries over the file-level fields of one file, sharing leaf answers across rules.

    ``shared`` holds the compiled queries and leaf answers to share with the
    filters of other files (by default this filter's own).
    """

    def __init__(
        self,
        mapping: FieldMappings,
        file_fields: Fields,
        events: EventFieldModel,
        leaf_matches: LeafMatcher,
        vanishes: Callable[[Node], bool],
        shared: FileQueries | None = None,
    ) -> None:
        self.mapping = mapping
        self.file_fields = file_fields
        self.events = events
        self.leaf_matches = leaf_matches
        self.queries = FileQueries(vanishes) if shared is None else shared
        self._leaves: dict[int, Verdict] = {}

    def verdict(self, node: Node) -> Verdict:
        """TRUE / FALSE when the file's fields alone decide ``node`` for every event, else UNKNOWN."""
        return self.evaluate(self.queries.compile(node))

    def evaluate(self, program: Program) -> Verdict:
        """The verdict of a query compiled by this filter's :class:`FileQueries`."""
        if isinstance(program, int):
            known = self._leaves.get(program)
            if known is None:
                known = self._leaves[program] = self._leaf(program)
            return known
        if isinstance(program, Verdict):
            return program
        return self._bool(program)

    def _leaf(self, number: int) -> Verdict:
        leaf = self.queries.leaves[number]
        names = leaf.names
        own = self.events.own
        if own is None or any(n in own for n in names) or names[0] == self.mapping.default_field:
            return Verdict.UNKNOWN
        relevant = tuple((n, self.file_fields.get(n, ())) for n in names)
        appended = self.events.appended.get(names[-1], ())
        key = (number, relevant, appended)
        known = self.queries.verdicts.get(key)
        if known is None:
            answers = set()
            for values in self.events.variants(names[-1], relevant[-1][1]):
                fields = {n: v for n, v in relevant if v}
                if values:
                    fields[names[-1]] = values
                else:
                    fields.pop(names[-1], None)
                answers.add(self.leaf_matches(leaf.query, fields))
            known = Verdict.TRUE if answers == {True} else Verdict.FALSE if answers == {False} else Verdict.UNKNOWN
            self.queries.verdicts[key] = known
        return known

    def _bool(self, program: BoolProgram) -> Verdict:
        """Lucene's Bool over three-valued clauses: FALSE as soon as it is sure, TRUE only when settled."""
        settled = True
        for clause in program.must:
            verdict = self.evaluate(clause)
            if verdict is Verdict.FALSE:
                return Verdict.FALSE
            settled = settled and verdict is Verdict.TRUE
        for clause in program.must_not:
            verdict = self.evaluate(clause)
            if verdict is Verdict.TRUE:
                return Verdict.FALSE
            settled = settled and verdict is Verdict.FALSE
        if program.must:
            return Verdict.TRUE if settled else Verdict.UNKNOWN
        shoulds = [self.evaluate(clause) for clause in program.should]
        if shoulds and all(v is Verdict.FALSE for v in shoulds):
            return Verdict.FALSE
        if settled and Verdict.TRUE in shoulds:
            return Verdict.TRUE
        return Verdict.UNKNOWN
