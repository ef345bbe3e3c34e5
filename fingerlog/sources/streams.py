"""Decompressed byte streams that end, instead of raising, when their input is broken.

The per-byte work stays in C: ISA-L's inflate for gzip (:mod:`.gzipstream`), CPython's bz2 and lzma
for the others, reads in large blocks.  A corrupt gzip in the middle of a
file records one :class:`SourceError` and ends that file's stream; the
consumer sees an ordinary end of file and goes on with the next one.
"""

from __future__ import annotations

import bz2
import io
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from typing import IO, cast

from fingerlog.records import SourceError
from fingerlog.sources.gzipstream import GzipReader

#: block size of every read: large, so per-call Python overhead does not count.
BLOCK = 1 << 20

#: compression suffix -> (codec name used in error kinds, opener over a binary file object).
#: GzipReader is an io.RawIOBase, which typeshed does not count as an IO[bytes]; the
#: readers below use only what both have (read, readinto, close), hence the cast.
CODECS: dict[str, tuple[str, Callable[[IO[bytes]], IO[bytes]]]] = {
    ".gz": ("gzip", lambda raw: cast("IO[bytes]", GzipReader(raw))),
    ".bz2": ("bz2", lambda raw: bz2.BZ2File(raw, mode="rb")),
    ".xz": ("xz", lambda raw: lzma.LZMAFile(raw, mode="rb")),  # noqa: SIM115 - an opener
}

class ShrankWhileRead(OSError):
    """A plain file that ended before the size it had when the job was listed (cut while scanned)."""


class UnsupportedData(OSError):
    """Stored data fingerlog knowingly does not decode (a zip member's compression method, encryption)."""


#: exceptions a broken input raises while being read.
READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, tarfile.TarError, zipfile.BadZipFile, ValueError)


def codec_for(name: str) -> str | None:
    """The compression suffix of ``name`` (``.gz``, ``.bz2``, ``.xz``), if it has one."""
    return next((suffix for suffix in CODECS if name.endswith(suffix)), None)


#: the first bytes of each codec's streams.
MAGIC: dict[str, bytes] = {".gz": b"\x1f\x8b", ".bz2": b"BZh", ".xz": b"\xfd7zXZ\x00"}


def decompressing(raw: IO[bytes], name: str) -> tuple[IO[bytes], str | None]:
    """``raw`` decompressed by what its first bytes are; the suffix of ``name`` only breaks ties.

    Log servers often send ``.gz`` files with ``Content-Encoding: gzip``, so an
    HTTP client stores plain text under a ``.gz`` name; and a compressed file
    may lack its suffix.  A stream with a codec's magic bytes is decompressed
    whatever its name; one with a compression suffix but no magic is read as
    text when it looks like text, and else handed to the codec (which then
    reports it corrupt).  Returns the stream and the suffix of the codec used
    (None: read as stored), which names the kind of a later read error.
    """
    # a stream without peek is one of the io.RawIOBase wrappers (typed IO[bytes], see CODECS)
    peekable = cast("io.BufferedReader", raw) if hasattr(raw, "peek") else io.BufferedReader(cast("io.RawIOBase", raw), BLOCK)
    head = peekable.peek(512)[:512]
    for suffix, magic in MAGIC.items():
        if head.startswith(magic):
            return CODECS[suffix][1](peekable), suffix
    named = codec_for(name)
    if named is None or (head and b"\x00" not in head and _mostly_text(head)):
        return peekable, None
    return CODECS[named][1](peekable), named


def _mostly_text(head: bytes) -> bool:
    """True when at most 1 in 10 of the bytes are control bytes other than whitespace."""
    controls = sum(1 for byte in head if byte < 9 or 13 < byte < 32 or byte == 127)
    return controls * 10 <= len(head)


def read_error_kind(exc: BaseException) -> str:
    """The kind recorded for a file that cannot be opened at all."""
    return "unsupported" if isinstance(exc, UnsupportedData) else "unreadable"


