"""`fingerlog explain`: what a query or a rule means to Lucene.

The output is a list of titled sections built by the functions in
``SECTIONS``; a backend that can say more about a query (its Elasticsearch
DSL, which clause matched an event) adds a section function there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from fingerlog.backends.lucene import UnprintableQuery, to_lucene
from fingerlog.query.javanum import float32_str
from fingerlog.query.nodes import (
    Bool, Exists, Fuzzy, MatchAll, Node, Occur, Phrase, Prefix, Range, Regexp, Term, Wildcard, WildcardToken,
)
from fingerlog.query.parser import parse_query
from fingerlog.rules.loader import RULE_SUFFIXES, load_rule
from fingerlog.rules.model import Rule


@dataclass(frozen=True)
class Subject:
    """What is being explained: the query text, its tree, and the rule it came from (if any)."""

    query_text: str
    query: Node
    default_field: str
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


#: the sections `fingerlog explain` prints, in order; extend to explain more
SECTIONS: list[SectionBuilder] = [rule_section, tree_section, lucene_section]


def explain(subject: Subject, sections: list[SectionBuilder] | None = None) -> list[Section]:
    """Every section that has something to say about ``subject``."""
    built = (build(subject) for build in (SECTIONS if sections is None else sections))
    return [section for section in built if section is not None]


def subject_of(target: str, default_field: str) -> Subject:
    """A rule file (an existing *.yaml path) or else query text."""
    path = Path(target)
    if path.suffix in RULE_SUFFIXES and path.is_file():
        rule = load_rule(path)
        return Subject(rule.query_text, rule.query, "_all", rule)
    return Subject(target, parse_query(target, default_field=default_field), default_field)


@click.command("explain")
@click.argument("target", metavar="QUERY|RULE_FILE")
@click.option("--default-field", default="_all", show_default=True,
              help="Field of terms written without one (Elasticsearch 1.x: _all).")
def command(target: str, default_field: str) -> None:
    """Show how Lucene reads a query: the parsed tree and its canonical form.

    The tree shows each clause with its occur: must (required), should
    (optional once a must exists, else at least one must match), must_not.
    Lucene has no AND-before-OR precedence, so `a AND b OR c` is
    must a, must b, should c.  The canonical form is the same query written
    with +/- only; it parses back to the same tree.

    \b
    Example:
      fingerlog explain 'message:"No valid host" AND tags:"screen-n-sch.txt"'
      fingerlog explain rules/db-deadlock.yaml
    """
    for title, body in explain(subject_of(target, default_field)):
        click.echo(f"{title}:")
        click.echo("\n".join("  " + line for line in body.splitlines()))
