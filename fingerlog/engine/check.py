"""`fingerlog check`: prove a rules directory against its fixture logs, every rule x every fixture.

A fingerprint is only trustworthy if it matches the logs it was written for
and nothing else.  The check scans each fixture once with *all* rules and
judges every (rule, fixture) pair:

* a rule's own **positive** fixtures must be hit (with the expected number of
  events, or exactly the expected ``file:line`` events when given);
* its own **negative** fixtures must not be hit;
* a **clean** job (a successful run) must be hit by no rule at all;
* another rule's fixture must not be hit unless one of the two rules declares
  the overlap (``fixtures: {overlaps: [other-rule]}``).

Rules that do not load, lint errors, missing or unreadable fixtures are
failures too; everything is collected so one run reports all of them.  The
fixture format is documented in ``docs/check.md``.
"""

from __future__ import annotations

import difflib
import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fingerlog.engine.scan import scan_build
from fingerlog.errors import FingerlogError
from fingerlog.mapping import FieldMappings
from fingerlog.records import Hit
from fingerlog.rules import Problem, Rule, load_rules
from fingerlog.rules.guidelines import DEBUG_ONLY, DUPLICATE_RULE, Finding, Severity, lint_rule, position


class FixtureFormatError(FingerlogError):
    """A rule's ``fixtures`` key that does not follow the format of docs/check.md."""


