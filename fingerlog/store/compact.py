"""Compaction: gather each day's current rows into one file per table.

A batch writes three small files per build, so opening a store of 50,000 builds
reads 50,000 builds parts (and a store in object storage pays a request for
each).  Compaction rewrites a day's current rows into one file per table under
``merged/`` (:func:`fingerlog.store.layout.merged_path`) and then deletes the
files it read; superseded rows (older scans, leftovers of a killed batch) are
dropped on the way.

It is safe to kill at any point, and readers never see a wrong answer: the
merged files of a day are written errors, hits, then builds, each atomically,
and the views show hits and errors only beside the builds row they chose
(same ``merge``).  Until the old files are deleted, a build has two identical
builds rows, and the views pick the same one of the two every time; a merged
hits file whose builds file was never written is ignored, and the next
compaction deletes it.  Like ``tidy``, run it while no batch writes the store.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import cast

import duckdb
import pyarrow as pa

from fingerlog.store.layout import (
    BUILD_TABLES,
    MERGE_COLUMN,
    MERGED,
    StoreError,
    check_store,
    is_remote,
    list_parts,
    merged_files,
    merged_path,
    store_path,
)
from fingerlog.store.schema import TABLES
from fingerlog.store.views import open_store, parts_select
from fingerlog.store.writer import atomic_parquet

#: rows per Parquet row group, and per batch pulled from DuckDB: memory stays bounded on big days.
_BATCH_ROWS = 64 * 1024


@dataclass(frozen=True, slots=True)
class Compaction:
    """What a compaction did."""

    days: int
    files_read: int
    files_written: int
    builds: int


@dataclass
class _Day:
    """The files of one day that compaction may replace: per-build parts and earlier merged files, by table."""

    parts: dict[str, list[Path]] = field(default_factory=lambda: defaultdict(list))
    merged: dict[str, list[Path]] = field(default_factory=lambda: defaultdict(list))

    def files(self) -> list[Path]:
        return [path for paths in (*self.parts.values(), *self.merged.values()) for path in paths]

    def compact(self) -> bool:
        """True when the day is one finished compaction: no per-build part, one merge holding a builds file."""
        merges = {path.parent.name for paths in self.merged.values() for path in paths}
        return not any(self.parts.values()) and len(merges) == 1 and bool(self.merged["builds"])


def _days(store: Path) -> dict[str, _Day]:
    """The files compaction may replace, per day.

    The records of builds that failed to scan stay as they are: they are not
    builds rows, and a later batch deletes them once the build is scanned.
    """
    days: dict[str, _Day] = defaultdict(_Day)
    for part in list_parts(store):
        if not part.failed:
            days[part.day].parts[part.table].append(part.path)
    for table in BUILD_TABLES:
        for path in merged_files(store, table):
            days[path.parent.parent.name.removeprefix("day=")].merged[table].append(path)
    return days


def _write_day(con: duckdb.DuckDBPyConnection, root: Path, table: str, day: str, files: _Day, merge: str) -> int:
    """Write the current rows of ``table`` that the day's files hold to its merged file; returns the row count.

    Reads only the day's own files; a day without rows (no errors, say) gets no file.
    """
    # given files (never none here) and a connection, parts_select always returns a select
    sources = cast("list[str]", [parts_select(root, table, merged=is_merged, files=chosen, con=con, label="day")
               for chosen, is_merged in ((files.parts[table], False), (files.merged[table], True)) if chosen])  # fmt: skip
    if not sources:
        return 0
    schema = TABLES[table].schema
    order = "build_key, filename, first_line" if table == "hits" else "build_key"
    sql = (f"SELECT {', '.join(schema.names)} FROM ({' UNION ALL BY NAME '.join(sources)}) "
           f"SEMI JOIN current_parts USING (build_key, rules_digest, day, {MERGE_COLUMN}) ORDER BY {order}")  # fmt: skip
    batches = iter(con.sql(sql).to_arrow_reader(_BATCH_ROWS))
    first = next(batches, None)
    if first is None:
        return 0
    rows = 0
    with atomic_parquet(merged_path(root, table, day=day, merge=merge), schema) as writer:
        for batch in chain([first], batches):
            writer.write_table(pa.Table.from_batches([batch]).cast(schema))
            rows += batch.num_rows
    return rows


def compact_store(store: str | Path) -> Compaction:
    """Rewrite every day that has more than one file per table into one merged file per table."""
    root = store_path(store)
    check_store(root, create=False)
    pending = {day: files for day, files in _days(root).items() if not files.compact()}
    if not pending:
        return Compaction(0, 0, 0, 0)
    con = open_store(root)
    written = builds = 0
    try:
        for day, files in sorted(pending.items()):
            merge = uuid.uuid4().hex[:16]
            for table in BUILD_TABLES:  # errors, hits, then builds: the builds file commits the day's merge
                count = _write_day(con, root, table, day, files, merge)
                written += count > 0
                builds += count if table == "builds" else 0
            for path in files.files():
                path.unlink(missing_ok=True)
    except duckdb.Error as exc:
        raise StoreError(f"{store}: cannot read the store: {str(exc).strip()}") from None
    except OSError as exc:
        raise StoreError(f"{store}: cannot write the store: {exc}") from None
    finally:
        con.close()
    _remove_empty_directories(root)
    return Compaction(len(pending), sum(len(files.files()) for files in pending.values()), written, builds)


def _remove_empty_directories(root: Path) -> None:
    """Merge and day directories left empty by deleted files (object storage has no directories)."""
    if is_remote(root):
        return
    for table in BUILD_TABLES:
        for base in (root / table, root / MERGED / table):
            for directory in sorted(base.glob("day=*/**/"), key=lambda p: len(p.parts), reverse=True):
                if directory.is_dir() and not any(directory.iterdir()):
                    directory.rmdir()
