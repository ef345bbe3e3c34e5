"""Buffers cut at event boundaries, and the events around literal hits.

A log file is read in large chunks so the literal scanner sees whole buffers.
Each chunk is cut where an event starts, so no event is split between two
chunks and a hit maps to its whole event without looking back into an older
buffer.  Lines are only looked at near hits: per-line Python work grows with
candidate events, not with the size of the file.

Events group lines as logstash's multiline codec did: dropped lines (a
format's ``drop`` rule) do not exist; a line matching the format's
``continuation`` joins the event before it; an event is flushed after
``max_lines`` lines, the next continuation line starting a new one.  A *run*
is a starting line and the continuation lines after it; it splits into
events of at most ``max_lines`` lines.
"""

from __future__ import annotations

import enum
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator, Sequence

#: Bytes read per chunk: big enough that per-chunk overhead vanishes, small enough to bound memory.
CHUNK_SIZE = 32 * 1024 * 1024


class LineKind(enum.Enum):
    DROPPED = "dropped"
    STARTS = "starts"
    CONTINUES = "continues"


#: a look-behind over one character class, ``(?<![0-9.+-])``: the only kind judged safe in place.
_CLASS_LOOKBEHIND = re.compile(rb"\(\?<[=!](\[(?:\\.|[^\]\\])*\])\)")


