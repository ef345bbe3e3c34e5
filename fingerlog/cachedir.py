"""Where fingerlog keeps what it can rebuild: parsed rules, compiled literal databases.

Everything there is a cache: losing it costs time, never an answer, and a
damaged entry is rebuilt.  ``FINGERLOG_CACHE_DIR`` moves it, ``XDG_CACHE_HOME``
is honoured, ``FINGERLOG_NO_CACHE=1`` turns caching off.
"""

from __future__ import annotations

import os
from pathlib import Path

from fingerlog.atomic import atomic_write_bytes


def cache_root() -> Path | None:
    """The cache directory, or None when caching is turned off."""
    if os.environ.get("FINGERLOG_NO_CACHE", "").strip() not in ("", "0"):
        return None
    root = os.environ.get("FINGERLOG_CACHE_DIR")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "fingerlog")
    return Path(root)


def put_entry(path: Path, data: bytes, keep: int) -> None:
    """Write the cache entry ``path`` atomically, then keep the ``keep`` newest entries of its kind beside it.

    Raises OSError; callers ignore it: a cache that cannot be written only costs a later rebuild.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write_bytes(path, data)
    entries: list[tuple[float, Path]] = []
    for entry in path.parent.glob(f"*{path.suffix}"):
        try:
            entries.append((entry.stat().st_mtime, entry))
        except OSError:  # removed meanwhile by another process
            continue
    entries.sort(reverse=True)
    for _, stale in entries[keep:]:
        stale.unlink(missing_ok=True)
