"""Golden translations of representative rules, in every output format, proven by Lucene.

``tests/golden/translate/rules/`` holds one rule per construct (phrase,
keyword term, wildcard, regex, range, exists, NOT, mixed AND/OR, escapes,
...); ``expected/<rule>.json`` holds its translations (lucene, dsl per
mapping profile and ES version, kibana-url) and findings, so a change in
any output shows in review.  Regenerate with ``FINGERLOG_UPDATE_GOLDEN=1``.

Golden files alone would freeze mistakes, so the DSL of every golden rule is
also run by the referee against the original query over documents built from
the rule's own clauses (with case changes and near misses).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fingerlog.backends.es_target import ALL_FIELD, LEGACY_ALL_FIELD, EsVersion, Target
from fingerlog.backends.translate import TranslationTarget, translate
from fingerlog.cli import main
from fingerlog.mapping import FieldKind, FieldMapping, available_mappings, load_mapping
from fingerlog.query.nodes import Bool, Node, Occur, Phrase, Prefix, Range, Regexp, Term, Wildcard, WildcardToken
from fingerlog.rules.loader import load_rule

GOLDEN = Path(__file__).parent / "golden" / "translate"
RULES = sorted((GOLDEN / "rules").glob("*.yaml"))
UPDATE = os.environ.get("FINGERLOG_UPDATE_GOLDEN") == "1"


def translations(path: Path) -> dict[str, Any]:
    """Every output format of one rule, as the golden file records it."""
    rule = load_rule(path)
    out: dict[str, Any] = {"query": rule.query_text.strip()}
    for to in TranslationTarget:
        if to is TranslationTarget.DSL:
            continue
        result = translate(rule.query, to, load_mapping(None))
        out[to.value] = result.value
        out[f"{to.value} findings"] = [f.message for f in result.findings]
    out["dsl"] = {}
    for profile in available_mappings():
        result = translate(rule.query, TranslationTarget.DSL, load_mapping(profile))
        out["dsl"][profile] = {"query": result.value, "findings": [f.message for f in result.findings]}
    return out


@pytest.mark.parametrize("path", RULES, ids=[p.stem for p in RULES])
def test_golden_translation(path: Path) -> None:
    expected_path = GOLDEN / "expected" / f"{path.stem}.json"
    actual = translations(path)
    if UPDATE:
        expected_path.parent.mkdir(exist_ok=True)
        expected_path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert expected_path.is_file(), f"no golden file {expected_path}; run with FINGERLOG_UPDATE_GOLDEN=1"
    assert actual == json.loads(expected_path.read_text(encoding="utf-8"))


def test_every_golden_file_has_its_rule() -> None:
    assert {p.stem for p in (GOLDEN / "expected").glob("*.json")} == {p.stem for p in RULES}


@pytest.mark.parametrize("version", list(EsVersion))
def test_dsl_is_the_same_for_every_supported_version(version: EsVersion) -> None:
    """ES 7, 8 and OpenSearch 2 read this DSL the same way; only the template differs."""
    for path in RULES:
        node = load_rule(path).query
        mapping = load_mapping("keyword")
        assert translate(node, TranslationTarget.DSL, mapping, Target(version=version)).value == \
            translate(node, TranslationTarget.DSL, mapping).value


# -- proof by the referee --------------------------------------------------------------


#: values tried on every regexp leaf's field (regexps have no simple inverse)
REGEXP_SAMPLES = ("gate-nova-python27", "gate-nova-Python27", "error42", "errord", "x")


def _variants(node: Node) -> list[tuple[str, str]]:
    """Field values a leaf matches, as written, upper-cased and lower-cased (keyword fields
    are case-sensitive, lowercase_expanded_terms is not: the DSL must agree on all)."""
    field = "message" if getattr(node, "field", "") == LEGACY_ALL_FIELD else getattr(node, "field", "build_name")
    if isinstance(node, (Term, Phrase)):
        text = node.text
    elif isinstance(node, Prefix):
        text = node.text + "Zz"
    elif isinstance(node, Wildcard):
        text = "".join("Ab" if p is WildcardToken.ANY_STRING else "c" if p is WildcardToken.ANY_CHAR else p
                       for p in node.parts)
    elif isinstance(node, Regexp):
        return [(field, sample) for sample in REGEXP_SAMPLES]
    elif isinstance(node, Range):
        text = node.lower or node.upper or "5"
    else:
        return [(field, "present")]
    return [(field, text), (field, text.upper()), (field, text.lower())]


def _leaves(node: Node, negated: bool = False) -> list[tuple[bool, Node]]:
    if isinstance(node, Bool):
        return [leaf for c in node.clauses for leaf in _leaves(c.query, negated or c.occur is Occur.MUST_NOT)]
    return [(negated, node)]


def _doc(doc_id: str, values: list[tuple[str, str]]) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    for field, value in values:
        fields.setdefault(field, []).append(value)
    return {"_id": doc_id, "fields": fields}


def _docs(nodes: list[Node]) -> list[dict[str, Any]]:
    """Per rule: every variant alone, all positive leaves together (one variant at a
    time), and that plus each negated leaf (a near miss)."""
    docs = [{"_id": "empty-message", "fields": {"message": ["..."], "tags": ["console"]}}]
    for n, node in enumerate(nodes):
        leaves = _leaves(node)
        variants = [(negated, _variants(leaf)) for negated, leaf in leaves]
        docs += [_doc(f"{n}-leaf{i}-{k}", [v]) for i, (_, vs) in enumerate(variants) for k, v in enumerate(vs)]
        for k in range(3):
            positive = [vs[min(k, len(vs) - 1)] for negated, vs in variants if not negated]
            if k == 0:
                positive += [v for negated, vs in variants if not negated for v in vs[3:]]
            docs.append(_doc(f"{n}-all-{k}", positive))
            docs += [_doc(f"{n}-all-{k}-not{i}", positive + vs[:1]) for i, (negated, vs) in enumerate(variants)
                     if negated]
    return docs


@pytest.mark.lucene
@pytest.mark.parametrize("profile", available_mappings())
def test_golden_dsl_returns_what_the_query_returns(lucene: Any, profile: str) -> None:
    mapping = load_mapping(profile)
    rules = [load_rule(p) for p in RULES]
    docs = _docs([r.query for r in rules])
    target = Target(all_field=LEGACY_ALL_FIELD)
    dsl = [translate(r.query, TranslationTarget.DSL, mapping, target).value for r in rules]
    expected = lucene.match(docs, [r.query_text for r in rules], mapping)
    got = lucene.match_dsl(docs, dsl, mapping)
    for rule, e, g, query in zip(rules, expected, got, dsl):
        assert isinstance(e, set), (rule.id, e)
        assert e == g, f"{rule.id}: query {sorted(e)} != dsl {sorted(g) if isinstance(g, set) else g}\n{query}"
    if profile == "keyword":  # there every rule can match whole values; analyzed fields split them
        assert all(expected), [r.id for r, e in zip(rules, expected) if not e]


def _with_copy_to(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the template's ``copy_to`` builds: every value, in field order, in ``all_fields``."""
    return [
        {"_id": d["_id"], "fields": {**d["fields"], ALL_FIELD: [v for vs in d["fields"].values() for v in vs]}}
        for d in docs
    ]


