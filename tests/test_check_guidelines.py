"""Guideline lints: each guideline fires on the query that breaks it, and only there."""

from __future__ import annotations

from pathlib import Path

import pytest

from fingerlog.mapping import load_mapping
from fingerlog.query.parser import parse_query
from fingerlog.rules import load_rule, load_rules
from fingerlog.rules.guidelines import GUIDELINES, KNOWN_FIELDS, Severity, lint_rule, restricts_file


def _lint(tmp_path: Path, query: str) -> list[tuple[str, int, int, str]]:
    path = tmp_path / "r.yaml"
    path.write_text(f"query: >-\n  {query}\n", encoding="utf-8")
    findings = lint_rule(load_rule(path), load_mapping())
    return [(f.guideline.id, f.line, f.column, f.message) for f in findings]


GOOD = 'message:"No valid host was found" AND tags:"screen-n-sch.txt"'


@pytest.mark.parametrize(
    ("query", "guideline", "fragment"),
    [
        ('message:"x y" AND tags:"console" AND build_name:gate-nova-*', "FL101", "build_name uses a wildcard"),
        ('message:"x y" AND filename:"logs/screen-n-cpu.txt"', "FL102", 'tags:"screen-n-cpu.txt"'),
        ('message:"No valid host was found"', "FL103", "tags or filename"),
        ('message:"x y" OR tags:"console"', "FL103", "tags or filename"),
        ('message:*host AND tags:"console"', "FL104", "starts with a wildcard"),
        ('mesage:"x y" AND tags:"console"', "FL105", "did you mean 'message'"),
        ('message:"x y" AND tag:"console"', "FL105", "did you mean 'tags'"),
        ('message:"a b" AND tags:"console" OR tags:"syslog"', "FL106", "add parentheses"),
        ('message:"a b" AND tags:"console" message:"c"', "FL106", "implicit OR"),
        ('message:"a b" AND loglevel:DEBUG AND tags:"screen"', "FL107", "loglevel:DEBUG"),
        ('tags:"console" AND NOT message:"all fine"', "FL108", "every event is evaluated"),
        ('message:/.*fail.*/ AND tags:"console"', "FL108", "every event is evaluated"),
    ],
)
def test_guideline_fires_on_the_query_that_breaks_it(tmp_path: Path, query: str, guideline: str, fragment: str) -> None:
    found = {g: m for g, _, _, m in _lint(tmp_path, query)}
    assert guideline in found, found
    assert fragment in found[guideline]


def test_a_well_written_rule_has_no_findings(tmp_path: Path) -> None:
    assert _lint(tmp_path, GOOD) == []


def test_findings_point_at_the_clause_in_the_file(tmp_path: Path) -> None:
    """Line 2, after the two-space indentation of the folded block: where `mesage` is written."""
    findings = _lint(tmp_path, 'message:"x y" AND mesage:"z"')
    unknown = next(f for f in findings if f[0] == "FL105")
    assert unknown[1:3] == (2, len('  message:"x y" AND ') + 1)


@pytest.mark.parametrize(
    ("query", "restricted"),
    [
        (GOOD, True),
        ('message:"a" AND (tags:"console" OR filename:"console.html")', True),
        ('(tags:"console" AND message:"a") OR (tags:"syslog" AND message:"b")', True),
        ('message:"a" AND NOT tags:"console"', False),
        ('message:"a" OR tags:"console"', False),
        ('message:"a"', False),
    ],
)
def test_restricts_file_requires_a_positive_file_clause(query: str, restricted: bool) -> None:
    assert restricts_file(parse_query(query)) is restricted


def test_guideline_ids_are_unique_and_documented() -> None:
    ids = [g.id for g in GUIDELINES]
    assert len(ids) == len(set(ids))
    doc = (Path(__file__).parent.parent / "docs" / "check.md").read_text(encoding="utf-8")
    for g in GUIDELINES:
        assert g.id in doc and g.name in doc
        assert g.severity in (Severity.ERROR, Severity.WARNING) and g.why


def test_every_field_the_sources_derive_is_known() -> None:
    """FL105 must never call a field fingerlog itself produces unknown (kept in step with sources)."""
    from fingerlog.sources.build import BUILD_FIELD_RULES
    from fingerlog.sources.formats import FORMATS

    derived = {rule.field for rule in BUILD_FIELD_RULES}
    for fmt in FORMATS.values():
        if fmt.grok is not None:
            derived |= set(fmt.grok.groupindex) - {"logdate", "logmessage"}  # become @timestamp, message
    assert derived <= KNOWN_FIELDS


@pytest.fixture(scope="module")
def corpus_findings(corpus: Path) -> dict[str, set[str]]:
    """Guideline ids per real elastic-recheck fingerprint (all 925 of them)."""
    ruleset = load_rules(corpus / "elastic-recheck" / "queries")
    assert len(ruleset.rules) == 925 and not ruleset.errors
    mapping = load_mapping()
    return {rule.id: {f.guideline.id for f in lint_rule(rule, mapping)} for rule in ruleset.rules}


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("rule_id", "guideline"),
    [
        ("1224208", "FL101"),  # build_name:*-swift-python26*
        ("1224208", "FL104"),
        ("1103082", "FL102"),  # filename:"console.html"
        ("1225664", "FL102"),  # filename:"logs/syslog.txt"
        ("1261554", "FL103"),  # a message clause and nothing else
        ("1295808", "FL106"),  # (a AND b) OR (c AND d) AND e AND f
    ],
)
def test_real_fingerprints_that_break_a_guideline(corpus_findings: dict[str, set[str]], rule_id: str,
                                                  guideline: str) -> None:
    assert guideline in corpus_findings[rule_id]


@pytest.mark.corpus
def test_no_real_fingerprint_uses_a_field_called_unknown(corpus_findings: dict[str, set[str]]) -> None:
    """FL105 has no false positive on the 925 fingerprints elastic-recheck really ran."""
    assert [rule_id for rule_id, ids in corpus_findings.items() if "FL105" in ids] == []
