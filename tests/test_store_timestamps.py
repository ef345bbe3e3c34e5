"""Date strings of logs, build records and rules become naive UTC datetimes, or None."""

from __future__ import annotations

from datetime import datetime

import pytest

from fingerlog.store.timestamps import parse_timestamp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2014-11-25T00:49:21.685+00:00", datetime(2014, 11, 25, 0, 49, 21, 685000)),  # ES flat layout
        ("2013-09-27 18:47:11.723", datetime(2013, 9, 27, 18, 47, 11, 723000)),  # oslo.log
        ("2013-09-27 18:47:11,723", datetime(2013, 9, 27, 18, 47, 11, 723000)),  # python logging
        ("2024-05-01T23:30:00-0200", datetime(2024, 5, 2, 1, 30)),
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10)),
        ("2017-03-01 21:30:55.624123456", datetime(2017, 3, 1, 21, 30, 55, 624123)),  # nanoseconds cut
        ("2024-05-01", datetime(2024, 5, 1)),
        ("Mon Jan  6 13:20:28 PST 2014", datetime(2014, 1, 6, 21, 20, 28)),  # elastic-recheck resolved_at
        ("Tue Dec 10 12:08:42 EST 2013", datetime(2013, 12, 10, 17, 8, 42)),
        ("Jun  9 15:50:16", None),  # syslog: no year
        ("Mon Jan  6 13:20:28 XYZ 2014", None),  # unknown zone: no guess
        ("2024-13-01", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_timestamp(text: str | None, expected: datetime | None) -> None:
    assert parse_timestamp(text) == expected
