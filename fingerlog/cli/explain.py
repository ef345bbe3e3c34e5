"""`fingerlog explain`: what a query or a rule means to Lucene.

The output is a list of titled sections built by the functions in
``SECTIONS``; a backend that can say more about a query (its Elasticsearch
DSL, which clause matched an event) adds a section function there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from fingerlog.backends.dsl import to_dsl
from fingerlog.backends.lucene import UnprintableQuery, to_lucene
from fingerlog.backends.matcher import compile_query
from fingerlog.errors import FingerlogError, UsageError
from fingerlog.mapping import FieldMappings, load_mapping
from fingerlog.query.javanum import float32_str
from fingerlog.query.nodes import (
    Bool,
    Exists,
    Fuzzy,
    MatchAll,
    Node,
    Occur,
    Phrase,
    Prefix,
    Range,
    Regexp,
    Term,
    Wildcard,
    WildcardToken,
)
from fingerlog.query.parser import parse_query
from fingerlog.records import Event
from fingerlog.rules.loader import RULE_SUFFIXES, load_rule
from fingerlog.rules.model import Rule
from fingerlog.sources import document_fields, open_job


@dataclass(frozen=True)
class Subject:
    """What is being explained: the query text, its tree, and the rule it came from (if any)."""

    query_text: str
    query: Node
    default_field: str
    mapping: FieldMappings
    rule: Rule | None = None


#: (title, body) of one part of the explanation
Section = tuple[str, str]
SectionBuilder = Callable[[Subject], "Section | None"]

_OCCUR = {Occur.MUST: "must", Occur.SHOULD: "should", Occur.MUST_NOT: "must_not"}


def _leaf(node: Node) -> str:
    """One line for a non-Bool node: its type and what it tests."""
    if isinstance(node, Term):
        desc = f"term      {node.field}: {node.text!r}"
    elif isinstance(node, Phrase):
        desc = f"phrase    {node.field}: {node.text!r}" + (f" slop {node.slop}" if node.slop else "")
    elif isinstance(node, Prefix):
        desc = f"prefix    {node.field}: {node.text!r}*"
    elif isinstance(node, Wildcard):
        pattern = "".join(p.value if isinstance(p, WildcardToken) else repr(p) for p in node.parts)
        desc = f"wildcard  {node.field}: {pattern}"
    elif isinstance(node, Regexp):
        desc = f"regexp    {node.field}: /{node.pattern}/"
    elif isinstance(node, Fuzzy):
        desc = f"fuzzy     {node.field}: {node.text!r} ~{float32_str(node.similarity)}"
    elif isinstance(node, Range):
        low = "*" if node.lower is None else repr(node.lower)
        high = "*" if node.upper is None else repr(node.upper)
        desc = f"range     {node.field}: {'[' if node.include_lower else '{'}{low} TO {high}{']' if node.include_upper else '}'}"
    elif isinstance(node, Exists):
        desc = f"exists    {node.field}"
    elif isinstance(node, MatchAll):
        desc = "match_all"
    else:
        desc = type(node).__name__
    return desc + (f"  ^{float32_str(node.boost)}" if node.boost is not None else "")


def render_tree(node: Node, indent: str = "") -> str:
    """The tree, one node per line, each clause labelled with its occur."""
    if not isinstance(node, Bool):
        return indent + _leaf(node)
    lines = [indent + "bool" + (f"  ^{float32_str(node.boost)}" if node.boost is not None else "")]
    if node.clauses and all(c.occur is Occur.MUST_NOT for c in node.clauses):
        lines[0] += "  (only must_not clauses: matches every event the clauses do not)"
    for clause in node.clauses:
        child = render_tree(clause.query, indent + "  " + " " * 10)
        label = f"{indent}  {_OCCUR[clause.occur]:<10}"
        lines.append(label + child[len(label):])
    return "\n".join(lines)


def tree_section(subject: Subject) -> Section:
    return "Tree", render_tree(subject.query)


def lucene_section(subject: Subject) -> Section:
    try:
        text = to_lucene(subject.query, default_field=subject.default_field)
    except UnprintableQuery as exc:
        text = f"(no query string parses to this tree: {exc})"
    return "Canonical Lucene", text


def rule_section(subject: Subject) -> Section | None:
    rule = subject.rule
    if rule is None:
        return None
    facts = [f"id: {rule.id}"]
    facts += [f"{name}: {value}" for name, value in (("title", rule.title), ("bug", rule.bug),
                                                      ("resolved_at", rule.resolved_at)) if value]
    if rule.categories:
        facts.append("categories: " + ", ".join(rule.categories))
    return "Rule", "\n".join(facts)


def dsl_section(subject: Subject) -> Section:
    translation = to_dsl(subject.query, subject.mapping)
    notes = "".join(f"\nnote: {finding.message}" for finding in translation.findings)
    body = json.dumps(translation.value, indent=2, ensure_ascii=False) + notes
    return f"Elasticsearch Query DSL ({subject.mapping.name} mapping)", body


#: the sections `fingerlog explain` prints, in order; extend to explain more
SECTIONS: list[SectionBuilder] = [rule_section, tree_section, lucene_section, dsl_section]


def explain(subject: Subject, sections: list[SectionBuilder] | None = None) -> list[Section]:
    """Every section that has something to say about ``subject``."""
    built = (build(subject) for build in (SECTIONS if sections is None else sections))
    return [section for section in built if section is not None]


def event_at_line(path: Path, line: int) -> Event:
    """The event (as logstash grouped the file's lines) that contains line ``line`` of ``path``."""
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    job = open_job(path)
    for event in job.events():
        if event.first_line <= line <= event.last_line:
            return event
    problems = "; ".join(f"{e.path}: {e.message}" for e in job.errors)
    raise FingerlogError(
        f"{path}:{line}: no event there (past the end, or a line logstash dropped)" + (f"; {problems}" if problems else "")
    )


def event_from_json(text: str) -> Event:
    """An event from a JSON object of logstash fields (``{"message": "...", "tags": ["a"]}``)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--event-json: not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise UsageError("--event-json: expected a JSON object of fields")
    return Event(fields=document_fields(document), source="--event-json", first_line=0, last_line=0, event_id="json")


def match_section(subject: Subject, event: Event) -> Section:
    """Whether the event matches, clause by clause (✓ matched, ✗ did not, – left out by Lucene)."""
    compiled = compile_query(subject.query, subject.mapping)
    verdict = "matches" if compiled.matches(event.fields) else "does not match"
    where = event.source
    if event.first_line:
        where += f":{event.first_line}" + (f"-{event.last_line}" if event.last_line > event.first_line else "")
    fields = "\n".join(f"  {name}: {list(values)}" for name, values in event.fields.items())
    tree = compiled.explain(event.fields).render()
    return f"Event {where} ({compiled.mapping.name} mapping): {verdict}", f"{tree}\nFields:\n{fields}"


def subject_of(target: str, default_field: str, mapping: FieldMappings) -> Subject:
    """A rule file (an existing *.yaml path) or else query text."""
    path = Path(target)
    if path.suffix in RULE_SUFFIXES and "\n" not in target:
        if not path.is_file():
            raise UsageError(f"no such rule file: {target} (to explain a query, quote it)")
        rule = load_rule(path)
        return Subject(rule.query_text, rule.query, "_all", mapping, rule)
    return Subject(target, parse_query(target, default_field=default_field), default_field, mapping)


@click.command("explain")
@click.argument("target", metavar="QUERY|RULE_FILE")
@click.option("--default-field", default="_all", show_default=True,
              help="Field of terms written without one (Elasticsearch 1.x: _all).")
@click.option("--event-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A log file (plain or compressed, or JSON-lines events): explain the match on one of its events.")
@click.option("--line", type=click.IntRange(min=1), default=None,
              help="With --event-file: the 1-based line whose event to explain (any line of a multi-line event).")
@click.option("--event-json", default=None, metavar="JSON",
              help='An event given as a JSON object of fields, e.g. \'{"message": "...", "tags": ["screen-n-cpu.txt"]}\'.')
@click.option("--mapping", default=None, metavar="NAME|FILE",
              help="Field mapping profile for the DSL and the event match: "
                   "openstack (default), analyzed, keyword, or a YAML file.")
def command(target: str, default_field: str, event_file: Path | None, line: int | None,
            event_json: str | None, mapping: str | None) -> None:  # fmt: skip
    """Show how Lucene reads a query: the parsed tree, its canonical form and its DSL.

    The tree shows each clause with its occur: must (required), should
    (optional once a must exists, else at least one must match), must_not.
    Lucene has no AND-before-OR precedence, so `a AND b OR c` is
    must a, must b, should c.  The canonical form is the same query written
    with +/- only; it parses back to the same tree.  The Elasticsearch Query
    DSL is what `fingerlog translate --to dsl` gives under --mapping.

    With an event (--event-file F --line N, or --event-json), also shows
    whether Elasticsearch 1.x would return that event, clause by clause:
    ✓ the clause matched, ✗ it did not, – Lucene left it out (its text has
    no token under the field's analyzer).

    \b
    Example:
      fingerlog explain 'message:"No valid host" AND tags:"screen-n-sch.txt"'
      fingerlog explain rules/db-deadlock.yaml
      fingerlog explain rules/db-deadlock.yaml --event-file job/logs/screen-n-api.txt.gz --line 1234
    """
    if (event_file is None) != (line is None):
        raise UsageError("--event-file and --line go together")
    if event_file is not None and event_json is not None:
        raise UsageError("give --event-file/--line or --event-json, not both")
    field_mapping = load_mapping(mapping)
    subject = subject_of(target, default_field, field_mapping)
    sections = explain(subject)
    if event_file is not None and line is not None:
        sections.append(match_section(subject, event_at_line(event_file, line)))
    elif event_json is not None:
        sections.append(match_section(subject, event_from_json(event_json)))
    for title, body in sections:
        click.echo(f"{title}:")
        click.echo("\n".join("  " + text for text in body.splitlines()))
