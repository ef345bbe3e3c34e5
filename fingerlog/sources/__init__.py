"""Log sources: job directories, archives, compressed files and JSON-lines events.

Everything here turns what a user downloaded into logstash-shaped events, so the
fingerprints mean what they meant on logstash.openstack.org.  The engine codes
against the contract in ``docs/ARCHITECTURE.md`` ("Sources <-> engine contract").
"""

from __future__ import annotations

from fingerlog.sources.documents import (
    DocumentError,
    document_fields,
    event_from_document,
    load_sample_events,
)

__all__ = [
    "DocumentError",
    "document_fields",
    "event_from_document",
    "load_sample_events",
]
