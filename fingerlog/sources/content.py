"""What a file's first bytes say it is, and the streams that turn odd text into UTF-8 lines.

The scan reads ``\\n``-separated UTF-8.  Some logs are text in another shape:
UTF-16 or UTF-32 with a byte-order mark (Windows tools, PowerShell redirection), lines
ended by a bare ``\\r`` (old Mac tools, progress output), a UTF-8 BOM.  These are
recoded per block, in C (codecs, ``bytes.replace``), never per line.  Other
files are refused with a clear kind: an archive stored inside a job, or
binary data.  Everything is decided once per file, from its first block.
"""

from __future__ import annotations

import codecs
import io
import re
from enum import Enum
from typing import IO

#: bytes of the first block looked at to tell text from binary.
PROBE_BYTES = 8192
#: NUL bytes in a run this long are a hole in a log (what a crash leaves in a file being
#: written), not a sign of binary data.
NUL_HOLE = 64
_NUL_HOLES = re.compile(rb"\0{%d,}" % NUL_HOLE)
#: byte-order marks of the wide encodings, UTF-32 first (its little-endian mark starts with UTF-16's).
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
              (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # fmt: skip


class Content(Enum):
    """How a file's bytes are read (``TEXT`` as they are; the recoded ones through :func:`as_lines`)."""

    TEXT = "text"
    UTF8_BOM = "utf-8 with a byte-order mark"
    UTF16 = "UTF-16 with a byte-order mark"
    UTF32 = "UTF-32 with a byte-order mark"
    CR_LINES = "lines ended by a bare carriage return"
    ARCHIVE = "archive"
    BINARY = "binary"


def is_archive_head(head: bytes) -> bool:
    """A tar (``ustar`` magic at 257) or zip (local file header) stream, once decompressed."""
    return head[257:262] == b"ustar" or head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def sniff_content(head: bytes) -> Content:
    """What the first block of a (decompressed) file is.

    Binary means a NUL byte in the first block outside blocks of NUL_HOLE
    NULs, or nothing but NULs: a log a crash left with a block of NUL bytes is
    still a log (its text is read, the NULs stay in its messages); an
    executable, a database or BOM-less UTF-16 has NULs scattered through it.
    """
    for bom, encoding in _WIDE_BOMS:
        if head.startswith(bom):
            return Content.UTF32 if encoding == "utf-32" else Content.UTF16
    if is_archive_head(head):
        return Content.ARCHIVE
    probe = head[:PROBE_BYTES]
    if b"\0" in probe:
        text = _NUL_HOLES.sub(b"", probe)
        if b"\0" in text or not text.strip():
            return Content.BINARY
    if head.startswith(codecs.BOM_UTF8):
        return Content.UTF8_BOM
    if b"\r" in head and b"\n" not in head:
        return Content.CR_LINES
    return Content.TEXT


class _Recoded(io.RawIOBase):
    """``inner``'s bytes changed block by block into ``\\n``-separated UTF-8."""

    def __init__(self, inner: IO[bytes], content: Content) -> None:
        super().__init__()
        self._inner = inner
        self._content = content
        wide = {Content.UTF16: "utf-16", Content.UTF32: "utf-32"}.get(content)
        self._decoder = codecs.getincrementaldecoder(wide)(errors="replace") if wide else None
        self._pending = b""
        self._started = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            block = self._inner.read(len(buffer))
            final = not block
            self._pending = self._recode(block, final)
            if final:
                break
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def _recode(self, block: bytes, final: bool) -> bytes:
        if self._decoder is not None:
            text = self._decoder.decode(block, final)
            return text.encode("utf-8") if text else b""  # CRLF stays: the scan drops a line's \r
        if not self._started and self._content is Content.UTF8_BOM:
            block = block.removeprefix(codecs.BOM_UTF8)
        self._started = True
        return block.replace(b"\r", b"\n") if self._content is Content.CR_LINES else block

    def close(self) -> None:
        self._inner.close()
        super().close()


#: the contents read through :func:`as_lines`.
RECODED = frozenset({Content.UTF8_BOM, Content.UTF16, Content.UTF32, Content.CR_LINES})


def as_lines(stream: IO[bytes], content: Content, buffer_size: int) -> IO[bytes]:
    """``stream`` as the scan reads it: recoded when ``content`` needs it, else unchanged."""
    if content not in RECODED:
        return stream
    return io.BufferedReader(_Recoded(stream, content), buffer_size=buffer_size)
