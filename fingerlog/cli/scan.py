"""`fingerlog scan`: which known fingerprints match the logs of one or more jobs."""

from __future__ import annotations

import dataclasses
import importlib
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import click

from fingerlog.cli.build_fields import parse_field_overrides
from fingerlog.cli.remote_options import make_fetcher, make_selection, remote_options
from fingerlog.engine.plan import plan_for
from fingerlog.engine.scan import ScanProfile, scan_build
from fingerlog.errors import FingerlogError, UsageError
from fingerlog.mapping import FieldMappings, load_mapping
from fingerlog.records import BuildScan
from fingerlog.remote.objectstore import check_reachable
from fingerlog.report.scan_summary import RuleInfo, ScanReport, build_report
from fingerlog.rules.loader import load_rules
from fingerlog.rules.model import Rule, RuleSet, Severity
from fingerlog.sources.remote import is_object_url

if TYPE_CHECKING:
    from fingerlog.remote.download import FetchReport
    from fingerlog.remote.http import HttpFetcher

#: the rule pack of a source checkout, used when --rules is not given.
DEFAULT_RULES = Path(__file__).resolve().parents[2] / "rules"
#: exit status of ``--fail-on-hit`` when a fingerprint matched (0: scanned, 1: could not, 2: usage).
EXIT_HIT = 3

#: --format: the module of ``fingerlog.report`` and its renderer, imported only when chosen.
RENDERERS: dict[str, tuple[str, str]] = {
    "table": ("scan_console", "render_console"),
    "json": ("scan_json", "render_json"),
    "markdown": ("scan_markdown", "render_markdown"),
    "sarif": ("scan_sarif", "render_sarif"),
}


def _renderer(output_format: str) -> Callable[[ScanReport], str]:
    module, function = RENDERERS[output_format]
    renderer: Callable[[ScanReport], str] = getattr(importlib.import_module(f"fingerlog.report.{module}"), function)
    return renderer


def _is_url(path: str) -> bool:
    return path.startswith(("http://", "https://"))


def _rule_info(rule: object) -> RuleInfo:
    get = lambda name: getattr(rule, name, None) or ""  # noqa: E731
    return RuleInfo(id=str(get("id")), title=str(get("title")), bug=str(get("bug")),
                    solution=str(get("solution")), path=str(get("path")))


@click.command("scan")
@click.argument("paths", metavar="PATH|URL...", nargs=-1, required=True)
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path), default=None,
              help="Directory of fingerprint files (*.yaml). Default: the rules/ of this fingerlog checkout.")
@click.option("--mapping", default=None, metavar="NAME|FILE",
              help="Field mapping profile: openstack (default), analyzed, keyword, or a YAML file.")
@click.option("--field", "field_pairs", multiple=True, metavar="NAME=VALUE",
              help="A build field the logs do not record, e.g. build_status=FAILURE (repeatable).")
@click.option("--format", "output_format", type=click.Choice(sorted(RENDERERS)), default="table", show_default=True,
              help="table for people, json for machines, markdown for a review comment, sarif for code scanning.")
