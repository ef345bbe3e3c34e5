"""Log sources: job directories, archives, compressed files and JSON-lines events.

Everything here turns what a user downloaded into logstash-shaped events, so the
fingerprints mean what they meant on logstash.openstack.org.  The engine codes
against the contract in ``docs/ARCHITECTURE.md`` ("Sources <-> engine contract");
docs/sources.md has the derivation tables.

Contract additions (beyond docs/ARCHITECTURE.md):

- ``LogFormat.is_dropped(line: bytes)``: raw lines logstash discarded before
  grouping (``<pre>`` in consoles, ``+ `` xtrace lines in screen logs, blank
  lines in plain files).  Skip them before applying ``continuation``.
- ``LogFormat.event_fields`` returns ``{}`` for an event logstash dropped
  (``loglevel`` DEBUG); its ``tags`` are the event's own (``multiline``,
  ``_grokparsefailure``) and follow the file's tags.
- ``LogFile.event(lines, first_line, last_line) -> Event | None`` merges the
  file's fields with the event's: the one place to build events.
  ``LogFile.decode(lines)`` decodes raw lines (invalid UTF-8 replaced, recorded).
- ``LogFormat.prefilterable`` is False for JSON lines and saved search
  responses (escaped text; a response is read whole): scan those with
  ``logfile.format.iter_events(stream, logfile)``.
- An event is at most ``MAX_EVENT_LINES`` lines; a line at most
  ``MAX_LINE_BYTES`` bytes (``line-too-long`` recorded via ``LogFile.record_long_line``).
- A tar member's ``open_stream()`` works once, before the next file is requested;
  other files reopen on each call.  ``Job.files()`` lists the files afresh on each call.
- ``LogFormat.drop`` is the compiled drop pattern (or None) the engine groups with.
- A single file given as the location takes its build fields from the nearest
  ``zuul-info/`` above it (its ``filename`` is then its path inside that job), or
  from a logs.openstack.org path.
- JSON-lines events take ``--field`` overrides on top of each document.
- ``LogFile.open_stream()`` yields ``\n``-separated UTF-8 for every file it lists: UTF-16/32
  (with a byte-order mark) and bare-``\r`` files are recoded per block (``LogFile.content``);
  binary files and archives inside a job are recorded and never listed.
"""

from __future__ import annotations

from fingerlog.sources.build import BUILD_FIELD_RULES, BuildFieldRule
from fingerlog.sources.documents import DocumentError, document_fields, event_from_document, load_sample_events
from fingerlog.sources.events import MAX_EVENT_LINES, MAX_LINE_BYTES, iter_lines
from fingerlog.sources.filetypes import FILE_RULES, FileRule, classify
from fingerlog.sources.formats import FORMATS, LogFormat
from fingerlog.sources.job import Job, JobError, LogFile, open_job

__all__ = [
    "BUILD_FIELD_RULES",
    "FILE_RULES",
    "FORMATS",
    "MAX_EVENT_LINES",
    "MAX_LINE_BYTES",
    "BuildFieldRule",
    "DocumentError",
    "FileRule",
    "Job",
    "JobError",
    "LogFile",
    "LogFormat",
    "classify",
    "document_fields",
    "event_from_document",
    "iter_lines",
    "load_sample_events",
    "open_job",
]