class Role(enum.Enum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    CLEAN = "clean"


class Failure(enum.Enum):
    """Why a (rule, fixture) case failed; the value is the id shown to users and in JUnit."""

    MISSED_POSITIVE = "missed-positive"
    WRONG_HIT_COUNT = "wrong-hit-count"
    WRONG_LINES = "wrong-lines"
    HIT_NEGATIVE = "hit-negative"
    HIT_CLEAN = "hit-clean"
    UNDECLARED_OVERLAP = "undeclared-overlap"
    FIXTURE_MISSING = "fixture-missing"
    FIXTURE_UNREADABLE = "fixture-unreadable"
    NO_POSITIVE_FIXTURE = "no-positive-fixture"
    BAD_FIXTURES_KEY = "bad-fixtures-key"
    RULE_INVALID = "rule-invalid"
    LINT_ERROR = "lint-error"


@dataclass(frozen=True)
class Fixture:
    """One fixture: a job directory, archive, log file or events file, and what is expected of it."""

    path: Path
    role: Role
    #: the rule the fixture belongs to (None for a clean job).
    owner: str | None
    #: exact number of events the owner must hit (positives; None: at least one).
    hits: int | None = None
    #: exactly these events (``file:first_line``) must be hit (positives; None: not checked).
    lines: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        owner = f"{self.owner}/" if self.owner else ""
        return f"{self.role.value}:{owner}{self.path.name}"


@dataclass(frozen=True)
class Case:
    """The verdict for one rule on one fixture (or on the rule itself: ``fixture`` None)."""

    rule_id: str
    rule_path: str
    fixture: Fixture | None
    failure: Failure | None
    message: str
    hits: tuple[str, ...] = ()
    #: where in the rule file the failure belongs (1-based).
    line: int = 1
    column: int = 1

    @property
    def name(self) -> str:
        return self.fixture.label if self.fixture else "rule"

    @property
    def passed(self) -> bool:
        return self.failure is None


@dataclass
class CheckReport:
    """Everything one ``fingerlog check`` run found, in a stable order."""

    rules_dir: Path
    fixtures_dir: Path
    rule_ids: list[str] = field(default_factory=list)
    fixtures: list[Fixture] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: the loader's warnings (unknown keys, ...): shown, never a failure.
    load_warnings: list[Problem] = field(default_factory=list)

    @property
    def failures(self) -> list[Case]:
        return [case for case in self.cases if not case.passed]

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``--format json``)."""
        return {
            "ok": self.ok,
            "rules": len(self.rule_ids),
            "fixtures": len(self.fixtures),
            "cases": len(self.cases),
            "failures": [
                {
                    "rule_id": c.rule_id, "path": c.rule_path, "line": c.line, "column": c.column,
                    "fixture": str(c.fixture.path) if c.fixture else None,
                    "role": c.fixture.role.value if c.fixture else None,
                    "kind": c.failure.value if c.failure else None, "message": c.message, "hits": list(c.hits),
                }
                for c in self.failures
            ],
            "warnings": [p.to_dict() for p in self.load_warnings],
            "findings": [
                {
                    "rule_id": f.rule_id, "path": f.path, "line": f.line, "column": f.column,
                    "id": f.guideline.id, "name": f.guideline.name, "severity": f.severity.value,
                    "message": f.message,
                }
                for f in self.findings
            ],
        }


def _entry(raw: Any, base: Path, role: Role, owner: str, where: str) -> Fixture:
    if isinstance(raw, str):
        raw = {"path": raw}
    if not isinstance(raw, Mapping) or not isinstance(raw.get("path"), str):
        raise FixtureFormatError(f"{where}: a fixture is a path or a mapping with 'path'")
    unknown = set(raw) - {"path", "hits", "lines"}
    if unknown:
        raise FixtureFormatError(f"{where}: unknown fixture key(s) {', '.join(sorted(unknown))}")
    hits = raw.get("hits")
    if hits is not None and (isinstance(hits, bool) or not isinstance(hits, int) or hits < 1):
        raise FixtureFormatError(f"{where}: 'hits' is a positive whole number")
    lines = raw.get("lines")
    if lines is not None and (not isinstance(lines, list) or not all(isinstance(x, str) for x in lines)):
        raise FixtureFormatError(f"{where}: 'lines' is a list of 'file:line' strings")
    if role is Role.NEGATIVE and (hits is not None or lines is not None):
        raise FixtureFormatError(f"{where}: a negative fixture expects no hits; 'hits'/'lines' do not apply")
    return Fixture(base / raw["path"], role, owner, hits, tuple(lines) if lines is not None else None)


def rule_fixtures(rule_id: str, spec: Any, fixtures_dir: Path) -> tuple[list[Fixture], frozenset[str]]:
    """A rule's fixtures and declared overlaps, from its ``fixtures`` key or the directory convention.

    Paths are relative to ``<fixtures>/rules/<rule-id>/``.  Without the key,
    ``positive/`` and ``negative/`` there are used when they exist.
    """
    base = fixtures_dir / "rules" / rule_id
    if spec is None:
        found = [Fixture(base / r.value, r, rule_id) for r in (Role.POSITIVE, Role.NEGATIVE) if (base / r.value).exists()]
        return found, frozenset()
    if not isinstance(spec, Mapping):
        raise FixtureFormatError("'fixtures' is a mapping with 'positive', 'negative' and 'overlaps'")
    unknown = set(spec) - {"positive", "negative", "overlaps"}
    if unknown:
        raise FixtureFormatError(f"unknown key(s) under 'fixtures': {', '.join(sorted(unknown))}")
    fixtures: list[Fixture] = []
    for role in (Role.POSITIVE, Role.NEGATIVE):
        entries = spec.get(role.value) or []
        if not isinstance(entries, list):
            entries = [entries]
        fixtures += [_entry(e, base, role, rule_id, f"fixtures.{role.value}[{i}]") for i, e in enumerate(entries)]
    overlaps = spec.get("overlaps") or []
    if not isinstance(overlaps, list) or not all(isinstance(o, str) for o in overlaps):
        raise FixtureFormatError("'fixtures.overlaps' is a list of rule ids")
    return fixtures, frozenset(overlaps)


def clean_jobs(fixtures_dir: Path) -> list[Fixture]:
    """Every entry of ``<fixtures>/clean/`` but its README: each one a successful job."""
    folder = fixtures_dir / "clean"
    if not folder.is_dir():
        return []
    return [
        Fixture(p, Role.CLEAN, None)
        for p in sorted(folder.iterdir())
        if not p.name.startswith(".") and p.name.lower() not in ("readme.md", "readme")
    ]


def _where(hit: Hit) -> str:
    return f"{hit.event.source}:{hit.event.first_line}"


def _judge(rule: Rule, fixture: Fixture, hits: Sequence[Hit], overlaps: Mapping[str, frozenset[str]]) -> Case:
    """The verdict of ``rule`` on ``fixture`` given the rule's hits there."""
    found = tuple(sorted({_where(h) for h in hits}, key=lambda w: (w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1]))))
    line, column = _fixtures_line(rule)

    def case(failure: Failure | None, message: str) -> Case:
        return Case(rule.id, str(rule.path), fixture, failure, message, found, line, column)

    shown = ", ".join(found[:5]) + (" ..." if len(found) > 5 else "")
    if fixture.role is Role.CLEAN:
        if found:
            return case(Failure.HIT_CLEAN, f"matched {len(found)} event(s) of clean job {fixture.path}: {shown}")
        return case(None, "no hit")
    if fixture.owner != rule.id:
        assert fixture.owner is not None
        declared = fixture.owner in overlaps.get(rule.id, frozenset()) or rule.id in overlaps.get(fixture.owner, frozenset())
        if found and not declared:
            return case(Failure.UNDECLARED_OVERLAP,
                        f"matched {len(found)} event(s) of {fixture.owner}'s {fixture.role.value} fixture "
                        f"{fixture.path}: {shown}; declare 'overlaps: [{fixture.owner}]' if both rules are right")
        return case(None, "overlap declared" if found else "no hit")
    if fixture.role is Role.NEGATIVE:
        if found:
            return case(Failure.HIT_NEGATIVE, f"matched its negative fixture {fixture.path}: {shown}")
        return case(None, "no hit")
    if not found:
        return case(Failure.MISSED_POSITIVE, f"did not match its positive fixture {fixture.path}")
    if fixture.lines is not None and set(fixture.lines) != set(found):
        return case(Failure.WRONG_LINES, f"expected events {', '.join(fixture.lines)} in {fixture.path}, got {shown}")
    if fixture.hits is not None and fixture.hits != len(found):
        return case(Failure.WRONG_HIT_COUNT,
                    f"expected {fixture.hits} hit(s) in {fixture.path}, got {len(found)}: {shown}")
    return case(None, f"{len(found)} hit(s)")


