"""`fingerlog lint`: every problem of a rule pack in one run."""

from __future__ import annotations

import json
from pathlib import Path

import click

from fingerlog.mapping import load_mapping
from fingerlog.rules.lint import lint


@click.command("lint")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: file:line:column: severity: message; json: one object with every problem.")
@click.option("--guidelines", is_flag=True,
              help="Also check elastic-recheck's authoring guidelines FL101-FL109 (docs/check.md), as `fingerlog check` does.")
@click.option("--mapping", default=None, metavar="NAME|FILE",
              help="Field mapping profile the guidelines assume (default: openstack).")
def command(paths: tuple[Path, ...], fmt: str, guidelines: bool, mapping: str | None) -> None:
    """Check rule files (and directories of *.yaml rules) and report every problem.

    Errors make a rule unusable: YAML that does not parse, a duplicate key, a
    missing or mistyped key, a query Lucene rejects (shown with the file's
    line and a caret under the problem).  Warnings are rules that load but
    probably do not mean what was intended: an unknown key (with a
    did-you-mean) or AND mixed with OR without parentheses (with the reading
    Lucene applies).  Exit status 1 if there is any error; warnings alone
    exit 0.

    \b
    Example:
      fingerlog lint rules/
      fingerlog lint rules/db-deadlock.yaml --format json
      fingerlog lint --guidelines rules/
    """
    field_mapping = load_mapping(mapping)
    report = lint(paths, field_mapping, guidelines=guidelines)
    errors = sum(p.severity.value == "error" for p in report.problems)
    warnings = len(report.problems) - errors
    if fmt == "json":
        click.echo(json.dumps({
            "rules": len(report.rules.rules),
            "errors": errors,
            "warnings": warnings,
            "digest": report.rules.digest,
            "problems": [p.to_dict() for p in report.problems],
        }, indent=2))
    else:
        for problem in report.problems:
            click.echo(str(problem))
        click.echo(f"{len(report.rules.rules)} rules loaded, {errors} errors, {warnings} warnings")
    if report.failed:
        raise SystemExit(1)
