"""The full pass: a stream's lines, grouped into events as logstash's multiline filter did.

The engine normally scans buffers itself and only widens candidate lines into
events; this pass is for rules with no literal to look for, and for tests.
Memory stays bounded: a line is kept up to :data:`MAX_LINE_BYTES` (the rest is
skipped and recorded as ``line-too-long``) and an event up to
:data:`MAX_EVENT_LINES` lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING

from fingerlog.sources.streams import BLOCK

if TYPE_CHECKING:
    from fingerlog.records import Event
    from fingerlog.sources.job import LogFile

#: the longest line materialised; longer lines keep their first MAX_LINE_BYTES bytes.
MAX_LINE_BYTES = 1 << 20
#: logstash's multiline codec flushed an event at 500 lines; so do we (bounds memory).
MAX_EVENT_LINES = 500


def _bounded(head: bytes, piece: bytes, over: bool, cap: int) -> tuple[bytes, bool]:
    """``head + piece`` cut at ``cap``; ``over`` says whether anything was cut (now or before)."""
    if over:
        return head, True
    joined = head + piece if head else piece
    if len(joined) > cap:
        return joined[:cap], True
    return joined, False


def iter_lines(
    stream: IO[bytes], on_long_line: Callable[[int], None], cap: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, bytes]]:
    """``(1-based number, line)`` without its ``\\n`` or ``\\r\\n``; a final unterminated line counts."""
    number = 0
    head, over = b"", False
    while block := stream.read(BLOCK):
        pieces = block.split(b"\n")
        tail = pieces.pop()
        for piece in pieces:
            number += 1
            line, cut = _bounded(head, piece, over, cap)
            head, over = b"", False
            if cut:
                on_long_line(number)
            yield number, line[:-1] if line.endswith(b"\r") else line
        head, over = _bounded(head, tail, over, cap)
    if head or over:
        number += 1
        if over:
            on_long_line(number)
        yield number, head[:-1] if head.endswith(b"\r") else head


def iter_events(stream: IO[bytes], logfile: LogFile) -> Iterator[Event]:
    """Every event of ``logfile`` read from ``stream`` (its decompressed bytes)."""
    fmt = logfile.format
    pending: list[bytes] = []
    first = last = 0
    for number, line in iter_lines(stream, logfile.record_long_line):
        if fmt.is_dropped(line):
            continue
        if pending and len(pending) < MAX_EVENT_LINES and fmt.continuation.match(line):
            pending.append(line)
            last = number
            continue
        if pending and (event := logfile.event(logfile.decode(pending), first, last)) is not None:
            yield event
        pending, first, last = [line], number, number
    if pending and (event := logfile.event(logfile.decode(pending), first, last)) is not None:
        yield event
