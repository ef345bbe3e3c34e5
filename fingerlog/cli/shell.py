"""`fingerlog shell`: an interactive SQL prompt over a store, or the SQL for the duckdb CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import duckdb

from fingerlog.cli.options import S3_ENDPOINT_OPTION
from fingerlog.cli.store_options import (
    STORE_ARGUMENT,
    QueryError,
    as_of_time,
    connect,
    run_query,
    window_options,
)
from fingerlog.report.tables import render
from fingerlog.store import init_sql


@click.command("shell")
@STORE_ARGUMENT
@click.option("--print-init", is_flag=True, help="Print the SQL that defines the views (for `duckdb -init FILE`) and exit.")
@window_options
@S3_ENDPOINT_OPTION
def command(store: Path, print_init: bool, days: int, as_of: str | None, s3_endpoint: str | None) -> None:
    """Query the hit store STORE interactively with SQL (statements end with ';').

    The views are those of `fingerlog sql`. Statements are read from stdin,
    so a script can be piped in. With the duckdb CLI instead, give it the
    views' SQL (absolute paths to STORE; re-create it when the store gains
    its first rows of a table, and after `fingerlog compact`).

    \b
    Example:
      fingerlog shell store/
      fingerlog shell store/ --print-init > views.sql && duckdb -init views.sql
    """
    if print_init:
        click.echo(init_sql(store, days=days, as_of=as_of_time(as_of)))
        return
    con = connect(store, days, as_of, s3_endpoint)
    interactive = sys.stdin.isatty()
    if interactive:
        import readline  # noqa: F401 - gives input() line editing and history

        click.echo("fingerlog shell: views hits, builds, errors, rules, report_*; end statements with ';', Ctrl-D quits.",
                   err=True)
    pending: list[str] = []
    while True:
        line = _read_line("sql> " if not pending else "...> ") if interactive else sys.stdin.readline()
        if not line:
            break
        pending.append(line.rstrip("\n"))
        if not line.rstrip().endswith(";"):
            continue
        _run(con, "\n".join(pending))
        pending = []
    if "".join(pending).strip():
        _run(con, "\n".join(pending))


def _read_line(prompt: str) -> str:
    """A line typed at the terminal ("" at Ctrl-D), newline included like readline()."""
    try:
        return input(prompt) + "\n"
    except EOFError:
        return ""


def _run(con: duckdb.DuckDBPyConnection, statement: str) -> None:
    try:
        columns, rows = run_query(con, statement)
    except QueryError as exc:
        click.echo(f"error: {exc}", err=True)
        return
    if columns:
        click.echo(render(columns, rows, "table"), nl=False)
