"""`fingerlog es-template`: the index template and ingest pipeline for a production cluster."""

from __future__ import annotations

import json

import click

from fingerlog.backends.es_pipeline import ES_GROK, DropRule, FormatTemplates, TagRule, ingest_pipeline
from fingerlog.backends.es_target import EsVersion, Target
from fingerlog.backends.es_template import DEFAULT_INDEX_PATTERNS, index_template, template_api_path
from fingerlog.mapping import load_mapping
from fingerlog.sources.filetypes import COMPRESSION_SUFFIXES, FILE_RULES
from fingerlog.sources.formats import FORMATS
from fingerlog.sources.job import TAG_DROPS


def pipeline_from_sources(target: Target) -> dict[str, object]:
    """The ingest pipeline built from the tables and formats the local sources use."""
    rules = [TagRule(rule.pattern, rule.tags) for rule in FILE_RULES]
    grokked = [f for f in FORMATS.values() if f.grok is not None]
    formats = [FormatTemplates(f.name, f.message, f.logdate) for f in grokked]
    drops = [DropRule((tag,), pattern.decode()) for tag, pattern in TAG_DROPS.items()]
    drops += [DropRule(ES_GROK[f.name][0], f.drop.pattern.decode()) for f in grokked if f.drop is not None]
    return ingest_pipeline(rules, formats, compression_suffixes=COMPRESSION_SUFFIXES, drops=drops, target=target)


@click.command("es-template")
@click.option("--mapping", "mapping_name", default=None, metavar="NAME|PATH",
              help="Field mapping profile the cluster must follow (default: the matcher's default).")
@click.option("--es-version", default=EsVersion.ES8.value, show_default=True,
              type=click.Choice([v.value for v in EsVersion]), help="Cluster family to write for.")
@click.option("--name", default="fingerlog", show_default=True, help="Name of the template and of the pipeline.")
@click.option("--index-pattern", "index_patterns", multiple=True, metavar="PATTERN",
              help=f"Indices the template applies to (repeatable; default: {', '.join(DEFAULT_INDEX_PATTERNS)}).")
@click.option("--only", type=click.Choice(["template", "pipeline"]), default=None,
              help="Print only that body, ready to pipe into curl.")
def command(mapping_name: str | None, es_version: str, name: str, index_patterns: tuple[str, ...],
            only: str | None) -> None:
    """Print an index template and an ingest pipeline that make a cluster
    index logs the way fingerlog reads them, so `fingerlog translate --to dsl`
    gives there the answers fingerlog gives locally.

    The template maps every field as the mapping profile says (analyzed text
    with the standard analyzer and no stop words, or keyword), sets the
    position gap between values, and fills a catch-all field standing in for
    Elasticsearch 1.x's `_all`.  The pipeline derives tags from `filename`,
    parses oslo/console/syslog/apache/libvirt lines (timestamp, pid, loglevel,
    module, request id) and replaces `message` as OpenStack's logstash did.
    Without --only, prints {"index_template": {path, body}, "ingest_pipeline":
    {path, body}}.  Loading them with curl: see docs/translate.md.

    \b
    Example:
      fingerlog es-template --es-version 8 --only pipeline \\
        | curl -XPUT -H 'Content-Type: application/json' \\
               localhost:9200/_ingest/pipeline/fingerlog --data-binary @-
    """
    target = Target(version=EsVersion(es_version))
    mapping = load_mapping(mapping_name)
    template = index_template(mapping, target, index_patterns=index_patterns or DEFAULT_INDEX_PATTERNS,
                              pipeline=name)
    pipeline = pipeline_from_sources(target)
    if only == "template":
        output: object = template
    elif only == "pipeline":
        output = pipeline
    else:
        output = {
            "index_template": {"path": template_api_path(target, name), "body": template},
            "ingest_pipeline": {"path": f"_ingest/pipeline/{name}", "body": pipeline},
        }
    click.echo(json.dumps(output, indent=2, ensure_ascii=False))
