"""Ingest pipeline deriving, in Elasticsearch, the fields fingerlog derives from a log file.

fingerlog reproduces OpenStack's logstash filters locally (``fingerlog.sources``:
tags from the file name, one grok per line format, ``message`` replaced by
what follows the log prefix, DEBUG events dropped).  A production cluster fed
by a plain shipper (Filebeat, Fluent Bit) must derive the same fields or the
same fingerprint gives other answers there, so this module writes that
derivation as an ingest pipeline.  The tag table and the per-format templates
are passed in as data by the caller (the CLI hands over
``fingerlog.sources``' own table), so the two cannot drift; the grok
spellings below are OpenStack's ``filters/openstack-filters.conf``
(openstack/logstash-filters), which is what the local formats implement.

What the pipeline cannot do: group lines into events (the shipper's
multiline setting does that) and sniff a format from a file's content (a
file no table row names gets no format tag unless the shipper sends one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fingerlog.backends.es_target import EsVersion, Target


@dataclass(frozen=True, slots=True)
class TagRule:
    """Files whose short name matches ``pattern`` (``*``/``?`` glob) get ``tags``; first match wins."""

    pattern: str
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DropRule:
    """Events of files with any of ``tags`` whose message matches ``pattern`` (a regex
    searched, Python and Java alike) are thrown away, as logstash's first filters did."""

    tags: tuple[str, ...]
    pattern: str


@dataclass(frozen=True, slots=True)
class FormatTemplates:
    """What replaces ``message`` and fills ``logdate`` after a format's grok matched."""

    name: str
    message: str = "%{logmessage}"
    logdate: str = "%{logdate}"


#: Grok of each logstash format, in logstash's if/else order, with the tags selecting it.
#: Spelled as in openstack-filters.conf; oslofmt's two ``logdate`` captures are one group here.
ES_GROK: Mapping[str, tuple[tuple[str, ...], str]] = {
    "console": (("console", "console.html"), r"(?m)^%{TIMESTAMP_ISO8601:logdate} \| %{GREEDYDATA:logmessage}"),
    "oslofmt": (
        ("oslofmt",),
        (
            r"(?m)^(?<logdate>%{TIMESTAMP_ISO8601}|%{SYSLOGTIMESTAMP})%{SPACE}"
            r"(%{DATA:syslog_program}(?:\[%{POSINT:syslog_pid}\])?:|%{NUMBER:pid})?%{SPACE}?"
            r"(?<loglevel>AUDIT|CRITICAL|DEBUG|INFO|TRACE|WARNING|ERROR) \[?\b%{NOTSPACE:module}\b\]?"
            r"%{SPACE}?%{GREEDYDATA:logmessage}?"
        ),
    ),
    "apachecombined": (("apachecombined",), r"%{COMBINEDAPACHELOG}"),
    "apacheerror": (
        ("apacheerror",),
        (
            r"\[(?<logdate>%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{YEAR}%{SPACE}%{TZ}?)\]%{SPACE}"
            r"\[%{LOGLEVEL:loglevel}\]%{SPACE}%{GREEDYDATA:logmessage}"
        ),
    ),
    "libvirt": (
        ("libvirt",),
        (
            r"%{TIMESTAMP_ISO8601:logdate}:%{SPACE}%{NUMBER:pid}:%{SPACE}%{LOGLEVEL:loglevel}%{SPACE}:%{SPACE}"
            r"%{GREEDYDATA:logmessage}"
        ),
    ),
    "syslog": (
        ("syslog",),
        (
            r"%{SYSLOGTIMESTAMP:logdate}%{SPACE}%{SYSLOGHOST:syslog_host}?%{SPACE}"
            r"%{DATA:syslog_program}(?:\[%{POSINT:syslog_pid}\])?:? %{GREEDYDATA:logmessage}"
        ),
    ),
}

