"""Line formats: how lines group into events and which fields an event yields.

Each format is OpenStack's logstash filter for one tag (``console``,
``oslofmt``, ``syslog``, ``apachecombined``, ``apacheerror``, ``libvirt``) written as
data: the lines logstash dropped before anything else, the multiline rule,
the grok pattern and the template that replaced ``message``.  ``plain`` (no
logstash tag) and ``jsonl`` (documents already parsed) are fingerlog's own.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Any, cast

from fingerlog.records import Event, Fields
from fingerlog.sources import grok as g
from fingerlog.sources.documents import DocumentError, document_fields, events_from_response, response_hits
from fingerlog.sources.events import MAX_EVENT_LINES, iter_events  # noqa: F401 - engine/scan.py imports MAX_EVENT_LINES from here
from fingerlog.sources.timestamps import to_timestamp

if TYPE_CHECKING:  # job.py builds LogFiles around formats: import only for the annotations
    from fingerlog.sources.job import LogFile

#: a pattern that never matches: formats whose every line starts an event.
NEVER = re.compile(rb"(?!)")
#: fields logstash captured only to build ``message`` and ``@timestamp``, then removed.
_SCRATCH = frozenset({"logdate", "logmessage"})
_TEMPLATE_FIELD = re.compile(r"%\{([^}]+)\}")
_REQUEST_ID = re.compile(r"\b(req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b")

_TS = rf"(?:{g.TIMESTAMP_ISO8601}|{g.SYSLOGTIMESTAMP})"
_OSLO_LEVEL = r"AUDIT|CRITICAL|DEBUG|INFO|TRACE|WARNING|ERROR"
#: ``"hits": {<scalar members>, "hits": [`` at the start of a one-line search response.
_RESPONSE_HITS = re.compile(rb'"hits"\s*:\s*\{(?:[^{}\[\]]|\[[^\[\]]*\])*?"hits"\s*:\s*\[')


class _OnFirstUse:
    """A regex compiled when first used: most formats' patterns are never used by a given scan
    (compiling them all cost every start-up ~25 ms).  Each attribute of the compiled pattern
    (``search``, ``groupindex``, ...) is fetched once, then read from this object's own dict."""

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and friends probing for hooks: none here
            raise AttributeError(name)
        value = getattr(re.compile(self.pattern, self._flags), name)
        setattr(self, name, value)
        return value


def _bytes_pattern(pattern: str) -> re.Pattern[bytes]:
    return cast("re.Pattern[bytes]", _OnFirstUse(pattern.encode("utf-8")))


def _grok(pattern: str, dotall: bool = False) -> re.Pattern[str]:
    """Ruby's ``^``/``$`` always anchor lines; ``(?m)`` in grok meant Python's DOTALL."""
    flags = re.ASCII | re.MULTILINE | (re.DOTALL if dotall else 0)
    return cast("re.Pattern[str]", _OnFirstUse(pattern, flags))


def sprintf(template: str, fields: Mapping[str, str]) -> str:
    """logstash's ``%{name}`` substitution: a missing field stays as the literal ``%{name}``."""
    whole = _whole_field(template)
    if whole is not None:  # the usual template, one field: a look-up (it runs for every event built)
        return fields.get(whole, template)
    return _TEMPLATE_FIELD.sub(lambda m: fields.get(m.group(1), m.group(0)), template)


@lru_cache(maxsize=64)
def _whole_field(template: str) -> str | None:
    """The field name when ``template`` is exactly one ``%{name}``."""
    match = _TEMPLATE_FIELD.fullmatch(template)
    return match.group(1) if match else None


