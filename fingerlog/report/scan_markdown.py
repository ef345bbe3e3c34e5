"""``fingerlog scan --format markdown``: the comment a CI system posts on the change under review."""

from __future__ import annotations

from fingerlog.report.scan_summary import BuildSummary, Finding, ScanReport


def _escape(text: str) -> str:
    """Table-cell safe text: pipes escaped, newlines folded."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _finding(finding: Finding) -> list[str]:
    rule = finding.rule
    title = rule.title or rule.id
    head = f"#### [{_escape(title)}]({rule.bug})" if rule.bug else f"#### {_escape(title)}"
    lines = [head, "", f"Fingerprint `{rule.id}` matched {finding.hits} time(s), first at:", "", "```"]
    lines.extend(f"{e.location}  {e.text}" for e in finding.examples)
    lines.append("```")
    if rule.solution:
        lines.extend(["", f"**What to do:** {rule.solution.strip()}"])
    return [*lines, ""]


def _build(summary: BuildSummary) -> list[str]:
    scan = summary.scan
    name = scan.build.fields.get("build_name") or scan.build.location or scan.build.key
    if not summary.findings:
        lines = [f"### fingerlog: no known failure recognised in `{name}`", ""]
    else:
        count = len(summary.findings)
        lines = [f"### fingerlog: {count} known failure{'s' if count > 1 else ''} recognised in `{name}`", ""]
        lines += ["| fingerprint | bug | hits | first seen at |", "|---|---|---:|---|"]
        for f in summary.findings:
            bug = f"[link]({f.rule.bug})" if f.rule.bug else ""
            first = f"`{f.examples[0].location}`" if f.examples else ""
            lines.append(f"| {_escape(f.rule.title or f.rule.id)} | {bug} | {f.hits} | {first} |")
        lines.append("")
        for f in summary.findings:
            lines.extend(_finding(f))
    if summary.errors:
        lines += ["<details><summary>Files that could not be read</summary>", ""]
        lines.extend(f"- `{e.path}`: {e.kind}: {_escape(e.message)}" for e in summary.errors)
        lines += ["", "</details>", ""]
    return lines


def render_markdown(report: ScanReport) -> str:
    """One section per build; a recheck is worth it only when every failure is a known flaky one."""
    lines: list[str] = []
    for summary in report.builds:
        lines.extend(_build(summary))
    return "\n".join(lines).rstrip() + "\n"
