"""``fingerlog scan`` for a terminal: what matched, where, what to do, and what could not be read."""

from __future__ import annotations

from fingerlog.report.scan_summary import BuildSummary, ScanReport

#: the widest example line printed; longer ones are cut with an ellipsis.
MAX_TEXT = 160


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _build(summary: BuildSummary) -> list[str]:
    scan = summary.scan
    name = scan.build.fields.get("build_name") or scan.build.location or scan.build.key
    lines = [f"== {name}"]
    if not summary.findings:
        lines.append("no known fingerprint matched")
    for finding in summary.findings:
        rule = finding.rule
        plural = "hit" if finding.hits == 1 else "hits"
        lines.append(f"* {rule.id}: {rule.title or '(no title)'}  [{finding.hits} {plural}]")
        if rule.bug:
            lines.append(f"    bug: {rule.bug}")
        lines.extend(f"    {example.location}  {_cut(example.text)}" for example in finding.examples)
        if finding.hits > len(finding.examples):
            lines.append(f"    ... and {finding.hits - len(finding.examples)} more")
        if rule.solution:
            first, *rest = rule.solution.strip().splitlines()
            lines.append(f"    what to do: {first}")
            lines.extend(f"      {line}" for line in rest)
    if summary.errors:
        lines.append("could not read:")
        lines.extend(f"  {e.path}: {e.kind}: {e.message}" for e in summary.errors)
    mb = scan.bytes_read / 1e6
    lines.append(f"scanned {scan.files} files, {mb:.1f} MB in {scan.duration:.2f} s")
    return lines


def render_console(report: ScanReport) -> str:
    """The human-readable report, one block per build, then rule problems and the profile."""
    lines: list[str] = []
    for summary in report.builds:
        lines.extend(_build(summary))
        lines.append("")
    if report.rule_problems:
        lines.append("rules that could not be loaded (skipped):")
        lines.extend(f"  {problem}" for problem in report.rule_problems)
        lines.append("")
    if report.profile is not None:
        lines.append("time per rule (matcher, slowest first):")
        ranked = sorted(report.profile.items(), key=lambda item: -item[1][0])
        lines.extend(f"  {seconds * 1000:10.2f} ms  {calls:8d} events  {rule_id}" for rule_id, (seconds, calls) in ranked)
        lines.append("")
    return "\n".join(lines)
