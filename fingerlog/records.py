"""Records that flow one way through fingerlog: sources → events → matcher → hits → store.

This module is a leaf: it imports nothing else of ours, so readers of logs,
the matcher and the store can all speak of the same records without knowing
of one another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: logstash field name -> its values.  Every field is multi-valued (``tags``
#: really is; the others hold one value), as Elasticsearch sees a document.
Fields = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Event:
    """One log event, with the fields logstash would have indexed for it.

    ``fields["message"]`` holds the whole event: a multi-line event (a
    traceback) joins its lines with ``\\n`` as logstash's multiline filter did.
    """

    fields: Fields
    #: path of the file inside the job (compression suffix removed), as ``filename``.
    source: str
    #: 1-based line numbers of the event's first and last line in ``source``.
    first_line: int
    last_line: int
    #: stable id: the ``_id`` of a JSON-lines document, else ``<source>:<first_line>``.
    event_id: str

    def first(self, name: str, default: str | None = None) -> str | None:
        """The first value of a field, or ``default`` when the event lacks it."""
        values = self.fields.get(name)
        return values[0] if values else default


@dataclass(frozen=True, slots=True)
class SourceError:
    """A file (or part of one) that could not be read; the scan goes on without it."""

    path: str
    #: short machine-readable kind: ``corrupt-gzip``, ``binary``, ``unreadable``,
    #: ``truncated-archive``, ``line-too-long``, ``invalid-utf8``, ``http-404``, ...
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class Hit:
    """One event matched by one fingerprint."""

    rule_id: str
    event: Event


@dataclass(frozen=True, slots=True)
class Build:
    """What is known of one CI build: its logstash build fields and where its logs are."""

    #: a key unique within an archive: the build uuid, else the job path.
    key: str
    #: ``build_name``, ``build_uuid``, ``build_status``, ``project``, ``log_url``, ...
    fields: Mapping[str, str] = field(default_factory=dict)
    #: where the logs were read from (directory, archive, URL).
    location: str = ""


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line of a build's logs kept for the people triaging it (its first error lines)."""

    source: str
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class BuildScan:
    """The outcome of scanning one build: what the batch engines and the store exchange."""

    build: Build
    hits: tuple[Hit, ...]
    errors: tuple[SourceError, ...]
    #: decompressed bytes read, files opened and events built for it.
    bytes_read: int = 0
    files: int = 0
    #: digest of the rule set the build was scanned with (resume / --rescan).
    rules_digest: str = ""
    #: seconds spent scanning.
    duration: float = 0.0
    #: the first error lines of a build no fingerprint matched, for triage (empty otherwise).
    first_errors: tuple[LogLine, ...] = ()
