"""A zip archive without its central directory (a download cut short), read from its local headers.

zipfile needs the directory at the end of the file; a zip cut anywhere has
lost it, yet each member before the cut is still there behind its own local
header.  This reader walks those headers from the start: stored and deflated
members are read (what zip writers use for logs), the member the cut falls in
gives the bytes before the cut, and anything it cannot follow (an encrypted
member, a stored member whose size is only in a trailing descriptor, another
method) ends the listing with a record, never a guess.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from fingerlog.records import SourceError

LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
LOCAL_SIGNATURE = b"PK\x03\x04"
STORED, DEFLATED = 0, 8
_ENCRYPTED, _DESCRIPTOR, _UTF8 = 0x1, 0x8, 0x800
#: compressed bytes read per step.
STEP = 1 << 20


@dataclass(frozen=True)
class LocalMember:
    """One member found behind a local header."""

    name: str
    #: offset of its data in the archive.
    offset: int
    method: int
    #: compressed size, or None when only a trailing descriptor knows it (deflate finds its own end).
    size: int | None


def is_zip_start(path: Path) -> bool:
    with path.open("rb") as raw:
        return raw.read(4) == LOCAL_SIGNATURE


def local_members(path: Path, errors: list[SourceError]) -> Iterator[LocalMember]:
    """The members of the zip at ``path`` in stored order, up to the first one that cannot be followed."""
    with path.open("rb") as raw:
        while True:
            start = raw.tell()
            header = raw.read(LOCAL_HEADER.size)
            if len(header) < LOCAL_HEADER.size or not header.startswith(LOCAL_SIGNATURE):
                return  # the central directory's start, or the cut
            _, _, flags, method, _, _, _, size, _, name_length, extra_length = LOCAL_HEADER.unpack(header)
            raw_name = raw.read(name_length)
            raw.seek(extra_length, io.SEEK_CUR)
            name = raw_name.decode("utf-8" if flags & _UTF8 else "cp437", "replace")
            unknown_size = bool(flags & _DESCRIPTOR) and size == 0
            problem = _unfollowable(flags, method, unknown_size)
            if problem:
                errors.append(SourceError(name, "unsupported", f"{problem}: the archive is not read past it"))
                return
            member = LocalMember(name, raw.tell(), method, None if unknown_size else size)
            yield member
            end = member.offset + size if member.size is not None else _deflate_end(raw, member.offset)
            if end is None:
                return
            raw.seek(end)
            if flags & _DESCRIPTOR:
                _skip_descriptor(raw)
            if raw.tell() <= start:
                return


def _unfollowable(flags: int, method: int, unknown_size: bool) -> str | None:
    if flags & _ENCRYPTED:
        return "an encrypted member"
    if method not in (STORED, DEFLATED):
        return f"a member of compression method {method}"
    if unknown_size and method == STORED:
        return "a stored member whose size follows its data"
    return None


def _deflate_end(raw: IO[bytes], offset: int) -> int | None:
    """Where a deflated member ends, found by inflating it (its size is only after its data)."""
    raw.seek(offset)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    consumed = 0
    while not inflater.eof:
        block = raw.read(STEP)
        if not block:
            return None
        try:
            inflater.decompress(block, STEP)  # output is discarded, a step at a time: only the end matters
            while inflater.unconsumed_tail and not inflater.eof:
                inflater.decompress(inflater.unconsumed_tail, STEP)
        except zlib.error:
            return None
        consumed += len(block) - len(inflater.unused_data)
    return offset + consumed


def _skip_descriptor(raw: IO[bytes]) -> None:
    """Past the data descriptor after a member (its signature is optional; ZIP64 not supported)."""
    head = raw.read(4)
    raw.seek(12 if head == b"PK\x07\x08" else 8, io.SEEK_CUR)


class LocalMemberStream(io.RawIOBase):
    """A member's bytes, from its own handle on the archive; a cut ends it with EOFError."""

    def __init__(self, path: Path, member: LocalMember) -> None:
        super().__init__()
        self._raw = path.open("rb")
        self._raw.seek(member.offset)
        self._left = member.size
        self._inflater = zlib.decompressobj(-zlib.MAX_WBITS) if member.method == DEFLATED else None
        #: compressed bytes read and not yet inflated.
        self._input = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while True:
            if self._inflater is None:
                if self._left == 0:
                    return 0
                data = self._raw.read(min(len(buffer), self._left))  # type: ignore[type-var]
                if not data:
                    raise EOFError("the archive ends inside this member")
                self._left -= len(data)  # type: ignore[operator]
            else:
                if self._inflater.eof:
                    return 0
                if not self._input:
                    self._input = self._raw.read(STEP if self._left is None else min(STEP, self._left))
                    if not self._input:
                        raise EOFError("the archive ends inside this member")
                    if self._left is not None:
                        self._left -= len(self._input)
                data = self._inflater.decompress(self._input, len(buffer))  # bounded: a bomb stays small
                self._input = self._inflater.unconsumed_tail
                if not data:
                    continue
            n = len(data)
            buffer[:n] = data
            return n

    def close(self) -> None:
        self._raw.close()
        super().close()
