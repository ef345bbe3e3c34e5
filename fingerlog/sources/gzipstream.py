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

from isal import isal_zlib

#: compressed bytes read per step, and decompressed bytes produced per step at most.
STEP = 256 << 10
#: wbits selecting the gzip container.
GZIP_WBITS = 31


class GzipReader(io.RawIOBase):
    """Decompressed bytes of the gzip stream ``raw``; raises only after handing over the good part."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._decompressor = isal_zlib.decompressobj(GZIP_WBITS)
        self._input = b""
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
        if self._decompressor.eof:
            rest = self._decompressor.unused_data + self._input
            self._input = b""
            if not rest.strip(b"\0"):
                rest = self._raw.read(STEP)
                if not rest.strip(b"\0"):
                    return None
            self._decompressor = isal_zlib.decompressobj(GZIP_WBITS)
            self._input = rest
        if not self._input:
            self._input = self._raw.read(STEP)
            if not self._input:
                if self._started:
                    raise EOFError("Compressed file ended before the end-of-stream marker was reached")
                return None
        self._started = True
        try:
            data = self._decompressor.decompress(self._input, limit)
        except isal_zlib.error as exc:
            raise OSError(f"not a valid gzip stream: {exc}") from None
        self._input = self._decompressor.unconsumed_tail
        return data

    def close(self) -> None:
        self._raw.close()
        super().close()
