"""Fill an archive of job directories from Zuul's builds API, resumably.

Each build goes to ``ARCHIVE/<uuid>/`` and is marked complete only after all
its files are in place; the archive's manifest (JSON lines, one build per
line: its path and every build field) is rewritten atomically after each
build.  Run again after an interruption, it skips completed builds and
downloads nothing of them twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fingerlog.atomic import atomic_write_text
from fingerlog.errors import FingerlogError
from fingerlog.remote.download import (
    FetchReport,
    Selection,
    download_build,
    report_from_record,
)
from fingerlog.remote.http import HttpFetcher

COMPLETE_MARKER = ".fingerlog-fetched.json"
MANIFEST_NAME = "manifest.jsonl"


@dataclass(frozen=True, slots=True)
class BuildQuery:
    """Which builds to list: the builds API's filters plus a start date and a count."""

    zuul: str
    tenant: str
    project: str | None = None
    job: str | None = None
    pipeline: str | None = None
    result: str | None = None
    since: datetime | None = None
    limit: int | None = None
    page_size: int = 50

    def page_url(self, skip: int) -> str:
        filters = (("project", self.project), ("job_name", self.job), ("pipeline", self.pipeline), ("result", self.result))
        params: dict[str, Any] = {"skip": skip, "limit": self.page_size, **{key: value for key, value in filters if value}}
        return f"{self.zuul.rstrip('/')}/api/tenant/{self.tenant}/builds?{urlencode(params)}"


def _started(record: Mapping[str, Any]) -> datetime | None:
    value = record.get("start_time")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def list_builds(query: BuildQuery, fetcher: HttpFetcher) -> Iterator[Mapping[str, Any]]:
    """Build records page by page (newest first, as Zuul lists them) until a limit is reached."""
    skip, yielded = 0, 0
    while True:
        page = fetcher.get_json(query.page_url(skip))
        if not isinstance(page, list):
            raise FingerlogError(f"{query.page_url(skip)}: expected a list of builds")
        for record in page:
            if not isinstance(record, dict) or not isinstance(record.get("uuid"), str):
                continue
            started = _started(record)
            if query.since and started and started < query.since:
                return
            yield record
            yielded += 1
            if query.limit is not None and yielded >= query.limit:
                return
        if len(page) < query.page_size:
            return
        skip += len(page)


@dataclass
class ArchiveReport:
    fetched: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    reports: dict[str, FetchReport] = field(default_factory=dict)


def _manifest_rows(archive: Path) -> list[dict[str, str]]:
    rows = []
    for marker in sorted(archive.glob(f"*/{COMPLETE_MARKER}")):
        try:
            fields = json.loads(marker.read_text())
        except (OSError, ValueError):
            continue
        rows.append({"path": marker.parent.name, **fields})
    return rows


def write_manifest(archive: Path) -> Path:
    """(Re)write the archive's manifest from its completed builds."""
    path = archive / MANIFEST_NAME
    atomic_write_text(path, "".join(json.dumps(row, sort_keys=True) + "\n" for row in _manifest_rows(archive)))
    return path


def fetch_builds(
    query: BuildQuery,
    archive: Path,
    fetcher: HttpFetcher,
    *,
    selection: Selection = Selection(),
    workers: int = 8,
    on_build: Callable[[str, str], object] = lambda uuid, state: None,  # what it returns is ignored
) -> ArchiveReport:
    """Fetch every listed build not yet complete in ``archive``; keep the manifest current."""
    archive.mkdir(parents=True, exist_ok=True)
    result = ArchiveReport()
    for record in list_builds(query, fetcher):
        uuid = record["uuid"]
        job_dir = archive / uuid
        if (job_dir / COMPLETE_MARKER).is_file():
            result.already.append(uuid)
            on_build(uuid, "already")
            continue
        try:
            started = report_from_record(record, query.page_url(0))
            report = download_build(started, job_dir, fetcher, selection=selection, workers=workers, progress=False)
        except FingerlogError as exc:
            result.failed.append((uuid, str(exc)))
            on_build(uuid, "failed")
            continue
        atomic_write_text(job_dir / COMPLETE_MARKER, json.dumps(report.fields, sort_keys=True))
        write_manifest(archive)
        result.fetched.append(uuid)
        result.reports[uuid] = report
        on_build(uuid, "fetched")
    write_manifest(archive)
    return result