@dataclass(frozen=True)
class LogFormat:
    """How one kind of log file becomes events (see the module docstring)."""

    name: str
    #: a line matching this continues the event before it (logstash ``multiline``, what => previous).
    continuation: re.Pattern[bytes] = NEVER
    #: grok pattern applied to the joined event text; None: the text is the message.
    grok: re.Pattern[str] | None = None
    #: (guard, cheaper grok): when ``guard`` finds nothing in the text, the cheaper
    #: pattern matches exactly as ``grok`` would (it leaves out an alternative that needs it).
    shortcut: tuple[re.Pattern[str], re.Pattern[str]] | None = None
    #: what replaced ``message`` after a successful grok.
    message: str = "%{logmessage}"
    #: what fills ``logdate`` when the grok has no such group (apache's ``%{timestamp}``).
    logdate: str = "%{logdate}"
    #: lines dropped before grouping (``<pre>`` in consoles, ``+ `` xtrace in screen logs).
    drop: re.Pattern[bytes] | None = None
    #: a line that looks like this format (content sniffing); None: never sniffed.
    start: re.Pattern[bytes] | None = None
    #: year for dates that have none (syslog): the year the file was written.
    year: int = field(default_factory=lambda: dt.datetime.now(dt.UTC).year)
    #: False when the raw bytes are not the message text (JSON escapes): scan in full.
    prefilterable: bool = True

    def with_context(self, *, extra_drops: tuple[bytes, ...] = (), year: int | None = None) -> LogFormat:
        """This format bound to one file: drop rules its tags add, the year it was written."""
        patterns = ([self.drop.pattern] if self.drop is not None else []) + list(extra_drops)
        drop = re.compile(b"|".join(b"(?:" + p + b")" for p in patterns)) if patterns else None
        return replace(self, drop=drop, year=self.year if year is None else year)

    def is_dropped(self, line: bytes) -> bool:
        """True for a raw line logstash threw away before grouping lines into events."""
        return self.drop is not None and self.drop.search(line) is not None

    def event_fields(self, lines: list[str]) -> dict[str, tuple[str, ...]]:
        """Fields of the event made of ``lines``; ``{}`` for an event logstash dropped (DEBUG).

        ``tags`` here are the event's own tags (``multiline``, ``_grokparsefailure``);
        the file's tags come first in the final event.
        """
        text = "\n".join(lines)
        tags: list[str] = ["multiline"] if len(lines) > 1 else []
        captured: dict[str, str] = {}
        if self.grok is not None:
            grok = self.grok
            if self.shortcut is not None and self.shortcut[0].search(text) is None:
                grok = self.shortcut[1]
            match = grok.search(text)
            if match is None:
                tags.append("_grokparsefailure")
            else:
                captured = {k: v for k, v in match.groupdict().items() if v}
        if captured.get("loglevel") == "DEBUG":
            return {}
        fields: dict[str, tuple[str, ...]] = {k: (v,) for k, v in captured.items() if k not in _SCRATCH}
        if self.grok is None or "_grokparsefailure" in tags:
            fields["message"] = (text,)
        else:
            fields["message"] = (sprintf(self.message, captured),)
            stamp = to_timestamp(sprintf(self.logdate, captured), self.year)
            if stamp is None:
                tags.append("_dateparsefailure")
            else:
                fields["@timestamp"] = (stamp,)
        if request := _REQUEST_ID.search(fields["message"][0]):
            fields["request_id"] = (request.group(1),)
        if tags:
            fields["tags"] = tuple(tags)
        return fields

    def make_event(self, logfile: LogFile, lines: list[str], first_line: int, last_line: int) -> Event | None:
        """The event of ``lines``: the file's fields, then the event's (its tags appended)."""
        fields = self.indexed_fields(logfile, lines)
        return None if fields is None else self.event_at(logfile, fields, first_line, last_line)

    def indexed_fields(self, logfile: LogFile, lines: list[str]) -> dict[str, tuple[str, ...]] | None:
        """The fields the event of ``lines`` is indexed with (None: dropped), before it is placed in its file.

        The scan matches these first and numbers the lines of the events that hit only.
        """
        own = self.event_fields(lines)
        if not own:
            return None
        fields = dict(logfile.fields)
        fields["tags"] = fields.get("tags", ()) + own.pop("tags", ())
        fields.update(own)
        return fields

    @staticmethod
    def event_at(logfile: LogFile, fields: Fields, first_line: int, last_line: int) -> Event:
        """The event with ``fields`` at lines ``first_line``-``last_line`` of ``logfile``."""
        return Event(fields, logfile.path, first_line, last_line, f"{logfile.path}:{first_line}")

    def iter_events(self, stream: IO[bytes], logfile: LogFile) -> Iterator[Event]:
        """Every event of ``stream`` (a full pass; the engine prefers its windowed scan)."""
        return iter_events(stream, logfile)


