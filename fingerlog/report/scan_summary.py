"""What a scan found, grouped per fingerprint: the one model every scan renderer draws.

The renderers (console, JSON, markdown, SARIF) differ only in layout; which
fingerprints matched, how often, where first, and what to do about it is
decided here once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from fingerlog.records import BuildScan, Hit, SourceError

#: example locations shown per fingerprint.
EXAMPLES = 3


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a report says about a fingerprint besides its hits (from the rule file)."""

    id: str
    title: str = ""
    bug: str = ""
    solution: str = ""
    #: the rule file, for tools that link to it.
    path: str = ""


@dataclass(frozen=True, slots=True)
class Example:
    """One hit's place: ``file:line`` and the first line of its message."""

    source: str
    first_line: int
    last_line: int
    text: str

    @property
    def location(self) -> str:
        return f"{self.source}:{self.first_line}"


@dataclass(frozen=True, slots=True)
class Finding:
    """One fingerprint that matched in one build."""

    rule: RuleInfo
    hits: int
    examples: tuple[Example, ...]


@dataclass(frozen=True, slots=True)
class BuildSummary:
    """One scanned build, ready to render."""

    scan: BuildScan
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[SourceError, ...]:
        return self.scan.errors


@dataclass(frozen=True, slots=True)
class ScanReport:
    """Everything ``fingerlog scan`` prints: the builds, the rule problems, the optional profile."""

    builds: tuple[BuildSummary, ...]
    #: rule files that could not be loaded (reported, the scan went on without them).
    rule_problems: tuple[str, ...] = ()
    #: rule id -> (seconds in the matcher, calls), with --profile.
    profile: Mapping[str, tuple[float, int]] | None = None
    rules_loaded: int = 0

    @property
    def hit_count(self) -> int:
        return sum(len(b.scan.hits) for b in self.builds)


def _example(hit: Hit) -> Example:
    message = hit.event.first("message", "") or ""
    return Example(hit.event.source, hit.event.first_line, hit.event.last_line, message.split("\n", 1)[0])


def summarize(scan: BuildScan, rules: Mapping[str, RuleInfo]) -> BuildSummary:
    """Group a build's hits per fingerprint, in the order fingerprints first matched."""
    grouped: dict[str, list[Hit]] = {}
    for hit in scan.hits:
        grouped.setdefault(hit.rule_id, []).append(hit)
    findings = tuple(
        Finding(
            rule=rules.get(rule_id, RuleInfo(rule_id)),
            hits=len(hits),
            examples=tuple(_example(h) for h in hits[:EXAMPLES]),
        )
        for rule_id, hits in grouped.items()
    )
    return BuildSummary(scan, findings)


def build_report(
    scans: Iterable[BuildScan],
    rules: Mapping[str, RuleInfo],
    *,
    rule_problems: Sequence[str] = (),
    profile: Mapping[str, tuple[float, int]] | None = None,
) -> ScanReport:
    """The report of several scanned builds."""
    return ScanReport(
        builds=tuple(summarize(scan, rules) for scan in scans),
        rule_problems=tuple(rule_problems),
        profile=profile,
        rules_loaded=len(rules),
    )