#: logstash's ``date`` filter list (Joda patterns, which Java time reads the same way here).
DATE_FORMATS: tuple[str, ...] = (
    "yyyy-MM-dd HH:mm:ss.SSS",
    "yyyy-MM-dd HH:mm:ss.SSSSSS",
    "yyyy-MM-dd HH:mm:ss,SSS",
    "yyyy-MM-dd HH:mm:ss",
    "MMM  d HH:mm:ss",
    "MMM dd HH:mm:ss",
    "MMM dd HH:mm:ss.SSSSSS",
    "dd/MMM/yyyy:HH:mm:ss Z",
    "yyyy-MM-dd HH:mm:ss.SSSZ",
    "E MMM dd HH:mm:ss yyyy Z",
    "E MMM dd HH:mm:ss yyyy",
    "ISO8601",
)

#: The request id oslo.log writes as ``[req-<uuid> ...``.
REQUEST_ID_GROK = r"\[(?<request_id>req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b"

#: Captures that fingerlog keeps only when non-empty (grok stores empty matches as "").
CAPTURES = ("loglevel", "module", "pid", "syslog_host", "syslog_pid", "syslog_program")

#: a scratch field naming the format whose grok ran, removed at the end.
FORMAT_FIELD = "fingerlog_format"
SCRATCH_FIELDS = ("logdate", "logmessage", FORMAT_FIELD)

# Painless: tags = [short name] + the first matching row's tags (+ what the shipper sent),
# and `multiline` for an event of several lines, as logstash's multiline filter tagged it.
_TAGS_SCRIPT = """
boolean glob(String p, String s) {
  int i = 0; int j = 0; int star = -1; int mark = 0;
  while (j < s.length()) {
    if (i < p.length() && (p.charAt(i) == (char)'?' || p.charAt(i) == s.charAt(j))) { i++; j++; }
    else if (i < p.length() && p.charAt(i) == (char)'*') { star = i; mark = j; i++; }
    else if (star >= 0) { i = star + 1; mark++; j = mark; }
    else { return false; }
  }
  while (i < p.length() && p.charAt(i) == (char)'*') { i++; }
  return i == p.length();
}
List tags = new ArrayList();
if (ctx.filename instanceof String) {
  String f = ctx.filename;
  for (def suffix : params.suffixes) {
    if (f.endsWith(suffix)) { f = f.substring(0, f.length() - suffix.length()); break; }
  }
  ctx.filename = f;
  String name = f.substring(f.lastIndexOf('/') + 1);
  tags.add(name);
  for (def rule : params.rules) {
    if (glob(rule.pattern, name)) {
      for (def t : rule.tags) { if (!tags.contains(t)) { tags.add(t); } }
      break;
    }
  }
}
def sent = ctx.tags;
if (sent instanceof List) { for (def t : sent) { if (!tags.contains(t)) { tags.add(t); } } }
else if (sent != null && !tags.contains(sent)) { tags.add(sent); }
if (ctx.message instanceof String && ctx.message.contains(params.newline)) { tags.add('multiline'); }
ctx.tags = tags;
""".strip()

# Painless: logstash's sprintf (a missing field stays as the literal `%{name}`), then the
# captures that matched nothing are removed, as fingerlog keeps only non-empty captures.
_MESSAGE_SCRIPT = """
String fill(String t, Map c) {
  StringBuilder b = new StringBuilder(); int i = 0;
  while (i < t.length()) {
    int s = t.indexOf('%{', i);
    int e = s < 0 ? -1 : t.indexOf('}', s);
    if (e < 0) { b.append(t.substring(i)); break; }
    b.append(t.substring(i, s));
    def v = c.get(t.substring(s + 2, e));
    b.append(v == null ? t.substring(s, e + 1) : v.toString());
    i = e + 1;
  }
  return b.toString();
}
def spec = params.formats.get(ctx.FORMAT_FIELD);
if (spec != null && !ctx.tags.contains('_grokparsefailure')) {
  for (def f : params.captures) { if ('' == ctx[f]) { ctx.remove(f); } }
  ctx.message = fill(spec.message, ctx);
  ctx.logdate = fill(spec.logdate, ctx);
}
""".strip().replace("FORMAT_FIELD", FORMAT_FIELD)


