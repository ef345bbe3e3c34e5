"""Which rules may match in one file, decided from the file's own fields before it is read.

A rule whose file-level clauses (``tags``, ``filename``, build fields) cannot
hold for a file is not run there, and the literals a rule needs in that file
are what the scan's prefilter looks for.  Answers are cached per group of
rules reading the same file fields and per those fields' values, so files of
the same kind in other builds cost a look-up.  A file of a new kind (every
file, for the rules reading ``filename``) judges a group's rules behind
their gates (:meth:`ScanPlan.gated`): rules that need ``tags:"screen-n-cpu.txt"``
are ruled out together by one leaf answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from fingerlog.backends.literals import IMPOSSIBLE, Requirement
from fingerlog.engine.filters import EventFieldModel, FileFilter, Verdict
from fingerlog.engine.plan import ScanPlan
from fingerlog.sources.formats import LogFormat
from fingerlog.sources.job import LogFile

#: fields every line format sets from an event's own text (besides its grok captures).
_LINE_EVENT_FIELDS = frozenset({"message", "@timestamp", "request_id"})
#: tags logstash appended to an event's file tags, in this order.
_EVENT_TAGS = ("multiline", "_grokparsefailure", "_dateparsefailure")


def event_field_model(fmt: LogFormat) -> EventFieldModel:
    """What events of ``fmt`` may change in their file's fields (documents: anything)."""
    if not fmt.prefilterable:
        return EventFieldModel(own=None)
    captured = frozenset(fmt.grok.groupindex) if fmt.grok is not None else frozenset()
    return EventFieldModel(own=_LINE_EVENT_FIELDS | captured, appended={"tags": _EVENT_TAGS})


@dataclass(frozen=True)
class ActiveRules:
    """The rules that may match in one file: their literals there, and those its fields alone satisfy."""

    requirements: dict[int, Requirement]
    #: rules every event of the file matches (``... OR tags:"console"`` in a console log): no matcher call.
    always: frozenset[int]


def active_rules(plan: ScanPlan, logfile: LogFile) -> ActiveRules:
    """The rules the file's own fields do not rule out, each with its literals in this file.

    A rule's answer depends only on the values of the fields its file-level
    clauses read, so it is remembered per group of rules reading the same
    fields and per their values: files of the same kind in other builds or on
    other nodes reuse it, and a file costs one look-up per group, not per rule.
    """
    model = event_field_model(logfile.format)
    model_key = (model.own, tuple(sorted(model.appended.items())))
    file_filter: FileFilter | None = None
    active: dict[int, Requirement] = {}
    always: set[int] = set()
    fields = logfile.fields
    for names, indexes in plan.field_groups.items():
        key = (model_key, names, tuple(fields.get(name) for name in names))
        group = plan.file_states.get(key)
        if group is None:
            if file_filter is None:
                file_filter = FileFilter(
                    plan.mapping, fields, model, plan.leaf_matches, plan.vanishes, plan.file_queries
                )
            group = plan.file_states[key] = _group_state(plan, indexes, file_filter)
        active.update(group.requirements)
        always.update(group.always)
    return ActiveRules(dict(sorted(active.items())), frozenset(always))


def _group_state(plan: ScanPlan, indexes: tuple[int, ...], file_filter: FileFilter) -> ActiveRules:
    """The active rules among ``indexes`` (rules reading the same file fields) for a file's fields."""
    active: dict[int, Requirement] = {}
    always: set[int] = set()
    for gate, gated in plan.gated(indexes):
        if gate is not None and file_filter.evaluate(gate) is Verdict.FALSE:
            continue  # every rule behind the gate is FALSE here
        for index in gated:
            verdict, requirement = _file_state(plan, index, file_filter)
            if verdict is Verdict.FALSE or requirement == IMPOSSIBLE:
                continue
            active[index] = requirement
            if verdict is Verdict.TRUE:
                always.add(index)
    return ActiveRules(active, frozenset(always))


def _file_state(plan: ScanPlan, index: int, file_filter: FileFilter) -> tuple[Verdict, Requirement]:
    """Rule ``index``'s verdict on a file's fields, and its literals there."""
    query, leaves = plan.file_programs(index)
    verdict = file_filter.evaluate(query)
    if verdict is Verdict.FALSE:
        return verdict, IMPOSSIBLE
    impossible = tuple(file_filter.evaluate(leaf) is Verdict.FALSE for leaf in leaves)
    return verdict, plan.requirement(index, impossible)
