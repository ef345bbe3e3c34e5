"""Where each part of a store lives, and how its name identifies the build it holds.

::

    STORE/fingerlog-store.json                          marker: format and schema version
    STORE/{builds,hits,errors}/day=YYYY-MM-DD/<key>-<rules>.parquet
    STORE/errors/day=undated/failed-<location>-<rules>.parquet   a build that failed to scan
    STORE/rules/<rules>.parquet                         the rule set, one file per digest
    STORE/merged/{builds,hits,errors}/day=YYYY-MM-DD/merge=<id>/part.parquet
                                                        many builds' rows, written by compaction

``<key>`` hashes the build key and ``<rules>`` the rules digest, so the name of
a build's parts is known before it is scanned: a re-run, a retried or a
speculative task writes the very same names and replaces, never duplicates.
``day`` is the day the build ran (``undated`` when unknown): appending a day
of builds only adds files, and a reader filtering on ``day`` skips the others.
Compaction (:mod:`fingerlog.store.compact`) gathers a day's current rows into
one file per table under ``merged/``; ``merge`` names the compaction, so a
reader can tell which builds row the hits and errors beside it belong to.

A store may live in object storage (``s3://bucket/prefix``): :func:`store_path`
gives a pathlib-like root (fsspec's UPath) for it, and the code below works on
either; where a local file is written then renamed, an object is written in
one PUT, which S3 makes visible whole or not at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fingerlog.errors import FingerlogError
from fingerlog.store.schema import SCHEMA_VERSION

MARKER = "fingerlog-store.json"
UNDATED = "undated"
#: the tables holding one part per build.
BUILD_TABLES = ("errors", "hits", "builds")
#: where compaction writes, and the name of its partition column.
MERGED = "merged"
MERGE_COLUMN = "merge"
_PART = re.compile(r"(?P<failed>failed-)?(?P<key>[0-9a-f]{20})-(?P<rules>[0-9a-f]{12})\.parquet")


class StoreError(FingerlogError):
    """A store that cannot be opened or written (missing, foreign, other schema version)."""


#: URL schemes of object storage a store may live in.
REMOTE_SCHEMES = ("s3", "s3a")


def is_remote(store: Any) -> bool:
    """True for a store root in object storage (a URL string, or the UPath :func:`store_path` made of one)."""
    if isinstance(store, Path):
        return False
    if hasattr(store, "protocol"):
        return store.protocol not in ("", "file", "local")
    return "://" in str(store) and str(store).partition("://")[0].lower() in REMOTE_SCHEMES


def store_path(store: Any) -> Path:
    """The root of a store given as a path or an ``s3://bucket/prefix`` URL.

    A remote root never caches listings: worker processes add parts that the
    driver must see when it tidies.
    """
    if isinstance(store, Path) or (hasattr(store, "protocol") and is_remote(store)):
        return store
    if is_remote(store):
        from upath import UPath

        return UPath(str(store), use_listings_cache=False)  # type: ignore[return-value]
    return Path(store)


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


def merged_path(store: Path, table: str, *, day: str, merge: str) -> Path:
    """The file holding the rows of ``table`` for ``day`` that compaction ``merge`` gathered."""
    return store / MERGED / table / f"day={day}" / f"{MERGE_COLUMN}={merge}" / "part.parquet"


def merged_files(store: Path, table: str) -> list[Path]:
    """Every file compaction wrote for ``table`` (temporary files are not listed)."""
    return sorted((store / MERGED / table).glob(f"day=*/{MERGE_COLUMN}=*/*.parquet"), key=str)


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
        for path in sorted((store / table).glob("day=*/*.parquet"), key=str):
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
    text = json.dumps({"format": "fingerlog-store", "schema_version": SCHEMA_VERSION}) + "\n"
    if is_remote(store):
        marker.write_text(text)  # one PUT
        return
    store.mkdir(parents=True, exist_ok=True)
    tmp = store / f".{MARKER}.{os.getpid()}.tmp"
    tmp.write_text(text)
    os.replace(tmp, marker)
