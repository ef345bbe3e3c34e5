"""`fingerlog fetch-builds`: fill an archive from Zuul's builds API."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from tqdm import tqdm

from fingerlog.cli.remote_options import make_fetcher, make_selection, remote_options
from fingerlog.errors import UsageError
from fingerlog.remote.builds import MANIFEST_NAME, BuildQuery, fetch_builds


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--since {value!r}: expected a date such as 2024-05-01 or 2024-05-01T12:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.command("fetch-builds")
@click.option("--zuul", "zuul_url", required=True, metavar="BASE_URL", help="Zuul web root, e.g. https://zuul.opendev.org")
@click.option("--tenant", required=True)
@click.option("--project")
@click.option("--job")
@click.option("--pipeline")
@click.option("--result", help="Build result such as FAILURE or SUCCESS.")
@click.option("--since", help="Only builds started on or after this date (ISO 8601).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many builds.")
@click.option("--out", "archive", required=True, type=click.Path(file_okay=False, path_type=Path), help="Archive directory.")
@remote_options
def command(
    zuul_url: str, tenant: str, project: str | None, job: str | None, pipeline: str | None, result: str | None,
    since: str | None, limit: int | None, archive: Path, include: tuple[str, ...], exclude: tuple[str, ...],
    max_bytes: int | None, max_file_bytes: int | None, offline: bool, cache_dir: Path | None, downloads: int,
    timeout: float,
) -> None:
    """Download builds listed by Zuul's API into an archive that `fingerlog batch` reads.

    Each build becomes ARCHIVE/<uuid>/ (a job directory with
    zuul-info/build.json); ARCHIVE/manifest.jsonl lists every completed build
    with its build fields. Interrupted, run it again: completed builds are
    skipped and nothing is downloaded twice.

    \b
    Example:
      fingerlog fetch-builds --zuul https://zuul.opendev.org --tenant openstack \\
          --job tempest-full --result FAILURE --since 2024-05-01 --limit 200 --out archive/
    """
    query = BuildQuery(zuul_url, tenant, project, job, pipeline, result, _since(since), limit)
    with (
        make_fetcher(cache_dir, offline, timeout) as fetcher,
        tqdm(unit="build", desc="builds", disable=not sys.stderr.isatty()) as bar,
    ):
        report = fetch_builds(
            query,
            archive,
            fetcher,
            selection=make_selection(include, exclude, max_bytes, max_file_bytes),
            workers=downloads,
            on_build=lambda uuid, state: bar.update(1),
        )
    click.echo(f"{len(report.fetched)} builds fetched, {len(report.already)} already complete, "
               f"{len(report.failed)} failed; manifest: {archive / MANIFEST_NAME}")
    for uuid, why in report.failed:
        click.echo(f"failed {uuid}: {why}", err=True)
    for uuid, build in report.reports.items():
        for error in build.errors:
            click.echo(f"error {uuid}/{error.path}: [{error.kind}] {error.message}", err=True)
