"""The first error lines of a build no fingerprint explains, for the people who triage it.

An uncategorized failure is only useful with a hint of what went wrong, so a
build with no hit gets its first few error-looking lines recorded.  This is
a second, cheap read of that build alone: one compiled regex over whole
buffers, stopping at the first few lines; builds with hits (most failed
builds, and the whole point of fingerprints) never pay for it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from fingerlog.records import BuildScan, LogLine
from fingerlog.sources import open_job

#: how many lines a build keeps.
FIRST_ERRORS = 5
#: longest text kept of one line.
MAX_TEXT = 500
#: what an error line looks like in CI logs: levels, Python tracebacks, test and tool failures.
#: (``\bERROR\b`` written with the word boundaries after the word, so that every branch starts
#: with a letter and the search skips ahead to the branches' first letters: ~5x faster.)
ERROR_LINE = re.compile(
    rb"ERROR(?<![\w]ERROR)(?!\w)|CRITICAL(?<![\w]CRITICAL)(?!\w)|FATAL(?<![\w]FATAL)(?!\w)"
    rb"|FAILED(?<![\w]FAILED)(?!\w)|Traceback \(most recent call last\)|fatal:(?<![\w]fatal:)"
)
BLOCK = 1 << 22


def first_error_lines(
    location: str | Path, overrides: Mapping[str, str] | None = None, *, limit: int = FIRST_ERRORS
) -> tuple[LogLine, ...]:
    """The first ``limit`` error lines of the build at ``location``, in file order."""
    found: list[LogLine] = []
    job = open_job(location, overrides=dict(overrides or {}))
    for logfile in job.files():
        if not logfile.format.prefilterable:
            continue
        with logfile.open_stream() as stream:
            found.extend(_error_lines(stream, logfile.path, limit - len(found)))
        if len(found) >= limit:
            break
    return tuple(found)


def _error_lines(stream: IO[bytes], source: str, limit: int) -> list[LogLine]:
    lines: list[LogLine] = []
    line_number, carry = 1, b""
    while len(lines) < limit:
        block = stream.read(BLOCK)
        if not block:
            break
        buffer = carry + block
        end = buffer.rfind(b"\n") + 1
        whole, carry = (buffer[:end], buffer[end:]) if end else (b"", buffer)
        if len(carry) > BLOCK:  # a line longer than a block: look at what we have of it
            whole, carry = buffer, b""
        _scan(whole, source, line_number, lines, limit)
        line_number += whole.count(b"\n")
    if carry and len(lines) < limit:
        _scan(carry, source, line_number, lines, limit)
    return lines


def _scan(buffer: bytes, source: str, first_line: int, lines: list[LogLine], limit: int) -> None:
    position, line_number = 0, first_line
    for match in ERROR_LINE.finditer(buffer):
        start = buffer.rfind(b"\n", 0, match.start()) + 1
        if start < position:
            continue  # a second marker on a line already taken
        end = buffer.find(b"\n", match.end())
        end = len(buffer) if end < 0 else end
        line_number += buffer.count(b"\n", position, start)
        text = buffer[start:end].decode("utf-8", "replace").rstrip("\r")
        lines.append(LogLine(source, line_number, text[:MAX_TEXT]))
        position = end
        if len(lines) >= limit:
            return


def with_first_errors(scan: BuildScan, location: str | Path, overrides: Mapping[str, str] | None = None) -> BuildScan:
    """``scan`` with its first error lines when no fingerprint matched a build not known to have passed."""
    if scan.hits or scan.build.fields.get("build_status", "").upper() == "SUCCESS":
        return scan
    return dataclasses.replace(scan, first_errors=first_error_lines(location, overrides))
