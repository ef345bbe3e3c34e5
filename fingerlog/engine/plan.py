"""A rule set compiled once for scanning: matchers, required literals, scanners per active set.

Compiling ~1,000 queries and a literal database costs far more than scanning a
small job, so a plan is built once per process and reused for every build the
process scans (the batch engines call :func:`fingerlog.engine.scan.scan_build`
once per build).  A rule's matcher is compiled when its first candidate event
comes (most rules of a pack never see one in a given job); which rules
Elasticsearch would refuse is known up front all the same, from the refusal
cache (:mod:`fingerlog.engine.refusals`) or, on a miss, by compiling every rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from fingerlog.backends.literals import (
    VERBATIM_FIELDS,
    Requirement,
    required_literals,
    vanishes,
)
from fingerlog.backends.matcher import EventIndex, compile_query
from fingerlog.engine import refusals
from fingerlog.engine.filters import BoolProgram, FileQueries, Program, leaf_numbers
from fingerlog.engine.prefilter import LiteralScanner, make_scanner
from fingerlog.errors import FingerlogError
from fingerlog.mapping import FieldMappings
from fingerlog.query.nodes import Bool, MatchAll, Node
from fingerlog.records import Fields


class RuleLike(Protocol):
    """What the engine needs of a rule: its id and its parsed query (read-only: rules are frozen)."""

    @property
    def id(self) -> str: ...

    @property
    def query(self) -> Node: ...


class Matcher(Protocol):
    def matches(self, event: Fields | EventIndex) -> bool: ...


@dataclass(frozen=True, slots=True)
class PlannedRule:
    """One rule ready to run: its matcher, and the leaves a file's fields may decide."""

    id: str
    query: Node
    matcher: Matcher
    #: leaf clauses on fields other than the verbatim ones (``tags``, ``build_name``, ...).
    file_leaves: tuple[Node, ...]
    #: the fields those leaves read (a sub-field with its parent): what a file-level answer depends on.
    file_field_names: tuple[str, ...]


class _LazyMatcher:
    """A rule's matcher compiled when it is first asked about an event, then that matcher's own method."""

    __slots__ = ("_mapping", "_node", "matches")

    def __init__(self, node: Node, mapping: FieldMappings) -> None:
        self._node, self._mapping = node, mapping
        self.matches: Callable[[Fields | EventIndex], bool] = self._compile_and_match

    def _compile_and_match(self, event: Fields | EventIndex) -> bool:
        compiled = compile_query(self._node, self._mapping)
        self.matches = compiled.matches
        return compiled.matches(event)


def _read_fields(leaves: tuple[Node, ...]) -> tuple[str, ...]:
    names: set[str] = set()
    for leaf in leaves:
        name = leaf.field  # type: ignore[union-attr]
        names.add(name)
        if "." in name:
            names.add(name.rsplit(".", 1)[0])
    return tuple(sorted(names))


def _file_leaves(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Bool):
        return tuple(leaf for clause in node.clauses for leaf in _file_leaves(clause.query))
    if isinstance(node, MatchAll) or node.field in VERBATIM_FIELDS:
        return ()
    return (node,)


@dataclass(frozen=True, slots=True)
class LiteralSet:
    """A scanner over the literals of some active rules, and which of those rules each literal serves."""

    scanner: LiteralScanner
    #: for literal ``i`` of the scanner: the indexes (into the plan's rules) it is a candidate for.
    rules_of: tuple[tuple[int, ...], ...]


#: which of a rule's file leaves can never match in a file (in ``file_leaves`` order).
Impossible = tuple[bool, ...]


