"""Download one build's logs into a job directory, as the log server lays them out.

The result is an ordinary job directory (plus the API's build record as
``zuul-info/build.json``), so everything that reads local jobs reads it too.
Files appear in it only whole: each is written to a temporary name and renamed.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from fingerlog.atomic import atomic_write_text
from fingerlog.errors import FingerlogError
from fingerlog.records import SourceError
from fingerlog.remote.http import HttpFetcher, RemoteError, TooLarge
from fingerlog.remote.zuul import (
    RemoteFile,
    UnsafeName,
    build_fields,
    classify_url,
    index_entries,
    manifest_files,
    safe_relative_path,
)

#: most directory index pages crawled for one build when there is no manifest.
MAX_INDEX_PAGES = 2000


@dataclass(frozen=True, slots=True)
class Selection:
    """Which files of a build to fetch, and how many bytes at most."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_bytes: int | None = None
    max_file_bytes: int | None = None

    def wants(self, path: str) -> bool:
        if self.include and not any(fnmatch.fnmatch(path, glob) for glob in self.include):
            return False
        return not any(fnmatch.fnmatch(path, glob) for glob in self.exclude)


@dataclass
class FetchReport:
    """What fetching a build did: files written, files skipped and why, errors."""

    log_url: str
    fields: dict[str, str] = field(default_factory=dict)
    record: Mapping[str, Any] | None = None
    written: list[str] = field(default_factory=list)
    downloaded: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)


def resolve_build(url: str, fetcher: HttpFetcher) -> FetchReport:
    """The log root and build fields behind any of the three URL forms."""
    target = classify_url(url)
    if target.api_url is None:
        assert target.log_url is not None
        return FetchReport(log_url=target.log_url, fields={"log_url": target.log_url})
    record = fetcher.get_json(target.api_url)
    if not isinstance(record, dict):
        raise FingerlogError(f"{target.api_url}: not a Zuul build record")
    return report_from_record(record, target.api_url)


def report_from_record(record: Mapping[str, Any], origin: str) -> FetchReport:
    """Start a report from a Zuul API build record (``origin`` names it in errors)."""
    log_url = record.get("log_url")
    if not isinstance(log_url, str) or not log_url:
        raise FingerlogError(f"{origin}: the build has no log_url (its logs were not uploaded)")
    log_url = log_url if log_url.endswith("/") else log_url + "/"
    fields = build_fields(record)
    fields["log_url"] = log_url
    return FetchReport(log_url=log_url, fields=fields, record=record)


def list_build_files(report: FetchReport, fetcher: HttpFetcher) -> list[RemoteFile]:
    """The build's files, from zuul-manifest.json or else the directory index pages."""

    def refuse(name: str, why: str) -> None:
        report.errors.append(SourceError(name, "unsafe-name", why))

    try:
        manifest = fetcher.get_json(report.log_url + "zuul-manifest.json")
    except RemoteError as exc:
        if exc.status != 404:
            raise
        return _crawl_index(report, fetcher, refuse)
    if not isinstance(manifest, dict):
        raise FingerlogError(f"{report.log_url}zuul-manifest.json: not a Zuul manifest")
    return list(manifest_files(manifest, refuse))


def _crawl_index(report: FetchReport, fetcher: HttpFetcher, refuse: Any) -> list[RemoteFile]:
    files: list[RemoteFile] = []
    pending, seen = [""], {""}
    while pending:
        if len(seen) > MAX_INDEX_PAGES:
            report.errors.append(SourceError(report.log_url, "too-many-pages", f"stopped after {MAX_INDEX_PAGES} index pages"))
            break
        directory = pending.pop()
        page_url = report.log_url + directory
        page = fetcher.fetch(page_url, max_bytes=16 * 1024 * 1024)
        names, subdirs = index_entries(page.path.read_text(errors="replace"), page_url, report.log_url)
        for name in names:
            try:
                files.append(RemoteFile(safe_relative_path(name)))
            except UnsafeName as exc:
                refuse(name, str(exc))
        for sub in subdirs:
            if sub not in seen:
                seen.add(sub)
                pending.append(sub)
    return files


def _place(source: Path, target: Path) -> None:
    """Put a cached body at ``target`` whole: a temporary name first, then a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def fetch_build(
    url: str,
    out_dir: Path,
    fetcher: HttpFetcher,
    *,
    selection: Selection = Selection(),
    workers: int = 8,
    progress: bool | None = None,
) -> FetchReport:
    """Download a build (any of the three URL forms) into ``out_dir``."""
    return download_build(resolve_build(url, fetcher), out_dir, fetcher, selection=selection, workers=workers, progress=progress)


def download_build(
    report: FetchReport,
    out_dir: Path,
    fetcher: HttpFetcher,
    *,
    selection: Selection = Selection(),
    workers: int = 8,
    progress: bool | None = None,
) -> FetchReport:
    """Download the files of a resolved build into ``out_dir``."""
    files = list_build_files(report, fetcher)
    out_dir = out_dir.resolve()
    if report.record is not None:
        info = out_dir / "zuul-info" / "build.json"
        info.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(info, json.dumps(report.record, indent=2, sort_keys=True))
    wanted = _select(files, selection, report)
    budget = _Budget(selection.max_bytes)
    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=len(wanted), unit="file", desc="fetching", disable=not show) as bar:

        def one(remote: RemoteFile) -> None:
            try:
                _fetch_one(remote, report, fetcher, out_dir, selection, budget)
            finally:
                bar.update(1)

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            list(pool.map(one, wanted))
    report.written.sort()
    return report


def _select(files: Iterable[RemoteFile], selection: Selection, report: FetchReport) -> list[RemoteFile]:
    wanted = []
    for remote in files:
        if remote.path == "zuul-manifest.json" or not selection.wants(remote.path):
            report.skipped.append((remote.path, "excluded"))
        elif selection.max_file_bytes is not None and (remote.size or 0) > selection.max_file_bytes:
            report.skipped.append((remote.path, f"larger than --max-file-bytes ({remote.size:,} bytes)"))
        else:
            wanted.append(remote)
    return wanted


class _Budget:
    """Bytes left for the whole build, shared by the download threads."""

    def __init__(self, total: int | None) -> None:
        self.left = total
        self._lock = threading.Lock()

    def cap(self) -> int | None:
        with self._lock:
            return self.left

    def spend(self, size: int) -> bool:
        with self._lock:
            if self.left is None:
                return True
            if size > self.left:
                return False
            self.left -= size
            return True


def _fetch_one(
    remote: RemoteFile,
    report: FetchReport,
    fetcher: HttpFetcher,
    out_dir: Path,
    selection: Selection,
    budget: _Budget,
) -> None:
    caps = [c for c in (selection.max_file_bytes, budget.cap()) if c is not None]
    try:
        fetched = fetcher.fetch(report.log_url + remote.path, max_bytes=min(caps) if caps else None)
    except TooLarge as exc:
        report.skipped.append((remote.path, str(exc)))
        return
    except RemoteError as exc:
        kind = f"http-{exc.status}" if exc.status else "http-error"
        report.errors.append(SourceError(remote.path, kind, str(exc)))
        return
    if not budget.spend(fetched.size):
        report.skipped.append((remote.path, "over the --max-bytes budget of the build"))
        return
    target = out_dir / remote.path
    if not target.resolve().is_relative_to(out_dir):
        report.errors.append(SourceError(remote.path, "unsafe-name", "refused: resolves outside the job directory"))
        return
    _place(fetched.path, target)
    report.written.append(remote.path)
    report.downloaded += int(fetched.downloaded)
