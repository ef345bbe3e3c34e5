"""Writing a store: atomic per-build parts, rules snapshots, and tidying superseded parts.

Every file is written under a temporary name in its final directory and then
renamed, so a reader or a re-run never sees a torn file.  A build's parts are
written errors, hits, then builds: the builds part commits the others (the
views ignore hits and errors whose builds row is absent, so a batch killed
between two files leaves the store exact).  Part names are deterministic
(:mod:`fingerlog.store.layout`), so writing a build again replaces its parts.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from fingerlog.records import BuildScan
from fingerlog.store.convert import build_table, build_time, errors_table, hits_table
from fingerlog.store.layout import (
    check_store,
    day_of,
    failure_path,
    is_remote,
    key_hash,
    list_parts,
    part_path,
    rules_hash,
    rules_path,
    store_path,
)
from fingerlog.store.rules import RuleRow, rules_table
from fingerlog.store.schema import ERRORS

_TMP_SUFFIX = ".tmp"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def atomic_parquet(path: Path, schema: pa.Schema) -> Iterator[pq.ParquetWriter]:
    """A Parquet writer whose file appears at ``path`` complete, when the block ends without an error.

    Until then ``path`` is absent or keeps its old content: a reader or a
    re-run never sees a torn file.
    """
    if is_remote(path):  # object storage: one PUT, visible whole or not at all (there is no rename)
        with path.open("wb") as out, pq.ParquetWriter(out, schema, compression="zstd") as writer:
            yield writer
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}{_TMP_SUFFIX}")
    try:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            yield writer
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` so that ``path`` is either absent, old, or complete."""
    with atomic_parquet(path, table.schema) as writer:
        writer.write_table(table)


def write_build_scan(
    store: str | Path,
    scan: BuildScan,
    *,
    rules: Iterable[RuleRow] | None = None,
    scanned_at: datetime | None = None,
) -> Path:
    """Record one scanned build in ``store`` (created if absent); returns its builds part.

    ``rules`` also writes the snapshot of the rule set ``scan.rules_digest``
    names (the scan command passes it; batch engines write it once instead).
    """
    store = store_path(store)
    check_store(store, create=True)
    if rules is not None:
        write_rules(store, list(rules), digest=scan.rules_digest)
    day = day_of(build_time(scan))
    where = {"day": day, "key": scan.build.key, "digest": scan.rules_digest}
    for table, rows in (("errors", errors_table(scan)), ("hits", hits_table(scan))):
        path = part_path(store, table, **where)
        if rows.num_rows:
            write_atomic(rows, path)
        else:
            path.unlink(missing_ok=True)
    builds = part_path(store, "builds", **where)
    write_atomic(build_table(scan, scanned_at=scanned_at or _now()), builds)
    return builds


def write_rules(store: Path, rules: list[RuleRow], *, digest: str) -> Path:
    """Write (or refresh) the snapshot of a rule set; the newest snapshot is the current one."""
    path = rules_path(store, digest)
    write_atomic(rules_table(rules, digest=digest, snapshot_at=_now()), path)
    return path


def write_scan_failure(store: str | Path, *, location: str, digest: str, kind: str, message: str) -> Path:
    """Record that the build at ``location`` could not be scanned at all (it is retried next run)."""
    row = {"build_key": location, "rules_digest": digest, "location": location, "path": location,
           "kind": kind, "message": message}  # fmt: skip
    path = failure_path(store_path(store), location=location, digest=digest)
    write_atomic(pa.Table.from_pylist([row], schema=ERRORS.schema), path)
    return path


def tidy(
    store: str | Path, *, committed: dict[str, tuple[str, str]], locations: Iterable[str], digest: str | None = None
) -> int:
    """Delete parts superseded by a build's committed scan; returns how many were deleted.

    ``committed`` maps each build key to the (day, rules digest) of its current
    builds row (see :func:`fingerlog.store.views.current_builds`);
    ``locations`` are the locations of builds now in the store, whose earlier
    scan failures are therefore obsolete, as are failures recorded with rules
    other than ``digest`` (the current rules) when it is given.  Call it only
    while no batch writes.
    """
    store = store_path(store)
    current = {key_hash(k): (day, rules_hash(d)) for k, (day, d) in committed.items()}
    scanned = {key_hash(loc) for loc in locations}
    removed = 0
    for part in list_parts(store):
        if part.failed:
            stale = part.key in scanned or (digest is not None and part.rules != rules_hash(digest))
        else:
            stale = current.get(part.key) != (part.day, part.rules)
        if stale:
            part.path.unlink(missing_ok=True)
            removed += 1
    for leftover in store.glob(f"*/day=*/.*{_TMP_SUFFIX}"):
        leftover.unlink(missing_ok=True)
        removed += 1
    return removed
