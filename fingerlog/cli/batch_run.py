"""The work of `fingerlog batch` once its options are read: plan, scan, store, with a progress display.

Apart from :mod:`fingerlog.cli.batch` so that the command starts the workers' fork server
before importing all this (see :mod:`fingerlog.engine.forkserver`).
"""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack, closing
from pathlib import Path

import click
from tqdm import tqdm

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
            f"{mb:,.0f} MB, {mb / elapsed if elapsed else 0:,.1f} MB/s, {self.result.hits:,} hits, "
            f"{len(self.result.failed)} failed",
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


def run(archives: tuple[str, ...], store: str, rules_dir: Path | None, mapping: str | None, manifest: Path | None,
        overrides: dict[str, str], jobs: int, rescan: bool, engine: str, scheduler: str | None, compact: bool,
        s3_endpoint: str | None) -> None:  # fmt: skip
    """Run the batch the command's options describe, printing progress and a summary line."""
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
