"""Options shared by the commands that read a store (sql, report, shell)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import duckdb

from fingerlog.errors import FingerlogError, UsageError
from fingerlog.remote.objectstore import check_reachable, use_endpoint
from fingerlog.store import open_store
from fingerlog.store.timestamps import parse_timestamp
from fingerlog.store.views import DEFAULT_DAYS

#: a store directory, or s3://BUCKET/PREFIX (read through pyarrow, see docs/scale-out.md).
STORE_ARGUMENT = click.argument("store", metavar="STORE")


class QueryError(FingerlogError):
    """SQL that DuckDB rejects (a typo, an unknown column)."""


def window_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--days and --as-of: the window of the report views."""
    func = click.option(
        "--as-of",
        metavar="TIME",
        help="End of the report window (ISO 8601, UTC). Default: the newest build in the store.",
    )(func)
    return click.option(
        "--days",
        type=click.IntRange(min=1),
        default=DEFAULT_DAYS,
        show_default=True,
        help="Length of the report window in days.",
    )(func)


def as_of_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    when = parse_timestamp(value)
    if when is None:
        raise UsageError(f"--as-of {value!r}: expected a date such as 2024-05-01 or 2024-05-01T12:00")
    return when


def connect(
    store: str | Path, days: int, as_of: str | None, s3_endpoint: str | None = None
) -> duckdb.DuckDBPyConnection:
    use_endpoint(s3_endpoint)
    check_reachable(str(store))  # a remote store's endpoint, bucket and credentials: one clear line
    return open_store(store, days=days, as_of=as_of_time(as_of))


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of ``sql``; DuckDB's complaints become a QueryError."""
    try:
        result = con.execute(sql)
        columns = [d[0] for d in result.description] if result.description else []
        return columns, result.fetchall() if columns else []
    except duckdb.Error as exc:
        raise QueryError(str(exc).strip()) from None
