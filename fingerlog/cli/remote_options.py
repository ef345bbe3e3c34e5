"""Options shared by every command that downloads a build (`fetch`, `fetch-builds`, `scan URL`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # httpx and the download machinery are imported only when a command downloads
    from fingerlog.remote.download import Selection
    from fingerlog.remote.http import HttpFetcher

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


class ByteSize(click.ParamType):
    """A size such as ``500000``, ``20M`` or ``1.5GiB``."""

    name = "SIZE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        match = _SIZE.match(str(value))
        if not match:
            self.fail(f"{value!r} is not a size (examples: 500000, 20M, 1.5GiB)", param, ctx)
        return int(float(match[1]) * _UNITS[match[2].lower()])


def remote_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the download options (what to fetch, limits, cache) to a click command."""
    options = [
        click.option("--include", multiple=True, metavar="GLOB", help="Fetch only files matching GLOB (repeatable)."),
        click.option("--exclude", multiple=True, metavar="GLOB", help="Skip files matching GLOB (repeatable)."),
        click.option("--max-bytes", type=ByteSize(), help="Stop fetching a build after this many bytes."),
        click.option("--max-file-bytes", type=ByteSize(), help="Skip files larger than this."),
        click.option("--offline", is_flag=True, help="Use the download cache only; never touch the network."),
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Download cache (default: $XDG_CACHE_HOME/fingerlog/http, else ~/.cache/fingerlog/http).",
        ),
        click.option("--downloads", type=click.IntRange(1, 64), default=8, show_default=True, help="Concurrent downloads."),
        click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def make_fetcher(cache_dir: Path | None, offline: bool, timeout: float) -> HttpFetcher:
    from fingerlog.remote.http import HttpCache, HttpFetcher, Limits, default_cache_dir

    return HttpFetcher(HttpCache(cache_dir or default_cache_dir()), limits=Limits(timeout=timeout), offline=offline)


def make_selection(
    include: tuple[str, ...], exclude: tuple[str, ...], max_bytes: int | None, max_file_bytes: int | None
) -> Selection:
    from fingerlog.remote.download import Selection

    return Selection(include=include, exclude=exclude, max_bytes=max_bytes, max_file_bytes=max_file_bytes)