@dataclass(frozen=True)
class DocumentFormat(LogFormat):
    """JSON-lines: each line is an already-indexed document; its fields are taken as they are."""

    @staticmethod
    def _hit(lines: list[str]) -> tuple[dict[str, object], dict[str, object]]:
        """The line's JSON object and its ``_source`` (the object itself when it has none)."""
        hit = json.loads(lines[0])
        if not isinstance(hit, dict):
            raise ValueError("a JSON-lines document must be a JSON object")
        source = hit.get("_source", hit)
        if not isinstance(source, dict):
            raise ValueError("_source must be a JSON object")
        return hit, source

    def event_fields(self, lines: list[str]) -> dict[str, tuple[str, ...]]:
        return document_fields(self._hit(lines)[1])

    def make_event(self, logfile: LogFile, lines: list[str], first_line: int, last_line: int) -> Event | None:
        """The document as indexed, ``--field`` overrides on top; its ``_id`` is the event id."""
        try:
            hit, source = self._hit(lines)
        except ValueError as exc:
            logfile.record("invalid-json", f"line {first_line}: {exc}")
            return None
        fields = document_fields(source)
        fields.update(logfile.fields)
        event_id = str(hit.get("_id", f"{logfile.path}:{first_line}"))
        source_name = fields.get("filename", (logfile.path,))[0]
        return Event(fields, source_name, first_line, last_line, event_id)


@dataclass(frozen=True)
class ResponseFormat(DocumentFormat):
    """A saved Elasticsearch search response: its hits are the events, ``--field`` overrides on top.

    Read whole, not streamed: a response holds at most the search's ``size`` hits.
    """

    def iter_events(self, stream: IO[bytes], logfile: LogFile) -> Iterator[Event]:
        try:
            events = events_from_response(json.loads(stream.read()), logfile.path)
        except (ValueError, DocumentError) as exc:
            logfile.record("invalid-json", str(exc))
            return
        for event in events:
            yield replace(event, fields={**event.fields, **logfile.fields})


def is_search_response(head: bytes) -> bool:
    """Whether a JSON file starting with ``head`` is one document (a search response) rather than JSON lines.

    A first line that is not a whole JSON value, followed by a line that is not
    one either, starts a pretty-printed document: it is read as one response,
    and one that is not a search response is one ``invalid-json`` record, not
    one per line.
    """
    first, newline, rest = head.lstrip().partition(b"\n")
    first = first.strip()
    if first == b"{":  # pretty-printed: one object over many lines
        return True
    if not first.startswith(b"{"):
        return False
    try:
        return response_hits(json.loads(first)) is not None
    except ValueError:
        if not newline:  # a line longer than the head: look for the shape of hits.hits
            return _RESPONSE_HITS.search(first) is not None
        return not _is_json_object(rest.lstrip().split(b"\n", 1)[0])  # else a broken first line of JSON lines


def _is_json_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


CONSOLE = LogFormat(
    name="console",
    continuation=_bytes_pattern(rf"^(?!{g.TIMESTAMP_ISO8601} \|)"),
    grok=_grok(rf"^(?P<logdate>{g.TIMESTAMP_ISO8601}) \| (?P<logmessage>{g.GREEDYDATA})", dotall=True),
    drop=re.compile(rb"^</?pre>$"),
    start=_bytes_pattern(rf"^{g.TIMESTAMP_ISO8601} \|"),
)

_OSLO_TAIL = rf"(?P<loglevel>{_OSLO_LEVEL}) \[?\b(?P<module>{g.NOTSPACE})\b\]?{g.SPACE}?(?P<logmessage>{g.GREEDYDATA})?"

