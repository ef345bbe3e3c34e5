"""Index template for a production cluster that indexes what fingerlog matches locally.

The DSL from :mod:`fingerlog.backends.dsl` is only exact over an index laid
out like the mapping profile the local matcher uses: analyzed fields with
Lucene's standard analyzer (no stop words), keyword fields whole, the same
position gap between the values of a multi-valued field, and (when the profile
has ES 1.x's ``_all``) a ``copy_to`` catch-all field standing in for it.  This module writes that
index template from the profile, so profile, matcher and cluster cannot drift.
"""

from __future__ import annotations

from typing import Any

from fingerlog.backends.es_target import EsVersion, Target
from fingerlog.mapping import FieldKind, FieldMapping, FieldMappings

#: Name of the analyzer the template defines: ES 1.x's ``standard`` (no stop words).
ANALYZER = "fingerlog_standard"
#: Lucene rejects a term longer than 32766 UTF-8 bytes; 8191 characters always fit.
MAX_KEYWORD_CHARS = 32766 // 4
#: logstash's daily indices, which elastic-recheck searched.
DEFAULT_INDEX_PATTERNS = ("logstash-*",)


def _text(mapping: FieldMappings, subfield: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "type": "text",
        "analyzer": ANALYZER,
        "position_increment_gap": mapping.position_increment_gap,
    }
    if subfield:
        # Only for queries naming the subfield; a long value must not reject the document.
        spec["fields"] = {subfield: {"type": "keyword", "ignore_above": MAX_KEYWORD_CHARS}}
    return spec


def field_spec(mapping: FieldMappings, target: Target, field: FieldMapping) -> dict[str, Any]:
    """The ES mapping of one profile field, copied into the catch-all field."""
    spec: dict[str, Any] = (
        _text(mapping, field.keyword_subfield) if field.kind is FieldKind.TEXT else {"type": "keyword"}
    )
    if mapping.all_field and target.all_field is not None:
        spec["copy_to"] = target.all_field
    return spec


def index_template(
    mapping: FieldMappings,
    target: Target | None = None,
    *,
    index_patterns: tuple[str, ...] = DEFAULT_INDEX_PATTERNS,
    pipeline: str | None = None,
) -> dict[str, Any]:
    """A composable index template (``PUT _index_template/<name>``) for ``mapping``.

    Fields the profile names get their own mapping; any other string field
    follows the profile's default through a dynamic template, as the profile
    says for fields it does not name.  ``pipeline`` becomes the indices'
    default ingest pipeline, so shipped documents get fingerlog's fields.
    """
    target = target or Target()
    analysis = {
        "analyzer": {
            ANALYZER: {
                "type": "standard",
                "stopwords": "_none_",
                "max_token_length": mapping.max_token_length,
            }
        }
    }
    properties = {name: field_spec(mapping, target, spec) for name, spec in sorted(mapping.fields.items())}
    if mapping.all_field and target.all_field is not None:  # a target without one: a bare term reads every field
        properties[target.all_field] = _text(mapping, None)
    default = field_spec(mapping, target, mapping.default)
    mappings: dict[str, Any] = {
        # the profile, not ES's guesses, decides: no date or number detection on strings,
        # and JSON numbers and booleans are mapped like strings (as fingerlog reads them)
        "date_detection": False,
        "dynamic_templates": [
            {f"fingerlog_default_{json_type}": {"match_mapping_type": json_type, "mapping": default}}
            for json_type in ("string", "long", "double", "boolean")
        ],
        "properties": properties,
    }
    settings: dict[str, Any] = {"index": {"analysis": analysis}}
    if pipeline:
        settings["index"]["default_pipeline"] = pipeline
    meta = {"generated_by": "fingerlog es-template", "mapping_profile": mapping.name, "es_version": target.version.value}
    if target.version is EsVersion.ES7:
        # Legacy template: the one format every 7.x accepts (composable ones need 7.8+).
        return {"index_patterns": list(index_patterns), "order": 200, "settings": settings,
                "mappings": {**mappings, "_meta": meta}}
    return {
        "index_patterns": list(index_patterns),
        "priority": 200,
        "template": {"settings": settings, "mappings": mappings},
        "_meta": meta,
    }


def template_api_path(target: Target, name: str) -> str:
    """Where the template is PUT: ``_template`` (legacy, ES 7) or ``_index_template``."""
    return f"_template/{name}" if target.version is EsVersion.ES7 else f"_index_template/{name}"
