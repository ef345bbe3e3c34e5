"""A file's active rules: the cached, gated, compiled choice equals judging every rule afresh."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from fingerlog.backends.literals import IMPOSSIBLE, vanishes
from fingerlog.backends.matcher import compile_query
from fingerlog.engine.active import active_rules, event_field_model
from fingerlog.engine.filters import EventFieldModel, FileFilter, Verdict
from fingerlog.engine.plan import ScanPlan
from fingerlog.mapping import FieldMappings, load_mapping
from fingerlog.query.parser import parse_query
from fingerlog.rules.loader import load_rules
from fingerlog.sources import open_job
from fingerlog.sources.job import LogFile

REPO = Path(__file__).resolve().parent.parent
JOB_VIEW = "logs/os-loganalyze/job-view/gate-tempest-devstack-vm-neutron-02d68e3"
#: jobs of real file kinds (console, oslo screen logs, syslog, journal, zuul v3) seen twice over
FIXTURE_JOBS = ["fixtures/demo/tempest-full-2c4f9e1", "fixtures/clean/devstack-complete-2014",
                "fixtures/clean/cinder-api-journal-2017", "fixtures/clean/zuul-v3-post-readthedocs"]


def reference(plan: ScanPlan, mapping: FieldMappings, logfile: LogFile) -> tuple[dict[int, object], frozenset[int]]:
    """Every rule judged on its own: a fresh filter, no cache, no gate."""
    active: dict[int, object] = {}
    always: set[int] = set()
    for index, rule in enumerate(plan.rules):
        # the plan's compiled leaf matchers, but none of its cached answers
        judge = FileFilter(mapping, logfile.fields, event_field_model(logfile.format), plan.leaf_matches, plan.vanishes)
        verdict = judge.verdict(rule.query)
        if verdict is Verdict.FALSE:
            continue
        # the literals are computed per (rule, dead leaves) by a plain cache of required_literals
        requirement = plan.requirement(index, tuple(judge.verdict(leaf) is Verdict.FALSE for leaf in rule.file_leaves))
        if requirement == IMPOSSIBLE:
            continue
        active[index] = requirement
        if verdict is Verdict.TRUE:
            always.add(index)
    return active, frozenset(always)


@pytest.mark.parametrize("mapping_name", ["openstack", "analyzed"])
def test_active_rules_equal_every_rule_judged_afresh(corpus: Path, mapping_name: str) -> None:
    mapping = load_mapping(mapping_name)
    plan = ScanPlan(load_rules(corpus / "elastic-recheck/queries").rules, mapping)
    files = [f for job in [corpus / JOB_VIEW, *(REPO / j for j in FIXTURE_JOBS)] for f in open_job(job).files()]
    assert len({f.format.name for f in files}) >= 3
    expected = [reference(plan, mapping, logfile) for logfile in files]
    for _ in range(2):  # the second round answers from the plan's caches
        for logfile, answer in zip(files, expected):
            found = active_rules(plan, logfile)
            assert (found.requirements, found.always) == answer, logfile.path


#: leaves with a known verdict on a file tagged t1, t2, t3 whose events set ``message`` themselves
LEAVES = {Verdict.TRUE: "tags:t{}", Verdict.FALSE: "tags:f{}", Verdict.UNKNOWN: "message:u{}"}
FILE = {"filename": ("x.txt",), "tags": ("t0", "t1", "t2")}
EVENTS = EventFieldModel(own=frozenset({"message"}))


def lucene_bool(occurs: tuple[str, ...], values: tuple[bool, ...]) -> bool:
    """Whether a flat Bool with some MUST or SHOULD clause matches, given its clauses' answers."""
    musts = [v for o, v in zip(occurs, values) if o == "+"]
    shoulds = [v for o, v in zip(occurs, values) if o == ""]
    nots = [v for o, v in zip(occurs, values) if o == "-"]
    return all(musts) and not any(nots) and (bool(musts) or any(shoulds))


def expected(occurs: tuple[str, ...], verdicts: tuple[Verdict, ...]) -> Verdict:
    """TRUE/FALSE exactly when every reading of the UNKNOWN clauses agrees.

    A pure negative is left to the matcher (Lucene matches nothing, Elasticsearch
    may read it as "all but"), unless a clause that always matches excludes everything.
    """
    if all(o == "-" for o in occurs):
        return Verdict.FALSE if Verdict.TRUE in verdicts else Verdict.UNKNOWN
    readings = {
        lucene_bool(occurs, tuple(choice if v is Verdict.UNKNOWN else v is Verdict.TRUE for v, choice in zip(verdicts, choices)))
        for choices in itertools.product((True, False), repeat=len(occurs))
    }
    return Verdict.TRUE if readings == {True} else Verdict.FALSE if readings == {False} else Verdict.UNKNOWN


@pytest.mark.parametrize("size", [1, 2, 3])
def test_a_flat_bool_is_decided_exactly_when_its_known_clauses_decide_it(size: int) -> None:
    mapping = load_mapping("openstack")
    for occurs in itertools.product(("+", "", "-"), repeat=size):
        for verdicts in itertools.product(tuple(LEAVES), repeat=size):
            text = " ".join(o + LEAVES[v].format(i) for i, (o, v) in enumerate(zip(occurs, verdicts)))
            judge = FileFilter(mapping, FILE, EVENTS, lambda leaf, fields: compile_query(leaf, mapping).matches(fields),
                               lambda node: vanishes(node, mapping))
            assert judge.verdict(parse_query(text)) is expected(occurs, verdicts), text
