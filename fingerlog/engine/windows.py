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
from typing import BinaryIO, Callable, Iterator, Sequence

try:  # the regular-expression parser, to read a drop pattern's shape (inside ``re`` since 3.11)
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

#: Bytes read per chunk: big enough that per-chunk overhead vanishes, small enough to bound memory,
#: and below glibc's largest mmap threshold (32 MiB): a smaller block is recycled from the heap
#: after the first, while a 32 MiB one is mapped and zero-filled afresh by every read (4x slower).
CHUNK_SIZE = 16 * 1024 * 1024


class LineKind(enum.Enum):
    DROPPED = "dropped"
    STARTS = "starts"
    CONTINUES = "continues"


def _anchored_at_start(items: list[tuple[object, object]]) -> bool:
    """Whether a parsed pattern can only match where ``^`` holds (its every branch starts with it)."""
    if not items:
        return False
    op, argument = items[0]
    if op is sre_constants.AT:
        return argument in (sre_constants.AT_BEGINNING, sre_constants.AT_BEGINNING_STRING)
    if op is sre_constants.BRANCH:
        return all(_anchored_at_start(list(branch)) for branch in argument[1])  # type: ignore[index]
    if op is sre_constants.SUBPATTERN:
        return _anchored_at_start(list(argument[-1]))  # type: ignore[index]
    return False


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
    #: ``kind`` specialised once for these patterns: the hot loops call it per line.
    classify: Callable[[bytes, int, int], LineKind] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "classify", self._in_place_classifier() or self._sliced_classifier())

    def _in_place_classifier(self) -> Callable[[bytes, int, int], LineKind] | None:
        """Judges lines where they are in the buffer (no slice per line), when that is exact."""
        continuation, drop = _in_place(self.continuation), _in_place(self.drop)
        if continuation is None or (drop is None and self.drop is not None):
            return None
        cap, dropped, continues, starts = self.line_cap, LineKind.DROPPED, LineKind.CONTINUES, LineKind.STARTS
        continues_at = continuation.match
        # a pattern that only matches where ``^`` holds needs one attempt per line, not one per offset
        drop_at = None if drop is None else (
            drop.match if _anchored_at_start(list(sre_parse.parse(drop.pattern, drop.flags))) else drop.search
        )

        def classify(data: bytes, start: int, end: int) -> LineKind:
            if end - start > cap:
                end = start + cap
            if end > start and data[end - 1] == 13:  # a CRLF line's \r
                end -= 1
            if drop_at is not None and drop_at(data, start, end) is not None:
                return dropped
            return continues if continues_at(data, start, end) is not None else starts

        return classify

    def _sliced_classifier(self) -> Callable[[bytes, int, int], LineKind]:
        def classify(data: bytes, start: int, end: int) -> LineKind:
            line = self.line(data, start, end)
            if self.drop is not None and self.drop.search(line) is not None:
                return LineKind.DROPPED
            return LineKind.CONTINUES if self.continuation.match(line) is not None else LineKind.STARTS

        return classify

    def line(self, data: bytes, start: int, end: int) -> bytes:
        """The line ``data[start:end]`` (no newline) as the full pass materialises it."""
        line = data[start : min(end, start + self.line_cap)]
        return line[:-1] if line.endswith(b"\r") else line

    def kind(self, data: bytes, start: int, end: int) -> LineKind:
        """What the line ``data[start:end]`` is."""
        return self.classify(data, start, end)


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
    chunk; a run longer than ``chunk_size`` makes its chunk grow.  One read
    ahead tells whether a read is the last: the last chunk is yielded whole,
    neither cut (a copy) nor counted for a next chunk's line numbers (a pass),
    so a file of one read costs neither.
    """
    carry = data = b""
    line = 1
    block = stream.read(chunk_size)
    while block:
        data = carry + block if carry else block
        block = stream.read(chunk_size)
        if not block:
            break
        cut = _last_event_start(data, data.rfind(b"\n") + 1, grouping)
        if cut == 0:
            carry = data
            continue
        yield Chunk(data[:cut], line)
        line += data.count(b"\n", 0, cut)
        carry = data[cut:]
    if data:
        yield Chunk(data, line)


def _run_lines(data: bytes, position: int, grouping: Grouping) -> list[tuple[int, int]] | None:
    """The visible lines ``(start, end)`` of the run holding ``position``; None if its line is dropped.

    The hot loop of a scan (tracebacks make runs long): each line's end is
    known from the walk instead of searched for, and its kind is judged once.
    """
    kind_of, find, rfind = grouping.classify, data.find, data.rfind
    dropped, starts = LineKind.DROPPED, LineKind.STARTS
    start = rfind(b"\n", 0, position) + 1
    end = find(b"\n", start)
    end = len(data) if end == -1 else end
    kind = kind_of(data, start, end)
    if kind is dropped:
        return None
    run_start, run_end = start, end
    while kind is not starts and start > 0:
        end = start - 1
        start = rfind(b"\n", 0, end) + 1
        kind = kind_of(data, start, end)
        if kind is not dropped:
            run_start, run_end = start, end
    lines = [(run_start, run_end)]
    start, size = run_end + 1, len(data)
    while start < size:
        end = find(b"\n", start)
        end = size if end == -1 else end
        kind = kind_of(data, start, end)
        if kind is starts:
            break
        if kind is not dropped:
            lines.append((start, end))
        start = end + 1
    return lines


class LineNumbers:
    """1-based line numbers of offsets in a chunk, asked in increasing order.

    Counting newlines costs a pass over the bytes (~1 GB/s), so within a chunk
    it is done lazily: only up to the last event really built.
    """

    __slots__ = ("_counted", "_data", "_line")

    def __init__(self, data: bytes, first_line: int) -> None:
        self._data, self._counted, self._line = data, 0, first_line

    def at(self, offset: int) -> int:
        """The number of the line holding ``offset`` (never smaller than an earlier answer's offset)."""
        if offset > self._counted:
            self._line += self._data.count(b"\n", self._counted, offset)
            self._counted = offset
        return self._line


def spans_at(data: bytes, positions: Sequence[int], grouping: Grouping) -> Iterator[tuple[int, int, list[int]]]:
    """The events holding ``positions`` (sorted), each once, as ``(start, end, indexes of its positions)``.

    A position on a dropped line belongs to no event.  Events come in order, so
    their first lines can be numbered with one :class:`LineNumbers`.
    """
    run: list[tuple[int, int]] = []
    run_starts: list[int] = []
    current: tuple[int, int, list[int]] | None = None
    for number, position in enumerate(positions):
        if current is not None and current[0] <= position <= current[1]:
            current[2].append(number)
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
            yield current
        current = (run[first][0], run[last][1], [number])
    if current is not None:
        yield current


def windows_at(
    data: bytes, positions: Sequence[int], grouping: Grouping, first_line: int
) -> Iterator[tuple[Window, list[int]]]:
    """:func:`spans_at` with each event's first line numbered."""
    numbers = LineNumbers(data, first_line)
    for start, end, inside in spans_at(data, positions, grouping):
        yield Window(start, end, numbers.at(start)), inside


def all_windows(data: bytes, grouping: Grouping, first_line: int) -> Iterator[Window]:
    """Every event of a chunk in order: the full pass, a line at a time."""
    start, line, size = 0, first_line, len(data)
    current: list[int] | None = None  # [start, end, first_line, lines]
    while start < size:
        end = _line_end(data, start)
        kind = grouping.classify(data, start, end)
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
