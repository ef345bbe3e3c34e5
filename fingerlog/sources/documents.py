"""Already-parsed events: Elasticsearch ``_source`` documents as logstash indexed them.

Two layouts exist in the wild.  logstash before 1.2 (the 2013 samples) wrote
``@message``, ``@tags``, ``@type``, ``@source_host`` and put every other field
under ``@fields`` (values often one-element lists); logstash 1.2+ (and every
fingerprint) uses flat names: ``message``, ``tags``, ``filename``,
``build_name``.  Fingerprints query the flat names, so old documents are
renamed the way logstash 1.2's own upgrade did; nothing else is changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fingerlog.errors import FingerlogError
from fingerlog.records import Event

#: top-level names of the pre-1.2 logstash event schema -> the names logstash 1.2 gave them.
LEGACY_RENAMES: Mapping[str, str] = {
    "@message": "message",
    "@tags": "tags",
    "@type": "type",
    "@source_host": "host",
    "@source_path": "path",
    "@source": "source",
}

#: the object whose members became top-level fields in logstash 1.2.
LEGACY_FIELDS_OBJECT = "@fields"


class DocumentError(FingerlogError):
    """A JSON file of documents that cannot be used at all (not JSON, no hits)."""


def _scalar(value: Any) -> str:
    """One JSON scalar as Elasticsearch would have seen its text (``true``, not ``True``)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _values(value: Any) -> tuple[str, ...]:
    """A field's values: JSON arrays are multi-valued fields, ``null`` holds nothing."""
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(v for item in value for v in _values(item))
    return (_scalar(value),)


def _flatten(doc: Mapping[str, Any], prefix: str, out: dict[str, tuple[str, ...]]) -> None:
    """Objects become dotted field names, as Elasticsearch indexes an inner object."""
    for key, value in doc.items():
        name = prefix + str(key)
        if isinstance(value, Mapping):
            _flatten(value, name + ".", out)
            continue
        values = _values(value)
        if values:
            out[name] = out.get(name, ()) + values


def document_fields(doc: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """The flat logstash fields of one ``_source`` document, in either layout."""
    fields: dict[str, tuple[str, ...]] = {}
    legacy = doc.get(LEGACY_FIELDS_OBJECT)
    if isinstance(legacy, Mapping):
        _flatten(legacy, "", fields)
    renamed = {LEGACY_RENAMES.get(k, k): v for k, v in doc.items() if k != LEGACY_FIELDS_OBJECT}
    _flatten(renamed, "", fields)
    return fields


def event_from_document(doc: Mapping[str, Any], *, event_id: str, line: int = 0) -> Event:
    """An :class:`Event` holding the fields logstash indexed for ``doc``.

    ``line`` is the document's line in a JSON-lines file (0 when it has none).
    """
    fields = document_fields(doc)
    source = fields.get("filename", ("",))[0]
    return Event(fields=fields, source=source, first_line=line, last_line=line, event_id=event_id)


def response_hits(response: Any) -> list[Any] | None:
    """``hits.hits`` of an Elasticsearch search response, or None when it is not one."""
    hits = response.get("hits") if isinstance(response, Mapping) else None
    inner = hits.get("hits") if isinstance(hits, Mapping) else None
    return inner if isinstance(inner, list) else None


def events_from_response(response: Any, origin: str) -> list[Event]:
    """The hits of a parsed search response as events (``_id`` as the event id)."""
    hits = response_hits(response)
    if hits is None:
        raise DocumentError(f"{origin}: no hits.hits list: not an Elasticsearch search response")
    return [
        event_from_document(hit.get("_source", {}), event_id=str(hit.get("_id", f"{origin}:{n}")), line=n)
        for n, hit in enumerate(hits, start=1)
        if isinstance(hit, Mapping)
    ]


def load_sample_events(path: str | Path) -> list[Event]:
    """The hits of an Elasticsearch search response file (``hits.hits[]._source``, ``_id``)."""
    path = Path(path)
    try:
        response = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentError(f"{path}: not a JSON search response: {exc}") from None
    return events_from_response(response, path.name)
