"""Where each part of a store lives, and how its name identifies the build it holds.

::

    STORE/fingerlog-store.json                          marker: format and schema version
    STORE/{builds,hits,errors}/day=YYYY-MM-DD/<key>-<rules>.parquet
    STORE/errors/day=undated/failed-<location>-<rules>.parquet   a build that failed to scan
    STORE/rules/<rules>.parquet                         the rule set, one file per digest

``<key>`` hashes the build key and ``<rules>`` the rules digest, so the name of
a build's parts is known before it is scanned: a re-run, a retried or a
speculative task writes the very same names and replaces, never duplicates.
``day`` is the day the build ran (``undated`` when unknown): appending a day
of builds only adds files, and a reader filtering on ``day`` skips the others.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fingerlog.errors import FingerlogError
from fingerlog.store.schema import SCHEMA_VERSION

MARKER = "fingerlog-store.json"
UNDATED = "undated"
#: the tables holding one part per build.
BUILD_TABLES = ("errors", "hits", "builds")
_PART = re.compile(r"(?P<failed>failed-)?(?P<key>[0-9a-f]{20})-(?P<rules>[0-9a-f]{12})\.parquet")


class StoreError(FingerlogError):
    """A store that cannot be opened or written (missing, foreign, other schema version)."""


def key_hash(text: str) -> str:
    """The 20-hex-digit name component of a build key or location."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def rules_hash(digest: str) -> str:
    """The 12-hex-digit name component of a rules digest."""
    return hashlib.sha256(digest.encode("utf-8")).hexdigest()[:12]


def day_of(when: datetime | None) -> str:
    """The ``day`` partition of a build that ran at ``when``."""
    return when.date().isoformat() if when else UNDATED


def part_path(store: Path, table: str, *, day: str, key: str, digest: str) -> Path:
    """The file holding one build's rows of ``table``."""
    return store / table / f"day={day}" / f"{key_hash(key)}-{rules_hash(digest)}.parquet"


def failure_path(store: Path, *, location: str, digest: str) -> Path:
    """The errors part recording that the build at ``location`` could not be scanned."""
    return store / "errors" / f"day={UNDATED}" / f"failed-{key_hash(location)}-{rules_hash(digest)}.parquet"


def rules_path(store: Path, digest: str) -> Path:
    return store / "rules" / f"{rules_hash(digest)}.parquet"


@dataclass(frozen=True, slots=True)
class Part:
    """A build part found on disk, identified by its name alone."""

    path: Path
    table: str
    day: str
    key: str
    rules: str
    failed: bool


def list_parts(store: Path) -> list[Part]:
    """Every committed build part of the store (temporary files are not parts)."""
    parts = []
    for table in BUILD_TABLES:
        for path in sorted((store / table).glob("day=*/*.parquet")):
            match = _PART.fullmatch(path.name)
            if match:
                day = path.parent.name.removeprefix("day=")
                parts.append(Part(path, table, day, match["key"], match["rules"], bool(match["failed"])))
    return parts


def check_store(store: Path, *, create: bool) -> None:
    """Make sure ``store`` is a store of our schema version, creating it if asked."""
    marker = store / MARKER
    if marker.is_file():
        try:
            found = json.loads(marker.read_text(encoding="utf-8")).get("schema_version")
        except (OSError, ValueError, AttributeError) as exc:
            raise StoreError(f"{marker}: unreadable store marker: {exc}") from None
        if found != SCHEMA_VERSION:
            raise StoreError(
                f"{store}: store has schema version {found}, this fingerlog writes version {SCHEMA_VERSION}; "
                "scan into a new store"
            )
        return
    if not create:
        what = "is not a fingerlog store (no fingerlog-store.json)" if store.exists() else "does not exist"
        raise StoreError(f"{store}: {what}")
    if store.exists() and not store.is_dir():
        raise StoreError(f"{store}: exists and is not a directory")
    if store.is_dir() and any(p.name != MARKER for p in store.iterdir()):
        raise StoreError(f"{store}: directory is not empty and is not a fingerlog store")
    store.mkdir(parents=True, exist_ok=True)
    tmp = store / f".{MARKER}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"format": "fingerlog-store", "schema_version": SCHEMA_VERSION}) + "\n")
    os.replace(tmp, marker)