@click.option("--profile", is_flag=True, help="Also show the matcher time each rule cost (find slow fingerprints).")
@click.option("--out", "store", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also record the hits and a build summary in this Parquet store (see docs/store.md).")
@click.option("--fail-on-hit", is_flag=True, help=f"Exit with status {EXIT_HIT} when any fingerprint matched (CI gating).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes; a build's files are shared out among them.")
@remote_options
def command(paths: tuple[str, ...], rules_dir: Path | None, mapping: str | None, field_pairs: tuple[str, ...],
            output_format: str, profile: bool, store: Path | None, fail_on_hit: bool, jobs: int,
            include: tuple[str, ...], exclude: tuple[str, ...], max_bytes: int | None, max_file_bytes: int | None,
            offline: bool, cache_dir: Path | None, downloads: int, timeout: float) -> None:  # fmt: skip
    """Find which known failures (fingerprints) occur in the logs at PATH or URL.

    PATH is a job's log directory, one log file (plain, .gz, .bz2, .xz), a tar
    or zip archive of a job, or a JSON-lines file of already-indexed events.
    URL is a Zuul build page (.../t/TENANT/build/UUID), its API URL, or a log
    directory URL: the build's files are downloaded (cached, see --cache-dir;
    --include/--exclude/--max-bytes limit them) and the build record gives
    the build fields.  PATH may also be s3://BUCKET/PREFIX of one job, read in
    place (endpoint: $AWS_ENDPOINT_URL, credentials: the standard AWS chain).
    Several PATHs/URLs are scanned as separate builds.
    Every fingerprint is evaluated as Elasticsearch 1.x would have; files
    that cannot be read are listed and the scan goes on.

    Exit status: 0 the scan ran, 1 it could not run (or, of several
    PATHs/URLs, one could not be scanned: it is named on stderr and the
    others are reported), 2 bad usage, 3 a fingerprint matched and
    --fail-on-hit was given.

    \b
    Examples:
      fingerlog scan fixtures/demo/tempest-full-2c4f9e1
      fingerlog scan job.tar.gz --rules my-rules/ --format markdown
      fingerlog scan logs/ --field build_status=FAILURE --out store/ --fail-on-hit
      fingerlog scan https://zuul.opendev.org/t/openstack/build/6f1a2c0d... --exclude '*.html'
    """
    rules_dir = rules_dir or DEFAULT_RULES
    if not rules_dir.exists():
        raise UsageError(f"{rules_dir}: no rules directory (give one with --rules DIR)")
    field_mapping = load_mapping(mapping)
    overrides = parse_field_overrides(field_pairs)
    rule_set = load_rules(rules_dir)
    problems = [str(problem) for problem in rule_set.problems if problem.severity is Severity.ERROR]
    # compiled once here (the scan reuses it): a rule Elasticsearch would refuse under this mapping is skipped
    plan = plan_for(rule_set.rules, field_mapping)
    paths_of = {rule.id: rule.path for rule in rule_set.rules}
    problems += [f"{paths_of[rule_id]}: error: {why}" for rule_id, why in plan.refused]
    for problem in problems:
        click.echo(f"fingerlog: skipped rule: {problem}", err=True)
    if not plan.rules:
        raise FingerlogError(f"{rules_dir}: no usable fingerprint to scan with")
    scan_profile = ScanProfile() if profile else None
    scans: list[BuildScan] = []
    failed: list[FingerlogError] = []
    progress = sys.stderr.isatty()
    fetch_options = _FetchOptions(include, exclude, max_bytes, max_file_bytes, cache_dir, offline, timeout, downloads)
    with ExitStack() as cleanup:
        for number, path in enumerate(paths, 1):
            if progress:
                click.echo(f"[{number}/{len(paths)}] scanning {path} ...", err=True)
            try:
                scans.append(_scan_one(path, cleanup, rule_set, field_mapping, overrides, jobs, scan_profile,
                                       fetch_options))  # fmt: skip
            except UsageError:
                raise
            except FingerlogError as exc:  # one build of several could not be scanned: the others still are
                if len(paths) == 1:
                    raise
                failed.append(exc)
                click.echo(f"fingerlog: error: {exc}", err=True)
    if not scans:
        raise failed[0]
    if store is not None:
        _record(store, scans, rule_set.rules)
    timings = (
        {rule_id: (seconds, scan_profile.rule_calls[rule_id]) for rule_id, seconds in scan_profile.rule_seconds.items()}
        if scan_profile is not None else None
    )
    infos = {rule.id: _rule_info(rule) for rule in rule_set.rules}
    report = build_report(scans, infos, rule_problems=problems, profile=timings)
    click.echo(_renderer(output_format)(report), nl=False)
    if failed:
        click.echo(f"fingerlog: error: {len(failed)} of {len(paths)} builds could not be scanned (listed above)", err=True)
        sys.exit(FingerlogError.exit_code)
    if fail_on_hit and report.hit_count:
        sys.exit(EXIT_HIT)


@dataclasses.dataclass
class _FetchOptions:
    """How a URL's build is fetched; the fetcher is made at the first URL (not for local paths) and shared."""

    include: tuple[str, ...]
    exclude: tuple[str, ...]
    max_bytes: int | None
    max_file_bytes: int | None
    cache_dir: Path | None
    offline: bool
    timeout: float
    downloads: int
    fetcher: HttpFetcher | None = None


def _scan_one(path: str, cleanup: ExitStack, rule_set: RuleSet, mapping: FieldMappings, overrides: dict[str, str],
              jobs: int, profile: ScanProfile | None, fetching: _FetchOptions) -> BuildScan:  # fmt: skip
    """Scan the build at a PATH or URL argument (a URL's files are fetched to a temporary directory first)."""
    fetched: FetchReport | None = None
    location: str | Path = Path(path)
    if is_object_url(path):  # read in place, as `batch` reads an s3:// archive
        check_reachable(path)
        location = path
    elif _is_url(path):
        # httpx and the Zuul client are imported only for URLs
        from fingerlog.remote.download import fetch_build

        if fetching.fetcher is None:
            fetching.fetcher = cleanup.enter_context(make_fetcher(fetching.cache_dir, fetching.offline, fetching.timeout))
        location = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="fingerlog-build-")))
        selection = make_selection(fetching.include, fetching.exclude, fetching.max_bytes, fetching.max_file_bytes)
        fetched = fetch_build(path, location, fetching.fetcher, selection=selection, workers=fetching.downloads)
        for skipped, why in fetched.skipped:
            click.echo(f"fingerlog: not fetched: {skipped}: {why}", err=True)
    scan = _scan(location, rule_set.rules, mapping=mapping, jobs=jobs,
                 overrides={**(fetched.fields if fetched else {}), **overrides},
                 rules_digest=rule_set.digest, profile=profile)  # fmt: skip
    if fetched is not None:
        build = dataclasses.replace(scan.build, location=path)
        scan = dataclasses.replace(scan, build=build, errors=(*fetched.errors, *scan.errors))
    return scan


def _scan(location: str | Path, rules: tuple[Rule, ...], *, mapping: FieldMappings, jobs: int,
          overrides: dict[str, str], rules_digest: str, profile: ScanProfile | None) -> BuildScan:
    """One build scanned in this process, or by ``jobs`` worker processes."""
    if jobs <= 1:
        return scan_build(location, rules, mapping=mapping, overrides=overrides, rules_digest=rules_digest,
                          profile=profile)
    # multiprocessing and concurrent.futures are imported only for a process pool
    from fingerlog.engine.parallel import scan_build_parallel

    return scan_build_parallel(location, rules, mapping=mapping, jobs=jobs, overrides=overrides,
                               rules_digest=rules_digest, profile=profile)


def _record(store: Path, scans: list[BuildScan], rules: tuple[object, ...] | list[object]) -> None:
    """Write each build to the Parquet store (the rule snapshot once)."""
    from fingerlog.store import write_build_scan
    from fingerlog.store.rules import rule_row

    rows = [rule_row(rule) for rule in rules]
    for number, scan in enumerate(scans):
        write_build_scan(store, scan, rules=rows if number == 0 else None)

