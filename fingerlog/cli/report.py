"""`fingerlog report`: answer the questions infra teams ask of a hit store."""

from __future__ import annotations

import json
from pathlib import Path

import click

from fingerlog.cli.options import S3_ENDPOINT_OPTION
from fingerlog.cli.store_options import (
    STORE_ARGUMENT,
    connect,
    run_query,
    window_options,
)
from fingerlog.report.html import render_site
from fingerlog.report.tables import FORMATS, records, render
from fingerlog.store.reports import REPORTS, REPORTS_BY_NAME

_QUESTIONS = "\n".join(f"  {r.name:<20} {r.title}" for r in REPORTS)


@click.command("report", help=f"""Print reports over the hit store STORE: all of them, or the QUESTION named.

\b
Questions (each a SQL view, see docs/store.md):
{_QUESTIONS}

Windowed reports cover builds that ran in the --days before --as-of (default:
the newest build in the store).

\b
Example:
  fingerlog report store/ --days 14 uncategorized
  fingerlog report store/ --format markdown > weekly.md
  fingerlog report store/ --days 30 --html site/     (then open site/index.html)
""")
@STORE_ARGUMENT
@click.argument("question", required=False, type=click.Choice(list(REPORTS_BY_NAME)))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--html", "html_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write a static HTML site (charts, uncategorized failures, build pages) to this directory instead.")
@window_options
@S3_ENDPOINT_OPTION
def command(store: Path, question: str | None, fmt: str, days: int, as_of: str | None, html_dir: Path | None,
            s3_endpoint: str | None) -> None:
    con = connect(store, days, as_of, s3_endpoint)
    if html_dir is not None:
        site = render_site(con, html_dir)
        click.echo(f"wrote {site.out_dir}/index.html: {site.rule_pages} fingerprint pages, {site.build_pages} build pages, "
                   f"{site.uncategorized} uncategorized failures")
        return
    chosen = [REPORTS_BY_NAME[question]] if question else list(REPORTS)
    _, [(start, end)] = run_query(con, "SELECT window_start, as_of FROM report_params")
    if fmt == "json":
        answers = {r.name: records(*run_query(con, f"SELECT * FROM {r.view}")) for r in chosen}
        window = {"window_start": start.isoformat() if start else None, "as_of": end.isoformat() if end else None}
        click.echo(json.dumps({**window, "reports": answers}, indent=2, ensure_ascii=False))
        return
    for index, report in enumerate(chosen):
        columns, rows = run_query(con, f"SELECT * FROM {report.view}")
        if len(chosen) > 1 and fmt == "csv":
            click.echo(f"# {report.name}")
        elif len(chosen) > 1 or fmt != "csv":
            heading = f"{report.title} ({start:%Y-%m-%d %H:%M} .. {end:%Y-%m-%d %H:%M})" if report.windowed else report.title
            click.echo(f"## {heading}\n" if fmt == "markdown" else f"{heading}\n")
        click.echo(render(columns, rows, fmt), nl=False)
        if index < len(chosen) - 1:
            click.echo()
