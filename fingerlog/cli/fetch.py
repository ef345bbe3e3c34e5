"""`fingerlog fetch URL --out DIR`: download a build into a job directory."""

from __future__ import annotations

from pathlib import Path

import click

from fingerlog.cli.remote_options import make_fetcher, make_selection, remote_options
from fingerlog.remote.download import fetch_build


@click.command("fetch")
@click.argument("url")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Job directory to create or fill.")
@remote_options
def command(
    url: str, out_dir: Path, include: tuple[str, ...], exclude: tuple[str, ...], max_bytes: int | None,
    max_file_bytes: int | None, offline: bool, cache_dir: Path | None, downloads: int, timeout: float,
) -> None:
    """Download a build's logs into a job directory with the server's layout.

    URL is a Zuul build page (.../t/TENANT/build/UUID), its API URL
    (.../api/tenant/TENANT/build/UUID) or a log directory URL. The build
    record is saved as zuul-info/build.json, so the directory scans offline
    with the same build fields. Downloads are cached (ETag/Last-Modified
    revalidation): fetching again downloads nothing unchanged.

    \b
    Example:
      fingerlog fetch https://zuul.opendev.org/t/openstack/build/6f1a2c0d... --out job/
    """
    with make_fetcher(cache_dir, offline, timeout) as fetcher:
        selection = make_selection(include, exclude, max_bytes, max_file_bytes)
        report = fetch_build(url, out_dir, fetcher, selection=selection, workers=downloads)
    cached = len(report.written) - report.downloaded
    click.echo(f"{len(report.written)} files in {out_dir} ({report.downloaded} downloaded, {cached} from cache)")
    for path, why in report.skipped:
        click.echo(f"skipped {path}: {why}", err=True)
    for error in report.errors:
        click.echo(f"error {error.path}: [{error.kind}] {error.message}", err=True)
