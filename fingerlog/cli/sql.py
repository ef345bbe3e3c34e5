"""`fingerlog sql`: run one SQL query over a store's views."""

from __future__ import annotations

from pathlib import Path

import click

from fingerlog.cli.store_options import STORE_ARGUMENT, QueryError, connect, run_query, window_options
from fingerlog.errors import UsageError
from fingerlog.report.tables import FORMATS, render


@click.command("sql")
@STORE_ARGUMENT
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice([*FORMATS, "parquet"]), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of stdout (required for parquet).")
@window_options
def command(store: Path, query: str, fmt: str, output: Path | None, days: int, as_of: str | None) -> None:
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
    con = connect(store, days, as_of)
    if fmt == "parquet":
        if output is None:
            raise UsageError("--format parquet writes a file: give it with -o FILE")
        escaped = str(output).replace("'", "''")
        try:
            con.execute(f"COPY ({query.rstrip().rstrip(';')}) TO '{escaped}' (FORMAT parquet)")
        except Exception as exc:  # duckdb.Error, reported like any query error
            raise QueryError(str(exc).strip()) from None
        return
    columns, rows = run_query(con, query)
    text = render(columns, rows, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
