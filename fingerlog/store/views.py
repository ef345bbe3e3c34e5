"""Open a store in DuckDB: the views ``hits``, ``builds``, ``errors``, ``rules`` and the reports.

The raw Parquet parts may hold superseded rows (a build re-scanned with other
rules, or a batch killed between two files) and, after a compaction, rows in
merged files (``merge`` says which compaction wrote a row, empty for a
per-build part); the views show exactly the current state: for each build key,
its newest builds row, and the hits and errors written with it (in the same
file).  ``raw_<table>`` views show every part as stored.
``builds`` is read once, when the store is opened, into an in-memory table:
every report and the ``hits`` view use it, and it is small (a row per build),
whereas reading thousands of one-row parts again for each query is not.
The same SQL works from the ``duckdb`` CLI: :func:`init_sql` prints it.

A store in object storage (``s3://``) is read without DuckDB's httpfs
extension (which downloads itself at run time): each table's parts become a
pyarrow dataset over fsspec, registered in DuckDB; filters on ``day`` reach
the dataset, which then opens only that day's parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

import duckdb

from fingerlog.store.layout import (
    MERGE_COLUMN,
    MERGED,
    UNDATED,
    StoreError,
    check_store,
    is_remote,
    merged_files,
    store_path,
)
from fingerlog.store.reports import BUILD_RULE_HITS_SQL, REPORTS, failure_statuses_sql
from fingerlog.store.schema import TABLES, sql_type

if TYPE_CHECKING:
    from upath import UPath

#: the window the reports cover when no ``days`` is given.
DEFAULT_DAYS = 7


def sql_literal(text: str) -> str:
    """``text`` as a DuckDB string literal."""
    return "'" + text.replace("'", "''") + "'"


def _empty_select(name: str) -> str:
    """A typed, empty ``raw_<name>``: the views work before a table has its first part."""
    columns = [f"CAST(NULL AS {sql_type(c.type)}) AS {c.name}" for c in TABLES[name].columns]
    if name != "rules":
        columns += ["CAST(NULL AS VARCHAR) AS day", f"CAST(NULL AS VARCHAR) AS {MERGE_COLUMN}"]
    return f"SELECT {', '.join(columns)} WHERE false"


def parts_select(
    store: Path, table: str, *, merged: bool, files: list[Path] | None = None,
    con: duckdb.DuckDBPyConnection | None = None, label: str = "remote",
) -> str | None:
    """SQL selecting the rows of ``table``'s per-build parts (or, ``merged``, of its compacted files), with
    their ``day`` and ``merge`` columns: all of them, or only ``files``; None when there are none.

    DuckDB reads local files itself; remote ones come through a pyarrow dataset
    over fsspec (no DuckDB extension), registered in ``con`` as ``<label>_<table>_...``.
    """
    base = store / MERGED / table if merged else store / table
    pattern = f"day=*/{MERGE_COLUMN}=*/*.parquet" if merged else "day=*/*.parquet"
    keys = ("day", MERGE_COLUMN) if merged else ("day",)
    merge = "" if merged else f", '' AS {MERGE_COLUMN}"
    if not is_remote(store):
        if files is None and not any(base.glob(pattern)):
            return None
        source = sql_literal(str(base / pattern)) if files is None else f"[{', '.join(sql_literal(str(f)) for f in files)}]"
        types = ", ".join(f"'{key}': VARCHAR" for key in keys)
        return f"SELECT *{merge} FROM read_parquet({source}, hive_partitioning = true, hive_types = {{{types}}})"
    import pyarrow as pa
    import pyarrow.dataset as ds
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    # a remote store and its files are UPaths (typed Path for the API they share): fsspec paths and filesystem
    remote_base = cast("UPath", base)
    listed = (sorted(part.path for part in remote_base.glob(pattern)) if files is None
              else [cast("UPath", f).path for f in files])
    if not listed or con is None:
        return None
    partition = pa.schema([(key, pa.string()) for key in keys])
    name = f"{label}_{table}_{'merged' if merged else 'parts'}"
    con.register(name, ds.dataset(listed, schema=pa.unify_schemas([TABLES[table].schema, partition]), format="parquet",
                                  filesystem=PyFileSystem(FSSpecHandler(remote_base.fs)), partition_base_dir=remote_base.path,
                                  partitioning=ds.partitioning(partition, flavor="hive")))  # fmt: skip
    return f"SELECT *{merge} FROM {name}"


def _rules_select(store: Path, con: duckdb.DuckDBPyConnection | None) -> str | None:
    """SQL selecting every rules snapshot; None when there is none."""
    if not is_remote(store):
        glob = store / "rules" / "*.parquet"
        return f"SELECT * FROM read_parquet({sql_literal(str(glob))})" if any(glob.parent.glob(glob.name)) else None
    import pyarrow.dataset as ds
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    remote = cast("UPath", store)  # see parts_select
    files = sorted(part.path for part in remote.glob("rules/*.parquet"))
    if not files or con is None:
        return None
    con.register("remote_rules", ds.dataset(files, schema=TABLES["rules"].schema, format="parquet",
                                            filesystem=PyFileSystem(FSSpecHandler(remote.fs))))  # fmt: skip
    return "SELECT * FROM remote_rules"


def _raw_view(store: Path, name: str, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """``raw_<name>``: every per-build part and merged file of a table (``con`` registers remote datasets)."""
    if name == "rules":
        sources = [_rules_select(store, con)]
    else:
        sources = [parts_select(store, name, merged=merged, con=con) for merged in (False, True)]
    found = [source for source in sources if source]
    return f"CREATE OR REPLACE VIEW raw_{name} AS {' UNION ALL BY NAME '.join(found) or _empty_select(name)};"


def _attach_raw(con: duckdb.DuckDBPyConnection, store: Path, name: str) -> None:
    """Define ``raw_<name>`` in ``con``."""
    con.execute(_raw_view(store, name, con))


def _root(store: str | Path) -> Path:
    root = store_path(store)
    return root if is_remote(root) else root.resolve()


#: picks each build's current row: its newest scan; a row that a compaction copied (same scan, other
#: ``merge``) ties, and the tie is broken the same way everywhere, so hits and errors follow one copy.
_NEWEST = (f"row_number() OVER (PARTITION BY build_key "
           f"ORDER BY scanned_at DESC, rules_digest DESC, day DESC, {MERGE_COLUMN} DESC)")  # fmt: skip

#: ``current_parts`` says where each current builds row lives; hits and errors are shown only
#: beside it (same build, rules, day and merge), so superseded and duplicated rows never show.
_CURRENT_VIEWS = f"""
CREATE OR REPLACE TABLE builds AS
SELECT * EXCLUDE (newest), build_status IN ({failure_statuses_sql()}) AS failed
FROM (SELECT *, {_NEWEST} AS newest FROM raw_builds)
WHERE newest = 1;

