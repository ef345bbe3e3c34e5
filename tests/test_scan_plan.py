"""The scan plan: refused rules are known before scanning, and matchers compiled on first use answer as compiled ones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fingerlog.backends.matcher import compile_query
from fingerlog.engine import plan as plan_module
from fingerlog.engine import refusals
from fingerlog.engine.plan import ScanPlan
from fingerlog.mapping import load_mapping
from fingerlog.query.nodes import Node, Phrase, Term
from fingerlog.records import Fields
from fingerlog.rules.loader import load_rules
from fingerlog.sources.documents import load_sample_events

#: a term the standard analyzer splits into 1,100 tokens: more clauses than a boolean may hold,
#: so Elasticsearch refused it on an analyzed field and ran it as one keyword term otherwise
LONG_TERM = "-".join(f"w{number}" for number in range(1100))


@dataclass(frozen=True)
class Planned:
    id: str
    query: Node


RULES = [
    Planned("host", Phrase("message", "No valid host was found")),
    Planned("long", Term("build_name", LONG_TERM)),
    Planned("timeout", Term("message", "timeout")),
]


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FINGERLOG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("FINGERLOG_NO_CACHE", raising=False)
    return tmp_path / "cache" / "refusals"


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[Node]:
    """The queries the plan compiles."""
    seen: list[Node] = []

    def counting(node: Node, mapping: Any) -> Any:
        seen.append(node)
        return compile_query(node, mapping)

    monkeypatch.setattr(plan_module, "compile_query", counting)
    return seen


# (mapping, the rules it refuses): only where build_name is analyzed does the long term split
REFUSALS = [("openstack", []), ("analyzed", ["long"]), ("keyword", [])]


@pytest.mark.parametrize(("mapping_name", "refused"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_rules_are_the_same_when_compiled_and_when_remembered(
    cache_dir: Path, compiles: list[Node], mapping_name: str, refused: list[str]
) -> None:
    mapping = load_mapping(mapping_name)
    first = ScanPlan(RULES, mapping)
    assert len(compiles) == len(RULES)  # nothing remembered yet: every rule compiled
    compiles.clear()
    second = ScanPlan(RULES, mapping)
    assert compiles == []  # remembered: nothing compiled before an event comes
    for plan in (first, second):
        assert [rule_id for rule_id, _ in plan.refused] == refused
        assert all("more than the 1024 clauses" in why for _, why in plan.refused)
        assert [rule.id for rule in plan.rules] == [r.id for r in RULES if r.id not in refused]


def test_each_mapping_and_rule_list_has_its_own_entry(cache_dir: Path) -> None:
    for mapping_name, refused in REFUSALS + REFUSALS:
        assert [rule_id for rule_id, _ in ScanPlan(RULES, load_mapping(mapping_name)).refused] == refused
    assert [rule_id for rule_id, _ in ScanPlan(RULES[1:], load_mapping("analyzed")).refused] == ["long"]
    assert len(list(cache_dir.glob("*.pickle"))) == len(REFUSALS) + 1


EVENTS: list[Fields] = [
    {"message": ("ERROR No valid host was found. There are not enough hosts",), "build_name": ("x",)},
    {"message": ("Timeout waiting for a volume",), "build_name": (LONG_TERM,)},
    {"message": ("no valid host",), "tags": ("screen-n-sch.txt",)},
]


def test_a_matcher_compiled_on_first_use_answers_as_a_compiled_one(cache_dir: Path, compiles: list[Node]) -> None:
    mapping = load_mapping("openstack")
    ScanPlan(RULES, mapping)
    compiles.clear()
    plan = ScanPlan(RULES, mapping)
    for event in EVENTS:
        for rule in plan.rules:
            assert rule.matcher.matches(event) == compile_query(rule.query, mapping).matches(event)
    assert compiles == [rule.query for rule in plan.rules]  # each compiled once, on its first event


def test_the_corpus_refusals_and_answers_agree_with_and_without_the_cache(
    cache_dir: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = load_rules(corpus / "elastic-recheck/queries").rules
    mapping = load_mapping("analyzed")
    samples = sorted((corpus / "elastic-recheck/samples/logstash").glob("*.json"))
    events = [event.fields for sample in samples for event in load_sample_events(sample)]
    ScanPlan(rules, mapping)  # fills the cache
    remembered = ScanPlan(rules, mapping)
    monkeypatch.setenv("FINGERLOG_NO_CACHE", "1")
    compiled = ScanPlan(rules, mapping)
    assert remembered.refused == compiled.refused
    assert [r.id for r in remembered.rules] == [r.id for r in compiled.rules]
    assert len(events) > 100
    hits = 0
    for fields in events[::5]:
        one, other = remembered.new_event(fields), compiled.new_event(fields)
        lazy = [r.matcher.matches(one) for r in remembered.rules]
        assert lazy == [r.matcher.matches(other) for r in compiled.rules]
        hits += sum(lazy)
    assert hits > 10


# (how an entry is damaged): each is ignored, every rule compiled again, the answer unchanged
DAMAGE = [
    ("truncated", lambda p: p.write_bytes(p.read_bytes()[:10])),
    ("not a pickle", lambda p: p.write_bytes(b"\x00garbage" * 50)),
]


@pytest.mark.parametrize("damage", [d[1] for d in DAMAGE], ids=[d[0] for d in DAMAGE])
def test_a_damaged_entry_means_compiling_every_rule(cache_dir: Path, compiles: list[Node], damage: Any) -> None:
    mapping = load_mapping("analyzed")
    ScanPlan(RULES, mapping)
    (entry,) = cache_dir.glob("*.pickle")
    damage(entry)
    compiles.clear()
    assert [rule_id for rule_id, _ in ScanPlan(RULES, mapping).refused] == ["long"]
    assert len(compiles) == len(RULES)


def test_a_rule_is_known_by_its_text_when_loaded_and_by_its_tree_otherwise(tmp_path: Path, cache_dir: Path) -> None:
    (tmp_path / "1.yaml").write_text('query: message:"No valid host"\n')
    (rule,) = load_rules(tmp_path).rules
    mapping = load_mapping("openstack")
    by_text, by_tree = refusals.entry([rule], mapping), refusals.entry([Planned(rule.id, rule.query)], mapping)
    assert by_text is not None and by_tree is not None and by_text[1] != by_tree[1]
    other = refusals.entry([Planned(rule.id, Phrase("message", "No valid hosts"))], mapping)
    assert other is not None and other[1] != by_tree[1]


def test_plan_for_reuses_the_plan_for_equal_rules_and_mapping_only(cache_dir: Path) -> None:
    openstack, analyzed = load_mapping("openstack"), load_mapping("analyzed")
    plan = plan_module.plan_for(RULES, openstack)
    assert plan_module.plan_for(tuple(RULES), openstack) is plan
    assert plan_module.plan_for([Planned(r.id, r.query) for r in RULES], load_mapping("openstack")) is plan  # equal copies
    assert plan_module.plan_for(RULES, analyzed) is not plan
    renamed = [Planned("other", RULES[0].query), *RULES[1:]]
    assert plan_module.plan_for(renamed, analyzed).rules[0].id == "other"
    assert [rule.id for rule in plan_module.plan_for(RULES[:1], analyzed).rules] == ["host"]
