"""Field mappings: which fields are analyzed text and which are keywords.

The mapping changes answers (``build_name:gate-nova*`` means one thing on a
keyword and another on tokens), so it is data, shared by the local matcher and
the Elasticsearch translator.  Profiles live as YAML files in ``profiles/``;
``load_mapping`` takes a profile name or a path to such a file.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fingerlog.errors import UsageError

#: The profile used when none is named: the OpenStack logstash cluster's mapping (docs/mapping.md).
DEFAULT_MAPPING = "openstack"


class FieldKind(enum.Enum):
    TEXT = "text"  # analyzed by Lucene's StandardAnalyzer (tokens, lower-cased)
    KEYWORD = "keyword"  # indexed whole, as one term


@dataclass(frozen=True, slots=True)
class FieldMapping:
    kind: FieldKind
    #: the not-analyzed copy Elasticsearch keeps of a text field (``raw`` → ``message.raw``).
    keyword_subfield: str | None = None


class MappingError(UsageError, ValueError):
    """A profile that does not exist or does not follow the profile format (named on the command line)."""


@dataclass(frozen=True, slots=True)
class FieldMappings:
    """A named field mapping profile."""

    name: str
    description: str
    fields: MappingType[str, FieldMapping]
    #: how a field that the profile does not name is mapped (ES dynamic mapping).
    default: FieldMapping
    #: the field of a bare term (Elasticsearch 1.x's query_string default: ``_all``).
    default_field: str = "_all"
    #: position gap between the values of a multi-valued field (ES 1.x: 0).
    position_increment_gap: int = 0
    #: StandardAnalyzer's max_token_length (Lucene 4.10.4 splits longer tokens into pieces this long).
    max_token_length: int = 255
    #: whether Elasticsearch's ``_all`` field exists; without it a bare term (default field
    #: ``_all``) matches no document, as on the OpenStack cluster.
    all_field: bool = True
    extra: MappingType[str, Any] = field(default_factory=dict)

    def field(self, name: str) -> FieldMapping:
        return self.fields.get(name, self.default)

    def is_analyzed(self, name: str) -> bool:
        return self.field(name).kind is FieldKind.TEXT


def available_mappings() -> list[str]:
    """Names of the profiles shipped with fingerlog."""
    folder = resources.files("fingerlog.mapping") / "profiles"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def _field_mapping(spec: Any, where: str) -> FieldMapping:
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, dict) or "type" not in spec:
        raise MappingError(f"{where}: expected 'text', 'keyword' or a mapping with 'type'")
    try:
        kind = FieldKind(spec["type"])
    except ValueError:
        raise MappingError(f"{where}: unknown type {spec['type']!r} (expected text or keyword)") from None
    return FieldMapping(kind=kind, keyword_subfield=spec.get("keyword_subfield"))


def parse_mapping(data: Any, origin: str) -> FieldMappings:
    """Build a profile from its YAML data; ``origin`` names it in errors."""
    if not isinstance(data, dict):
        raise MappingError(f"{origin}: a mapping profile is a YAML mapping")
    known = {
        "name", "description", "fields", "default", "default_field", "position_increment_gap", "max_token_length",
        "all_field",
    }
    fields = {
        name: _field_mapping(spec, f"{origin}: fields.{name}") for name, spec in (data.get("fields") or {}).items()
    }
    return FieldMappings(
        name=str(data.get("name") or Path(origin).stem),
        description=str(data.get("description", "")),
        fields=fields,
        default=_field_mapping(data.get("default", "text"), f"{origin}: default"),
        default_field=str(data.get("default_field", "_all")),
        position_increment_gap=int(data.get("position_increment_gap", 0)),
        max_token_length=int(data.get("max_token_length", 255)),
        all_field=bool(data.get("all_field", True)),
        extra={k: v for k, v in data.items() if k not in known},
    )


def load_mapping(name_or_path: str | Path | None = None) -> FieldMappings:
    """Load a shipped profile by name, or a profile file by path."""
    name_or_path = name_or_path or DEFAULT_MAPPING
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise MappingError(f"{path}: cannot read mapping profile: {exc.strerror}") from None
        return parse_mapping(yaml.safe_load(text), str(path))
    resource = resources.files("fingerlog.mapping") / "profiles" / f"{name_or_path}.yaml"
    if not resource.is_file():
        raise MappingError(
            f"unknown mapping {str(name_or_path)!r}; available: {', '.join(available_mappings())}"
        )
    return parse_mapping(yaml.safe_load(resource.read_text(encoding="utf-8")), f"{name_or_path}.yaml")