def _fixtures_line(rule: Rule) -> tuple[int, int]:
    """Where fixture failures are annotated: the ``fixtures`` key, else the ``query`` key."""
    return rule.key_position("fixtures") or rule.key_position("query") or (1, 1)


def _unknown_overlaps(rules: Sequence[Rule], overlaps: Mapping[str, frozenset[str]]) -> list[Case]:
    """A name under ``overlaps`` that is no rule's id is a typo that would hide nothing."""
    ids = sorted(r.id for r in rules)
    cases = []
    for rule in rules:
        for name in sorted(overlaps.get(rule.id, frozenset()) - set(ids)):
            close = difflib.get_close_matches(name, ids, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            line, column = _fixtures_line(rule)
            cases.append(Case(rule.id, str(rule.path), None, Failure.BAD_FIXTURES_KEY,
                              f"'overlaps' names '{name}', which is not a rule{hint}", line=line, column=column))
    return cases


def _duplicates(rules: Sequence[Rule], matched: Mapping[str, frozenset[tuple[str, str]]]) -> list[Finding]:
    """FL109: rules whose hits over all fixtures are the same non-empty set of events."""
    groups: dict[frozenset[tuple[str, str]], list[Rule]] = defaultdict(list)
    for rule in rules:
        if matched.get(rule.id):
            groups[matched[rule.id]].append(rule)
    findings = []
    for group in groups.values():
        for rule in group[1:]:
            line, column = position(rule, None)
            findings.append(Finding(DUPLICATE_RULE, rule.id, str(rule.path), line, column,
                                    f"matches exactly the same fixture events as {group[0].id}"))
    return findings


def _debug_only(rule: Rule, positive_hits: Sequence[Hit]) -> Finding | None:
    """FL107 from evidence: every event the rule hits in its positives is a DEBUG line."""
    levels = {(h.event.first("loglevel") or "").upper() for h in positive_hits}
    if positive_hits and levels == {"DEBUG"}:
        line, column = position(rule, None)
        return Finding(DEBUG_ONLY, rule.id, str(rule.path), line, column,
                       "every event it matches in its positive fixtures is a DEBUG line")
    return None


def run_check(rules_dir: Path, fixtures_dir: Path, mapping: FieldMappings) -> CheckReport:
    """Lint every rule and judge every rule on every fixture; never stops at the first failure."""
    if not rules_dir.is_dir():
        raise FingerlogError(f"{rules_dir}: not a rules directory")
    if not fixtures_dir.is_dir():
        raise FingerlogError(f"{fixtures_dir}: no fixtures directory (name one with --fixtures)")
    ruleset = load_rules(rules_dir)
    report = CheckReport(rules_dir, fixtures_dir)
    report.load_warnings = list(ruleset.warnings)
    for problem in ruleset.errors:
        report.cases.append(Case(Path(problem.path).stem, problem.path, None, Failure.RULE_INVALID, str(problem),
                                 line=problem.line or 1, column=problem.column or 1))
    rules = sorted(ruleset.rules, key=lambda r: r.id)
    overlaps: dict[str, frozenset[str]] = {}
    fixtures: list[Fixture] = []
    for rule in rules:
        report.rule_ids.append(rule.id)
        findings = lint_rule(rule, mapping)
        report.findings += findings
        errors = [f for f in findings if f.severity is Severity.ERROR]
        if errors:
            report.cases.append(Case(rule.id, str(rule.path), None, Failure.LINT_ERROR,
                                     "; ".join(f"{f.guideline.id} {f.message}" for f in errors),
                                     line=errors[0].line, column=errors[0].column))
        try:
            own, overlaps[rule.id] = rule_fixtures(rule.id, rule.fixtures, fixtures_dir)
        except FixtureFormatError as exc:
            line, column = _fixtures_line(rule)
            report.cases.append(Case(rule.id, str(rule.path), None, Failure.BAD_FIXTURES_KEY, str(exc), line=line, column=column))
            continue
        if not any(f.role is Role.POSITIVE for f in own):
            line, column = _fixtures_line(rule)
            report.cases.append(Case(rule.id, str(rule.path), None, Failure.NO_POSITIVE_FIXTURE,
                                     f"no positive fixture (expected {fixtures_dir / 'rules' / rule.id / 'positive'} "
                                     "or a 'fixtures: positive:' entry)", line=line, column=column))
        fixtures += own
    report.cases += _unknown_overlaps(rules, overlaps)
    fixtures += clean_jobs(fixtures_dir)
    report.fixtures = fixtures
    matched: dict[str, set[tuple[str, str]]] = defaultdict(set)
    positive_hits: dict[str, list[Hit]] = defaultdict(list)
    for fixture in fixtures:
        hits_by_rule = _scan_fixture(fixture, rules, mapping, report)
        if hits_by_rule is None:
            continue
        for rule in rules:
            hits = hits_by_rule.get(rule.id, [])
            matched[rule.id] |= {(str(fixture.path), _where(h)) for h in hits}
            report.cases.append(_judge(rule, fixture, hits, overlaps))
            if fixture.owner == rule.id and fixture.role is Role.POSITIVE:
                positive_hits[rule.id] += hits
    report.findings += [f for rule in rules if (f := _debug_only(rule, positive_hits[rule.id]))]
    report.findings += _duplicates(rules, {k: frozenset(v) for k, v in matched.items()})
    return report


def _scan_fixture(fixture: Fixture, rules: Sequence[Rule], mapping: FieldMappings,
                  report: CheckReport) -> dict[str, list[Hit]] | None:
    """Hits per rule in one fixture, or None (with failed cases recorded) when it cannot be read."""
    owner_paths = {r.id: str(r.path) for r in rules}
    owner = fixture.owner or ""
    path = owner_paths.get(owner, str(fixture.path))
    if not fixture.path.exists():
        report.cases.append(Case(owner or fixture.path.name, path, fixture, Failure.FIXTURE_MISSING,
                                 f"fixture {fixture.path} does not exist"))
        return None
    try:
        result = scan_build(fixture.path, rules, mapping=mapping)
    except FingerlogError as exc:
        report.cases.append(Case(owner or fixture.path.name, path, fixture, Failure.FIXTURE_UNREADABLE, str(exc)))
        return None
    if result.errors:
        detail = "; ".join(f"{e.path}: {e.kind}: {e.message}" for e in result.errors)
        report.cases.append(Case(owner or fixture.path.name, path, fixture, Failure.FIXTURE_UNREADABLE,
                                 f"fixture {fixture.path} has unreadable parts: {detail}"))
    hits: dict[str, list[Hit]] = defaultdict(list)
    for hit in result.hits:
        hits[hit.rule_id].append(hit)
    return hits


def summary_counts(cases: Iterable[Case]) -> dict[str, int]:
    """How many failed cases of each kind (for the text summary)."""
    counts: dict[str, int] = defaultdict(int)
    for case in cases:
        if case.failure is not None:
            counts[case.failure.value] += 1
    return dict(sorted(counts.items()))
