"""Where fingerlog keeps what it can rebuild: parsed rules, compiled literal databases.

Everything there is a cache: losing it costs time, never an answer, and a
damaged entry is rebuilt.  ``FINGERLOG_CACHE_DIR`` moves it, ``XDG_CACHE_HOME``
is honoured, ``FINGERLOG_NO_CACHE=1`` turns caching off.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path | None:
    """The cache directory, or None when caching is turned off."""
    if os.environ.get("FINGERLOG_NO_CACHE", "").strip() not in ("", "0"):
        return None
    root = os.environ.get("FINGERLOG_CACHE_DIR")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "fingerlog")
    return Path(root)