@pytest.mark.lucene
@pytest.mark.parametrize("profile", [p for p in available_mappings() if load_mapping(p).all_field])
def test_copy_to_field_stands_in_for_all(lucene: Any, profile: str) -> None:
    """The DSL as shipped (bare terms on ``all_fields``), over documents indexed with the
    template's catch-all field, returns what the original query returns with ES 1.x's ``_all``."""
    mapping = load_mapping(profile)
    with_all_fields = dataclasses.replace(
        mapping, fields={**mapping.fields, ALL_FIELD: FieldMapping(FieldKind.TEXT)}
    )
    rules = [load_rule(p) for p in RULES]
    docs = _docs([r.query for r in rules])
    dsl = [translate(r.query, TranslationTarget.DSL, mapping).value for r in rules]
    expected = lucene.match(docs, [r.query_text for r in rules], mapping)
    got = lucene.match_dsl(_with_copy_to(docs), dsl, with_all_fields)
    assert [r.id for r, e, g in zip(rules, expected, got) if e != g] == []
    assert expected[[r.id for r in rules].index("bare_terms")]  # the bare-term rule does match


# -- the command ------------------------------------------------------------------------


def test_command_outputs_one_object_per_rule() -> None:
    result = CliRunner().invoke(main, ["translate", str(GOLDEN / "rules"), "--to", "lucene"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [o["rule_id"] for o in out] == [p.stem for p in RULES]
    assert all(set(o) == {"rule_id", "lucene"} for o in out)


@pytest.mark.parametrize(("strict", "exit_code", "severity"), [(False, 0, "warning"), (True, 1, "error")])
def test_inexact_construct_is_located_in_the_rule_file(strict: bool, exit_code: int, severity: str) -> None:
    args = ["translate", str(GOLDEN / "rules" / "fuzzy.yaml"), "--to", "dsl"] + (["--strict"] if strict else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == exit_code
    assert f"fuzzy.yaml:1:8: {severity}: fuzzy term" in result.stderr
    assert json.loads(result.stdout)[0]["rule_id"] == "fuzzy"  # still translated


def test_broken_rule_is_reported_and_the_others_translated(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text("query: tags:console\n", encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("query: message:\"unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["translate", str(tmp_path), "--to", "dsl", "--mapping", "keyword"])
    assert result.exit_code == 1
    assert "bad.yaml:1:" in result.stderr and "Traceback" not in result.stderr
    assert json.loads(result.stdout) == [{"rule_id": "good", "dsl": {"term": {"tags": "console"}}}]


@pytest.mark.parametrize(("args", "message"), [
    (["--to", "sql"], "Invalid value for '--to'"),
    (["--to", "dsl", "--mapping", "nope"], "unknown mapping"),
])
def test_bad_usage_exits_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["translate", str(GOLDEN / "rules" / "phrase.yaml"), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_dynamic_index_layout_queries_keyword_subfields() -> None:
    args = ["translate", str(GOLDEN / "rules" / "keyword_term.yaml"), "--to", "dsl", "--mapping", "keyword",
            "--index-layout", "dynamic"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["dsl"] == {
        "bool": {"must": [{"term": {"build_name.keyword": "gate-nova-python27"}}, {"term": {"tags.keyword": "console"}}]}
    }
