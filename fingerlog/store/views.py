"""Open a store in DuckDB: the views ``hits``, ``builds``, ``errors``, ``rules`` and the reports.

The raw Parquet parts may hold superseded rows (a build re-scanned with other
rules, or a batch killed between two files); the views show exactly the
current state: for each build key, its newest builds row, and the hits and
errors written with it.  ``raw_<table>`` views show every part as stored.
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

import duckdb

from fingerlog.store.layout import UNDATED, StoreError, check_store, is_remote, store_path
from fingerlog.store.reports import BUILD_RULE_HITS_SQL, REPORTS, failure_statuses_sql
from fingerlog.store.schema import TABLES, sql_type

#: the window the reports cover when no ``days`` is given.
DEFAULT_DAYS = 7


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _raw_view(store: Path, name: str) -> str:
    table = TABLES[name]
    if name == "rules":
        glob, options = store / "rules" / "*.parquet", ""
    else:
        glob, options = store / name / "day=*" / "*.parquet", ", hive_partitioning = true, hive_types = {'day': VARCHAR}"
    if any(store.glob(str(glob.relative_to(store)))):
        source = f"SELECT * FROM read_parquet({_quote(str(glob))}{options})"
    else:
        columns = [f"CAST(NULL AS {sql_type(c.type)}) AS {c.name}" for c in table.columns]
        if options:
            columns.append("CAST(NULL AS VARCHAR) AS day")
        source = f"SELECT {', '.join(columns)} WHERE false"
    return f"CREATE OR REPLACE VIEW raw_{name} AS {source};"


def _attach_raw(con: duckdb.DuckDBPyConnection, store: Path, name: str) -> None:
    """Define ``raw_<name>`` in ``con``: DuckDB reads local parts itself, remote ones through a pyarrow dataset."""
    if not is_remote(store):
        con.execute(_raw_view(store, name))
        return
    import pyarrow as pa
    import pyarrow.dataset as ds
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    schema = TABLES[name].schema
    pattern, partitioning = "rules/*.parquet", None
    if name != "rules":
        day = pa.schema([("day", pa.string())])
        schema, pattern = schema.append(day.field(0)), f"{name}/day=*/*.parquet"
        partitioning = ds.partitioning(day, flavor="hive")
    files = sorted(part.path for part in store.glob(pattern))
    source = (ds.dataset(files, schema=schema, format="parquet", partitioning=partitioning,
                         partition_base_dir=f"{store.path}/{name}", filesystem=PyFileSystem(FSSpecHandler(store.fs)))
              if files else schema.empty_table())  # fmt: skip
    con.register(f"remote_{name}", source)
    con.execute(f"CREATE OR REPLACE VIEW raw_{name} AS SELECT * FROM remote_{name};")


def _root(store: str | Path) -> Path:
    root = store_path(store)
    return root if is_remote(root) else root.resolve()


_CURRENT_VIEWS = f"""
CREATE OR REPLACE TABLE builds AS
SELECT * EXCLUDE (newest), build_status IN ({failure_statuses_sql()}) AS failed
FROM (SELECT *, row_number() OVER (PARTITION BY build_key
                                   ORDER BY scanned_at DESC, rules_digest DESC, day DESC) AS newest
      FROM raw_builds)
WHERE newest = 1;

CREATE OR REPLACE VIEW hits AS
SELECT h.* FROM raw_hits h SEMI JOIN builds b USING (build_key, rules_digest, day);

CREATE OR REPLACE VIEW errors AS
SELECT e.* FROM raw_errors e SEMI JOIN builds b USING (build_key, rules_digest, day)
UNION ALL
SELECT e.* FROM raw_errors e
WHERE e.kind = 'scan-failed' AND e.day = '{UNDATED}'
  AND e.location NOT IN (SELECT location FROM builds WHERE location IS NOT NULL);

CREATE OR REPLACE VIEW build_rule_hits AS {BUILD_RULE_HITS_SQL};

CREATE OR REPLACE VIEW rules_history AS SELECT * FROM raw_rules;

CREATE OR REPLACE VIEW rules AS
SELECT * FROM raw_rules
WHERE rules_digest = (SELECT rules_digest FROM raw_rules ORDER BY snapshot_at DESC, rules_digest LIMIT 1);
"""


def _params_sql(days: int, as_of: datetime | None) -> str:
    end = f"TIMESTAMP {_quote(as_of.isoformat(sep=' '))}" if as_of else (
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
    if not any(store.glob("builds/day=*/*.parquet")):
        return []
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    try:
        _attach_raw(con, store, "builds")
        rows = con.execute(
            f"""SELECT build_key, rules_digest, day, location FROM (
                  SELECT build_key, rules_digest, day, location,
                         row_number() OVER (PARTITION BY build_key
                                            ORDER BY scanned_at DESC, rules_digest DESC, day DESC) AS newest
                  FROM raw_builds)
                WHERE newest = 1"""
        ).fetchall()
    except duckdb.Error as exc:
        raise StoreError(f"{store}: cannot read the store: {str(exc).strip()}") from None
    finally:
        con.close()
    return [CurrentBuild(*row) for row in rows]
