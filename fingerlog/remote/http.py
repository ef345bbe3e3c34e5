"""HTTP downloads for log servers: retries, size caps, atomic files and a revalidating cache.

Log servers are flaky and sometimes hostile, so every download here is
bounded (timeouts, redirects, bytes), retried with backoff on connection
errors, 429 and 5xx, and written to a temporary file that is renamed into
place only when complete: a partial download never looks like a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from fingerlog.atomic import atomic_write_text
from fingerlog.errors import FingerlogError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class RemoteError(FingerlogError):
    """A URL that could not be fetched (after retries): one clear line for the user."""

    def __init__(self, url: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.status = status


class TooLarge(RemoteError):
    """A response larger than the cap allows, whatever its Content-Length claimed."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How much a client may do: bounded in time, tries, redirects and bytes."""

    timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class Fetched:
    """A body on disk (in the cache), with what the server said of it."""

    url: str
    path: Path
    size: int
    #: True when the body came over the network now, False when the cache answered.
    downloaded: bool
    content_type: str = ""


class HttpCache:
    """Bodies on disk keyed by URL, with the validators needed to revalidate them."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _key(self, url: str) -> Path:
        digest = hashlib.sha256(url.encode()).hexdigest()
        return self.root / digest[:2] / digest

    def body(self, url: str) -> Path | None:
        path = self._key(url)
        return path if path.is_file() and path.with_suffix(".json").is_file() else None

    def meta(self, url: str) -> dict[str, str]:
        try:
            return json.loads(self._key(url).with_suffix(".json").read_text())
        except (OSError, ValueError):
            return {}

    def store(self, url: str, tmp: Path, meta: dict[str, str]) -> Path:
        path = self._key(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, path)
        atomic_write_text(path.with_suffix(".json"), json.dumps(meta, sort_keys=True))
        return path


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "fingerlog" / "http"


class HttpFetcher:
    """Fetches URLs into the cache; thread-safe, so downloads can run concurrently."""

    def __init__(
        self,
        cache: HttpCache | None = None,
        *,
        limits: Limits = Limits(),
        offline: bool = False,
        verify: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cache = cache or HttpCache(default_cache_dir())
        self.limits = limits
        self.offline = offline
        self._sleep = sleep
        self._client = httpx.Client(
            timeout=limits.timeout,
            follow_redirects=True,
            max_redirects=limits.max_redirects,
            verify=verify,
            headers={"User-Agent": "fingerlog"},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_json(self, url: str) -> object:
        fetched = self.fetch(url, max_bytes=64 * 1024 * 1024)
        try:
            return json.loads(fetched.path.read_bytes())
        except ValueError as exc:
            raise RemoteError(url, f"not JSON: {exc}") from None

    def fetch(self, url: str, *, max_bytes: int | None = None) -> Fetched:
        """The body of ``url`` on disk: from the cache when it is still valid, else downloaded."""
        cached = self.cache.body(url)
        if self.offline:
            if cached is None:
                raise RemoteError(url, "not in the cache (--offline)")
            return self._from_cache(url, cached)
        meta = self.cache.meta(url) if cached else {}
        headers = {}
        if meta.get("etag"):
            headers["If-None-Match"] = meta["etag"]
        if meta.get("last_modified"):
            headers["If-Modified-Since"] = meta["last_modified"]
        for attempt in range(self.limits.retries + 1):
            try:
                return self._download(url, headers, cached, max_bytes)
            except _Retryable as exc:
                if attempt == self.limits.retries:
                    raise RemoteError(url, exc.reason, status=exc.status) from None
                self._sleep(self.limits.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def _from_cache(self, url: str, path: Path) -> Fetched:
        meta = self.cache.meta(url)
        return Fetched(url, path, path.stat().st_size, False, meta.get("content_type", ""))

    def _download(self, url: str, headers: dict[str, str], cached: Path | None, max_bytes: int | None) -> Fetched:
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304 and cached is not None:
                    return self._from_cache(url, cached)
                if response.status_code in RETRY_STATUSES:
                    raise _Retryable(f"HTTP {response.status_code}", response.status_code)
                if response.status_code >= 400:
                    raise RemoteError(url, f"HTTP {response.status_code}", status=response.status_code)
                tmp = self._receive(url, response.iter_bytes(), max_bytes)
                meta = {
                    "url": url,
                    "etag": response.headers.get("etag", ""),
                    "last_modified": response.headers.get("last-modified", ""),
                    "content_type": response.headers.get("content-type", ""),
                }
                path = self.cache.store(url, tmp, meta)
                return Fetched(url, path, path.stat().st_size, True, meta["content_type"])
        except httpx.TooManyRedirects:
            raise RemoteError(url, f"more than {self.limits.max_redirects} redirects") from None
        except httpx.InvalidURL as exc:
            raise RemoteError(url, f"invalid URL: {exc}") from None
        except httpx.UnsupportedProtocol:
            raise RemoteError(url, "not an http(s) URL") from None
        except (httpx.TransportError, httpx.DecodingError) as exc:
            # connection refused or reset, timeout, a body cut off mid-way: worth another try
            raise _Retryable(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None

    def _receive(self, url: str, chunks: Iterator[bytes], max_bytes: int | None) -> Path:
        self.cache.root.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.cache.root, prefix=".part-")
        received = 0
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    received += len(chunk)
                    if max_bytes is not None and received > max_bytes:
                        raise TooLarge(url, f"larger than the {max_bytes:,}-byte limit")
                    out.write(chunk)
        except BaseException:
            os.unlink(name)
            raise
        return Path(name)


class _Retryable(Exception):
    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
