"""``@timestamp`` from the date text a format captured, as logstash's date filter wrote it.

logstash parsed ``logdate`` with a list of Joda patterns in UTC and stored
milliseconds (``2013-10-18T17:39:43.966Z``).  Syslog dates carry no year;
logstash took the year it was running in, we take the year the build ran
(zuul-info/build.json) or else the year the file was written (its mtime),
which is what that meant for a CI job.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

_MONTHS = {
    m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)
}

_ISO = re.compile(
    r"(\d{4})-(\d\d?)-(\d\d?)[T ](\d\d?):?(\d\d)(?::?(\d\d)(?:[.,:](\d+))?)?\s*(Z|[+-]\d\d(?::?\d\d)?)?$"
)
_SYSLOG = re.compile(r"([A-Za-z]{3})[a-z]*\s+(\d\d?) (\d\d?):(\d\d):(\d\d)(?:[.,](\d+))?$")
_HTTPDATE = re.compile(r"(\d\d?)/([A-Za-z]{3})[a-z]*/(\d{4}):(\d\d?):(\d\d):(\d\d) ([+-]\d{4})$")
_CTIME = re.compile(r"[A-Za-z]+ ([A-Za-z]{3})[a-z]* +(\d\d?) (\d\d?):(\d\d):(\d\d)(?:[.,](\d+))? (\d{4})(?: [A-Z]+)?$")


def _offset(text: str | None) -> dt.timezone:
    if not text or text == "Z":
        return dt.UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))


def _millis(fraction: str | None) -> int:
    return int((fraction or "0")[:3].ljust(3, "0")) * 1000


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def _parse(text: str, year: int) -> dt.datetime | None:
    if m := _ISO.match(text):
        y, mo, d, h, mi, s, frac, tz = m.groups()
        return dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), _millis(frac), _offset(tz))
    if m := _SYSLOG.match(text):
        mon, d, h, mi, s, frac = m.groups()
        return dt.datetime(year, _month(mon), int(d), int(h), int(mi), int(s), _millis(frac), dt.UTC)
    if m := _HTTPDATE.match(text):
        d, mon, y, h, mi, s, tz = m.groups()
        return dt.datetime(int(y), _month(mon), int(d), int(h), int(mi), int(s), 0, _offset(tz))
    if m := _CTIME.match(text):
        mon, d, h, mi, s, frac, y = m.groups()
        return dt.datetime(int(y), _month(mon), int(d), int(h), int(mi), int(s), _millis(frac), dt.UTC)
    return None


@lru_cache(maxsize=4096)
def to_timestamp(logdate: str, year: int) -> str | None:
    """``logdate`` as ``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC, or None when no known pattern fits.

    Cached: consecutive events of a log often share their date text.
    """
    try:
        moment = _parse(logdate.strip(), year)
    except (ValueError, KeyError):  # 31 Feb, an unknown month: logstash's _dateparsefailure
        return None
    if moment is None:
        return None
    u = moment.astimezone(dt.UTC)
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond // 1000:03d}Z"
