"""One entry point for every translation target, so the CLI and library users agree.

``lucene`` is the canonical ES 1.x query string; ``dsl`` and ``kibana-url``
target a modern cluster laid out by ``fingerlog es-template``.
"""

from __future__ import annotations

import enum

from fingerlog.backends.dsl import Translation, to_dsl
from fingerlog.backends.es_target import Target
from fingerlog.backends.kibana import DEFAULT_KIBANA_URL, discover_url
from fingerlog.backends.lucene import to_lucene
from fingerlog.mapping import FieldMappings
from fingerlog.query.nodes import Node


class TranslationTarget(enum.Enum):
    """What ``--to`` names; the value is also the key of the translation in the JSON output."""

    LUCENE = "lucene"
    DSL = "dsl"
    KIBANA_URL = "kibana-url"


def translate(
    node: Node,
    to: TranslationTarget,
    mapping: FieldMappings,
    target: Target | None = None,
    *,
    kibana_url: str = DEFAULT_KIBANA_URL,
) -> Translation:
    """``node`` in the ``to`` language, with what that language cannot say exactly."""
    if to is TranslationTarget.LUCENE:
        return Translation(to_lucene(node))
    if to is TranslationTarget.DSL:
        return to_dsl(node, mapping, target)
    return discover_url(node, mapping, target, base_url=kibana_url)
