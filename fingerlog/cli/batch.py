"""`fingerlog batch`: scan an archive of many jobs into a Parquet hit store."""

from __future__ import annotations

import os
import sys
import time
from contextlib import ExitStack, closing
from pathlib import Path

import click
from tqdm import tqdm

from fingerlog.cli.build_fields import parse_field_overrides
from fingerlog.cli.store_options import S3_ENDPOINT_OPTION
from fingerlog.engine.archive import BuildTask, plan_builds
from fingerlog.engine.batch import BatchResult, BatchSpec, BuildSummary, run_batch
from fingerlog.engine.plan import plan_for
from fingerlog.errors import UsageError
from fingerlog.mapping import load_mapping
from fingerlog.remote.objectstore import check_reachable, use_endpoint
from fingerlog.rules.loader import load_rules
from fingerlog.sources.remote import is_object_url
from fingerlog.store.rules import rule_row

#: the rule pack of a source checkout, used when --rules is not given.
DEFAULT_RULES = Path(__file__).resolve().parents[2] / "rules"


#: seconds between two progress lines when stderr is not a terminal (CI logs stay short).
LOG_EVERY = 60.0


class Progress:
    """A progress bar on a terminal (builds, MB, MB/s, hits, failed, ETA); a line a minute otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: tqdm | None = None
        self.result = BatchResult()
        self.todo = 0
        self.started = self.logged = time.monotonic()

    def start(self, todo: int, skipped: int) -> None:
        self.todo = todo
        self.started = self.logged = time.monotonic()
        if skipped:
            click.echo(f"{skipped} builds already in the store with these rules: skipped (--rescan scans them again)", err=True)
        self.bar = tqdm(total=todo, unit="build", desc="builds", disable=not self.enabled, file=sys.stderr, dynamic_ncols=True)

    def build(self, summary: BuildSummary) -> None:
        self.result.add(summary)
        if summary.state == "failed":
            message = f"failed {summary.location}: {summary.message}"
            if self.enabled and self.bar is not None:
                self.bar.write(message, file=sys.stderr)
            else:
                click.echo(message, err=True)
        if not self.enabled:
            self._log_line()
            return
        if self.bar is None:
            return
        elapsed = self.bar.format_dict.get("elapsed") or 0
        mb = self.result.bytes_read / 1e6
        self.bar.set_postfix_str(
            f"{mb:,.0f} MB, {mb / elapsed if elapsed else 0:,.1f} MB/s, {self.result.hits:,} hits, {len(self.result.failed)} failed",
            refresh=False,
        )
        self.bar.update(1)

    def _log_line(self) -> None:
        now = time.monotonic()
        if now - self.logged < LOG_EVERY:
            return
        self.logged = now
        done = self.result.scanned + len(self.result.failed)
        click.echo(
            f"batch: {done}/{self.todo} builds, {self.result.bytes_read / 1e6:,.0f} MB, {self.result.hits:,} hits, "
            f"{len(self.result.failed)} failed, {now - self.started:,.0f} s",
            err=True,
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@click.command("batch")
@click.argument("archives", metavar="ARCHIVE...", nargs=-1)
@click.option("--out", "store", required=True, metavar="STORE", help="The store: a directory, or s3://BUCKET/PREFIX (created if absent).")
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path), default=None, help="Rules directory. Default: the rules/ of this fingerlog checkout.")
@click.option("--mapping", default=None, metavar="NAME|FILE", help="Field mapping profile (see docs/mapping.md).")
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), help="CSV or JSON lines: each job's path plus build fields (build_status, voting, start_time, ...).")
@click.option("--field", "field_pairs", multiple=True, metavar="NAME=VALUE", help="A build field for every build (repeatable); wins over the logs and the manifest.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="the number of cores", help="Worker processes.")
@click.option("--rescan", is_flag=True, help="Scan builds again even if the store has them with these rules.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: a process pool on this machine. dask: a Dask cluster (see docs/scale-out.md).")  # fmt: skip
@click.option("--scheduler", metavar="tcp://HOST:PORT", default=None,
              help="With --engine dask: the running Dask scheduler to submit to. Default: a local cluster of --jobs workers.")  # fmt: skip
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
    use_endpoint(s3_endpoint)
    for location in (*archives, store):
        check_reachable(location)  # before anything is written
    with ExitStack() as stack:
        runner = None
        if engine == "dask":  # Dask is optional: imported only when asked for
            from fingerlog.engine.dask_engine import DaskEngine

            # the cluster starts now, in the background: its start-up overlaps the planning below
            runner = stack.enter_context(DaskEngine(jobs=jobs, scheduler=scheduler))
        sources = [a if is_object_url(a) else Path(a) for a in archives]
        tasks = [BuildTask(t.location, {**t.overrides, **overrides}) for t in plan_builds(sources, manifest)]
        field_mapping = load_mapping(mapping)
        ruleset = load_rules(rules_dir or DEFAULT_RULES)
        for problem in ruleset.problems:
            click.echo(str(problem), err=True)
        # a rule Elasticsearch would refuse under this mapping is left out by every worker: say so once
        refused = plan_for(ruleset.rules, field_mapping).refused
        paths_of = {rule.id: rule.path for rule in ruleset.rules}
        for rule_id, why in refused:
            click.echo(f"{paths_of[rule_id]}: error: {why} (rule skipped)", err=True)
        if len(refused) == len(ruleset.rules):
            raise UsageError(f"{rules_dir or DEFAULT_RULES}: no usable rule")
        root = store if is_object_url(store) else str(Path(store).resolve())
        spec = BatchSpec(root, tuple(ruleset.rules), ruleset.digest, field_mapping)
        progress = stack.enter_context(closing(Progress(enabled=sys.stderr.isatty())))
        rows = [rule_row(r) for r in ruleset.rules]
        result = run_batch(tasks, spec, rows, jobs=jobs, rescan=rescan, on_build=progress.build, on_start=progress.start,
                           engine=runner)  # fmt: skip
    click.echo(
        f"{result.scanned} builds scanned, {result.skipped} skipped, {len(result.failed)} failed; "
        f"{result.bytes_read / 1e6:,.1f} MB, {result.hits} hits, {result.errors} unreadable files "
        f"in {result.seconds:.1f} s -> {store}"
    )
    if compact:
        from fingerlog.store.compact import compact_store

        done = compact_store(store)
        click.echo(f"compacted {done.days} day(s): {done.files_read} files into {done.files_written}")
