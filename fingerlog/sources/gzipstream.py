"""Streaming gzip decompression with ISA-L that hands over everything before a failure.

ISA-L's C reader (``isal_zlib._GzipReader``, the engine of ``isal.igzip``)
inflates straight into the caller's buffer without holding the GIL, checks
each member's CRC and length, reads concatenated members one after the other
(as gzip(1) does) and skips NUL padding between them.  On its own it loses
the bytes it decoded in the call that failed: a partial download, the
commonest broken input, would lose up to a whole read.  :class:`GzipReader`
puts an error boundary around it: the decompressed position before and after
the failing call tells how much of the caller's buffer is good; those bytes
are handed over, and the failure is raised by the next read.  Only a bad
deflate block loses bytes, those its call decoded (at most ``STEP``).
"""

from __future__ import annotations

import io
from typing import IO, BinaryIO, cast

from isal import isal_zlib

#: compressed bytes per refill of the C reader's input buffer (64 KiB measured as fast as 512 KiB).
INPUT_STEP = 64 << 10
#: decompressed bytes per call at most: a deflate error loses at most the call it happens in.
STEP = 1 << 20


class GzipReader(io.RawIOBase):
    """Decompressed bytes of the gzip stream ``raw``; raises only after handing over the good part.

    A stream cut short raises EOFError; a bad header, CRC, length or deflate
    block raises OSError.  Once raised, the same failure is raised by every
    later read.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        # private by name, but it is what isal.igzip itself reads with (in C since isal 1.4)
        # its stub asks for a BinaryIO; it only calls readinto, which every stream given here has
        self._inflate = isal_zlib._GzipReader(cast("BinaryIO", raw), INPUT_STEP)
        self._failure: EOFError | OSError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._failure is not None:
            raise self._failure
        before = self._inflate.tell()
        try:
            return self._inflate.readinto(memoryview(buffer)[:STEP])
        except (EOFError, OSError) as exc:
            self._failure = exc
        # a bad deflate block: not an OSError, unlike the others (the stub declares `error` an instance, not a class)
        except isal_zlib.error as exc:  # type: ignore[misc]
            self._failure = OSError(f"not a valid gzip stream: {exc}")
        decoded = self._inflate.tell() - before
        if decoded:
            return decoded
        assert self._failure is not None  # only the except clauses above fall through here, each sets it
        raise self._failure

    def close(self) -> None:
        self._raw.close()
        super().close()