CREATE OR REPLACE TABLE current_parts AS SELECT build_key, rules_digest, day, {MERGE_COLUMN} FROM builds;
ALTER TABLE builds DROP COLUMN {MERGE_COLUMN};

CREATE OR REPLACE VIEW hits AS
SELECT h.* EXCLUDE ({MERGE_COLUMN}) FROM raw_hits h SEMI JOIN current_parts USING (build_key, rules_digest, day, {MERGE_COLUMN});

CREATE OR REPLACE VIEW errors AS
SELECT e.* EXCLUDE ({MERGE_COLUMN}) FROM raw_errors e
SEMI JOIN current_parts USING (build_key, rules_digest, day, {MERGE_COLUMN})
UNION ALL
SELECT e.* EXCLUDE ({MERGE_COLUMN}) FROM raw_errors e
WHERE e.kind = 'scan-failed' AND e.day = '{UNDATED}'
  AND e.location NOT IN (SELECT location FROM builds WHERE location IS NOT NULL);

CREATE OR REPLACE VIEW build_rule_hits AS {BUILD_RULE_HITS_SQL};

CREATE OR REPLACE VIEW rules_history AS SELECT * FROM raw_rules;

CREATE OR REPLACE VIEW rules AS
SELECT * FROM raw_rules
WHERE rules_digest = (SELECT rules_digest FROM raw_rules ORDER BY snapshot_at DESC, rules_digest LIMIT 1);
"""


def _params_sql(days: int, as_of: datetime | None) -> str:
    end = f"TIMESTAMP {sql_literal(as_of.isoformat(sep=' '))}" if as_of else (
        "coalesce((SELECT max(build_time) FROM builds), date_trunc('second', CAST(now() AS TIMESTAMP)))"
    )
    return (
        "CREATE OR REPLACE TABLE report_params AS "
        f"SELECT {end} AS as_of, CAST({int(days)} AS INTEGER) AS days, "
        f"{end} - INTERVAL {int(days)} DAY AS window_start;"
    )


def _views_sql(days: int, as_of: datetime | None) -> str:
    """The views over the ``raw_<table>`` views: current rows, window parameters, reports."""
    reports = "\n".join(f"CREATE OR REPLACE VIEW {r.view} AS\n{r.sql.strip()};\n" for r in REPORTS)
    return "\n".join([_CURRENT_VIEWS, _params_sql(days, as_of), reports])


def init_sql(store: str | Path, *, days: int = DEFAULT_DAYS, as_of: datetime | None = None) -> str:
    """The SQL that defines every view over a local ``store`` (for ``duckdb -init``)."""
    root = _root(store)
    if is_remote(root):
        raise StoreError(f"{store}: the duckdb CLI reads s3:// only through its httpfs extension; query it with fingerlog")
    check_store(root, create=False)
    raw = "\n".join(_raw_view(root, name) for name in TABLES)
    return "\n".join([raw, _views_sql(days, as_of)])


def open_store(
    store: str | Path, *, days: int = DEFAULT_DAYS, as_of: datetime | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the store's views defined.

    ``days`` and ``as_of`` set the window of the report views: builds that ran
    in (as_of - days, as_of]; ``as_of`` defaults to the newest build in the store.
    """
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    root = _root(store)
    try:
        if is_remote(root):
            check_store(root, create=False)
            for name in TABLES:
                _attach_raw(con, root, name)
            con.execute(_views_sql(days, as_of))
        else:
            con.execute(init_sql(root, days=days, as_of=as_of))
    except duckdb.Error as exc:  # a damaged part, or parts not written by this schema
        con.close()
        raise StoreError(f"{store}: cannot read the store: {str(exc).strip()}") from None
    return con


@dataclass(frozen=True, slots=True)
class CurrentBuild:
    """Where a build's current row lives and what it was scanned from: what resume and tidy need."""

    key: str
    rules_digest: str
    day: str
    location: str


def current_builds(store: str | Path) -> list[CurrentBuild]:
    """Each build's current row, reading only the few columns that identify it (fast on big stores)."""
    store = _root(store)
    check_store(store, create=False)
    if not any(store.glob("builds/day=*/*.parquet")) and not merged_files(store, "builds"):
        return []
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    try:
        _attach_raw(con, store, "builds")
        rows = con.execute(
            f"""SELECT build_key, rules_digest, day, location FROM (
                  SELECT build_key, rules_digest, day, location, {_NEWEST} AS newest FROM raw_builds)
                WHERE newest = 1"""
        ).fetchall()
    except duckdb.Error as exc:
        raise StoreError(f"{store}: cannot read the store: {str(exc).strip()}") from None
    finally:
        con.close()
    return [CurrentBuild(*row) for row in rows]