OSLOFMT = LogFormat(
    name="oslofmt",
    # The 2013 rule, which the real sample documents show: TRACE lines and lines
    # without a timestamp continue.  The 2014+ filter also folded "<pid> ERROR"
    # lines into the event before them (often a DEBUG one, then dropped whole);
    # fingerlog keeps oslo.log>=1.2 ERROR traceback lines as events of their own.
    continuation=_bytes_pattern(rf"^(?!{_TS} )|^{_TS}{g.SPACE}(?:{g.NUMBER})?{g.SPACE}TRACE"),
    grok=_grok(
        rf"^(?P<logdate>{_TS}){g.SPACE}"
        rf"(?:(?P<syslog_program>{g.DATA})(?:\[(?P<syslog_pid>{g.POSINT})\])?:|(?P<pid>{g.NUMBER}))?{g.SPACE}?"
        + _OSLO_TAIL,
        dotall=True,
    ),
    # The journal alternative ("program[pid]:") is tried first and scans the whole event;
    # it needs a ":" before the level, so without one the pid-only pattern is the same match.
    shortcut=(
        _grok(rf":{g.SPACE}(?:{_OSLO_LEVEL}) "),
        _grok(rf"^(?P<logdate>{_TS}){g.SPACE}(?:(?P<pid>{g.NUMBER}))?{g.SPACE}?" + _OSLO_TAIL, dotall=True),
    ),
    start=_bytes_pattern(
        rf"^{_TS}{g.SPACE}(?:[^\n]*?(?:\[{g.POSINT}\])?:|{g.NUMBER})?{g.SPACE}?(?:{_OSLO_LEVEL}) "
    ),
)

SYSLOG = LogFormat(
    name="syslog",
    grok=_grok(
        rf"(?P<logdate>{g.SYSLOGTIMESTAMP}){g.SPACE}(?P<syslog_host>{g.SYSLOGHOST})?{g.SPACE}"
        rf"(?P<syslog_program>{g.DATA})(?:\[(?P<syslog_pid>{g.POSINT})\])?:? (?P<logmessage>{g.GREEDYDATA})"
    ),
    start=_bytes_pattern(rf"^{g.SYSLOGTIMESTAMP} \S+ [^\s:\[]+(?:\[\d+\])?: "),
)

APACHECOMBINED = LogFormat(
    name="apachecombined",
    grok=_grok(g.COMBINEDAPACHELOG),
    message="%{verb} %{request} %{response}",
    logdate="%{timestamp}",
    start=_bytes_pattern(rf"^\S+ \S+ \S+ \[{g.HTTPDATE}\] \""),
)

APACHEERROR = LogFormat(
    name="apacheerror",
    grok=_grok(
        rf"\[(?P<logdate>{g.DAY} {g.MONTH} {g.MONTHDAY} {g.TIME} {g.YEAR}{g.SPACE}{g.TZ}?)\]{g.SPACE}"
        rf"\[(?P<loglevel>{g.LOGLEVEL})\]{g.SPACE}(?P<logmessage>{g.GREEDYDATA})"
    ),
    start=_bytes_pattern(rf"^\[{g.DAY} {g.MONTH} {g.MONTHDAY} {g.TIME} {g.YEAR}[^\]]*\] \["),
)

LIBVIRT = LogFormat(
    name="libvirt",
    grok=_grok(
        rf"(?P<logdate>{g.TIMESTAMP_ISO8601}):{g.SPACE}(?P<pid>{g.NUMBER}):{g.SPACE}"
        rf"(?P<loglevel>{g.LOGLEVEL}){g.SPACE}:{g.SPACE}(?P<logmessage>{g.GREEDYDATA})"
    ),
    start=_bytes_pattern(rf"^{g.TIMESTAMP_ISO8601}: \d+: \w+ : "),
)

#: no logstash filter: one event per line, indented lines (tracebacks) continue the event.
PLAIN = LogFormat(name="plain", continuation=re.compile(rb"^[ \t]+\S"), drop=re.compile(rb"^\s*$"))

JSONL = DocumentFormat(name="jsonl", drop=re.compile(rb"^\s*$"), prefilterable=False)

RESPONSE = ResponseFormat(name="search-response", prefilterable=False)

#: formats by name; content sniffing tries them in this order.
FORMATS: Mapping[str, LogFormat] = {
    f.name: f for f in (CONSOLE, OSLOFMT, SYSLOG, APACHECOMBINED, APACHEERROR, LIBVIRT, PLAIN, JSONL, RESPONSE)
}
