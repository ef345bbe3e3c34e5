"""`fingerlog compact`: gather a store's many small per-build files into one file per day and table."""

from __future__ import annotations

import click

from fingerlog.cli.options import S3_ENDPOINT_OPTION
from fingerlog.cli.store_options import STORE_ARGUMENT
from fingerlog.remote.objectstore import check_reachable, use_endpoint
from fingerlog.store.compact import compact_store


@click.command("compact")
@STORE_ARGUMENT
@S3_ENDPOINT_OPTION
def command(store: str, s3_endpoint: str | None) -> None:
    """Compact the hit store STORE: one file per day and table instead of one per build.

    A batch writes a few small files per build, and opening a store reads every
    builds file: compacting makes opening and querying a store of many thousand
    builds fast again (and cheap in object storage, where each file is a request).
    The answers of every view stay the same; rows of superseded scans are dropped.
    Days that are already compact are left alone, so running it after every batch
    only rewrites the days the batch added to. Run it while no batch writes STORE;
    it is safe to interrupt.

    \b
    Example:
      fingerlog batch archive/ --out store/ && fingerlog compact store/
      fingerlog compact s3://ci-logs/fingerlog-store
    """
    use_endpoint(s3_endpoint)
    check_reachable(str(store))
    done = compact_store(store)
    if not done.days:
        click.echo(f"{store}: already compact")
        return
    click.echo(f"{store}: {done.days} day(s) compacted: {done.files_read} files read, {done.files_written} written, "
               f"{done.builds} current builds kept")  # fmt: skip