def error_kind(exc: BaseException, name: str, in_archive: bool) -> str:
    """A short kind for a read failure: ``truncated-gzip``, ``corrupt-xz``, ``truncated-archive``...

    ``name`` ends with the suffix of the codec that decoded the stream (``""``: none did).
    """
    if isinstance(exc, ShrankWhileRead):
        return "changed-while-read"
    if isinstance(exc, zipfile.BadZipFile):
        return "corrupt-archive"
    if isinstance(exc, tarfile.TarError):
        return "truncated-archive"
    suffix = codec_for(name)
    if suffix is None:
        return "truncated-archive" if in_archive else "unreadable"
    truncated = isinstance(exc, EOFError) or "end of" in str(exc).lower()
    return f"{'truncated' if truncated else 'corrupt'}-{CODECS[suffix][0]}"


class GuardedRaw(io.RawIOBase):
    """A raw stream over ``inner`` that records the first read error and then reads as ended."""

    def __init__(
        self,
        inner: IO[bytes],
        on_error: Callable[[BaseException], None],
        owned: IO[bytes] | None = None,
        expected_size: int | None = None,
    ) -> None:
        super().__init__()
        self._inner = inner
        #: the stored bytes under a decompressor (bz2/lzma do not close what they were given).
        self._owned = owned
        # readinto1 hands over what was decoded before a failure (readinto/read(n) of a
        # buffered stream would lose it) and writes straight into the caller's buffer.
        # (an IO[bytes] has no readinto in typeshed; every stream given here is an io.IOBase that has one)
        self._readinto: Callable[[bytearray | memoryview], int | None] = (
            getattr(inner, "readinto1", None) or cast("io.RawIOBase", inner).readinto)
        self._on_error = on_error
        self._failed = False
        #: the size a plain file had when listed: ending short of it is recorded.
        self._expected_size = expected_size
        #: decompressed bytes delivered so far (the engine's ``bytes_read``).
        self.delivered = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._failed:
            return 0
        try:
            n = self._readinto(buffer) or 0
        except READ_ERRORS as exc:
            self._failed = True
            self._on_error(exc)
            return 0
        if n == 0 and self._expected_size is not None and self.delivered < self._expected_size and len(buffer):
            self._failed = True
            ended = f"the file ended at byte {self.delivered} of the {self._expected_size} it held when listed"
            self._on_error(ShrankWhileRead(ended))
        self.delivered += n
        return n

    def close(self) -> None:
        for stream in (self._inner, self._owned):
            try:
                if stream is not None:
                    stream.close()
            except READ_ERRORS:
                pass
        super().close()


def guarded(
    raw: IO[bytes],
    path: str,
    errors: list[SourceError],
    *,
    stored_name: str,
    in_archive: bool = False,
    buffer_size: int = BLOCK,
    size: int | None = None,
) -> io.BufferedReader:
    """``raw`` decompressed (by the suffix of ``stored_name``) behind a large buffer;
    a read error becomes a SourceError in ``errors`` and ends the stream.

    ``size``: the stored size when listed; a file read as stored (not decompressed) that ends
    before it was cut while it was read, and is recorded (``changed-while-read``).
    """

    try:
        inner, codec = decompressing(raw, stored_name)
    except READ_ERRORS as exc:  # its first block already fails (an archive cut inside it)
        errors.append(SourceError(path, error_kind(exc, "", in_archive), f"{type(exc).__name__}: {exc}"))
        raw.close()
        return io.BufferedReader(io.BytesIO(b""))

    def record(exc: BaseException) -> None:
        errors.append(SourceError(path, error_kind(exc, codec or "", in_archive), f"{type(exc).__name__}: {exc}"))

    plain = inner is raw
    guard = GuardedRaw(inner, record, None if plain else raw, size if plain else None)
    return io.BufferedReader(guard, buffer_size=buffer_size)
