"""Jobs in object storage (``s3://bucket/prefix/job``): listed and streamed through fsspec, never copied to disk.

Log servers keep a job as one object per file under the job's prefix; such a
prefix reads like a job directory, a single object like a single log file,
and a tar or zip object like a local archive (a tar is streamed once, a zip
read by ranged reads).  Credentials, region and endpoint come from the
standard AWS chain (``AWS_ENDPOINT_URL`` included), as botocore reads them.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from datetime import datetime
from typing import IO, Any

from fingerlog.records import SourceError
from fingerlog.sources.build import METADATA_FILES, BuildMetadata
from fingerlog.sources.containers import Entry, is_archive
from fingerlog.sources.filetypes import strip_compression
from fingerlog.sources.job import JSONL_SUFFIXES, Job, JobError, _build, _open_archive

#: bytes fetched per ranged GET while a file is streamed.
BLOCK_SIZE = 8 << 20


#: URL schemes of object storage (http(s) URLs are builds to fetch: fingerlog.remote).
OBJECT_SCHEMES = ("s3", "s3a")


def is_object_url(location: str) -> bool:
    """True for a location in object storage (``s3://bucket/key``); paths and ``file://`` are local."""
    return location.partition("://")[0].lower() in OBJECT_SCHEMES and "://" in location


def _mtime(info: Mapping[str, Any]) -> float | None:
    when = info.get("LastModified") or info.get("mtime")
    return when.timestamp() if isinstance(when, datetime) else None


def _entry(fs: Any, key: str, name: str, info: Mapping[str, Any]) -> Entry:
    def opener() -> IO[bytes]:
        return fs.open(key, "rb", block_size=BLOCK_SIZE, cache_type="readahead")

    return Entry(name, int(info.get("size") or 0), _mtime(info), opener, True, False)


def open_remote_job(location: str, *, overrides: Mapping[str, str] | None = None) -> Job:
    """The job at a remote ``location``: a prefix of log objects, or one log or JSON-lines object."""
    import fsspec

    overrides = dict(overrides or {})
    fs, root = fsspec.core.url_to_fs(location)
    root = root.rstrip("/")
    try:
        kind = fs.info(root).get("type")
    except FileNotFoundError:
        raise JobError(f"{location}: no such object or prefix") from None
    errors: list[SourceError] = []
    metadata = BuildMetadata()
    if kind == "directory":
        found = fs.find(root, detail=True)
        files = {posixpath.relpath(key, root): (key, info) for key, info in sorted(found.items())}
        for name in METADATA_FILES:
            if name in files:
                metadata.read(name, fs.cat_file(files[name][0]), name, errors)
        entries = [_entry(fs, key, name, info) for name, (key, info) in files.items()]
        return Job(location, _build(location, metadata, overrides), errors, lambda: iter(entries), year=metadata.year())
    name = posixpath.basename(root)
    if is_archive(name):
        from upath import UPath

        return _open_archive(UPath(location), metadata, overrides, errors)  # type: ignore[arg-type]
    entry = _entry(fs, root, name, fs.info(root))
    jsonl = strip_compression(name.lower()).endswith(JSONL_SUFFIXES)
    return Job(location, _build(location, metadata, overrides), errors, lambda: iter((entry,)), jsonl, year=metadata.year())