class ScanPlan:
    """Rules compiled for one mapping, with a cache of literal scanners per set of active rules."""

    def __init__(self, rules: Iterable[RuleLike], mapping: FieldMappings, *, scanner: str | None = None) -> None:
        self.mapping = mapping
        self.scanner_backend = scanner
        rules = tuple(rules)
        planned: list[PlannedRule] = []
        #: rules Elasticsearch would refuse under this mapping (id, why): left out, the others still run.
        self.refused: list[tuple[str, str]] = []
        entry = refusals.entry(rules, mapping)
        known = refusals.lookup(entry)
        found: dict[int, str] = {}
        for position, rule in enumerate(rules):
            matcher: Matcher
            if known is not None:
                why = known.get(position)
                matcher = _LazyMatcher(rule.query, mapping)
            else:  # not known for these queries and this code: compile all now, and remember the refusals
                try:
                    why, matcher = None, compile_query(rule.query, mapping)
                except FingerlogError as exc:  # e.g. a term analysed into more than 1,024 clauses
                    why = found[position] = str(exc)
            if why is not None:
                self.refused.append((rule.id, why))
                continue
            leaves = _file_leaves(rule.query)
            planned.append(PlannedRule(rule.id, rule.query, matcher, leaves, _read_fields(leaves)))
        if known is None:
            refusals.remember(entry, found)
        self.rules: tuple[PlannedRule, ...] = tuple(planned)
        #: rule indexes by the file fields their file-level clauses read.
        self.field_groups: dict[tuple[str, ...], tuple[int, ...]] = {}
        for index, planned_rule in enumerate(self.rules):
            names = planned_rule.file_field_names
            self.field_groups[names] = (*self.field_groups.get(names, ()), index)
        #: per (event model, group, values of its fields): the group's file-level state (see active.active_rules).
        self.file_states: dict[Any, Any] = {}
        self._leaf_matchers: dict[Node, Matcher] = {}
        self._vanishing: dict[Node, bool] = {}
        #: rule queries compiled for file-level evaluation (see :meth:`file_programs`), and the
        #: file-level leaf answers shared between files.
        self.file_queries = FileQueries(self.vanishes)
        self._file_programs: dict[int, tuple[Program, tuple[Program, ...]]] = {}
        self._gates: dict[tuple[int, ...], tuple[tuple[Program | None, tuple[int, ...]], ...]] = {}
        self._requirements: dict[tuple[int, Impossible], Requirement] = {}
        self._literal_sets: dict[frozenset[tuple[int, frozenset[str]]], LiteralSet] = {}

    def leaf_matches(self, node: Node, fields: Fields) -> bool:
        """Whether one leaf query matches ``fields`` (file-level filters), compiled once per leaf."""
        matcher = self._leaf_matchers.get(node)
        if matcher is None:
            matcher = self._leaf_matchers[node] = compile_query(node, self.mapping)
        return matcher.matches(fields)

    def vanishes(self, node: Node) -> bool:
        """Whether Lucene drops ``node`` (it analyses to nothing), cached per node."""
        found = self._vanishing.get(node)
        if found is None:
            found = self._vanishing[node] = vanishes(node, self.mapping)
        return found

    def file_programs(self, index: int) -> tuple[Program, tuple[Program, ...]]:
        """Rule ``index``'s query and its file leaves compiled by :attr:`file_queries` (once, when first needed)."""
        found = self._file_programs.get(index)
        if found is None:
            rule = self.rules[index]
            compile_ = self.file_queries.compile
            found = self._file_programs[index] = (compile_(rule.query), tuple(map(compile_, rule.file_leaves)))
        return found

    def gated(self, indexes: tuple[int, ...]) -> tuple[tuple[Program | None, tuple[int, ...]], ...]:
        """Rules ``indexes`` by their *gate*: a required clause of theirs that reads only file fields.

        Where a file's fields make a gate FALSE, every rule behind it is FALSE
        too, so the ~600 rules naming their file by ``tags`` cost a file about
        one look-up per distinct file they name.  ``None`` gates rules without one.
        """
        found = self._gates.get(indexes)
        if found is None:
            by_gate: dict[Program | None, list[int]] = {}
            for index in indexes:
                query, file_leaves = self.file_programs(index)
                musts = query.must if isinstance(query, BoolProgram) else (query,)
                readable = set(file_leaves)
                gate = next((must for must in musts if (reads := leaf_numbers(must)) and reads <= readable), None)
                by_gate.setdefault(gate, []).append(index)
            found = self._gates[indexes] = tuple((gate, tuple(gated)) for gate, gated in by_gate.items())
        return found

    def requirement(self, index: int, impossible: Impossible) -> Requirement:
        """Rule ``index``'s literals in a file where its file leaves flagged in ``impossible`` never match."""
        key = (index, impossible)
        if key not in self._requirements:
            dead = {leaf for leaf, flag in zip(self.rules[index].file_leaves, impossible) if flag}
            self._requirements[key] = required_literals(
                self.rules[index].query, self.mapping, impossible=dead.__contains__
            )
        return self._requirements[key]

    def new_event(self, fields: Fields) -> EventIndex:
        """One event's analysed fields, shared by every rule run on it."""
        return EventIndex(fields, self.mapping)

    def literal_set(self, keyed: frozenset[tuple[int, frozenset[str]]]) -> LiteralSet:
        """The scanner for rules keyed on literals: (rule index, its alternatives) pairs (cached)."""
        found = self._literal_sets.get(keyed)
        if found is None:
            serves: dict[str, list[int]] = {}
            for index, literals in sorted(keyed, key=lambda pair: pair[0]):
                for literal in sorted(literals):
                    serves.setdefault(literal, []).append(index)
            ordered = sorted(serves)
            found = LiteralSet(
                scanner=make_scanner(ordered, self.scanner_backend),
                rules_of=tuple(tuple(serves[literal]) for literal in ordered),
            )
            self._literal_sets[keyed] = found
        return found


def _mapping_key(mapping: FieldMappings) -> Any:
    return (mapping.name, mapping.default, tuple(sorted(mapping.fields.items())), mapping.default_field,
            mapping.position_increment_gap, mapping.max_token_length)


#: the plan of the last call: (mapping and scanner key, its rules, the plan); one rule set per process at a time.
_LAST: list[tuple[Any, tuple[RuleLike, ...], ScanPlan]] = []


def _same_rules(known: tuple[RuleLike, ...], rules: tuple[RuleLike, ...]) -> bool:
    """Same ids and queries, in order; the same objects are not compared (hashing ~1,000 trees cost ~7 ms)."""
    return len(known) == len(rules) and all(
        old is new or (old.id == new.id and old.query == new.query) for old, new in zip(known, rules)
    )


def plan_for(rules: Iterable[RuleLike], mapping: FieldMappings, *, scanner: str | None = None) -> ScanPlan:
    """The plan for these rules and mapping, compiled once per process."""
    rules = tuple(rules)
    head = (_mapping_key(mapping), scanner)
    if _LAST and _LAST[0][0] == head and _same_rules(_LAST[0][1], rules):
        return _LAST[0][2]
    plan = ScanPlan(rules, mapping, scanner=scanner)
    _LAST[:] = [(head, rules, plan)]  # keeps memory bounded
    return plan
