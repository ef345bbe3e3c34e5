"""Streaming gzip decompression with ISA-L that hands over everything before a failure.

``isal.igzip.GzipFile`` decodes a whole input block before returning, so a
file cut short inside its first block yields nothing but ``EOFError``.  Partial
downloads are the commonest broken input; this reader returns every byte
decoded so far and only then reports the truncation.  Concatenated members
(``cat a.gz b.gz``) are read one after the other, as gzip(1) does.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from isal import igzip_lib

#: compressed bytes read per step, and decompressed bytes produced per call at most
#: (the sizes that measured fastest with ISA-L's inflate).
INPUT_STEP = 256 << 10
STEP = 1 << 20


class GzipReader(io.RawIOBase):
    """Decompressed bytes of the gzip stream ``raw``; raises only after handing over the good part.

    ISA-L checks each member's header and CRC; a bad one raises OSError, a cut one EOFError.
    """

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._inflate = igzip_lib.IgzipDecompressor(flag=igzip_lib.DECOMP_GZIP)
        self._pending = b""
        self._started = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while True:
            data = self._step(min(len(buffer), STEP))
            if data is None:
                return 0
            if data:
                buffer[: len(data)] = data
                return len(data)

    def _step(self, limit: int) -> bytes | None:
        """Up to ``limit`` decompressed bytes; b"" when more input is needed; None at the end."""
        if self._inflate.eof and not self._next_member():
            return None
        chunk = b""
        if self._inflate.needs_input:
            chunk, self._pending = self._pending or self._raw.read(INPUT_STEP), b""
            if not chunk:
                if self._started:
                    raise EOFError("Compressed file ended before the end-of-stream marker was reached")
                return None
        self._started = True
        try:
            return self._inflate.decompress(chunk, limit)
        except igzip_lib.IsalError as exc:
            raise OSError(f"not a valid gzip stream: {exc}") from None

    def _next_member(self) -> bool:
        """Start the next concatenated member, if any (trailing NUL padding is no member)."""
        rest = self._inflate.unused_data or self._raw.read(INPUT_STEP)
        if not rest.strip(b"\0"):
            return False
        self._inflate = igzip_lib.IgzipDecompressor(flag=igzip_lib.DECOMP_GZIP)
        self._pending = rest
        return True

    def close(self) -> None:
        self._raw.close()
        super().close()
