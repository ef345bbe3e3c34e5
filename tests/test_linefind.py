"""Line-bound finders: a buffer search judges every line as a match bounded at the line's end does."""

from __future__ import annotations

import re

import pytest

from fingerlog.engine.linefind import confined_finder, dropped_finder, last_starts_finder, starts_finder
from fingerlog.engine.windows import Grouping
from fingerlog.sources.formats import FORMATS

#: lines that tempt a pattern to run on into the next one (a timestamp alone, then a TRACE line).
LINES = [
    b"2015-11-13 14:58:27.615",
    b"TRACE nova.compute",
    b"2015-11-13 14:58:27.615 18756 TRACE nova.compute.manager",
    b'   File "x.py", line 3',
    b"",
    b"word",
    b"--",
    b"TRACE again",
    b"",
    b"TRACE once more",
    b"x",
    b"+ xtrace",
    b"<pre>",
    b"tail ",
]
BUFFER = b"\n" + b"\n".join(LINES) + b"\n"  # every line after a newline


def _line_starts(data: bytes) -> list[int]:
    return [0] + [index + 1 for index, byte in enumerate(data) if byte == 10 and index + 1 < len(data)]


@pytest.mark.parametrize(
    ("source", "flags"),
    [
        pytest.param(rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\s*TRACE", 0, id="space-class-would-cross"),
        pytest.param(rb"[^x]*TRACE", 0, id="negated-class-would-cross"),
        pytest.param(rb"[^x]+$", 0, id="negated-class-to-the-end"),
        pytest.param(rb".*TRACE", re.DOTALL, id="dotall-dot-would-cross"),
        pytest.param(rb"\W*TRACE", 0, id="non-word-class-would-cross"),
        pytest.param(rb"[\s\S]{3,}nova", 0, id="any-character-set-would-cross"),
        pytest.param(rb"(?!\d{4}-\d\d-\d\d )", 0, id="negative-look-ahead"),
        pytest.param(rb"\w+\b$", 0, id="word-boundary-at-the-end"),
        pytest.param(rb"(?:tail\s)$", 0, id="space-then-end"),
        pytest.param(rb"(?:x|\s+)TRACE", 0, id="branch-that-would-cross"),
    ],
)
def test_a_confined_search_judges_each_line_as_a_bounded_match(source: bytes, flags: int) -> None:
    finder = confined_finder(b"(?:" + source + b")", flags)
    assert finder is not None
    bounded = re.compile(source, flags | re.MULTILINE)
    unconfined = re.compile(b"\n(?:" + source + b")", flags | re.MULTILINE)
    differs = False
    for start in _line_starts(BUFFER)[1:]:  # each line after a newline
        end = BUFFER.index(b"\n", start)
        expected = bounded.match(BUFFER, start, end) is not None
        assert (finder.match(BUFFER, start - 1) is not None) is expected, BUFFER[start:end]
        differs |= (unconfined.match(BUFFER, start - 1) is not None) is not expected
    # the table is chosen so that a plain search would judge some line wrongly (else it proves nothing)
    if source not in (rb"(?!\d{4}-\d\d-\d\d )", rb"\w+\b$", rb"(?:tail\s)$"):
        assert differs


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(rb"\Afoo", id="absolute-start"),
        pytest.param(rb"foo\Z", id="absolute-end"),
        pytest.param(rb"(?i:foo)", id="inline-flags"),
        pytest.param(rb"(a)\1", id="back-reference"),
        pytest.param(rb"a\nb", id="literal-newline"),
        pytest.param(rb"(?(1)a|b)", id="conditional"),
    ],
)
def test_patterns_that_cannot_be_made_line_bound_get_no_finder(source: bytes) -> None:
    assert confined_finder(source, 0) is None


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_log_format_gets_finders(name: str) -> None:
    fmt = FORMATS[name]
    grouping = Grouping(fmt.continuation, fmt.drop, 500, 1 << 20)
    assert grouping.starts_finder is not None
    assert (grouping.dropped_finder is not None) is (fmt.drop is not None)


def test_finders_report_the_newline_before_lines_of_their_kind() -> None:
    starts = starts_finder(re.compile(rb"^(?!\d{4}-\d\d-\d\d )|^\S+ \S+\s*(?:\d+)?\s*TRACE"))
    dropped = dropped_finder(re.compile(rb"^\+ |<pre>"), anchored=False)
    assert starts is not None and dropped is not None
    found_starts = [BUFFER[m.start() + 1 : BUFFER.index(b"\n", m.start() + 1)] for m in starts.finditer(BUFFER)]
    found_dropped = [BUFFER[m.start() + 1 : BUFFER.index(b"\n", m.start() + 1)] for m in dropped.finditer(BUFFER)]
    # a timestamp without TRACE starts an event; with TRACE, or without a timestamp, a line continues
    assert found_starts == [b"2015-11-13 14:58:27.615"]
    assert found_dropped == [b"+ xtrace", b"<pre>"]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_the_backward_finder_stops_at_the_last_line_that_does_not_continue(name: str) -> None:
    continuation = FORMATS[name].continuation
    finder = last_starts_finder(continuation)
    assert finder is not None
    bounded = re.compile(continuation.pattern, continuation.flags | re.MULTILINE)
    starts = _line_starts(BUFFER)[1:]  # lines after a newline
    for line in starts:
        expected = [s for s in starts if s < line and bounded.match(BUFFER, s, BUFFER.index(b"\n", s)) is None]
        found = finder.match(BUFFER, 0, line - 1)
        assert (found.end() if found else None) == (expected[-1] if expected else None), BUFFER[:line]