def _has_any(tags: Sequence[str]) -> str:
    return " || ".join(f"ctx.tags.contains('{t}')" for t in tags)


def _drop_processor(rule: DropRule) -> dict[str, Any]:
    """A ``drop`` with a painless regex (``script.painless.regex.enabled`` is ``limited``,
    enough for these, by default since ES 7.10 and in OpenSearch)."""
    regex = rule.pattern.replace("/", "\\/")
    condition = f"({_has_any(rule.tags)}) && ctx.message instanceof String && ctx.message =~ /{regex}/"
    return {"drop": {"tag": f"fingerlog-drop-{'-'.join(rule.tags)}", "if": condition}}


def _grok_processors(formats: Sequence[FormatTemplates], target: Target) -> list[dict[str, Any]]:
    """One grok per format, selected by tags in logstash's if/else order."""
    wanted = {f.name for f in formats}
    processors: list[dict[str, Any]] = []
    earlier: list[str] = []
    for name, (tags, pattern) in ES_GROK.items():
        if name not in wanted:
            continue
        condition = f"({_has_any(tags)})" + (f" && !({_has_any(earlier)})" if earlier else "")
        earlier.extend(tags)
        grok: dict[str, Any] = {
            "if": condition,
            "tag": f"fingerlog-{name}",
            "field": "message",
            "patterns": [pattern],
            "on_failure": [{"append": {"field": "tags", "value": "_grokparsefailure"}}],
        }
        if target.version is EsVersion.ES8:
            grok["ecs_compatibility"] = "disabled"  # logstash's field names, not ECS ones
        processors.append({"set": {"if": condition, "field": FORMAT_FIELD, "value": name}})
        processors.append({"grok": grok})
    return processors


def ingest_pipeline(
    tag_rules: Sequence[TagRule],
    formats: Sequence[FormatTemplates],
    *,
    compression_suffixes: Sequence[str] = (".gz", ".bz2", ".xz"),
    drops: Sequence[DropRule] = (),
    target: Target | None = None,
) -> dict[str, Any]:
    """The pipeline body (``PUT _ingest/pipeline/<name>``).

    ``drops`` are the events logstash threw away before grok (DEBUG events
    are dropped after it, as in logstash).
    """
    target = target or Target()
    unknown = sorted({f.name for f in formats} - set(ES_GROK))
    if unknown:
        raise ValueError(f"no Elasticsearch grok for format(s): {', '.join(unknown)}")
    processors: list[dict[str, Any]] = [
        {
            "script": {
                "tag": "fingerlog-tags",
                "source": _TAGS_SCRIPT,
                "params": {
                    "rules": [{"pattern": r.pattern, "tags": list(r.tags)} for r in tag_rules],
                    "suffixes": list(compression_suffixes),
                    "newline": "\n",
                },
            }
        }
    ]
    processors += [_drop_processor(rule) for rule in drops]
    processors += _grok_processors(formats, target)
    processors += [
        {"drop": {"tag": "fingerlog-drop-debug", "if": "ctx.loglevel == 'DEBUG'"}},
        {
            "script": {
                "tag": "fingerlog-message",
                "source": _MESSAGE_SCRIPT,
                "params": {
                    "formats": {f.name: {"message": f.message, "logdate": f.logdate} for f in formats},
                    "captures": list(CAPTURES),
                },
            }
        },
        {
            "date": {
                "if": f"ctx.{FORMAT_FIELD} != null && !ctx.tags.contains('_grokparsefailure')",
                "field": "logdate",
                "target_field": "@timestamp",
                "formats": list(DATE_FORMATS),
                "timezone": "UTC",
                "on_failure": [{"append": {"field": "tags", "value": "_dateparsefailure"}}],
            }
        },
        {"grok": {"field": "message", "patterns": [REQUEST_ID_GROK], "ignore_failure": True}},
        {"remove": {"field": list(SCRATCH_FIELDS), "ignore_missing": True}},
    ]
    return {
        "description": "fingerlog: the fields OpenStack's logstash filters derived (generated by fingerlog es-template)",
        "processors": processors,
    }

