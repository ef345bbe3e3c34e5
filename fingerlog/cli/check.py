"""`fingerlog check`: the CI gate of a rules repository (rules x fixtures, lints)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from fingerlog.engine.check import CheckReport, run_check, summary_counts
from fingerlog.mapping import load_mapping
from fingerlog.report.github import render_github
from fingerlog.report.junit import render_junit

FORMATS = ("text", "junit", "json", "github")


def render_text(report: CheckReport) -> str:
    """Failures first (one line each, file:line, grouped by rule file), then warnings, then a summary."""
    out = []
    for case in sorted(report.failures, key=lambda c: (c.rule_path, c.line, c.name)):
        where = f" [{case.fixture.label}]" if case.fixture else ""
        kind = case.failure.value if case.failure else ""
        out.append(f"{case.rule_path}:{case.line}:{case.column}: FAIL {kind} {case.rule_id}{where}: {case.message}")
    out += [str(p) for p in report.load_warnings]
    out += [str(f) for f in report.findings]
    counts = ", ".join(f"{n} {kind}" for kind, n in summary_counts(report.cases).items())
    verdict = "ok" if report.ok else f"FAILED ({counts})"
    out.append(f"{len(report.rule_ids)} rules x {len(report.fixtures)} fixtures: "
               f"{len(report.cases)} cases, {len(report.failures)} failed, {len(report.findings)} lint findings: {verdict}")
    return "\n".join(out) + "\n"


EXAMPLES = """\b
Examples:
  fingerlog check                                   ./rules with ./fixtures next to it
  fingerlog check rules/ --fixtures fixtures/ --format junit -o check.xml
  fingerlog check rules/ --format github            annotations in a GitHub Actions step
"""


@click.command("check", epilog=EXAMPLES)
@click.argument("rules_dir", required=False, default="rules", type=click.Path(file_okay=False, path_type=Path))
@click.option("--fixtures", "fixtures_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Fixtures directory (default: 'fixtures' next to RULES_DIR).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--mapping", default=None, help="Field mapping profile name or YAML file (default: the default profile).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of stdout.")
def command(rules_dir: Path, fixtures_dir: Path | None, fmt: str, mapping: str | None, output: Path | None) -> None:
    """Prove every fingerprint in RULES_DIR against the fixture logs; exit 1 on any failure.

    Every rule is linted (guidelines FL101-FL109, see docs/check.md) and run
    over EVERY fixture, not only its own. A case fails when a rule misses one
    of its positive fixtures (or hits a different number of events than
    declared), hits one of its negative fixtures, hits a clean job in
    FIXTURES/clean/, or hits another rule's fixture without declaring the
    overlap. All failures are reported in one run.

    \b
    Layout (see docs/check.md):
      FIXTURES/rules/<rule-id>/positive/   logs the rule must match
      FIXTURES/rules/<rule-id>/negative/   logs it must not match
      FIXTURES/clean/<job>/                successful jobs no rule may match

    \b
    Formats: text (file:line: lines), junit (one test case per rule x
    fixture), json, github (workflow annotations on the rule files).
    """
    fixtures = fixtures_dir if fixtures_dir is not None else rules_dir.resolve().parent / "fixtures"
    report = run_check(rules_dir, fixtures, load_mapping(mapping))
    render = {"text": render_text, "junit": render_junit, "github": render_github,
              "json": lambda r: json.dumps(r.to_dict(), indent=2) + "\n"}[fmt]
    text = render(report)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        if fmt != "text":
            click.echo(render_text(report).splitlines()[-1], err=True)
    if not report.ok:
        raise SystemExit(1)
