"""Which tags and which format a file gets, from its name: THE table, as data.

The rows follow the file lists OpenStack's log shippers gave logstash
(``jenkins-log-client.yaml``, later ``submit-logstash-jobs``): a file's tags
are its short name (``screen-n-cpu.txt``) plus the tags listed for it.
Files no row names (``n-cpu.log``, ``nova-compute.log-20151124``) have their
format sniffed from their first lines and get that format's tag.
docs/sources.md shows this table; a test keeps the two in step.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass

from fingerlog.sources.formats import FORMATS, PLAIN, LogFormat


@dataclass(frozen=True)
class FileRule:
    """Files whose short name matches ``pattern`` (fnmatch) get ``tags`` and ``format``."""

    pattern: str
    #: a name in :data:`FORMATS`, or None to sniff the format from the content.
    format: str | None
    tags: tuple[str, ...]
    note: str


#: first matching row wins.
FILE_RULES: tuple[FileRule, ...] = (
    FileRule("console.html", "console", ("console",), "Jenkins console (Zuul v2)"),
    FileRule("job-output.txt", "console", ("console", "console.html"), "Zuul v3 job output"),
    FileRule("devstacklog.txt.summary", "console", ("console", "console.html", "devstack_summary"), "devstack summary"),
    FileRule("devstacklog.txt", "console", ("console", "console.html", "devstack"), "devstack run"),
    FileRule("grenade.sh*.txt", "console", ("console", "console.html", "grenade"), "grenade run"),
    FileRule("devstack-gate-*.txt", "console", ("console", "console.html"), "devstack-gate steps"),
    FileRule("screen-*.txt", "oslofmt", ("screen", "oslofmt"), "devstack service (screen or systemd journal)"),
    FileRule("devstack@*.service.log.txt", "oslofmt", ("screen", "oslofmt"), "devstack systemd journal export"),
    FileRule("tempest.txt", "oslofmt", ("screen", "oslofmt"), "tempest log"),
    FileRule("tempest_log.txt", "oslofmt", ("screen", "oslofmt", "tempest"), "tempest log (Zuul v3)"),
    FileRule("syslog.txt", "syslog", ("syslog",), "node syslog"),
    FileRule("syslog", "syslog", ("syslog",), "syslog"),
    FileRule("messages", "syslog", ("syslog",), "/var/log/messages"),
    FileRule("var_log_messages*", "syslog", ("syslog",), "/var/log/messages copy"),
    FileRule("libvirtd.*", "libvirt", ("libvirt",), "libvirt daemon"),
    FileRule("*access*.txt", "apachecombined", ("apachecombined",), "Apache/nginx access log"),
    FileRule("*access*.log", "apachecombined", ("apachecombined",), "Apache/nginx access log"),
    FileRule("access_log", "apachecombined", ("apachecombined",), "Apache access log"),
    FileRule("*_error.txt", "apacheerror", ("apacheerror",), "Apache error log (horizon_error.txt)"),
    FileRule("*_error.log", "apacheerror", ("apacheerror",), "Apache error log"),
    FileRule("error_log", "apacheerror", ("apacheerror",), "Apache error log"),
)

#: files that are not log lines: skipped without an error.
SKIP_PATTERNS: tuple[str, ...] = (
    "*.png", "*.jpg", "*.jpeg", "*.gif", "*.ico", "*.svg", "*.woff", "*.woff2", "*.ttf", "*.eot",
    "*.css", "*.js", "*.map", "*.pyc", "*.sqlite", "*.db", "*.subunit",
)

#: compression suffixes removed from a member's name to give ``filename``.
COMPRESSION_SUFFIXES: tuple[str, ...] = (".gz", ".bz2", ".xz")

#: at most this many lines of a file's first block are looked at to sniff its format.
SNIFF_LINES = 200
_COMPILED = tuple((re.compile(fnmatch.translate(r.pattern)), r) for r in FILE_RULES)
_SKIP = re.compile("|".join(fnmatch.translate(p) for p in SKIP_PATTERNS))


def short_name(path: str) -> str:
    """The tag logstash gave a file: its base name."""
    return posixpath.basename(path)


def strip_compression(name: str) -> str:
    """``logs/screen-n-cpu.txt.gz`` -> ``logs/screen-n-cpu.txt``."""
    for suffix in COMPRESSION_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def is_skipped(path: str) -> bool:
    return _SKIP.match(short_name(path)) is not None


def rule_for(path: str) -> FileRule | None:
    """The first row of :data:`FILE_RULES` naming this file, if any."""
    name = short_name(path)
    return next((rule for pattern, rule in _COMPILED if pattern.match(name)), None)


def sniff_format(head: bytes) -> LogFormat | None:
    """The logstash format the first lines look like, or None.

    :data:`FORMATS` lists the specific formats first (an oslo line in the
    systemd journal is also a syslog line): the first format that fits at
    least a quarter as many lines as the best fitting one wins.
    """
    lines = [line.rstrip(b"\r") for line in head.split(b"\n")[:SNIFF_LINES] if line.strip()]
    counts = [
        (fmt, sum(1 for line in lines if not fmt.is_dropped(line) and fmt.start.match(line)))
        for fmt in FORMATS.values()
        if fmt.start is not None
    ]
    best = max((count for _, count in counts), default=0)
    return next((fmt for fmt, count in counts if best and 4 * count >= best), None)


def classify(path: str, head: bytes) -> tuple[tuple[str, ...], LogFormat]:
    """Tags (short name first) and format of the file at ``path`` starting with ``head``.

    A row's format is kept only when the content agrees (a line of the first
    block looks like it, or the file is empty); otherwise the format is
    sniffed, so a renamed or unexpected file still splits into sane events.
    """
    rule = rule_for(path)
    tags: tuple[str, ...] = (short_name(path),)
    if rule is not None:
        tags += tuple(t for t in rule.tags if t not in tags)
        named = FORMATS[rule.format] if rule.format else None
        if named is not None and (not head.strip() or _agrees(named, head)):
            return tags, named
    sniffed = sniff_format(head)
    if sniffed is None:
        return tags, PLAIN
    if rule is None and sniffed.name not in tags:
        tags += (sniffed.name,)
    return tags, sniffed


def _agrees(fmt: LogFormat, head: bytes) -> bool:
    if fmt.start is None:
        return True
    lines = head.split(b"\n")[:SNIFF_LINES]
    return any(fmt.start.match(line.rstrip(b"\r")) for line in lines)
