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
events of at most ``max_lines`` lines.  A run's edges are found by buffer
searches that judge lines in C (:mod:`fingerlog.engine.linefind`) where those
judge exactly as the line-by-line walk, which remains for the other cases.
"""

from __future__ import annotations

import enum
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

# the regular-expression parser, to read a drop pattern's shape: private modules of ``re`` since 3.11
# (the oldest Python supported), which typeshed has no stubs for.
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import IO, Literal

from fingerlog.engine.linefind import dropped_finder, last_starts_finder, starts_finder

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


@lru_cache(maxsize=64)
def _anchored(pattern: re.Pattern[bytes]) -> bool:
    """Whether ``pattern`` can only match where ``^`` holds; parsed once per pattern, not per file."""
    return _anchored_at_start(list(sre_parse.parse(pattern.pattern, pattern.flags)))


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
    #: searches for the newline before a line that is not a continuation / is dropped
    #: (:mod:`fingerlog.engine.linefind`); None where only the line-by-line walk is exact.
    starts_finder: re.Pattern[bytes] | None = field(init=False, repr=False, compare=False)
    last_starts_finder: re.Pattern[bytes] | None = field(init=False, repr=False, compare=False)
    dropped_finder: re.Pattern[bytes] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        in_place = self._in_place_classifier()
        object.__setattr__(self, "classify", in_place or self._sliced_classifier())
        starts = dropped = None
        if in_place is not None:  # the finders judge lines in place too
            starts = starts_finder(self.continuation)
            if self.drop is not None:
                dropped = dropped_finder(self.drop, _anchored(self.drop))
                starts = starts if dropped is not None else None
        object.__setattr__(self, "starts_finder", starts)
        object.__setattr__(self, "last_starts_finder", last_starts_finder(self.continuation) if starts else None)
        object.__setattr__(self, "dropped_finder", dropped)

    def _in_place_classifier(self) -> Callable[[bytes, int, int], LineKind] | None:
        """Judges lines where they are in the buffer (no slice per line), when that is exact."""
        continuation, drop = _in_place(self.continuation), _in_place(self.drop)
        if continuation is None or (drop is None and self.drop is not None):
            return None
        cap, dropped, continues, starts = self.line_cap, LineKind.DROPPED, LineKind.CONTINUES, LineKind.STARTS
        continues_at = continuation.match
        # a pattern that only matches where ``^`` holds needs one attempt per line, not one per offset
        drop_at = None if drop is None else (drop.match if _anchored(self.drop) else drop.search)

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


def iter_chunks(stream: IO[bytes], grouping: Grouping, chunk_size: int = CHUNK_SIZE) -> Iterator[Chunk]:
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


def _line_kind(data: bytes, start: int, grouping: Grouping) -> tuple[int, LineKind]:
    """The end of the line at ``start`` and its kind."""
    end = _line_end(data, start)
    return end, grouping.classify(data, start, end)


def _dropped(data: bytes, start: int, grouping: Grouping) -> bool:
    """Whether the line at ``start`` is dropped, judged by the drop finder alone (no continuation match)."""
    if grouping.drop is None:
        return False
    if start == 0:  # no newline before the first line for the finder to start at
        return _line_kind(data, 0, grouping)[1] is LineKind.DROPPED
    assert grouping.dropped_finder is not None
    return grouping.dropped_finder.match(data, start - 1) is not None


def _run_start_at(data: bytes, line: int, end: int, grouping: Grouping) -> int | bool:
    """Start of the run holding the (not dropped) line ``data[line:end]``, searched backwards from its end.

    The finder judges the line itself first, so a line that starts a run is
    judged once, as is every line it passes.  False when the chunk's first
    line is reached and does not start a run (the walk settles that case).
    """
    finder = grouping.last_starts_finder
    assert finder is not None
    high = end
    while high > 0:
        found = finder.match(data, 0, high)
        if found is None:
            break
        start = found.end()
        if start == line or not _dropped(data, start, grouping):
            return start
        high = start - 1  # a dropped line: look before it (its newline left out, the line before is judged whole)
    return 0 if _line_kind(data, 0, grouping)[1] is LineKind.STARTS else False


def _found_run_lines(data: bytes, position: int, grouping: Grouping) -> list[tuple[int, int]] | Literal[False] | None:
    """:func:`_run_lines`, the run's edges found by searches that judge lines in C.

    Each line is judged once, by the search that passes it: a line a finder
    reports is taken as judged (only whether it is dropped is asked again).
    A run that is one event (no dropped line, at most ``max_lines`` lines) is
    returned as one span from its first line's start to its last line's end:
    all :func:`spans_at` needs of it.  Exact only where a line is judged whole,
    in place: the caller checks that the chunk holds no line over the cap, and
    the lines judged here are checked for a ``\\r`` (only they need be: a
    chunk-wide check cost a pass over every chunk).  Returns False when the
    searches cannot settle the run (then walk it line by line).
    """
    starts, dropped_at = grouping.starts_finder, grouping.dropped_finder
    assert starts is not None
    line = data.rfind(b"\n", 0, position) + 1
    if _dropped(data, line, grouping):
        return None
    end = _line_end(data, line)
    run_start = _run_start_at(data, line, end, grouping)
    if run_start is False:
        return False
    size = len(data)
    last = size - 1 if data.endswith(b"\n") else size  # where the chunk's last line ends
    run_end = end  # where the run's last line ends
    while run_end < last:
        found = starts.search(data, run_end, last)
        if found is None:
            run_end = last
            break
        if not _dropped(data, found.start() + 1, grouping):
            run_end = found.start()
            break
        run_end = _line_end(data, found.start() + 1)  # a dropped line: the run goes on after it
    judged_end = _line_end(data, run_end + 1) if run_end < last else size  # the line after the run was judged too
    if data.find(b"\r", run_start, judged_end) != -1:  # a CRLF line: the searches saw its \r, the walk drops it
        return False
    hidden: set[int] = set()
    if dropped_at is not None:
        hidden = {found.start() + 1 for found in dropped_at.finditer(data, max(run_start - 1, 0), run_end)}
    if not hidden and data.count(b"\n", run_start, run_end) < grouping.max_lines:
        return [(run_start, run_end)]  # one event: its lines, one by one, would tell nothing more
    lines: list[tuple[int, int]] = []
    start, find = run_start, data.find
    while True:
        stop = find(b"\n", start, run_end)
        stop = run_end if stop == -1 else stop
        if start not in hidden:
            lines.append((start, stop))
        if stop >= run_end:
            return lines
        start = stop + 1


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


def line_bound_searchable(data: bytes, grouping: Grouping, line_cap_exceeded: bool) -> bool:
    """Whether the finders may judge this chunk's lines (as the line-by-line walk does).

    A line is judged cut at the line cap and without its ``\\r``; a search sees
    neither cut, so a chunk with a line over the cap takes the walk, and so
    does a run whose lines hold a ``\\r`` (checked per run, where the finders ran).
    """
    return grouping.starts_finder is not None and not line_cap_exceeded


def spans_at(
    data: bytes, positions: Sequence[int], grouping: Grouping, *, searchable: bool = False
) -> Iterator[tuple[int, int, list[int]]]:
    """The events holding ``positions`` (sorted), each once, as ``(start, end, indexes of its positions)``.

    A position on a dropped line belongs to no event.  Events come in order, so
    their first lines can be numbered with one :class:`LineNumbers`.  With
    ``searchable`` (see :func:`line_bound_searchable`) runs are found by
    buffer searches, else line by line.
    """
    run: list[tuple[int, int]] = []
    run_starts: list[int] = []
    current: tuple[int, int, list[int]] | None = None
    for number, position in enumerate(positions):
        if current is not None and current[0] <= position <= current[1]:
            current[2].append(number)
            continue
        if not (run and run[0][0] <= position <= run[-1][1]):
            found = _found_run_lines(data, position, grouping) if searchable else False
            if found is False:
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
    data: bytes, positions: Sequence[int], grouping: Grouping, first_line: int, *, searchable: bool = False
) -> Iterator[tuple[Window, list[int]]]:
    """:func:`spans_at` with each event's first line numbered."""
    numbers = LineNumbers(data, first_line)
    for start, end, inside in spans_at(data, positions, grouping, searchable=searchable):
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
