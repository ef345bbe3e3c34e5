"""`fingerlog sql`: run one SQL query over a store's views."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import click
import duckdb

from fingerlog.cli.options import S3_ENDPOINT_OPTION
from fingerlog.cli.store_options import (
    STORE_ARGUMENT,
    QueryError,
    connect,
    run_query,
    window_options,
)
from fingerlog.errors import UsageError
from fingerlog.report.tables import FORMATS, render


def _write_parquet(con: duckdb.DuckDBPyConnection, query: str, output: Path | None) -> None:
    """The query's result as a Parquet file at ``output``, or on stdout when there is none."""
    with tempfile.TemporaryDirectory(prefix="fingerlog-sql-") as scratch:
        target = output or Path(scratch) / "result.parquet"
        escaped = str(target).replace("'", "''")
        try:
            con.execute(f"COPY ({query.rstrip().rstrip(';')}) TO '{escaped}' (FORMAT parquet)")
        except duckdb.Error as exc:
            raise QueryError(str(exc).strip()) from None
        if output is None:
            with target.open("rb") as result:
                sys.stdout.flush()
                shutil.copyfileobj(result, sys.stdout.buffer)


@click.command("sql")
@STORE_ARGUMENT
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice([*FORMATS, "parquet"]), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of stdout.")
@window_options
@S3_ENDPOINT_OPTION
def command(store: Path, query: str, fmt: str, output: Path | None, days: int, as_of: str | None,
            s3_endpoint: str | None) -> None:
    """Run a SQL QUERY (DuckDB dialect) over the hit store STORE.

    \b
    Views:  hits             one row per fingerprint x matching event
            builds           one row per scanned build (build_status, failed, rule_hits, ...)
            errors           files that could not be read, builds that failed to scan
            build_rule_hits  one row per build x fingerprint that matched it
            rules            the current rule set (rules_history: every snapshot)
            report_*         the views behind `fingerlog report` (window: --days, --as-of)
    Columns are documented in docs/store.md.

    \b
    Example:
      fingerlog sql store/ "SELECT rule_id, count(*) AS hits FROM hits GROUP BY 1 ORDER BY 2 DESC"
      fingerlog sql store/ "SELECT * FROM hits WHERE day >= '2024-05-01'" --format parquet -o may.parquet
    """
    if fmt == "parquet" and output is None and sys.stdout.isatty():
        raise UsageError("--format parquet is binary: give -o FILE, or redirect stdout to a file")
    con = connect(store, days, as_of, s3_endpoint)
    if fmt == "parquet":
        _write_parquet(con, query, output)
        return
    columns, rows = run_query(con, query)
    text = render(columns, rows, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
