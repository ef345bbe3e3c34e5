"""Turn the date strings found in logs, build records and rules into UTC datetimes.

Logs and rules spell dates several ways: ISO 8601 (``2014-11-25T00:49:21.685+00:00``,
oslo's ``2013-09-27 18:47:11.723``) and, in elastic-recheck's ``resolved_at``,
the output of ``date(1)`` (``Mon Jan  6 13:20:28 PST 2014``).  The store keeps
naive UTC timestamps so DuckDB compares them without a time zone setting.
Text that is not a date (syslog's year-less ``Jun  9 15:50:16``) gives None
rather than a guess.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

#: the zone abbreviations ``date(1)`` printed on the machines elastic-recheck ran on.
_ZONES = {
    "UTC": 0, "GMT": 0, "Z": 0,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "CET": 1, "CEST": 2,
}  # fmt: skip

_ISO = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}:?\d{2}|UTC)?"
)
_DATE1 = re.compile(r"(?:[A-Z][a-z]{2}\s+)?([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}:\d{2}:\d{2})\s+([A-Z]{1,4})\s+(\d{4})")


def parse_timestamp(text: str | datetime | None) -> datetime | None:
    """A naive UTC datetime for ``text``, or None when it is not a full date."""
    if text is None:
        return None
    if isinstance(text, datetime):
        return _to_utc(text)
    text = text.strip()
    match = _ISO.fullmatch(text)
    if match:
        return _from_iso(*match.groups())
    match = _DATE1.fullmatch(text)
    if match:
        return _from_date1(*match.groups())
    return None


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _from_iso(day: str, clock: str | None, fraction: str | None, zone: str | None) -> datetime | None:
    text = day + "T" + (clock or "00:00")
    if fraction:
        text += "." + fraction[:6].ljust(6, "0")
    if zone and zone != "UTC":
        text += zone
    try:
        return _to_utc(datetime.fromisoformat(text))
    except ValueError:
        return None


def _from_date1(month: str, day: str, clock: str, zone: str, year: str) -> datetime | None:
    if zone not in _ZONES:
        return None
    try:
        local = datetime.strptime(f"{year} {month} {day} {clock}", "%Y %b %d %H:%M:%S")
    except ValueError:
        return None
    return local - timedelta(hours=_ZONES[zone])
