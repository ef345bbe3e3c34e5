"""Zuul: build URLs, the REST API's build records, and listing a build's log files.

A user has a link, not a directory: the build page, the API URL or the log
URL.  All three lead to the same thing: a build record (its fields become the
``build_*`` fields rules use) and a list of files under the log root, read
from Zuul's own ``zuul-manifest.json`` or, where there is none, from the log
server's HTML directory index pages.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from fingerlog.errors import FingerlogError

_BUILD_PAGE = re.compile(r"^(?P<base>.+?)/t/(?P<tenant>[^/]+)/build/(?P<uuid>[0-9a-fA-F-]{6,})/?(?:[?#].*)?$")
_BUILD_API = re.compile(r"^(?P<base>.+?)/api/tenant/(?P<tenant>[^/]+)/build/(?P<uuid>[0-9a-fA-F-]{6,})/?$")


class UnsafeName(FingerlogError):
    """A manifest or index entry whose name would leave the log root."""


@dataclass(frozen=True, slots=True)
class BuildUrl:
    """What a URL the user gave points at."""

    #: the build's API URL, when the URL names a Zuul build; else None.
    api_url: str | None
    #: the log root, when the URL is one (a log server directory).
    log_url: str | None


def classify_url(url: str) -> BuildUrl:
    """Tell a Zuul build page or API URL from a plain log URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FingerlogError(f"{url}: not an http(s) URL of a Zuul build or a log directory")
    if m := _BUILD_API.match(url):
        return BuildUrl(api_url=url.rstrip("/"), log_url=None)
    if m := _BUILD_PAGE.match(url):
        return BuildUrl(api_url=f"{m['base']}/api/tenant/{m['tenant']}/build/{m['uuid']}", log_url=None)
    return BuildUrl(api_url=None, log_url=url if url.endswith("/") else url + "/")


def _lookup(record: Mapping[str, Any], key: str) -> Any:
    """A field of a build record, old layout (flat) or new (under ``ref``/``buildset``)."""
    for scope in (record, record.get("ref") or {}, record.get("buildset") or {}):
        if isinstance(scope, Mapping) and scope.get(key) not in (None, ""):
            return scope[key]
    return None


#: logstash field <- Zuul build record key, as the job-directory reader derives them.
BUILD_RECORD_FIELDS: tuple[tuple[str, str], ...] = (
    ("build_uuid", "uuid"),
    ("build_name", "job_name"),
    ("build_status", "result"),
    ("project", "project"),
    ("build_branch", "branch"),
    ("build_change", "change"),
    ("build_patchset", "patchset"),
    ("build_queue", "pipeline"),
    ("build_ref", "ref"),
    ("build_newrev", "newrev"),
    ("log_url", "log_url"),
    ("start_time", "start_time"),
    ("end_time", "end_time"),
)


def build_fields(record: Mapping[str, Any]) -> dict[str, str]:
    """The logstash build fields of a Zuul API build record."""
    fields: dict[str, str] = {}
    for name, key in BUILD_RECORD_FIELDS:
        value = _lookup(record, key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            fields[name] = str(value)
    if "build_uuid" in fields:
        fields["build_short_uuid"] = fields["build_uuid"][:7]
    if isinstance(record.get("voting"), bool):
        fields["voting"] = "1" if record["voting"] else "0"
    nodes = (record.get("nodeset") if isinstance(record.get("nodeset"), str) else None) or None
    if nodes:
        fields["node_provider"] = nodes
    return fields


def safe_relative_path(name: str) -> str:
    """``name`` as a path inside the log root, or UnsafeName when it would leave it."""
    decoded = unquote(name)
    if not decoded or decoded.startswith(("/", "\\")) or "\\" in decoded or "\x00" in decoded:
        raise UnsafeName(f"refused entry {name!r}: not a relative path inside the log root")
    if urlsplit(decoded).scheme or decoded.startswith("//"):
        raise UnsafeName(f"refused entry {name!r}: points at another host")
    normal = posixpath.normpath(decoded)
    if normal == ".." or normal.startswith("../") or normal == ".":
        raise UnsafeName(f"refused entry {name!r}: escapes the log root")
    return normal


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """A file under a build's log root."""

    path: str  # relative to the log root, checked by safe_relative_path
    size: int | None = None


def manifest_files(manifest: Mapping[str, Any], on_refused: Callable[[str, str], None]) -> Iterator[RemoteFile]:
    """Walk zuul-manifest.json's ``tree``; entries escaping the root go to ``on_refused``."""

    def walk(entries: Any, prefix: str) -> Iterator[RemoteFile]:
        for entry in entries if isinstance(entries, list) else ():
            name = entry.get("name") if isinstance(entry, Mapping) else None
            if not isinstance(name, str):
                continue
            try:
                path = safe_relative_path(f"{prefix}{name}")
                if "/" in name.strip("/"):
                    raise UnsafeName(f"refused entry {name!r}: a manifest name is one path segment")
            except UnsafeName as exc:
                on_refused(f"{prefix}{name}", str(exc))
                continue
            if entry.get("mimetype") == "application/directory" or "children" in entry:
                yield from walk(entry.get("children") or [], path.rstrip("/") + "/")
            else:
                size = entry.get("size")
                yield RemoteFile(path, size if isinstance(size, int) else None)

    yield from walk(manifest.get("tree"), "")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(value for key, value in attrs if key == "href" and value)


def index_entries(html: str, page_url: str, root_url: str) -> tuple[list[str], list[str]]:
    """Files and subdirectories linked from a directory index page, inside ``root_url`` only.

    Links to parents, sorting links (``?C=M;O=A``), other hosts and anchors are
    not entries of the directory and are ignored.
    """
    parser = _Links()
    parser.feed(html)
    files: list[str] = []
    dirs: list[str] = []
    for href in parser.hrefs:
        if href.startswith(("?", "#")):
            continue
        target = urljoin(page_url, href).split("#")[0].split("?")[0]
        if not target.startswith(root_url) or target == page_url or len(target) <= len(page_url):
            continue
        if not target.startswith(page_url):
            continue
        (dirs if target.endswith("/") else files).append(target[len(root_url) :])
    return files, dirs
