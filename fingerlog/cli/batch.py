"""`fingerlog batch`: scan an archive of many jobs into a Parquet hit store."""

from __future__ import annotations

import os
from pathlib import Path

import click

from fingerlog.cli.build_fields import parse_field_overrides
from fingerlog.cli.options import S3_ENDPOINT_OPTION
from fingerlog.engine.forkserver import DASK_WORKER_MODULES, LOCAL_WORKER_MODULES, start_fork_server
from fingerlog.errors import UsageError
from fingerlog.extras import require


@click.command("batch")
@click.argument("archives", metavar="ARCHIVE...", nargs=-1)
@click.option("--out", "store", required=True, metavar="STORE",
              help="The store: a directory, or s3://BUCKET/PREFIX (created if absent).")
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path), default=None,
              help="Rules directory. Default: the rules/ of this fingerlog checkout.")
@click.option("--mapping", default=None, metavar="NAME|FILE", help="Field mapping profile (see docs/mapping.md).")
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV or JSON lines: each job's path plus build fields (build_status, voting, start_time, ...).")
@click.option("--field", "field_pairs", multiple=True, metavar="NAME=VALUE",
              help="A build field for every build (repeatable); wins over the logs and the manifest.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default="the number of cores", help="Worker processes.")
@click.option("--rescan", is_flag=True, help="Scan builds again even if the store has them with these rules.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: a process pool on this machine. dask: a Dask cluster (see docs/scale-out.md).")  # fmt: skip
@click.option("--scheduler", metavar="tcp://HOST:PORT", default=None,
              help="With --engine dask: the running Dask scheduler to submit to. "
                   "Default: a local cluster of --jobs workers.")
@click.option("--compact", is_flag=True,
              help="Afterwards, gather the days this batch wrote into one file per table (as `fingerlog compact`).")  # fmt: skip
@S3_ENDPOINT_OPTION
def command(archives: tuple[str, ...], store: str, rules_dir: Path | None, mapping: str | None, manifest: Path | None,
            field_pairs: tuple[str, ...], jobs: int, rescan: bool, engine: str, scheduler: str | None,
            compact: bool, s3_endpoint: str | None) -> None:  # fmt: skip
    """Scan every job of ARCHIVE(s) with the fingerprints into the Parquet store STORE.

    ARCHIVE is a job directory, a directory of job directories (and of
    .tar/.zip job archives), a job archive, or a list file with one job path
    per line. Build fields the logs lack (build_status, voting, start_time,
    ...) come from --manifest, or from ARCHIVE/manifest.jsonl.

    ARCHIVE and STORE may be s3://BUCKET/PREFIX: read and written in place,
    with the credentials of the standard AWS chain. --engine dask runs the
    builds on a Dask cluster (docs/scale-out.md).

    Interrupted, run the same command again: builds already stored with the
    same rules are skipped and nothing is duplicated. Query the store with
    `fingerlog report` and `fingerlog sql`. Details: docs/store.md.

    \b
    Example:
      fingerlog batch archive/ --manifest builds.csv --out store/ --jobs 4
      fingerlog batch archive/ --out store/ --engine dask --scheduler tcp://10.0.0.5:8786
      fingerlog batch s3://ci-logs/2024-05 --out s3://ci-stores/main --s3-endpoint https://rgw.example.org
      fingerlog batch archive/ --out store/ --compact   # a store that opens fast with many builds
      fingerlog report store/ --days 14 classification-rate
    """
    if scheduler is not None and engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    if not archives and manifest is None:
        raise UsageError("give at least one ARCHIVE, or a --manifest listing the jobs")
    overrides = parse_field_overrides(field_pairs)
    if engine == "dask":
        require("dask", "--engine dask")
    # the workers' fork server first: its imports (the engine, and Dask's) run on another core
    # while this process imports the driver's modules below, lists the archive and loads the rules
    if engine == "dask" and scheduler is None:
        start_fork_server(DASK_WORKER_MODULES)
    elif engine == "local" and jobs > 1:
        start_fork_server(LOCAL_WORKER_MODULES)
    from fingerlog.cli.batch_run import run

    run(archives, store, rules_dir, mapping, manifest, overrides, jobs, rescan, engine, scheduler, compact, s3_endpoint)
