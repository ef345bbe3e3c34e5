"""The grok building blocks OpenStack's logstash filters were written with, as regexes.

The line formats in :mod:`fingerlog.sources.formats` are the filters of
``openstack-infra/logstash-filters`` (``filters/openstack-filters.conf``)
spelled with these pieces, so a line splits into fields exactly where
logstash split it.  Grok ran on Ruby's Oniguruma; Python's backtracking
engine tries alternatives in the same order, so the same text yields the same
groups.  Ruby's ``(?m)`` (dot matches newline) is Python's ``(?s)``.  Every piece
is a group, as grok's expansion made it, so ``%{SPACE}?`` stays greedy.
"""

from __future__ import annotations

YEAR = r"(?>\d\d){1,2}"
MONTHNUM = r"(?:0?[1-9]|1[0-2])"
MONTHDAY = r"(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])"
HOUR = r"(?:2[0123]|[01]?[0-9])"
MINUTE = r"(?:[0-5][0-9])"
SECOND = r"(?:(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?)"
ISO8601_TIMEZONE = rf"(?:Z|[+-]{HOUR}(?::?{MINUTE}))"
TIMESTAMP_ISO8601 = rf"{YEAR}-{MONTHNUM}-{MONTHDAY}[T ]{HOUR}:?{MINUTE}(?::?{SECOND})?{ISO8601_TIMEZONE}?"
MONTH = (
    r"\b(?:[Jj]an(?:uary|uar)?|[Ff]eb(?:ruary|ruar)?|[Mm](?:a|ä)?r(?:ch|z)?|[Aa]pr(?:il)?"
    r"|[Mm]a(?:y|i)?|[Jj]un(?:e|i)?|[Jj]ul(?:y)?|[Aa]ug(?:ust)?|[Ss]ep(?:tember)?"
    r"|[Oo](?:c|k)?t(?:ober)?|[Nn]ov(?:ember)?|[Dd]e(?:c|z)(?:ember)?)\b"
)
DAY = r"(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)"
TIME = rf"(?!<[0-9]){HOUR}:{MINUTE}(?::{SECOND})(?![0-9])"
SYSLOGTIMESTAMP = rf"{MONTH} +{MONTHDAY} {TIME}"
HTTPDATE = rf"{MONTHDAY}/{MONTH}/{YEAR}:{TIME} (?:[+-]?(?:[0-9]+))"
BASE10NUM = r"(?<![0-9.+-])(?>[+-]?(?:(?:[0-9]+(?:\.[0-9]+)?)|(?:\.[0-9]+)))"
NUMBER = rf"(?:{BASE10NUM})"
POSINT = r"(?:\b(?:[1-9][0-9]*)\b)"
SPACE = r"(?:\s*)"
NOTSPACE = r"(?:\S+)"
DATA = r"(?:.*?)"
GREEDYDATA = r"(?:.*)"
WORD = r"(?:\b\w+\b)"
LOGLEVEL = (
    r"(?:[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo|INFO|[Ww]arn?(?:ing)?"
    r"|WARN?(?:ING)?|[Ee]rr?(?:or)?|ERR?(?:OR)?|[Cc]rit?(?:ical)?|CRIT?(?:ICAL)?|[Ff]atal|FATAL"
    r"|[Ss]evere|SEVERE|EMERG(?:ENCY)?|[Ee]merg(?:ency)?)"
)
TZ = r"(?:[APMCE][SD]T|UTC)"
HOSTNAME = r"\b(?:[0-9A-Za-z][0-9A-Za-z-]{0,62})(?:\.(?:[0-9A-Za-z][0-9A-Za-z-]{0,62}))*(?:\.?|\b)"
IPV4 = (
    r"(?<![0-9])(?:(?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5])[.](?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5])"
    r"[.](?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5])[.](?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]))(?![0-9])"
)
IPORHOST = rf"(?:{IPV4}|{HOSTNAME})"
SYSLOGHOST = IPORHOST
USER = r"[a-zA-Z0-9._-]+"
QS = r"(?>(?<!\\)(?>\"(?>\\.|[^\\\"]+)+\"|\"\"|(?>'(?>\\.|[^\\']+)+')|''|(?>`(?>\\.|[^\\`]+)+`)|``))"
COMMONAPACHELOG = (
    rf"(?P<clientip>{IPORHOST}) (?P<ident>{USER}) (?P<auth>{USER}) \[(?P<timestamp>{HTTPDATE})\] "
    rf"\"(?:(?P<verb>{WORD}) (?P<request>{NOTSPACE})(?: HTTP/(?P<httpversion>{NUMBER}))?|(?P<rawrequest>{DATA}))\" "
    rf"(?P<response>{NUMBER}) (?:(?P<bytes>{NUMBER})|-)"
)
COMBINEDAPACHELOG = rf"{COMMONAPACHELOG} (?P<referrer>{QS}) (?P<agent>{QS})"
