"""`fingerlog translate`: fingerprints as Elasticsearch queries with the same answers."""

from __future__ import annotations

import json
from pathlib import Path

import click

from fingerlog.backends.dsl import Finding
from fingerlog.backends.es_target import EsVersion, IndexLayout, Target
from fingerlog.backends.kibana import DEFAULT_KIBANA_URL
from fingerlog.backends.translate import TranslationTarget, translate
from fingerlog.mapping import load_mapping
from fingerlog.rules.loader import load_rules, query_location
from fingerlog.rules.model import Problem, Rule, Severity

#: Problem code of a construct the target cannot express with ES 1.x's exact answers.
INEXACT = "inexact-translation"


def finding_problem(rule: Rule, finding: Finding, severity: Severity) -> Problem:
    """A finding placed at its rule file's line and column, with the line and a caret."""
    if finding.span is None:
        return Problem(str(rule.path), 0, 0, severity, INEXACT, finding.message)
    where = query_location(rule, finding.span)
    pad = "".join("\t" if ch == "\t" else " " for ch in where.line_text[: where.column - 1])
    excerpt = f"  {where.line_text}\n  {pad}^{'~' * (where.width - 1)}"
    return Problem(where.path, where.line, where.column, severity, INEXACT, finding.message, excerpt)


@click.command("translate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--to", "to", required=True, type=click.Choice([t.value for t in TranslationTarget]),
              help="lucene: canonical query_string; dsl: native Query DSL; kibana-url: a Discover link.")
@click.option("--mapping", "mapping_name", default=None, metavar="NAME|PATH",
              help="Field mapping profile (text vs keyword fields); the same one the matcher uses.")
@click.option("--es-version", default=EsVersion.ES8.value, show_default=True,
              type=click.Choice([v.value for v in EsVersion]), help="Cluster family the translation is for.")
@click.option("--index-layout", default=IndexLayout.TEMPLATE.value, show_default=True,
              type=click.Choice([layout.value for layout in IndexLayout]),
              help="template: an index made with `fingerlog es-template`; dynamic: ES's default dynamic "
                   "mapping (text + .keyword, no catch-all field).")
@click.option("--strict", is_flag=True, help="A construct the target cannot express exactly is an error.")
@click.option("--kibana-url", default=DEFAULT_KIBANA_URL, show_default=True, help="Base URL for --to kibana-url.")
def command(paths: tuple[Path, ...], to: str, mapping_name: str | None, es_version: str, index_layout: str,
            strict: bool, kibana_url: str) -> None:
    """Translate the fingerprints in PATHS (rule files or directories of them)
    and print a JSON list with one {"rule_id": ..., "<target>": ...} per rule.

    The translations give the answers Elasticsearch 1.x's query_string gave:
    `dsl` is native bool/match_phrase/match/term/terms/wildcard/regexp/prefix/
    range/exists queries (never query_string), choosing text or keyword
    queries from the mapping profile, for an index laid out by
    `fingerlog es-template` with the same profile (or, with --index-layout
    dynamic, by Elasticsearch's default dynamic mapping: keyword queries go to
    `<field>.keyword`).  What a target cannot say
    exactly is reported on stderr as `file:line:column: warning: ...`
    (`error` with --strict).  Exit status 1 when a rule cannot be loaded or
    (with --strict) translated exactly; the others are still printed.

    \b
    Example:
      fingerlog translate rules/ --to dsl --mapping keyword --es-version 8
      fingerlog translate rules/no-valid-host.yaml --to kibana-url --index-layout dynamic
    """
    target = Target.for_layout(EsVersion(es_version), IndexLayout(index_layout))
    mapping = load_mapping(mapping_name)
    to_target = TranslationTarget(to)
    rule_set = load_rules(paths)
    problems = list(rule_set.problems)
    severity = Severity.ERROR if strict else Severity.WARNING
    output = []
    for rule in rule_set.rules:
        translation = translate(rule.query, to_target, mapping, target, kibana_url=kibana_url)
        problems += [finding_problem(rule, f, severity) for f in translation.findings]
        output.append({"rule_id": rule.id, to_target.value: translation.value})
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(json.dumps(output, indent=2, ensure_ascii=False))
    if any(p.severity is Severity.ERROR for p in problems):
        raise SystemExit(1)