def _in_place(pattern: re.Pattern[bytes] | None) -> re.Pattern[bytes] | None:
    """``pattern`` recompiled so that ``.match(data, start, end)`` judges ``data[start:end]`` alone.

    With MULTILINE, ``^`` holds at a line start inside a buffer and ``$`` at
    ``end``; no line holds a newline, so nothing else changes.  A look-behind
    near the line start sees the newline before it in place, but nothing when
    the line is sliced: that is the same only for a one-character class that
    cannot match a newline.  Absolute anchors, other look-behinds and inline
    flags could see past the line: such a pattern is not recompiled and lines
    are sliced instead.
    """
    if pattern is None:
        return None
    source = pattern.pattern
    for lookbehind in _CLASS_LOOKBEHIND.finditer(source):
        if re.fullmatch(lookbehind.group(1), b"\n") is not None:
            return None
    rest = _CLASS_LOOKBEHIND.sub(b"", source)
    if re.search(rb"\\[AZ]|\(\?<[=!]|\(\?[aiLmsux]", rest):
        return None
    return re.compile(source, pattern.flags | re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Grouping:
    """How a format groups lines into events (its multiline rule), applied to raw line bytes.

    A line is judged as the full pass reads it: cut at ``line_cap`` bytes, then
    without its ``\\r``; ``drop`` is searched, ``continuation`` matched at its start.
    """

    continuation: re.Pattern[bytes]
    drop: re.Pattern[bytes] | None
    max_lines: int
    line_cap: int
    #: the same patterns run in place on the buffer (no slice per line), when that is exact.
    _continuation_in_place: re.Pattern[bytes] | None = field(init=False, default=None)
    _drop_in_place: re.Pattern[bytes] | None = field(init=False, default=None)
    _in_place: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        continuation, drop = _in_place(self.continuation), _in_place(self.drop)
        object.__setattr__(self, "_continuation_in_place", continuation)
        object.__setattr__(self, "_drop_in_place", drop)
        object.__setattr__(self, "_in_place", continuation is not None and (drop is not None or self.drop is None))

    def line(self, data: bytes, start: int, end: int) -> bytes:
        """The line ``data[start:end]`` (no newline) as the full pass materialises it."""
        line = data[start : min(end, start + self.line_cap)]
        return line[:-1] if line.endswith(b"\r") else line

    def kind(self, data: bytes, start: int, end: int) -> LineKind:
        """What the line ``data[start:end]`` is."""
        if self._in_place:
            end = min(end, start + self.line_cap)
            if end > start and data[end - 1] == 13:  # a CRLF line's \r
                end -= 1
            drop, continuation = self._drop_in_place, self._continuation_in_place
            if drop is not None and drop.search(data, start, end) is not None:
                return LineKind.DROPPED
            return LineKind.CONTINUES if continuation.match(data, start, end) is not None else LineKind.STARTS  # type: ignore[union-attr]
        line = self.line(data, start, end)
        if self.drop is not None and self.drop.search(line) is not None:
            return LineKind.DROPPED
        return LineKind.CONTINUES if self.continuation.match(line) is not None else LineKind.STARTS


@dataclass(frozen=True, slots=True)
class Chunk:
    """Whole events of a file: ``data`` starts at an event start, ``first_line`` is its 1-based number."""

    data: bytes
    first_line: int


@dataclass(frozen=True, slots=True)
class Window:
    """One event in a chunk: bytes ``[start, end)`` from its first to its last line (no final newline).

    Dropped lines between them are inside the range; the event builder skips them.
    """

    start: int
    end: int
    first_line: int


def _line_end(data: bytes, start: int) -> int:
    """Offset of the newline ending the line at ``start`` (``len(data)`` for an unterminated last line)."""
    end = data.find(b"\n", start)
    return len(data) if end == -1 else end


def _previous_line(data: bytes, start: int) -> int:
    """Start of the line before the line at ``start`` (which must not be the first)."""
    return data.rfind(b"\n", 0, start - 1) + 1


def _last_event_start(data: bytes, limit: int, grouping: Grouping) -> int:
    """Offset of the last line in ``data[:limit]`` that starts a run (0 when there is none)."""
    if limit == 0:
        return 0
    start = _previous_line(data, limit)
    while start > 0:
        if grouping.kind(data, start, limit - 1) is LineKind.STARTS:
            return start
        limit = start
        start = _previous_line(data, start)
    return 0


def iter_chunks(stream: BinaryIO, grouping: Grouping, chunk_size: int = CHUNK_SIZE) -> Iterator[Chunk]:
    """The stream's bytes as chunks of whole runs.

    The last, possibly unfinished run of a read is carried into the next
    chunk; a run longer than ``chunk_size`` makes its chunk grow.
    """
    carry = b""
    line = 1
    while True:
        block = stream.read(chunk_size)
        data = carry + block if carry else block
        if not block:
            if data:
                yield Chunk(data, line)
            return
        cut = _last_event_start(data, data.rfind(b"\n") + 1, grouping)
        if cut == 0:
            carry = data
            continue
        yield Chunk(data[:cut], line)
        line += data.count(b"\n", 0, cut)
        carry = data[cut:]


def _run_lines(data: bytes, position: int, grouping: Grouping) -> list[tuple[int, int]] | None:
    """The visible lines ``(start, end)`` of the run holding ``position``; None if its line is dropped."""
    start = data.rfind(b"\n", 0, position) + 1
    end = _line_end(data, start)
    if grouping.kind(data, start, end) is LineKind.DROPPED:
        return None
    run_start = start
    kind = grouping.kind(data, start, end)
    while kind is not LineKind.STARTS and start > 0:
        start = _previous_line(data, start)
        kind = grouping.kind(data, start, _line_end(data, start))
        if kind is not LineKind.DROPPED:
            run_start = start
    lines = [(run_start, _line_end(data, run_start))]
    start = lines[-1][1] + 1
    while start < len(data):
        end = _line_end(data, start)
        kind = grouping.kind(data, start, end)
        if kind is LineKind.STARTS:
            break
        if kind is LineKind.CONTINUES:
            lines.append((start, end))
        start = end + 1
    return lines


def windows_at(
    data: bytes, positions: Sequence[int], grouping: Grouping, first_line: int
) -> Iterator[tuple[Window, list[int]]]:
    """The events holding ``positions`` (sorted), each once, with the indexes of the positions in it.

    A position on a dropped line belongs to no event.
    """
    counted, line = 0, first_line
    run: list[tuple[int, int]] = []
    run_starts: list[int] = []
    current: Window | None = None
    inside: list[int] = []
    for number, position in enumerate(positions):
        if current is not None and current.start <= position <= current.end:
            inside.append(number)
            continue
        if not (run and run[0][0] <= position <= run[-1][1]):
            found = _run_lines(data, position, grouping)
            if found is None:
                continue
            run, run_starts = found, [start for start, _ in found]
        index = bisect_right(run_starts, position) - 1
        if position > run[index][1]:  # a dropped line inside the run
            continue
        first = index - index % grouping.max_lines
        last = min(first + grouping.max_lines, len(run)) - 1
        if current is not None:
            yield current, inside
        line += data.count(b"\n", counted, run[first][0])
        counted = run[first][0]
        current, inside = Window(run[first][0], run[last][1], line), [number]
    if current is not None:
        yield current, inside


def all_windows(data: bytes, grouping: Grouping, first_line: int) -> Iterator[Window]:
    """Every event of a chunk in order: the full pass, a line at a time."""
    start, line, size = 0, first_line, len(data)
    current: list[int] | None = None  # [start, end, first_line, lines]
    while start < size:
        end = _line_end(data, start)
        kind = grouping.kind(data, start, end)
        if kind is not LineKind.DROPPED:
            if current is None or kind is LineKind.STARTS or current[3] == grouping.max_lines:
                if current is not None:
                    yield Window(current[0], current[1], current[2])
                current = [start, end, line, 1]
            else:
                current[1] = end
                current[3] += 1
        line += 1
        start = end + 1
    if current is not None:
        yield Window(current[0], current[1], current[2])
